"""Tests of lowrank.interp_decomp against independent references (numpy lstsq/SVD, scipy)."""

import numpy as np
import pytest
import scipy.linalg
import scipy.linalg.interpolative as sli
from hypothesis import given
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from lowrank import interp_decomp

EPS = np.finfo(np.float64).eps
METHODS = ["qr", "randomized", "sampled"]
# LAPACK's pivoted QR downdates the residual column norms and recomputes one only when cancellation may
# have cost half its digits, so its stored norms are accurate to about sqrt(eps) relative (Drmac and
# Bujanovic 2008). A pivot order is compared with another computation only when every step wins by a
# relative gap well above that.
GAP_MARGIN = 100 * np.sqrt(EPS)


def with_spectrum(s, m, n, seed):
    """An m×n matrix with singular values s (len(s) = min(m, n)) and random singular vectors."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((m, len(s))))[0]
    V = np.linalg.qr(rng.standard_normal((n, len(s))))[0]
    return (U * s) @ V.T


def rank_k(m, n, k, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, k)) @ rng.standard_normal((k, n))


def spectral_error(A, idx, P):
    return np.linalg.norm(A - A[:, idx] @ P, 2)


def pivot_gaps(A, k):
    """Greedy column pivoting with freshly computed residual norms (one iteration per pivot step).

    Returns the pivot order and, at each step, (largest - second largest) / largest residual norm.
    """
    residual, order, gaps = np.array(A, dtype=float), [], []
    for _ in range(k):
        norms = np.linalg.norm(residual, axis=0)
        second, best = np.sort(norms)[-2:]
        j = int(np.argmax(norms))
        order.append(j)
        gaps.append((best - second) / best)
        q = residual[:, j] / best
        residual = residual - np.outer(q, q @ residual)
    return np.array(order), np.array(gaps)


# ---------------------------------------------------------------- exactness and structure
def test_worked_example_is_exact_and_matches_hand_computation():
    # Row 3 is half of row 1, so rank 2. Pivoting picks column 1 (largest norm), then column 0;
    # column 2 = a0 * col0 + a1 * col1, with (a0, a1) from Cramer's rule on the first two rows
    # 34 a0 + 58 a1 = 52, 59 a0 + 89 a1 = 80 (the third row is then satisfied automatically).
    A = np.array([[34.0, 58, 52], [59, 89, 80], [17, 29, 26]])
    det = 34 * 89 - 58 * 59
    a0, a1 = (52 * 89 - 58 * 80) / det, (34 * 80 - 52 * 59) / det
    for method in METHODS:
        idx, P = interp_decomp(A, 2, method=method, rng=0)
        np.testing.assert_array_equal(idx, [1, 0])
        # Cramer's rule in float64: both sides exact to a few ulps of entries of size ~1.
        np.testing.assert_allclose(P, [[0, 1, a1], [1, 0, a0]], rtol=0, atol=1e-13)


@given(
    st.integers(2, 12), st.integers(2, 12), st.integers(1, 6), st.integers(0, 2**32 - 1), st.sampled_from(METHODS)
)
def test_exact_on_rank_k_matrices(m, n, k, seed, method):
    k = min(k, m, n)
    A = rank_k(m, n, k, seed) * 10.0 ** (seed % 7 - 3)
    idx, P = interp_decomp(A, k, method=method, rng=seed)
    # Reconstruction of the non-skeleton columns costs ~ eps ||A|| per solve, amplified by
    # the size of the coefficients ||P||; 20 max(m, n) covers the QR backward error.
    tol = 20 * max(m, n) * EPS * np.linalg.norm(A, 2) * np.linalg.norm(P, 2)
    np.testing.assert_array_less(spectral_error(A, idx, P), tol)


@given(st.integers(1, 10), st.integers(1, 10), st.integers(1, 10), st.integers(0, 2**32 - 1), st.sampled_from(METHODS))
def test_shapes_and_identity_block(m, n, k, seed, method):
    k = min(k, m, n)
    A = np.random.default_rng(seed).standard_normal((m, n))
    idx, P = interp_decomp(A, k, method=method, rng=seed)
    assert idx.shape == (k,) and idx.dtype == np.intp and P.shape == (k, n)
    assert len(set(idx.tolist())) == k and idx.min() >= 0 and idx.max() < n
    np.testing.assert_array_equal(P[:, idx], np.eye(k))  # exactly, not to rounding


@given(st.integers(3, 10), st.integers(3, 10), st.integers(0, 2**32 - 1), st.sampled_from(METHODS))
def test_P_is_the_least_squares_interpolation(m, n, seed, method):
    # Both methods return P = A[:, idx]^+ A: compare with numpy's SVD-based least squares.
    k = min(m, n) - 1
    A = np.random.default_rng(seed).standard_normal((m, n))
    idx, P = interp_decomp(A, k, method=method, rng=seed)
    C = A[:, idx]
    expected = np.linalg.lstsq(C, A, rcond=None)[0]
    kappa = np.linalg.cond(C)
    # Least-squares perturbation theory: relative error ~ c n eps kappa^2 (kappa small here).
    np.testing.assert_allclose(P, expected, rtol=0, atol=50 * max(m, n) * EPS * kappa**2 * max(1, np.abs(P).max()))


@given(st.integers(4, 12), st.integers(4, 12), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_rank_deficient_k_larger_than_rank(m, n, r, seed):
    # k = r + 1 > rank(A): no division by a rounding-level pivot, and still exact.
    A = rank_k(m, n, r, seed)
    k = r + 1
    for method in METHODS:
        idx, P = interp_decomp(A, k, method=method, rng=seed)
        assert np.all(np.isfinite(P))
        np.testing.assert_array_equal(P[:, idx], np.eye(k))
        # backward error of the QR and the solve, m eps ||A|| ||P||, with 100x safety
        tol = 100 * max(m, n) * EPS * np.linalg.norm(A, 2) * np.linalg.norm(P, 2)
        np.testing.assert_array_less(spectral_error(A, idx, P), tol)


def test_zero_matrix():
    idx, P = interp_decomp(np.zeros((4, 5)), 2)
    assert np.all(np.isfinite(P))
    np.testing.assert_array_equal(P[:, idx], np.eye(2))
    assert np.count_nonzero(P) == 2


def test_k_equal_n_gives_a_permutation():
    A = np.random.default_rng(5).standard_normal((6, 4))
    for method in METHODS:
        idx, P = interp_decomp(A, 4, method=method, rng=0)
        assert sorted(idx.tolist()) == [0, 1, 2, 3]
        np.testing.assert_array_equal(A[:, idx] @ P, A)  # a permutation matrix: exact


# ---------------------------------------------------------------- the QR method in detail
def test_greedy_pivots_match_an_explicit_gram_schmidt_greedy():
    # Column pivoting = pick the column with the largest residual norm, project it out, repeat.
    # A slow explicit loop over the k pivot steps is the independent reference.
    rng = np.random.default_rng(6)
    A = rng.standard_normal((9, 7)) * np.array([1.0, 3, 0.5, 2, 1.5, 0.2, 2.5])
    k = 4
    chosen, gaps = pivot_gaps(A, k)
    np.testing.assert_array_less(GAP_MARGIN, gaps.min())  # the premise: no near-ties
    idx, _ = interp_decomp(A, k)
    np.testing.assert_array_equal(idx, chosen)


@pytest.mark.parametrize("k", [1, 5, 15])
def test_error_is_the_orthogonal_projection_residual_and_at_least_sigma_k1(k):
    # A[:, idx] P = Q1 Q1^T A with Q1 an orthonormal basis of the skeleton columns, so the error
    # is ||(I - Q1 Q1^T) A||_2 = ||R22||_2, never below sigma_{k+1} (Eckart–Young).
    s = 1.0 / np.arange(1, 31) ** 2
    A = with_spectrum(s, 40, 30, seed=k)
    idx, P = interp_decomp(A, k)
    Q1 = scipy.linalg.orth(A[:, idx])  # SVD-based, independent of the pivoted QR
    expected = np.linalg.norm(A - Q1 @ (Q1.T @ A), 2)
    err = spectral_error(A, idx, P)
    # both residuals carry errors of about m eps ||A|| ||P|| (||A|| = 1 here), 100x safety
    np.testing.assert_allclose(err, expected, rtol=0, atol=100 * 40 * EPS * np.linalg.norm(P, 2))
    np.testing.assert_array_less(s[k] - err, 10 * 40 * EPS)  # Eckart-Young, up to rounding


@pytest.mark.parametrize("decay", ["poly", "exp", "step"])
@pytest.mark.parametrize("k", [3, 8, 20])
def test_a_posteriori_bound_from_the_R_factor(decay, k):
    # Proved in the chapter for ANY column order:
    #   ||R22|| <= sigma_{k+1} sqrt(1 + ||R11^{-1} R12||^2 + ||R22||^2 ||R11^{-1}||^2).
    # The quantities on the right come from scipy's pivoted QR, the left side from lowrank.
    i = np.arange(1, 41)
    s = {"poly": i**-1.5, "exp": 0.7**i, "step": np.where(i <= 10, 1.0, 1e-3) * 0.99**i}[decay]
    A = with_spectrum(s, 50, 40, seed=k)
    idx, P = interp_decomp(A, k)
    R, piv = scipy.linalg.qr(A, mode="r", pivoting=True)
    R11, R12, R22 = R[:k, :k], R[:k, k:], R[k:, k:]
    T = scipy.linalg.solve_triangular(R11, R12)
    nR22 = np.linalg.norm(R22, 2)
    factor = np.sqrt(1 + np.linalg.norm(T, 2) ** 2 + (nR22 * np.linalg.norm(np.linalg.inv(R11), 2)) ** 2)
    err = spectral_error(A, idx, P)
    # same LAPACK call, so the same pivots; both sides carry m eps ||A|| ||P|| (||A|| = 1), 100x safety
    np.testing.assert_allclose(err, nR22, rtol=0, atol=100 * 50 * EPS * np.linalg.norm(P, 2))
    np.testing.assert_array_less(s[k] - err, 10 * 50 * EPS)  # Eckart-Young, up to rounding
    assert err <= factor * s[k]  # the bound (far from tight: the factor is above 1 by a margin)
    # Observed (not guaranteed by plain pivoting): the entries of P stay modest here.
    assert np.abs(P).max() < 10


def test_matches_scipy_interpolative_deterministic():
    s = 1.0 / np.arange(1, 41) ** 2
    A = with_spectrum(s, 60, 40, seed=8)
    for k in (5, 12):
        # SciPy computes its own column norms: compare skeletons only when no step is near a tie.
        np.testing.assert_array_less(GAP_MARGIN, pivot_gaps(A, k)[1].min())
        idx, P = interp_decomp(A, k)
        sidx, proj = sli.interp_decomp(A, k, rand=False)
        assert set(idx.tolist()) == set(sidx[:k].tolist())
        Ps = sli.reconstruct_interp_matrix(sidx, proj)
        # both equal Q1 Q1^T A up to m eps ||A|| ||P||, 100x safety
        tol = 100 * 60 * EPS * np.linalg.norm(A, 2) * max(np.linalg.norm(P, 2), np.linalg.norm(Ps, 2))
        np.testing.assert_allclose(A[:, idx] @ P, A[:, sidx[:k]] @ Ps, rtol=0, atol=tol)


def test_kahan_matrix_defeats_column_pivoting():
    # The Kahan matrix has unit-norm columns and all residual norms tie at every step, so R = K and
    # for k = n - 1 the error is |K[n-1, n-1]| = s^(n-1), while sigma_n is far smaller.
    n, theta, delta = 30, 1.2, 1e-4
    s, c = np.sin(theta), np.cos(theta)
    K = np.diag(s ** np.arange(n)) @ (np.eye(n) - c * np.triu(np.ones((n, n)), 1))
    # Shrink column j by 1 - delta j: each step is then won by a relative gap >= delta, far above
    # the sqrt(eps) accuracy of LAPACK's norms (the premise is asserted).
    K = K * (1 - delta * np.arange(n))
    order, gaps = pivot_gaps(K, n - 1)
    np.testing.assert_array_equal(order, np.arange(n - 1))
    np.testing.assert_array_less(GAP_MARGIN, gaps.min())
    idx, P = interp_decomp(K, n - 1)
    np.testing.assert_array_equal(idx, np.arange(n - 1))
    sigma_n = np.linalg.svd(K, compute_uv=False)[-1]
    err = spectral_error(K, idx, P)
    # rounding of the residual: n eps ||K|| ||P||, 10x safety
    tol = 10 * n * EPS * np.linalg.norm(K, 2) * np.linalg.norm(P, 2)
    np.testing.assert_allclose(err, s ** (n - 1) * (1 - delta * (n - 1)), rtol=0, atol=tol)
    np.testing.assert_array_less(100 * sigma_n, err)  # the error is LARGE (about 4000 sigma_n)
    np.testing.assert_array_less(100, np.abs(P).max())  # |P| <= 1 fails badly (about 2000)


# ---------------------------------------------------------------- the randomized method
@pytest.mark.parametrize("method, m, n, seed, rng_seed", [("randomized", 40, 30, 9, 123), ("sampled", 50, 60, 14, 7)])
def test_random_methods_are_reproducible_with_a_fixed_rng(method, m, n, seed, rng_seed):
    A = with_spectrum(1.0 / np.arange(1, min(m, n) + 1), m, n, seed=seed)
    i1, P1 = interp_decomp(A, 6, method=method, rng=rng_seed)
    i2, P2 = interp_decomp(A, 6, method=method, rng=rng_seed)
    i3, P3 = interp_decomp(A, 6, method=method, rng=np.random.default_rng(rng_seed))
    for i, P in ((i2, P2), (i3, P3)):
        np.testing.assert_array_equal(i, i1)
        np.testing.assert_array_equal(P, P1)


def test_randomized_sketch_uses_a_gaussian_matrix_of_k_plus_p_rows():
    # Independent re-implementation of step 1-2 of the Notes: the pivots of G A.
    A = with_spectrum(1.0 / np.arange(1, 31), 40, 30, seed=10)
    k, p = 5, 7
    G = np.random.default_rng(11).standard_normal((k + p, 40))
    _, piv = scipy.linalg.qr(G @ A, mode="r", pivoting=True)
    idx, _ = interp_decomp(A, k, method="randomized", oversample=p, rng=11)
    np.testing.assert_array_equal(idx, piv[:k])


def test_randomized_error_is_close_to_the_deterministic_one_on_decaying_spectra():
    # Observed with fixed seeds (a statement about these matrices, not a theorem):
    # sketching the rows with 10 extra samples costs at most a factor 2 over pivoted QR of A.
    s = np.arange(1, 121) ** -1.5
    A = with_spectrum(s, 150, 120, seed=12)
    with threadpool_limits(limits=1, user_api="blas"):  # 18 small SVDs: threads only add overhead
        for k in (5, 15, 30):
            err_qr = spectral_error(A, *interp_decomp(A, k))
            errs = [spectral_error(A, *interp_decomp(A, k, method="randomized", rng=seed)) for seed in range(5)]
            np.testing.assert_array_less(s[k] - min(errs), 10 * 150 * EPS)  # Eckart-Young, up to rounding
            assert np.median(errs) <= 2 * err_qr  # observed with these seeds (not a rounding tolerance)


# ---------------------------------------------------------------- the sampled method
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sampled_skeleton_is_the_pivoted_qr_of_a_uniform_sample(seed):
    # Independent re-implementation of the Notes: k + p distinct columns drawn with the same
    # generator, sorted, then scipy's column-pivoted QR of those columns picks k of them.
    A = with_spectrum(1.0 / np.arange(1, 41), 50, 80, seed=15)
    k, p = 5, 7
    sample = np.sort(np.random.default_rng(seed).choice(80, size=k + p, replace=False))
    _, piv = scipy.linalg.qr(A[:, sample], mode="r", pivoting=True)
    idx, P = interp_decomp(A, k, method="sampled", oversample=p, rng=seed)
    assert set(idx.tolist()) <= set(sample.tolist())
    np.testing.assert_array_equal(idx, sample[piv[:k]])
    np.testing.assert_array_equal(P[:, idx], np.eye(k))
    # P is the least-squares interpolation for these columns: perturbation theory gives errors of
    # about m eps kappa^2 max|P| (kappa = cond(A[:, idx]) is small here), 100x safety.
    kappa = np.linalg.cond(A[:, idx])
    tol = 100 * 50 * EPS * kappa**2 * np.abs(P).max()
    np.testing.assert_allclose(P, np.linalg.lstsq(A[:, idx], A, rcond=None)[0], rtol=0, atol=tol)


@given(st.integers(20, 60), st.integers(20, 60), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_sampled_is_exact_on_incoherent_rank_k_matrices(m, n, k, seed):
    # Gaussian factors: every column is a generic combination of k directions, so any k + p
    # sampled columns span the column space (with probability one) and the ID is exact.
    A = rank_k(m, n, k, seed)
    idx, P = interp_decomp(A, k, method="sampled", oversample=3, rng=seed)
    tol = 20 * max(m, n) * EPS * np.linalg.norm(A, 2) * np.linalg.norm(P, 2)
    np.testing.assert_array_less(spectral_error(A, idx, P), tol)


@pytest.mark.parametrize("oversample", [12, 13, 1000])
def test_sampled_clips_the_sample_to_all_columns(oversample):
    # k + oversample >= n: the sample is every column, in order, so the skeleton is exactly
    # that of method="qr" (same LAPACK call on the same matrix) and P agrees to rounding.
    A = with_spectrum(1.0 / np.arange(1, 16), 20, 15, seed=16)
    idx, P = interp_decomp(A, 3, method="sampled", oversample=oversample, rng=0)
    qidx, QP = interp_decomp(A, 3)
    np.testing.assert_array_equal(idx, qidx)
    # two triangular solves from two QR factorizations: m eps kappa max|P|, 100x safety
    tol = 100 * 20 * EPS * np.linalg.cond(A[:, idx]) * np.abs(QP).max()
    np.testing.assert_allclose(P, QP, rtol=0, atol=tol)


def test_sampled_misses_a_spiky_column_and_pays_for_it():
    # Row 0 of B is zero; column j0 gets a spike c e_0. A skeleton without j0 reproduces
    # nothing in row 0, so its error is at least c, whatever the coefficients (a theorem).
    # Pivoted QR of all of A sees the spike (largest column) and takes it.
    m, n, k, c, j0 = 40, 200, 4, 5.0, 123
    B = rank_k(m, n, k, 17) / np.sqrt(m * k)
    B[0] = 0.0
    A = B.copy()
    A[0, j0] = c
    qidx, QP = interp_decomp(A, k + 1)
    assert j0 in qidx  # rank k + 1 exactly: exact up to m eps ||A|| ||P||, 100x safety
    np.testing.assert_array_less(
        spectral_error(A, qidx, QP), 100 * n * EPS * np.linalg.norm(A, 2) * np.linalg.norm(QP, 2)
    )
    missed = 0
    for seed in range(10):
        idx, P = interp_decomp(A, k + 1, method="sampled", oversample=5, rng=seed)
        if j0 not in idx:
            missed += 1
            np.testing.assert_array_less(c - spectral_error(A, idx, P), 10 * n * EPS * c)  # >= c, up to rounding
    assert missed >= 5  # a sample of 10 of 200 columns holds j0 with probability 1/20


# ---------------------------------------------------------------- one column (k = 1)
def test_single_column_id_is_the_projection_on_that_column():
    # For k = 1, P = a_j^T A / ||a_j||^2 and ||A - a_j P||_F^2 = ||A||_F^2 - ||a_j^T A||^2 / ||a_j||^2.
    A = with_spectrum(0.8 ** np.arange(12), 15, 12, seed=18)
    for method in METHODS:
        (j,), P = interp_decomp(A, 1, method=method, rng=0)
        a = A[:, j]
        # a 1 x 1 least-squares solve: m eps ||A|| / ||a|| per coefficient, 100x safety
        np.testing.assert_allclose(P[0], a @ A / (a @ a), rtol=0, atol=100 * 15 * EPS * np.linalg.norm(A, 2) / np.linalg.norm(a))
        formula = np.linalg.norm(A) ** 2 - np.linalg.norm(a @ A) ** 2 / (a @ a)
        # the formula subtracts two numbers of size ||A||_F^2: cancellation error m n eps ||A||_F^2
        np.testing.assert_allclose(
            np.linalg.norm(A - np.outer(a, P[0])) ** 2, formula, rtol=0, atol=100 * 15 * 12 * EPS * np.linalg.norm(A) ** 2
        )
    # method="qr" takes the column of largest norm (the first Gram–Schmidt pivot).
    assert interp_decomp(A, 1)[0][0] == np.argmax(np.linalg.norm(A, axis=0))


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.ones(3), ValueError, "A must be 2-D"),
        (np.ones((0, 3)), ValueError, "A must not be empty"),
        (np.array([[1.0, np.nan]]), ValueError, "A must not contain NaN"),
        ([["a"]], TypeError, "A must hold real numbers"),
        (np.array([[1j]]), TypeError, "A must hold real numbers"),
    ],
)
def test_bad_matrices_are_rejected(bad, exc, match):
    with pytest.raises(exc, match=match):
        interp_decomp(bad, 1)


def test_bad_arguments_are_rejected():
    A = np.ones((3, 4))
    with pytest.raises(ValueError, match="k must be >= 1"):
        interp_decomp(A, 0)
    with pytest.raises(ValueError, match="k must be <= 3"):
        interp_decomp(A, 4)
    with pytest.raises(TypeError, match="k must be an integer"):
        interp_decomp(A, 2.0)
    with pytest.raises(ValueError, match="method must be one of"):
        interp_decomp(A, 2, method="svd")
    with pytest.raises(ValueError, match="oversample must be >= 0"):
        interp_decomp(A, 2, method="randomized", oversample=-1)
    with pytest.raises(TypeError, match="rng must be"):
        interp_decomp(A, 2, method="randomized", rng="seed")
    with pytest.raises(ValueError, match="oversample must be >= 0"):
        interp_decomp(A, 2, method="sampled", oversample=-1)
    with pytest.raises(TypeError, match="oversample must be an integer"):
        interp_decomp(A, 2, method="sampled", oversample=1.5)
    with pytest.raises(TypeError, match="rng must be"):
        interp_decomp(A, 2, method="sampled", rng="seed")


def test_inputs_are_not_modified():
    A = np.random.default_rng(13).standard_normal((6, 5))
    A0 = A.copy()
    for method in METHODS:
        interp_decomp(A, 3, method=method, rng=0)
    np.testing.assert_array_equal(A, A0)
