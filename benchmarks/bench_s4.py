"""S4 benchmark: structured kernels and the convolution against the baselines a careful engineer would use.

Two real systems with N states, step dt = 0.01, a seeded random output vector
and input sequence of length L:

- ``legs``: HiPPO-LegS (normal plus rank one, :func:`lowrank.legs_nplr`),
  bilinear discretization; the model S4 is built on;
- ``s4d``: S4D-Lin, the diagonal system of ``N // 2`` complex modes
  ``lowrank.s4d_lambda(N)[: N // 2]`` and their conjugates, zero-order hold,
  ``B = 1``; the dense baselines get its real N x N form (2 x 2 blocks).

Kernel methods (``K_l = C Ab^l Bb``, ``l < L``):

- ``naive``: ``ssm_kernel``, L matrix-vector products in a Python loop, O(N^2 L);
- ``doubling``: the Krylov block [Bb, Ab Bb, ...] by BLAS-3 doubling,
  ``V_{2m} = [V_m, Ab^m V_m]`` with ``Ab^{2m} = (Ab^m)^2``: the same
  O(N^2 L) flops as the naive powers (plus O(N^3 log L)) in log2(L) large
  matrix products;
- ``two_level``: a stronger dense baseline, baby-step giant-step:
  ``K_{mj+i} = (C Ab^{mj})(Ab^i Bb)`` with m = ceil(sqrt L): two doubling
  blocks of about sqrt(L) columns and one (L/m x N)(N x m) product,
  O(N^2 sqrt(L) + N L + N^3 log L) flops, nearly all in BLAS-3;
- ``dplr`` / ``dplr_tilde`` (``legs``): ``dplr_kernel(real=True)`` from C
  (it forms C~ = C (I - Ab^L), O(N^3 log L)) or from C~ itself
  (``tilde=True``, what S4 learns);
- ``vandermonde`` (``s4d``): ``vandermonde_kernel(real=True)``, O(N L);
- ``lfilter`` (``s4d``): the impulse response as a sum of ``N // 2`` real
  second-order ``scipy.signal.lfilter`` calls, one per conjugate pair, O(N L) in C.

Output methods (``y`` from ``u``):

- ``scan``: ``ssm_scan`` on the dense matrix, L steps of a Python loop, O(N^2 L);
- ``legs_recurrence`` (``legs``): the same recurrence with the O(N) structured
  LegS step, ``(I - dt A/2) x_k = (I + dt A/2) x_{k-1} + dt B u_k`` through
  ``legs_matvec`` and ``legs_solve``;
- ``dplr_scan`` (``legs``): the O(N)-per-step Woodbury recurrence of
  ``lowrank.dplr_scan``;
- ``lfilter`` (``s4d``): ``N // 2`` second-order ``lfilter`` calls on ``u``;
- ``parallel_scan`` (``s4d``): ``lowrank.parallel_scan``, ceil(log2 L)
  vectorized steps, O(N L log L);
- ``conv_*``: a kernel above followed by ``causal_conv`` (FFT, O(L log L)).

All contenders of one measurement run in interleaved rounds
(``_timing.interleaved_times``); a ratio is the median over rounds of the
per-round ratio. Every timing is paired with an accuracy: the relative error
(max |difference| / max |reference|) of each kernel against the naive one and
of each output against ``scan``. Everything runs on one BLAS thread except the
one comparison marked ``default_threads``.

Targets (issue 17), both at N = 64, L = 16384: ``vandermonde_kernel`` at least
5x faster than the doubling kernel, and S4's convolution path
(``dplr_kernel`` + ``causal_conv``) at least 10x faster than ``ssm_scan``.
S4 learns C~, so its path is ``conv_dplr_tilde``; the path that computes C~
from C (``conv_dplr``) is reported beside it.

Two sweeps: ``grid`` (N = 4 ... 256, L = 64 ... 16384; every kernel, the scan
and the two DPLR convolution paths, and how many roots ``dplr_kernel`` had to
evaluate from the dense resolvent), and ``per_step`` (L = 512 fixed, N from 1
to 1024: the time per step of the loops, which shows the Python call overhead
that dominates them at small N).

Run: ``python benchmarks/bench_s4.py`` (about 20 seconds; ``--quick`` for a smoke run).
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.signal
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(__file__))
from _timing import interleaved_times, machine_description, median_ratio, median_time, paired_times  # noqa: E402

from lowrank import (  # noqa: E402
    causal_conv,
    discretize,
    dplr_kernel,
    dplr_scan,
    hippo_legs,
    legs_matvec,
    legs_nplr,
    legs_solve,
    parallel_scan,
    s4d_lambda,
    ssm_kernel,
    ssm_scan,
    vandermonde_kernel,
)

DT = 0.01
TARGET_VANDERMONDE_OVER_DOUBLING = 5.0  # doubling time / vandermonde_kernel time
TARGET_SCAN_OVER_CONV = 10.0  # ssm_scan time / (dplr_kernel + causal_conv) time


# ----------------------------------------------------------------------------- baselines


def krylov_doubling(Ab: np.ndarray, v: np.ndarray, L: int) -> np.ndarray:
    """Columns ``Ab^l v`` for ``l < L`` by doubling: ``V_{2m} = [V_m, Ab^m V_m]``.

    ``ceil(log2 L)`` products of ``Ab^m`` (squared in between) with the block
    found so far: O(N^2 L + N^3 log L) flops in a few large BLAS-3 calls.
    """
    V = np.empty((Ab.shape[0], L), dtype=np.result_type(Ab, v))
    V[:, 0] = v
    power, m = Ab, 1
    while m < L:
        k = min(m, L - m)
        np.matmul(power, V[:, :k], out=V[:, m : m + k])
        m += k
        if m < L:
            power = power @ power
    return V


def doubling_kernel(Ab: np.ndarray, Bb: np.ndarray, C: np.ndarray, L: int) -> np.ndarray:
    """``K_l = C Ab^l Bb`` from the doubled Krylov block."""
    return C @ krylov_doubling(Ab, Bb, L)


def two_level_kernel(Ab: np.ndarray, Bb: np.ndarray, C: np.ndarray, L: int) -> np.ndarray:
    """``K_{mj+i} = (C Ab^{mj}) (Ab^i Bb)``: baby steps ``Ab^i Bb`` (i < m), giant steps ``C (Ab^m)^j``."""
    m = math.isqrt(L - 1) + 1  # ceil(sqrt(L))
    giant = -(-L // m)
    baby_block = krylov_doubling(Ab, Bb, m)  # (N, m)
    giant_block = krylov_doubling(np.linalg.matrix_power(Ab, m).T, C, giant)  # (N, giant): (C Ab^{mj})^T
    return (giant_block.T @ baby_block).reshape(-1)[:L]


def legs_recurrence(B: np.ndarray, C: np.ndarray, dt: float, u: np.ndarray) -> np.ndarray:
    """Bilinear LegS recurrence with the O(N) structured step (``legs_matvec``, ``legs_solve``)."""
    half = dt / 2
    x = np.zeros(B.shape[0])
    X = np.empty((u.shape[0], B.shape[0]))
    for k in range(u.shape[0]):  # recurrence over time steps: O(N) work, two calls each
        x = legs_solve(x + half * legs_matvec(x) + (dt * u[k]) * B, half)
        X[k] = x
    return X @ C


def pair_filters(lam_bar: np.ndarray, w: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Real second-order filters ``(b, a)`` of the conjugate pairs ``w / (1 - lam_bar z^-1) + conj``."""
    return [
        (np.array([2 * wn.real, -2 * (wn * np.conj(ln)).real]), np.array([1.0, -2 * ln.real, abs(ln) ** 2]))
        for ln, wn in zip(lam_bar, w)
    ]


