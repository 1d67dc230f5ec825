"""RTF benchmark: the kernel of one system as a rational transfer function and as S4's DPLR kernel.

Setting, for each state size N and each of two families, one random stable
diagonal-plus-rank-one system (``P = Q`` random of size 0.1, random complex B
and C, bilinear step dt = 0.1) and the kernel of length L = 4096:

- ``spread``: ``Lambda_n = -1/2 + i w_n`` with the frequencies ``w_n`` evenly
  spaced over ``(-pi/dt, pi/dt)``: the poles of the discrete system sit near
  a circle of radius ``exp(-dt/2)``, spread around it;
- ``clustered``: real parts uniform in [-1, -0.1], imaginary parts uniform in
  [-5, 5]: all poles in a small cluster near z = 1.

Every contender computes the kernel of **that same system**:

- ``rtf``: ``rtf_kernel(a, b, L)``, three FFTs of length L, O(L log L) for
  every N, from the 2N coefficients ``(a, b) = ssm_to_rtf(Ab, Bb, C~)``;
- ``rtf_direct``: the same call on random coefficients of the same degree N
  (sum |a_i| = 0.9): an RTF model that learns (a, b) directly. This is a
  different system, timed beside the others because the cost of
  ``rtf_kernel`` depends on L and N only, not on the coefficients; it is the
  RTF timing that exists for every N (see below);
- ``dplr_tilde``: ``dplr_kernel(..., C~, tilde=True)``, O(N L): S4 learns C~,
  just as an RTF model learns (a, b), so neither pays a conversion;
- ``dplr``: ``dplr_kernel`` from C, which forms C~ = C (I - Ab^L) by
  repeated squaring, O(N^3 log L);
- ``naive``: ``ssm_kernel``, L matrix-vector products, O(N^2 L): the reference
  for the accuracy of the others;
- ``two_level``: the dense baby-step giant-step kernel of ``bench_s4.py``,
  O(N^2 sqrt(L) + N L + N^3 log L) in BLAS-3 products.

All six run in interleaved rounds on one BLAS thread (``_timing.interleaved_times``,
nine rounds; a ratio is the median of the per-round ratios), and every time is
reported with the relative error (max |K - K_naive| / max |K_naive|) of the
kernel it computed. C~ and the coefficients (a, b) are set up once, outside
the timing; the one-time conversion ``ssm_to_rtf`` (two eigenvalue problems,
O(N^3)) is timed separately against one ``dplr_kernel`` call.

The coefficients come from the eigenvalues of ``Ab`` (``numpy.poly``), and
the FFT evaluates ``1 + a(z)`` with an absolute error of about
``eps sum |a_i|``. For spread poles ``1 + a(z)`` stays of order one on the
unit circle, but ``numpy.poly`` expands a product of N root factors whose
intermediate coefficients grow like binomial coefficients, so the computed
coefficients lose about log10(2^N) digits; for a cluster of N poles near the
circle ``1 + a(z)`` is moreover a product of N small factors near the
cluster. Where ``1 + a(z)`` falls to that rounding level ``rtf_kernel``
refuses (recorded as ``rtf_refused``, with no time and no error): the
accuracy columns show up to which N the conversion works. An RTF model that learns (a, b) directly
never forms them from eigenvalues: ``direct_rtf_rel_err`` compares
``rtf_kernel`` of the ``rtf_direct`` coefficients with the periodized impulse
response of ``scipy.signal.lfilter``.

Run: ``python benchmarks/bench_rtf.py`` (about 10 seconds; ``--quick`` for a smoke run).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import numpy as np
import scipy.signal
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(__file__))
from _timing import interleaved_times, machine_description, median_ratio, median_time, paired_times  # noqa: E402
from bench_s4 import two_level_kernel  # noqa: E402

from lowrank import discretize, dplr_kernel, hippo_legs, legs_nplr, rtf_kernel, ssm_kernel, ssm_to_rtf  # noqa: E402

DT = 0.1


def system(N: int, L: int, kind: str, seed: int = 0) -> dict[str, Any]:
    """A random stable DPLR system, its dense discretization, C~ and its RTF coefficients."""
    rng = np.random.default_rng(seed)
    if kind == "spread":
        Lambda = -0.5 + 1j * (np.pi / DT) * (2 * np.arange(N) + 1 - N) / N
    else:
        Lambda = -rng.uniform(0.1, 1.0, N) + 1j * rng.uniform(-5, 5, N)
    P, B, C = (rng.standard_normal(N) + 1j * rng.standard_normal(N) for _ in range(3))
    P = 0.1 * P
    Ab, Bb = discretize(np.diag(Lambda) - np.outer(P, P.conj()), B, DT)
    C_tilde = C - C @ np.linalg.matrix_power(Ab, L)
    a, b = ssm_to_rtf(Ab, Bb, C_tilde)
    return {"Lambda": Lambda, "P": P, "B": B, "C": C, "C_tilde": C_tilde, "Ab": Ab, "Bb": Bb, "a": a, "b": b}


def direct_coefficients(N: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random RTF coefficients of degree N with sum |a| = 0.9 (stable by the RTF chapter's lemma)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(N)
    a *= 0.9 / np.abs(a).sum()
    return a, rng.standard_normal(N)


def direct_rtf_error(N: int, L: int, seed: int = 0) -> float:
    """``rtf_kernel`` of random coefficients with sum |a| = 0.9 against the periodized ``lfilter`` response."""
    a, b = direct_coefficients(N, seed)
    # With sum |a| = 0.9 the recursion s_k = u_k - sum_i a_i s_{k-i} shrinks the largest of the last N
    # values of s by 0.9 every N steps, so |h_l| <= ||b||_1 0.9^floor(l / N - 1). Summing periods up to
    # l = 400 N leaves a tail below ||b||_1 0.9^399 ~ 6e-19 ||b||_1: far below rounding.
    periods = 400 * N // L + 2
    impulse = np.zeros(periods * L)
    impulse[0] = 1.0
    h = scipy.signal.lfilter(b, np.concatenate([[1.0], a]), impulse)
    reference = h.reshape(periods, L).sum(axis=0)
    return float(np.abs(rtf_kernel(a, b, L) - reference).max() / np.abs(reference).max())


def legs_accuracy(N: int = 8, L: int = 256) -> float:
    """HiPPO-LegS, N = 8: ``rtf_kernel`` after ``ssm_to_rtf`` against ``dplr_kernel(tilde=True)``."""
    A, B = hippo_legs(N)
    Ab, Bb = discretize(A, B, DT)
    C = np.random.default_rng(1).standard_normal(N)
    C_tilde = C - C @ np.linalg.matrix_power(Ab, L)
    Lambda, P, B_legs, V = legs_nplr(N)
    Vh = V.conj().T
    K_s4 = dplr_kernel(Lambda, Vh @ P, Vh @ P, Vh @ B_legs, C_tilde @ V, DT, L, tilde=True)
    a, b = ssm_to_rtf(Ab, Bb, C_tilde)
    return float(np.abs(rtf_kernel(a, b, L) - K_s4).max() / np.abs(K_s4).max())


def _row(s: dict[str, Any], kind: str, N: int, L: int, repeats: int) -> dict[str, Any]:
    """Times and errors of every contender on one system (``rtf`` only where ``rtf_kernel`` accepts it)."""
    Lambda, P, B = s["Lambda"], s["P"], s["B"]
    a_direct, b_direct = direct_coefficients(N)
    contenders = {
        "rtf": lambda: rtf_kernel(s["a"], s["b"], L),
        "rtf_direct": lambda: rtf_kernel(a_direct, b_direct, L),
        "dplr_tilde": lambda: dplr_kernel(Lambda, P, P, B, s["C_tilde"], DT, L, tilde=True),
        "dplr": lambda: dplr_kernel(Lambda, P, P, B, s["C"], DT, L),
        "naive": lambda: ssm_kernel(s["Ab"], s["Bb"], s["C"], L),
        "two_level": lambda: two_level_kernel(s["Ab"], s["Bb"], s["C"], L),
    }
    try:
        contenders["rtf"]()
        rtf_refused = False
    except ValueError:  # 1 + a(z) vanishes to rounding at a root of unity
        rtf_refused = True
        del contenders["rtf"]
    K_ref = contenders["naive"]()
    scale = np.abs(K_ref).max()
    errors = {
        name: float(np.abs(f() - K_ref).max() / scale)
        for name, f in contenders.items()
        if name not in ("naive", "rtf_direct")  # rtf_direct is another system: its error is direct_rtf_rel_err
    }
    times = interleaved_times(contenders, repeats=repeats)
    conversion = paired_times(lambda: ssm_to_rtf(s["Ab"], s["Bb"], s["C_tilde"]), contenders["dplr"], repeats=3)
    row: dict[str, Any] = {
        "system": kind,
        "N": N,
        "rtf_refused": rtf_refused,
        "sum_abs_a": float(np.abs(s["a"]).sum()),
        "seconds": {name: median_time(times, name) for name in contenders},
        "rel_err_vs_naive": errors,
        "dplr_over_dplr_tilde": median_ratio(times, "dplr", "dplr_tilde"),
        "conversion_over_dplr": conversion["ratio"],
        "direct_rtf_rel_err": direct_rtf_error(N, L),
    }
    for name in ("dplr_tilde", "dplr", "naive", "two_level"):
        row[f"{name}_over_rtf"] = None if rtf_refused else median_ratio(times, name, "rtf")
        row[f"{name}_over_rtf_direct"] = median_ratio(times, name, "rtf_direct")
    return row


def run(quick: bool = False) -> dict[str, Any]:
    """Time the kernels of the same systems over the state size; return JSON-serialisable results."""
    L = 256 if quick else 4096
    sizes = [4, 16] if quick else [4, 16, 64, 256]
    repeats = 3 if quick else 9
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for kind in ("spread", "clustered"):
            for N in sizes:
                rows.append(_row(system(N, L, kind), kind, N, L, repeats))
    return {
        "machine": machine_description(),
        "L": L,
        "dt": DT,
        "blas_threads": 1,
        "repeats": repeats,
        "legs8_rtf_vs_dplr_rel_err": legs_accuracy(),
        "rows": rows,
    }


def _table(res: dict[str, Any]) -> str:
    names = ["rtf", "rtf_direct", "dplr_tilde", "dplr", "two_level", "naive"]
    lines = [
        f"Kernel of length L = {res['L']} of one random DPLR system per family and N "
        f"(one BLAS thread, {res['repeats']} rounds)",
        "time in ms (relative error against the naive kernel)",
        f"{'system':>10} {'N':>5}" + "".join(f"{name:>22}" for name in names),
    ]
    for r in res["rows"]:
        cells = []
        for name in names:
            if name not in r["seconds"]:
                cells.append("refused")
                continue
            err = r["rel_err_vs_naive"].get(name)
            cells.append(f"{r['seconds'][name] * 1e3:10.3f}" + (f" ({err:8.1e})" if err is not None else f"{'':11}"))
        lines.append(f"{r['system']:>10} {r['N']:5d}" + "".join(f"{c:>22}" for c in cells))

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    lines.append(
        f"{'system':>10} {'N':>5}{'dplr~/rtf':>11}{'dplr/rtf':>10}{'naive/rtf':>11}{'2-level/rtf':>13}"
        f"{'dplr~/direct':>14}{'ssm_to_rtf/dplr':>17}{'direct err':>12}"
    )
    for r in res["rows"]:
        lines.append(
            f"{r['system']:>10} {r['N']:5d}{fmt(r['dplr_tilde_over_rtf']):>11}{fmt(r['dplr_over_rtf']):>10}"
            f"{fmt(r['naive_over_rtf']):>11}{fmt(r['two_level_over_rtf']):>13}{fmt(r['dplr_tilde_over_rtf_direct']):>14}"
            f"{r['conversion_over_dplr']:17.2f}{r['direct_rtf_rel_err']:12.1e}"
        )
    lines.append(f"LegS N = 8, dt = {res['dt']}: rtf_kernel vs dplr_kernel(tilde=True) rel. error {res['legs8_rtf_vs_dplr_rel_err']:.1e}")
    return "\n".join(lines)


if __name__ == "__main__":
    results = run(quick="--quick" in sys.argv)
    print(_table(results))
    print(json.dumps({k: v for k, v in results.items() if k != "rows"}, indent=1))
