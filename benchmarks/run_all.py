"""Run every benchmark of the course and write ``benchmarks/results.json``.

Each ``bench_*.py`` script measures ``lowrank`` against the routine people
would use instead, side by side in one process: the two contenders alternate
(``_timing.paired_times``) and the reported ratio is the median of the
per-run ratios. This runner calls every script's ``run()``, shows a progress
bar, and writes one JSON file with

- ``machine``: CPU model, core count, Python, numpy and scipy versions, BLAS;
- ``summary``: one entry per comparison of the issue, with its ratio and what
  the ratio means (which time is divided by which);
- ``benchmarks``: the full result dict of every script and its run time.

The appendix ``chapters/performance.ipynb`` reads that file; building the book
never reruns the benchmarks.

Usage::

    python benchmarks/run_all.py            # full sizes, writes benchmarks/results.json (~2 min on 2 cores)
    python benchmarks/run_all.py --quick    # tiny sizes, a smoke run; writes nothing unless --output is given
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results.json"

#: (key in results.json, script module) of the comparisons in ``summary``, in the order they run.
#: Any other ``bench_*.py`` next to this file runs after them, under its name without ``bench_``.
BENCHMARKS: list[tuple[str, str]] = [
    ("pinv", "bench_pinv"),
    ("randomized_svd", "bench_svd"),
    ("interp_decomp", "bench_interpolative"),
    ("cr_matmul", "bench_cr"),
    ("monarch_matmul", "bench_monarch"),
    ("s4", "bench_s4"),
    ("rtf", "bench_rtf"),
]

TIMING_POLICY = (
    "Each ratio compares two contenders timed alternately in one process (benchmarks/_timing.py: "
    "paired_times); it is the median over the paired runs of (time of the first / time of the second). "
    "Unless a key says 'default_threads', every BLAS library is limited to one thread (threadpoolctl), "
    "so the ratios measure the algorithms rather than thread scheduling on a small, shared machine."
)


def benchmark_scripts() -> list[tuple[str, str]]:
    """(key, module) of every ``bench_*.py`` here: those of ``BENCHMARKS`` first, then the rest by name."""
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    listed = {module for _, module in BENCHMARKS}
    return [(key, module) for key, module in BENCHMARKS if module in found] + [
        (module.removeprefix("bench_"), module) for module in found if module not in listed
    ]


def load_benchmarks() -> dict[str, ModuleType]:
    """Import the benchmark scripts (they live next to this file, not in a package)."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return {key: importlib.import_module(module) for key, module in benchmark_scripts()}


