"""Randomized SVD: accuracy against Eckart–Young and speed against scikit-learn.

On a 3000 x 1500 float64 matrix with singular values 1/i (random orthonormal
singular vectors) and target rank r = 50, this measures, in one process:

- the error of ``lowrank.randomized_svd(A, 50)`` (oversample = 10, n_iter = 2)
  relative to the optimal rank-50 error of Eckart–Young, in the Frobenius norm
  (sqrt(sum_{i>50} 1/i^2)) and the spectral norm (1/51), averaged over seeds;
- the same for ``sklearn.utils.extmath.randomized_svd`` with the same
  ``n_oversamples`` and ``n_iter``, both with QR normalization of the power
  iterations (the same numerical method as lowrank) and with scikit-learn's
  default normalizer (``"auto"``, which means no normalization for n_iter <= 2);
- the time of lowrank against each scikit-learn variant, alternated with
  ``paired_times`` (median of per-run ratios; < 1 means lowrank is faster).

Everything runs with every BLAS library limited to one thread. The calls take
a fraction of a second, and on a small shared machine multi-threaded BLAS
timings of such calls are dominated by scheduling noise (numpy and scipy each
bring their own OpenBLAS pool, and both contenders use both): with a busy
neighbour on the 2-core machine of ``results.json`` one default-thread call
took 30 times as long as the same call on one thread. The single-thread ratio
is the one that measures the algorithms.

Run: ``python benchmarks/bench_svd.py`` (add ``--quick`` for a tiny smoke run).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

sys.path.insert(0, os.path.dirname(__file__))
from _timing import machine_description, paired_times  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402  (installed with scikit-learn)

from lowrank import randomized_svd  # noqa: E402


def _test_matrix(m: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A = U diag(1/i) V^T with Haar-like orthonormal U (m, n) and V (n, n)."""
    s = 1.0 / np.arange(1, n + 1)
    U = scipy.linalg.qr(rng.standard_normal((m, n)), mode="economic")[0]
    V = scipy.linalg.qr(rng.standard_normal((n, n)), mode="economic")[0]
    return (U * s) @ V.T, s


def _errors(A: np.ndarray, factors: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[float, float]:
    U, s, Vt = factors
    E = A - (U * s) @ Vt
    # Largest singular value of E by Lanczos (ARPACK), converged to ~1e-10 relative.
    spectral = scipy.sparse.linalg.svds(E, k=1, tol=1e-10, return_singular_vectors=False, random_state=0)[0]
    return float(np.linalg.norm(E)), float(spectral)


def run(quick: bool = False) -> dict[str, Any]:
    from sklearn.utils.extmath import randomized_svd as sk_randomized_svd

    m, n, r = (300, 150, 10) if quick else (3000, 1500, 50)
    p, q = 10, 2
    seeds = range(2) if quick else range(3)
    repeats = 3 if quick else 9
    with threadpool_limits(limits=1, user_api="blas"):
        A, s = _test_matrix(m, n, np.random.default_rng(0))
    optimal_F = float(np.sqrt(np.sum(s[r:] ** 2)))
    optimal_2 = float(s[r])

    contenders: dict[str, Callable[[int], Any]] = {
        "lowrank": lambda seed: randomized_svd(A, r, oversample=p, n_iter=q, rng=seed),
        "sklearn_QR": lambda seed: sk_randomized_svd(
            A, r, n_oversamples=p, n_iter=q, power_iteration_normalizer="QR", random_state=seed
        ),
        "sklearn_default": lambda seed: sk_randomized_svd(A, r, n_oversamples=p, n_iter=q, random_state=seed),
    }
    results: dict[str, Any] = {
        "shape": [m, n],
        "r": r,
        "oversample": p,
        "n_iter": q,
        "seeds": len(seeds),
        "blas_threads": 1,
        "repeats": repeats,
        "optimal_frobenius": optimal_F,
        "optimal_spectral": optimal_2,
        "machine": machine_description(),
        "error_ratio": {},
        "time_ratio": {},
    }
    ours = contenders["lowrank"]
    with threadpool_limits(limits=1, user_api="blas"):
        for name, f in contenders.items():
            errs = np.array([_errors(A, f(seed)) for seed in seeds])
            results["error_ratio"][name] = {
                "frobenius": float(errs[:, 0].mean() / optimal_F),
                "spectral": float(errs[:, 1].mean() / optimal_2),
            }
        for name in ("sklearn_QR", "sklearn_default"):
            other = contenders[name]
            results["time_ratio"][f"lowrank_over_{name}"] = paired_times(
                lambda: ours(1), lambda: other(1), repeats=repeats
            )
    return results


def _table(res: dict[str, Any]) -> str:
    m, n = res["shape"]
    lines = [
        f"randomized SVD, {m} x {n}, singular values 1/i, r = {res['r']}, "
        f"oversample = {res['oversample']}, n_iter = {res['n_iter']}, errors averaged over {res['seeds']} seeds",
        f"{'method':<18}{'||E||_F / optimal':>20}{'||E||_2 / optimal':>20}{'lowrank time / its time':>26}",
    ]
    for name, e in res["error_ratio"].items():
        key = f"lowrank_over_{name}"
        t1 = "1" if name == "lowrank" else f"{res['time_ratio'][key]['ratio']:.3f}"
        lines.append(f"{name:<18}{e['frobenius']:>20.4f}{e['spectral']:>20.4f}{t1:>26}")
    for key, timing in res["time_ratio"].items():
        lines.append(
            f"1 BLAS thread, {key}: ratio {timing['ratio']:.3f} "
            f"(median seconds {timing['first_s']:.3f} vs {timing['second_s']:.3f})"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    out = run(quick="--quick" in sys.argv)
    print(_table(out))
    print(json.dumps(out, indent=1))
