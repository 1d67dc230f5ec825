"""Tests for lowrank.out_of_core: randomized SVD and the single-pass sketch on Dask arrays.

References are independent of the code under test: matrices built from chosen
singular values (so Eckart–Young is known in closed form), the in-memory
``randomized_svd`` (whose own tests check it against a transcription of
Halko–Martinsson–Tropp), a transcription of the single-pass sketch with
``numpy.linalg.lstsq``, and counts of how often Dask generates each chunk.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from lowrank import randomized_svd, single_pass_svd
from lowrank._validation import is_dask_array

da = pytest.importorskip("dask.array")
import dask  # noqa: E402  (after the importorskip)

EPS = np.finfo(np.float64).eps


def known_svd_matrix(m: int, n: int, s: np.ndarray, seed: int = 0) -> np.ndarray:
    """U diag(s) V^T with random orthonormal U (m, len(s)) and V (n, len(s))."""
    rng = np.random.default_rng(seed)
    U = scipy.linalg.qr(rng.standard_normal((m, len(s))), mode="economic")[0]
    V = scipy.linalg.qr(rng.standard_normal((n, len(s))), mode="economic")[0]
    return (U * s) @ V.T


def gapped_spectrum(n: int, ell: int) -> np.ndarray:
    """``ell`` singular values from 1 down to 0.1 (geometric), then a tail at 1e-3: a clear gap after ``ell``."""
    return np.concatenate([0.1 ** (np.arange(ell) / (ell - 1)), np.full(n - ell, 1e-3)])


def product(U: np.ndarray, s: np.ndarray, Vt: np.ndarray) -> np.ndarray:
    return (U * s) @ Vt


def counting_array(A: np.ndarray, chunks: tuple) -> tuple[object, collections.Counter]:
    """A Dask array whose chunks are made by a function that records every call, and the record."""
    calls: collections.Counter = collections.Counter()

    def make(block_info=None):
        loc = block_info[None]["array-location"]
        calls[tuple(block_info[None]["chunk-location"])] += 1
        return A[loc[0][0] : loc[0][1], loc[1][0] : loc[1][1]].copy()

    X = da.map_blocks(make, chunks=da.core.normalize_chunks(chunks, A.shape), dtype=A.dtype, meta=np.empty((0, 0)))
    return X, calls


M, N, R, P = 600, 90, 6, 6
A_GAP = known_svd_matrix(M, N, gapped_spectrum(N, R + P), seed=1)
CHUNKINGS = [(100, N), (100, 40), (M, N), (250, 30)]


def rounding_tol(A: np.ndarray, s: np.ndarray, ell: int, r: int) -> float:
    """How far two roundings of the same randomized SVD of ``A`` may drift apart (absolute, in ||.||_2 of U S V^T).

    The products with A are computed in another order: a relative perturbation
    of about ``(m + n) eps`` of each sketch, which moves the sketched subspace by
    at most that times ``s_1 / s_ell`` (its conditioning), and the rank-r
    truncation by that over the relative gap ``(s_r - s_{r+1}) / s_1``; times 10.
    """
    delta = max(A.shape) * EPS * (s[0] / s[ell - 1])
    gap = (s[r - 1] - s[r]) / s[0]
    return 10 * delta / gap * s[0]


# --------------------------------------------------------------------------- #
# detection of Dask arrays, without importing Dask
# --------------------------------------------------------------------------- #


def test_is_dask_array():
    assert is_dask_array(da.zeros((3, 2)))
    assert not is_dask_array(np.zeros((3, 2)))
    assert not is_dask_array([[1.0, 2.0]])

    class Array:  # a look-alike from another module is not a Dask array
        pass

    assert not is_dask_array(Array())


def test_numpy_path_does_not_import_dask():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        from lowrank import randomized_svd, single_pass_svd
        A = np.random.default_rng(0).standard_normal((40, 30))
        randomized_svd(A, 3, rng=0)
        single_pass_svd(A, 3, rng=0)
        print(any(name == "dask" or name.startswith("dask.") for name in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- #
# Dask result = NumPy result, same rng
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize("n_iter", [0, 1, 2])
def test_randomized_svd_dask_equals_numpy(chunks, n_iter):
    s_true = gapped_spectrum(N, R + P)
    U0, s0, Vt0 = randomized_svd(A_GAP, R, oversample=P, n_iter=n_iter, rng=7)
    U1, s1, Vt1 = randomized_svd(da.from_array(A_GAP, chunks=chunks), R, oversample=P, n_iter=n_iter, rng=7)
    assert all(isinstance(x, np.ndarray) for x in (U1, s1, Vt1))
    assert U1.shape == (M, R) and s1.shape == (R,) and Vt1.shape == (R, N)
    tol = rounding_tol(A_GAP, s_true, R + P, R)
    np.testing.assert_allclose(s1, s0, rtol=0, atol=tol)  # Weyl: |ds_i| <= ||d(U S V^T)||_2
    np.testing.assert_allclose(product(U1, s1, Vt1), product(U0, s0, Vt0), rtol=0, atol=tol)


@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_single_pass_dask_equals_numpy(chunks):
    # The same k = R + P columns of Y, and the co-range sketch W: the result is the SVD of Q X, whose
    # conditioning adds the factor kappa(Psi Q) <= 10 (Gaussian l x k with l = 2k + 1, see below).
    s_true = gapped_spectrum(N, R + P)
    U0, s0, Vt0 = single_pass_svd(A_GAP, R, oversample=P, rng=11)
    U1, s1, Vt1 = single_pass_svd(da.from_array(A_GAP, chunks=chunks), R, oversample=P, rng=11)
    assert all(isinstance(x, np.ndarray) for x in (U1, s1, Vt1))
    tol = 10 * rounding_tol(A_GAP, s_true, R + P, R)
    np.testing.assert_allclose(s1, s0, rtol=0, atol=tol)
    np.testing.assert_allclose(product(U1, s1, Vt1), product(U0, s0, Vt0), rtol=0, atol=tol)


def test_integer_and_float32_dask_arrays_are_read_as_float64():
    A_int = np.random.default_rng(3).integers(-5, 6, size=(120, 40))
    for X in (A_int, A_int.astype(np.float32)):
        U0, s0, Vt0 = single_pass_svd(X.astype(np.float64), 4, rng=2)
        U1, s1, Vt1 = single_pass_svd(da.from_array(X, chunks=(50, 40)), 4, rng=2)
        assert s1.dtype == np.float64
        # entries are small integers: products are exact up to sum-order rounding, 10 n eps ||A||
        tol = 1e3 * 120 * EPS * np.linalg.norm(A_int, 2)  # times kappa(Psi Q) * 1/gap <= 100
        np.testing.assert_allclose(s1, s0, rtol=0, atol=tol)


# --------------------------------------------------------------------------- #
# passes: each chunk read once per pass, each pass its own computation
# --------------------------------------------------------------------------- #


class ComputeCounter(dask.callbacks.Callback):
    """Counts the Dask computations started while it is active."""

    def __init__(self) -> None:
        super().__init__()
        self.computations = 0

    def _start(self, dsk) -> None:
        self.computations += 1


@pytest.mark.parametrize("chunks", [(100, N), (150, 40)])
def test_single_pass_reads_each_chunk_exactly_once(chunks):
    X, calls = counting_array(A_GAP, chunks)
    n_chunks = len(X.chunks[0]) * len(X.chunks[1])
    with ComputeCounter() as counter:
        single_pass_svd(X, R, rng=0)
    assert len(calls) == n_chunks and set(calls.values()) == {1}
    assert counter.computations == 1


@pytest.mark.parametrize("n_iter", [0, 1, 3])
def test_randomized_svd_streams_one_pass_per_computation(n_iter):
    X, calls = counting_array(A_GAP, (100, 45))
    with ComputeCounter() as counter:
        randomized_svd(X, R, oversample=P, n_iter=n_iter, rng=0)
    passes = 2 * n_iter + 2
    assert counter.computations == passes  # every pass is its own computation ...
    assert set(calls.values()) == {passes} and len(calls) == 12  # ... which reads each chunk once


# --------------------------------------------------------------------------- #
# the single-pass sketch: exactness, the algorithm, its error
# --------------------------------------------------------------------------- #


@settings(max_examples=25)
@given(
    m=st.integers(20, 80),
    n=st.integers(20, 80),
    rank=st.integers(1, 6),
    p=st.integers(0, 5),
    seed=st.integers(0, 2**16),
)
def test_single_pass_is_exact_for_rank_at_most_k(m, n, rank, p, seed):
    # rank(A) <= k = r + p: Q spans range(A) and (Psi Q)^+ Psi Q = I, so Q X = A in exact arithmetic.
    # Singular values in [1, 2] (well conditioned); kappa(Psi Q) <= 30 for a Gaussian l x k with
    # l = 2k + 1 except with tiny probability; rounding ~ (m + n) eps ||A|| times that, times 10.
    s = np.linspace(2.0, 1.0, rank)
    A = known_svd_matrix(m, n, s, seed=seed)
    r = max(1, rank - 1)
    k = min(r + p, m, n)
    if k < rank:
        return  # the premise rank(A) <= k fails
    U, sv, Vt = single_pass_svd(A, r, oversample=k - r, rng=seed + 1)
    U_all, s_all, Vt_all = single_pass_svd(A, k, oversample=0, rng=seed + 1)  # the same draws: Q X in full
    tol = 10 * 30 * (m + n) * EPS * 2.0
    np.testing.assert_allclose(product(U_all, s_all, Vt_all), A, rtol=0, atol=tol)
    np.testing.assert_allclose(sv, s[:r], rtol=0, atol=tol)  # the leading r singular values, Weyl
    np.testing.assert_allclose(U.T @ U, np.eye(r), rtol=0, atol=10 * m * EPS)
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(r), rtol=0, atol=10 * n * EPS)


def transcription(A: np.ndarray, r: int, p: int, seed: int) -> np.ndarray:
    """Tropp et al.'s sketch written out: k = r + p, l = 2k + 1, Omega then Psi from one generator."""
    m, n = A.shape
    gen = np.random.default_rng(seed)
    k = min(r + p, m, n)
    ell = min(2 * k + 1, m)
    Omega = gen.standard_normal((n, k))
    Psi = gen.standard_normal((ell, m))
    Q = np.linalg.qr(A @ Omega)[0]
    X = np.linalg.lstsq(Psi @ Q, Psi @ A, rcond=None)[0]
    Ux, sx, Vtx = np.linalg.svd(X, full_matrices=False)
    return ((Q @ Ux[:, :r]) * sx[:r]) @ Vtx[:r]