def lfilter_sum(filters: list[tuple[np.ndarray, np.ndarray]], u: np.ndarray) -> np.ndarray:
    """Output of the diagonal system: one ``scipy.signal.lfilter`` call per conjugate pair."""
    y = np.zeros(u.shape[0])
    for b, a in filters:  # a loop over the N // 2 pairs, each an O(L) filter in C
        y += scipy.signal.lfilter(b, a, u)
    return y


# ----------------------------------------------------------------------------- systems


def legs_system(N: int, L: int, seed: int = 0, tilde: bool = True) -> dict[str, Any]:
    """HiPPO-LegS, bilinear step DT: dense (Ab, Bb, C), its DPLR form, C~ (unless ``tilde=False``) and an input."""
    rng = np.random.default_rng(seed)
    A, B = hippo_legs(N)
    Ab, Bb = discretize(A, B, DT, method="bilinear")
    C = rng.standard_normal(N)
    Lambda, P, B_legs, V = legs_nplr(N)
    Vh = V.conj().T
    C_tilde = C - C @ np.linalg.matrix_power(Ab, L) if tilde else C  # set up once: S4 learns C~ directly
    return {
        "Ab": Ab, "Bb": Bb, "B": B, "C": C, "u": rng.standard_normal(L), "L": L,
        "dplr": (Lambda, Vh @ P, Vh @ P, Vh @ B_legs), "CV": C @ V, "CtV": C_tilde @ V,
    }  # fmt: skip


