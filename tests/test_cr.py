"""Tests of lowrank.cr: the column-row (CR) sampling estimator of a matrix product, and its deterministic relatives.

Every tolerance below states its error model next to it. The quantities are sums of
a few terms, so rounding is a small multiple of ``n eps`` times the size of the terms
(``sum_i w_i`` for a product, ``(sum_i w_i)^2`` for a squared error); the allowances
are 10-100 times that. Statistical checks state their failure probability.
"""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lowrank import cr_expected_error, cr_greedy, cr_matmul, cr_middle, cr_probabilities, cr_top_k

EPS = np.finfo(np.float64).eps
TINY = np.finfo(np.float64).tiny  # keeps a strict bound positive when every term is zero


# ---------------------------------------------------------------- independent references
def enumerated_moments(A, B, k, p):
    """Exact E[CR] and E||AB - CR||_F^2 by summing over all n^k ordered draws.

    Independent of the closed form: it only uses the definition of the estimator
    (average of A[:, i] B[i, :] / p_i over k i.i.d. draws). Loops over outcomes,
    which is fine for n^k <= 64.
    """
    n = A.shape[1]
    AB = A @ B
    mean = np.zeros_like(AB)
    err = 0.0
    for draws in itertools.product(range(n), repeat=k):
        prob = np.prod(p[list(draws)])
        if prob == 0:
            continue
        CR = sum(np.outer(A[:, i], B[i, :]) / p[i] for i in draws) / k
        mean += prob * CR
        err += prob * np.sum((AB - CR) ** 2)
    return mean, err


def outcome_distribution(A, B, k, p):
    """Every outcome of k draws (n^k of them) as (probability, C R), from the definition alone."""
    n = A.shape[1]
    outcomes = np.array(list(itertools.product(range(n), repeat=k)))
    prob = np.prod(p[outcomes], axis=1)
    terms = np.einsum("ai,ib->iab", A, B) / p[:, None, None]
    return prob, terms[outcomes].mean(axis=1)


def term_weights(A, B):
    """w_i = ||A[:, i]|| ||B[i, :]||, written out with explicit sums (no scaling)."""
    return np.sqrt(np.einsum("ji,ji->i", A, A)) * np.sqrt(np.einsum("ij,ij->i", B, B))


def rounding_scale(A, B, p):
    """Allowed rounding of the closed form and of the enumerated reference: 100 n eps sum_i w_i^2 / p_i.

    The closed form subtracts ||AB||_F^2 from sum_i w_i^2 / p_i, each carrying ~ n eps of the
    larger one. The enumeration computes each outcome's ||AB - CR||_F^2 with rounding ~ eps
    (||AB||_F + ||CR||_F)^2, whose probability-weighted mean is at most ~ 4 sum_i w_i^2 / p_i
    (E||CR||_F^2 <= sum_i w_i^2 / p_i), and sums non-negative terms. 100 n eps covers both.
    """
    w = term_weights(A, B)
    keep = p > 0
    return 100 * A.shape[1] * EPS * np.sum(w[keep] ** 2 / p[keep]) + TINY


def subset_error(A, B, kept):
    """||AB - sum_{i in kept} A[:, i] B[i, :]||_F^2, computed directly from the definition."""
    kept = list(kept)
    return np.sum((A @ B - A[:, kept] @ B[kept, :]) ** 2)


def brute_force_greedy_path(A, B):
    """The greedy removal path by brute force: at every step try each removal, errors from scratch.

    Returns the kept sets for k = n, n-1, ..., 1 and, for each step, the gap between the best
    and the second-best removal (a premise for comparing index sets: no near-ties).
    """
    n = A.shape[1]
    kept, path, gaps = list(range(n)), {n: list(range(n))}, []
    while len(kept) > 1:
        trial = np.array([subset_error(A, B, [t for t in kept if t != j]) for j in kept])
        ordered = np.sort(trial)
        gaps.append(ordered[1] - ordered[0])
        kept.remove(kept[int(np.argmin(trial))])
        path[len(kept)] = sorted(kept)
    return path, np.array(gaps)


def error_rounding(A, B):
    """Rounding of a squared error ||AB - X||_F^2 with ||X||_F <= sum_i w_i: ~ n eps (sum_i w_i)^2; 100x that."""
    return 100 * A.shape[1] * EPS * term_weights(A, B).sum() ** 2 + TINY


# ---------------------------------------------------------------- strategies
# Entries are 0 or of magnitude in [1e-4, 1], so that exact power-of-two rescalings by
# up to 2**+-600 (tested below) keep every entry representable.
magnitudes = st.floats(1e-4, 1.0)
entries = st.one_of(st.just(0.0), magnitudes, magnitudes.map(lambda x: -x))


@st.composite
def products(draw, max_side=4):
    """A (m×n), B (n×q) with n <= 4, entries 0 or 1e-4 <= |x| <= 1; some lines may be zero."""
    m, n, q = (draw(st.integers(1, max_side)) for _ in range(3))
    A = draw(arrays(np.float64, (m, n), elements=entries))
    B = draw(arrays(np.float64, (n, q), elements=entries))
    return A, B


@st.composite
def probability_vectors(draw, n):
    raw = draw(arrays(np.float64, n, elements=st.floats(0.05, 1.0)))
    return raw / raw.sum()


