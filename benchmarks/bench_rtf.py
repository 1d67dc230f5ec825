"""RTF benchmark: the kernel from a rational transfer function versus the S4 and naive kernels.

Setting: a random diagonal-plus-rank-one system with N states (complex
Lambda with real parts in [-1, -0.1], bilinear step dt = 0.1) and a kernel
of length L. Three ways to get the L-step kernel:

- ``ssm_kernel``: the powers of the dense discretized matrix, O(L N^2);
- ``dplr_kernel``: S4's Cauchy sums at the roots of unity, O(N L + N^3 log L);
- ``rtf_kernel``: three FFTs of length L from the 2N coefficients (a, b),
  O(L log L) for every N. Its input is N coefficients that satisfy the
  stability lemma (sum |a_i| = 0.9): the RTF as a parametrization of its
  own. The one-time conversion ``ssm_to_rtf`` (two eigenvalue problems,
  O(N^3)) is timed separately against one ``dplr_kernel`` call.

All ratios are measured side by side in one process with ``paired_times``,
on one BLAS thread. Accuracy is checked on HiPPO-LegS (N = 8, dt = 0.1):
``rtf_kernel`` after ``ssm_to_rtf`` against ``dplr_kernel``.

Run: ``python benchmarks/bench_rtf.py`` (about 15 seconds).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(__file__))
from _timing import machine_description, paired_times  # noqa: E402

from lowrank import discretize, dplr_kernel, hippo_legs, legs_nplr, rtf_kernel, ssm_kernel, ssm_to_rtf  # noqa: E402

DT = 0.1


def _setup(N: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    Lambda = -rng.uniform(0.1, 1.0, N) + 1j * rng.uniform(-5, 5, N)
    P, B, C = (rng.standard_normal(N) + 1j * rng.standard_normal(N) for _ in range(3))
    P = 0.1 * P
    Ab, Bb = discretize(np.diag(Lambda) - np.outer(P, P.conj()), B, DT)
    a = rng.standard_normal(N)
    a *= 0.9 / np.abs(a).sum()
    return {"dplr": (Lambda, P, P, B, C), "dense": (Ab, Bb, C), "a": a, "b": rng.standard_normal(N)}


def _legs_accuracy(N: int = 8, L: int = 256) -> float:
    A, B = hippo_legs(N)
    Ab, Bb = discretize(A, B, DT)
    C = np.random.default_rng(1).standard_normal(N)
    Lambda, P, B_legs, V = legs_nplr(N)
    Vh = V.conj().T
    K_s4 = dplr_kernel(Lambda, Vh @ P, Vh @ P, Vh @ B_legs, C @ V, DT, L)
    a, b = ssm_to_rtf(Ab, Bb, C @ (np.eye(N) - np.linalg.matrix_power(Ab, L)))
    return float(np.abs(rtf_kernel(a, b, L) - K_s4).max() / np.abs(K_s4).max())


def run(quick: bool = False) -> dict:
    """Time the three kernels over the state size; return JSON-serialisable results."""
    L = 256 if quick else 4096
    sizes = [4, 16] if quick else [4, 16, 64, 256]
    repeats = 3 if quick else 7
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for N in sizes:
            s = _setup(N)
            Lambda, P, Q, B, C = s["dplr"]
            Ab, Bb, Cd = s["dense"]

            def rtf():
                return rtf_kernel(s["a"], s["b"], L)

            def dplr():
                return dplr_kernel(Lambda, P, Q, B, C, DT, L)

            versus_dplr = paired_times(dplr, rtf, repeats=repeats)
            versus_naive = paired_times(lambda: ssm_kernel(Ab, Bb, Cd, L), rtf, repeats=3)
            conversion = paired_times(lambda: ssm_to_rtf(Ab, Bb, Cd), dplr, repeats=3)
            rows.append(
                {
                    "N": N,
                    "rtf_s": versus_dplr["second_s"],
                    "dplr_s": versus_dplr["first_s"],
                    "naive_s": versus_naive["first_s"],
                    "dplr_over_rtf": versus_dplr["ratio"],
                    "naive_over_rtf": versus_naive["ratio"],
                    "conversion_over_dplr": conversion["ratio"],
                }
            )
    return {
        "machine": machine_description(),
        "L": L,
        "dt": DT,
        "blas_threads": 1,
        "legs8_rtf_vs_dplr_rel_err": _legs_accuracy(),
        "rows": rows,
    }


def _table(res: dict) -> str:
    lines = [
        f"Kernel of length L = {res['L']} (one BLAS thread); ratios > 1: rtf_kernel wins",
        f"{'N':>5} {'rtf_kernel':>11} {'dplr_kernel':>12} {'ssm_kernel':>11} {'dplr/rtf':>9} {'naive/rtf':>10}"
        f" {'ssm_to_rtf/dplr':>16}",
    ]
    for r in res["rows"]:
        lines.append(
            f"{r['N']:5d} {r['rtf_s'] * 1e3:9.3f}ms {r['dplr_s'] * 1e3:10.3f}ms {r['naive_s'] * 1e3:9.3f}ms"
            f" {r['dplr_over_rtf']:9.1f} {r['naive_over_rtf']:10.1f} {r['conversion_over_dplr']:16.2f}"
        )
    lines.append(f"LegS N = 8, dt = {res['dt']}: rtf_kernel vs dplr_kernel rel. error {res['legs8_rtf_vs_dplr_rel_err']:.1e}")
    return "\n".join(lines)


if __name__ == "__main__":
    results = run(quick="--quick" in sys.argv)
    print(_table(results))
    print(json.dumps({k: v for k, v in results.items() if k != "rows"}, indent=1))