@pytest.mark.parametrize("shape, r, p", [((300, 120), 5, 10), ((120, 300), 5, 10), ((50, 40), 8, 40), ((40, 30), 3, 0)])
def test_single_pass_matches_transcription(shape, r, p):
    # The sketch sizes are k = min(r + p, m, n) and l = min(2k + 1, m): only then do the draws agree.
    m, n = shape
    s = 0.8 ** np.arange(min(m, n))
    A = known_svd_matrix(m, n, s, seed=4)
    U, sv, Vt = single_pass_svd(A, r, oversample=p, rng=9)
    k = min(r + p, m, n)
    # the rank-r truncation moves by ~ rounding * kappa(Psi Q) / relative gap (s_r - s_{r+1}) / s_1 = 0.8^(r-1) 0.2
    tol = 10 * 30 * max(m, n) * EPS / (0.8 ** (r - 1) * 0.2) * (s[0] / s[k - 1])
    np.testing.assert_allclose(product(U, sv, Vt), transcription(A, r, p, 9), rtol=0, atol=tol)


def test_single_pass_error_matches_the_expectation_formula():
    # Tropp et al.: E ||A - Q X||_F^2 = (1 + k / (l - k - 1)) E ||A - Q Q^T A||_F^2, = 2 for l = 2k + 1.
    # Per seed we compute both errors with the same Omega (Q X from single_pass_svd with r = k, p = 0),
    # and average the ratio ||A - Q X||^2 / ||A - Q Q^T A||^2 over 400 seeds. Conditionally on Omega
    # its mean is 1 + E ||G^+||_F^2 = 2 exactly; the check allows 4 standard errors (a correct
    # formula fails it with probability about 6e-5; the variance is finite since l - k > 3).
    s = 1.0 / np.arange(1, 61)
    A = known_svd_matrix(400, 60, s, seed=5)
    k = 8

    def ratio(seed: int) -> float:
        U, sv, Vt = single_pass_svd(A, k, oversample=0, rng=seed)
        Omega = np.random.default_rng(seed).standard_normal((60, k))  # the first draw of single_pass_svd
        Q = np.linalg.qr(A @ Omega)[0]
        return np.linalg.norm(A - product(U, sv, Vt)) ** 2 / np.linalg.norm(A - Q @ (Q.T @ A)) ** 2

    with threadpool_limits(1):  # 400 small problems: one BLAS thread is fastest and steadiest
        ratios = np.array([ratio(seed) for seed in range(400)])
    standard_error = ratios.std(ddof=1) / np.sqrt(len(ratios))
    # headroom: a Monte Carlo check at four standard errors (failure probability ~6e-5 for a correct formula)
    np.testing.assert_array_less(abs(ratios.mean() - 2.0), 4 * standard_error)
    np.testing.assert_array_less(1.0 - ratios, 10 * 400 * EPS)  # Pythagoras: never below the two-pass error


