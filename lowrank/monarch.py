"""Monarch matrices: products of two block-diagonal matrices and a permutation.

Chapter: ``chapters/monarch.ipynb``.

Convention used throughout (``n = k * b``): ``R`` has shape ``(k, b, b)``
(``k`` diagonal blocks of size ``b x b``), ``L`` has shape ``(b, k, k)``
(``b`` diagonal blocks of size ``k x k``) and

    M[i*b + s, j*b + t] = L[s, i, j] * R[j, s, t],

that is ``M = P^T blockdiag(L) P blockdiag(R)`` with ``P`` the permutation
``x -> x.reshape(k, b).T.ravel()``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_array, as_matrix, check_int

__all__ = ["monarch_to_dense", "monarch_matmul", "monarch_solve", "monarch_project"]

_Array = NDArray[np.float64] | NDArray[np.complex128]


def _check_factors(L: ArrayLike, R: ArrayLike) -> tuple[_Array, _Array]:
    """Validate the two block-diagonal factors; return them as float/complex arrays."""
    L = as_array(L, "L", ndim=3, allow_complex=True)
    R = as_array(R, "R", ndim=3, allow_complex=True)
    k, b, b2 = R.shape
    if b != b2:
        raise ValueError(f"R must have shape (k, b, b) (square diagonal blocks), got {R.shape}")
    if L.shape != (b, k, k):
        raise ValueError(
            f"L must have shape (b, k, k) = {(b, k, k)} to match R of shape (k, b, b) = {R.shape}, "
            f"got {L.shape}"
        )
    return L, R


def _check_operands(L: ArrayLike, R: ArrayLike, X: ArrayLike) -> tuple[_Array, _Array, _Array]:
    """Check the factors and a vector or batch ``X`` with ``n = k * b`` rows (for products and solves)."""
    L, R = _check_factors(L, R)
    X = as_array(X, "X", ndim=(1, 2), allow_complex=True)
    n = R.shape[0] * R.shape[1]
    if X.shape[0] != n:
        raise ValueError(f"X must have n = k*b = {n} rows to match R of shape {R.shape}, got shape {X.shape}")
    return L, R, X


def monarch_to_dense(L: ArrayLike, R: ArrayLike) -> _Array:
    """The dense ``n x n`` Monarch matrix ``M = P^T blockdiag(L) P blockdiag(R)``.

    Parameters
    ----------
    L : array_like, shape (b, k, k)
        The ``b`` diagonal blocks (each ``k x k``) of the left factor. Real or
        complex.
    R : array_like, shape (k, b, b)
        The ``k`` diagonal blocks (each ``b x b``) of the right factor. Real or
        complex.

    Returns
    -------
    M : ndarray, shape (n, n) with ``n = k * b``
        ``M[i*b + s, j*b + t] = L[s, i, j] * R[j, s, t]``; float64, or
        complex128 if either factor is complex.

    Raises
    ------
    TypeError
        If ``L`` or ``R`` is not numeric.
    ValueError
        If either is not a finite non-empty 3-D array, the blocks of ``R`` are
        not square, or the shape of ``L`` is not ``(b, k, k)`` for ``R`` of
        shape ``(k, b, b)``.

    Notes
    -----
    ``P`` is the permutation ``x -> x.reshape(k, b).T.ravel()``, which moves
    entry ``i*b + s`` to position ``s*k + i``; multiplying out the four factors
    gives the index formula above. In the square case ``k = b = sqrt(n)`` this
    is the Monarch class of :cite:p:`dao2022monarch`, who write
    ``M = P L P^T R``: for ``k = b``, ``P`` is an involution (``P^T = P``), so
    the two forms agree.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import monarch_to_dense
    >>> L = np.ones((2, 2, 2))            # b = 2 blocks of size k x k = 2 x 2
    >>> R = np.arange(8.0).reshape(2, 2, 2)  # k = 2 blocks of size b x b = 2 x 2
    >>> monarch_to_dense(L, R)
    array([[0., 1., 4., 5.],
           [2., 3., 6., 7.],
           [0., 1., 4., 5.],
           [2., 3., 6., 7.]])
    """
    L, R = _check_factors(L, R)
    k, b, _ = R.shape
    n = k * b
    # Axes of the product are (i, s, j, t); rows i*b + s and columns j*b + t.
    return np.einsum("sij,jst->isjt", L, R).reshape(n, n)


def monarch_matmul(L: ArrayLike, R: ArrayLike, X: ArrayLike) -> _Array:
    """The product ``M @ X`` of a Monarch matrix and a vector or matrix, never forming ``M``.

    Parameters
    ----------
    L : array_like, shape (b, k, k)
        Diagonal blocks of the left factor (see :func:`monarch_to_dense`).
    R : array_like, shape (k, b, b)
        Diagonal blocks of the right factor.
    X : array_like, shape (n,) or (n, batch) with ``n = k * b``
        The vector or the batch of column vectors to multiply. Real or complex.

    Returns
    -------
    ndarray, same shape as ``X``
        ``M @ X``; float64, or complex128 if any argument is complex.

    Raises
    ------
    TypeError
        If an argument is not numeric.
    ValueError
        If ``L`` and ``R`` do not fit together (see :func:`monarch_to_dense`),
        or ``X`` is not a finite non-empty 1-D or 2-D array with ``n`` rows.

    Notes
    -----
    Two batched matrix products, costing ``2 n b`` and ``2 n k`` flops per
    column (``2 n (k + b)`` in all, against ``2 n^2`` for the dense product):
    first ``Y[j] = R[j] @ X[j]`` on the ``k`` contiguous blocks of ``b`` rows,
    then, for each ``s``, ``L[s] @ Y[:, s]`` on the strided rows
    ``s, s + b, s + 2b, ...``, written straight into the output in its final
    order. The permutations ``P`` and
    ``P^T`` are only strides, never copies :cite:p:`dao2022monarch`.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import monarch_matmul, monarch_to_dense
    >>> rng = np.random.default_rng(0)
    >>> L, R = rng.standard_normal((3, 2, 2)), rng.standard_normal((2, 3, 3))  # k=2, b=3
    >>> X = rng.standard_normal((6, 4))
    >>> np.allclose(monarch_matmul(L, R, X), monarch_to_dense(L, R) @ X)
    True
    >>> monarch_matmul(L, R, np.ones(6)).shape
    (6,)
    """
    L, R, X = _check_operands(L, R, X)
    k, b, _ = R.shape
    Y = np.matmul(R, X.reshape(k, b, -1))  # Y[j, s, :] = sum_t R[j, s, t] X[j*b + t, :]
    out = np.empty(Y.shape, dtype=np.result_type(L, Y))  # out[i, s, :] is row i*b + s
    # For each s: out[:, s, :] = L[s] @ Y[:, s, :]; both operands are strided views.
    np.matmul(L, Y.transpose(1, 0, 2), out=out.transpose(1, 0, 2))
    return out.reshape(X.shape)


def _block_solve(blocks: _Array, rhs: _Array, name: str) -> _Array:
    """Batched ``blocks[m] @ out[m] = rhs[m]``; a clear ValueError if a block is singular."""
    try:
        return np.linalg.solve(blocks, rhs)
    except np.linalg.LinAlgError:  # an exact zero pivot in some block's LU
        bad = np.flatnonzero(np.linalg.det(blocks) == 0)
        which = f" ({name}[{int(bad[0])}])" if bad.size else ""
        raise ValueError(f"{name} has a singular diagonal block{which}, so M is singular") from None


def monarch_solve(L: ArrayLike, R: ArrayLike, X: ArrayLike) -> _Array:
    """Solve ``M @ Y = X`` for a Monarch matrix ``M``, never forming ``M`` or its inverse.

    Parameters
    ----------
    L : array_like, shape (b, k, k)
        Diagonal blocks of the left factor (see :func:`monarch_to_dense`).
    R : array_like, shape (k, b, b)
        Diagonal blocks of the right factor.
    X : array_like, shape (n,) or (n, batch) with ``n = k * b``
        Right-hand side(s). Real or complex.

    Returns
    -------
    Y : ndarray, same shape as ``X``
        The solution of ``M @ Y = X``; float64, or complex128 if any argument
        is complex.

    Raises
    ------
    TypeError
        If an argument is not numeric.
    ValueError
        If ``L`` and ``R`` do not fit together (see :func:`monarch_to_dense`),
        ``X`` is not a finite non-empty 1-D or 2-D array with ``n`` rows, or a
        diagonal block of ``L`` or ``R`` is exactly singular (then ``M`` is
        singular too).

    Notes
    -----
    From ``M = P^T blockdiag(L) P blockdiag(R)`` and ``P^{-1} = P^T``,

        M^{-1} = blockdiag(R)^{-1} P^T blockdiag(L)^{-1} P,

    so ``M`` is invertible exactly when all ``k + b`` blocks are, and
    ``det M = prod det L[s] * prod det R[j]``. The solve is two batched LU
    solves (``numpy.linalg.solve``): first the ``b`` systems
    ``L[s] W[:, s] = X[s::b]`` on the strided rows, then the ``k`` systems
    ``R[j] Y[j] = W[j]`` on contiguous rows. The factorizations cost
    ``O(b k^3 + k b^3)`` flops, that is ``O(n^2)`` for ``k = b = sqrt(n)``
    against ``O(n^3)`` for a dense LU, and each right-hand side then costs
    ``2 n (k + b)`` flops, like :func:`monarch_matmul`
    :cite:p:`dao2022monarch,golub2013`. Nearly singular blocks are not
    detected: the accuracy is that of the block solves, governed by the
    condition numbers of the blocks.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import monarch_matmul, monarch_solve, monarch_to_dense
    >>> rng = np.random.default_rng(0)
    >>> L, R = rng.standard_normal((3, 2, 2)), rng.standard_normal((2, 3, 3))  # k=2, b=3
    >>> X = rng.standard_normal((6, 2))
    >>> Y = monarch_solve(L, R, X)
    >>> np.allclose(monarch_matmul(L, R, Y), X)
    True
    >>> np.allclose(Y, np.linalg.solve(monarch_to_dense(L, R), X))
    True
    """
    L, R, X = _check_operands(L, R, X)
    k, b, _ = R.shape
    Xr = X.reshape(k, b, -1)  # Xr[i, s, :] is row i*b + s
    # W[s] = L[s]^{-1} X[s::b]: solve on the strided groups (P, then blockdiag(L)^{-1}).
    W = _block_solve(L, Xr.transpose(1, 0, 2), "L")  # (b, k, batch), W[s, i]
    # P^T puts W back as (k, b, batch); then Y[j] = R[j]^{-1} W[:, j] on contiguous rows.
    Y = _block_solve(R, W.transpose(1, 0, 2), "R")
    return Y.reshape(X.shape)


def monarch_project(M: ArrayLike, k: int) -> tuple[_Array, _Array]:
    """The Frobenius-nearest Monarch matrix with ``k`` blocks, as its factors ``(L, R)``.

    Parameters
    ----------
    M : array_like, shape (n, n)
        Square, finite, non-empty matrix; real or complex.
    k : int
        Number of diagonal blocks of ``R``; must divide ``n``. The blocks of
        ``R`` are ``b x b`` and those of ``L`` are ``k x k`` with ``b = n // k``.

    Returns
    -------
    L : ndarray, shape (b, k, k)
    R : ndarray, shape (k, b, b)
        Factors with ``monarch_to_dense(L, R)`` nearest to ``M`` in the
        Frobenius norm; float64, or complex128 for complex ``M``.

    Raises
    ------
    TypeError
        If ``M`` is not numeric or ``k`` is not an integer.
    ValueError
        If ``M`` is not a finite non-empty square matrix, ``k < 1``, or ``k``
        does not divide ``n``.

    Notes
    -----
    For fixed ``(s, j)`` the ``k x b`` sub-matrix ``M[i*b + s, j*b + t]``
    (``i`` and ``t`` varying) of a Monarch matrix is the outer product
    ``L[s, :, j] R[j, s, :]``, and distinct ``(s, j)`` use disjoint
    parameters. The nearest Monarch matrix is therefore made of the ``k*b``
    best rank-1 approximations of these sub-matrices, each the leading
    singular triplet :cite:p:`eckart1936,dao2022monarch`, computed in one
    batched SVD. The squared error is the sum over the sub-matrices of their
    discarded squared singular values. The factors are not unique (each pair
    ``L[s, :, j]``, ``R[j, s, :]`` can trade a scalar); here both carry the
    square root of the leading singular value.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import monarch_project, monarch_to_dense
    >>> rng = np.random.default_rng(1)
    >>> M = monarch_to_dense(rng.standard_normal((3, 2, 2)), rng.standard_normal((2, 3, 3)))
    >>> L, R = monarch_project(M, 2)
    >>> L.shape, R.shape
    ((3, 2, 2), (2, 3, 3))
    >>> np.allclose(monarch_to_dense(L, R), M)   # a Monarch matrix is its own projection
    True
    """
    M = as_matrix(M, "M", allow_complex=True)
    n, n2 = M.shape
    if n != n2:
        raise ValueError(f"M must be square, got shape {M.shape}")
    k = check_int(k, "k", low=1, high=n)
    if n % k:
        raise ValueError(f"k must divide n = {n}, got k = {k}")
    b = n // k
    # blocks[s, j] is the k x b sub-matrix with entries M[i*b + s, j*b + t].
    blocks = M.reshape(k, b, k, b).transpose(1, 2, 0, 3)
    U, S, Vh = np.linalg.svd(blocks, full_matrices=False)
    root = np.sqrt(S[..., 0])  # (b, k), indexed [s, j]
    L = (U[..., 0] * root[..., None]).transpose(0, 2, 1)  # L[s, i, j] = sqrt(σ) u[i]
    R = (Vh[:, :, 0, :] * root[..., None]).transpose(1, 0, 2)  # R[j, s, t] = sqrt(σ) v*[t]
    return np.ascontiguousarray(L), np.ascontiguousarray(R)
