"""Pseudo-inverse: lowrank.pinv against numpy.linalg.pinv, side by side in one run.

Issue-2 target: on an 800 x 400 float64 matrix with standard normal entries,
``lowrank.pinv(A)`` takes at most 1.2 times as long as ``numpy.linalg.pinv(A)``.
Both compute the thin SVD of ``A`` with LAPACK's divide-and-conquer driver
(``gesdd``), drop the singular values below a relative cut-off and form
``V diag(1/s) U^T`` in one matrix product, so the expected ratio is 1: the SVD
is almost all of the work (the ``svd_share`` rows: SVD time / numpy.linalg.pinv
time). What lowrank adds is the argument check, one pass over ``A`` for
NaN/inf.

Sizes: the target 800 x 400, its transpose 400 x 800 (a wide matrix), and
a small (200 x 100) and a larger (1600 x 800) tall one. Everything runs on one
BLAS thread: on a small machine shared with other busy processes,
multi-threaded BLAS timings measure the scheduler more than the algorithm
(on the 2-core machine of ``results.json``, a busy neighbour made each
default-thread call several times slower than the one-thread call).

Run: ``python benchmarks/bench_pinv.py`` (add ``--quick`` for a tiny smoke run).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(__file__))
from _timing import machine_description, paired_times  # noqa: E402

from lowrank import pinv  # noqa: E402

TARGET_SHAPE = (800, 400)
TARGET_RATIO = 1.2


def run(quick: bool = False) -> dict[str, Any]:
    """Time ``lowrank.pinv`` against ``numpy.linalg.pinv``; return JSON-serialisable results."""
    shapes = [(40, 20), (20, 40)] if quick else [(200, 100), TARGET_SHAPE, (400, 800), (1600, 800)]
    target = shapes[0] if quick else TARGET_SHAPE
    rng = np.random.default_rng(0)
    matrices = {shape: rng.standard_normal(shape) for shape in shapes}
    sizes = []
    with threadpool_limits(limits=1, user_api="blas"):
        for (m, n), A in matrices.items():
            repeats = 3 if quick else (15 if (m, n) == target else 5)
            # Same cut-off convention (max(m, n) eps relative), so the two results agree
            # to the rounding of the SVD: ~ cond(A) * max(m, n) * eps relative.
            ours, theirs = pinv(A), np.linalg.pinv(A)
            rel_diff = float(np.linalg.norm(ours - theirs) / np.linalg.norm(theirs))
            t = paired_times(lambda: pinv(A), lambda: np.linalg.pinv(A), repeats=repeats)
            svd = paired_times(lambda: np.linalg.svd(A, full_matrices=False), lambda: np.linalg.pinv(A), repeats=3)
            sizes.append(
                {
                    "shape": [m, n],
                    "lowrank_s": t["first_s"],
                    "numpy_s": t["second_s"],
                    "ratio": t["ratio"],
                    "repeats": repeats,
                    "svd_share": svd["ratio"],
                    "relative_difference": rel_diff,
                }
            )
    main = next(s for s in sizes if tuple(s["shape"]) == target)
    return {
        "dtype": "float64",
        "blas_threads": 1,
        "target_shape": list(target),
        "target_ratio": TARGET_RATIO,
        "ratio": main["ratio"],
        "target_met": bool(main["ratio"] <= TARGET_RATIO) if not quick else None,
        "sizes": sizes,
        "machine": machine_description(),
    }


def _table(res: dict[str, Any]) -> str:
    lines = [
        "lowrank.pinv vs numpy.linalg.pinv, float64, standard normal entries, one BLAS thread",
        f"{'shape':>12}{'lowrank (ms)':>14}{'numpy (ms)':>12}{'ratio':>8}{'SVD share':>11}{'rel. diff':>11}",
    ]
    for s in res["sizes"]:
        shape = f"{s['shape'][0]} x {s['shape'][1]}"
        lines.append(
            f"{shape:>12}{1e3 * s['lowrank_s']:>14.2f}{1e3 * s['numpy_s']:>12.2f}{s['ratio']:>8.3f}"
            f"{s['svd_share']:>11.2f}{s['relative_difference']:>11.1e}"
        )
    m, n = res["target_shape"]
    lines.append(
        f"target {m} x {n}: ratio {res['ratio']:.3f} (target <= {res['target_ratio']}: {res['target_met']})"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    out = run(quick="--quick" in sys.argv)
    print(_table(out))
    print(json.dumps(out, indent=1))