@pytest.mark.parametrize("r, p", [(5, 10), (10, 4)])
def test_single_pass_error_against_eckart_young(r, p):
    # Two bounds: deterministic, ||A - [[Q X]]_r|| <= tau_{r+1} + 2 ||A - Q X|| (any norm, Tropp et al.),
    # and in expectation E ||A - Q X||_F^2 <= 2 (1 + r / (p - 1)) tau_{r+1}^2 (the two factors of the notes).
    # The mean over 100 seeds of ||A - Q X||^2 / tau^2 is compared with that bound.
    s = 1.0 / np.arange(1, 101)
    A = known_svd_matrix(500, 100, s, seed=6)
    tau = np.sqrt(np.sum(s[r:] ** 2))
    k = r + p
    full_err, trunc_err = [], []
    with threadpool_limits(1):  # 200 small problems
        for seed in range(100):
            U, sv, Vt = single_pass_svd(A, k, oversample=0, rng=seed)  # Q X in full: its SVD
            Ur, sr, Vtr = single_pass_svd(A, r, oversample=p, rng=seed)  # the same draws, truncated to rank r
            np.testing.assert_array_equal(sr, sv[:r])
            full_err.append(np.linalg.norm(A - product(U, sv, Vt)))
            trunc_err.append(np.linalg.norm(A - product(Ur, sr, Vtr)))
    full_err, trunc_err = np.array(full_err), np.array(trunc_err)
    # headroom: an inequality of the theory, not a tolerance (it holds with margin 2-3, far above rounding)
    np.testing.assert_array_less(trunc_err, tau + 2 * full_err)  # deterministic
    np.testing.assert_array_less(tau - trunc_err, 10 * 500 * EPS * tau)  # nothing beats Eckart–Young (excess: rounding)
    bound = 2 * (1 + r / (p - 1))
    mean_sq = np.mean(full_err**2) / tau**2
    standard_error = np.std(full_err**2 / tau**2, ddof=1) / np.sqrt(100)
    # headroom: a bound on an expectation, checked on a sample mean; observed 60-65 % of the bound, and the
    # standard error is below 5 % of the mean (asserted), so a correct bound fails only beyond 7 standard errors
    assert standard_error < 0.05 * mean_sq
    np.testing.assert_array_less(mean_sq, bound)


