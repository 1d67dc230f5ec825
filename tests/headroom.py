"""How much room does each numeric check leave? (``make headroom``)

A tolerance that the observed error nearly reaches on one machine is a check
that fails on another CPU, BLAS or thread count. This module measures, for
every comparison a chapter or a unit test makes, the ratio

    headroom = allowed error / observed error

and lists the smallest ones. It instruments the comparison helpers the course
uses, without changing what they do:

* ``np.testing.assert_allclose(actual, desired, rtol, atol)``: the allowed
  error of entry i is ``atol + rtol * |desired_i|``; headroom is the minimum
  over entries of allowed / ``|actual_i - desired_i|``.
* ``np.testing.assert_array_less(x, y)`` (the course's form of "x stays below
  the bound y", or "y exceeds the threshold x"): headroom is the minimum of
  ``y_i / x_i`` over entries where both are positive. Signs carry no ratio and
  are not recorded.

An exact result (observed error 0) has infinite headroom. Inside a Jupyter
kernel the records carry the source of the cell that made them; the report
maps that source back to the chapter and the cell index.

Run ``python tests/headroom.py [chapters/x.ipynb ...] [--threads N]``. In
``make test`` the same instrumentation is active in every nbval and book-build
kernel (``tests/conftest.py``) and ``tests/test_headroom.py`` fails when a
deterministic check keeps less than :data:`MIN_HEADROOM`, unless its cell (or
test function) carries a ``# headroom:`` comment saying why less is safe.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
MIN_HEADROOM = 3.0
EXEMPTION = "# headroom:"
LOG_VARIABLE = "LOWRANK_HEADROOM_LOG"

# ---------------------------------------------------------------------------
# The ratios
# ---------------------------------------------------------------------------


def allclose_headroom(actual: Any, desired: Any, rtol: float = 1e-7, atol: float = 0.0) -> float:
    """Smallest allowed/observed error ratio of ``assert_allclose(actual, desired, rtol, atol)``."""
    import numpy as np

    a = np.asarray(actual)
    d = np.asarray(desired)
    if a.dtype.kind not in "biufc" or d.dtype.kind not in "biufc":
        return math.inf
    kind = complex if "c" in a.dtype.kind + d.dtype.kind else float
    a, d = np.broadcast_arrays(a.astype(kind), d.astype(kind))
    finite = np.isfinite(a) & np.isfinite(d)
    if not finite.any():
        return math.inf
    observed = np.abs(a[finite] - d[finite])
    allowed = atol + rtol * np.abs(d[finite])
    bad = observed > 0
    if not bad.any():
        return math.inf
    with np.errstate(divide="ignore", over="ignore"):
        return float(np.min(allowed[bad] / observed[bad]))


def less_headroom(x: Any, y: Any) -> float | None:
    """Smallest ratio y/x of ``assert_array_less(x, y)`` over entries where both are positive."""
    import numpy as np

    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    both = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if not both.any():
        return None
    with np.errstate(over="ignore"):
        return float(np.min(y[both] / x[both]))


# ---------------------------------------------------------------------------
# Instrumentation
# ---------------------------------------------------------------------------


def install(record: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
    """Wrap ``numpy.testing.assert_allclose`` / ``assert_array_less``; return a function that undoes it.

    ``record`` receives one dict per call. The wrapped functions behave exactly
    as the originals (same result, same exception); a failure to measure is
    never an error.
    """
    import numpy.testing as npt

    original_allclose = npt.assert_allclose
    original_less = npt.assert_array_less

    def assert_allclose(actual, desired, rtol=1e-7, atol=0, *args, **kwargs):
        try:
            h = allclose_headroom(actual, desired, rtol, atol)
            record({"kind": "assert_allclose", "headroom": h, "rtol": float(rtol), "atol": float(atol)})
        except Exception:  # noqa: BLE001 - measuring must never break a check
            pass
        return original_allclose(actual, desired, rtol, atol, *args, **kwargs)

    def assert_array_less(x, y, *args, **kwargs):
        try:
            h = less_headroom(x, y)
            if h is not None:
                record({"kind": "assert_array_less", "headroom": h})
        except Exception:  # noqa: BLE001
            pass
        return original_less(x, y, *args, **kwargs)

    assert_allclose.__wrapped__ = original_allclose  # type: ignore[attr-defined]
    assert_array_less.__wrapped__ = original_less  # type: ignore[attr-defined]
    npt.assert_allclose = assert_allclose
    npt.assert_array_less = assert_array_less

    def undo() -> None:
        npt.assert_allclose = original_allclose
        npt.assert_array_less = original_less

    return undo


def append_record(log: Path, entry: dict[str, Any]) -> None:
    """Append one JSON line (infinite headroom is stored as null)."""
    entry = dict(entry)
    if entry.get("headroom") is not None and not math.isfinite(entry["headroom"]):
        entry["headroom"] = None
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def install_in_kernel() -> None:
    """Called from the IPython startup file: record every check with the source of its cell."""
    log = os.environ.get(LOG_VARIABLE)
    if not log:
        return
    from IPython import get_ipython

    ip = get_ipython()
    if ip is None:
        return
    state = {"cell": ""}

    def remember(info) -> None:
        state["cell"] = info.raw_cell
        append_record(Path(log), {"kind": "ran", "headroom": None, "cell": info.raw_cell, "pid": os.getpid()})

    ip.events.register("pre_run_cell", remember)

    def record(entry: dict[str, Any]) -> None:
        try:
            from threadpoolctl import threadpool_info

            threads = max((i.get("num_threads", 1) for i in threadpool_info() if i["user_api"] == "blas"), default=1)
        except Exception:  # noqa: BLE001
            threads = None
        append_record(Path(log), {**entry, "cell": state["cell"], "blas_threads": threads, "pid": os.getpid()})

    install(record)


STARTUP = f"""\
# Written by tests/headroom.py: measure the headroom of every numeric check in this kernel.
import importlib.util as _u
_spec = _u.spec_from_file_location("_lowrank_headroom", {str(Path(__file__).resolve())!r})
_m = _u.module_from_spec(_spec)
_spec.loader.exec_module(_m)
_m.install_in_kernel()
del _u, _spec, _m
"""


def make_ipython_dir(where: Path) -> Path:
    """An IPYTHONDIR whose default profile runs the instrumentation at kernel start."""
    startup = where / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-headroom.py").write_text(STARTUP, encoding="utf-8")
    return where


# ---------------------------------------------------------------------------
# Reading the records
# ---------------------------------------------------------------------------


def read_records(log: Path) -> list[dict[str, Any]]:
    """The records of a log: checks with their headroom, and one ``kind == "ran"`` entry per executed cell."""
    if not log.exists():
        return []
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            if entry.get("headroom") is None:
                entry["headroom"] = math.inf
            out.append(entry)
    return out


def chapter_cells(notebooks: list[Path] | None = None) -> dict[str, list[tuple[str, int, int]]]:
    """Map the source of each code cell to (chapter, cell index, code-cell number as nbval counts it)."""
    cells: dict[str, list[tuple[str, int, int]]] = {}
    for nb_path in notebooks or sorted(CHAPTERS.glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        n_code = 0
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            cells.setdefault(src, []).append((nb_path.stem, i, n_code))
            n_code += 1
    return cells


def locate(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attach chapter / cell to each kernel record (records of cells no chapter holds are dropped)."""
    where = chapter_cells()
    out = []
    for r in records:
        if "cell" not in r:
            out.append(r)
            continue
        for chapter, index, code_number in where.get(r["cell"], []):
            out.append({**r, "chapter": chapter, "cell_index": index, "nbval_cell": code_number})
    return out


