"""HiPPO: the linear ODEs that keep an online polynomial summary of a signal.

Chapter: ``chapters/hippo.ipynb``.

The coefficients ``c(t)`` of the projection of a signal's history onto
orthonormal Legendre polynomials obey a linear ODE ``c' = A c + B f``
(HiPPO-LegT) or ``c' = (A c + B f) / t`` (HiPPO-LegS). This module builds
``(A, B)`` for both measures, for Fourier bases on a sliding window and on the
whole history, and turns a continuous system into a discrete recurrence
``c_k = Ab c_{k-1} + Bb f_k``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from ._validation import (
    as_matrix,
    as_vector,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)

__all__ = [
    "hippo_legs",
    "hippo_legt",
    "hippo_fourier",
    "hippo_fourier_scaled",
    "discretize",
    "legs_matvec",
    "legs_solve",
]

_METHODS = ("bilinear", "zoh", "forward_euler", "backward_euler")


def hippo_legs(N: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """HiPPO-LegS matrices: memory of ``f`` on ``[0, t]`` under the uniform measure.

    Parameters
    ----------
    N : int
        Number of Legendre coefficients kept, ``N >= 1``.

    Returns
    -------
    A : ndarray, shape (N, N)
        Lower triangular; ``A[n, k] = -sqrt((2n+1)(2k+1))`` for ``n > k``,
        ``-(n+1)`` for ``n = k`` and ``0`` for ``n < k``.
    B : ndarray, shape (N,)
        ``B[n] = sqrt(2n+1)``.

    Raises
    ------
    TypeError
        If ``N`` is not an integer.
    ValueError
        If ``N < 1``.

    Notes
    -----
    With ``g_n(t, x) = sqrt(2n+1) P_n(2x/t - 1)`` (orthonormal for the
    uniform probability measure on ``[0, t]``) and
    ``c_n(t) = (1/t) int_0^t f(x) g_n(t, x) dx``, the coefficients satisfy
    ``c'(t) = (A c(t) + B f(t)) / t`` :cite:p:`gu2020hippo`. The eigenvalues
    of ``A`` are its diagonal entries ``-1, ..., -N``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import hippo_legs
    >>> A, B = hippo_legs(3)
    >>> np.round(A**2, 12)  # squares of the entries are integers
    array([[ 1.,  0.,  0.],
           [ 3.,  4.,  0.],
           [ 5., 15.,  9.]])
    >>> B**2
    array([1., 3., 5.])
    """
    N = check_int(N, "N", low=1)
    n = np.arange(N)
    r = np.sqrt(2.0 * n + 1.0)
    A = -np.tril(np.outer(r, r), -1) - np.diag(n + 1.0)
    return A, r


def hippo_legt(N: int, theta: float = 1.0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """HiPPO-LegT matrices: memory of ``f`` on the sliding window ``[t - theta, t]``.

    Parameters
    ----------
    N : int
        Number of Legendre coefficients kept, ``N >= 1``.
    theta : float, optional
        Window length, ``theta > 0``. Default 1.

    Returns
    -------
    A : ndarray, shape (N, N)
        ``A[n, k] = -(1/theta) sqrt((2n+1)(2k+1))`` for ``n >= k`` and
        ``-(1/theta) sqrt((2n+1)(2k+1)) (-1)^(n-k)`` for ``n < k``.
    B : ndarray, shape (N,)
        ``B[n] = sqrt(2n+1) / theta``.

    Raises
    ------
    TypeError
        If ``N`` is not an integer or ``theta`` is not a real number.
    ValueError
        If ``N < 1`` or ``theta <= 0`` (or is not finite).

    Notes
    -----
    With ``g_n(t, x) = sqrt(2n+1) P_n(2(x-t)/theta + 1)`` and
    ``c_n(t) = (1/theta) int_{t-theta}^t f(x) g_n(t, x) dx``, differentiating
    gives a term in ``f(t - theta)``; replacing that value by its
    reconstruction ``sum_k c_k(t) g_k(t, t - theta)`` closes the system
    ``c' = A c + B f`` :cite:p:`voelker2019,gu2020hippo`. The ODE is exact
    whenever ``f`` is a polynomial of degree ``< N`` on the window.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import hippo_legt
    >>> A, B = hippo_legt(3, theta=0.5)
    >>> np.sign(A)  # -1 on and below the diagonal, alternating above it
    array([[-1.,  1., -1.],
           [-1., -1.,  1.],
           [-1., -1., -1.]])
    >>> np.round((B * 0.5)**2, 12)  # B = sqrt(2n+1) / theta
    array([1., 3., 5.])
    """
    N = check_int(N, "N", low=1)
    theta = check_positive(theta, "theta")
    n = np.arange(N)
    r = np.sqrt(2.0 * n + 1.0)
    diff = n[:, None] - n[None, :]
    sign = np.where((diff >= 0) | (diff % 2 == 0), 1.0, -1.0)
    A = -(sign * np.outer(r, r)) / theta
    return A, r / theta


def hippo_fourier(N: int, w: float = 1.0) -> tuple[NDArray[np.complex128], NDArray[np.complex128]]:
    """Fourier memory of ``f`` on the sliding window ``[t - w, t]``.

    Parameters
    ----------
    N : int
        Number of Fourier coefficients kept (frequencies ``0, ..., N-1``),
        ``N >= 1``.
    w : float, optional
        Window length, ``w > 0``. Default 1.

    Returns
    -------
    A : ndarray, shape (N, N), complex
        ``A[n, n] = (2 pi i n - 1) / w`` and ``A[n, k] = -1 / w`` for ``n != k``.
    B : ndarray, shape (N,), complex
        ``B[n] = 1 / w``.

    Raises
    ------
    TypeError
        If ``N`` is not an integer or ``w`` is not a real number.
    ValueError
        If ``N < 1`` or ``w <= 0`` (or is not finite).

    Notes
    -----
    With ``c_n(t) = (1/w) int_{t-w}^t f(x) exp(-2 pi i n (x - t) / w) dx``,
    the Leibniz rule gives
    ``c_n' = (2 pi i n / w) c_n + (f(t) - f(t - w)) / w``. Replacing
    ``f(t - w)`` by its reconstruction ``sum_k c_k(t)`` (every basis function
    equals 1 at ``x = t - w``) closes the system ``c' = A c + B f``
    :cite:p:`gu2020hippo`. It is exact when ``f`` is a trigonometric
    polynomial of period ``w`` with frequencies ``0, ..., N-1``. Only these
    non-negative frequencies are kept: a real ``f`` also has the conjugate
    coefficients ``c_{-n} = conj(c_n)``, which the reconstruction of
    ``f(t - w)`` then misses, so for a real signal the closed system is not
    exact; the symmetric set ``-N, ..., N`` :cite:p:`su2024hippo` (the same
    formulas with those ``n``) is.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import hippo_fourier
    >>> A, B = hippo_fourier(3, w=2.0)
    >>> bool(np.all(A * 2.0 - np.diag(2j * np.pi * np.arange(3)) == -1))
    True
    >>> B
    array([0.5+0.j, 0.5+0.j, 0.5+0.j])
    """
    N = check_int(N, "N", low=1)
    w = check_positive(w, "w")
    A = np.full((N, N), -1.0 / w, dtype=np.complex128)
    A[np.diag_indices(N)] += 2j * np.pi * np.arange(N) / w
    return A, np.full(N, 1.0 / w, dtype=np.complex128)


def hippo_fourier_scaled(N: int) -> tuple[NDArray[np.complex128], NDArray[np.complex128]]:
    """Fourier memory of ``f`` on the whole history ``[0, t]`` (the LegS measure).

    Parameters
    ----------
    N : int
        Highest frequency kept, ``N >= 0``. The state holds the ``2N + 1``
        coefficients ``c_{-N}, ..., c_N``, in that order.

    Returns
    -------
    A : ndarray, shape (2N+1, 2N+1), complex
        With frequencies ``n, k = -N, ..., N`` at positions ``N + n, N + k``:
        ``A[n, n] = i pi n - 1`` and ``A[n, k] = -n / (n - k)`` for ``n != k``.
    B : ndarray, shape (2N+1,), complex
        All ones.

    Raises
    ------
    TypeError
        If ``N`` is not an integer.
    ValueError
        If ``N < 0``.

    Notes
    -----
    With the uniform probability measure on ``[0, t]`` and the Fourier basis
    of the scaled time ``u = x / t``, the coefficients are
    ``c_n(t) = (1/t) int_0^t f(x) exp(-2 pi i n x / t) dx
    = int_0^1 f(t u) exp(-2 pi i n u) du``. Differentiating, integrating by
    parts and expanding ``u = 1/2 + sum_{k != 0} (i / (2 pi k)) exp(2 pi i k u)``
    gives, for every integer ``n``,

    ``t c_n' = f(t) + (i pi n - 1) c_n - sum_{k != n} n / (n - k) c_k``

    :cite:p:`su2024hippo2`. The sum runs over all integers ``k``; keeping
    ``|n|, |k| <= N`` gives ``c' = (A c + B f) / t``, which is exact at an
    instant ``t`` when ``u -> f(t u)`` is a trigonometric polynomial of degree
    ``<= N`` and an approximation otherwise. For a real ``f`` the coefficients
    satisfy ``c_{-n} = conj(c_n)``, and the truncated system keeps that
    symmetry (``A[-n, -k] = conj(A[n, k])``). ``N = 0`` is the running mean,
    ``t c_0' = f(t) - c_0``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import hippo_fourier_scaled
    >>> A, B = hippo_fourier_scaled(1)  # frequencies -1, 0, 1
    >>> A.real
    array([[-1. , -1. , -0.5],
           [ 0. , -1. ,  0. ],
           [-0.5, -1. , -1. ]])
    >>> A.imag / np.pi
    array([[-1.,  0.,  0.],
           [ 0.,  0.,  0.],
           [ 0.,  0.,  1.]])
    >>> B
    array([1.+0.j, 1.+0.j, 1.+0.j])
    """
    N = check_int(N, "N", low=0)
    n = np.arange(-N, N + 1, dtype=np.float64)
    diff = n[:, None] - n[None, :]
    off_diagonal = np.divide(-n[:, None], diff, out=np.zeros_like(diff), where=diff != 0)
    A = (off_diagonal + 0.0).astype(np.complex128)  # + 0.0 turns the -0.0 of row n = 0 into 0.0
    A[np.diag_indices(2 * N + 1)] = 1j * np.pi * n - 1.0
    return A, np.ones(2 * N + 1, dtype=np.complex128)


def discretize(
    A: ArrayLike,
    B: ArrayLike,
    dt: float,
    method: str = "bilinear",
) -> tuple[NDArray[np.inexact], NDArray[np.inexact]]:
    """Discretize ``x' = A x + B u`` with step ``dt`` into ``x_k = Ab x_{k-1} + Bb u_k``.

    Parameters
    ----------
    A : array_like, shape (N, N)
        State matrix (real or complex).
    B : array_like, shape (N,)
        Input vector (real or complex).
    dt : float
        Step size, ``dt > 0``.
    method : {"bilinear", "zoh", "forward_euler", "backward_euler"}, optional
        Discretization rule. Default ``"bilinear"``.

    Returns
    -------
    Ab : ndarray, shape (N, N)
        Discrete state matrix (complex if ``A`` or ``B`` is complex).
    Bb : ndarray, shape (N,)
        Discrete input vector.

    Raises
    ------
    TypeError
        If ``A``, ``B`` or ``dt`` is not numeric.
    ValueError
        If ``A`` is not square, ``B`` does not have length ``N``, an array
        holds NaN/inf, ``dt <= 0``, ``method`` is unknown, or the matrix to
        invert (``I - dt A`` or ``I - dt A / 2``) is singular.

    Notes
    -----
    With ``I`` the identity :cite:p:`gu2020hippo`:

    - forward Euler: ``Ab = I + dt A``, ``Bb = dt B``;
    - backward Euler: ``Ab = (I - dt A)^{-1}``, ``Bb = dt (I - dt A)^{-1} B``;
    - bilinear (trapezoid, Tustin): ``Ab = (I - dt A/2)^{-1} (I + dt A/2)``,
      ``Bb = dt (I - dt A/2)^{-1} B``;
    - zero-order hold (``u`` constant over a step):
      ``Ab = exp(dt A)``, ``Bb = int_0^dt exp(s A) ds B``, which equals
      ``A^{-1} (exp(dt A) - I) B`` when ``A`` is invertible. Both blocks are
      read off one exponential ``expm(dt [[A, B], [0, 0]])``, which needs no
      inverse of ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import discretize
    >>> Ab, Bb = discretize([[-2.0]], [1.0], 0.5, method="bilinear")
    >>> Ab, Bb  # (1 - 0.5) / (1 + 0.5) and 0.5 / (1 + 0.5)
    (array([[0.33333333]]), array([0.33333333]))
    >>> Ab, Bb = discretize([[-2.0]], [1.0], 0.5, method="zoh")
    >>> bool(np.isclose(Ab[0, 0], np.exp(-1.0))), bool(np.isclose(Bb[0], (1 - np.exp(-1.0)) / 2))
    (True, True)
    """
    A = as_matrix(A, "A", allow_complex=True)
    B = as_vector(B, "B", allow_complex=True)
    N = A.shape[0]
    if A.shape != (N, N):
        raise ValueError(f"A must be square, got shape {A.shape}")
    if B.shape != (N,):
        raise ValueError(f"B must have length {N} (the size of A), got shape {B.shape}")
    dt = check_positive(dt, "dt")
    method = check_choice(method, "method", _METHODS)
    dtype = np.result_type(A, B)
    eye = np.eye(N, dtype=dtype)

    if method == "forward_euler":
        return eye + dt * A, dt * B
    if method == "zoh":
        block = np.zeros((N + 1, N + 1), dtype=dtype)
        block[:N, :N] = dt * A
        block[:N, N] = dt * B
        E = scipy.linalg.expm(block)
        return E[:N, :N], E[:N, N]

    # Implicit rules: one LU factorization of M, solved for [Ab | Bb] at once.
    if method == "backward_euler":
        M, rhs = eye - dt * A, eye
    else:  # bilinear
        M, rhs = eye - (dt / 2) * A, eye + (dt / 2) * A
    try:
        X = np.linalg.solve(M, np.column_stack([rhs, dt * B]))
    except np.linalg.LinAlgError:
        which = "I - dt*A/2" if method == "bilinear" else "I - dt*A"
        raise ValueError(f"dt = {dt} makes {which} singular; choose another step") from None
    return X[:, :N], X[:, N]


def legs_matvec(x: ArrayLike) -> NDArray[np.inexact]:
    """Product ``A x`` with the HiPPO-LegS matrix of size ``len(x)``, in ``O(N)``.

    Parameters
    ----------
    x : array_like, shape (N,)
        Vector (real or complex), ``N >= 1``.

    Returns
    -------
    y : ndarray, shape (N,)
        ``A x`` with ``A`` from :func:`hippo_legs` ``(N)``.

    Raises
    ------
    TypeError
        If ``x`` is not numeric.
    ValueError
        If ``x`` is not a non-empty 1-D array of finite values.

    Notes
    -----
    With ``d_n = sqrt(2n+1)`` the matrix is
    ``A = -diag(n+1) - D tril(1, -1) D``, ``D = diag(d)``
    :cite:p:`gu2020hippo,gu2022s4`, so

    ``(A x)_n = -(n+1) x_n - d_n sum_{k<n} d_k x_k``,

    one exclusive cumulative sum: ``3N`` multiplications and ``2N`` additions
    instead of the ``N^2 / 2`` of a dense triangular product.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import hippo_legs, legs_matvec
    >>> x = np.array([1.0, -2.0, 0.5, 3.0])
    >>> bool(np.allclose(legs_matvec(x), hippo_legs(4)[0] @ x))
    True
    """
    x = as_vector(x, "x", allow_complex=True)
    n = np.arange(x.shape[0])
    d = np.sqrt(2.0 * n + 1.0)
    running = np.cumsum(d * x)
    before = np.concatenate([np.zeros(1, dtype=running.dtype), running[:-1]])  # sum_{k<n} d_k x_k
    return -(n + 1.0) * x - d * before


def legs_solve(v: ArrayLike, lam: float) -> NDArray[np.inexact]:
    """Solve ``(I - lam A) z = v`` with the HiPPO-LegS matrix ``A``, in ``O(N)``.

    Parameters
    ----------
    v : array_like, shape (N,)
        Right-hand side (real or complex), ``N >= 1``.
    lam : float
        Real scalar ``lam >= 0`` (e.g. ``dt`` for backward Euler, ``dt/2`` for
        the bilinear rule). Then ``I - lam A`` is lower triangular with
        diagonal ``1 + lam (n+1) >= 1`` and hence invertible.

    Returns
    -------
    z : ndarray, shape (N,)
        The solution.

    Raises
    ------
    TypeError
        If ``v`` or ``lam`` is not numeric.
    ValueError
        If ``v`` is not a non-empty 1-D array of finite values, or ``lam`` is
        negative or not finite.

    Notes
    -----
    Write ``A = -E' - D L D`` with ``E' = diag(n+1)``, ``D = diag(d_n)``,
    ``d_n = sqrt(2n+1)`` and ``L = tril(1, -1) = Z (I - Z)^{-1}``, ``Z`` the
    down-shift :cite:p:`gu2020hippo,gu2022s4`. With ``e_n = 1 + lam (n+1)``
    the matrix is ``M = I - lam A = E + lam D Z (I - Z)^{-1} D``. The change of
    unknown ``y = (I - Z)^{-1} D z`` (running sums ``y_n = sum_{k<=n} d_k z_k``)
    turns ``M z = v`` into the lower *bidiagonal* system

    ``(e_n / d_n) y_n + (lam d_n - e_n / d_n) y_{n-1} = v_n``,

    solved with the banded LAPACK solver in ``O(N)``; then
    ``z_n = (y_n - y_{n-1}) / d_n``. Equivalently
    ``y_n = a_n y_{n-1} + d_n v_n / e_n`` with
    ``a_n = (1 - lam n) / (1 + lam (n+1))``, and ``|a_n| <= 1`` for
    ``lam >= 0``: the recurrence does not amplify rounding errors.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import hippo_legs, legs_solve
    >>> v = np.array([1.0, 0.0, -1.0, 2.0])
    >>> z = legs_solve(v, 0.25)
    >>> bool(np.allclose((np.eye(4) - 0.25 * hippo_legs(4)[0]) @ z, v))
    True
    """
    v = as_vector(v, "v", allow_complex=True)
    lam = check_nonnegative(lam, "lam")
    N = v.shape[0]
    n = np.arange(N)
    d = np.sqrt(2.0 * n + 1.0)
    e = 1.0 + lam * (n + 1.0)
    bands = np.zeros((2, N))
    bands[0] = e / d  # diagonal
    bands[1, :-1] = (lam * d - e / d)[1:]  # subdiagonal: row n, column n-1
    y = scipy.linalg.solve_banded((1, 0), bands, v)
    return np.diff(y, prepend=0.0) / d
