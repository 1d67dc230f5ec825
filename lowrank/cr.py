"""CR approximation: multiply faster by sampling columns of A and rows of B.

Chapter: ``chapters/cr.ipynb``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_indices, as_matrix, as_rng, as_vector, check_choice, check_int
from .pinv import pinv

__all__ = ["cr_probabilities", "cr_matmul", "cr_expected_error", "cr_top_k", "cr_greedy", "cr_middle"]

_KINDS = ("optimal", "uniform")
# A probability vector may miss 1 by rounding; numpy's Generator.choice accepts
# the same slack (sqrt of the machine epsilon) before renormalizing.
_SUM_TOL = float(np.sqrt(np.finfo(np.float64).eps))
# Squared norms outside [2**-900, 2**1000] may have lost digits to underflow
# or overflowed; those lines are recomputed after an exact rescaling.
_TINY_SQUARE, _HUGE_SQUARE = 2.0**-900, 2.0**1000


def _check_product(A: ArrayLike, B: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate A and B as real matrices whose product ``A @ B`` is defined."""
    A = as_matrix(A, "A")
    B = as_matrix(B, "B")
    if A.shape[1] != B.shape[0]:
        raise ValueError(
            "A and B must have matching inner dimensions (columns of A = rows of B), "
            f"got A of shape {A.shape} and B of shape {B.shape}"
        )
    return A, B


def _log2_norms(M: NDArray[np.float64], axis: int) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    """Norms of the columns (``axis=0``) or rows (``axis=1``) of M as ``mant * 2**expo``.

    The pair never overflows or underflows, whatever the size of the entries.
    """
    spec = "ij,ij->j" if axis == 0 else "ij,ij->i"
    sq = np.einsum(spec, M, M)
    mant, expo = np.frexp(np.sqrt(sq))
    # Lines whose sum of squares overflowed or underflowed: redo them scaled by a
    # power of two near their own largest entry (an exact scaling).
    redo = np.flatnonzero((sq < _TINY_SQUARE) | (sq > _HUGE_SQUARE))
    if redo.size:
        part = np.take(M, redo, axis=1 - axis)
        shift = np.frexp(np.abs(part).max(axis=axis))[1]  # 0 for a zero line
        part = np.ldexp(part, -shift if axis == 0 else -shift[:, None])
        mant[redo], extra = np.frexp(np.sqrt(np.einsum(spec, part, part)))
        expo[redo] = extra + shift
    return mant, expo


def _term_weights(
    A: NDArray[np.float64], B: NDArray[np.float64]
) -> tuple[NDArray[np.float64], int, NDArray[np.int_]]:
    """``w_i = ||A[:, i]|| ||B[i, :]|| / 2**E`` with the largest ``w_i`` in [1/4, 1).

    Returns ``w``, ``E`` and the exponents ``ea`` of the column norms of A
    (``||A[:, i]|| / 2**ea_i`` lies in [1/2, 1)). Terms more than ~2**-1070
    times smaller than the largest one come out as 0.
    """
    ma, ea = _log2_norms(A, axis=0)
    mb, eb = _log2_norms(B, axis=1)
    prod = ma * mb
    e = ea + eb
    if not np.any(prod):
        return np.zeros(A.shape[1]), 0, ea
    E = int(e[prod > 0].max())
    return np.ldexp(prod, e - E), E, ea


def _probabilities_from_weights(w: NDArray[np.float64], kind: str) -> NDArray[np.float64]:
    n = w.size
    total = w.sum()
    if kind == "uniform" or total == 0.0:
        # All terms zero: A @ B = 0 and every p gives the exact answer; use uniform.
        return np.full(n, 1.0 / n)
    return w / total


def _check_probability_vector(p: ArrayLike, n: int) -> NDArray[np.float64]:
    p = as_vector(p, "p")
    if p.size != n:
        raise ValueError(f"p must have length {n} (columns of A = rows of B), got length {p.size}")
    if np.any(p < 0):
        raise ValueError("p must be non-negative (a probability vector)")
    total = p.sum()
    if abs(total - 1.0) > _SUM_TOL:
        raise ValueError(f"p must sum to 1 (a probability vector), got sum {total!r}")
    return p / total