# --------------------------------------------------------------------------- #
# a distributed cluster gives the same result
# --------------------------------------------------------------------------- #


def test_local_cluster_gives_the_same_result():
    distributed = pytest.importorskip("distributed")
    X = da.from_array(A_GAP, chunks=(150, 45))
    local_rsvd = randomized_svd(X, R, oversample=P, n_iter=1, rng=3)
    local_sp = single_pass_svd(X, R, rng=3)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        remote_rsvd = randomized_svd(X, R, oversample=P, n_iter=1, rng=3)
        remote_sp = single_pass_svd(X, R, rng=3)
    tol = 10 * rounding_tol(A_GAP, gapped_spectrum(N, R + P), R + P, R)
    for local, remote in ((local_rsvd, remote_rsvd), (local_sp, remote_sp)):
        np.testing.assert_allclose(remote[1], local[1], rtol=0, atol=tol)
        np.testing.assert_allclose(product(*remote), product(*local), rtol=0, atol=tol)


# --------------------------------------------------------------------------- #
# bad input, inputs left alone
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("func", [randomized_svd, single_pass_svd])
def test_bad_dask_input(func):
    good = da.from_array(A_GAP, chunks=(100, N))
    with pytest.raises(TypeError, match="^A must hold real numbers"):
        func(good.astype(np.complex128), 2)
    with pytest.raises(TypeError, match="^A must hold real numbers"):
        func(good > 0, 2)
    with pytest.raises(ValueError, match="^A must be 2-D"):
        func(good[0], 2)
    with pytest.raises(ValueError, match="^A must have known chunk sizes"):
        func(good[good[:, 0] > 0], 2)
    with pytest.raises(ValueError, match="^A must not be empty"):
        func(good[:0], 1)
    with pytest.raises(ValueError, match="^r must be <= 90"):
        func(good, N + 1)
    with pytest.raises(TypeError, match="^r must be an integer"):
        func(good, 2.0)
    with pytest.raises(ValueError, match="^oversample must be >= 0"):
        func(good, 2, oversample=-1)
    with pytest.raises(TypeError, match="^rng must be None"):
        func(good, 2, rng="seed")