# ---------------------------------------------------------------- cr_probabilities
def test_probabilities_match_hand_computed_weights():
    A = np.array([[3.0, 0.0, 1.0], [4.0, 0.0, 0.0]])  # column norms 5, 0, 1
    B = np.array([[1.0, 0.0], [0.0, 7.0], [0.0, 2.0]])  # row norms 1, 7, 2
    # Three products of norms and one division each: a few ulps; we allow 1e-13.
    np.testing.assert_allclose(cr_probabilities(A, B), [5 / 7, 0.0, 2 / 7], rtol=1e-13)
    np.testing.assert_array_equal(cr_probabilities(A, B, kind="uniform"), np.full(3, 1 / 3))


@given(products())
def test_probabilities_are_normalized_weights(AB):
    A, B = AB
    n = A.shape[1]
    p = cr_probabilities(A, B)
    w = term_weights(A, B)
    assert p.shape == (n,)
    assert np.all(p >= 0)
    # The sum of n ratios w_i / sum_j w_j is 1 up to ~ n eps / 2; we allow 50 n eps.
    np.testing.assert_array_less(abs(p.sum() - 1), 50 * n * EPS)
    if w.sum() > 0:
        # Norms computed two ways (scaled numpy norms vs einsum): a few ulps of each ratio and
        # n eps of the largest one; we allow 1e-13 relative and 1e-14 absolute.
        np.testing.assert_allclose(p, w / w.sum(), rtol=1e-13, atol=1e-14)
    else:
        np.testing.assert_array_equal(p, np.full(n, 1 / n))


def test_probabilities_are_scale_invariant_even_near_overflow():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 6))
    B = rng.standard_normal((6, 3))
    p = cr_probabilities(A, B)
    # Unscaled, the squared column norms of 1e200 * A would overflow to inf. The scaled
    # entries are rounded once (1e200 is not a power of two): a few ulps; we allow 1e-13.
    for cA, cB in [(1e200, 1.0), (1e-200, 1e-200), (1e200, 1e-250)]:
        np.testing.assert_allclose(cr_probabilities(cA * A, cB * B), p, rtol=1e-13)


def test_probabilities_of_zero_product_are_uniform():
    A = np.zeros((2, 4))
    B = np.ones((4, 3))
    np.testing.assert_array_equal(cr_probabilities(A, B), np.full(4, 0.25))


# ---------------------------------------------------------------- cr_matmul
def test_matmul_uses_the_stated_draws_and_scaling():
    # Rebuild C R term by term from the same draws: (1/k) sum_t A[:, i_t] B[i_t, :] / p_{i_t}.
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 9))
    B = rng.standard_normal((9, 5))
    p = cr_probabilities(A, B)
    k = 6
    idx = np.random.default_rng(7).choice(9, size=k, p=p)
    expected = sum(np.outer(A[:, i], B[i, :]) / p[i] for i in idx) / k
    # The same k terms summed in another order: ~ k eps times the largest term sum_i w_i / k.
    np.testing.assert_allclose(
        cr_matmul(A, B, k, rng=7), expected, rtol=1e-13, atol=100 * k * EPS * term_weights(A, B).sum()
    )


def test_matmul_is_exact_when_terms_are_positive_multiples_of_one_matrix():
    # Every A[:, i] B[i, :] = c_i u v^T with c_i > 0: each optimal draw equals (sum c_i) u v^T.
    u, v = np.array([1.0, -2.0]), np.array([3.0, 0.5, 1.0])
    c = np.array([0.5, 2.0, 1.5, 4.0])
    A = np.outer(u, c)
    B = np.tile(v, (4, 1))
    for seed in range(5):
        # c_i / p_i = sum_j c_j up to the rounding of p_i and of the scaling: a few ulps.
        np.testing.assert_allclose(cr_matmul(A, B, 1, rng=seed), A @ B, rtol=1e-13)
    # Exactly zero in exact arithmetic; the closed form subtracts two sums of size ||AB||^2.
    np.testing.assert_array_less(cr_expected_error(A, B, 1, "optimal"), 100 * 4 * EPS * np.sum((A @ B) ** 2))


def test_matmul_with_one_inner_index_is_exact():
    A = np.array([[2.0], [3.0]])
    B = np.array([[1.0, -1.0, 4.0]])
    for kind in ("optimal", "uniform"):
        # Three copies of A B / 3 summed: the rounding of 1/3 and of two additions, ~ 3 eps.
        np.testing.assert_allclose(cr_matmul(A, B, 3, p=kind, rng=0), A @ B, rtol=1e-13)


def test_matmul_rank_is_at_most_k():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((30, 60))
    B = rng.standard_normal((60, 25))
    for k in (1, 3, 7):
        assert np.linalg.matrix_rank(cr_matmul(A, B, k, rng=k)) <= k


def test_matmul_never_draws_zero_probability_indices():
    # p = e_1: every draw is index 1, so C R = A[:, 1] B[1, :] for any seed and k.
    # A non-zero term gets no mass here, so this C R is a *biased* estimate of A B.
    A = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]])
    B = np.array([[1.0], [1.0], [2.0]])
    for seed in range(4):
        CR = cr_matmul(A, B, 5, p=[0.0, 1.0, 0.0], rng=seed)
        # Five copies of the term scaled by 1/5 and summed: ~ 5 eps of it; we allow 1e-13.
        np.testing.assert_allclose(CR, np.outer(A[:, 1], B[1, :]), rtol=1e-13)


