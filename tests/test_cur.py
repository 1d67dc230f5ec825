"""Tests of lowrank.cur against independent references (numpy lstsq/SVD/solve, closed forms)."""

import numpy as np
import pytest
import scipy.linalg
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from lowrank import cur, deim_indices, interp_decomp
from lowrank.cur import _ridge_leverage_scores

EPS = np.finfo(np.float64).eps
METHODS = ["id", "leverage", "ridge", "deim"]


def with_spectrum(s, m, n, seed):
    """An m×n matrix with singular values s (len(s) = min(m, n)) and random singular vectors."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((m, len(s))))[0]
    V = np.linalg.qr(rng.standard_normal((n, len(s))))[0]
    return (U * s) @ V.T


def decaying_spectrum(decay, size):
    """Singular values 1/i, 1/i^2 or 0.8^i, i = 1..size (the decays the accuracy tests sweep)."""
    i = np.arange(1, size + 1)
    return {"poly1": 1.0 / i, "poly2": i**-2.0, "exp": 0.8**i}[decay]


def rank_k(m, n, k, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, k)) @ rng.standard_normal((k, n))


def reconstruct(A, cols, U, rows):
    return A[:, cols] @ U @ A[rows, :]


# ---------------------------------------------------------------- exactness and structure
def test_worked_example_matches_the_skeleton_formula():
    # Rank 2: with W = A[rows][:, cols] invertible, C W^{-1} R = A exactly, and the optimal
    # middle matrix C^+ A R^+ equals W^{-1} (both are the unique U with C U R = A here).
    A = np.array([[34.0, 58, 52], [59, 89, 80], [17, 29, 26]])
    cols, U, rows = cur(A, 2)
    np.testing.assert_array_equal(cols, [1, 0])
    np.testing.assert_array_equal(rows, [1, 0])
    W = A[np.ix_(rows, cols)]
    # W = [[89, 59], [58, 34]] has cond(W) ~ 1e2, so inv(W) and C^+ A R^+ agree to ~cond^2 eps ~ 1e-12.
    np.testing.assert_allclose(U, np.linalg.inv(W), rtol=1e-10, atol=0)
    # C U R: a few products of entries <= 89 with cond ~ 1e2: relative error ~ 1e2 * 10 eps.
    np.testing.assert_allclose(reconstruct(A, cols, U, rows), A, rtol=1e-12)


@given(
    st.integers(2, 12), st.integers(2, 12), st.integers(1, 6), st.integers(0, 2**32 - 1), st.sampled_from(METHODS)
)
def test_exact_on_rank_k_matrices(m, n, k, seed, method):
    k = min(k, m, n)
    A = rank_k(m, n, k, seed) * 10.0 ** (seed % 7 - 3)
    cols, U, rows = cur(A, k, method=method, rng=seed)
    C, R = A[:, cols], A[rows, :]
    # C U R = (C C^+) A (R^+ R): rounding ~ eps ||A|| times the condition numbers of C and R.
    kappa = np.linalg.cond(C) * np.linalg.cond(R)
    tol = 100 * max(m, n) * EPS * kappa * np.linalg.norm(A, 2)
    np.testing.assert_array_less(np.linalg.norm(A - reconstruct(A, cols, U, rows), 2), tol)


@given(st.integers(1, 10), st.integers(1, 10), st.integers(1, 10), st.integers(0, 2**32 - 1), st.sampled_from(METHODS))
def test_shapes_and_indices(m, n, k, seed, method):
    k = min(k, m, n)
    A = np.random.default_rng(seed).standard_normal((m, n))
    cols, U, rows = cur(A, k, method=method, rng=seed)
    assert cols.shape == (k,) and rows.shape == (k,) and U.shape == (k, k)
    assert cols.dtype == np.intp and rows.dtype == np.intp
    assert len(set(cols.tolist())) == k and len(set(rows.tolist())) == k
    assert 0 <= cols.min() and cols.max() < n and 0 <= rows.min() and rows.max() < m


@given(st.integers(3, 10), st.integers(3, 10), st.integers(0, 2**32 - 1), st.sampled_from(METHODS))
def test_U_is_the_least_squares_middle_matrix(m, n, seed, method):
    # U = C^+ A R^+, computed independently by two numpy least-squares solves.
    k = min(m, n) - 1
    A = np.random.default_rng(seed).standard_normal((m, n))
    cols, U, rows = cur(A, k, method=method, rng=seed)
    C, R = A[:, cols], A[rows, :]
    left = np.linalg.lstsq(C, A, rcond=None)[0]  # C^+ A
    expected = np.linalg.lstsq(R.T, left.T, rcond=None)[0].T  # (C^+ A) R^+
    kappa = np.linalg.cond(C) * np.linalg.cond(R)
    np.testing.assert_allclose(U, expected, rtol=0, atol=100 * max(m, n) * EPS * kappa**2 * max(1, np.abs(U).max()))


def test_id_method_uses_the_two_interpolative_skeletons():
    A = with_spectrum(0.7 ** np.arange(30), 40, 30, seed=1)
    cols, _, rows = cur(A, 6)
    np.testing.assert_array_equal(cols, interp_decomp(A, 6)[0])
    np.testing.assert_array_equal(rows, interp_decomp(A.T, 6)[0])


def test_symmetric_matrix_gives_rows_equal_to_cols():
    # A = A^T: the column ID of A^T is the column ID of A, so I = J (the Nyström setting).
    X = np.random.default_rng(2).standard_normal((25, 4))
    A = np.exp(-((X[:, None, :] - X[None, :, :]) ** 2).sum(-1) / 4)
    cols, U, rows = cur(A, 8)
    np.testing.assert_array_equal(cols, rows)
    # U = C^+ A (C^T)^+ is symmetric in exact arithmetic; pinv(C) and pinv(C^T) differ by rounding
    # ~ eps cond(C)^2 relative to |U| (cond(C) ~ 1e2 for this kernel), far below 1e-8.
    np.testing.assert_allclose(U, U.T, atol=1e-8 * np.abs(U).max())


# ---------------------------------------------------------------- accuracy
@pytest.mark.parametrize("decay", ["poly1", "poly2", "exp"])
@pytest.mark.parametrize("shape", [(60, 40), (40, 60)])
def test_error_within_documented_factor_of_the_svd_optimum(decay, shape):
    # Proved: ||A - CUR||_2 <= ||A - C C^+ A||_2 + ||A - A R^+ R||_2 (the two ID errors).
    # Documented (observed, not guaranteed): within 6 sigma_{k+1} for method="id".
    m, n = shape
    s = decaying_spectrum(decay, min(m, n))
    for seed in range(3):
        A = with_spectrum(s, m, n, seed)
        for k in (2, 5, 10, 20, 30):
            cols, U, rows = cur(A, k)
            C, R = A[:, cols], A[rows, :]
            err = np.linalg.norm(A - reconstruct(A, cols, U, rows), 2)
            col_err = np.linalg.norm(A - C @ np.linalg.lstsq(C, A, rcond=None)[0], 2)
            row_err = np.linalg.norm(A - np.linalg.lstsq(R.T, A.T, rcond=None)[0].T @ R, 2)
            # Theorems (Eckart-Young below, the splitting above): only rounding, relative 1e-10, may break them.
            np.testing.assert_array_less(s[k] - err, 1e-10 * s[k])
            np.testing.assert_array_less(err - (col_err + row_err), 1e-10 * err)
            # Observed, not guaranteed: the largest ratio over these cases is 3.1, so 6 leaves 1.9x; a
            # deterministic property of pivoted QR on fixed matrices, not of rounding.
            assert err <= 6 * s[k]


def test_optimal_middle_beats_the_skeleton_middle_in_frobenius_norm():
    A = with_spectrum(np.arange(1, 41) ** -1.5, 50, 40, seed=3)
    for method in METHODS:
        for k in (4, 12, 25):
            cols, U, rows = cur(A, k, method=method, rng=k)
            W_pinv = np.linalg.pinv(A[np.ix_(rows, cols)])
            err_opt = np.linalg.norm(A - reconstruct(A, cols, U, rows))
            err_skel = np.linalg.norm(A - reconstruct(A, cols, W_pinv, rows))
            np.testing.assert_array_less(err_opt - err_skel, 1e-10 * err_skel)  # a theorem, up to rounding


def test_leverage_sampling_follows_the_leverage_scores():
    # Columns 0..2 carry all of the rank-3 leverage (the others are zero): k = 3 must pick them.
    rng = np.random.default_rng(4)
    A = np.zeros((20, 10))
    A[:, :3] = rng.standard_normal((20, 3))
    for seed in range(5):
        cols, _, _ = cur(A, 3, method="leverage", rng=seed)
        np.testing.assert_array_equal(cols, [0, 1, 2])
    # Fewer positive scores than k: all of them are taken, the rest are filled in.
    cols, U, rows = cur(A, 5, method="leverage", rng=0)
    assert {0, 1, 2} <= set(cols.tolist()) and len(set(cols.tolist())) == 5
    # exact in exact arithmetic; rounding ~ 20 eps ||A|| cond(C) cond(R) with ||A|| ~ 8, cond ~ 3
    np.testing.assert_allclose(reconstruct(A, cols, U, rows), A, atol=1e-12)


def test_leverage_is_reproducible_with_a_fixed_rng():
    A = with_spectrum(1.0 / np.arange(1, 31), 40, 30, seed=5)
    first = cur(A, 6, method="leverage", rng=7)
    second = cur(A, 6, method="leverage", rng=np.random.default_rng(7))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_rank_deficient_and_zero_matrices():
    A = rank_k(8, 7, 2, seed=6)
    for method in METHODS:
        cols, U, rows = cur(A, 4, method=method, rng=0)  # k > rank: pinv drops the rounding-level part
        assert np.all(np.isfinite(U))
        # C U R = P_C A P_R: rounding ~ eps ||A|| times cond of the rank-2 parts of C and R (~10)
        np.testing.assert_allclose(reconstruct(A, cols, U, rows), A, atol=1e-12 * np.linalg.norm(A, 2))
        cols, U, rows = cur(np.zeros((4, 3)), 2, method=method, rng=0)
        assert not U.any()


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.ones(3), ValueError, "A must be 2-D"),
        (np.ones((3, 0)), ValueError, "A must not be empty"),
        (np.array([[np.inf, 1.0]]), ValueError, "A must not contain NaN"),
        ([["x"]], TypeError, "A must hold real numbers"),
    ],
)
def test_bad_matrices_are_rejected(bad, exc, match):
    with pytest.raises(exc, match=match):
        cur(bad, 1)


def test_bad_arguments_are_rejected():
    A = np.ones((3, 4))
    with pytest.raises(ValueError, match="k must be >= 1"):
        cur(A, 0)
    with pytest.raises(ValueError, match="k must be <= 3"):
        cur(A, 4)
    with pytest.raises(TypeError, match="k must be an integer"):
        cur(A, 1.5)
    with pytest.raises(ValueError, match="method must be one of"):
        cur(A, 2, method="qr")
    with pytest.raises(TypeError, match="rng must be"):
        cur(A, 2, method="leverage", rng=1.5)
    with pytest.raises(TypeError, match="rng must be"):
        cur(A, 2, method="ridge", rng="seed")


def test_inputs_are_not_modified():
    A = np.random.default_rng(8).standard_normal((6, 5))
    A0 = A.copy()
    for method in METHODS:
        cur(A, 3, method=method, rng=0)
    np.testing.assert_array_equal(A, A0)


# ---------------------------------------------------------------- DEIM selection
def brute_force_deim(V):
    """DEIM written out with plain loops: least-squares interpolation, entry-by-entry residual."""
    n, k = V.shape
    chosen = []
    for j in range(k):
        coefficients = np.linalg.lstsq(V[chosen, :j], V[chosen, j], rcond=None)[0] if j else np.zeros(0)
        best, best_value = -1, -1.0
        for i in range(n):
            r = V[i, j] - sum(V[i, l] * coefficients[l] for l in range(j))
            if abs(r) > best_value:
                best, best_value = i, abs(r)
        chosen.append(best)
    return chosen


def orthonormal(n, k, seed):
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((n, k)))[0]


@settings(max_examples=40)
@given(st.integers(1, 15), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_deim_matches_the_brute_force_greedy(n, k, seed):
    k = min(k, n)
    V = orthonormal(n, k, seed)
    idx = deim_indices(V)
    assert idx.dtype == np.intp and idx.shape == (k,)
    assert idx.tolist() == brute_force_deim(V)
    assert len(set(idx.tolist())) == k  # distinct


@settings(max_examples=40)
@given(st.integers(2, 15), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_deim_is_gaussian_elimination_with_partial_pivoting(n, k, seed):
    # Known equivalence (Sorensen & Embree 2016): the DEIM indices are the first k pivot rows
    # of LU with partial pivoting of V, here from scipy (LAPACK getrf).
    k = min(k, n)
    V = np.random.default_rng(seed).standard_normal((n, k))
    P = scipy.linalg.lu(V)[0]  # V = P L U, so row i of P^T V is row argmax(P[:, i]) of V
    np.testing.assert_array_equal(deim_indices(V), np.argmax(P, axis=0)[:k])


def test_deim_is_invariant_under_sign_flips_and_triangular_mixing():
    # Column j only enters through its residual against columns 0..j-1, which an upper-triangular
    # right factor T scales by T[j, j]; sign flips (T diagonal +-1) are the special case.
    V = orthonormal(40, 7, seed=9)
    idx = deim_indices(V)
    signs = np.array([1.0, -1, -1, 1, -1, 1, -1])
    np.testing.assert_array_equal(deim_indices(V * signs), idx)
    T = np.triu(np.random.default_rng(10).standard_normal((7, 7))) + 3 * np.eye(7)
    np.testing.assert_array_equal(deim_indices(V @ T), idx)


def test_deim_follows_row_permutations():
    V = orthonormal(25, 6, seed=11)
    perm = np.random.default_rng(12).permutation(25)
    np.testing.assert_array_equal(perm[deim_indices(V[perm])], deim_indices(V))


def test_deim_worked_example():
    V = np.array([[1.0, 0.0], [3.0, 1.0], [2.0, 4.0], [0.5, -1.0]])
    # |v_1| peaks at row 1; v_2 - (1/3) v_1 = (-1/3, 0, 10/3, -7/6) peaks at row 2.
    np.testing.assert_array_equal(deim_indices(V), [1, 2])
    np.testing.assert_array_equal(deim_indices(V[:, :1]), [1])


def test_deim_cur_is_exact_on_rank_k_matrices():
    A = rank_k(50, 35, 6, seed=13)
    cols, U, rows = cur(A, 6, method="deim")
    C, R = A[:, cols], A[rows, :]
    tol = 100 * 50 * EPS * np.linalg.cond(C) * np.linalg.cond(R) * np.linalg.norm(A, 2)
    np.testing.assert_array_less(np.linalg.norm(A - C @ U @ R, 2), tol)
    # inv(W) against C^+ A R^+: both carry relative error ~ cond(W)^2 eps; cond(W) is below 1e3 here.
    W = A[np.ix_(rows, cols)]
    np.testing.assert_allclose(U, np.linalg.inv(W), rtol=0, atol=100 * np.linalg.cond(W) ** 2 * EPS * np.abs(U).max())


def test_deim_cur_uses_the_singular_vectors():
    A = with_spectrum(0.7 ** np.arange(30), 45, 30, seed=14)
    Uk, _, Vtk = np.linalg.svd(A)
    cols, _, rows = cur(A, 8, method="deim")
    np.testing.assert_array_equal(cols, brute_force_deim(Vtk[:8].T))
    np.testing.assert_array_equal(rows, brute_force_deim(Uk[:, :8]))


@pytest.mark.parametrize("decay", ["poly1", "poly2", "exp"])
@pytest.mark.parametrize("shape", [(60, 40), (40, 60)])
def test_deim_cur_obeys_the_sorensen_embree_bound(decay, shape):
    # ||A - CUR||_2 <= (eta_p + eta_q) sigma_{k+1}, eta = ||(S^T V)^{-1}||_2 (a theorem; 1e-8 slack
    # covers rounding of the errors, which are >= sigma_{k+1} >= 1e-4 ||A||).
    m, n = shape
    s = decaying_spectrum(decay, min(m, n))
    for seed in range(3):
        A = with_spectrum(s, m, n, seed)
        Uk, _, Vtk = np.linalg.svd(A, full_matrices=False)
        for k in (1, 3, 8, 20, 35):
            cols, U, rows = cur(A, k, method="deim")
            eta_p = np.linalg.norm(np.linalg.inv(Uk[rows, :k]), 2)
            eta_q = np.linalg.norm(np.linalg.inv(Vtk[:k, cols]), 2)
            err = np.linalg.norm(A - reconstruct(A, cols, U, rows), 2)
            np.testing.assert_array_less(s[k] - err, 1e-10 * s[k])  # Eckart-Young, up to rounding
            # the theorem: only rounding (relative 1e-8 here) may exceed the bound; observed ratio bound/err >= 4
            np.testing.assert_array_less(err - (eta_p + eta_q) * s[k], 1e-8 * (eta_p + eta_q) * s[k])


def test_deim_cur_is_deterministic():
    A = with_spectrum(1.0 / np.arange(1, 31), 40, 30, seed=15)
    first = cur(A, 6, method="deim", rng=0)
    for rng in (1, None, np.random.default_rng(3)):
        for a, b in zip(first, cur(A, 6, method="deim", rng=rng)):
            np.testing.assert_array_equal(a, b)


def test_deim_bad_input():
    with pytest.raises(ValueError, match="V must be 2-D"):
        deim_indices(np.ones(4))
    with pytest.raises(ValueError, match="V must have at least as many rows as columns"):
        deim_indices(np.ones((2, 3)))
    with pytest.raises(ValueError, match="V must have linearly independent columns"):
        deim_indices(np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]))
    with pytest.raises(ValueError, match="V must have linearly independent columns"):
        deim_indices(np.zeros((4, 1)))
    with pytest.raises(ValueError, match="V must not contain NaN"):
        deim_indices(np.array([[np.nan], [1.0]]))
    with pytest.raises(TypeError, match="V must hold real numbers"):
        deim_indices([["a"], ["b"]])


def test_deim_does_not_modify_its_input():
    V = orthonormal(12, 4, seed=16)
    V0 = V.copy()
    deim_indices(V)
    np.testing.assert_array_equal(V, V0)


# ---------------------------------------------------------------- ridge leverage scores
def closed_form_ridge_scores(A, lam):
    """diag(A^T (A A^T + lam I)^{-1} A) and diag(A (A^T A + lam I)^{-1} A^T) by numpy solves."""
    m, n = A.shape
    cols = np.einsum("ij,ij->j", A, np.linalg.solve(A @ A.T + lam * np.eye(m), A))
    rows = np.einsum("ij,ji->i", A, np.linalg.solve(A.T @ A + lam * np.eye(n), A.T))
    return cols, rows


@pytest.mark.parametrize("shape", [(30, 20), (20, 30), (25, 25)])
@pytest.mark.parametrize("lam", [1e-2, 1.0, 1e2])
def test_ridge_scores_match_the_closed_form(shape, lam):
    # Singular values in [1, 10]: A A^T + lam I has cond <= (100 + lam) / lam <= 1e4, so the solves are
    # accurate to ~ cond * m * eps ~ 1e-10 relative; the scores lie in [0, 1).
    m, n = shape
    A = with_spectrum(np.linspace(10, 1, min(m, n)), m, n, seed=31)
    cols, rows = _ridge_leverage_scores(A, lam)
    expected_cols, expected_rows = closed_form_ridge_scores(A, lam)
    cond = (100 + lam) / lam
    np.testing.assert_allclose(cols, expected_cols, rtol=0, atol=100 * max(m, n) * EPS * cond)
    np.testing.assert_allclose(rows, expected_rows, rtol=0, atol=100 * max(m, n) * EPS * cond)
    # the same with an explicit inverse, for one column and one row
    np.testing.assert_allclose(cols[3], A[:, 3] @ np.linalg.inv(A @ A.T + lam * np.eye(m)) @ A[:, 3],
                               rtol=0, atol=100 * max(m, n) * EPS * cond)
    np.testing.assert_allclose(rows[3], A[3] @ np.linalg.inv(A.T @ A + lam * np.eye(n)) @ A[3],
                               rtol=0, atol=100 * max(m, n) * EPS * cond)


@given(st.integers(2, 12), st.integers(2, 12), st.floats(-3, 3), st.integers(0, 2**32 - 1))
def test_ridge_scores_sum_to_the_effective_dimension(m, n, log_lam, seed):
    A = np.random.default_rng(seed).standard_normal((m, n))
    lam = 10.0**log_lam
    cols, rows = _ridge_leverage_scores(A, lam)
    s = np.linalg.svd(A, compute_uv=False)
    d_eff = np.sum(s**2 / (s**2 + lam))
    # sums of at most 12 terms in [0, 1] built from orthonormal vectors: rounding ~ 12 n eps
    np.testing.assert_allclose(cols.sum(), d_eff, rtol=0, atol=1000 * max(m, n) * EPS)
    np.testing.assert_allclose(rows.sum(), d_eff, rtol=0, atol=1000 * max(m, n) * EPS)
    assert np.all(cols >= 0) and np.all(cols < 1) and np.all(rows >= 0) and np.all(rows < 1)


@pytest.mark.parametrize("lam_rel", [1e-2, 1e-4, 1e-6])
def test_ridge_scores_tend_to_rank_k_leverage_scores(lam_rel):
    # Rank k = 4 with sigma = 4..1: tau_j = l_j - lam sum_i V_ji^2 / (sigma_i^2 + lam), so
    # (l_j - tau_j) / lam -> sum_i V_ji^2 / sigma_i^2, with relative error <= lam / sigma_k^2.
    k = 4
    A = rank_k(30, 20, k, seed=32)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    lam = lam_rel * s[k - 1] ** 2
    cols, rows = _ridge_leverage_scores(A, lam)
    lev_cols, lev_rows = np.sum(Vt[:k] ** 2, axis=0), np.sum(U[:, :k] ** 2, axis=1)
    slope_cols = np.sum(Vt[:k] ** 2 / s[:k, None] ** 2, axis=0)
    slope_rows = np.sum(U[:, :k] ** 2 / s[:k] ** 2, axis=1)
    # rounding: the scores carry ~ 100 n eps absolute, divided by lam; the rounding-level singular values
    # (~ eps sigma_1) add (eps sigma_1)^2 / lam to the scores, far below that.
    rounding = 100 * 30 * EPS / lam
    np.testing.assert_allclose((lev_cols - cols) / lam, slope_cols, rtol=20 * lam_rel, atol=rounding)
    np.testing.assert_allclose((lev_rows - rows) / lam, slope_rows, rtol=20 * lam_rel, atol=rounding)


def test_ridge_scores_of_a_rank_deficient_matrix_ignore_rounding_directions():
    # Zero columns have zero ridge score; the default lam is floored at max(m, n) eps ||A||^2, so the
    # rounding-level directions of the SVD (sigma ~ eps ||A||) add at most ~ min(m, n) eps to any score.
    rng = np.random.default_rng(33)
    A = np.zeros((20, 10))
    A[:, :3] = rng.standard_normal((20, 3))
    cols, rows = _ridge_leverage_scores(A, None, k=3)
    np.testing.assert_allclose(cols[3:], 0, atol=100 * 20 * EPS)
    for seed in range(5):
        chosen, _, _ = cur(A, 3, method="ridge", rng=seed)
        np.testing.assert_array_equal(chosen, [0, 1, 2])


def test_ridge_default_lam_is_the_documented_one():
    # lam = ||A - A_k||_F^2 / k when that exceeds the rounding floor; the scores then sum to <= 2k
    # (Cohen, Musco and Musco): sum_{i<=k} w_i <= k and sum_{i>k} s_i^2 / lam = k.
    A = with_spectrum(1.0 / np.arange(1, 31), 40, 30, seed=34)
    s = np.linalg.svd(A, compute_uv=False)
    k = 6
    lam = np.sum(s[k:] ** 2) / k
    for seed in range(3):
        for a, b in zip(cur(A, k, method="ridge", rng=seed), cur(A, k, method="ridge", lam=lam, rng=seed)):
            np.testing.assert_array_equal(a, b)
    cols, _ = _ridge_leverage_scores(A, None, k=k)
    np.testing.assert_allclose(cols.sum(), np.sum(s**2 / (s**2 + lam)), rtol=1e-12)
    np.testing.assert_array_less(cols.sum() - 2 * k, 1e-12 * k)  # a theorem: only rounding may exceed 2k


def test_ridge_default_lam_is_scale_invariant_and_does_not_overflow():
    # The default lam scales like A^2, so the scores do not change when A is scaled by 1e200 or 1e-200
    # (A^2 would overflow / underflow): relative rounding of the SVD, ~ 100 n eps.
    A = with_spectrum(1.0 / np.arange(1, 21), 25, 20, seed=35)
    reference = _ridge_leverage_scores(A, None, k=5)
    for scale in (1e200, 1e-200):
        for got, want in zip(_ridge_leverage_scores(A * scale, None, k=5), reference):
            np.testing.assert_allclose(got, want, rtol=0, atol=100 * 25 * EPS)
        cols, U, rows = cur(A * scale, 5, method="ridge", rng=0)
        assert np.all(np.isfinite(U))


def test_ridge_sampling_follows_the_ridge_scores():
    # With k = 1 the column is one draw with probabilities tau_j / sum(tau). A chi-square goodness-of-fit
    # test over 3000 draws: if the sampler is right, a p-value below 1e-6 has probability 1e-6 (for a
    # random seed; the seed here is fixed, so the test is deterministic).
    A = with_spectrum(np.array([3.0, 1.0, 0.5, 0.2, 0.1]), 6, 5, seed=36) + 0.0
    A[:, 0] *= 3  # make the column scores clearly unequal
    lam = 0.3
    expected_cols, expected_rows = closed_form_ridge_scores(A, lam)
    gen = np.random.default_rng(37)
    draws = [cur(A, 1, method="ridge", lam=lam, rng=gen) for _ in range(3000)]
    col_counts = np.bincount([cols[0] for cols, _, _ in draws], minlength=5)
    row_counts = np.bincount([rows[0] for _, _, rows in draws], minlength=6)
    for counts, scores in ((col_counts, expected_cols), (row_counts, expected_rows)):
        p_value = scipy.stats.chisquare(counts, 3000 * scores / scores.sum()).pvalue
        np.testing.assert_array_less(1e-6, p_value)  # headroom: statistical check, failure probability 1e-6


def test_ridge_is_reproducible_with_a_fixed_rng():
    A = with_spectrum(1.0 / np.arange(1, 31), 40, 30, seed=38)
    first = cur(A, 6, method="ridge", lam=0.01, rng=7)
    second = cur(A, 6, method="ridge", lam=0.01, rng=np.random.default_rng(7))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    draws = {tuple(cur(A, 6, method="ridge", lam=0.01, rng=seed)[0]) for seed in range(10)}
    assert len(draws) > 1  # it is random: ten seeds do not all give the same columns


def test_ridge_bad_lam():
    A = np.ones((3, 4))
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="lam must be > 0"):
            cur(A, 2, method="ridge", lam=bad)
    for bad in (np.inf, np.nan):
        with pytest.raises(ValueError, match="lam must be finite"):
            cur(A, 2, method="ridge", lam=bad)
    for bad in ("1", True, [1.0]):
        with pytest.raises(TypeError, match="lam must be a real number"):
            cur(A, 2, method="ridge", lam=bad)
    for method in ("id", "leverage", "deim"):
        with pytest.raises(ValueError, match="lam applies only to method='ridge'"):
            cur(A, 2, method=method, lam=1.0)
