"""The Moore–Penrose pseudo-inverse and its regularized approximation.

Chapter: ``chapters/pseudo_inverse.ipynb``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from ._validation import as_matrix, check_nonnegative, check_positive

__all__ = ["pinv", "penrose_residuals", "regularized_pinv"]


def pinv(A: ArrayLike, rtol: float | None = None) -> NDArray[np.float64]:
    """Moore–Penrose pseudo-inverse of a real matrix, computed from its SVD.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    rtol : float, optional
        Relative cut-off: singular values ``s_i <= rtol * s_max`` are treated
        as zero. Default ``max(m, n) * eps`` with ``eps`` the float64 machine
        epsilon (the choice of ``numpy.linalg.matrix_rank``).

    Returns
    -------
    X : ndarray, shape (n, m)
        ``V_r diag(1 / s_1, ..., 1 / s_r) U_r^T`` over the ``r`` kept
        singular triplets; the zero matrix when none is kept.

    Raises
    ------
    TypeError
        If ``A`` is not numeric or ``rtol`` is not a real number.
    ValueError
        If ``A`` is not 2-D, is empty or holds NaN/inf, or ``rtol < 0``.

    Notes
    -----
    With ``A = U diag(s) V^T``, ``A^+ = V diag(s)^+ U^T`` where
    ``diag(s)^+`` inverts the non-zero singular values :cite:p:`penrose1955`.
    Dropping tiny singular values makes the result a continuous function of
    ``A`` near the kept rank; it is the exact pseudo-inverse of a matrix
    within ``rtol * s_max`` of ``A`` in the spectral norm.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import pinv
    >>> A = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])  # rank 1: u v^T, u = (1, 2, 0), v = (1, 2)
    >>> X = pinv(A)
    >>> X.shape
    (2, 3)

    The closed form ``v u^T / (|u|^2 |v|^2)``; the computed ``X`` is within a few
    ``eps * |X|`` of it (entries 0.04 to 0.16), so ``1e-14`` leaves ample room:

    >>> expected = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0]]) / 25
    >>> bool(np.allclose(X, expected, rtol=0, atol=1e-14))
    True
    """
    A = as_matrix(A, "A")
    m, n = A.shape
    rtol = max(m, n) * np.finfo(np.float64).eps if rtol is None else check_nonnegative(rtol, "rtol")
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    r = int(np.count_nonzero(s > rtol * s[0]))
    # Scale the kept right singular vectors, then one matrix product.
    return (Vt[:r].T / s[:r]) @ U[:, :r].T


def penrose_residuals(A: ArrayLike, X: ArrayLike) -> NDArray[np.float64]:
    """Frobenius norms of the residuals of the four Penrose conditions.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    X : array_like, shape (n, m)
        Candidate pseudo-inverse.

    Returns
    -------
    ndarray, shape (4,)
        ``[||AXA - A||, ||XAX - X||, ||(AX)^T - AX||, ||(XA)^T - XA||]``,
        Frobenius norms computed without overflow for large entries.

    Raises
    ------
    TypeError
        If ``A`` or ``X`` is not numeric.
    ValueError
        If either is not a finite non-empty 2-D array, or the shape of ``X``
        is not the transpose of the shape of ``A``.

    Notes
    -----
    ``X = A^+`` is the only matrix for which all four vanish
    :cite:p:`penrose1955`.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import penrose_residuals
    >>> A = np.array([[2.0, 0.0], [0.0, 0.0]])
    >>> penrose_residuals(A, np.array([[0.5, 0.0], [0.0, 0.0]]))
    array([0., 0., 0., 0.])
    >>> penrose_residuals(A, np.array([[0.5, 0.0], [0.0, 1.0]]))  # XAX != X
    array([0., 1., 0., 0.])
    """
    A = as_matrix(A, "A")
    X = as_matrix(X, "X")
    if X.shape != A.shape[::-1]:
        raise ValueError(f"X must have shape {A.shape[::-1]} (the transpose of A's), got {X.shape}")
    AX = A @ X
    XA = X @ A
    return np.array(
        [
            _frobenius(AX @ A - A),
            _frobenius(X @ AX - X),
            _frobenius(AX.T - AX),
            _frobenius(XA.T - XA),
        ]
    )


def _frobenius(M: NDArray[np.float64]) -> float:
    """Frobenius norm without overflow or underflow of the squares.

    On a 1-D array ``scipy.linalg.norm`` calls the BLAS ``nrm2``, which scales
    as it accumulates; ``numpy.linalg.norm`` squares the entries and would
    overflow for entries near 1e+200.
    """
    return float(scipy.linalg.norm(M.ravel()))


def regularized_pinv(A: ArrayLike, eps: float) -> NDArray[np.float64]:
    """Tikhonov-regularized inverse ``(A^T A + eps I)^{-1} A^T``, computed via the SVD.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    eps : float
        Regularization weight, ``eps > 0``.

    Returns
    -------
    ndarray, shape (n, m)
        ``V diag(s_i / (s_i^2 + eps)) U^T``. As ``eps -> 0+`` this tends to
        ``pinv(A)``.

    Raises
    ------
    TypeError
        If ``A`` or ``eps`` is not numeric.
    ValueError
        If ``A`` is not a finite non-empty 2-D array, or ``eps <= 0``.

    Notes
    -----
    ``A^T A`` is never formed: forming it squares the condition number and
    loses every singular value below ``sqrt(eps_machine) * s_max``
    :cite:p:`tikhonov1963,golub2013`.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import regularized_pinv
    >>> A = np.array([[1.0, 0.0], [0.0, 0.0]])
    >>> X = regularized_pinv(A, 1.0)  # 1 / (1 + 1) on the non-zero direction, 0 on the other

    The SVD of this matrix is exact up to signs, so ``X`` is exact up to a few
    ``eps``; ``1e-15`` is a safe absolute tolerance:

    >>> bool(np.allclose(X, [[0.5, 0.0], [0.0, 0.0]], rtol=0, atol=1e-15))
    True
    """
    A = as_matrix(A, "A")
    eps = check_positive(eps, "eps")
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (Vt.T * (s / (s * s + eps))) @ U.T
