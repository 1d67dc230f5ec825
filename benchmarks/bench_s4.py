"""S4 benchmark: the SSM as a convolution (DPLR kernel + FFT) versus as a recurrence.

Setting: HiPPO-LegS with N states, bilinear step dt = 0.01, a random real C and
a random input of length L. The recurrent path runs ``ssm_scan`` on the dense
discretized matrix; the convolutional path computes the kernel once with
``dplr_kernel`` (in the eigenbasis of the normal part of LegS, from
``legs_nplr``, which is set up once outside the timing like the dense Ab) and
applies it with ``causal_conv``. The system is real, so the kernel is real and
``real=True`` evaluates the generating function at half the roots of unity, as
S4 does; the general complex variant is timed too. All ratios are measured
side by side in one process with ``paired_times``.

Two sweeps over the state size N and the length L, on one BLAS thread:
``grid`` races the recurrence against the convolutional path (where does the
convolution start to win?), and ``kernel_grid`` races the naive kernel
``ssm_kernel`` (L matrix-vector products, O(L N^2)) against ``dplr_kernel``
(O(N^3 log L) for C~, O(N L) for the Cauchy sums, O(L log L) for the FFT).

Run: ``python benchmarks/bench_s4.py`` (about half a minute).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(__file__))
from _timing import machine_description, paired_times  # noqa: E402

from lowrank import causal_conv, discretize, dplr_kernel, hippo_legs, legs_nplr, ssm_kernel, ssm_scan  # noqa: E402

DT = 0.01


def _setup(N: int, L: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    A, _ = hippo_legs(N)
    Lambda, P, B, V = legs_nplr(N)
    C = rng.standard_normal(N)
    Ab, Bb = discretize(A, B, DT, method="bilinear")
    Vh = V.conj().T
    return {
        "Ab": Ab,
        "Bb": Bb,
        "C": C,
        "u": rng.standard_normal(L),
        "L": L,
        "dplr": (Lambda, Vh @ P, Vh @ P, Vh @ B, C @ V),
    }


def _paths(s: dict):
    Lambda, Pt, Qt, Bt, Ct = s["dplr"]

    def conv():  # the S4 way for a real system: half the roots of unity and an inverse real FFT
        return causal_conv(s["u"], dplr_kernel(Lambda, Pt, Qt, Bt, Ct, DT, s["L"], real=True))

    def conv_complex():  # the general complex kernel, then its (real) real part
        return causal_conv(s["u"], dplr_kernel(Lambda, Pt, Qt, Bt, Ct, DT, s["L"]).real)

    def scan():
        return ssm_scan(s["Ab"], s["Bb"], s["C"], s["u"])

    return conv, conv_complex, scan


def run(quick: bool = False) -> dict:
    """Measure the S4 paths; return JSON-serialisable results."""
    N, L = (8, 256) if quick else (64, 16384)
    repeats = 3 if quick else 7
    s = _setup(N, L)
    conv, conv_complex, scan = _paths(s)
    Lambda, Pt, Qt, Bt, Ct = s["dplr"]

    # Accuracy: DPLR kernel (both variants) versus the naive powers, and CNN versus RNN outputs.
    K_naive = ssm_kernel(s["Ab"], s["Bb"], s["C"], L)
    scale = np.abs(K_naive).max()
    kernel_rel_err = float(np.abs(dplr_kernel(Lambda, Pt, Qt, Bt, Ct, DT, L) - K_naive).max() / scale)
    kernel_rel_err_real = float(np.abs(dplr_kernel(Lambda, Pt, Qt, Bt, Ct, DT, L, real=True) - K_naive).max() / scale)
    y_rnn, y_cnn = scan(), conv()
    output_rel_err = float(np.abs(y_cnn - y_rnn).max() / np.abs(y_rnn).max())

    # With the default BLAS threads: every small complex product of the conv path (the
    # 64 x 64 squarings for C~, the blocked Cauchy products) synchronises the threads,
    # which on a 2-core machine shared with other busy processes can cost milliseconds
    # per call. The scan's real 64 x 64 matrix-vector products run on one thread anyway.
    default_threads = paired_times(scan, conv, repeats=repeats)

    # The measurements below use one BLAS thread: the algorithms, not thread scheduling.
    with threadpool_limits(limits=1, user_api="blas"):
        main = paired_times(scan, conv, repeats=repeats)  # ratio = scan time / conv time
        general = paired_times(scan, conv_complex, repeats=repeats)
        kernels = paired_times(
            lambda: ssm_kernel(s["Ab"], s["Bb"], s["C"], L),
            lambda: dplr_kernel(Lambda, Pt, Qt, Bt, Ct, DT, L),
            repeats=repeats,
        )

        # Crossover: scan time / conv time over a grid of N and L (> 1: the convolution wins).
        Ns = [4, 8] if quick else [4, 16, 64, 256]
        Ls = [16, 64] if quick else [64, 256, 1024, 4096, 16384]
        grid = []
        for n in Ns:
            for length in Ls:
                conv_g, _, scan_g = _paths(_setup(n, length, seed=1))
                t = paired_times(scan_g, conv_g, repeats=3 if quick else 5)
                grid.append(
                    {"N": n, "L": length, "scan_s": t["first_s"], "conv_s": t["second_s"], "scan_over_conv": t["ratio"]}
                )
        kernel_grid = []
        for n in Ns:
            for length in Ls:
                g = _setup(n, length, seed=1)
                lam, pt, qt, bt, ct = g["dplr"]
                t = paired_times(
                    lambda: ssm_kernel(g["Ab"], g["Bb"], g["C"], length),
                    lambda: dplr_kernel(lam, pt, qt, bt, ct, DT, length),
                    repeats=3 if quick else 5,
                )
                kernel_grid.append(
                    {"N": n, "L": length, "naive_s": t["first_s"], "dplr_s": t["second_s"], "naive_over_dplr": t["ratio"]}
                )
    crossover = {}
    for n in Ns:
        winning = [g["L"] for g in grid if g["N"] == n and g["scan_over_conv"] > 1]
        crossover[str(n)] = min(winning) if winning else None

    return {
        "machine": machine_description(),
        "N": N,
        "L": L,
        "dt": DT,
        "scan_s": main["first_s"],
        "conv_s": main["second_s"],
        "scan_over_conv": main["ratio"],
        "target_scan_over_conv": 5.0,
        "scan_over_conv_default_threads": default_threads["ratio"],
        "conv_complex_s": general["second_s"],
        "scan_over_conv_complex": general["ratio"],
        "naive_kernel_s": kernels["first_s"],
        "dplr_kernel_s": kernels["second_s"],
        "naive_over_dplr_kernel": kernels["ratio"],
        "kernel_rel_err": kernel_rel_err,
        "kernel_rel_err_real": kernel_rel_err_real,
        "output_rel_err": output_rel_err,
        "blas_threads_for_grids": 1,
        "grid": grid,
        "smallest_L_where_conv_wins": crossover,
        "kernel_grid": kernel_grid,
    }


def _table(res: dict) -> str:
    lines = [
        f"S4 paths, LegS N = {res['N']}, L = {res['L']}, dt = {res['dt']} (one BLAS thread)",
        f"  ssm_scan (recurrence)            {res['scan_s'] * 1e3:9.2f} ms",
        f"  dplr_kernel(real=True) + conv    {res['conv_s'] * 1e3:9.2f} ms   "
        f"-> scan / conv = {res['scan_over_conv']:.1f}x (target >= {res['target_scan_over_conv']:.0f}x)",
        f"  dplr_kernel (complex) + conv     {res['conv_complex_s'] * 1e3:9.2f} ms   "
        f"-> scan / conv = {res['scan_over_conv_complex']:.1f}x",
        f"  with the default BLAS threads: scan / conv = {res['scan_over_conv_default_threads']:.1f}x",
        f"  ssm_kernel (naive powers)        {res['naive_kernel_s'] * 1e3:9.2f} ms",
        f"  dplr_kernel                      {res['dplr_kernel_s'] * 1e3:9.2f} ms   "
        f"-> naive / dplr = {res['naive_over_dplr_kernel']:.1f}x",
        f"  kernel rel. error {res['kernel_rel_err']:.1e} (complex), {res['kernel_rel_err_real']:.1e} (real=True); "
        f"CNN vs RNN output rel. error {res['output_rel_err']:.1e}",
        "",
        "scan time / conv time, conv = dplr_kernel(real=True) + causal_conv (> 1: the convolution wins)",
    ]
    Ls = sorted({g["L"] for g in res["grid"]})
    lines.append("  N \\ L " + "".join(f"{length:>9d}" for length in Ls))
    for n in sorted({g["N"] for g in res["grid"]}):
        row = {g["L"]: g["scan_over_conv"] for g in res["grid"] if g["N"] == n}
        lines.append(f"  {n:5d} " + "".join(f"{row[length]:9.2f}" for length in Ls))
    lines.append(f"smallest L where the convolution wins, by N: {res['smallest_L_where_conv_wins']}")
    lines.append("naive kernel time / dplr_kernel time (> 1: dplr_kernel wins)")
    lines.append("  N \\ L " + "".join(f"{length:>9d}" for length in Ls))
    for n in sorted({g["N"] for g in res["kernel_grid"]}):
        row = {g["L"]: g["naive_over_dplr"] for g in res["kernel_grid"] if g["N"] == n}
        lines.append(f"  {n:5d} " + "".join(f"{row[length]:9.2f}" for length in Ls))
    return "\n".join(lines)


if __name__ == "__main__":
    results = run(quick="--quick" in sys.argv)
    print(_table(results))
    print(json.dumps({k: v for k, v in results.items() if k not in ("grid", "kernel_grid")}, indent=1))
