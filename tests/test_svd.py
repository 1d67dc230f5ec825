"""Tests for lowrank.svd: truncated SVD, best low-rank approximation, randomized SVD.

References used here are independent of the code under test: matrices built
from chosen singular values (so the SVD is known in closed form), the 2x2
example worked by hand in the chapter, scipy.linalg.svdvals, and a direct
transcription of the Halko–Martinsson–Tropp range finder.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lowrank import low_rank_approx, randomized_svd, truncated_svd

EPS = np.finfo(np.float64).eps


def known_svd_matrix(m: int, n: int, s: np.ndarray, seed: int = 0) -> np.ndarray:
    """U diag(s) V^T with Haar-like random orthonormal U (m, k) and V (n, k)."""
    rng = np.random.default_rng(seed)
    k = len(s)
    U = scipy.linalg.qr(rng.standard_normal((m, k)), mode="economic")[0]
    V = scipy.linalg.qr(rng.standard_normal((n, k)), mode="economic")[0]
    return (U * s) @ V.T


def svd_tol(A: np.ndarray) -> float:
    """Backward-error scale of a Householder SVD: c * max(m, n) * eps * ||A||_2 (c = 10)."""
    return 10 * max(A.shape) * EPS * max(np.linalg.norm(A, 2), 1e-300)


def assert_orthonormal_columns(Q: np.ndarray, tol: float = 1e-12) -> None:
    # Householder-based factors are orthonormal to O(n eps); 1e-12 leaves room for n <= 1e3.
    np.testing.assert_allclose(Q.T @ Q, np.eye(Q.shape[1]), rtol=0, atol=tol)


# --------------------------------------------------------------------------- #
# truncated_svd
# --------------------------------------------------------------------------- #


def test_truncated_svd_2x2_closed_form():
    # The chapter's example: A^T A = [[25, 20], [20, 25]] has eigenvalues 45 and 5,
    # v1 = (1, 1)/sqrt 2, u1 = A v1 / sigma1 = (1, 3)/sqrt 10.
    A = np.array([[3.0, 0.0], [4.0, 5.0]])
    U, s, Vt = truncated_svd(A, 2)
    sigma = np.array([3 * np.sqrt(5), np.sqrt(5)])
    # Backward-stable SVD: |s_i - sigma_i| <= c n eps sigma_1 (Weyl), singular vectors to
    # c n eps sigma_1 / (sigma_1 - sigma_2); with c = 10 that is svd_tol(A) and svd_tol(A) / gap.
    np.testing.assert_allclose(s, sigma, rtol=0, atol=svd_tol(A))
    sign = np.sign(U[0, 0])  # singular vectors are defined up to a common sign
    vec_tol = svd_tol(A) / (sigma[0] - sigma[1])
    np.testing.assert_allclose(sign * U[:, 0], np.array([1.0, 3.0]) / np.sqrt(10), rtol=0, atol=vec_tol)
    np.testing.assert_allclose(sign * Vt[0], np.array([1.0, 1.0]) / np.sqrt(2), rtol=0, atol=vec_tol)


@pytest.mark.parametrize("shape", [(30, 12), (12, 30), (20, 20)])
def test_truncated_svd_known_singular_values(shape):
    m, n = shape
    s_true = np.geomspace(10.0, 1e-3, min(m, n))
    A = known_svd_matrix(m, n, s_true)
    for r in (1, 5, min(m, n)):
        U, s, Vt = truncated_svd(A, r)
        assert U.shape == (m, r) and s.shape == (r,) and Vt.shape == (r, n)
        # Weyl: each computed singular value is within the backward error of the exact one.
        np.testing.assert_allclose(s, s_true[:r], rtol=0, atol=svd_tol(A))
        assert_orthonormal_columns(U)
        assert_orthonormal_columns(Vt.T)
    np.testing.assert_allclose((U * s) @ Vt, A, rtol=0, atol=svd_tol(A))


def test_truncated_svd_rank_deficient():
    # rank 3 in a 10 x 7 matrix: the trailing singular values are zero to backward error.
    A = known_svd_matrix(10, 7, np.array([5.0, 2.0, 1.0]), seed=3)
    U, s, Vt = truncated_svd(A, 7)
    np.testing.assert_allclose(s[:3], [5.0, 2.0, 1.0], rtol=0, atol=svd_tol(A))
    np.testing.assert_allclose(s[3:], 0.0, rtol=0, atol=svd_tol(A))
    assert_orthonormal_columns(U)
    assert_orthonormal_columns(Vt.T)


def test_truncated_svd_single_row_and_column():
    row = np.array([[3.0, 4.0]])
    # One singular value, so no gap: values and vectors to the backward error c n eps ||row|| (c = 10).
    tol = svd_tol(row)
    U, s, Vt = truncated_svd(row, 1)
    np.testing.assert_allclose(s, [5.0], rtol=0, atol=tol)
    np.testing.assert_allclose(np.abs(Vt), [[0.6, 0.8]], rtol=0, atol=tol / 5.0)
    U, s, Vt = truncated_svd(row.T, 1)
    np.testing.assert_allclose(np.abs(U), [[0.6], [0.8]], rtol=0, atol=tol / 5.0)


def test_truncated_svd_integer_input():
    U, s, Vt = truncated_svd([[2, 0], [0, 1]], 1)
    np.testing.assert_allclose(s, [2.0])
    assert s.dtype == np.float64


# --------------------------------------------------------------------------- #
# low_rank_approx: Eckart–Young–Mirsky
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("shape", [(40, 15), (15, 40)])
def test_low_rank_approx_eckart_young_errors(shape):
    m, n = shape
    s_true = 1.0 / np.arange(1, min(m, n) + 1)
    A = known_svd_matrix(m, n, s_true, seed=1)
    for r in (1, 4, min(m, n) - 1):
        E = A - low_rank_approx(A, r)
        # Closed forms from the chosen singular values, to the SVD's backward error.
        tail = np.sqrt(np.sum(s_true[r:] ** 2))
        np.testing.assert_allclose(np.linalg.norm(E, "fro"), tail, rtol=0, atol=svd_tol(A) * np.sqrt(n))
        np.testing.assert_allclose(np.linalg.norm(E, 2), s_true[r], rtol=0, atol=svd_tol(A))
        assert np.linalg.matrix_rank(low_rank_approx(A, r)) == r


def test_low_rank_approx_full_rank_returns_A():
    A = np.arange(12.0).reshape(4, 3) ** 1.5
    np.testing.assert_allclose(low_rank_approx(A, 3), A, rtol=0, atol=svd_tol(A))


def test_low_rank_approx_beats_alternating_least_squares_fixed_points():
    # The factored problem min ||A B - M||_F: alternate B = A^+ M, A = M B^+ (each step the
    # pseudo-inverse least-squares solution). It can only decrease the error, and never
    # below the Eckart–Young error; from a generic start it reaches it.
    rng = np.random.default_rng(7)
    M = known_svd_matrix(25, 18, np.array([4.0, 3.0, 2.0, 1.0, 0.5, 0.25]), seed=2)
    r = 3
    Af = rng.standard_normal((25, r))
    errors = []
    for _ in range(200):  # alternating minimisation is a recurrence over sweeps
        B = np.linalg.lstsq(Af, M, rcond=None)[0]
        Af = np.linalg.lstsq(B.T, M.T, rcond=None)[0].T
        errors.append(np.linalg.norm(M - Af @ B))
    best = np.linalg.norm(M - low_rank_approx(M, r))
    tol = svd_tol(M) * np.sqrt(sum(M.shape))  # rounding of a residual norm
    np.testing.assert_array_less(np.diff(errors), tol)  # monotone: any increase is rounding
    np.testing.assert_array_less(best - np.array(errors), tol)  # never below Eckart–Young beyond rounding
    # Convergence rate (s_4/s_3)^2 = 1/4 per sweep of the subspace angle: 200 sweeps reach rounding level.
    np.testing.assert_allclose(errors[-1], best, rtol=0, atol=tol)


def test_low_rank_approx_tie_is_still_optimal():
    # s_1 = s_2: the minimiser is not unique (any 2 w w^T with unit w in span(e1, e2) is optimal),
    # and which one LAPACK returns is unspecified. Check only what every minimiser shares: the
    # errors sqrt(s_2^2 + s_3^2) and s_2, and that X / 2 is an orthogonal projector of rank one
    # onto a line in span(e1, e2). Tolerance: the SVD's backward error c n eps ||A||_2.
    A = np.diag([2.0, 2.0, 1.0])
    X = low_rank_approx(A, 1)
    E = A - X
    tol = svd_tol(A)
    np.testing.assert_allclose(np.linalg.norm(E, "fro"), np.sqrt(5.0), rtol=0, atol=tol)
    np.testing.assert_allclose(np.linalg.norm(E, 2), 2.0, rtol=0, atol=tol)
    half = X / 2
    np.testing.assert_allclose(half @ half, half, rtol=0, atol=tol)
    np.testing.assert_allclose(half, half.T, rtol=0, atol=tol)
    np.testing.assert_allclose(np.trace(half), 1.0, rtol=0, atol=tol)
    np.testing.assert_allclose([half[2], half[:, 2]], 0.0, rtol=0, atol=tol)


@pytest.mark.parametrize("t", [0.0, 0.3, np.pi / 4, 1.2])
def test_low_rank_approx_unique_with_a_gap(t):
    # Eckart–Young uniqueness: turning u_r towards u_{r+1} by the angle t raises the squared
    # error by exactly (s_r^2 - s_{r+1}^2) sin^2 t, so with a gap only t = 0 is optimal, and
    # low_rank_approx returns that one (the projector U_r U_r^T A, whatever basis LAPACK picks).
    s = np.array([3.0, 2.0, 1.5, 1.0, 0.5])
    m, n, r = 12, 9, 2
    rng = np.random.default_rng(13)
    U = scipy.linalg.qr(rng.standard_normal((m, len(s))), mode="economic")[0]
    V = scipy.linalg.qr(rng.standard_normal((n, len(s))), mode="economic")[0]
    A = (U * s) @ V.T
    tol = svd_tol(A) * np.sqrt(m + n)
    np.testing.assert_allclose(low_rank_approx(A, r), U[:, :r] @ (U[:, :r].T @ A), rtol=0, atol=tol)
    basis = U[:, :r].copy()
    basis[:, r - 1] = np.cos(t) * U[:, r - 1] + np.sin(t) * U[:, r]
    excess = np.linalg.norm(A - basis @ (basis.T @ A)) ** 2 - np.sum(s[r:] ** 2)
    # Squared norms of size ||A||_F^2 carry rounding ~ c (m + n) eps ||A||_F^2.
    np.testing.assert_allclose(excess, (s[r - 1] ** 2 - s[r] ** 2) * np.sin(t) ** 2, rtol=0,
                               atol=10 * (m + n) * EPS * np.sum(s**2))


# --------------------------------------------------------------------------- #
# Property tests
# --------------------------------------------------------------------------- #

elements = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def matrices_and_rank(draw, max_side: int = 7):
    m = draw(st.integers(1, max_side))
    n = draw(st.integers(1, max_side))
    if draw(st.booleans()):
        A = draw(arrays(np.float64, (m, n), elements=elements))
    else:  # rank deficient by construction
        k = draw(st.integers(1, min(m, n)))
        B = draw(arrays(np.float64, (m, k), elements=elements))
        C = draw(arrays(np.float64, (k, n), elements=elements))
        A = B @ C
    r = draw(st.integers(1, min(m, n)))
    return A, r


@given(matrices_and_rank())
@settings(max_examples=60)
def test_property_factors(Ar):
    A, r = Ar
    U, s, Vt = truncated_svd(A, r)
    assert U.shape == (A.shape[0], r) and Vt.shape == (r, A.shape[1])
    assert_orthonormal_columns(U)
    assert_orthonormal_columns(Vt.T)
    assert np.all(np.diff(s) <= 0) and np.all(s >= 0)
    # Against scipy's singular values (no vectors computed), to backward error.
    np.testing.assert_allclose(s, scipy.linalg.svdvals(A)[:r], rtol=0, atol=svd_tol(A))
    # A V_r = U_r diag(s): the singular-vector equations.
    np.testing.assert_allclose(A @ Vt.T, U * s, rtol=0, atol=svd_tol(A))


@given(
    matrices_and_rank(),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_property_eckart_young_no_random_rank_r_matrix_is_better(Ar, seed):
    A, r = Ar
    m, n = A.shape
    Ar_best = low_rank_approx(A, r)
    assert np.linalg.matrix_rank(Ar_best, tol=svd_tol(A)) <= r
    best_F = np.linalg.norm(A - Ar_best, "fro")
    best_2 = np.linalg.norm(A - Ar_best, 2)
    sv = scipy.linalg.svdvals(A)
    # The closed forms (Eckart–Young–Mirsky), to backward error.
    np.testing.assert_allclose(best_F, np.sqrt(np.sum(sv[r:] ** 2)), rtol=0, atol=svd_tol(A) * np.sqrt(m + n))
    np.testing.assert_allclose(best_2, sv[r] if r < min(m, n) else 0.0, rtol=0, atol=svd_tol(A) * np.sqrt(m + n))
    rng = np.random.default_rng(seed)
    tol = svd_tol(A) * np.sqrt(m + n)  # rounding of an error norm
    U, s, Vt = truncated_svd(A, r)
    for _ in range(5):
        # Three kinds of rank-r competitors: a random X = B C; the best matrix with B's
        # column space (least squares in the other factor); and a small perturbation of
        # the optimal factors (a neighbour on the manifold of rank-r matrices).
        B = rng.standard_normal((m, r))
        X = B @ rng.standard_normal((r, n))
        P = B @ np.linalg.lstsq(B, A, rcond=None)[0]
        N = ((U + 1e-3 * B) * s) @ (Vt + 1e-3 * rng.standard_normal((r, n)))
        for cand in (X, P, N):
            # Observed excess of the optimum over the competitor (if any) on the left, allowed on the right.
            np.testing.assert_array_less(best_F - np.linalg.norm(A - cand, "fro"), tol)
            np.testing.assert_array_less(best_2 - np.linalg.norm(A - cand, 2), tol)


@given(matrices_and_rank(), st.integers(0, 5), st.integers(0, 3), st.integers(0, 1000))
@settings(max_examples=60)
def test_property_randomized_svd_factors(Ar, p, q, seed):
    A, r = Ar
    U, s, Vt = randomized_svd(A, r, oversample=p, n_iter=q, rng=seed)
    assert U.shape == (A.shape[0], r) and s.shape == (r,) and Vt.shape == (r, A.shape[1])
    assert_orthonormal_columns(U)
    assert_orthonormal_columns(Vt.T)
    assert np.all(np.diff(s) <= 0) and np.all(s >= 0)
    # s are singular values of Q^T A, a compression of A: interlacing gives s_i <= sigma_i(A).
    # Observed excess s_i - sigma_i (if any) on the left, the backward error of both SVDs and
    # of the products Q^T A (c (m + n) eps ||A||) on the right.
    tol = svd_tol(A) * np.sqrt(sum(A.shape))
    np.testing.assert_array_less(s - scipy.linalg.svdvals(A)[:r], tol)
    # and the approximation can never beat Eckart–Young.
    best = np.linalg.norm(A - low_rank_approx(A, r))
    np.testing.assert_array_less(best - np.linalg.norm(A - (U * s) @ Vt), tol)


# --------------------------------------------------------------------------- #
# randomized_svd
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("shape", [(80, 30), (30, 80)])
def test_randomized_svd_exact_on_low_rank(shape):
    m, n = shape
    A = known_svd_matrix(m, n, np.array([3.0, 2.0, 1.0, 0.5, 0.1]), seed=4)
    U, s, Vt = randomized_svd(A, 5, oversample=0, n_iter=0, rng=0)
    # A Gaussian sketch of a rank-5 matrix spans its range with probability one.
    np.testing.assert_allclose(s, [3.0, 2.0, 1.0, 0.5, 0.1], rtol=0, atol=1e-12)
    np.testing.assert_allclose((U * s) @ Vt, A, rtol=0, atol=1e-12)


def test_randomized_svd_matches_direct_range_finder():
    # Independent transcription of HMT Algorithms 4.1 + 5.1 with the same Gaussian draw.
    A = known_svd_matrix(60, 40, 1.0 / np.arange(1, 41) ** 2, seed=5)
    k = 12
    Omega = np.random.default_rng(11).standard_normal((40, k))
    Q = np.linalg.qr(A @ Omega)[0]
    direct = scipy.linalg.svdvals(Q.T @ A)
    U, s, Vt = randomized_svd(A, k, oversample=0, n_iter=0, rng=11)
    np.testing.assert_allclose(s, direct, rtol=1e-12)
    np.testing.assert_allclose((U * s) @ Vt, Q @ (Q.T @ A), rtol=0, atol=1e-13)


def test_randomized_svd_power_iterations_recover_exact_triplets():
    A = known_svd_matrix(200, 120, 0.7 ** np.arange(120), seed=6)
    U0, s0, Vt0 = truncated_svd(A, 10)
    U, s, Vt = randomized_svd(A, 10, oversample=10, n_iter=4, rng=3)
    # With q = 4 the sketch error is ~ (0.7)^(9 (20 - 10)) relative: at rounding level.
    np.testing.assert_allclose(s, s0, rtol=1e-10)
    np.testing.assert_allclose(np.abs(np.sum(U * U0, axis=0)), 1.0, rtol=0, atol=1e-8)
    np.testing.assert_allclose(np.abs(np.sum(Vt * Vt0, axis=1)), 1.0, rtol=0, atol=1e-8)


def test_randomized_svd_near_optimal_on_slow_decay():
    # Singular values 1/i (the benchmark's spectrum, smaller): with p = 10, q = 2 the error
    # is within 10% of the Eckart–Young optimum (observed: about 0.1%, for every seed).
    sv = 1.0 / np.arange(1, 301)
    A = known_svd_matrix(400, 300, sv, seed=8)
    r = 20
    optimal = np.sqrt(np.sum(sv[r:] ** 2))
    for seed in range(5):
        U, s, Vt = randomized_svd(A, r, rng=seed)
        np.testing.assert_array_less(np.linalg.norm(A - (U * s) @ Vt) / optimal - 1, 0.1)


def test_randomized_svd_hmt_average_frobenius_bound():
    # HMT Theorem 10.5: E||A - Q Q^T A||_F <= sqrt(1 + k/(p-1)) * (sum_{j>k} s_j^2)^(1/2)
    # for a Gaussian n x (k+p) sketch, k >= 2, p >= 2. The sketch basis is the U of
    # randomized_svd(A, k + p, oversample=0, n_iter=0). Averaged over 40 seeded draws.
    # A statistical check: the sample mean must lie below the bound on the expectation by more
    # than ten standard errors (it does by more than 50), so other seeds would pass too.
    sv = 1.0 / np.arange(1, 101)
    A = known_svd_matrix(150, 100, sv, seed=9)
    k = 10
    for p in (2, 5, 10):
        errs = []
        for seed in range(40):
            U, s, Vt = randomized_svd(A, k + p, oversample=0, n_iter=0, rng=seed)
            errs.append(np.linalg.norm(A - U @ (U.T @ A)))
        errs = np.array(errs)
        bound = np.sqrt(1 + k / (p - 1)) * np.sqrt(np.sum(sv[k:] ** 2))
        standard_error = errs.std(ddof=1) / np.sqrt(len(errs))
        np.testing.assert_array_less(10 * standard_error, bound - errs.mean())
        # ... and the projection cannot beat the optimal rank-(k+p) error (excess, if any, is rounding).
        optimal_kp = np.sqrt(np.sum(sv[k + p :] ** 2))
        np.testing.assert_array_less(optimal_kp - errs, svd_tol(A) * np.sqrt(sum(A.shape)))


def test_randomized_svd_oversampling_is_clipped():
    A = known_svd_matrix(9, 6, np.array([6.0, 5.0, 4.0, 3.0, 2.0, 1.0]), seed=10)
    # r + p > min(m, n): the sketch spans all of range(A) and the result is the exact SVD.
    U, s, Vt = randomized_svd(A, 4, oversample=50, n_iter=0, rng=0)
    np.testing.assert_allclose(s, [6.0, 5.0, 4.0, 3.0], rtol=0, atol=svd_tol(A) * 10)


def test_randomized_svd_reproducible_and_rng_kinds():
    A = known_svd_matrix(50, 30, 1.0 / np.arange(1, 31), seed=12)
    a = randomized_svd(A, 5, rng=42)
    b = randomized_svd(A, 5, rng=42)
    c = randomized_svd(A, 5, rng=np.random.default_rng(42))
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
    # A Generator is advanced by use: the second call sees a different sketch.
    g = np.random.default_rng(0)
    first = randomized_svd(A, 5, n_iter=0, rng=g)[1]
    second = randomized_svd(A, 5, n_iter=0, rng=g)[1]
    assert not np.array_equal(first, second)
    assert randomized_svd(A, 5, rng=None)[1].shape == (5,)


def test_randomized_svd_zero_matrix():
    U, s, Vt = randomized_svd(np.zeros((6, 4)), 2, rng=0)
    np.testing.assert_array_equal(s, 0.0)
    assert_orthonormal_columns(U)
    assert_orthonormal_columns(Vt.T)


# --------------------------------------------------------------------------- #
# Bad input and no mutation
# --------------------------------------------------------------------------- #

FUNCS = [truncated_svd, low_rank_approx, randomized_svd]


@pytest.mark.parametrize("f", FUNCS)
@pytest.mark.parametrize("r", [0, -1, 4])
def test_rank_out_of_range(f, r):
    with pytest.raises(ValueError, match="r must be"):
        f(np.ones((5, 3)), r)


@pytest.mark.parametrize("f", FUNCS)
@pytest.mark.parametrize("r", [1.0, 2.5, True, "2", None])
def test_rank_not_integer(f, r):
    with pytest.raises(TypeError, match="r must be an integer"):
        f(np.ones((5, 3)), r)


@pytest.mark.parametrize("f", FUNCS)
def test_rank_numpy_integer_accepted(f):
    f(np.ones((5, 3)), np.int64(2))


@pytest.mark.parametrize("f", FUNCS)
@pytest.mark.parametrize(
    "A, exc",
    [
        (np.ones(4), ValueError),  # 1-D
        (np.ones((2, 2, 2)), ValueError),  # 3-D
        (np.zeros((0, 3)), ValueError),  # empty
        (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), ValueError),
        (np.array([["a", "b"], ["c", "d"]]), TypeError),
        ("not a matrix", TypeError),
        (np.array([[1 + 1j, 0], [0, 1]]), TypeError),
        (np.array([[True, False], [False, True]]), TypeError),
    ],
)
def test_bad_matrix(f, A, exc):
    with pytest.raises(exc, match="A"):
        f(A, 1)


@pytest.mark.parametrize("name, value, exc", [
    ("oversample", -1, ValueError),
    ("oversample", 2.0, TypeError),
    ("n_iter", -1, ValueError),
    ("n_iter", 1.5, TypeError),
    ("rng", -3, ValueError),
    ("rng", "seed", TypeError),
    ("rng", 1.0, TypeError),
])
def test_randomized_svd_bad_options(name, value, exc):
    with pytest.raises(exc, match=name):
        randomized_svd(np.ones((5, 3)), 1, **{name: value})


def test_randomized_svd_options_are_keyword_only():
    with pytest.raises(TypeError):
        randomized_svd(np.ones((5, 3)), 1, 10)  # type: ignore[misc]


@pytest.mark.parametrize("f", FUNCS)
def test_inputs_not_modified(f):
    A = np.random.default_rng(0).standard_normal((12, 7))
    before = A.copy()
    A.setflags(write=False)  # any write would raise
    f(A, 3)
    np.testing.assert_array_equal(A, before)
    # Fortran order and integer inputs: unchanged too.
    F = np.asfortranarray(before)
    f(F, 3)
    np.testing.assert_array_equal(F, before)
    I = np.arange(12 * 7).reshape(12, 7) % 5
    I0 = I.copy()
    f(I, 2)
    np.testing.assert_array_equal(I, I0)