def exempt(record: dict[str, Any]) -> bool:
    """A check may keep less headroom when its cell or test says why, in a ``# headroom:`` comment."""
    return EXEMPTION in record.get("cell", "") or bool(record.get("exempt"))


def checks(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records that measure a check (not the cell-execution markers)."""
    return [r for r in records if r.get("kind") != "ran"]


def tightest(records: list[dict[str, Any]], top: int = 20) -> list[dict[str, Any]]:
    """The ``top`` checks with the least headroom (the minimum over repeated runs of the same check)."""
    best: dict[tuple, dict[str, Any]] = {}
    for r in checks(records):
        # a chapter check is one call in one cell; a unit test counts as one check (its tightest call)
        key = (r["chapter"], r["cell_index"], r.get("call", 0)) if "chapter" in r else (r.get("test"),)
        if key not in best or r["headroom"] < best[key]["headroom"]:
            best[key] = r
    return sorted(best.values(), key=lambda r: r["headroom"])[:top]


def describe(r: dict[str, Any]) -> str:
    place = (
        f"{r['chapter']} cell {r['cell_index']} (nbval Cell {r['nbval_cell']})" if "chapter" in r else r.get("test", "?")
    )
    h = "inf" if math.isinf(r["headroom"]) else f"{r['headroom']:.3g}"
    flags = " [exempt: # headroom: comment]" if exempt(r) else ""
    threads = f" threads={r['blas_threads']}" if r.get("blas_threads") is not None else ""
    return f"{h:>10}  {r['kind']:<18} {place}, check {r.get('call', 0) + 1}{threads}{flags}"


def number_calls(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number the checks of each cell execution in order, so repeated runs of one cell pair up."""
    counters: dict[tuple, int] = {}
    previous: tuple | None = None
    out = []
    for r in records:
        run = (r.get("pid"), r.get("cell"), r.get("test"))
        if r.get("kind") == "ran":
            previous = None
            out.append(r)
            continue
        if run != previous:
            counters[run] = 0
            previous = run
        out.append({**r, "call": counters[run]})
        counters[run] += 1
    return out


# ---------------------------------------------------------------------------
# Running chapters
# ---------------------------------------------------------------------------


def thread_env(threads: int | None) -> dict[str, str]:
    if threads is None:
        return {}
    return {k: str(threads) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def run_chapters(
    notebooks: list[Path], log: Path, threads: int | None = None, timeout: int = 600
) -> tuple[dict[str, float], list[str]]:
    """Execute each notebook in a fresh instrumented kernel; return the wall time of each, and the errors.

    A cell that raises does not stop its chapter here: the report lists it and
    the later cells still get measured.
    """
    import nbformat
    from nbclient import NotebookClient

    times, errors = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        saved = dict(os.environ)
        os.environ.update({"IPYTHONDIR": str(make_ipython_dir(Path(tmp))), LOG_VARIABLE: str(log)})
        os.environ.update(thread_env(threads))
        os.environ.setdefault("MPLBACKEND", "Agg")
        try:
            for nb_path in notebooks:
                nb = nbformat.read(nb_path, as_version=4)
                client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                        resources={"metadata": {"path": str(nb_path.parent)}})
                start = time.perf_counter()
                client.execute()
                times[nb_path.stem] = time.perf_counter() - start
                for i, cell in enumerate(nb.cells):
                    for out in cell.get("outputs", []):
                        if out.get("output_type") == "error":
                            errors.append(f"{nb_path.stem} cell {i}: {out['ename']}: {out['evalue'][:200]}")
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return times, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="chapters to run (default: all)")
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: the library's own)")
    parser.add_argument("--top", type=int, default=20, help="how many of the tightest checks to print")
    parser.add_argument("--log", type=Path, default=None, help="also keep the raw records in this JSON-lines file")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or sorted(CHAPTERS.glob("*.ipynb"))

    with tempfile.TemporaryDirectory() as tmp:
        log = args.log or Path(tmp) / "headroom.jsonl"
        if log.exists():
            log.unlink()
        times, errors = run_chapters(notebooks, log, args.threads)
        records = locate(number_calls(read_records(log)))

    print(f"Ran {len(notebooks)} chapter(s); {len(checks(records))} instrumented checks.")
    for name, seconds in times.items():
        print(f"  {name:<16} {seconds:6.1f} s")
    print(f"\nThe {args.top} tightest checks (headroom = allowed error / observed error; "
          f"below {MIN_HEADROOM:g} fails the test unless exempt):")
    for r in tightest(records, args.top):
        print("  " + describe(r))
    if errors:
        print(f"\n{len(errors)} cell(s) raised:")
        for e in errors:
            print("  " + e)
    failing = [r for r in tightest(records, len(records)) if r["headroom"] < MIN_HEADROOM and not exempt(r)]
    if failing:
        print(f"\n{len(failing)} check(s) below {MIN_HEADROOM:g}x without a '# headroom:' comment.")
    return 1 if failing or errors else 0


if __name__ == "__main__":
    sys.exit(main())
