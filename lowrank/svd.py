"""The singular value decomposition and optimal low-rank approximation.

Chapter: ``chapters/svd.ipynb``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from ._validation import as_matrix, as_rng, check_int, is_dask_array

__all__ = ["truncated_svd", "low_rank_approx", "randomized_svd"]

SVDTriplet = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def truncated_svd(A: ArrayLike, r: int) -> SVDTriplet:
    """The ``r`` leading singular triplets of a real matrix.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    r : int
        Number of triplets to keep, ``1 <= r <= min(m, n)``.

    Returns
    -------
    U : ndarray, shape (m, r)
        Orthonormal columns: the leading left singular vectors.
    s : ndarray, shape (r,)
        The ``r`` largest singular values, in descending order.
    Vt : ndarray, shape (r, n)
        Orthonormal rows: the leading right singular vectors.

    Raises
    ------
    TypeError
        If ``A`` is not numeric or ``r`` is not an integer.
    ValueError
        If ``A`` is not a finite non-empty 2-D array, or ``r`` is outside
        ``[1, min(m, n)]``.

    Notes
    -----
    With the full SVD ``A = U diag(s) V^T`` (LAPACK ``gesdd`` through
    ``numpy.linalg.svd``, cost ``O(m n min(m, n))``), the result is
    ``U[:, :r], s[:r], V^T[:r]`` :cite:p:`golub2013`. Each pair of singular
    vectors is determined only up to a common sign, and only up to a rotation
    when singular values are repeated.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import truncated_svd
    >>> A = np.array([[3.0, 0.0], [4.0, 5.0]])  # singular values 3 sqrt(5), sqrt(5)
    >>> U, s, Vt = truncated_svd(A, 1)
    >>> U.shape, s.shape, Vt.shape
    ((2, 1), (1,), (1, 2))
    >>> bool(np.isclose(s[0], 3 * np.sqrt(5), rtol=1e-14))  # backward stable: ~ eps relative
    True
    """
    A = as_matrix(A, "A")
    m, n = A.shape
    r = check_int(r, "r", low=1, high=min(m, n))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    # Copies, so that the discarded triplets can be freed.
    return np.ascontiguousarray(U[:, :r]), s[:r].copy(), Vt[:r].copy()


def low_rank_approx(A: ArrayLike, r: int) -> NDArray[np.float64]:
    """The best rank-``r`` approximation of a real matrix (truncated SVD).

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    r : int
        Target rank, ``1 <= r <= min(m, n)``.

    Returns
    -------
    Ar : ndarray, shape (m, n)
        ``U_r diag(s_1, ..., s_r) V_r^T``, a matrix of rank at most ``r``.

    Raises
    ------
    TypeError
        If ``A`` is not numeric or ``r`` is not an integer.
    ValueError
        If ``A`` is not a finite non-empty 2-D array, or ``r`` is outside
        ``[1, min(m, n)]``.

    Notes
    -----
    Eckart–Young–Mirsky :cite:p:`eckart1936,mirsky1960`: among all matrices
    ``X`` of rank at most ``r``, ``Ar`` minimizes both ``||A - X||_F``, with
    ``||A - Ar||_F^2 = sum_{i>r} s_i^2``, and ``||A - X||_2``, with
    ``||A - Ar||_2 = s_{r+1}`` (zero when ``r = min(m, n)``). The minimizer
    is unique in the Frobenius norm exactly when ``s_r > s_{r+1}``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import low_rank_approx
    >>> A = np.diag([3.0, 2.0, 1.0])
    >>> A2 = low_rank_approx(A, 2)
    >>> bool(np.allclose(A2, np.diag([3.0, 2.0, 0.0]), rtol=0, atol=1e-12))  # backward error ~ eps ||A||
    True
    >>> round(float(np.linalg.norm(A - low_rank_approx(A, 1)) ** 2), 12)  # 2^2 + 1^2
    5.0
    """
    U, s, Vt = truncated_svd(A, r)
    return (U * s) @ Vt


def _orth(Y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Householder QR: orthonormal columns spanning ``range(Y)``, even when ``Y`` is rank deficient."""
    return scipy.linalg.qr(Y, mode="economic", overwrite_a=True, check_finite=False)[0]


