"""Benchmarks: the committed results parse, and every script runs on tiny sizes.

These are smoke tests, not timing tests: nothing here asserts that a method is
fast (the ratios depend on the machine and its load), only that every script
runs, returns JSON-serialisable results, and that ``benchmarks/results.json``,
which the performance appendix plots, has everything the page reads.
"""

from __future__ import annotations

import copy
import importlib
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results.json"
SCRIPTS = sorted(p.stem for p in BENCH.glob("bench_*.py"))
COMPARISONS = {
    "pinv",
    "randomized_svd",
    "interp_decomp",
    "cr_matmul",
    "monarch_matmul",
    "s4_conv_vs_recurrence",
    "dplr_kernel",
}


def _import(name: str) -> ModuleType:
    """Import a module from benchmarks/ (the scripts are not a package)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def run_all() -> ModuleType:
    return _import("run_all")


@pytest.fixture(scope="module")
def quick_results() -> dict[str, dict]:
    """Every script's ``run(quick=True)``, run once for the whole module (about 2 s in all)."""
    return {name: _import(name).run(quick=True) for name in SCRIPTS}


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8"))


def test_run_all_runs_every_script(run_all):
    assert sorted(module for _, module in run_all.benchmark_scripts()) == SCRIPTS
    # The scripts behind the summary's comparisons are all there.
    assert {module for _, module in run_all.BENCHMARKS} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_runs_on_tiny_sizes(name, quick_results):
    result = quick_results[name]
    assert isinstance(result, dict) and result
    json.dumps(result, allow_nan=False)  # raises on NaN/inf or non-JSON values
    table = _import(name)._table(result)  # the script's own printout works too
    assert isinstance(table, str) and table.count("\n") >= 2


@pytest.fixture
def cached_runs(quick_results, monkeypatch):
    """Make every script's ``run`` return its quick result instead of running again."""
    for name in SCRIPTS:
        monkeypatch.setattr(_import(name), "run", lambda quick=False, _r=quick_results[name]: copy.deepcopy(_r))


def test_run_all_writes_a_results_file(run_all, cached_runs, tmp_path, committed):
    out = tmp_path / "results.json"
    assert run_all.main(["--quick", "--no-progress", "--output", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["quick"] is True
    assert set(doc) == set(committed)
    assert set(doc["summary"]) == set(committed["summary"]) == COMPARISONS
    assert set(doc["benchmarks"]) == set(committed["benchmarks"])


def test_quick_run_leaves_the_committed_results_alone(run_all, cached_runs):
    before = RESULTS.read_bytes()
    assert run_all.main(["--quick", "--no-progress"]) == 0
    assert RESULTS.read_bytes() == before


def test_committed_results_parse(run_all, committed):
    assert committed["quick"] is False
    assert 0 < committed["total_seconds"] < 300, "make bench must finish in under 5 minutes"
    machine = committed["machine"]
    for key in ("cpu", "cores", "python", "numpy", "scipy", "blas"):
        assert machine[key], key
    assert committed["created"][:2] == "20"
    assert {"pinv", "randomized_svd", "interp_decomp", "cr_matmul", "monarch_matmul", "s4"} <= set(committed["benchmarks"])
    assert set(committed["benchmarks"]) == {key for key, _ in run_all.benchmark_scripts()}, "rerun make bench"
    assert set(committed["summary"]) == COMPARISONS
    for name, entry in committed["summary"].items():
        assert math.isfinite(entry["ratio"]) and entry["ratio"] > 0, name
        assert entry["ratio_is"].startswith("time of"), name
        assert isinstance(entry["lowrank_faster"], bool), name


def test_committed_summary_is_derived_from_the_results(run_all, committed):
    results = {key: value["result"] for key, value in committed["benchmarks"].items()}
    assert run_all.summarize(results) == committed["summary"]


def test_committed_sweeps_grow(committed):
    """The appendix plots these sweeps on log-log axes: several sizes, increasing."""
    bench = {key: value["result"] for key, value in committed["benchmarks"].items()}
    ns = [p["n"] for p in bench["monarch_matmul"]["sweep"]]
    assert len(ns) >= 4 and ns == sorted(ns) and ns[-1] == bench["monarch_matmul"]["n"]
    ks = [p["k"] for p in bench["cr_matmul"]["sweep"]["points"]]
    assert len(ks) >= 4 and ks == sorted(ks)
    for grid in ("grid", "kernel_grid"):
        points = bench["s4"][grid]
        assert len({p["N"] for p in points}) >= 3 and len({p["L"] for p in points}) >= 4
    shapes = [tuple(s["shape"]) for s in bench["pinv"]["sizes"]]
    assert tuple(bench["pinv"]["target_shape"]) in shapes
