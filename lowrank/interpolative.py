"""The interpolative decomposition: a matrix written in terms of its own columns.

Chapter: ``chapters/interpolative.ipynb``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from ._validation import as_matrix, as_rng, check_choice, check_int

__all__ = ["interp_decomp"]


def _interpolation_matrix(
    R: NDArray[np.float64], order: NDArray[np.intp], k: int, m: int
) -> NDArray[np.float64]:
    """``P = [I, R11^{-1} R12] Pi^T`` from the first ``k`` rows of an R factor of ``A[:, order]``.

    ``R`` is upper trapezoidal with at least ``k`` rows; its columns follow
    ``order``. If the diagonal of ``R11`` drops to rounding level at position
    ``r < k`` (``A`` has numerical rank ``r < k``), the remaining columns are
    expressed with the first ``r`` skeleton columns only, and skeleton columns
    ``r, ..., k-1`` keep their identity rows, so that ``P[:, idx] = I_k`` still
    holds and no division by a rounding-level pivot occurs. "Rounding level"
    is ``max(m, n) eps max|diag(R11)|``, the cut-off of ``numpy.linalg.matrix_rank``.
    """
    n = order.size
    d = np.abs(np.diag(R[:k, :k]))
    tol = max(m, n) * np.finfo(np.float64).eps * (d.max() if d.size else 0.0)
    small = np.flatnonzero(d <= tol)
    r = int(small[0]) if small.size else k
    P = np.zeros((k, n))
    P[np.arange(k), order[:k]] = 1.0
    if r > 0 and n > k:
        P[:r, order[k:]] = scipy.linalg.solve_triangular(R[:r, :r], R[:r, k:], check_finite=False)
    return P


def _least_squares_interpolation(
    A: NDArray[np.float64], order: NDArray[np.intp], k: int
) -> NDArray[np.float64]:
    """``P = A[:, J]^+ A`` for the skeleton ``J = order[:k]``, via the thin QR of ``A[:, J]``.

    ``order`` is a permutation of the columns of ``A`` that starts with the
    skeleton. The R factor of ``A[:, order]`` restricted to its first ``k`` rows
    is ``[R11, Q1^T A[:, order[k:]]]``; :func:`_interpolation_matrix` does the rest.
    """
    Q1, R11 = scipy.linalg.qr(A[:, order[:k]], mode="economic", check_finite=False)
    R = np.hstack([R11, (Q1.T @ A)[:, order[k:]]])
    return _interpolation_matrix(R, order, k, A.shape[0])


def interp_decomp(
    A: ArrayLike,
    k: int,
    *,
    method: str = "qr",
    oversample: int = 10,
    rng: int | np.random.Generator | None = None,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Rank-``k`` interpolative decomposition ``A ≈ A[:, idx] @ P`` (column ID).

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    k : int
        Number of skeleton columns, ``1 <= k <= min(m, n)``.
    method : {"qr", "randomized", "sampled"}, optional
        ``"qr"`` (default): column-pivoted QR of ``A`` itself.
        ``"randomized"``: column-pivoted QR of a Gaussian sketch of the rows.
        ``"sampled"``: column-pivoted QR of ``k + oversample`` columns of ``A``
        drawn uniformly at random (see Notes).
    oversample : int, optional
        Extra sketch rows ``p >= 0`` for ``method="randomized"``, extra sampled
        columns for ``method="sampled"`` (default 10; the sample is clipped to
        all ``n`` columns when ``k + oversample > n``). Ignored by ``method="qr"``.
    rng : None, int or numpy.random.Generator, optional
        Source of the Gaussian test matrix (``method="randomized"``) or of the
        column sample (``method="sampled"``); a fixed seed gives identical
        results. Ignored by ``method="qr"``.

    Returns
    -------
    idx : ndarray of int, shape (k,)
        Indices of the skeleton columns, in pivot order.
    P : ndarray, shape (k, n)
        Interpolation matrix with ``P[:, idx] = I_k`` (exactly).

    Raises
    ------
    TypeError
        If ``A`` is not numeric, ``k`` or ``oversample`` is not an integer, or
        ``rng`` is not a seed or Generator.
    ValueError
        If ``A`` is not a finite non-empty 2-D array, ``k`` is outside
        ``[1, min(m, n)]``, ``oversample < 0``, or ``method`` is unknown.
        (``k + oversample > n`` is not an error: the sample is clipped.)

    Notes
    -----
    ``method="qr"``: with the column-pivoted QR factorization
    ``A Pi = Q [[R11, R12], [0, R22]]`` (``R11`` of size k×k), the skeleton is
    the first ``k`` pivots and ``P = [I_k, R11^{-1} R12] Pi^T``
    :cite:p:`cheng2005`. Then ``A[:, idx] @ P = Q1 Q1^T A`` and the error is
    exactly ``||A - A[:, idx] P||_2 = ||R22||_2 >= sigma_{k+1}(A)``. Plain
    column pivoting does not guarantee ``|P_ij| <= 1`` (the strong
    rank-revealing QR of :cite:t:`gu1996` does, and then
    ``||R22||_2 <= sqrt(1 + k(n-k)) sigma_{k+1}``); it usually nearly does,
    the Kahan matrix :cite:p:`kahan1966` being the classic exception.
    Cost ``O(mn min(m, n))``.

    ``method="randomized"`` :cite:p:`liberty2007,halko2011`:

    1. ``Y = G A`` with ``G`` a standard Gaussian matrix of shape
       ``(k + oversample, m)``: ``Y`` mixes the rows of ``A`` and (with high
       probability) keeps its dominant row space. No power iteration is done.
    2. Column-pivoted QR of the small sketch ``Y Pi = Q_Y R_Y``; the first
       ``k`` pivots are ``idx``.
    3. ``P = [I_k, R11^{-1} R12] Pi^T`` with ``R11, R12`` the first ``k``
       rows of the R factor of ``A Pi`` itself, obtained from the thin QR
       ``A[:, idx] = Q1 R11`` and ``R12 = Q1^T A[:, rest]``. This is the
       least-squares interpolation ``P = A[:, idx]^+ A`` (the best ``P`` for
       the chosen columns). Taking ``R11, R12`` from ``R_Y`` instead is cheaper
       but, on slowly decaying spectra, several times less accurate (the
       chapter measures both).

    Cost ``O(mnk)``. If ``A`` has numerical rank ``r < k``, the non-skeleton
    columns are interpolated from the first ``r`` skeleton columns only.

    ``method="sampled"``: draw ``s = min(k + oversample, n)`` distinct columns
    uniformly at random (kept in increasing order), run column-pivoted QR on
    the ``m × s`` matrix ``A[:, S]``, take its first ``k`` pivots as ``idx``,
    and compute ``P = A[:, idx]^+ A`` as in step 3 above. Choosing the columns
    costs only ``O(m s^2)`` and never touches the other columns; forming ``P``
    costs ``O(mnk)``. With ``s = n`` it is exactly ``method="qr"``'s skeleton.
    Uniform sampling works when the columns are *incoherent* (every column
    has about the same leverage score, the squared norm of its row of the top
    right singular vectors) :cite:p:`chiu2013`; when a few columns carry most of
    the leverage it misses them with probability about ``1 - s/n`` each, and
    the error can be far above ``sigma_{k+1}``. Leverage-score sampling
    :cite:p:`drineas2006,mahoney2009` or the Gaussian sketch avoid this.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import interp_decomp
    >>> A = np.array([[34.0, 58, 52], [59, 89, 80], [17, 29, 26]])  # rank 2
    >>> idx, P = interp_decomp(A, 2)
    >>> idx
    array([1, 0])
    >>> np.allclose(P[:, idx], np.eye(2)), np.allclose(A[:, idx] @ P, A)
    (True, True)
    >>> idx, P = interp_decomp(A, 2, method="randomized", rng=0)
    >>> np.allclose(A[:, idx] @ P, A)
    True
    >>> idx, P = interp_decomp(A, 2, method="sampled", oversample=0, rng=0)
    >>> np.allclose(P[:, idx], np.eye(2)), np.allclose(A[:, idx] @ P, A)
    (True, True)
    """
    A = as_matrix(A, "A")
    m, n = A.shape
    k = check_int(k, "k", low=1, high=min(m, n))
    method = check_choice(method, "method", ("qr", "randomized", "sampled"))
    oversample = check_int(oversample, "oversample", low=0)
    gen = as_rng(rng)

    if method == "qr":
        R, piv = scipy.linalg.qr(A, mode="r", pivoting=True, check_finite=False)
        return piv[:k].astype(np.intp), _interpolation_matrix(R, piv, k, m)

    if method == "sampled":
        sample = np.sort(gen.choice(n, size=min(k + oversample, n), replace=False))
        _, spiv = scipy.linalg.qr(A[:, sample], mode="r", pivoting=True, check_finite=False)
        idx = sample[spiv[:k]].astype(np.intp)
        order = np.concatenate([idx, np.setdiff1d(np.arange(n), idx)]).astype(np.intp)
        return idx, _least_squares_interpolation(A, order, k)

    Y = gen.standard_normal((k + oversample, m)) @ A
    _, piv = scipy.linalg.qr(Y, mode="r", pivoting=True, check_finite=False)
    return piv[:k].astype(np.intp), _least_squares_interpolation(A, piv, k)