def _resolve_p(p: Any, A: NDArray[np.float64], B: NDArray[np.float64]) -> NDArray[np.float64]:
    """Turn ``p`` (a kind or a vector) into a probability vector of length ``n``."""
    if isinstance(p, str):
        kind = check_choice(p, "p", _KINDS)
        # Uniform needs no norms: skip the O(n (m + q)) pass.
        w = _term_weights(A, B)[0] if kind == "optimal" else np.zeros(A.shape[1])
        return _probabilities_from_weights(w, kind)
    return _check_probability_vector(p, A.shape[1])


def cr_probabilities(A: ArrayLike, B: ArrayLike, kind: str = "optimal") -> NDArray[np.float64]:
    """Sampling probabilities for the column-row (CR) estimator of ``A @ B``.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    B : array_like, shape (n, q)
        Real, finite, non-empty matrix with as many rows as ``A`` has columns.
    kind : {"optimal", "uniform"}, optional
        ``"optimal"``: ``p_i`` proportional to ``||A[:, i]|| ||B[i, :]||``,
        which minimizes the expected squared Frobenius error of
        :func:`cr_matmul`. ``"uniform"``: ``p_i = 1 / n``.

    Returns
    -------
    p : ndarray, shape (n,)
        Non-negative, summing to 1. If every term ``A[:, i] B[i, :]`` is zero
        (so ``A @ B = 0``), ``"optimal"`` returns the uniform vector.

    Raises
    ------
    TypeError
        If ``A`` or ``B`` is not numeric.
    ValueError
        If ``A`` or ``B`` is not a finite non-empty 2-D array, the inner
        dimensions differ, or ``kind`` is not one of the two names.

    Notes
    -----
    The optimal probabilities ``p_i = ||A[:, i]|| ||B[i, :]|| / sum_j
    ||A[:, j]|| ||B[j, :]||`` minimize ``sum_i ||A[:, i]||^2 ||B[i, :]||^2 /
    p_i`` over the probability simplex (Cauchy–Schwarz)
    :cite:p:`drineas2006`. The norms are computed with power-of-two rescaling
    where needed, so entries near the overflow or underflow thresholds are fine.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import cr_probabilities
    >>> A = np.array([[3.0, 0.0, 1.0], [4.0, 0.0, 0.0]])  # column norms 5, 0, 1
    >>> B = np.array([[1.0], [7.0], [2.0]])               # row norms 1, 7, 2
    >>> cr_probabilities(A, B)                             # weights 5, 0, 2
    array([0.71428571, 0.        , 0.28571429])
    >>> cr_probabilities(A, B, kind="uniform")
    array([0.33333333, 0.33333333, 0.33333333])
    """
    A, B = _check_product(A, B)
    kind = check_choice(kind, "kind", _KINDS)
    w = _term_weights(A, B)[0]
    return _probabilities_from_weights(w, kind)


