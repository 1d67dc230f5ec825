"""Benchmarks: the committed results parse, and every script runs on tiny sizes.

These are smoke tests, not timing tests: nothing here asserts that a method is
fast (the ratios depend on the machine and its load), only that every script
runs, returns JSON-serialisable results with every key the performance appendix
reads (``APPENDIX_READS``), and that ``benchmarks/results.json``, which the
appendix plots, has them too. The appendix itself checks its qualitative
statements against the numbers when the book is built.
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
    "vandermonde_kernel",
    "rtf_kernel",
}

#: What the performance appendix (chapters/performance.ipynb) reads from each benchmark's result:
#: dotted paths of keys. A script that stops writing one of them breaks the page; these tests say which.
APPENDIX_READS: dict[str, list[str]] = {
    "pinv": ["target_shape", "target_ratio", "sizes"],
    "randomized_svd": ["r", "oversample", "n_iter", "seeds", "shape", "error_ratio.lowrank.frobenius",
                       "error_ratio.sklearn_QR.spectral", "time_ratio.lowrank_over_sklearn_QR.ratio",
                       "time_ratio.lowrank_over_sklearn_default.ratio"],
    "interp_decomp": ["n", "k", "scipy_rand_equals_deterministic", "deterministic.same_columns",
                      "deterministic.time_ratio_lowrank_over_scipy", "deterministic.error_ratio_lowrank_over_scipy",
                      "deterministic.error_lowrank_over_sigma", "deterministic.error_scipy_over_sigma",
                      "deterministic.time_lowrank_s", "deterministic.time_scipy_s", "randomized.same_columns",
                      "randomized.time_ratio_lowrank_over_scipy", "randomized.error_ratio_lowrank_over_scipy",
                      "randomized.error_lowrank_over_sigma", "randomized.error_scipy_over_sigma",
                      "randomized.time_lowrank_s", "randomized.time_scipy_s", "scipy_linear_operator.time_s",
                      "scipy_linear_operator.error_over_sigma", "scipy_linear_operator.time_ratio_lowrank_randomized_over_it",
                      "sampled.time_s", "sampled.error_over_sigma", "sampled.time_ratio_over_randomized"],
    "cr_matmul": ["n", "k", "cases.gaussian.time_ratio_cr_over_exact", "cases.gaussian.optimal.formula_rel_sq_error",
                  "cases.decaying.optimal.formula_rel_sq_error", "cases.decaying.optimal.measured_over_formula",
                  "sweep.n", "sweep.draws", "sweep.points"],
    "monarch_matmul": ["n", "batch", "sweep", "speedup", "speedup_one_thread", "flop_ratio",
                       "dense_gflops_one_thread", "monarch_gflops_one_thread"],
    "s4": ["N", "L", "legs_kernels.seconds", "legs_kernels.speedup_over.naive", "legs_kernels.rel_err_vs_naive",
           "s4d_kernels.seconds", "s4d_kernels.speedup_over.naive", "s4d_kernels.rel_err_vs_naive",
           "legs_outputs.seconds", "legs_outputs.speedup_over.scan", "legs_outputs.rel_err_vs_scan",
           "s4d_outputs.seconds", "s4d_outputs.speedup_over.scan", "s4d_outputs.rel_err_vs_scan",
           "legs_recurrence.seconds", "legs_recurrence.scan_over_legs_recurrence", "legs_recurrence.rel_err_vs_scan",
           "grid", "per_step"],
    "rtf": ["L", "rows", "legs8_rtf_vs_dplr_rel_err"],
    "out_of_core": ["shape", "chunk_rows", "matrix_bytes", "r", "n_iter", "passes.randomized_svd", "peak_gb",
                    "time_in_passes", "error_over_eckart_young.randomized_svd",
                    "error_over_eckart_young.single_pass_svd", "error_ratio_randomized_svd_over_svd_compressed",
                    "time_ratio_randomized_svd_over_svd_compressed", "time_ratio_single_pass_over_svd_compressed",
                    "time_randomized_svd_over_passes_times_one_pass", "targets_met"],
}
GRID_POINT_KEYS = {"N", "L", "seconds", "scan_over_conv", "scan_over_conv_tilde", "dense_fallback_roots"} | {
    f"{base}_over_{fast}" for base in ("naive", "doubling", "two_level") for fast in ("dplr", "dplr_tilde")
} | {f"{base}_over_vandermonde" for base in ("doubling", "two_level", "lfilter")}
GRID_SECONDS = {"scan", "conv_dplr", "conv_dplr_tilde", "legs_naive", "legs_doubling", "legs_two_level", "legs_dplr",
                "legs_dplr_tilde", "s4d_vandermonde", "s4d_lfilter"}
PER_STEP_KEYS = {"N", "L", "scan_s_per_step", "naive_kernel_s_per_step", "legs_recurrence_s_per_step",
                 "dplr_scan_s_per_step"}
RTF_ROW_KEYS = {"system", "N", "rtf_refused", "seconds", "rel_err_vs_naive", "dplr_tilde_over_rtf", "dplr_over_rtf",
                "two_level_over_rtf", "dplr_tilde_over_rtf_direct", "conversion_over_dplr", "direct_rtf_rel_err"}
OOC_CONTENDERS = {"one_pass", "randomized_svd", "svd_compressed", "svd_compressed_compute", "single_pass_svd"}


def missing_appendix_keys(bench: dict[str, dict]) -> list[str]:
    """The keys the appendix reads that ``bench`` (benchmark key -> result) lacks, as readable paths."""
    missing = []
    for name, paths in APPENDIX_READS.items():
        if name not in bench:
            missing.append(name)
            continue
        for path in paths:
            node = bench[name]
            for part in path.split("."):
                if not isinstance(node, dict) or part not in node:
                    missing.append(f"{name}.{path}")
                    break
                node = node[part]
    if "s4" in bench:
        s4 = bench["s4"]
        for p in s4.get("grid", []):
            missing += [f"s4.grid[{p.get('N')}, {p.get('L')}].{k}" for k in GRID_POINT_KEYS - set(p)]
            missing += [f"s4.grid.seconds.{k}" for k in GRID_SECONDS - set(p.get("seconds", {}))]
        for p in s4.get("per_step", []):
            missing += [f"s4.per_step.{k}" for k in PER_STEP_KEYS - set(p)]
        for part in ("legs_outputs", "s4d_outputs", "legs_kernels", "s4d_kernels"):
            for name in s4.get(part, {}).get("seconds", {}):
                if name not in {"naive", "scan"} and name not in s4[part]["speedup_over"]["scan" if "outputs" in part else "naive"]:
                    missing.append(f"s4.{part}.speedup_over.{name}")
    for row in bench.get("rtf", {}).get("rows", []):
        missing += [f"rtf.rows.{k}" for k in RTF_ROW_KEYS - set(row)]
    ooc = bench.get("out_of_core", {})
    for key in ("peak_gb", "time_in_passes"):
        if key in ooc:
            missing += [f"out_of_core.{key}.{c}" for c in OOC_CONTENDERS - set(ooc[key])]
    return sorted(set(missing))


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
    """Every script's ``run(quick=True)``, run once for the whole module (a few seconds in all)."""
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
    assert COMPARISONS <= set(doc["summary"])
    assert set(doc["benchmarks"]) == {key for key, _ in run_all.benchmark_scripts()}


