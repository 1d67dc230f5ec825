"""State-space models at work: a learned readout, diagonal kernels, scans and minimal realizations.

Chapter: ``chapters/ssm_learning.ipynb``.

For a fixed state matrix the output of an SSM is linear in its readout, so
learning the readout is a least-squares problem. A diagonal state matrix
gives a kernel that is a Vandermonde product. The S4 recurrence costs
``O(N)`` per step through the Woodbury identity; a diagonal recurrence can be
computed in ``ceil(log2 L)`` vectorized steps by a scan. And the Hankel
matrix of a kernel has rank equal to the state size, so a truncated SVD of it
realizes the kernel with as few states as the data need.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import (
    as_array,
    as_diagonal_system,
    as_dplr_system,
    as_matrix,
    as_vector,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from .pinv import pinv

__all__ = [
    "fit_readout",
    "s4d_lambda",
    "vandermonde_kernel",
    "dplr_scan",
    "parallel_scan",
    "hankel_realization",
]

_EPS = np.finfo(np.float64).eps


def _as_system(Ab: ArrayLike, Bb: ArrayLike) -> tuple[NDArray, NDArray]:
    """A square ``(N, N)`` state matrix and a length-``N`` input vector."""
    Ab = as_matrix(Ab, "Ab", allow_complex=True)
    N = Ab.shape[0]
    if Ab.shape != (N, N):
        raise ValueError(f"Ab must be square, got shape {Ab.shape}")
    Bb = as_vector(Bb, "Bb", allow_complex=True)
    if Bb.shape != (N,):
        raise ValueError(f"Bb must have length {N} (the size of Ab), got shape {Bb.shape}")
    return Ab, Bb


def _states(Ab: NDArray, Bb: NDArray, U: NDArray) -> NDArray:
    """All states ``x_k = Ab x_{k-1} + Bb u_k`` of a batch of inputs ``U`` (batch, L): shape (batch, L, N)."""
    batch, L = U.shape
    X = np.empty((batch, L, Bb.shape[0]), dtype=np.result_type(Ab, Bb, U))
    x = np.zeros((batch, Bb.shape[0]), dtype=X.dtype)
    At = Ab.T
    for k in range(L):  # recurrence over time steps, vectorized over the batch
        x = x @ At
        x += np.multiply.outer(U[:, k], Bb)
        X[:, k] = x
    return X


def fit_readout(
    Ab: ArrayLike,
    Bb: ArrayLike,
    u: ArrayLike,
    y: ArrayLike,
    *,
    ridge: float = 0.0,
) -> NDArray[np.inexact]:
    """Least-squares readout ``C`` of a fixed SSM: ``C x_k`` fits the targets ``y_k``.

    Parameters
    ----------
    Ab : array_like, shape (N, N)
        Discrete state matrix (real or complex).
    Bb : array_like, shape (N,)
        Discrete input vector.
    u : array_like, shape (L,) or (batch, L)
        Input sequence(s); each starts from the state ``x_{-1} = 0``.
    y : array_like, shape of ``u``
        Target outputs.
    ridge : float, optional
        Ridge parameter ``>= 0``: the penalty ``ridge * ||C||^2`` is added
        to the squared error. Default 0.

    Returns
    -------
    C : ndarray, shape (N,)
        Real when the states and the targets are real, complex otherwise.
        For complex states and real targets the model output is
        ``Re(C x_k)`` (the convention of a system given by one state of each
        conjugate pair, with the factor 2 absorbed into ``C``).

    Raises
    ------
    TypeError
        If an argument is not numeric.
    ValueError
        If ``Ab`` is not square, ``Bb`` has the wrong length, ``u`` is not
        1-D or 2-D, ``y`` does not have the shape of ``u``, an array holds
        NaN/inf, or ``ridge < 0``.

    Notes
    -----
    The states ``x_k = sum_{j <= k} Ab^(k-j) Bb u_j`` do not depend on ``C``,
    so with ``X`` the matrix whose rows are the states of all sequences and
    steps, the output ``X C`` is linear in ``C`` and the best readout
    solves the normal equations ``(X^* X + ridge I) C = X^* y``. It is computed
    as the minimum-norm least-squares solution ``[X; sqrt(ridge) I]^+ [y; 0]``
    with :func:`lowrank.pinv` :cite:p:`penrose1955`, which drops singular
    values of ``X`` below ``max(m, N) eps`` times the largest (``m`` rows).
    Complex unknowns are written as real and imaginary parts, so a real
    target gives the real least-squares problem for ``Re(C x_k)``. The
    states are computed by a loop over time steps (vectorized over the
    batch), ``O(batch L N^2)``, and the solve costs ``O(batch L N^2)``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import fit_readout, ssm_scan
    >>> Ab = np.array([[0.5, 0.0], [0.2, 0.9]]); Bb = np.array([1.0, 0.5])
    >>> u = np.random.default_rng(0).standard_normal(50)
    >>> y = ssm_scan(Ab, Bb, np.array([2.0, -1.0]), u)  # a planted readout
    >>> np.round(fit_readout(Ab, Bb, u, y), 10)
    array([ 2., -1.])
    """
    Ab, Bb = _as_system(Ab, Bb)
    u = as_array(u, "u", ndim=(1, 2), allow_complex=True)
    y = as_array(y, "y", ndim=(1, 2), allow_complex=True)
    if y.shape != u.shape:
        raise ValueError(f"y must have the shape of u, {u.shape}, got {y.shape}")
    ridge = check_nonnegative(ridge, "ridge")
    N = Bb.shape[0]
    X = _states(Ab, Bb, np.atleast_2d(u)).reshape(-1, N)
    target = y.ravel()
    if np.iscomplexobj(target):  # C x = y in real and imaginary parts
        F = np.block([[X.real, -X.imag], [X.imag, X.real]])
        target = np.concatenate([target.real, target.imag])
    elif np.iscomplexobj(X):  # Re(C x) = y
        F = np.hstack([X.real, -X.imag])
    else:
        F = X
    if ridge > 0:
        F = np.vstack([F, np.sqrt(ridge) * np.eye(F.shape[1])])
        target = np.concatenate([target, np.zeros(F.shape[1])])
    theta = pinv(F) @ target
    if F.shape[1] == 2 * N:
        return theta[:N] + 1j * theta[N:]
    return theta


def s4d_lambda(N: int, init: str = "lin") -> NDArray[np.complex128]:
    """Diagonal state matrices of S4D: S4D-Lin and S4D-Inv.

    Parameters
    ----------
    N : int
        State size, ``N >= 1``.
    init : {"lin", "inv"}, optional
        ``"lin"``: ``lambda_n = -1/2 + i pi n``. ``"inv"``:
        ``lambda_n = -1/2 + i (N / pi) (N / (2n + 1) - 1)``. Default ``"lin"``.

    Returns
    -------
    Lambda : ndarray, shape (N,), complex
        ``lambda_n`` for ``n = 0, ..., N - 1``.

    Raises
    ------
    TypeError
        If ``N`` is not an integer.
    ValueError
        If ``N < 1`` or ``init`` is unknown.

    Notes
    -----
    S4D-Lin puts the frequencies on the grid of a Fourier basis with the
    damping ``1/2`` of the normal part of LegS; S4D-Inv follows the
    asymptotics of the imaginary parts of the eigenvalues of that normal
    part :cite:p:`gu2022s4d`. A real model of state size ``N`` keeps the
    ``N // 2`` entries with ``n < N // 2`` and their complex conjugates,
    i.e. ``s4d_lambda(N)[: N // 2]`` with ``real=True`` in
    :func:`vandermonde_kernel`.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import s4d_lambda
    >>> s4d_lambda(3, "lin")
    array([-0.5+0.j        , -0.5+3.14159265j, -0.5+6.28318531j])
    >>> np.round(s4d_lambda(4, "inv").imag * np.pi / 4, 12)  # 4/(2n+1) - 1
    array([ 3.        ,  0.33333333, -0.2       , -0.42857143])
    """
    N = check_int(N, "N", low=1)
    init = check_choice(init, "init", ("lin", "inv"))
    n = np.arange(N)
    if init == "lin":
        imag = np.pi * n
    else:
        imag = (N / np.pi) * (N / (2.0 * n + 1.0) - 1.0)
    return -0.5 + 1j * imag


_TINY = 1e-150  # powers below this are flushed to zero (see vandermonde_kernel)


def vandermonde_kernel(
    Lambda: ArrayLike,
    B: ArrayLike,
    C: ArrayLike,
    dt: float,
    L: int,
    *,
    method: str = "zoh",
    real: bool = False,
) -> NDArray[np.inexact]:
    """Kernel ``K_l = sum_n C_n Bb_n lambda_bar_n^l`` of a diagonal SSM, in ``O(N L)``.

    Parameters
    ----------
    Lambda : array_like, shape (N,)
        Diagonal of the continuous state matrix (complex).
    B, C : array_like, shape (N,)
        Input and output vectors (complex).
    dt : float
        Step size, ``dt > 0``.
    L : int
        Kernel length, ``L >= 1``.
    method : {"zoh", "bilinear"}, optional
        Discretization of each diagonal entry. ``"zoh"``:
        ``lambda_bar = exp(dt lambda)``, ``Bb = (exp(dt lambda) - 1) / lambda * B``.
        ``"bilinear"``: ``lambda_bar = (1 + dt lambda / 2) / (1 - dt lambda / 2)``,
        ``Bb = dt B / (1 - dt lambda / 2)``. Default ``"zoh"``.
    real : bool, optional
        Return ``2 Re K``: the kernel of the real system made of the given
        states and their complex conjugates. Default ``False``.

    Returns
    -------
    K : ndarray, shape (L,)
        Complex; real (float64) when ``real=True``.

    Raises
    ------
    TypeError
        If an array is not numeric, ``dt`` / ``L`` has the wrong type, or
        ``real`` is not a bool.
    ValueError
        If shapes disagree, an array holds NaN/inf, ``dt <= 0``, ``L < 1``,
        ``method`` is unknown, ``1 - dt lambda_n / 2 = 0`` (bilinear), or
        the kernel overflows.

    Notes
    -----
    For ``Ab = diag(lambda_bar)`` the powers are diagonal, so
    ``K_l = C Ab^l Bb = sum_n w_n lambda_bar_n^l`` with ``w = C * Bb``: the
    kernel is the product of the ``L x N`` Vandermonde matrix of the
    ``lambda_bar_n`` with ``w`` :cite:p:`gu2022s4d`. That matrix is never
    formed: with ``m = ceil(sqrt(L))`` and ``l = m j + i`` (``i < m``),
    ``K_l = sum_n (w_n lambda_bar_n^(m j)) lambda_bar_n^i``, one product of a
    ``(ceil(L/m), N)`` matrix of "giant steps" with an ``(N, m)`` matrix of
    "baby steps", both from ``exp(k log lambda_bar)``: memory ``O(N sqrt(L))``,
    ``O(N L)`` work, nearly all of it in one BLAS-3 call. Power ``l`` carries a
    relative error of order ``l (1 + |log lambda_bar|) eps``: ``lambda_bar``
    and ``l log(lambda_bar)`` are rounded, and the phase ``l arg(lambda_bar)``
    of a fast entry is that sensitive to a rounding of ``dt lambda`` whatever
    the method (repeated multiplication does no better). Powers below
    1e-150 are set to zero (far below the rounding of any kernel entry
    they could reach) to stay out of slow subnormal arithmetic.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import discretize, ssm_kernel, vandermonde_kernel
    >>> Lambda = np.array([-0.5 + 1j, -1.0 + 0j]); B = np.array([1.0, 2.0]); C = np.array([0.5j, 1.0])
    >>> K = vandermonde_kernel(Lambda, B, C, 0.1, 8)
    >>> np.allclose(K, ssm_kernel(*discretize(np.diag(Lambda), B, 0.1, method="zoh"), C, 8))
    True
    """
    Lambda, B, C = as_diagonal_system(Lambda, B, C)
    N = Lambda.shape[0]
    dt = check_positive(dt, "dt")
    L = check_int(L, "L", low=1)
    method = check_choice(method, "method", ("zoh", "bilinear"))
    if not isinstance(real, (bool, np.bool_)):
        raise TypeError(f"real must be a bool, got {real!r}")

    z = dt * Lambda
    zero = np.zeros(N, dtype=bool)  # entries with lambda_bar = 0 exactly
    if method == "zoh":
        phi = np.ones(N, dtype=np.complex128)  # (exp(z) - 1) / z, = 1 at z = 0
        nonzero = z != 0
        phi[nonzero] = np.expm1(z[nonzero]) / z[nonzero]
        Bb = dt * phi * B
        log_lam = z  # exp(z)^l = exp(l z) exactly
    else:
        denominator = 1 - z / 2
        if np.any(denominator == 0):
            raise ValueError(f"dt = {dt} makes 1 - dt * lambda / 2 zero for an entry of Lambda; choose another step")
        Bb = dt * B / denominator
        lam = (1 + z / 2) / denominator
        zero = lam == 0
        with np.errstate(divide="ignore"):
            log_lam = np.where(zero, 0, np.log(np.where(zero, 1, lam)))
    w = C * Bb

    # Two levels: K_{m j + i} = sum_n (w_n lambda_bar_n^(m j)) lambda_bar_n^i with m = ceil(sqrt(L)),
    # i < m, j < g = ceil(L / m): one (g, N) x (N, m) matrix product of "giant steps" and "baby steps".
    m = math.isqrt(L - 1) + 1
    g = -(-L // m)
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        baby = np.exp(np.multiply.outer(log_lam, np.arange(m)))  # (N, m): lambda_bar^i
        giant = np.exp(np.multiply.outer(m * np.arange(g), log_lam)) * w  # (g, N): w lambda_bar^(m j)
    baby[zero, 1:] = 0
    giant[1:, zero] = 0
    for powers in (baby, giant):
        parts = powers.view(np.float64)
        parts[np.abs(parts) < _TINY] = 0
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        K = (giant @ baby).reshape(-1)[:L]
    if not np.all(np.isfinite(K)):
        raise ValueError("the kernel overflows float64: some |lambda_bar|^l is too large (an unstable entry of Lambda)")
    return 2 * K.real if real else K


def dplr_scan(
    Lambda: ArrayLike,
    P: ArrayLike,
    Q: ArrayLike,
    B: ArrayLike,
    C: ArrayLike,
    dt: float,
    u: ArrayLike,
) -> NDArray[np.complex128]:
    """Run the bilinear DPLR SSM as a recurrence, ``O(N r)`` work per step.

    Parameters
    ----------
    Lambda : array_like, shape (N,)
        Diagonal part of ``A`` (complex).
    P, Q : array_like, shape (N,) or (r, N)
        Low-rank factors: ``A = diag(Lambda) - sum_j outer(P[j], conj(Q[j]))``.
    B, C : array_like, shape (N,)
        Input and output vectors (complex), in the basis of ``Lambda``.
    dt : float
        Step size of the bilinear discretization, ``dt > 0``.
    u : array_like, shape (L,)
        Input sequence (real or complex).

    Returns
    -------
    y : ndarray, shape (L,), complex
        ``y_k = C x_k`` with ``x_k = Ab x_{k-1} + Bb u_k``, ``x_{-1} = 0``,
        where ``(Ab, Bb)`` is the bilinear discretization of ``(A, B)``: the
        same model as :func:`lowrank.dplr_kernel` (with ``C``, not ``C~``).
        For a real system written in a complex basis take ``y.real``.

    Raises
    ------
    TypeError
        If an argument is not numeric or ``dt`` is not a real number.
    ValueError
        If shapes disagree, an array holds NaN/inf, ``dt <= 0``,
        ``2/dt - lambda_n`` vanishes for some ``n`` (possible only for an
        unstable entry, ``Re lambda_n > 0``), or ``I - dt A / 2`` is
        singular to working precision.

    Notes
    -----
    With ``A0 = (2/dt) I + A`` and ``A1 = ((2/dt) I - A)^{-1}`` the bilinear
    rule reads ``Ab = A1 A0`` and ``Bb = 2 A1 B`` :cite:p:`gu2022s4`. ``A0``
    is diagonal plus rank ``r``; with ``D = (2/dt) I - diag(Lambda)`` the
    Woodbury identity :cite:p:`woodbury1950` gives
    ``A1 = D^{-1} - D^{-1} P^T M`` with ``M = S^{-1} Q^* D^{-1}`` and the
    ``r x r`` capacitance ``S = I + Q^* D^{-1} P^T``, so ``A1`` is diagonal
    plus rank ``r`` too, and so is their product:
    ``Ab = diag((2/dt + Lambda) / D) - (D^{-1} P^T) F`` with
    ``F = Q^* + M diag(2/dt + Lambda) - (M P^T) Q^*``. These factors are
    formed once (``O(N r^2 + r^3)``); each step
    ``x_k = Ab x_{k-1} + Bb u_k`` then costs ``O(N r)``. For
    ``Re lambda_n <= 0`` every ``|D_n| >= 2/dt``; ``S`` is singular exactly
    when ``I - dt A / 2`` is. The update is a Python loop over time steps
    (the algorithm is a recurrence); the outputs are one product of the
    stored states with ``C``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import discretize, dplr_scan, ssm_scan
    >>> Lambda = np.array([-0.5 + 1j, -0.5 - 1j, -1.0])
    >>> P = np.array([0.3, 0.1, 0.2]); Q = np.array([0.1, -0.2, 0.4j])
    >>> B = np.array([1.0, 2.0, 0.5]); C = np.array([0.5, 1j, 1.0])
    >>> u = np.array([1.0, 0.0, -1.0, 2.0])
    >>> Ab, Bb = discretize(np.diag(Lambda) - np.outer(P, Q.conj()), B, 0.1)
    >>> np.allclose(dplr_scan(Lambda, P, Q, B, C, 0.1, u), ssm_scan(Ab, Bb, C, u))
    True
    """
    Lambda, P, Q, B, C = as_dplr_system(Lambda, P, Q, B, C)
    N = Lambda.shape[0]
    dt = check_positive(dt, "dt")
    u = as_vector(u, "u", allow_complex=True)
    r = P.shape[0]

    D = 2 / dt - Lambda
    scale = 2 / dt + np.abs(Lambda)
    if np.any(np.abs(D) <= 16 * _EPS * scale):
        raise ValueError(
            f"Lambda: 2/dt - lambda_n vanishes for dt = {dt}, so the Woodbury form of the step does not "
            "exist; use ssm_scan with the dense matrices"
        )
    Pt, Qh = P.T, Q.conj()  # A = diag(Lambda) - Pt @ Qh
    D_inv = 1 / D
    D_inv_P = D_inv[:, None] * Pt  # (N, r)
    capacitance = np.eye(r) + Qh @ D_inv_P
    size = 1 + np.abs(Qh) @ np.abs(D_inv_P)
    smallest = np.linalg.svd(capacitance, compute_uv=False)[-1]
    if smallest <= 16 * N * _EPS * np.abs(size).max():
        raise ValueError(f"dt = {dt} makes I - dt*A/2 singular to working precision; choose another step")
    M = np.linalg.solve(capacitance, Qh * D_inv)  # (r, N): S^{-1} Q^* D^{-1}, so A1 = D^{-1} - D_inv_P M
    diag0 = 2 / dt + Lambda  # A0 = diag(diag0) - Pt Qh
    # Ab = A1 A0 = diag(diag0 / D) - D_inv_P F: diagonal plus rank r.
    a_bar = diag0 * D_inv
    F = Qh + M * diag0 - (M @ Pt) @ Qh
    Bb = 2 * (D_inv * B - D_inv_P @ (M @ B))
    drive = np.multiply.outer(u, Bb)  # row k is Bb u_k
    X = np.empty((u.shape[0], N), dtype=np.complex128)
    x = np.zeros(N, dtype=np.complex128)
    for k in range(u.shape[0]):  # recurrence over time steps, O(N r) each
        x = a_bar * x - D_inv_P @ (F @ x)
        x += drive[k]
        X[k] = x
    return X @ C


def parallel_scan(a: ArrayLike, b: ArrayLike) -> NDArray[np.inexact]:
    """All states of ``x_k = a_k * x_{k-1} + b_k`` (entrywise), in ``ceil(log2 L)`` vectorized steps.

    Parameters
    ----------
    a : array_like, shape (L, N) or (N,)
        Multipliers (real or complex); a 1-D ``a`` is the same at every step.
    b : array_like, shape (L, N)
        Inputs (real or complex).

    Returns
    -------
    x : ndarray, shape (L, N)
        ``x_k`` for ``k = 0, ..., L - 1``, starting from ``x_{-1} = 0``.
        Real if ``a`` and ``b`` are real.

    Raises
    ------
    TypeError
        If ``a`` or ``b`` is not numeric.
    ValueError
        If ``b`` is not 2-D, ``a`` has neither the shape of ``b`` nor that
        of one of its rows, or an array holds NaN/inf.

    Notes
    -----
    The step ``x -> a x + b`` is the affine map ``(a, b)``; applying
    ``(a_1, b_1)`` then ``(a_2, b_2)`` is the map
    ``(a_2 a_1, a_2 b_1 + b_2)``, an associative operation, so all prefixes
    can be combined in any bracketing :cite:p:`blelloch1990,martin2018`.
    This is the Hillis–Steele scan: at step ``s`` (offset ``d = 2^s``) every
    position ``k >= d`` combines its pair with that of position ``k - d``,
    all positions at once, until ``d >= L``: ``ceil(log2 L)`` steps, each
    ``O(N L)`` vectorized work, ``O(N L log L)`` in all (a sequential loop
    needs ``L`` dependent steps but only ``O(N L)`` work). Each ``x_k`` passes
    through at most ``ceil(log2 L)`` combinations, so its rounding error is
    of order ``log2(L) eps sum_j |a_{j+1} ... a_k| |b_j|``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import parallel_scan
    >>> parallel_scan([0.5], [[1.0], [0.0], [0.0], [1.0]]).ravel()
    array([1.   , 0.5  , 0.25 , 1.125])
    """
    b = as_array(b, "b", ndim=2, allow_complex=True)
    a = as_array(a, "a", ndim=(1, 2), allow_complex=True)
    if a.shape not in (b.shape, b.shape[1:]):
        raise ValueError(f"a must have shape {b.shape} or {b.shape[1:]} (that of b or of one of its rows), got {a.shape}")
    dtype = np.result_type(a, b)
    X = b.astype(dtype, copy=True)
    A = np.broadcast_to(a, b.shape).astype(dtype, copy=True)
    L = b.shape[0]
    d = 1
    while d < L:  # ceil(log2 L) steps, each over all positions at once
        X[d:] = A[d:] * X[:-d] + X[d:]  # right side evaluated in full before the assignment
        if 2 * d < L:  # the products are needed only by a later step
            A[d:] = A[d:] * A[:-d]
        d *= 2
    return X


def hankel_realization(K: ArrayLike, r: int) -> tuple[NDArray[np.inexact], NDArray[np.inexact], NDArray[np.inexact]]:
    """Order-``r`` state-space realization of kernel samples (Ho–Kalman with a truncated SVD).

    Parameters
    ----------
    K : array_like, shape (M,)
        Kernel samples ``K_0, ..., K_{M-1}`` (real or complex), ``M >= 2r + 1``.
    r : int
        State size of the realization, ``1 <= r <= (M - 1) // 2``.

    Returns
    -------
    Ab : ndarray, shape (r, r)
    Bb : ndarray, shape (r,)
    C : ndarray, shape (r,)
        A system whose kernel ``C Ab^l Bb`` equals ``K`` to rounding when
        ``K`` comes from a system of order ``<= r``, and approximates it
        otherwise. Real if ``K`` is real.

    Raises
    ------
    TypeError
        If ``K`` is not numeric or ``r`` is not an integer.
    ValueError
        If ``K`` is not a finite 1-D array with at least three entries, or
        ``r`` is outside ``[1, (M - 1) // 2]``.

    Notes
    -----
    With ``p = M // 2`` rows and ``q = M - p`` columns, the Hankel matrix
    ``H_ij = K_{i+j}`` and its shift ``H'_ij = K_{i+j+1}`` factor as
    ``H = O R`` and ``H' = O Ab R`` with the observability matrix ``O``
    (rows ``C Ab^i``) and the controllability matrix ``R`` (columns
    ``Ab^j Bb``); so ``rank H <= N``. From the truncated SVD
    ``H ~ U_r S_r V_r^*`` take ``O = U_r S_r^(1/2)`` and
    ``R = S_r^(1/2) V_r^*``: then ``C`` is the first row of ``O``, ``Bb`` the
    first column of ``R`` and ``Ab = S_r^(-1/2) U_r^* H' V_r S_r^(-1/2)``
    :cite:p:`ho1966,kung1978`. If ``K`` comes from a system of order
    ``<= r`` this is that system up to a change of basis. Singular values at
    or below ``max(p, q) eps s_1`` are treated as zero: their states are
    returned as zero rows and columns (decoupled, with zero input and
    output), so the result has fewer effective states but the same kernel.
    The cost is one SVD of a ``p x q`` matrix, ``O(M^3)``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import hankel_realization, ssm_kernel
    >>> K = 2.0 * 0.5 ** np.arange(9) - 0.8 ** np.arange(9)  # an order-2 kernel
    >>> Ab, Bb, C = hankel_realization(K, 2)
    >>> np.allclose(ssm_kernel(Ab, Bb, C, 9), K)
    True
    >>> np.round(np.sort(np.linalg.eigvals(Ab).real), 12)
    array([0.5, 0.8])
    """
    K = as_vector(K, "K", allow_complex=True)
    M = K.shape[0]
    if M < 3:
        raise ValueError(f"K must have at least 3 samples (2r + 1 for r >= 1), got {M}")
    r = check_int(r, "r", low=1, high=(M - 1) // 2)
    p = M // 2
    q = M - p
    index = np.add.outer(np.arange(p), np.arange(q))
    H, H_shift = K[index], K[index + 1]
    U, s, Vh = np.linalg.svd(H, full_matrices=False)
    U, s, Vh = U[:, :r], s[:r], Vh[:r]
    keep = s > max(p, q) * _EPS * s[0]
    root = np.where(keep, np.sqrt(s), 0.0)
    inv_root = np.where(keep, 1 / np.where(keep, root, 1.0), 0.0)
    C = U[0] * root
    Bb = root * Vh[:, 0]
    Ab = inv_root[:, None] * (U.conj().T @ H_shift @ Vh.conj().T) * inv_root[None, :]
    return Ab, Bb, C