def cr_matmul(
    A: ArrayLike,
    B: ArrayLike,
    k: int,
    *,
    p: str | ArrayLike = "optimal",
    rng: Any = None,
) -> NDArray[np.float64]:
    """Approximate ``A @ B`` by ``C @ R`` built from ``k`` sampled columns of A and rows of B.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    B : array_like, shape (n, q)
        Real, finite, non-empty matrix with as many rows as ``A`` has columns.
    k : int
        Number of draws, ``k >= 1`` (``k > n`` is allowed: the draws are
        with replacement).
    p : {"optimal", "uniform"} or array_like, shape (n,), optional
        The sampling probabilities: a kind understood by
        :func:`cr_probabilities`, or a non-negative vector summing to 1.
        An index with ``p_i = 0`` is never drawn; if its term
        ``A[:, i] B[i, :]`` is non-zero the estimator is biased (its mean
        misses that term).
    rng : None, int or numpy.random.Generator, optional
        Source of the draws; an int seed gives reproducible results.

    Returns
    -------
    ndarray, shape (m, q)
        ``C @ R`` with ``C = A[:, idx] / (k p[idx])`` and ``R = B[idx, :]``,
        where ``idx`` holds ``k`` i.i.d. draws from ``p``. Its rank is at
        most ``k``.

    Raises
    ------
    TypeError
        If ``A``, ``B`` or ``p`` is not numeric, ``k`` is not an integer, or
        ``rng`` is not a seed or Generator.
    ValueError
        If ``A`` or ``B`` is not a finite non-empty 2-D array, the inner
        dimensions differ, ``k < 1``, ``p`` is an unknown kind, or ``p`` is
        not a probability vector of length ``n`` (negative entries, or a sum
        off 1 by more than ``sqrt(eps)``).

    Notes
    -----
    ``A @ B = sum_i A[:, i] B[i, :]``. Each draw ``i`` with probability
    ``p_i`` gives the unbiased estimate ``A[:, i] B[i, :] / p_i``; ``C @ R``
    averages ``k`` of them, so ``E[C R] = A B`` when every non-zero term
    has ``p_i > 0``, and the expected squared Frobenius error is
    :func:`cr_expected_error` :cite:p:`drineas2006`. The cost is
    ``O(m k q)`` instead of ``O(m n q)``, plus ``O(n (m + q))`` for the
    optimal probabilities. The indices are ``rng.choice(n, size=k, p=p)``,
    so a given seed and ``p`` always select the same columns.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import cr_matmul
    >>> A = np.array([[1.0, 2.0]])
    >>> B = np.array([[3.0], [6.0]])   # terms 3 and 12, optimal p = (0.2, 0.8)
    >>> cr_matmul(A, B, 1, rng=0)      # each draw gives 3 / 0.2 = 12 / 0.8 = 15
    array([[15.]])
    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.standard_normal((40, 300)), rng.standard_normal((300, 30))
    >>> cr_matmul(A, B, 60, p="uniform", rng=1).shape
    (40, 30)
    """
    A, B = _check_product(A, B)
    k = check_int(k, "k", low=1)
    gen = as_rng(rng)
    p = _resolve_p(p, A, B)
    idx = gen.choice(p.size, size=k, p=p)
    # Drawn indices have p > 0, so the scaling is finite.
    C = A[:, idx] * (1.0 / (k * p[idx]))
    return C @ B[idx, :]


def cr_expected_error(A: ArrayLike, B: ArrayLike, k: int, p: str | ArrayLike) -> float:
    """Exact expected squared Frobenius error ``E||A B - C R||_F^2`` of :func:`cr_matmul`.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    B : array_like, shape (n, q)
        Real, finite, non-empty matrix with as many rows as ``A`` has columns.
    k : int
        Number of draws, ``k >= 1``.
    p : {"optimal", "uniform"} or array_like, shape (n,)
        The sampling probabilities, as in :func:`cr_matmul`.

    Returns
    -------
    float
        ``(sum_i ||A[:, i]||^2 ||B[i, :]||^2 / p_i - ||A B||_F^2) / k``, where
        terms with ``A[:, i] B[i, :] = 0`` and ``p_i = 0`` count as 0;
        ``inf`` if the value exceeds the float64 range.

    Raises
    ------
    TypeError
        If ``A``, ``B`` or ``p`` is not numeric, or ``k`` is not an integer.
    ValueError
        As :func:`cr_matmul`; and if ``p`` gives probability 0 to an index
        whose term ``A[:, i] B[i, :]`` is non-zero: the estimator is then
        biased and the formula does not apply.

    Notes
    -----
    One draw ``X = A[:, i] B[i, :] / p_i`` has ``E[X] = A B`` and
    ``E||X||_F^2 = sum_i ||A[:, i]||^2 ||B[i, :]||^2 / p_i``; the average of
    ``k`` independent draws divides the variance by ``k``
    :cite:p:`drineas2006`. With the optimal probabilities the value is
    ``((sum_i ||A[:, i]|| ||B[i, :]||)^2 - ||A B||_F^2) / k <=
    ||A||_F^2 ||B||_F^2 / k``. The difference of two non-negative sums is
    computed, so the result carries an absolute rounding error of about
    ``n eps`` times the first sum; it is clipped at 0 (the true value is
    never negative).

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import cr_expected_error
    >>> A = np.eye(2)
    >>> B = np.eye(2)                  # A B = I; terms e1 e1^T and e2 e2^T
    >>> cr_expected_error(A, B, 1, "optimal")   # (1/0.5 + 1/0.5 - 2) / 1
    2.0
    >>> cr_expected_error(A, B, 4, [0.2, 0.8])    # (1/0.2 + 1/0.8 - 2) / 4
    1.0625
    """
    A, B = _check_product(A, B)
    k = check_int(k, "k", low=1)
    p = _resolve_p(p, A, B)
    w, E, ea = _term_weights(A, B)
    zero_mass = (p == 0) & (w > 0)
    if np.any(zero_mass):
        i = int(np.flatnonzero(zero_mass)[0])
        raise ValueError(
            f"p gives probability 0 to index {i}, whose term A[:, {i}] B[{i}, :] is non-zero: "
            "the CR estimator is then biased and the expected-error formula does not apply"
        )
    keep = w > 0
    if not np.any(keep):
        return 0.0  # every term is zero: so are A B and every C R
    # A B / 2**E from exactly rescaled columns of A (norms in [1/2, 1)) and rows of
    # B (norms <= 1), so nothing overflows; the zero terms are left out.
    if not np.all(keep):
        A, B, ea = A[:, keep], B[keep, :], ea[keep]
    AB = np.ldexp(A, -ea) @ np.ldexp(B, (ea - E)[:, None])
    with np.errstate(over="ignore"):  # a tiny p_i or huge entries: the answer is inf
        second_moment = float(np.sum(w[keep] ** 2 / p[keep]))
        err = max((second_moment - float(np.sum(AB * AB))) / k, 0.0)
        return float(np.ldexp(err, 2 * E))