def test_matmul_is_reproducible_and_uniform_equals_explicit_vector():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((3, 12))
    B = rng.standard_normal((12, 4))
    np.testing.assert_array_equal(cr_matmul(A, B, 5, rng=11), cr_matmul(A, B, 5, rng=11))
    gen = np.random.default_rng(11)
    first, second = cr_matmul(A, B, 5, rng=gen), cr_matmul(A, B, 5, rng=gen)
    assert not np.allclose(first, second)  # a Generator is advanced, not reset
    # Same draws; the scaling 1/(k p_i) may differ in the last bit after renormalizing p, and
    # the result sums 5 terms of size up to max_i w_i n / k: we allow 100 k eps of sum_i w_i n / k.
    scale = 12 * term_weights(A, B).sum() / 5
    np.testing.assert_allclose(
        cr_matmul(A, B, 5, p="uniform", rng=4),
        cr_matmul(A, B, 5, p=np.full(12, 1 / 12), rng=4),
        rtol=1e-13,
        atol=100 * 5 * EPS * scale,
    )


def test_matmul_of_zero_matrix_is_zero():
    CR = cr_matmul(np.zeros((2, 5)), np.ones((5, 3)), 4, rng=0)
    assert CR.shape == (2, 3)
    assert not CR.any()


# ---------------------------------------------------------------- cr_expected_error
def test_expected_error_small_case_by_hand():
    # A = B = I_2: terms e1 e1^T, e2 e2^T. p = (1/4, 3/4), k = 2:
    # (1/(1/4) + 1/(3/4) - ||I||^2) / 2 = (4 + 4/3 - 2) / 2 = 5/3. A few roundings: we allow 1e-13.
    np.testing.assert_allclose(cr_expected_error(np.eye(2), np.eye(2), 2, [0.25, 0.75]), 5 / 3, rtol=1e-13)


@given(products(), st.integers(1, 3), st.data())
def test_expected_error_matches_enumeration_over_all_draws(AB, k, data):
    A, B = AB
    p = data.draw(probability_vectors(A.shape[1]))
    mean, exact = enumerated_moments(A, B, k, p)
    tol = rounding_scale(A, B, p)
    # Unbiasedness, from the definition alone: E[CR] = AB. Each entry of an outcome is at
    # most max_i w_i / p_i; summing n^k weighted outcomes costs ~ n^k eps of that (100x allowed).
    mean_tol = 100 * A.shape[1] ** k * EPS * np.max(term_weights(A, B) / p)
    np.testing.assert_allclose(mean, A @ B, rtol=0, atol=mean_tol)
    # The closed form is a difference of two sums of size <= sum_i w_i^2 / p_i: absolute tol.
    np.testing.assert_allclose(cr_expected_error(A, B, k, p), exact, rtol=1e-12, atol=tol)


@given(products(), st.integers(1, 3))
def test_expected_error_of_named_kinds_matches_their_vectors(AB, k):
    A, B = AB
    for kind in ("optimal", "uniform"):
        p = cr_probabilities(A, B, kind)
        tol = rounding_scale(A, B, p)
        np.testing.assert_allclose(cr_expected_error(A, B, k, kind), cr_expected_error(A, B, k, p), rtol=1e-12, atol=tol)
        _, exact = enumerated_moments(A, B, k, p)
        np.testing.assert_allclose(cr_expected_error(A, B, k, kind), exact, rtol=1e-12, atol=tol)


@given(products(), st.integers(1, 5), st.data())
def test_optimal_probabilities_minimize_the_error(AB, k, data):
    A, B = AB
    p = data.draw(probability_vectors(A.shape[1]))
    best = cr_expected_error(A, B, k, "optimal")
    tol = rounding_scale(A, B, p)
    # Each inequality holds exactly; the values carry an absolute rounding error below tol.
    np.testing.assert_array_less(best - cr_expected_error(A, B, k, p), tol)
    np.testing.assert_array_less(best - cr_expected_error(A, B, k, "uniform"), tol)
    # Cauchy–Schwarz: (sum_i ||A_i|| ||B_i||)^2 <= ||A||_F^2 ||B||_F^2.
    np.testing.assert_array_less(best - np.sum(A**2) * np.sum(B**2) / k, tol)


@given(products(), st.integers(1, 6))
def test_expected_error_scales_as_one_over_k_and_quadratically_in_A(AB, k):
    A, B = AB
    e1 = cr_expected_error(A, B, 1, "optimal")
    tol = rounding_scale(A, B, cr_probabilities(A, B))
    # The same difference divided by k: one extra rounding.
    np.testing.assert_allclose(cr_expected_error(A, B, k, "optimal"), e1 / k, rtol=1e-13, atol=tol)
    # Power-of-two scaling is exact in floating point, so the two values agree to the last bit
    # up to the order of the internal sums: the same absolute tolerance, scaled.
    np.testing.assert_allclose(
        cr_expected_error(A * 2.0**30, B, k, "uniform"),
        cr_expected_error(A, B, k, "uniform") * 2.0**60,
        rtol=1e-13,
        atol=tol * 2.0**60,
    )


@given(products(), st.sampled_from([(-600, 600), (600, -600), (-300, 0), (0, 300), (500, -200)]))
def test_power_of_two_scalings_far_outside_the_safe_range(AB, shifts):
    # Scaling by powers of two is exact, so the results must scale exactly as the math says,
    # even when squares of the scaled entries would overflow or underflow.
    A, B = AB
    a, b = shifts
    As, Bs = np.ldexp(A, a), np.ldexp(B, b)
    # Probabilities: the same exact rescaling inside, up to the order of a few operations.
    np.testing.assert_allclose(cr_probabilities(As, Bs), cr_probabilities(A, B), rtol=1e-13, atol=1e-14)
    for kind in ("optimal", "uniform"):
        e, es = cr_expected_error(A, B, 2, kind), cr_expected_error(As, Bs, 2, kind)
        tol = rounding_scale(A, B, cr_probabilities(A, B, kind))
        np.testing.assert_allclose(np.ldexp(es, -2 * (a + b)), e, rtol=1e-12, atol=tol)


