"""Randomized low-rank approximation of matrices larger than memory, on Dask arrays.

Chapter: ``chapters/out_of_core.ipynb``.

When ``A`` does not fit in memory, the cost of an algorithm is counted in
*passes*: each pass streams every chunk of ``A`` through memory once, while
only the thin sketches (``O((m + n) l)`` numbers) stay in memory. This module
runs the passes of :func:`lowrank.randomized_svd` one Dask computation at a
time, so that no chunk of ``A`` outlives the pass that reads it, and provides
the single-pass sketch of Tropp, Yurtsever, Udell and Cevher.

Dask is optional: the module imports it only when it is given a Dask array
(:func:`lowrank._validation.is_dask_array` recognises one without importing
Dask). Any Dask scheduler works: the threaded default, or a
``dask.distributed`` cluster once a ``Client`` is connected.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from ._validation import as_matrix, as_rng, check_int, is_dask_array
from .svd import SVDTriplet, _orth, _rescale

__all__ = ["single_pass_svd"]

#: Default oversampling of :func:`single_pass_svd`: the range sketch has ``k = r + 10`` columns.
DEFAULT_OVERSAMPLE = 10


def _as_dask_matrix(A: Any, name: str = "A") -> Any:
    """Up-front checks of a Dask array (dtype, ndim, known non-empty shape); a float64 Dask array back.

    Nothing is computed here: whether the entries are finite is checked
    during the first pass (:func:`_first_pass`).
    """
    if A.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {A.dtype}")
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got an array of shape {A.shape}")
    if any(math.isnan(size) for size in A.shape):
        raise ValueError(f"{name} must have known chunk sizes, got shape {A.shape} (call compute_chunk_sizes())")
    if A.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {A.shape}")
    return A.astype(np.float64)  # lazy; the same array when A is float64 already


def _times(A: Any, X: NDArray[np.float64]) -> Any:
    """The lazy product ``A @ X`` of a Dask ``A`` and an in-memory ``X``, chunked along ``A``'s columns."""
    import dask.array as da

    return A @ da.from_array(X, chunks=(A.chunks[1], X.shape[1]))


def _left_times(X: NDArray[np.float64], A: Any) -> Any:
    """The lazy product ``X @ A``, with ``X`` chunked along ``A``'s rows."""
    import dask.array as da

    return da.from_array(X, chunks=(X.shape[0], A.chunks[0])) @ A


def _one_pass(*products: Any) -> list[NDArray[np.float64]]:
    """Compute lazy products of ``A`` together: one graph, so each chunk of ``A`` is read once."""
    import dask

    return list(dask.compute(*products))


def _first_pass(A: Any, tests: list[NDArray[np.float64]], *products: Any) -> list[NDArray[np.float64]]:
    """:func:`_one_pass`, then a check that every entry of ``A`` is finite, at no extra cost.

    ``tests`` holds, for each product, its Gaussian factor arranged so that
    row ``j`` multiplies column ``j`` of ``A`` (``Omega`` for ``A Omega``) or
    row ``j`` multiplies row ``j`` of ``A`` (``Psi^T`` for ``Psi A``). An entry
    of ``A`` that is NaN or infinite makes a product NaN or infinite wherever
    it meets a nonzero multiplier, so if every such row has a nonzero entry
    (checked; it fails with probability zero), finite products prove a
    finite ``A``. Non-finite products come from NaN or infinity in ``A`` or
    from overflow; only then does a second pass (``isfinite``) tell the two
    apart, and overflow is left to the caller, as for a NumPy array.
    """
    import dask.array as da

    results = _one_pass(*products)
    if all(np.isfinite(res).all() for res in results):
        if all(np.any(T != 0, axis=1).all() for T in tests):
            return results
    if not da.isfinite(A).all().compute():
        raise ValueError("A must not contain NaN or infinity")
    return results


def _randomized_svd_dask(A: Any, r: int, *, oversample: int = 10, n_iter: int = 2, rng: Any = None) -> SVDTriplet:
    """:func:`lowrank.randomized_svd` of a Dask array, one Dask computation per pass over ``A``.

    The arguments, checks and arithmetic are those of
    :func:`lowrank.randomized_svd` (which calls this function when given a
    Dask array): the same Gaussian ``Omega`` is drawn from ``rng``, and the
    sketch ``Y`` (``m x l``) is re-normalized by the same LU and QR
    factorizations, in memory. Only the products with ``A`` and ``A^T`` run
    on Dask, each as its own computation: ``2 q + 2`` passes, the first of
    which also checks that ``A`` is finite. ``U``, ``s`` and ``Vt`` come back
    as NumPy arrays and agree with the in-memory result to rounding (the
    chunked products add their terms in another order).
    """
    A = _as_dask_matrix(A, "A")
    m, n = A.shape
    r = check_int(r, "r", low=1, high=min(m, n))
    p = check_int(oversample, "oversample", low=0)
    q = check_int(n_iter, "n_iter", low=0)
    gen = as_rng(rng, "rng")
    ell = min(r + p, m, n)

    Omega = gen.standard_normal((n, ell))
    (Y,) = _first_pass(A, [Omega], _times(A, Omega))
    for _ in range(q):  # subspace iteration: two passes per step
        (Zt,) = _one_pass(_left_times(_rescale(Y).T, A))  # Z = A^T Y, as (Y^T A)^T: rows of A stay rows
        Z = Zt.T
        (Y,) = _one_pass(_times(A, _rescale(Z)))
    Q = _orth(Y)
    (B,) = _one_pass(_left_times(Q.T, A))
    UB, s, Vt = np.linalg.svd(B, full_matrices=False)
    return Q @ UB[:, :r], s[:r].copy(), Vt[:r].copy()