def cr_top_k(A: ArrayLike, B: ArrayLike, k: int) -> NDArray[np.float64]:
    """Deterministic CR: the sum of the ``k`` terms ``A[:, i] B[i, :]`` with the largest norms.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    B : array_like, shape (n, q)
        Real, finite, non-empty matrix with as many rows as ``A`` has columns.
    k : int
        Number of terms kept, ``1 <= k <= n``.

    Returns
    -------
    ndarray, shape (m, q)
        ``A[:, T] @ B[T, :]``, where ``T`` holds the ``k`` indices with the
        largest ``w_i = ||A[:, i]|| ||B[i, :]||`` (ties go to the smaller
        index). No scaling: each kept term appears once.

    Raises
    ------
    TypeError
        If ``A`` or ``B`` is not numeric or ``k`` is not an integer.
    ValueError
        If ``A`` or ``B`` is not a finite non-empty 2-D array, the inner
        dimensions differ, or ``k`` is not in ``[1, n]``.

    Notes
    -----
    ``w_i = ||A[:, i] B[i, :]||_F`` is the size of the ``i``-th rank-one term
    of ``A @ B = sum_i A[:, i] B[i, :]``. If these terms are pairwise
    orthogonal in the Frobenius inner product,
    ``<A[:, i] B[i, :], A[:, j] B[j, :]> = (A[:, i] . A[:, j]) (B[i, :] . B[j, :]) = 0``,
    then ``||A B - A[:, T] B[T, :]||_F^2 = sum_{i not in T} w_i^2``, and keeping
    the largest ``w_i`` is the best choice of ``k`` terms; if moreover the
    columns of ``A`` and the rows of ``B`` are orthogonal, the result is the
    truncated SVD of ``A @ B`` :cite:p:`eckart1936`. Without orthogonality,
    large terms may cancel and the choice can be poor. The weights are those
    of the optimal sampling probabilities :cite:p:`drineas2006`; the cost is
    ``O(n (m + q) + m k q)``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import cr_top_k
    >>> A = np.diag([1.0, 3.0, 2.0])  # orthogonal columns, norms 1, 3, 2
    >>> B = np.eye(3)                  # orthogonal rows: A @ B = A is an SVD
    >>> cr_top_k(A, B, 2)              # keeps terms 1 and 2, drops term 0
    array([[0., 0., 0.],
           [0., 3., 0.],
           [0., 0., 2.]])
    """
    A, B = _check_product(A, B)
    k = check_int(k, "k", low=1, high=A.shape[1])
    w = _term_weights(A, B)[0]
    top = np.sort(np.argsort(-w, kind="stable")[:k])
    return A[:, top] @ B[top, :]