def test_expected_error_near_overflow_and_underflow():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((4, 7))
    B = rng.standard_normal((7, 3))
    # 1e160 is not a power of two: the scaled entries are rounded once (relative eps), and the
    # difference of sums amplifies that by at most (sum_i w_i^2/p_i) / E, below 100 here: 1e-12.
    e = cr_expected_error(A, B, 3, "uniform")
    # ||A_i||^2 of 1e160 * A overflows unscaled; the product A B itself stays ~ 1.
    np.testing.assert_allclose(cr_expected_error(1e160 * A, 1e-160 * B, 3, "uniform"), e, rtol=1e-12)
    np.testing.assert_allclose(
        cr_expected_error(1e-160 * A, 1e160 * B, 3, "optimal"), cr_expected_error(A, B, 3, "optimal"), rtol=1e-12
    )


def test_expected_error_beyond_float_range_is_inf_without_warnings():
    # A = B = diag(1e200): the exact value 2e800 (uniform or optimal p) is not representable.
    A = np.diag([1e200, 1e200])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cr_expected_error(A, A, 1, "optimal") == np.inf
        assert cr_expected_error(np.eye(2), np.eye(2), 1, [1e-320, 1.0]) == np.inf


def test_extreme_column_and_row_scalings_that_cancel_in_the_product():
    # Scaling column 0 of A by 1e-170 and row 0 of B by 1e170 leaves every term A_i B_i,
    # hence all three functions, unchanged up to the rounding of the scaled entries
    # (relative eps each, amplified by at most 100 in the difference of sums): 1e-12.
    rng = np.random.default_rng(8)
    A = rng.standard_normal((3, 4))
    B = rng.standard_normal((4, 2))
    d = np.array([1e-170, 1.0, 1e150, 1.0])
    As, Bs = A * d, B / d[:, None]
    np.testing.assert_allclose(cr_probabilities(As, Bs), cr_probabilities(A, B), rtol=1e-12)
    for p in ("optimal", "uniform", np.full(4, 0.25)):
        np.testing.assert_allclose(cr_expected_error(As, Bs, 2, p), cr_expected_error(A, B, 2, p), rtol=1e-12)
        np.testing.assert_allclose(cr_matmul(As, Bs, 3, p=p, rng=1), cr_matmul(A, B, 3, p=p, rng=1), rtol=1e-12)


def test_expected_error_accepts_zero_probability_on_zero_terms():
    A = np.array([[1.0, 0.0, 2.0], [1.0, 5.0, 0.0]])
    B = np.array([[1.0, 1.0], [0.0, 0.0], [3.0, 0.0]])  # term 1 is zero (B's row 1 is 0)
    p = np.array([0.4, 0.0, 0.6])
    _, exact = enumerated_moments(A, B, 2, p)
    # Sums of a dozen terms of size ~10: rounding ~1e-15 relative; we allow 1e-12.
    np.testing.assert_allclose(cr_expected_error(A, B, 2, p), exact, rtol=1e-12)
    assert cr_probabilities(A, B)[1] == 0.0
    assert cr_expected_error(np.zeros((2, 3)), B, 2, p) == 0.0


def test_expected_error_refuses_zero_probability_on_nonzero_term():
    A = np.array([[1.0, 2.0], [0.0, 1.0]])
    B = np.eye(2)
    with pytest.raises(ValueError, match="p gives probability 0 to index 0"):
        cr_expected_error(A, B, 3, [0.0, 1.0])


# ---------------------------------------------------------------- Monte Carlo agreement
@pytest.mark.parametrize("p", ["optimal", "uniform", "custom"])
def test_monte_carlo_mean_agrees_with_expected_error(p):
    """Sample mean of ||AB - CR||_F^2 over N seeded draws vs the exact expectation.

    A statistical check with a rigorous failure probability. With n = 8 and k = 3 the
    estimator has 8^3 = 512 outcomes, so the exact distribution of the squared error X
    is known (from the definition alone): its mean E, variance s^2 and range |X - E| <= M.
    Bernstein's inequality for the mean of N = 3000 independent draws,
    P(|mean - E| >= t) <= 2 exp(-N t^2 / (2 s^2 + 2 M t / 3)), gives the t with failure
    probability 1e-6; the same for each of the 20 entries of E[CR] = AB (1e-6 / 20 each,
    so 2e-6 in all). The seed makes the test deterministic. To show the test has power,
    t must be well below E itself: a wrong factor (a missing 1/k multiplies the error by
    about k^2 = 9) could not pass.
    """
    # headroom: a statistical check with failure probability 2e-6 (Bernstein), not a rounding tolerance.
    rng = np.random.default_rng(2024)
    # Column norms of A spread over two decades, so optimal and uniform differ clearly.
    A = rng.standard_normal((4, 8)) * np.logspace(0, 2, 8)
    B = rng.standard_normal((8, 5))
    k, N, delta = 3, 3000, 1e-6
    p_vec = np.arange(1.0, 9.0) / 36.0 if p == "custom" else cr_probabilities(A, B, p)
    p_arg = p_vec if p == "custom" else p
    AB = A @ B
    prob, outcomes = outcome_distribution(A, B, k, p_vec)

    def bernstein_t(variance, spread, failure):
        log_term = np.log(2 / failure)
        linear = 2 * spread * log_term / 3
        return (linear + np.sqrt(linear**2 + 8 * N * variance * log_term)) / (2 * N)

    X = np.sum((outcomes - AB) ** 2, axis=(1, 2))
    E = prob @ X
    # The exact distribution agrees with the closed form (sums of 512 terms: 1e-12 relative).
    np.testing.assert_allclose(cr_expected_error(A, B, k, p_arg), E, rtol=1e-12)
    t = bernstein_t(prob @ (X - E) ** 2, np.max(np.abs(X - E)), delta)
    gen = np.random.default_rng(99)
    samples = np.array([cr_matmul(A, B, k, p=p_arg, rng=gen) for _ in range(N)])
    np.testing.assert_array_less(abs(np.sum((samples - AB) ** 2, axis=(1, 2)).mean() - E), t)
    np.testing.assert_array_less(t, 0.4 * E)  # power: a 40 % error (let alone a factor k^2) would be caught

    deviation = outcomes - AB  # entries: E[CR] = AB
    t_entries = bernstein_t(np.einsum("s,sab->ab", prob, deviation**2), np.abs(deviation).max(axis=0), delta / AB.size)
    np.testing.assert_array_less(np.abs(samples.mean(axis=0) - AB), t_entries)