def test_quick_results_have_what_the_appendix_reads(quick_results, run_all):
    """The scripts write every key the performance appendix reads (checked on the smoke run)."""
    keys = dict(run_all.benchmark_scripts())
    bench = {key: quick_results[module] for key, module in keys.items()}
    assert missing_appendix_keys(bench) == []
    summary = run_all.summarize(bench)
    assert COMPARISONS <= set(summary)
    for name in ("s4_conv_vs_recurrence", "dplr_kernel", "vandermonde_kernel"):
        assert summary[name]["speedup_over_every_baseline"], name


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
    assert set(committed["benchmarks"]) == {key for key, _ in run_all.benchmark_scripts()}, "rerun make bench"
    assert COMPARISONS <= set(committed["summary"])
    for name, entry in committed["summary"].items():
        assert math.isfinite(entry["ratio"]) and entry["ratio"] > 0, name
        assert entry["ratio_is"].startswith("time of"), name
        assert isinstance(entry["lowrank_faster"], bool), name


def test_committed_results_have_what_the_appendix_reads(committed):
    bench = {key: value["result"] for key, value in committed["benchmarks"].items()}
    assert missing_appendix_keys(bench) == [], "rerun make bench"


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
    grid = bench["s4"]["grid"]
    Ns, Ls = sorted({p["N"] for p in grid}), sorted({p["L"] for p in grid})
    assert len(Ns) >= 3 and len(Ls) >= 4 and len(grid) == len(Ns) * len(Ls)  # a full grid, for the heat maps
    assert bench["s4"]["N"] in Ns and bench["s4"]["L"] in Ls
    steps = [p["N"] for p in bench["s4"]["per_step"]]
    assert len(steps) >= 4 and steps == sorted(steps) and 64 in steps  # the text quotes N = 64
    rtf_N = [r["N"] for r in bench["rtf"]["rows"] if r["system"] == "spread"]
    assert len(rtf_N) >= 3 and rtf_N == sorted(rtf_N)
    assert not all(r["rtf_refused"] for r in bench["rtf"]["rows"]), "the RTF section needs one accepted conversion"
    shapes = [tuple(s["shape"]) for s in bench["pinv"]["sizes"]]
    assert tuple(bench["pinv"]["target_shape"]) in shapes