def _term_gram(A: NDArray[np.float64], B: NDArray[np.float64]) -> NDArray[np.float64]:
    """``((A^T A) o (B B^T)) / 4**E``: the Gram matrix of the terms ``A[:, i] B[i, :]``.

    Entry ``(i, j)`` is the Frobenius inner product of terms ``i`` and ``j``,
    ``(A[:, i] . A[:, j]) (B[i, :] . B[j, :])``. The columns of A and rows of B
    are first rescaled exactly by powers of two to norms in [1/2, 1), and the
    common power ``4**E`` (``E`` as in :func:`_term_weights`) is taken out, so
    nothing overflows; the largest diagonal entry lies in [1/16, 1).
    """
    ma, ea = _log2_norms(A, axis=0)
    mb, eb = _log2_norms(B, axis=1)
    prod = ma * mb
    if not np.any(prod):
        return np.zeros((A.shape[1], A.shape[1]))
    As, Bs = np.ldexp(A, -ea), np.ldexp(B, -eb[:, None])
    gram = (As.T @ As) * (Bs @ Bs.T)
    shift = ea + eb - int((ea + eb)[prod > 0].max())  # > 0 only on zero terms, whose rows are 0
    return np.ldexp(gram, shift[:, None] + shift[None, :])


def cr_greedy(A: ArrayLike, B: ArrayLike, k: int) -> NDArray[np.intp]:
    """Greedy removal: drop the terms of ``A @ B = sum_i A[:, i] B[i, :]`` one at a time, keep ``k``.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    B : array_like, shape (n, q)
        Real, finite, non-empty matrix with as many rows as ``A`` has columns.
    k : int
        Number of terms kept, ``1 <= k <= n``.

    Returns
    -------
    ndarray of int, shape (k,)
        The kept indices ``S``, sorted. The approximation is
        ``A[:, S] @ B[S, :]`` (no scaling; use :func:`cr_middle` for the best
        middle matrix on these columns).

    Raises
    ------
    TypeError
        If ``A`` or ``B`` is not numeric or ``k`` is not an integer.
    ValueError
        If ``A`` or ``B`` is not a finite non-empty 2-D array, the inner
        dimensions differ, or ``k`` is not in ``[1, n]``.

    Notes
    -----
    Start from all ``n`` terms and remove, ``n - k`` times, the term whose
    removal increases the error ``||A B - A[:, S] B[S, :]||_F^2`` least
    :cite:p:`su2024cr`. With ``H = (A^T A) o (B B^T)`` (``o`` the entrywise
    product; ``H_ij`` is the Frobenius inner product of terms ``i`` and
    ``j``) and ``D`` the set of removed indices, the error is
    ``sum_{i, j in D} H_ij``, so removing ``j`` increases it by
    ``H_jj + 2 sum_{i in D} H_ij``. One pass keeps the running sums
    ``sum_{i in D} H[:, i]``: cost ``O(n^2 (m + q))`` for ``H`` and ``O(n^2)``
    for the ``n - k`` removal steps, memory ``O(n^2)``. The first removal
    drops the smallest ``||A[:, i]|| ||B[i, :]||``; later ones account for
    how the terms interact, so the result can differ from :func:`cr_top_k`
    (it equals it when the terms are pairwise orthogonal). Greedy removal is
    not always the best choice of ``k`` terms. Ties are broken by removing
    the larger index, so, as in :func:`cr_top_k`, the smaller index is kept.
    Columns and rows are rescaled by exact powers of two, so entries near the
    overflow or underflow thresholds are fine.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import cr_greedy, cr_top_k
    >>> A = np.array([[3.0, -2.0, 0.0], [0.0, 0.0, 2.5]])
    >>> B = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> A @ B                   # terms 3 E11, -2 E11 and 2.5 E22: the first two nearly cancel
    array([[1. , 0. ],
           [0. , 2.5]])
    >>> cr_greedy(A, B, 1)      # removes -2 E11 (the lightest), then 3 E11
    array([2])
    >>> cr_top_k(A, B, 1)       # keeps the heaviest term 3 E11 instead
    array([[3., 0.],
           [0., 0.]])
    """
    A, B = _check_product(A, B)
    n = A.shape[1]
    k = check_int(k, "k", low=1, high=n)
    H = _term_gram(A, B)
    own = np.diag(H).copy()  # H_jj = ||A[:, j]||^2 ||B[j, :]||^2 (scaled)
    with_removed = np.zeros(n)  # sum over removed i of H[:, i]
    kept = np.ones(n, dtype=bool)
    for _ in range(n - k):  # removal steps: one term leaves per step
        increase = np.where(kept, own + 2.0 * with_removed, np.inf)
        j = n - 1 - int(np.argmin(increase[::-1]))  # the last of the minimizers
        kept[j] = False
        with_removed += H[:, j]
    return np.flatnonzero(kept)