# ---------------------------------------------------------------- cr_top_k
def reference_top_k(A, B, k):
    """Sum of the k outer products with the largest ||A[:, i]|| ||B[i, :]||, by an explicit loop."""
    w = np.linalg.norm(A, axis=0) * np.linalg.norm(B, axis=1)
    keep = sorted(range(A.shape[1]), key=lambda i: (-w[i], i))[:k]
    return sum((np.outer(A[:, i], B[i, :]) for i in keep), np.zeros((A.shape[0], B.shape[1])))


@given(products(), st.data())
def test_top_k_keeps_the_heaviest_terms(AB, data):
    A, B = AB
    n = A.shape[1]
    k = data.draw(st.integers(1, n))
    w = np.sort(np.linalg.norm(A, axis=0) * np.linalg.norm(B, axis=1))[::-1]
    # Weights computed two ways agree to a few ulps; a near-tie at the cut could be
    # broken either way, so require a clear gap there (or a cut after the last term).
    assume(k == n or w[k - 1] - w[k] > 1e-10 * w[0])
    # Both sides sum the same k terms in different orders: ~ k eps of sum_i w_i; we allow 100x.
    np.testing.assert_allclose(cr_top_k(A, B, k), reference_top_k(A, B, k), rtol=1e-13, atol=100 * n * EPS * w.sum())


def test_top_k_with_all_terms_is_the_product_and_ties_go_to_the_smaller_index():
    rng = np.random.default_rng(3)
    A, B = rng.standard_normal((3, 5)), rng.standard_normal((5, 4))
    # The same five terms summed by two BLAS calls: ~ 5 eps of sum_i w_i; we allow 100x.
    np.testing.assert_allclose(cr_top_k(A, B, 5), A @ B, rtol=1e-13, atol=100 * 5 * EPS * term_weights(A, B).sum())
    A = np.eye(3)  # three terms of norm 1: k = 2 keeps terms 0 and 1
    np.testing.assert_array_equal(cr_top_k(A, np.eye(3), 2), np.diag([1.0, 1.0, 0.0]))


def orthogonal_terms(seed, n=6):
    """Columns of A with disjoint supports: the terms are Frobenius-orthogonal whatever B is."""
    rng = np.random.default_rng(seed)
    A = np.zeros((2 * n, n))
    for i in range(n):
        A[2 * i : 2 * i + 2, i] = rng.standard_normal(2) * (i + 1)
    return A, rng.standard_normal((n, 5))


def test_top_k_is_the_best_subset_when_terms_are_orthogonal():
    A, B = orthogonal_terms(4)
    n = A.shape[1]
    w = term_weights(A, B)
    tol = error_rounding(A, B)
    for k in range(1, n + 1):
        err = subset_error(A, B, np.flatnonzero(np.isin(np.arange(n), np.argsort(-w)[:k])))
        np.testing.assert_allclose(np.linalg.norm(A @ B - cr_top_k(A, B, k)) ** 2, err, rtol=1e-13, atol=tol)
        # Pythagoras: the error is the sum of the discarded w_i^2.
        np.testing.assert_allclose(err, np.sum(np.sort(w)[: n - k] ** 2), rtol=1e-13, atol=tol)
        best = min(subset_error(A, B, T) for T in itertools.combinations(range(n), k))
        np.testing.assert_array_less(err - best, tol)


def test_top_k_is_the_truncated_svd_for_orthogonal_columns_and_rows():
    rng = np.random.default_rng(5)
    Q1 = np.linalg.qr(rng.standard_normal((7, 5)))[0]
    Q2 = np.linalg.qr(rng.standard_normal((6, 5)))[0]
    A = Q1 * np.array([1.0, 5.0, 0.5, 3.0, 2.0])  # orthogonal columns
    B = Q2.T * np.array([2.0, 0.3, 1.0, 1.0, 4.0])[:, None]  # orthogonal rows
    U, s, Vt = np.linalg.svd(A @ B)
    # Singular values 2, 1.5, 8, 3, 1 (A's norms times B's): distinct, so the truncated SVD
    # is unique (premise asserted). Rank-k truncation by LAPACK: backward error ~ n eps ||AB||_2;
    # we allow 100 n eps s_1.
    np.testing.assert_array_less(1e-3 * s[0], -np.diff(s[:5]))
    for k in range(1, 5):
        np.testing.assert_allclose(cr_top_k(A, B, k), (U[:, :k] * s[:k]) @ Vt[:k], atol=100 * 7 * EPS * s[0])