def s4d_system(N: int, L: int, seed: int = 0) -> dict[str, Any]:
    """S4D-Lin with N // 2 conjugate pairs, zero-order hold: modes, its real dense form, filters, input."""
    rng = np.random.default_rng(seed)
    half = N // 2
    Lambda = s4d_lambda(N)[:half]
    B = np.ones(half, dtype=complex)
    C = rng.standard_normal(half) + 1j * rng.standard_normal(half)
    lam_bar = np.exp(DT * Lambda)
    Bb = (lam_bar - 1) / Lambda * B  # zero-order hold, Lambda != 0
    Ar, Br, Cr = np.zeros((2 * half, 2 * half)), np.zeros(2 * half), np.zeros(2 * half)
    for p in range(half):  # state (Re x_p, Im x_p); y = 2 Re(C x)
        i = 2 * p
        Ar[i : i + 2, i : i + 2] = [[lam_bar[p].real, -lam_bar[p].imag], [lam_bar[p].imag, lam_bar[p].real]]
        Br[i : i + 2] = Bb[p].real, Bb[p].imag
        Cr[i : i + 2] = 2 * C[p].real, -2 * C[p].imag
    return {
        "Lambda": Lambda, "B": B, "C": C, "Ab": Ar, "Bb": Br, "Cr": Cr, "lam_bar": lam_bar, "Bb_modes": Bb,
        "filters": pair_filters(lam_bar, C * Bb), "u": rng.standard_normal(L), "L": L,
    }  # fmt: skip


def legs_kernels(s: dict[str, Any]) -> dict[str, Callable[[], np.ndarray]]:
    Lambda, Pt, Qt, Bt = s["dplr"]
    L = s["L"]
    return {
        "naive": lambda: ssm_kernel(s["Ab"], s["Bb"], s["C"], L),
        "doubling": lambda: doubling_kernel(s["Ab"], s["Bb"], s["C"], L),
        "two_level": lambda: two_level_kernel(s["Ab"], s["Bb"], s["C"], L),
        "dplr": lambda: dplr_kernel(Lambda, Pt, Qt, Bt, s["CV"], DT, L, real=True),
        "dplr_tilde": lambda: dplr_kernel(Lambda, Pt, Qt, Bt, s["CtV"], DT, L, real=True, tilde=True),
    }


def s4d_kernels(s: dict[str, Any]) -> dict[str, Callable[[], np.ndarray]]:
    L = s["L"]
    impulse = np.zeros(L)
    impulse[0] = 1.0
    return {
        "naive": lambda: ssm_kernel(s["Ab"], s["Bb"], s["Cr"], L),
        "doubling": lambda: doubling_kernel(s["Ab"], s["Bb"], s["Cr"], L),
        "two_level": lambda: two_level_kernel(s["Ab"], s["Bb"], s["Cr"], L),
        "vandermonde": lambda: vandermonde_kernel(s["Lambda"], s["B"], s["C"], DT, L, real=True),
        "lfilter": lambda: lfilter_sum(s["filters"], impulse),
    }


