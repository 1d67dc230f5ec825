"""CR approximation of a product: time of cr_matmul (k = n/10) against A @ B, and its error.

For n x n by n x n products (n = 2000, float64) this measures, side by side in one
process, the time of ``cr_matmul(A, B, k)`` with ``k = n // 10`` (optimal
probabilities, their computation included) against the exact ``A @ B``, and
compares the squared Frobenius error averaged over a few draws with the exact
expectation ``cr_expected_error``. Two pairs of matrices:

- ``gaussian``: independent standard normal entries, the hardest case for
  sampling (every term matters equally and they largely cancel);
- ``decaying``: A = G1 diag(d), B = diag(d) G2 with d_i = i^{-1}, so a few
  terms carry most of the product and sampling them pays off.

With uniform sampling in the ``decaying`` case the squared error is heavy-tailed:
the few columns that carry most of the product are drawn with probability 1/n and
then weighted by n, so the mean of a few draws usually falls well below the exact
expectation (the chapter's "heavy tails" pitfall), and its standard error is
underestimated too. The flop ratio of CR to the exact product is k/n = 0.1; the
measured time ratio is higher because a product with inner dimension k = 200 runs
below peak BLAS speed and the argument checks and norms read A and B once more.

A sweep over k at n = 1000 (the ``decaying`` pair, optimal probabilities)
shows both sides of the trade: the time ratio grows like the flop ratio k/n
plus the fixed cost of the probabilities, and the relative squared error
falls like 1/k, as the formula says.

Everything runs on one BLAS thread: on a small machine shared with other busy
processes, multi-threaded BLAS timings measure the scheduler more than the
algorithm.

Run: ``python benchmarks/bench_cr.py`` (add ``--quick`` for a tiny smoke run).
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

from lowrank import cr_expected_error, cr_matmul  # noqa: E402


def _pairs(n: int, rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    d = 1.0 / np.arange(1, n + 1)
    G1, G2 = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    return {"gaussian": (G1, G2), "decaying": (G1 * d, d[:, None] * G2)}


def run(quick: bool = False) -> dict[str, Any]:
    n = 200 if quick else 2000
    k = n // 10
    draws = 3 if quick else 5
    repeats = 3 if quick else 5
    rng = np.random.default_rng(0)
    results: dict[str, Any] = {
        "n": n,
        "k": k,
        "draws": draws,
        "blas_threads": 1,
        "repeats": repeats,
        "machine": machine_description(),
        "cases": {},
    }
    with threadpool_limits(limits=1, user_api="blas"):
        for name, (A, B) in _pairs(n, rng).items():
            AB = A @ B
            norm2 = float(np.sum(AB * AB))
            timing = paired_times(lambda: cr_matmul(A, B, k, rng=rng), lambda: A @ B, repeats=repeats)
            case: dict[str, Any] = {
                "time_ratio_cr_over_exact": timing["ratio"],
                "cr_s": timing["first_s"],
                "exact_s": timing["second_s"],
            }
            for kind in ("optimal", "uniform"):
                errs = np.array([np.sum((AB - cr_matmul(A, B, k, p=kind, rng=rng)) ** 2) for _ in range(draws)])
                expected = cr_expected_error(A, B, k, kind)
                case[kind] = {
                    "measured_rel_sq_error": float(errs.mean() / norm2),
                    "formula_rel_sq_error": expected / norm2,
                    "measured_over_formula": float(errs.mean() / expected),
                    # Standard error of that ratio from the spread of the draws.
                    "std_error_of_ratio": float(errs.std(ddof=1) / np.sqrt(draws) / expected),
                }
            results["cases"][name] = case
        results["sweep"] = sweep_k(quick)
    return results


def sweep_k(quick: bool = False) -> dict[str, Any]:
    """Time ratio and error of ``cr_matmul`` against ``A @ B`` as the number of draws ``k`` grows.

    The ``decaying`` pair at n = 1000 (n = 100 if ``quick``), optimal
    probabilities. Call it on one BLAS thread (``run`` does).
    """
    n = 100 if quick else 1000
    ks = [5, 20, 50] if quick else [10, 20, 50, 100, 200, 500]
    draws = 3 if quick else 24
    repeats = 3 if quick else 5
    rng = np.random.default_rng(1)
    A, B = _pairs(n, rng)["decaying"]
    AB = A @ B
    norm2 = float(np.sum(AB * AB))
    points = []
    for k in ks:
        t = paired_times(lambda: cr_matmul(A, B, k, rng=rng), lambda: A @ B, repeats=repeats)
        errs = np.array([np.sum((AB - cr_matmul(A, B, k, rng=rng)) ** 2) for _ in range(draws)])
        points.append(
            {
                "k": k,
                "flop_ratio": k / n,
                "time_ratio_cr_over_exact": t["ratio"],
                "measured_rel_sq_error": float(errs.mean() / norm2),
                "std_error_rel_sq_error": float(errs.std(ddof=1) / np.sqrt(draws) / norm2),
                "formula_rel_sq_error": cr_expected_error(A, B, k, "optimal") / norm2,
            }
        )
    return {"n": n, "case": "decaying", "p": "optimal", "draws": draws, "repeats": repeats, "points": points}


def _table(res: dict[str, Any]) -> str:
    lines = [
        f"cr_matmul vs A @ B, n = {res['n']}, k = {res['k']}, float64, {res['draws']} draws per error",
        f"{'case':<10}{'time CR/AB':>12}{'p':>10}{'E||AB-CR||^2/||AB||^2':>24}{'measured':>12}{'ratio':>16}",
    ]
    for name, c in res["cases"].items():
        for i, kind in enumerate(("optimal", "uniform")):
            e = c[kind]
            t = f"{c['time_ratio_cr_over_exact']:.3f}" if i == 0 else ""
            ratio = f"{e['measured_over_formula']:.3f} ± {e['std_error_of_ratio']:.3f}"
            lines.append(
                f"{name if i == 0 else '':<10}{t:>12}{kind:>10}{e['formula_rel_sq_error']:>24.4g}"
                f"{e['measured_rel_sq_error']:>12.4g}{ratio:>16}"
            )
    sw = res["sweep"]
    lines.append(f"sweep, {sw['case']} pair, n = {sw['n']}, {sw['p']} p, {sw['draws']} draws per error")
    lines.append(f"{'k':>6}{'k/n':>8}{'time CR/AB':>12}{'measured':>12}{'formula':>12}")
    for pt in sw["points"]:
        lines.append(
            f"{pt['k']:>6}{pt['flop_ratio']:>8.3f}{pt['time_ratio_cr_over_exact']:>12.3f}"
            f"{pt['measured_rel_sq_error']:>12.4g}{pt['formula_rel_sq_error']:>12.4g}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    out = run(quick="--quick" in sys.argv)
    print(_table(out))
    print(json.dumps(out, indent=1))