def test_top_k_fails_when_large_terms_cancel():
    # Terms a b^T and -a b^T are the heaviest but sum to zero; A B = e f^T is the third term.
    a, b = np.array([10.0, 0.0]), np.array([10.0, 0.0])
    e, f = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    A = np.column_stack([a, -a, e])
    B = np.vstack([b, b, f])
    np.testing.assert_array_equal(cr_top_k(A, B, 2), np.zeros((2, 2)))  # exact: integers
    np.testing.assert_array_equal(A @ B, np.outer(e, f))


# ---------------------------------------------------------------- cr_greedy
def test_greedy_on_the_docstring_example_and_the_cancelling_example():
    # Terms 3 E11, -2 E11, 2.5 E22: greedy removes -2 E11 first (cost 4), then 3 E11 (cost
    # 9 - 12 < 0: the error drops to 1), keeping the term that top-k drops.
    A = np.array([[3.0, -2.0, 0.0], [0.0, 0.0, 2.5]])
    B = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(cr_greedy(A, B, 1), [2])
    np.testing.assert_array_equal(cr_greedy(A, B, 2), [0, 2])
    # Cancelling heavy terms a b^T, -a b^T and a light e f^T: greedy is optimal for k = 2 but not
    # for k = 1 (exact arithmetic: all values are integers).
    a, e = np.array([10.0, 0.0]), np.array([0.0, 1.0])
    A = np.column_stack([a, -a, e])
    B = np.vstack([a, a, e])
    np.testing.assert_array_equal(cr_greedy(A, B, 2), [0, 1])
    kept = cr_greedy(A, B, 1)
    np.testing.assert_array_equal(kept, [0])  # the tie between terms 0 and 1 keeps the smaller index
    assert subset_error(A, B, kept) == 10001.0 and subset_error(A, B, [2]) == 0.0


@given(products(), st.data())
def test_greedy_returns_sorted_distinct_indices_nested_in_k(AB, data):
    A, B = AB
    n = A.shape[1]
    previous = cr_greedy(A, B, n)
    np.testing.assert_array_equal(previous, np.arange(n))  # k = n removes nothing
    for k in range(n - 1, 0, -1):
        kept = cr_greedy(A, B, k)
        assert kept.dtype.kind == "i" and kept.shape == (k,)
        assert np.all(np.diff(kept) > 0) and kept.min() >= 0 and kept.max() < n
        assert set(kept) <= set(previous)  # one removal path for all k: the sets are nested
        previous = kept


@given(
    arrays(np.float64, (3, 6), elements=magnitudes.map(lambda x: x + 0.05) | magnitudes.map(lambda x: -x - 0.05)),
    arrays(np.float64, (6, 2), elements=magnitudes.map(lambda x: x + 0.05) | magnitudes.map(lambda x: -x - 0.05)),
)
def test_greedy_follows_the_brute_force_greedy_path(A, B):
    # The reference knows nothing of the Gram matrix: it recomputes every candidate error from
    # scratch. Comparing index sets needs a clear best removal at each step (no near-ties).
    path, gaps = brute_force_greedy_path(A, B)
    assume(np.all(gaps > error_rounding(A, B)))
    for k in range(1, 7):
        np.testing.assert_array_equal(cr_greedy(A, B, k), path[k])


@pytest.mark.parametrize("seed", range(4))
def test_greedy_never_beats_the_exhaustive_optimum(seed):
    # Greedy removal is not always optimal, but no subset of k terms can beat the best one. Its
    # first step (k = n - 1) is optimal: with nothing removed yet, removing term j costs exactly
    # w_j^2, and greedy removes the smallest.
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((3, 8)), rng.standard_normal((8, 3))
    tol = error_rounding(A, B)
    for k in range(1, 8):
        best = min(subset_error(A, B, T) for T in itertools.combinations(range(8), k))
        greedy = subset_error(A, B, cr_greedy(A, B, k))
        np.testing.assert_array_less(best - greedy, tol)
        if k == 7:
            np.testing.assert_allclose(greedy, best, rtol=1e-13, atol=tol)


@pytest.mark.parametrize("seed", range(3))
def test_greedy_is_top_k_and_optimal_when_terms_are_orthogonal(seed):
    A, B = orthogonal_terms(seed)
    n = A.shape[1]
    w = term_weights(A, B)
    np.testing.assert_array_less(1e-6 * w.max(), -np.diff(np.sort(w)[::-1]))  # premise: distinct weights
    tol = error_rounding(A, B)
    for k in range(1, n + 1):
        kept = cr_greedy(A, B, k)
        np.testing.assert_array_equal(kept, np.sort(np.argsort(-w)[:k]))
        best = min(subset_error(A, B, T) for T in itertools.combinations(range(n), k))
        np.testing.assert_allclose(subset_error(A, B, kept), best, rtol=1e-13, atol=tol)


def test_greedy_ties_keep_the_smaller_index_and_zero_products_keep_the_first_k():
    np.testing.assert_array_equal(cr_greedy(np.eye(3), np.eye(3), 2), [0, 1])
    np.testing.assert_array_equal(cr_greedy(np.zeros((2, 5)), np.ones((5, 3)), 3), [0, 1, 2])
    A = np.array([[1.0, 0.0, 2.0, 0.0]])
    B = np.array([[1.0], [5.0], [1.0], [0.0]])  # terms 1 and 3 are zero
    np.testing.assert_array_equal(cr_greedy(A, B, 2), [0, 2])