_MIDDLES = ("full", "diagonal")


def cr_middle(A: ArrayLike, B: ArrayLike, cols: ArrayLike, kind: str = "full") -> NDArray[np.float64]:
    """Optimal middle matrix for ``A @ B ~ C M R`` with ``C = A[:, cols]`` and ``R = B[cols, :]``.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Real, finite, non-empty matrix.
    B : array_like, shape (n, q)
        Real, finite, non-empty matrix with as many rows as ``A`` has columns.
    cols : array_like of int, shape (k,)
        Indices in ``[0, n)`` of the kept columns of ``A`` and rows of ``B``;
        repeats are allowed (as produced by sampling with replacement).
    kind : {"full", "diagonal"}, optional
        ``"full"``: the best ``k x k`` matrix ``M``. ``"diagonal"``: the best
        diagonal ``M = diag(lam)``, returned as the vector ``lam``.

    Returns
    -------
    ndarray, shape (k, k) for ``"full"`` or (k,) for ``"diagonal"``
        The minimizer of ``||A B - C M R||_F`` of smallest norm. The
        approximation is ``A[:, cols] @ M @ B[cols, :]`` or
        ``(A[:, cols] * lam) @ B[cols, :]``.

    Raises
    ------
    TypeError
        If ``A``, ``B`` or ``cols`` is not numeric, or ``cols`` does not
        hold integers.
    ValueError
        If ``A`` or ``B`` is not a finite non-empty 2-D array, the inner
        dimensions differ, ``cols`` is not a non-empty 1-D array of indices
        in ``[0, n)``, or ``kind`` is not one of the two names.

    Notes
    -----
    Full: ``M* = C^+ A B R^+`` :cite:p:`penrose1955`. It satisfies the normal
    equations ``C^T C M R R^T = C^T A B R^T`` because ``C^T C C^+ = C^T`` and
    ``R^+ R R^T = R^T``; it is computed as ``(C^+ A)(B R^+)``, so ``A B`` is
    never formed (cost ``O(k n (m + q))``).

    Diagonal: setting the gradient of ``||A B - C diag(lam) R||_F^2`` to zero
    gives ``((C^T C) o (R R^T)) lam = diag(C^T A B R^T)``, where ``o`` is
    the entrywise (Hadamard) product and the right side is the row sums of
    ``(C^T A) o (R B^T)``, again without forming ``A B``. The Gram matrix
    ``(C^T C) o (R R^T)`` of the rank-one terms is solved with
    :func:`lowrank.pinv` (minimum-norm solution when terms repeat); its
    condition number is the square of that of the terms, so accuracy drops
    for nearly dependent terms. The sampling weights ``lam_i = 1 / (k p_i)``
    of :func:`cr_matmul` are one diagonal choice, so the optimal one is never
    worse on the same columns :cite:p:`drineas2006`.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import cr_middle
    >>> A = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> B = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> A @ B
    array([[2., 1.],
           [1., 2.]])
    >>> cr_middle(A, B, [0, 1])     # C = R = I: the best middle is A @ B itself
    array([[2., 1.],
           [1., 2.]])
    >>> cr_middle(A, B, [0, 1], kind="diagonal")  # the best diagonal one
    array([2., 2.])
    """
    A, B = _check_product(A, B)
    idx = as_indices(cols, "cols", A.shape[1])
    kind = check_choice(kind, "kind", _MIDDLES)
    C, R = A[:, idx], B[idx, :]
    if kind == "full":
        return (pinv(C) @ A) @ (B @ pinv(R))
    gram = (C.T @ C) * (R @ R.T)
    rhs = np.einsum("ij,ij->i", C.T @ A, R @ B.T)
    return pinv(gram) @ rhs
