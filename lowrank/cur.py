"""The CUR decomposition: a matrix from some of its columns and some of its rows.

Chapter: ``chapters/cur.ipynb``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_matrix, as_rng, check_choice, check_int, check_positive
from .interpolative import interp_decomp
from .pinv import pinv

__all__ = ["cur", "deim_indices"]


def _leverage_sample(scores: NDArray[np.float64], k: int, gen: np.random.Generator) -> NDArray[np.intp]:
    """``k`` distinct indices drawn without replacement with probabilities proportional to ``scores``.

    Indices with (numerically) zero score are drawn only when fewer than ``k``
    indices have a positive one; the rest are then filled uniformly.
    """
    positive = scores > scores.max() * 1e-12
    n_pos = int(np.count_nonzero(positive))
    if n_pos >= k:
        chosen = gen.choice(scores.size, size=k, replace=False, p=np.where(positive, scores, 0.0) / scores[positive].sum())
    else:
        zero = np.flatnonzero(~positive)
        chosen = np.concatenate([np.flatnonzero(positive), gen.choice(zero, size=k - n_pos, replace=False)])
    return np.sort(chosen).astype(np.intp)


def _ridge_weights(
    s: NDArray[np.float64], lam: float | None, k: int = 1, shape: tuple[int, int] = (1, 1)
) -> NDArray[np.float64]:
    """The filter factors ``s_i^2 / (s_i^2 + lam)`` of the singular values ``s`` (descending, ``s >= 0``).

    Computed after scaling by ``s[0]`` (``t = s / s[0]``, ``mu = lam / s[0]^2``),
    so that ``s_i^2`` does not overflow; zero singular values get weight zero.
    ``lam=None`` is the default of :func:`cur`:
    ``mu = max(sum_{i > k} t_i^2 / k, max(m, n) eps)``, i.e.
    ``lam = max(||A - A_k||_F^2 / k, max(m, n) eps ||A||_2^2)``.
    """
    if s.size == 0 or s[0] == 0.0:
        return np.zeros_like(s)
    t = s / s[0]
    if lam is None:
        mu = max(float(np.sum(t[k:] ** 2)) / k, max(shape) * np.finfo(np.float64).eps)
    else:
        mu = (lam / s[0]) / s[0]
    return t**2 / (t**2 + mu)


def _ridge_leverage_scores(
    A: NDArray[np.float64], lam: float | None, k: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Column and row ridge leverage scores of ``A`` from its SVD (never forms ``A A^T``).

    Column ``j``: ``[A^T (A A^T + lam I)^{-1} A]_{jj} = sum_i V_{ji}^2 s_i^2 / (s_i^2 + lam)``;
    row ``i``: ``[A (A^T A + lam I)^{-1} A^T]_{ii} = sum_l U_{il}^2 s_l^2 / (s_l^2 + lam)``.
    ``lam=None`` uses the default of :func:`cur` for rank ``k``.
    """
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    w = _ridge_weights(s, lam, k, A.shape)
    return w @ Vt**2, U**2 @ w


def deim_indices(V: ArrayLike) -> NDArray[np.intp]:
    """Discrete empirical interpolation (DEIM) indices of the columns of ``V``.

    Parameters
    ----------
    V : array_like, shape (n, k)
        Real, finite matrix with ``k <= n`` linearly independent columns,
        typically ``k`` leading singular vectors.

    Returns
    -------
    idx : ndarray of int, shape (k,)
        ``k`` distinct row indices of ``V``, in the order the greedy steps
        choose them.

    Raises
    ------
    TypeError
        If ``V`` is not numeric.
    ValueError
        If ``V`` is not a finite non-empty 2-D array, has more columns than
        rows, or its columns are numerically linearly dependent.

    Notes
    -----
    The first index is ``argmax |v_1|``. At step ``j`` the column ``v_j`` is
    interpolated at the indices ``p`` chosen so far by the first ``j - 1``
    columns, and the index of the largest residual is added
    :cite:p:`sorensen2016`:

    ``r = v_j - V[:, :j-1] (V[p, :j-1])^{-1} v_j[p]``,  ``p_j = argmax |r|``.

    The residual vanishes on ``p``, so no index is chosen twice (those
    entries are set to exactly zero, which they are up to rounding). With
    the selection matrix ``S = I[:, p]``, the DEIM projector
    ``V (S^T V)^{-1} S^T`` interpolates at ``p``, and
    ``eta = ||(S^T V)^{-1}||_2`` bounds its amplification of errors; for a
    CUR decomposition ``||A - C U R||_2 <= (eta_rows + eta_cols) sigma_{k+1}``.
    The indices coincide with the pivots of Gaussian elimination with
    partial pivoting on ``V`` and do not change if columns of ``V`` change
    sign. Cost ``O(n k^2)`` plus ``O(k^4)`` for the small solves.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import deim_indices
    >>> V = np.array([[1.0, 0.0], [3.0, 1.0], [2.0, 4.0], [0.5, -1.0]])
    >>> deim_indices(V)  # |v_1| peaks at 1; v_2 - (1/3) v_1 peaks at 2
    array([1, 2])
    """
    V = as_matrix(V, "V")
    n, k = V.shape
    if k > n:
        raise ValueError(f"V must have at least as many rows as columns, got shape {V.shape}")
    s = np.linalg.svd(V, compute_uv=False)
    if s[-1] <= max(n, k) * np.finfo(np.float64).eps * s[0]:
        raise ValueError(f"V must have linearly independent columns (smallest/largest singular value {s[-1]:.2e}/{s[0]:.2e})")

    idx = np.empty(k, dtype=np.intp)
    idx[0] = np.argmax(np.abs(V[:, 0]))
    for j in range(1, k):  # the greedy steps of DEIM, one index per column
        p = idx[:j]
        residual = V[:, j] - V[:, :j] @ np.linalg.solve(V[p, :j], V[p, j])
        residual[p] = 0.0  # zero in exact arithmetic: interpolation is exact on p
        idx[j] = np.argmax(np.abs(residual))
    return idx


