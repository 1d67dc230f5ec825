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

Run: ``python benchmarks/bench_cr.py`` (add ``--quick`` for a tiny smoke run).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import numpy as np

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
    results: dict[str, Any] = {"n": n, "k": k, "draws": draws, "machine": machine_description(), "cases": {}}
    for name, (A, B) in _pairs(n, rng).items():
        AB = A @ B
        norm2 = float(np.sum(AB * AB))
        timing = paired_times(lambda: cr_matmul(A, B, k, rng=rng), lambda: A @ B, repeats=repeats)
        case: dict[str, Any] = {"time_ratio_cr_over_exact": timing["ratio"]}
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
    return results


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
    return "\n".join(lines)


if __name__ == "__main__":
    out = run(quick="--quick" in sys.argv)
    print(_table(out))
    print(json.dumps(out, indent=1))