@given(products(), st.sampled_from([(-600, 600), (600, -600), (-300, 0), (0, 300), (500, -200)]), st.data())
def test_greedy_is_invariant_under_exact_rescaling(AB, shifts, data):
    # Powers of two scale every entry of the Gram matrix exactly; scaling column i of A by 2**s_i
    # and row i of B by 2**-s_i leaves every term unchanged. Either way the removal path is the same,
    # even where squares of the scaled entries would overflow or underflow.
    A, B = AB
    n = A.shape[1]
    k = data.draw(st.integers(1, n))
    a, b = shifts
    expected = cr_greedy(A, B, k)
    np.testing.assert_array_equal(cr_greedy(np.ldexp(A, a), np.ldexp(B, b), k), expected)
    s = np.array([a, b, -a, 0])[:n]
    np.testing.assert_array_equal(cr_greedy(np.ldexp(A, s), np.ldexp(B, -s[:, None]), k), expected)


# ---------------------------------------------------------------- cr_middle
def vectorized_lstsq_middles(A, B, cols):
    """Both optimal middles by np.linalg.lstsq on the vectorized problem (minimum norm).

    vec(C M R) = (R^T kron C) vec(M) (column-major vec), and column t of the diagonal
    design matrix is vec(C[:, t] R[t, :]).
    """
    C, R = A[:, cols], B[cols, :]
    target = (A @ B).ravel(order="F")
    full = np.linalg.lstsq(np.kron(R.T, C), target, rcond=None)[0].reshape(len(cols), len(cols), order="F")
    design = np.column_stack([np.outer(C[:, t], R[t, :]).ravel(order="F") for t in range(len(cols))])
    diagonal = np.linalg.lstsq(design, target, rcond=None)[0]
    return full, diagonal


