"""State-space models as rational transfer functions (RTF).

Chapter: ``chapters/rtf.ipynb``.

The transfer function ``C (I - z Ab)^{-1} Bb`` of a discrete SSM with ``d``
states is a ratio ``b(z) / (1 + a(z))`` of two polynomials with ``2d``
coefficients in all. With ``C`` replaced by ``C~ = C (I - Ab^L)``, the
length-``L`` kernel costs two FFTs of length ``L`` and one inverse FFT,
``O(L log L)`` whatever ``d`` is, and the model runs as a recurrence with
``O(d)`` work per step.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_state_space, as_vector, check_int

__all__ = ["ssm_to_rtf", "rtf_kernel", "rtf_scan"]


def _check_rtf(a: ArrayLike, b: ArrayLike) -> tuple[NDArray, NDArray]:
    a = as_vector(a, "a", allow_complex=True)
    b = as_vector(b, "b", allow_complex=True)
    if b.shape != a.shape:
        raise ValueError(f"b must have length {a.shape[0]} (the length of a), got shape {b.shape}")
    return a, b


def ssm_to_rtf(Ab: ArrayLike, Bb: ArrayLike, Ct: ArrayLike) -> tuple[NDArray[np.inexact], NDArray[np.inexact]]:
    """Coefficients of the transfer function ``Ct (I - z Ab)^{-1} Bb = b(z) / (1 + a(z))``.

    Parameters
    ----------
    Ab : array_like, shape (d, d)
        Discrete state matrix (real or complex).
    Bb : array_like, shape (d,)
        Discrete input vector.
    Ct : array_like, shape (d,)
        Output vector. Pass ``C (I - Ab^L)`` to get the length-``L`` kernel
        ``C Ab^l Bb`` from :func:`rtf_kernel`, or ``C`` itself to describe
        the infinite impulse response (for :func:`rtf_scan`).

    Returns
    -------
    a : ndarray, shape (d,)
        ``det(I - z Ab) = 1 + a[0] z + ... + a[d-1] z^d``.
    b : ndarray, shape (d,)
        ``Ct adj(I - z Ab) Bb = b[0] + b[1] z + ... + b[d-1] z^(d-1)``.
        Both are real if all inputs are real, complex otherwise.

    Raises
    ------
    TypeError
        If an array is not numeric.
    ValueError
        If ``Ab`` is not square, ``Bb`` or ``Ct`` has the wrong length, or an
        array holds NaN/inf.

    Notes
    -----
    ``det(I - z Ab)`` is the characteristic polynomial ``det(x I - Ab)``
    with its coefficients read in reverse order (substitute ``x = 1/z`` and
    multiply by ``z^d``), so ``a`` is ``numpy.poly(Ab)`` without its leading 1.
    With ``det(I + UV) = det(I + VU)``,

    ``det(I - z (Ab - Bb Ct)) = det(I - z Ab) (1 + z Ct (I - z Ab)^{-1} Bb)``,

    so ``z b(z) = det(I - z (Ab - Bb Ct)) - det(I - z Ab)``, and ``b`` is the
    difference of two characteristic polynomials, shifted by one place
    :cite:p:`parnichkun2024`. ``numpy.poly`` builds each polynomial from
    the computed eigenvalues, ``O(d^3)``; the coefficients are only as
    accurate as those eigenvalues (see the chapter's warning about highly
    non-normal matrices). This is the computation of
    ``scipy.signal.ss2tf(Ab, Bb[:, None], Ct[None, :], 0)``: its
    ``Ct (sI - Ab)^{-1} Bb`` with ``s = 1/z`` is ``z Ct (I - z Ab)^{-1} Bb``,
    so its coefficients in descending powers of ``s`` are ``(1, *a)`` and
    ``(0, *b)``.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import ssm_to_rtf
    >>> a, b = ssm_to_rtf([[0.5]], [1.0], [2.0])  # 2 / (1 - 0.5 z)
    >>> a, b
    (array([-0.5]), array([2.]))
    """
    Ab, Bb, Ct = as_state_space(Ab, Bb, Ct, names=("Ab", "Bb", "Ct"))
    den = np.poly(Ab)  # det(x I - Ab) = x^d + a_1 x^(d-1) + ... + a_d
    num = np.poly(Ab - np.outer(Bb, Ct)) - den  # z b(z): its constant coefficient is 0
    a, b = den[1:], num[1:]
    if not any(np.iscomplexobj(x) for x in (Ab, Bb, Ct)):
        a, b = a.real, b.real  # real data: conjugate eigenvalue pairs give real coefficients
    return a.copy(), b.copy()


def rtf_kernel(a: ArrayLike, b: ArrayLike, L: int) -> NDArray[np.complex128]:
    """L-periodic impulse response of ``b(z) / (1 + a(z))``, by three FFTs.

    Parameters
    ----------
    a : array_like, shape (d,)
        Denominator coefficients after the leading 1:
        ``1 + a[0] z + ... + a[d-1] z^d``.
    b : array_like, shape (d,)
        Numerator coefficients ``b[0] + b[1] z + ... + b[d-1] z^(d-1)``.
    L : int
        Kernel length, ``L > d``.

    Returns
    -------
    K : ndarray, shape (L,), complex
        ``K = ifft(fft(b, L) / fft([1, *a], L))``: the unique length-``L``
        sequence whose generating function equals ``b(z) / (1 + a(z))`` at
        every ``L``-th root of unity. If ``(a, b) = ssm_to_rtf(Ab, Bb, C (I - Ab^L))``
        this is the SSM kernel ``K_l = C Ab^l Bb``, ``l < L``. If all roots
        of ``1 + a(z)`` lie outside the unit disk, it is the periodized
        impulse response ``K_l = sum_{m >= 0} h_{l + m L}`` of the causal
        filter ``h`` (see :func:`rtf_scan`).

    Raises
    ------
    TypeError
        If ``a`` or ``b`` is not numeric or ``L`` is not an integer.
    ValueError
        If ``a`` or ``b`` is not a non-empty finite 1-D array, their lengths
        differ, ``L <= d`` (the coefficient vectors would not fit in one
        period), or ``1 + a(z)`` vanishes (to rounding) at an ``L``-th root
        of unity.

    Notes
    -----
    ``fft(x, L)[j] = sum_k x_k w^(jk)`` with ``w = exp(-2 pi i / L)`` is the
    polynomial ``x(z)`` at ``z = w^j``, so the ratio of the two FFTs is the
    transfer function at the roots of unity, and the inverse FFT returns
    the length-``L`` sequence with those values :cite:p:`parnichkun2024`.
    The cost is ``O(L log L)``, independent of the state size ``d`` beyond
    ``d < L``; no state vector or matrix is ever formed.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import rtf_kernel
    >>> K = rtf_kernel([-0.5], [1.0], 4)  # 1 / (1 - z/2): h_l = 2^-l, periodized
    >>> np.allclose(K, [2.0**-l / (1 - 2.0**-4) for l in range(4)])
    True
    """
    a, b = _check_rtf(a, b)
    d = a.shape[0]
    L = check_int(L, "L", low=1)
    if L <= d:
        raise ValueError(f"L must be > d = {d} (the length of a), got {L}")
    den = np.fft.fft(np.concatenate([[1.0], a]), L)
    # |den| at this level is rounding noise of the FFT: 1 + a(z) has a zero at a root of unity.
    if np.any(np.abs(den) <= 8 * (d + 1) * np.finfo(np.float64).eps * (1 + np.abs(a).sum())):
        raise ValueError(
            "a: 1 + a(z) is zero to rounding at an L-th root of unity "
            "(a pole on, or indistinguishably close to, the unit circle)"
        )
    return np.fft.ifft(np.fft.fft(b, L) / den)


def rtf_scan(a: ArrayLike, b: ArrayLike, u: ArrayLike) -> NDArray[np.inexact]:
    """Filter ``u`` by ``b(z) / (1 + a(z))`` with the companion recurrence, ``O(d)`` per step.

    Parameters
    ----------
    a : array_like, shape (d,)
        Denominator coefficients after the leading 1.
    b : array_like, shape (d,)
        Numerator coefficients (ascending powers of ``z``).
    u : array_like, shape (L,)
        Input sequence.

    Returns
    -------
    y : ndarray, shape (L,)
        ``y_k = sum_{i<d} b_i s_{k-i}`` where ``s_k = u_k - sum_{i=1}^{d} a_i s_{k-i}``
        and ``s_j = 0`` for ``j < 0``. Real if all inputs are real.

    Raises
    ------
    TypeError
        If an argument is not numeric.
    ValueError
        If an argument is not a non-empty finite 1-D array, or ``a`` and
        ``b`` have different lengths.

    Notes
    -----
    This is the SSM in companion form: the state ``x_k = (s_k, ..., s_{k-d+1})``
    evolves by the companion matrix whose first row is ``-a`` and whose
    subdiagonal holds ones, with input vector ``e_1`` and output vector ``b``
    :cite:p:`parnichkun2024`. Applying the companion matrix is a shift and
    one dot product, so the state update costs ``O(d)`` instead of
    ``O(d^2)``. The update is a Python loop over the time steps (the
    algorithm is a recurrence); the outputs are then one convolution of
    ``s`` with ``b``. For ``(a, b) = ssm_to_rtf(Ab, Bb, C)`` the output
    equals that of the SSM ``x_k = Ab x_{k-1} + Bb u_k``, ``y_k = C x_k``.
    It is the filter ``scipy.signal.lfilter(b, [1, *a], u)``, whose
    coefficients multiply powers of the delay ``z^-1`` that ``z`` stands
    for here.

    Examples
    --------
    >>> import numpy as np
    >>> from lowrank import rtf_scan
    >>> rtf_scan([-0.5], [1.0], [1.0, 0.0, 0.0, 1.0])
    array([1.   , 0.5  , 0.25 , 1.125])
    """
    a, b = _check_rtf(a, b)
    u = as_vector(u, "u", allow_complex=True)
    d, L = a.shape[0], u.shape[0]
    s = np.zeros(L + d, dtype=np.result_type(a, u))  # s[d + k] = s_k; s_{-d} .. s_{-1} = 0
    a_rev = a[::-1]
    for k in range(L):  # recurrence over time steps: s_k = u_k - (a_1 s_{k-1} + ... + a_d s_{k-d})
        s[d + k] = u[k] - a_rev @ s[k : d + k]
    return np.convolve(s[d:], b)[:L]