def legs_outputs(s: dict[str, Any], kernels: dict[str, Callable[[], np.ndarray]]) -> dict[str, Callable[[], np.ndarray]]:
    Lambda, Pt, Qt, Bt = s["dplr"]
    u = s["u"]
    return {
        "scan": lambda: ssm_scan(s["Ab"], s["Bb"], s["C"], u),
        "dplr_scan": lambda: dplr_scan(Lambda, Pt, Qt, Bt, s["CV"], DT, u).real,
        "conv_dplr": lambda: causal_conv(u, kernels["dplr"]()),
        "conv_dplr_tilde": lambda: causal_conv(u, kernels["dplr_tilde"]()),
        "conv_doubling": lambda: causal_conv(u, kernels["doubling"]()),
        "conv_two_level": lambda: causal_conv(u, kernels["two_level"]()),
    }


def s4d_outputs(s: dict[str, Any], kernels: dict[str, Callable[[], np.ndarray]]) -> dict[str, Callable[[], np.ndarray]]:
    u = s["u"]
    return {
        "scan": lambda: ssm_scan(s["Ab"], s["Bb"], s["Cr"], u),
        "lfilter": lambda: lfilter_sum(s["filters"], u),
        "parallel_scan": lambda: 2 * (parallel_scan(s["lam_bar"], np.multiply.outer(u, s["Bb_modes"])) @ s["C"]).real,
        "conv_vandermonde": lambda: causal_conv(u, kernels["vandermonde"]()),
        "conv_doubling": lambda: causal_conv(u, kernels["doubling"]()),
        "conv_two_level": lambda: causal_conv(u, kernels["two_level"]()),
    }


def _rel_err(x: np.ndarray, ref: np.ndarray) -> float:
    return float(np.abs(x - ref).max() / np.abs(ref).max())


def _measure(
    contenders: dict[str, Callable[[], np.ndarray]], reference: str, repeats: int
) -> dict[str, Any]:
    """Accuracy of every contender against ``reference``, then their interleaved times."""
    ref = contenders[reference]()
    errors = {name: _rel_err(f(), ref) for name, f in contenders.items() if name != reference}
    times = interleaved_times(contenders, repeats=repeats)
    return {
        "seconds": {name: median_time(times, name) for name in contenders},
        "speedup_over": {  # time of the row's baseline / time of the column's method, median of rounds
            base: {name: median_ratio(times, base, name) for name in contenders if name != base}
            for base in contenders
        },
        "rel_err_vs_" + reference: errors,
    }


# ----------------------------------------------------------------------------- sweeps


def grid(Ns: list[int], Ls: list[int], repeats: int) -> list[dict[str, Any]]:
    """Every kernel of both systems, the LegS scan and the two DPLR convolution paths, over N and L."""
    points = []
    for n in Ns:
        for length in Ls:
            legs = legs_system(n, length, seed=1)
            s4d = s4d_system(n, length, seed=1)
            lk, sk = legs_kernels(legs), s4d_kernels(s4d)
            lo = legs_outputs(legs, lk)
            contenders = {
                "scan": lo["scan"],
                "conv_dplr": lo["conv_dplr"],
                "conv_dplr_tilde": lo["conv_dplr_tilde"],
                **{f"legs_{k}": f for k, f in lk.items()},
                **{f"s4d_{k}": f for k, f in sk.items() if k != "naive"},
            }
            times = interleaved_times(contenders, repeats=repeats)
            point: dict[str, Any] = {"N": n, "L": length}
            point["seconds"] = {name: median_time(times, name) for name in contenders}
            point["scan_over_conv"] = median_ratio(times, "scan", "conv_dplr")
            point["scan_over_conv_tilde"] = median_ratio(times, "scan", "conv_dplr_tilde")
            for fast in ("dplr", "dplr_tilde"):
                for base in ("naive", "doubling", "two_level"):
                    point[f"{base}_over_{fast}"] = median_ratio(times, f"legs_{base}", f"legs_{fast}")
            for base in ("doubling", "two_level", "lfilter"):
                point[f"{base}_over_vandermonde"] = median_ratio(times, f"s4d_{base}", "s4d_vandermonde")
            point["dense_fallback_roots"] = _fallback_roots(legs)
            points.append(point)
    return points