def cur(
    A: ArrayLike,
    k: int,
    *,
    method: str = "id",
    rng: int | np.random.Generator | None = None,
    lam: float | None = None,
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.intp]]:
    """Rank-``k`` CUR decomposition ``A ≈ A[:, cols] @ U @ A[rows, :]``.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    k : int
        Number of columns and of rows kept, ``1 <= k <= min(m, n)``.
    method : {"id", "leverage", "ridge", "deim"}, optional
        How the columns and rows are chosen. ``"id"`` (default,
        deterministic): ``cols`` are the skeleton of the column interpolative
        decomposition of ``A`` and ``rows`` that of ``A^T``, both by
        column-pivoted QR (:func:`lowrank.interp_decomp`). ``"leverage"``
        (random): ``k`` columns drawn without replacement with probabilities
        proportional to their rank-``k`` leverage scores
        ``||V_k[j, :]||^2``, and ``k`` rows likewise from ``U_k``.
        ``"ridge"`` (random): the same draw with probabilities proportional
        to the ridge leverage scores
        ``tau_j = [A^T (A A^T + lam I)^{-1} A]_{jj}`` of the columns and
        ``[A (A^T A + lam I)^{-1} A^T]_{ii}`` of the rows.
        ``"deim"`` (deterministic): ``cols = deim_indices(V_k)`` and
        ``rows = deim_indices(U_k)`` (:func:`lowrank.deim_indices`), from
        the top ``k`` right and left singular vectors.
    rng : None, int or numpy.random.Generator, optional
        Randomness for ``method="leverage"`` and ``method="ridge"``; a fixed
        seed gives identical results. Ignored by ``method="id"`` and
        ``method="deim"``.
    lam : float, optional
        The ridge parameter ``lam > 0`` of ``method="ridge"``, in the units
        of ``A**2`` (it is compared with the squared singular values).
        Default: ``max(||A - A_k||_F^2 / k, max(m, n) eps ||A||_2^2)``, the
        choice of Cohen, Musco and Musco, for which the scores sum to at
        most ``2k``; the floor keeps rounding-level directions (singular
        values near ``eps ||A||_2``) from counting. Only ``method="ridge"``
        accepts it.

    Returns
    -------
    cols : ndarray of int, shape (k,)
        Column indices, ``C = A[:, cols]``.
    U : ndarray, shape (k, k)
        The middle matrix ``C^+ A R^+`` (all methods; the chapter calls it
        ``Z``).
    rows : ndarray of int, shape (k,)
        Row indices, ``R = A[rows, :]``.

    Raises
    ------
    TypeError
        If ``A`` is not numeric, ``k`` is not an integer, ``rng`` is not a
        seed or Generator, or ``lam`` is not a real number.
    ValueError
        If ``A`` is not a finite non-empty 2-D array, ``k`` is outside
        ``[1, min(m, n)]``, ``method`` is unknown, ``lam`` is not finite
        and positive, or ``lam`` is given with a method other than
        ``"ridge"``.

    Notes
    -----
    All methods use the optimal middle matrix ``U = C^+ A R^+``
    :cite:p:`mahoney2009`, which minimizes ``||A - C U R||_F`` for the chosen
    ``C`` and ``R``; then
    ``C U R = (C C^+) A (R^+ R)`` is ``A`` projected onto the column space of
    ``C`` and the row space of ``R``, and

    ``||A - C U R||_2 <= ||A - C C^+ A||_2 + ||A - A R^+ R||_2``,

    the sum of the errors of the column ID and the row ID. With
    ``method="id"`` each of them is at least ``sigma_{k+1}`` and, on matrices
    with decaying spectra, typically within a small factor of it (the tests
    check the whole CUR error against ``6 sigma_{k+1}``; no such factor is
    guaranteed by plain pivoting). If ``rank(A) = k`` and ``C`` and ``R``
    have rank ``k``, the decomposition is exact. The cheap middle matrix
    ``pinv(A[rows][:, cols])`` (the skeleton choice; Nyström
    :cite:p:`williams2001` when ``rows = cols``) needs only the intersection
    of the chosen rows and columns; the chapter compares it with the optimal
    one :cite:p:`sorensen2016`.
    Leverage-score sampling follows :cite:t:`mahoney2009`, here with exactly
    ``k`` columns and rows (their guarantees need more). DEIM selection
    :cite:p:`sorensen2016` has the guaranteed bound
    ``||A - C U R||_2 <= (eta_p + eta_q) sigma_{k+1}``, with
    ``eta_p = ||(U_k[rows, :])^{-1}||_2`` and
    ``eta_q = ||(V_k[cols, :])^{-1}||_2``.
    Ridge leverage scores :cite:p:`cohen2017,su2025cur` are computed from
    the SVD ``A = U diag(s) V^T`` as
    ``tau_j = sum_i V_{ji}^2 s_i^2 / (s_i^2 + lam)``, without forming
    ``A A^T``; they sum to the effective dimension
    ``sum_i s_i^2 / (s_i^2 + lam)`` and tend to the rank-``k`` leverage
    scores as ``lam -> 0`` when ``rank(A) = k``. The ``"leverage"``,
    ``"ridge"`` and ``"deim"`` methods compute an SVD of ``A``,
    ``O(mn min(m, n))``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import cur
    >>> A = np.array([[34.0, 58, 52], [59, 89, 80], [17, 29, 26]])  # rank 2
    >>> cols, U, rows = cur(A, 2)
    >>> cols, rows
    (array([1, 0]), array([1, 0]))
    >>> # exact up to rounding: a few hundred eps relative, for these well-conditioned C and R
    >>> bool(np.linalg.norm(A - A[:, cols] @ U @ A[rows, :]) <= 1e-12 * np.linalg.norm(A))
    True

    Ridge leverage sampling; any two rows and any two columns of this rank-2
    matrix are independent, so every draw is exact:

    >>> B = np.outer([1.0, 2, 3], [1.0, 0, 1]) + np.outer([0.0, 1, 1], [1.0, 1, 0])
    >>> cols, U, rows = cur(B, 2, method="ridge", lam=0.1, rng=0)
    >>> bool(np.linalg.norm(B - B[:, cols] @ U @ B[rows, :]) <= 1e-12 * np.linalg.norm(B))
    True
    """
    A = as_matrix(A, "A")
    m, n = A.shape
    k = check_int(k, "k", low=1, high=min(m, n))
    method = check_choice(method, "method", ("id", "leverage", "ridge", "deim"))
    gen = as_rng(rng)
    if lam is not None:
        if method != "ridge":
            raise ValueError(f"lam applies only to method='ridge', got method={method!r}")
        lam = check_positive(lam, "lam")

    if method == "id":
        cols = interp_decomp(A, k)[0]
        rows = interp_decomp(A.T, k)[0]
    elif method == "ridge":
        col_scores, row_scores = _ridge_leverage_scores(A, lam, k)
        cols = _leverage_sample(col_scores, k, gen)
        rows = _leverage_sample(row_scores, k, gen)
    else:
        Uk, _, Vtk = np.linalg.svd(A, full_matrices=False)
        if method == "leverage":
            cols = _leverage_sample(np.sum(Vtk[:k] ** 2, axis=0), k, gen)
            rows = _leverage_sample(np.sum(Uk[:, :k] ** 2, axis=1), k, gen)
        else:
            cols = deim_indices(Vtk[:k].T)
            rows = deim_indices(Uk[:, :k])
    U = (pinv(A[:, cols]) @ A) @ pinv(A[rows, :])
    return cols, U, rows