def _s4_summary(s4: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The S4 comparisons of issue 17: each headline ratio with its ratios against every other baseline."""
    N, L = s4["N"], s4["L"]
    outputs, legs_k, s4d_k = s4["legs_outputs"], s4["legs_kernels"], s4["s4d_kernels"]
    path = outputs["speedup_over"]
    conv = "conv_dplr_tilde"
    return {
        "s4_conv_vs_recurrence": {
            "ratio": s4["scan_over_conv_tilde"],
            "ratio_is": (
                f"time of ssm_scan (recurrence) / time of dplr_kernel(C~, tilde=True, real=True) + causal_conv "
                f"(S4's convolution path: S4 learns C~), LegS N = {N}, L = {L} "
                "(a speed-up: > 1 means the convolution is faster)"
            ),
            "lowrank_faster": s4["scan_over_conv_tilde"] > 1,
            "ratio_with_C_tilde_from_C": s4["scan_over_conv"],
            "ratio_default_threads": s4["scan_over_conv_tilde_default_threads"],
            "speedup_over_every_baseline": {
                **{name: path[name][conv] for name in path if name != conv},
                "legs_recurrence": s4["legs_recurrence"]["seconds"] / outputs["seconds"][conv],
            },
            "output_rel_err": outputs["rel_err_vs_scan"][conv],
            "target": f">= {s4['target_scan_over_conv']}",
            "target_met": s4["scan_over_conv_tilde"] >= s4["target_scan_over_conv"],
        },
        "dplr_kernel": {
            "ratio": legs_k["speedup_over"]["doubling"]["dplr_tilde"],
            "ratio_is": (
                f"time of the BLAS-3 doubling kernel / time of dplr_kernel(C~, tilde=True, real=True), "
                f"LegS N = {N}, L = {L} (a speed-up: > 1 means dplr_kernel is faster)"
            ),
            "lowrank_faster": legs_k["speedup_over"]["doubling"]["dplr_tilde"] > 1,
            "speedup_over_every_baseline": {
                base: legs_k["speedup_over"][base]["dplr_tilde"] for base in ("naive", "doubling", "two_level")
            },
            "ratio_with_C_tilde_from_C": legs_k["speedup_over"]["doubling"]["dplr"],
            "kernel_rel_err": legs_k["rel_err_vs_naive"]["dplr_tilde"],
        },
        "vandermonde_kernel": {
            "ratio": s4["doubling_over_vandermonde"],
            "ratio_is": (
                f"time of the BLAS-3 doubling kernel / time of vandermonde_kernel(real=True), "
                f"S4D-Lin N = {N}, L = {L} (a speed-up: > 1 means vandermonde_kernel is faster)"
            ),
            "lowrank_faster": s4["doubling_over_vandermonde"] > 1,
            "speedup_over_every_baseline": {
                base: s4d_k["speedup_over"][base]["vandermonde"] for base in ("naive", "doubling", "two_level", "lfilter")
            },
            "kernel_rel_err": s4d_k["rel_err_vs_naive"]["vandermonde"],
            "target": f">= {s4['target_doubling_over_vandermonde']}",
            "target_met": s4["doubling_over_vandermonde"] >= s4["target_doubling_over_vandermonde"],
        },
    }


def _rtf_summary(rtf: dict[str, Any]) -> dict[str, Any]:
    """RTF against S4's kernel on the same system, at the largest N where the conversion is accepted."""
    converted = [r for r in rtf["rows"] if not r["rtf_refused"]]
    same = max(converted, key=lambda r: (r["N"], r["system"] == "spread"))
    largest = max(rtf["rows"], key=lambda r: (r["N"], r["system"] == "spread"))
    return {
        "ratio": same["dplr_tilde_over_rtf"],
        "ratio_is": (
            f"time of dplr_kernel(C~, tilde=True) / time of rtf_kernel, the same {same['system']} DPLR system, "
            f"N = {same['N']} (the largest N whose RTF coefficients ssm_to_rtf produces usable), L = {rtf['L']} "
            "(a speed-up: > 1 means rtf_kernel is faster)"
        ),
        "lowrank_faster": same["dplr_tilde_over_rtf"] > 1,
        "rel_err_rtf": same["rel_err_vs_naive"]["rtf"],
        "rel_err_dplr_tilde": same["rel_err_vs_naive"]["dplr_tilde"],
        "largest_N_converted": {kind: max((r["N"] for r in converted if r["system"] == kind), default=None)
                                for kind in ("spread", "clustered")},
        "ratio_learned_rtf_largest_N": largest["dplr_tilde_over_rtf_direct"],
        "largest_N": largest["N"],
    }


def summarize(bench: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One entry per comparison: the headline ratio, its meaning, and the accuracy figures beside it."""
    pinv = bench["pinv"]
    svd = bench["randomized_svd"]
    ide = bench["interp_decomp"]
    cr = bench["cr_matmul"]
    mon = bench["monarch_matmul"]
    m, n = pinv["target_shape"]
    sm, sn = svd["shape"]
    cr_gauss = cr["cases"]["gaussian"]
    det, rnd = ide["deterministic"], ide["randomized"]
    summary = {
        "pinv": {
            "ratio": pinv["ratio"],
            "ratio_is": f"time of lowrank.pinv / time of numpy.linalg.pinv, {m} x {n} float64",
            "lowrank_faster": pinv["ratio"] < 1,
            "target": f"<= {pinv['target_ratio']}",
            "target_met": pinv["target_met"],
        },
        "randomized_svd": {
            "ratio": svd["time_ratio"]["lowrank_over_sklearn_QR"]["ratio"],
            "ratio_is": (
                "time of lowrank.randomized_svd / time of sklearn.utils.extmath.randomized_svd "
                f"(QR power-iteration normalizer), {sm} x {sn}, rank {svd['r']}"
            ),
            "lowrank_faster": svd["time_ratio"]["lowrank_over_sklearn_QR"]["ratio"] < 1,
            "ratio_vs_sklearn_default": svd["time_ratio"]["lowrank_over_sklearn_default"]["ratio"],
            "error_over_eckart_young_frobenius": {k: v["frobenius"] for k, v in svd["error_ratio"].items()},
            "error_over_eckart_young_spectral": {k: v["spectral"] for k, v in svd["error_ratio"].items()},
        },
        "interp_decomp": {
            "ratio": det["time_ratio_lowrank_over_scipy"],
            "ratio_is": (
                "time of lowrank.interp_decomp(method='qr') / time of "
                f"scipy.linalg.interpolative.interp_decomp(rand=False), {ide['n']} x {ide['n']}, k = {ide['k']}, "
                "both deterministic, same columns, equal error"
            ),
            "lowrank_faster": det["time_ratio_lowrank_over_scipy"] < 1,
            "error_ratio": det["error_ratio_lowrank_over_scipy"],
            "ratio_randomized": rnd["time_ratio_lowrank_over_scipy"],
            "ratio_randomized_is": (
                "time of lowrank.interp_decomp(method='randomized') / time of the same randomized ID from SciPy "
                "routines (same sketch, SciPy's ID of the sketch, scipy.linalg.lstsq), same columns, equal error"
            ),
            "error_ratio_randomized": rnd["error_ratio_lowrank_over_scipy"],
            "error_over_sigma_k_plus_1": {
                "lowrank_qr": det["error_lowrank_over_sigma"],
                "scipy_deterministic": det["error_scipy_over_sigma"],
                "lowrank_randomized": rnd["error_lowrank_over_sigma"],
                "scipy_linear_operator_randomized": ide["scipy_linear_operator"]["error_over_sigma"],
            },
            "scipy_rand_equals_deterministic": ide["scipy_rand_equals_deterministic"],
        },
        "cr_matmul": {
            "ratio": cr_gauss["time_ratio_cr_over_exact"],
            "ratio_is": f"time of lowrank.cr_matmul (k = {cr['k']}) / time of A @ B, n = {cr['n']}, Gaussian A and B",
            "lowrank_faster": cr_gauss["time_ratio_cr_over_exact"] < 1,
            "flop_ratio": cr["k"] / cr["n"],
            "measured_error_over_formula": {
                f"{case}_{kind}": cr["cases"][case][kind]["measured_over_formula"]
                for case in cr["cases"]
                for kind in ("optimal", "uniform")
            },
        },
        "monarch_matmul": {
            "ratio": mon["speedup_one_thread"],
            "ratio_is": (
                f"time of dense M @ X / time of lowrank.monarch_matmul, n = {mon['n']}, "
                f"k = b = {mon['k']}, batch {mon['batch']} (a speed-up: > 1 means Monarch is faster)"
            ),
            "lowrank_faster": mon["speedup_one_thread"] > 1,
            "flop_ratio": mon["flop_ratio"],
            "ratio_default_threads": mon["speedup"],
            "target": ">= 10",
            "target_met": mon["target_met_one_thread"],
        },
        **_s4_summary(bench["s4"]),
        "rtf_kernel": _rtf_summary(bench["rtf"]),
    }
    return summary


def collect(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    """Run every benchmark; return the document that ``results.json`` holds."""
    from tqdm import tqdm

    modules = load_benchmarks()
    from _timing import machine_description  # importable once load_benchmarks has set the path
    start = time.perf_counter()
    bench: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    bar = tqdm(
        modules.items(),
        desc="benchmarks",
        disable=not progress,
        file=sys.stderr,
        # No rate or ETA: the benchmarks differ too much in length for a per-step estimate.
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}] {postfix}",
    )
    for key, module in bar:
        bar.set_postfix_str(key)
        t0 = time.perf_counter()
        result = module.run(quick=quick)
        seconds[key] = time.perf_counter() - t0
        result.pop("machine", None)  # the same for all: stored once, at the top
        bench[key] = result
    bar.close()
    return {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python benchmarks/run_all.py" + (" --quick" if quick else ""),
        "quick": quick,
        "total_seconds": time.perf_counter() - start,
        "machine": machine_description(),
        "timing_policy": TIMING_POLICY,
        "summary": summarize(bench),
        "benchmarks": {
            key: {"script": f"benchmarks/{module}.py", "seconds": seconds[key], "result": bench[key]}
            for key, module in benchmark_scripts()
        },
    }


def _table(doc: dict[str, Any]) -> str:
    mach = doc["machine"]
    lines = [
        f"{mach['cpu']}, {mach['cores']} cores, numpy {mach['numpy']}, scipy {mach['scipy']}, {mach['blas']}",
        f"{'comparison':<24}{'ratio':>9}  meaning",
    ]
    for name, s in doc["summary"].items():
        lines.append(f"{name:<24}{s['ratio']:>9.3f}  {s['ratio_is']}")
    lines.append(f"total {doc['total_seconds']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run; writes nothing by default)")
    parser.add_argument("--output", type=Path, default=None, help=f"where to write the JSON (default {DEFAULT_OUTPUT})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    output = args.output if args.output is not None else (None if args.quick else DEFAULT_OUTPUT)

    doc = collect(quick=args.quick, progress=not args.no_progress)
    print(_table(doc))
    if output is not None:
        text = json.dumps(doc, indent=1, allow_nan=False)
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, output)  # never leave a half-written results.json behind
        print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
