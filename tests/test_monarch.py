"""Tests for lowrank.monarch against independent references.

The reference for the Monarch matrix is the product of its four factors,
P^T blockdiag(L) P blockdiag(R), built from scipy.linalg.block_diag and an
explicit permutation matrix; the reference for the projection error is the
singular values of each k x b sub-matrix, cut out with index arrays.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from lowrank import monarch_matmul, monarch_project, monarch_solve, monarch_to_dense

SHAPES = [(1, 1), (1, 4), (4, 1), (2, 2), (2, 3), (3, 2), (4, 4), (3, 5)]
EPS = np.finfo(np.float64).eps


def four_factor_product(L: np.ndarray, R: np.ndarray) -> np.ndarray:
    """P^T blockdiag(L) P blockdiag(R) with P x = x.reshape(k, b).T.ravel()."""
    k, b, _ = R.shape
    n = k * b
    P = np.eye(n)[np.arange(n).reshape(k, b).T.ravel()]
    return P.T @ scipy.linalg.block_diag(*L) @ P @ scipy.linalg.block_diag(*R)


def random_factors(rng: np.random.Generator, k: int, b: int, complex_: bool = False):
    L = rng.standard_normal((b, k, k))
    R = rng.standard_normal((k, b, b))
    if complex_:
        L = L + 1j * rng.standard_normal((b, k, k))
        R = R + 1j * rng.standard_normal((k, b, b))
    return L, R


def sub_matrix_singular_values(M: np.ndarray, k: int) -> np.ndarray:
    """Singular values of the k*b sub-matrices M[i*b + s, j*b + t] (i, t varying)."""
    b = M.shape[0] // k
    s, j, i, t = np.ix_(np.arange(b), np.arange(k), np.arange(k), np.arange(b))
    blocks = M[i * b + s, j * b + t]  # shape (b, k, k, b), built by fancy indexing
    return np.linalg.svd(blocks, compute_uv=False)


# --- monarch_to_dense -------------------------------------------------------


@pytest.mark.parametrize("k,b", SHAPES)
def test_to_dense_equals_four_factor_product(k, b):
    L, R = random_factors(np.random.default_rng(10 * k + b), k, b)
    # Both sides are exact sums of at most one product per entry: only rounding of P's 0/1 products.
    np.testing.assert_allclose(monarch_to_dense(L, R), four_factor_product(L, R), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("k,b", SHAPES)
def test_to_dense_index_formula_entrywise(k, b):
    # M[i b + s, j b + t] = L[s, i, j] R[j, s, t], entry by entry with plain Python loops (the reference):
    # both sides are the same single product of two doubles, so they agree exactly.
    L, R = random_factors(np.random.default_rng(20 + 10 * k + b), k, b)
    M = monarch_to_dense(L, R)
    for i in range(k):
        for s in range(b):
            for j in range(k):
                for t in range(b):
                    assert M[i * b + s, j * b + t] == L[s, i, j] * R[j, s, t]


@pytest.mark.parametrize("k,b", [(1, 3), (2, 3), (3, 2), (4, 4), (5, 3), (6, 6)])
def test_stride_permutation_index_formula_and_inverse(k, b):
    # The permutation used by the reference product: entry i b + s moves to position s k + i; its
    # transpose is the stride permutation of shape (b, k), and it is an involution when k = b.
    n = k * b
    P = np.eye(n)[np.arange(n).reshape(k, b).T.ravel()]
    x = np.arange(n, dtype=float)
    Px = P @ x
    for i in range(k):
        for s in range(b):
            assert Px[s * k + i] == x[i * b + s]
    np.testing.assert_array_equal(P.T, np.eye(n)[np.arange(n).reshape(b, k).T.ravel()])
    if k == b:
        np.testing.assert_array_equal(P @ P, np.eye(n))


def test_to_dense_complex():
    L, R = random_factors(np.random.default_rng(1), 2, 3, complex_=True)
    M = monarch_to_dense(L, R)
    assert M.dtype == np.complex128
    np.testing.assert_allclose(M, four_factor_product(L, R), rtol=1e-13, atol=1e-13)


def test_identity_factors_give_identity():
    k, b = 3, 4
    L = np.broadcast_to(np.eye(k), (b, k, k))
    R = np.broadcast_to(np.eye(b), (k, b, b))
    np.testing.assert_array_equal(monarch_to_dense(L, R), np.eye(k * b))


# --- monarch_matmul ---------------------------------------------------------


@pytest.mark.parametrize("k,b", SHAPES)
@pytest.mark.parametrize("batch", [None, 1, 5])
def test_matmul_equals_dense_product(k, b, batch):
    rng = np.random.default_rng(100 * k + 10 * b + (batch or 0))
    L, R = random_factors(rng, k, b)
    n = k * b
    X = rng.standard_normal(n if batch is None else (n, batch))
    got = monarch_matmul(L, R, X)
    assert got.shape == X.shape
    # Sums of k*b products of O(1) terms: rounding ~ (k + b) * eps relative to |L||R||X|.
    np.testing.assert_allclose(got, four_factor_product(L, R) @ X, rtol=1e-12, atol=1e-12)


def test_matmul_complex_inputs():
    rng = np.random.default_rng(2)
    L, R = random_factors(rng, 3, 2, complex_=True)
    X = rng.standard_normal((6, 3)) + 1j * rng.standard_normal((6, 3))
    got = monarch_matmul(L, R, X)
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got, four_factor_product(L, R) @ X, rtol=1e-12, atol=1e-12)
    # Real factors with a complex vector, and complex factors with a real vector.
    Lr, Rr = random_factors(rng, 3, 2)
    np.testing.assert_allclose(monarch_matmul(Lr, Rr, X), four_factor_product(Lr, Rr) @ X, rtol=1e-12, atol=1e-12)
    x = rng.standard_normal(6)
    np.testing.assert_allclose(monarch_matmul(L, R, x), four_factor_product(L, R) @ x, rtol=1e-12, atol=1e-12)


def test_matmul_identity_is_exact():
    k, b = 4, 3
    L = np.broadcast_to(np.eye(k), (b, k, k))
    R = np.broadcast_to(np.eye(b), (k, b, b))
    X = np.random.default_rng(3).standard_normal((12, 2))
    np.testing.assert_array_equal(monarch_matmul(L, R, X), X)


@given(
    k=st.integers(1, 5),
    b=st.integers(1, 5),
    batch=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_matmul_property(k, b, batch, seed):
    rng = np.random.default_rng(seed)
    L, R = random_factors(rng, k, b)
    X = rng.standard_normal((k * b, batch))
    np.testing.assert_allclose(monarch_matmul(L, R, X), four_factor_product(L, R) @ X, rtol=1e-12, atol=1e-12)


# --- monarch_solve ----------------------------------------------------------


def well_conditioned_factors(rng: np.random.Generator, k: int, b: int, complex_: bool = False):
    """Random blocks shifted by 3*sqrt(size)*I: every block has condition number O(1)."""
    L, R = random_factors(rng, k, b, complex_)
    return L + 3 * np.sqrt(k) * np.eye(k), R + 3 * np.sqrt(b) * np.eye(b)


@pytest.mark.parametrize("k,b", SHAPES)
@pytest.mark.parametrize("batch", [None, 3])
def test_solve_equals_dense_solve(k, b, batch):
    rng = np.random.default_rng(200 + 10 * k + b)
    L, R = well_conditioned_factors(rng, k, b)
    n = k * b
    X = rng.standard_normal(n if batch is None else (n, batch))
    Y = monarch_solve(L, R, X)
    assert Y.shape == X.shape
    # Both are backward-stable solves of a system with cond(M) = O(1): forward error ~ n eps.
    np.testing.assert_allclose(Y, np.linalg.solve(four_factor_product(L, R), X), rtol=1e-12, atol=1e-12)


def test_solve_complex():
    rng = np.random.default_rng(12)
    L, R = well_conditioned_factors(rng, 3, 2, complex_=True)
    X = rng.standard_normal((6, 2)) + 1j * rng.standard_normal((6, 2))
    Y = monarch_solve(L, R, X)
    assert Y.dtype == np.complex128
    np.testing.assert_allclose(Y, np.linalg.solve(four_factor_product(L, R), X), rtol=1e-12, atol=1e-12)


def test_inverse_is_swapped_monarch_of_inverted_blocks():
    # P M^{-1} P^T is the Monarch matrix with L' = R^{-1} (k blocks) and R' = L^{-1} (b blocks).
    k, b = 3, 4
    L, R = well_conditioned_factors(np.random.default_rng(13), k, b)
    n = k * b
    M_inv = monarch_solve(L, R, np.eye(n))
    P = np.eye(n)[np.arange(n).reshape(k, b).T.ravel()]
    swapped = monarch_to_dense(np.linalg.inv(R), np.linalg.inv(L))
    np.testing.assert_allclose(P @ M_inv @ P.T, swapped, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(M_inv, np.linalg.inv(four_factor_product(L, R)), rtol=1e-12, atol=1e-12)


@given(k=st.integers(1, 5), b=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=40)
def test_solve_property(k, b, seed):
    rng = np.random.default_rng(seed)
    L, R = well_conditioned_factors(rng, k, b)
    X = rng.standard_normal((k * b, 2))
    Y = monarch_solve(L, R, X)
    # The residual of a backward-stable solve with O(1)-conditioned blocks is ~ (k + b) eps ||L|| ||R|| ||Y||.
    np.testing.assert_allclose(four_factor_product(L, R) @ Y, X, rtol=1e-10, atol=1e-10)


def test_solve_singular_blocks():
    L, R = well_conditioned_factors(np.random.default_rng(14), 2, 3)  # L (3, 2, 2), R (2, 3, 3)
    x = np.ones(6)
    L_bad = L.copy()
    L_bad[1] = [[1.0, 2.0], [2.0, 4.0]]
    with pytest.raises(ValueError, match=r"L has a singular diagonal block \(L\[1\]\)"):
        monarch_solve(L_bad, R, x)
    R_bad = R.copy()
    R_bad[0] = 0.0
    with pytest.raises(ValueError, match=r"R has a singular diagonal block \(R\[0\]\)"):
        monarch_solve(L, R_bad, x)
    # The dense matrix is singular too: its determinant is the product of the block determinants.
    assert np.linalg.det(four_factor_product(L, R_bad)) == 0


def test_solve_bad_arguments():
    L, R = well_conditioned_factors(np.random.default_rng(15), 2, 3)
    with pytest.raises(ValueError, match="X must have n = k\\*b = 6 rows"):
        monarch_solve(L, R, np.ones(5))
    with pytest.raises(ValueError, match="X must be 1-D or 2-D"):
        monarch_solve(L, R, np.ones((6, 1, 1)))
    with pytest.raises(ValueError, match="X must not"):
        monarch_solve(L, R, np.full(6, np.nan))
    with pytest.raises(ValueError, match="L must have shape"):
        monarch_solve(R, R, np.ones(6))
    with pytest.raises(TypeError, match="X"):
        monarch_solve(L, R, ["a"] * 6)
    with pytest.raises(TypeError, match="L"):
        monarch_solve("L", R, np.ones(6))


def test_solve_does_not_modify_or_alias_inputs():
    L, R = well_conditioned_factors(np.random.default_rng(16), 3, 2)
    X = np.random.default_rng(17).standard_normal((6, 2))
    copies = [a.copy() for a in (L, R, X)]
    Y = monarch_solve(L, R, X)
    for original, copy in zip((L, R, X), copies):
        np.testing.assert_array_equal(original, copy)
        assert not np.shares_memory(Y, original)


# --- monarch_project --------------------------------------------------------


@pytest.mark.parametrize("k,b", SHAPES)
def test_project_recovers_monarch_matrix(k, b):
    L, R = random_factors(np.random.default_rng(7 * k + b), k, b)
    M = four_factor_product(L, R)
    L2, R2 = monarch_project(M, k)
    assert L2.shape == (b, k, k) and R2.shape == (k, b, b)
    # Each block is an SVD of an exactly rank-1 k x b matrix: backward stable, error ~ max(k,b) eps ||block||.
    np.testing.assert_allclose(four_factor_product(L2, R2), M, rtol=1e-12, atol=1e-12)


def test_project_recovers_complex_monarch_matrix():
    L, R = random_factors(np.random.default_rng(8), 3, 4, complex_=True)
    M = four_factor_product(L, R)
    L2, R2 = monarch_project(M, 3)
    assert L2.dtype == np.complex128 and R2.dtype == np.complex128
    np.testing.assert_allclose(four_factor_product(L2, R2), M, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n,k", [(6, 2), (6, 3), (8, 4), (12, 3), (16, 4)])
def test_project_error_is_discarded_singular_values(n, k):
    M = np.random.default_rng(n + k).standard_normal((n, n))
    L, R = monarch_project(M, k)
    err2 = np.linalg.norm(M - four_factor_product(L, R)) ** 2
    sv = sub_matrix_singular_values(M, k)
    # Eckart–Young per block; both sides are O(||M||^2) sums computed to ~n eps relative accuracy.
    np.testing.assert_allclose(err2, np.sum(sv[..., 1:] ** 2), rtol=1e-12)
    # The kept part carries exactly the leading singular values.
    np.testing.assert_allclose(np.linalg.norm(four_factor_product(L, R)) ** 2, np.sum(sv[..., 0] ** 2), rtol=1e-12)


def test_project_is_optimal_against_perturbed_factors():
    rng = np.random.default_rng(4)
    n, k = 12, 3
    M = rng.standard_normal((n, n))
    L, R = monarch_project(M, k)
    best = np.linalg.norm(M - monarch_to_dense(L, R))
    for scale in (1e-3, 1e-1, 1.0):
        dL = scale * rng.standard_normal(L.shape)
        dR = scale * rng.standard_normal(R.shape)
        assert np.linalg.norm(M - monarch_to_dense(L + dL, R + dR)) > best


@pytest.mark.parametrize("k", [1, 8])
def test_project_is_exact_for_one_or_n_blocks(k):
    # k = 1 (b = n) and k = n (b = 1): every sub-matrix is a single row or column, so rank 1.
    M = np.random.default_rng(5).standard_normal((8, 8))
    L, R = monarch_project(M, k)
    np.testing.assert_allclose(monarch_to_dense(L, R), M, rtol=1e-12, atol=1e-12)


def test_project_is_idempotent():
    M = np.random.default_rng(6).standard_normal((9, 9))
    M1 = monarch_to_dense(*monarch_project(M, 3))
    M2 = monarch_to_dense(*monarch_project(M1, 3))
    np.testing.assert_allclose(M2, M1, rtol=1e-12, atol=1e-12)


@given(k=st.integers(1, 4), b=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=40)
def test_project_property(k, b, seed):
    rng = np.random.default_rng(seed)
    n = k * b
    M = rng.standard_normal((n, n))
    L, R = monarch_project(M, k)
    Mhat = four_factor_product(L, R)
    sv = sub_matrix_singular_values(M, k)
    np.testing.assert_allclose(np.linalg.norm(M - Mhat) ** 2, np.sum(sv[..., 1:] ** 2), rtol=1e-10, atol=1e-12)
    # The residual is orthogonal to the projection (Pythagoras), as for any Eckart–Young truncation;
    # the inner product is a sum of n^2 terms, each exact up to ~max(k, b) eps ||M||^2 / n^2 (1e-10: huge margin).
    np.testing.assert_array_less(abs(np.vdot(M - Mhat, Mhat)), 1e-10 * np.linalg.norm(M) ** 2)


# --- structured matrices that are Monarch matrices ----------------------------------


def dft_monarch_factors(k: int, b: int):
    """L[s] = F_k for every s, R[j] = diag_s(omega_n^(s j)) F_b (the Cooley–Tukey step)."""
    n = k * b
    F_k = np.exp(-2j * np.pi * np.outer(np.arange(k), np.arange(k)) / k)
    F_b = np.exp(-2j * np.pi * np.outer(np.arange(b), np.arange(b)) / b)
    twiddle = np.exp(-2j * np.pi * np.outer(np.arange(k), np.arange(b)) / n)  # [j, s]
    return np.broadcast_to(F_k, (b, k, k)), twiddle[:, :, None] * F_b


@pytest.mark.parametrize("k,b", [(1, 5), (2, 3), (3, 5), (4, 4), (8, 2), (5, 7), (8, 8)])
def test_dft_is_monarch_times_transposed_permutation(k, b):
    # F_n = M_F P^T for every n = k b; numpy.fft.fft is the independent reference.
    n = k * b
    x = np.random.default_rng(n).standard_normal(n)
    L, R = dft_monarch_factors(k, b)
    y = monarch_matmul(L, R, x.reshape(b, k).T.ravel())
    # sums of n products of modulus-one numbers and |x_i|: error ~ n eps ||x||_1, 100x safety
    np.testing.assert_allclose(y, np.fft.fft(x), rtol=0, atol=100 * n * EPS * np.abs(x).sum())


def butterfly_matrix(m: int, rng: np.random.Generator) -> np.ndarray:
    """B_n ... B_4 B_2 (Dao et al. 2019) of size n = m^2, random diagonals, built densely."""
    n = m * m
    B = np.eye(n)
    size = 2
    while size <= n:
        half = size // 2
        rows = np.arange(n // size)[:, None] * size + np.arange(half)[None, :]
        d = rng.standard_normal((4, n // size, half))
        factor = np.zeros((n, n))
        factor[rows, rows], factor[rows, rows + half] = d[0], d[1]
        factor[rows + half, rows], factor[rows + half, rows + half] = d[2], d[3]
        B = factor @ B
        size *= 2
    return B


@pytest.mark.parametrize("m", [2, 4, 8])
def test_butterfly_matrices_are_monarch_matrices(m):
    # Dao et al. (2022): a butterfly matrix of size m^2 is a Monarch matrix with k = b = m, so every group
    # has rank one and the projection reproduces it (up to the backward error of the small SVDs).
    B = butterfly_matrix(m, np.random.default_rng(m))
    sv = sub_matrix_singular_values(B, m)
    np.testing.assert_array_less(sv[..., 1], 100 * m * EPS * sv[..., 0].max())  # rank one up to rounding
    Bhat = monarch_to_dense(*monarch_project(B, m))
    np.testing.assert_allclose(Bhat, B, rtol=0, atol=100 * m * EPS * np.abs(B).max())


@pytest.mark.parametrize("N", [2, 4, 8])
def test_the_dft_itself_is_not_monarch(N):
    # The converse direction has teeth: each group of the unitary DFT (n = N^2, k = b = N) is a scaled
    # N x N DFT with N equal singular values, so the projection keeps 1/N of the energy: relative error
    # sqrt(1 - 1/N), whichever rank-one truncation the SVD picks among the tied ones.
    n = N * N
    F = np.fft.fft(np.eye(n)) / np.sqrt(n)
    rel = np.linalg.norm(F - monarch_to_dense(*monarch_project(F, N))) / np.linalg.norm(F)
    # a difference of two norms of size 1, each carrying ~ n eps; 100x safety
    np.testing.assert_allclose(rel, np.sqrt(1 - 1 / N), rtol=0, atol=100 * n * EPS)


# --- bad input --------------------------------------------------------------


def test_bad_factor_shapes():
    L, R = random_factors(np.random.default_rng(0), 2, 3)  # L (3, 2, 2), R (2, 3, 3)
    with pytest.raises(ValueError, match="R must have shape"):
        monarch_to_dense(L, np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="L must have shape"):
        monarch_to_dense(np.zeros((2, 2, 2)), R)
    with pytest.raises(ValueError, match="L must have shape"):
        monarch_matmul(L.transpose(1, 0, 2), R, np.ones(6))
    with pytest.raises(ValueError, match="R must be 3-D"):
        monarch_to_dense(L, np.zeros((6, 6)))
    with pytest.raises(ValueError, match="L must not"):
        monarch_to_dense(np.full((3, 2, 2), np.nan), R)
    with pytest.raises(ValueError, match="L must not be empty"):
        monarch_to_dense(np.zeros((3, 0, 0)), R)
    with pytest.raises(TypeError, match="L"):
        monarch_to_dense("L", R)
    with pytest.raises(TypeError, match="R"):
        monarch_matmul(L, R.astype(bool), np.ones(6))


def test_bad_vector_shapes():
    L, R = random_factors(np.random.default_rng(0), 2, 3)
    with pytest.raises(ValueError, match="X must have n = k\\*b = 6 rows"):
        monarch_matmul(L, R, np.ones(5))
    with pytest.raises(ValueError, match="X must have n"):
        monarch_matmul(L, R, np.ones((5, 2)))
    with pytest.raises(ValueError, match="X must be 1-D or 2-D"):
        monarch_matmul(L, R, np.ones((6, 1, 1)))
    with pytest.raises(ValueError, match="X must not"):
        monarch_matmul(L, R, np.full(6, np.inf))
    with pytest.raises(TypeError, match="X"):
        monarch_matmul(L, R, ["a"] * 6)


def test_bad_projection_arguments():
    M = np.ones((6, 6))
    with pytest.raises(ValueError, match="M must be square"):
        monarch_project(np.ones((6, 4)), 2)
    with pytest.raises(ValueError, match="k must divide n = 6"):
        monarch_project(M, 4)
    with pytest.raises(ValueError, match="k must be >= 1"):
        monarch_project(M, 0)
    with pytest.raises(ValueError, match="k must be <= 6"):
        monarch_project(M, 12)
    with pytest.raises(TypeError, match="k"):
        monarch_project(M, 2.0)
    with pytest.raises(ValueError, match="M must be 2-D"):
        monarch_project(np.ones(6), 2)
    with pytest.raises(ValueError, match="M must not"):
        monarch_project(np.full((6, 6), np.nan), 2)
    with pytest.raises(TypeError, match="M"):
        monarch_project(np.full((6, 6), "x"), 2)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(9)
    L, R = random_factors(rng, 3, 2)
    X = rng.standard_normal((6, 2))
    M = rng.standard_normal((6, 6))
    copies = [a.copy() for a in (L, R, X, M)]
    monarch_to_dense(L, R)
    monarch_matmul(L, R, X)
    monarch_matmul(L, R, X[:, 0])
    monarch_project(M, 3)
    for original, copy in zip((L, R, X, M), copies):
        np.testing.assert_array_equal(original, copy)


def test_outputs_do_not_alias_inputs():
    rng = np.random.default_rng(11)
    L, R = random_factors(rng, 2, 2)
    X = rng.standard_normal(4)
    for out in (monarch_to_dense(L, R), monarch_matmul(L, R, X), *monarch_project(np.eye(4), 2)):
        for a in (L, R, X):
            assert not np.shares_memory(out, a)