@pytest.mark.parametrize("cols", [[0, 3, 5], [2, 2, 7, 1], [4], [0, 1, 2, 3, 4, 5, 6, 7]])
def test_middles_match_vectorized_least_squares(cols):
    rng = np.random.default_rng(8)
    A, B = rng.standard_normal((5, 8)), rng.standard_normal((8, 4))
    full_ref, diag_ref = vectorized_lstsq_middles(A, B, cols)
    # Well-conditioned Gaussian terms (a repeated index is removed by both minimum-norm
    # solutions alike): the two solvers agree to ~ cond^2 eps, far below 1e-9.
    np.testing.assert_allclose(cr_middle(A, B, cols), full_ref, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(cr_middle(A, B, np.array(cols), kind="diagonal"), diag_ref, rtol=1e-9, atol=1e-11)


def test_full_middle_is_exact_when_C_and_R_have_full_rank():
    rng = np.random.default_rng(9)
    A, B = rng.standard_normal((3, 10)), rng.standard_normal((10, 4))
    cols = [1, 4, 6, 8]  # rank(C) = 3 = m, rank(R) = 4 = q: C C^+ = I and R^+ R = I
    approx = A[:, cols] @ cr_middle(A, B, cols) @ B[cols, :]
    # Two pseudo-inverses of well-conditioned 3x4 and 4x4 matrices: ~ cond eps ||AB||; we allow 1e-12.
    np.testing.assert_allclose(approx, A @ B, rtol=1e-12, atol=1e-12)


@given(products(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_optimal_middles_never_lose_to_the_sampling_weights(AB, k, seed):
    """On the same draws: error(full) <= error(diagonal) <= error(1/(k p_i) weights)."""
    A, B = AB
    p = cr_probabilities(A, B)
    cols = np.random.default_rng(seed).choice(A.shape[1], size=k, p=p)
    C, R, AB_ = A[:, cols], B[cols, :], A @ B
    sampled = np.linalg.norm(AB_ - cr_matmul(A, B, k, rng=seed)) ** 2
    diagonal = np.linalg.norm(AB_ - (C * cr_middle(A, B, cols, kind="diagonal")) @ R) ** 2
    full = np.linalg.norm(AB_ - C @ cr_middle(A, B, cols) @ R) ** 2
    # Each inequality holds exactly. The squared errors carry rounding ~ n eps (n sum_i w_i / k)^2
    # (the sampled terms are scaled by up to 1/(k p_i)) plus the error of the least-squares
    # solutions, amplified by the condition number of the (possibly nearly dependent) terms;
    # 1e-10 (sum_i w_i)^2 covers that with room.
    slack = 1e-10 * term_weights(A, B).sum() ** 2 + TINY
    np.testing.assert_array_less(diagonal - sampled, slack)
    np.testing.assert_array_less(full - diagonal, slack)


# ---------------------------------------------------------------- validation
GOOD_A = np.ones((2, 3))
GOOD_B = np.ones((3, 2))


def all_calls(A, B):
    return [
        lambda: cr_probabilities(A, B),
        lambda: cr_matmul(A, B, 2, rng=0),
        lambda: cr_expected_error(A, B, 2, "optimal"),
        lambda: cr_top_k(A, B, 2),
        lambda: cr_greedy(A, B, 2),
        lambda: cr_middle(A, B, [0, 1]),
        lambda: cr_middle(A, B, [0, 1], kind="diagonal"),
    ]


@pytest.mark.parametrize(
    "A, B, exc, match",
    [
        (np.ones(3), GOOD_B, ValueError, "A must be 2-D"),
        (GOOD_A, np.ones((3, 2, 1)), ValueError, "B must be 2-D"),
        (np.ones((0, 3)), GOOD_B, ValueError, "A must not be empty"),
        (GOOD_A, np.array([[1.0, np.nan]] * 3), ValueError, "B must not contain NaN"),
        (np.array([[1.0, np.inf, 0.0]] * 2), GOOD_B, ValueError, "A must not contain NaN or infinity"),
        ([["a", "b", "c"]], GOOD_B, TypeError, "A must hold real numbers"),
        (GOOD_A, "B", TypeError, "B must be a numeric array"),
        (GOOD_A, np.ones((3, 2)) * 1j, TypeError, "B must hold real numbers"),
        (GOOD_A, np.ones((2, 2)), ValueError, "inner dimensions"),
        (np.ones((3, 2)), np.ones((3, 2)), ValueError, "inner dimensions"),
    ],
)
def test_bad_matrices_are_rejected_with_named_argument(A, B, exc, match):
    for call in all_calls(A, B):
        with pytest.raises(exc, match=match):
            call()


@pytest.mark.parametrize(
    "p, match",
    [
        ([0.5, 0.5], "p must have length 3"),
        ([0.5, 0.6, -0.1], "p must be non-negative"),
        ([0.2, 0.2, 0.2], "p must sum to 1"),
        ([1.0, 1.0, 1.0], "p must sum to 1"),
        ([[0.2, 0.3, 0.5]], "p must be 1-D"),
        ([0.5, np.nan, 0.5], "p must not contain NaN"),
        ("best", "p must be one of"),
    ],
)
def test_bad_probability_vectors_are_rejected(p, match):
    with pytest.raises(ValueError, match=match):
        cr_matmul(GOOD_A, GOOD_B, 2, p=p, rng=0)
    with pytest.raises(ValueError, match=match):
        cr_expected_error(GOOD_A, GOOD_B, 2, p)


def test_bad_scalars_are_rejected():
    with pytest.raises(ValueError, match="kind must be one of"):
        cr_probabilities(GOOD_A, GOOD_B, kind="leverage")
    for f in (lambda k: cr_matmul(GOOD_A, GOOD_B, k), lambda k: cr_expected_error(GOOD_A, GOOD_B, k, "uniform")):
        with pytest.raises(ValueError, match="k must be >= 1"):
            f(0)
        with pytest.raises(ValueError, match="k must be >= 1"):
            f(-3)
        with pytest.raises(TypeError, match="k must be an integer"):
            f(2.0)
        with pytest.raises(TypeError, match="k must be an integer"):
            f(True)
    with pytest.raises(TypeError, match="p must hold real numbers"):
        cr_matmul(GOOD_A, GOOD_B, 2, p=["a", "b", "c"])
    with pytest.raises(TypeError, match="rng must be None"):
        cr_matmul(GOOD_A, GOOD_B, 2, rng="seed")
    with pytest.raises(ValueError, match="rng must be a non-negative seed"):
        cr_matmul(GOOD_A, GOOD_B, 2, rng=-1)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(6)
    A = rng.standard_normal((4, 5))
    B = rng.standard_normal((5, 3))
    p = np.full(5, 0.2)
    A0, B0, p0 = A.copy(), B.copy(), p.copy()
    cr_probabilities(A, B)
    cr_matmul(A, B, 3, rng=0)
    cr_matmul(A, B, 3, p=p, rng=0)
    cr_expected_error(A, B, 3, p)
    cr_expected_error(A, B, 3, "optimal")
    cols = np.array([4, 0, 4])
    cr_top_k(A, B, 2)
    cr_greedy(A, B, 2)
    cr_greedy(np.asfortranarray(A), B, 1)
    cr_middle(A, B, cols)
    cr_middle(A, B, cols, kind="diagonal")
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(B, B0)
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(cols, [4, 0, 4])


@pytest.mark.parametrize(
    "cols, exc, match",
    [
        ([0.0, 1.0], TypeError, "cols must hold integers"),
        ([True, False], TypeError, "cols must hold real numbers"),
        (["a"], TypeError, "cols must hold real numbers"),
        ("0", TypeError, "cols must be a numeric array"),
        ([[0, 1]], ValueError, "cols must be 1-D"),
        (np.array([], dtype=int), ValueError, "cols must not be empty"),
        ([0, 3], ValueError, r"cols must lie in \[0, 3\)"),
        ([-1, 0], ValueError, r"cols must lie in \[0, 3\)"),
    ],
)
def test_bad_column_indices_are_rejected(cols, exc, match):
    for kind in ("full", "diagonal"):
        with pytest.raises(exc, match=match):
            cr_middle(GOOD_A, GOOD_B, cols, kind=kind)


@pytest.mark.parametrize("select", [cr_top_k, cr_greedy])
def test_bad_top_k_and_greedy_scalars_are_rejected(select):
    with pytest.raises(ValueError, match="k must be <= 3"):
        select(GOOD_A, GOOD_B, 4)
    with pytest.raises(ValueError, match="k must be >= 1"):
        select(GOOD_A, GOOD_B, 0)
    with pytest.raises(TypeError, match="k must be an integer"):
        select(GOOD_A, GOOD_B, 2.0)
    with pytest.raises(TypeError, match="k must be an integer"):
        select(GOOD_A, GOOD_B, np.bool_(True))


def test_bad_middle_kind_is_rejected():
    with pytest.raises(ValueError, match="kind must be one of"):
        cr_middle(GOOD_A, GOOD_B, [0, 1], kind="tridiagonal")