def _fallback_roots(s: dict[str, Any]) -> int | None:
    """How many roots of unity ``dplr_kernel(real=True)`` evaluates from the dense resolvent (O(N^3) each).

    ``dplr_kernel`` switches to the dense resolvent where a Cauchy denominator nearly vanishes (a
    removable breakdown of the Woodbury formula); the count explains the cost of the points where that
    happens. It is read from the private helper of ``lowrank.s4``; None if that helper is not there.
    """
    import lowrank.s4

    find = getattr(lowrank.s4, "_woodbury_breakdowns", None)
    if find is None:
        return None
    return int(len(find(s["dplr"][0], DT, s["L"], s["L"] // 2 + 1)))


def per_step(Ns: list[int], L: int, repeats: int) -> list[dict[str, Any]]:
    """Time per step of the loops (scan, naive kernel, O(N) LegS and DPLR recurrences) against N."""
    points = []
    for n in Ns:
        s = legs_system(n, L, seed=2, tilde=False)
        Lambda, Pt, Qt, Bt = s["dplr"]
        contenders = {
            "scan": lambda: ssm_scan(s["Ab"], s["Bb"], s["C"], s["u"]),
            "naive_kernel": lambda: ssm_kernel(s["Ab"], s["Bb"], s["C"], L),
            "legs_recurrence": lambda: legs_recurrence(s["B"], s["C"], DT, s["u"]),
            "dplr_scan": lambda: dplr_scan(Lambda, Pt, Qt, Bt, s["CV"], DT, s["u"]),
        }
        times = interleaved_times(contenders, repeats=repeats)
        points.append({"N": n, "L": L, **{f"{k}_s_per_step": median_time(times, k) / L for k in contenders}})
    return points


# ----------------------------------------------------------------------------- run


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the S4 paths; return JSON-serialisable results."""
    N, L = (8, 256) if quick else (64, 16384)
    repeats = 3 if quick else 7
    legs, s4d = legs_system(N, L), s4d_system(N, L)
    lk, sk = legs_kernels(legs), s4d_kernels(s4d)
    lo, so = legs_outputs(legs, lk), s4d_outputs(s4d, sk)

    # S4's convolution path against the scan with the machine's default BLAS threads (the one
    # measurement not limited to one thread): every small complex product synchronises the threads.
    default_threads = paired_times(lo["scan"], lo["conv_dplr_tilde"], repeats=repeats)

    with threadpool_limits(limits=1, user_api="blas"):
        legs_k = _measure(lk, "naive", repeats)
        s4d_k = _measure(sk, "naive", repeats)
        legs_o = _measure(lo, "scan", repeats)
        s4d_o = _measure(so, "scan", repeats)
        # The O(N) LegS recurrence through legs_matvec / legs_solve: about 1 s at the main size, so
        # paired with the scan alone, three rounds.
        y_scan = lo["scan"]()
        legs_rec_err = _rel_err(legs_recurrence(legs["B"], legs["C"], DT, legs["u"]), y_scan)
        legs_rec = paired_times(lo["scan"], lambda: legs_recurrence(legs["B"], legs["C"], DT, legs["u"]), repeats=3)

        Ns = [4, 8] if quick else [4, 16, 64, 256]
        Ls = [16, 64] if quick else [64, 256, 1024, 4096, 16384]
        sweep = grid(Ns, Ls, repeats=2 if quick else 3)
        steps = per_step([1, 4, 16] if quick else [1, 4, 16, 64, 256, 1024], 64 if quick else 512, 2 if quick else 3)

    vandermonde_over_doubling = s4d_k["speedup_over"]["doubling"]["vandermonde"]
    s4_path = legs_o["speedup_over"]["scan"]["conv_dplr_tilde"]
    return {
        "machine": machine_description(),
        "N": N,
        "L": L,
        "dt": DT,
        "blas_threads": 1,
        "repeats": repeats,
        "legs_kernels": legs_k,
        "s4d_kernels": s4d_k,
        "legs_outputs": legs_o,
        "s4d_outputs": s4d_o,
        "legs_recurrence": {
            "seconds": legs_rec["second_s"],
            "scan_seconds": legs_rec["first_s"],
            "scan_over_legs_recurrence": legs_rec["ratio"],
            "rel_err_vs_scan": legs_rec_err,
        },
        "doubling_over_vandermonde": vandermonde_over_doubling,
        "target_doubling_over_vandermonde": TARGET_VANDERMONDE_OVER_DOUBLING,
        "scan_over_conv_tilde": s4_path,
        "scan_over_conv": legs_o["speedup_over"]["scan"]["conv_dplr"],
        "target_scan_over_conv": TARGET_SCAN_OVER_CONV,
        "scan_over_conv_tilde_default_threads": default_threads["ratio"],
        "grid": sweep,
        "per_step": steps,
    }


def _table(res: dict[str, Any]) -> str:
    N, L = res["N"], res["L"]
    lines = [f"S4 benchmark, N = {N}, L = {L}, dt = {res['dt']} (one BLAS thread); speed-ups > 1: the method wins"]
    for title, key, ref in (
        ("LegS kernels", "legs_kernels", "naive"),
        ("S4D-Lin kernels", "s4d_kernels", "naive"),
        ("LegS outputs", "legs_outputs", "scan"),
        ("S4D-Lin outputs", "s4d_outputs", "scan"),
    ):
        m = res[key]
        lines.append(f"{title}: time, speed-up over {ref}, rel. error vs {ref}")
        for name, t in m["seconds"].items():
            up = m["speedup_over"][ref].get(name, 1.0)
            err = m[f"rel_err_vs_{ref}"].get(name, 0.0)
            lines.append(f"  {name:<18}{t * 1e3:10.3f} ms{up:9.2f}x{err:11.1e}")
    lr = res["legs_recurrence"]
    lines.append(
        f"  legs_recurrence   {lr['seconds'] * 1e3:10.3f} ms{lr['scan_over_legs_recurrence']:9.2f}x"
        f"{lr['rel_err_vs_scan']:11.1e}"
    )
    lines.append(
        f"target: doubling / vandermonde_kernel = {res['doubling_over_vandermonde']:.2f} "
        f"(>= {res['target_doubling_over_vandermonde']:.0f})"
    )
    lines.append(
        f"target: scan / (dplr_kernel(C~) + causal_conv) = {res['scan_over_conv_tilde']:.2f} "
        f"(>= {res['target_scan_over_conv']:.0f}); from C: {res['scan_over_conv']:.2f}; "
        f"default threads: {res['scan_over_conv_tilde_default_threads']:.2f}"
    )
    Ls = sorted({g["L"] for g in res["grid"]})
    for key in ("scan_over_conv_tilde", "two_level_over_dplr_tilde", "doubling_over_vandermonde", "two_level_over_vandermonde"):
        lines.append(f"{key} by N (rows) and L (columns)")
        lines.append("  N \\ L " + "".join(f"{length:>9d}" for length in Ls))
        for n in sorted({g["N"] for g in res["grid"]}):
            row = {g["L"]: g[key] for g in res["grid"] if g["N"] == n}
            lines.append(f"  {n:5d} " + "".join(f"{row[length]:9.2f}" for length in Ls))
    lines.append("time per step (us): N, scan, naive kernel, LegS O(N) recurrence, dplr_scan")
    for p in res["per_step"]:
        lines.append(
            f"  {p['N']:5d} {p['scan_s_per_step'] * 1e6:8.2f} {p['naive_kernel_s_per_step'] * 1e6:8.2f} "
            f"{p['legs_recurrence_s_per_step'] * 1e6:8.2f} {p['dplr_scan_s_per_step'] * 1e6:8.2f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    results = run(quick="--quick" in sys.argv)
    print(_table(results))
