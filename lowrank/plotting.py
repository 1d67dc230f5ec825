"""One colour palette and one figure style for every chapter of the course.

Not re-exported from :mod:`lowrank` (it needs matplotlib, which the numerical
package does not). Chapters call :func:`use_course_style` once and pick
colours from :data:`COLORS` by role, so that "theory" or "measured" look the
same everywhere in the book.
"""

from __future__ import annotations

__all__ = ["COLORS", "use_course_style"]

#: Colours by role (colour-blind-safe Okabe–Ito palette).
COLORS: dict[str, str] = {
    "theory": "#000000",      # closed forms, bounds, exact curves
    "measured": "#0072B2",    # what lowrank computes
    "reference": "#E69F00",   # numpy / scipy / sklearn baselines
    "alternative": "#009E73", # a second method being compared
    "warning": "#D55E00",     # blow-ups, failures, naive methods
    "accent": "#CC79A7",
    "muted": "#999999",
}


def use_course_style() -> None:
    """Apply the course's matplotlib defaults (sizes readable at the site's width)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.8),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(
                color=[COLORS[k] for k in ("measured", "reference", "alternative", "warning", "accent", "theory")]
            ),
            "legend.frameon": False,
            "font.size": 10,
        }
    )