def single_pass_svd(A: ArrayLike, r: int, *, oversample: int | None = None, rng: Any = None) -> SVDTriplet:
    """Approximate ``r`` leading singular triplets from one pass over ``A`` (Tropp et al.'s sketch).

    Parameters
    ----------
    A : array_like or dask.array.Array, shape (m, n)
        Real, finite, non-empty matrix. A Dask array is never materialized:
        each chunk is read exactly once.
    r : int
        Number of triplets to return, ``1 <= r <= min(m, n)``.
    oversample : int, optional
        Oversampling ``p >= 0`` of the range sketch, which has
        ``k = min(r + p, m, n)`` columns; the co-range sketch has
        ``l = min(2 k + 1, m)`` rows. ``None`` (the default) means
        ``p = 10``.
    rng : None, int or numpy.random.Generator, optional
        Source of the two Gaussian test matrices, drawn in the order
        ``Omega`` (n, k), then ``Psi`` (l, m). A fixed seed gives identical
        results, for a NumPy and a Dask ``A`` alike (to rounding).

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
        If ``A`` is not numeric, ``r`` or ``oversample`` is not an integer,
        or ``rng`` is not None, an int or a Generator.
    ValueError
        If ``A`` is not a finite non-empty 2-D array (for a Dask array,
        NaN or infinity is detected during the pass), ``r`` is outside
        ``[1, min(m, n)]``, ``oversample`` is negative, or ``rng`` is a
        negative seed.

    Notes
    -----
    Tropp, Yurtsever, Udell and Cevher :cite:p:`tropp2017`: in one pass,
    collect the range sketch ``Y = A Omega`` and the co-range sketch
    ``W = Psi A``. Then ``Q = orth(Y)`` and ``X = (Psi Q)^+ W`` (by a QR
    factorization of the ``l x k`` matrix ``Psi Q``), so that
    ``A ~ Q X``; the SVD ``X = U_X diag(s) V^T`` gives ``U = Q U_X`` and the
    first ``r`` triplets are returned. The result is exact (up to rounding)
    when ``rank(A) <= k``. For a fixed ``Omega`` and a Gaussian ``Psi``,
    ``E ||A - Q X||_F^2 = (1 + k / (l - k - 1)) ||A - Q Q^T A||_F^2``, so
    ``l = 2 k + 1`` costs a factor 2 against the two-pass method with the same
    ``Q``; with the bound of Halko, Martinsson and Tropp :cite:p:`halko2011`
    on the two-pass error, ``E ||A - Q X||_F^2 <= 2 (1 + r / (p - 1))
    sum_{j > r} s_j(A)^2`` for ``p >= 2``. Memory: ``Omega``, ``Psi``, ``Y``
    and ``W``, i.e. ``(m + n)(k + l)`` numbers, besides the chunks of ``A``
    in flight; with a distributed Dask scheduler, ``Psi`` travels with the
    task graph.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import single_pass_svd
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((80, 4)) @ rng.standard_normal((4, 50))  # rank 4
    >>> U, s, Vt = single_pass_svd(A, 4, rng=1)
    >>> U.shape, s.shape, Vt.shape
    ((80, 4), (4,), (4, 50))
    >>> bool(np.allclose((U * s) @ Vt, A, rtol=0, atol=1e-10))  # rank 4 <= k: exact up to ~ eps ||A||
    True
    """
    dask_input = is_dask_array(A)
    A = _as_dask_matrix(A, "A") if dask_input else as_matrix(A, "A")
    m, n = A.shape
    r = check_int(r, "r", low=1, high=min(m, n))
    p = DEFAULT_OVERSAMPLE if oversample is None else check_int(oversample, "oversample", low=0)
    gen = as_rng(rng, "rng")
    k = min(r + p, m, n)
    ell = min(2 * k + 1, m)
    Omega = gen.standard_normal((n, k))
    Psi = gen.standard_normal((ell, m))

    if dask_input:
        Y, W = _first_pass(A, [Omega, Psi.T], _times(A, Omega), _left_times(Psi, A))
    else:
        Y, W = A @ Omega, Psi @ A
    Q = _orth(Y)
    Q_small, R_small = scipy.linalg.qr(Psi @ Q, mode="economic", check_finite=False)
    X = scipy.linalg.solve_triangular(R_small, Q_small.T @ W, check_finite=False)  # (Psi Q)^+ W
    UX, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Q @ UX[:, :r], s[:r].copy(), Vt[:r].copy()