def _rescale(Y: NDArray[np.float64]) -> NDArray[np.float64]:
    """LU with partial pivoting, ``P L``: well-scaled columns (unit lower-triangular ``L``), same range.

    All the intermediate steps of subspace iteration need; half the cost of a Householder QR.
    """
    return scipy.linalg.lu(Y, permute_l=True, overwrite_a=True, check_finite=False)[0]


def randomized_svd(
    A: ArrayLike,
    r: int,
    *,
    oversample: int = 10,
    n_iter: int = 2,
    rng: Any = None,
) -> SVDTriplet:
    """Approximate ``r`` leading singular triplets by randomized subspace iteration.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    r : int
        Number of triplets to return, ``1 <= r <= min(m, n)``.
    oversample : int, optional
        Extra random directions ``p >= 0``; the sketch has
        ``l = min(r + p, min(m, n))`` columns. Default 10.
    n_iter : int, optional
        Number of power (subspace) iterations ``q >= 0``. Default 2.
    rng : None, int or numpy.random.Generator, optional
        Source of the Gaussian test matrix. A fixed seed gives identical
        results.

    Returns
    -------
    U : ndarray, shape (m, r)
        Orthonormal columns.
    s : ndarray, shape (r,)
        Approximate singular values, in descending order.
    Vt : ndarray, shape (r, n)
        Orthonormal rows.

    Raises
    ------
    TypeError
        If ``A`` is not numeric, ``r``, ``oversample`` or ``n_iter`` is not an
        integer, or ``rng`` is not None, an int or a Generator.
    ValueError
        If ``A`` is not a finite non-empty 2-D array, ``r`` is outside
        ``[1, min(m, n)]``, ``oversample`` or ``n_iter`` is negative, or
        ``rng`` is a negative seed.

    Notes
    -----
    Halko–Martinsson–Tropp :cite:p:`halko2011` (their Algorithms 4.4 and 5.1):
    draw a Gaussian ``Omega`` (n, l) and form ``Y = A Omega``; then ``q``
    times replace ``Y`` by ``A (A^T Y)``, re-normalizing the columns after
    every product with an LU factorization with partial pivoting, so that they
    cannot collapse onto the top singular vector in floating point (the
    normalization used by Voronin and Martinsson and by scikit-learn; it spans
    the same subspace as a QR at half the cost). The final ``Y`` is
    orthonormalized by Householder QR into ``Q``; then
    ``B = Q^T A = U_B diag(s) V^T`` and ``U = Q U_B``, and the first ``r``
    triplets are returned. Cost: ``2q + 2`` products with ``A`` or ``A^T``
    plus LU/QR/SVD factorizations of ``l``-column matrices. ``U diag(s) V^T`` is
    the best rank-``r`` approximation of ``Q Q^T A``. A ``dask.array.Array``
    is accepted too and never materialized: each product with ``A`` or
    ``A^T`` is a separate Dask computation that streams the chunks through
    memory (``lowrank.out_of_core``), and the result equals the in-memory one
    for the same ``rng`` up to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import randomized_svd
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((60, 5)) @ rng.standard_normal((5, 40))  # rank 5
    >>> U, s, Vt = randomized_svd(A, 5, rng=1)
    >>> bool(np.allclose((U * s) @ Vt, A, rtol=0, atol=1e-10))  # rank 5: exact up to ~ eps ||A||
    True
    >>> bool(np.array_equal(s, randomized_svd(A, 5, rng=1)[1]))  # same seed, same result
    True
    """
    if is_dask_array(A):  # out of core: one Dask computation per pass over A
        from .out_of_core import _randomized_svd_dask

        return _randomized_svd_dask(A, r, oversample=oversample, n_iter=n_iter, rng=rng)
    A = as_matrix(A, "A")
    m, n = A.shape
    r = check_int(r, "r", low=1, high=min(m, n))
    p = check_int(oversample, "oversample", low=0)
    q = check_int(n_iter, "n_iter", low=0)
    gen = as_rng(rng, "rng")
    ell = min(r + p, m, n)

    Y = A @ gen.standard_normal((n, ell))
    for _ in range(q):  # subspace iteration: the algorithm is this recurrence
        Y = A @ _rescale(A.T @ _rescale(Y))
    Q = _orth(Y)
    UB, s, Vt = np.linalg.svd(Q.T @ A, full_matrices=False)
    return Q @ UB[:, :r], s[:r].copy(), Vt[:r].copy()