@pytest.mark.parametrize("func", [randomized_svd, single_pass_svd])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_dask_entries_are_found_during_the_pass(func, bad):
    B = A_GAP.copy()
    B[437, 61] = bad  # in one chunk only
    X, calls = counting_array(B, (100, 45))
    with pytest.raises(ValueError, match="^A must not contain NaN or infinity"):
        func(X, 3, rng=0)
    # the pass that found it, then one confirming pass (isfinite) on this error path only
    assert set(calls.values()) == {2}


def test_finite_input_costs_no_extra_pass():
    X, calls = counting_array(A_GAP, (100, 45))
    single_pass_svd(X, 3, rng=0)
    assert set(calls.values()) == {1}


def test_overflow_is_not_reported_as_nan():
    # Finite entries near the largest double overflow in the products; A itself is finite, so the
    # NaN/inf ValueError must not be raised (whatever the arithmetic then gives, as for NumPy input).
    B = np.full((60, 20), 1e308)
    try:
        single_pass_svd(da.from_array(B, chunks=(30, 20)), 2, rng=0)
    except ValueError as exc:
        assert "NaN or infinity" not in str(exc)
    except np.linalg.LinAlgError:
        pass


@pytest.mark.parametrize("func", [randomized_svd, single_pass_svd])
def test_bad_numpy_input(func):
    with pytest.raises(TypeError, match="^A must"):
        func("not a matrix", 2)
    with pytest.raises(ValueError, match="^A must not contain NaN"):
        func(np.array([[1.0, np.nan], [0.0, 1.0]]), 1)
    with pytest.raises(ValueError, match="^A must be 2-D"):
        func(np.ones(4), 1)


def test_inputs_not_modified():
    A = A_GAP.copy()
    single_pass_svd(A, 3, rng=0)
    randomized_svd(A, 3, rng=0)
    np.testing.assert_array_equal(A, A_GAP)
    X = da.from_array(A, chunks=(100, 45))
    single_pass_svd(X, 3, rng=0)
    randomized_svd(X, 3, rng=0)
    np.testing.assert_array_equal(A, A_GAP)
    np.testing.assert_array_equal(X.compute(), A_GAP)


def test_randomized_svd_numpy_path_unchanged():
    # The in-memory algorithm, transcribed from its docstring (Omega, LU after each product, QR, SVD of Q^T A):
    # the NumPy path must still be exactly this computation (same calls, so agreement to a few ulps).
    A = A_GAP
    gen = np.random.default_rng(5)
    Y = A @ gen.standard_normal((N, R + P))
    for _ in range(2):
        Y = A @ scipy.linalg.lu(A.T @ scipy.linalg.lu(Y, permute_l=True)[0], permute_l=True)[0]
    Q = scipy.linalg.qr(Y, mode="economic")[0]
    UB, sB, VtB = np.linalg.svd(Q.T @ A, full_matrices=False)
    U, s, Vt = randomized_svd(A, R, oversample=P, n_iter=2, rng=5)
    tol = rounding_tol(A, gapped_spectrum(N, R + P), R + P, R)
    np.testing.assert_allclose(s, sB[:R], rtol=0, atol=tol)
    np.testing.assert_allclose(product(U, s, Vt), product(Q @ UB[:, :R], sB[:R], VtB[:R]), rtol=0, atol=tol)


@settings(max_examples=20)
@given(m=st.integers(2, 40), n=st.integers(2, 40), seed=st.integers(0, 2**16), data=st.data())
def test_single_pass_output_conventions(m, n, seed, data):
    r = data.draw(st.integers(1, min(m, n)))
    A = np.random.default_rng(seed).standard_normal((m, n))
    U, s, Vt = single_pass_svd(A, r, rng=seed)
    assert U.shape == (m, r) and s.shape == (r,) and Vt.shape == (r, n)
    assert np.all(np.diff(s) <= 0) and np.all(s >= 0)
    # Householder QR times an orthogonal SVD factor: orthonormal to ~ m eps, allowed 10 m eps
    np.testing.assert_allclose(U.T @ U, np.eye(r), rtol=0, atol=10 * max(m, 10) * EPS)
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(r), rtol=0, atol=10 * max(n, 10) * EPS)
    U2, s2, Vt2 = single_pass_svd(A, r, rng=seed)
    np.testing.assert_array_equal(s, s2)  # same seed, same result
