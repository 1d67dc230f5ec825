"""Tests for lowrank.rtf: SSM -> rational transfer function, its FFT kernel and companion recurrence."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import sympy as sp
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from lowrank import rtf_kernel, rtf_scan, ssm_kernel, ssm_scan, ssm_to_rtf
from systems import random_stable_system

EPS = np.finfo(float).eps


# ----------------------------------------------------------------- ssm_to_rtf
def test_ssm_to_rtf_matches_sympy_adjugate():
    """a and b against det(I - zA) and C adj(I - zA) B expanded exactly by sympy."""
    rng = np.random.default_rng(1)
    Ab = rng.integers(-3, 4, (3, 3))
    Bb, Ct = rng.integers(-3, 4, 3), rng.integers(-3, 4, 3)
    z = sp.symbols("z")
    M = sp.eye(3) - z * sp.Matrix(Ab)
    den = sp.Poly(M.det(), z).all_coeffs()[::-1]  # ascending powers
    num = sp.Poly((sp.Matrix([Ct.tolist()]) * M.adjugate() * sp.Matrix(Bb.tolist()))[0], z).all_coeffs()[::-1]
    a_ref = np.array(den[1:] + [0] * (4 - len(den)), dtype=float)
    b_ref = np.array(num + [0] * (3 - len(num)), dtype=float)
    a, b = ssm_to_rtf(Ab, Bb, Ct)
    assert a.dtype == np.float64 and b.dtype == np.float64
    # Coefficients of size <= ~100 from eigenvalues: a few hundred eps absolute.
    np.testing.assert_allclose(a, a_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b, b_ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("d", [1, 2, 5, 8])
def test_transfer_function_values(d, complex_):
    """b(z) / (1 + a(z)) equals C (I - z Ab)^{-1} Bb at random points inside the disk."""
    rng = np.random.default_rng(10 + d)
    Ab, Bb, C = random_stable_system(rng, d, complex_)
    a, b = ssm_to_rtf(Ab, Bb, C)
    assert np.iscomplexobj(a) == complex_
    for zz in 0.8 * np.exp(2j * np.pi * rng.random(5)):
        direct = C @ np.linalg.solve(np.eye(d) - zz * Ab, Bb)
        ratio = np.polyval(b[::-1], zz) / (1 + zz * np.polyval(a[::-1], zz))
        # |z| < 1/rho: resolvent well conditioned, coefficients O(1): ~ d^2 eps relative.
        np.testing.assert_allclose(ratio, direct, rtol=1e-12 * d)


# ----------------------------------------------------------------- rtf_kernel
@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("d, L", [(1, 2), (2, 3), (3, 16), (6, 7), (6, 100), (12, 257)])
def test_rtf_kernel_matches_ssm_kernel(d, L, complex_):
    rng = np.random.default_rng(100 * d + L)
    Ab, Bb, C = random_stable_system(rng, d, complex_)
    Ct = C @ (np.eye(d) - np.linalg.matrix_power(Ab, L))
    K = rtf_kernel(*ssm_to_rtf(Ab, Bb, Ct), L)
    K_ref = ssm_kernel(Ab, Bb, C, L)
    assert K.shape == (L,) and K.dtype == np.complex128
    # Eigenvalue-based coefficients of a well-conditioned system, then 3 FFTs: ~1e-14 observed.
    np.testing.assert_allclose(K, K_ref, rtol=0, atol=1e-10 * np.abs(K_ref).max())


@pytest.mark.parametrize("d, L", [(2, 5), (4, 32), (7, 64)])
def test_rtf_kernel_with_plain_C_is_periodized(d, L):
    """With C instead of C (I - Ab^L): K_l = sum_m h_{l + mL}, h the infinite kernel."""
    rng = np.random.default_rng(7 * d + L)
    Ab, Bb, C = random_stable_system(rng, d)
    K = rtf_kernel(*ssm_to_rtf(Ab, Bb, C), L)
    m = int(np.ceil(600 / L))  # 0.9^600 ~ 1e-28: the tail is far below rounding
    h = ssm_kernel(Ab, Bb, C, m * L)
    np.testing.assert_allclose(K, h.reshape(m, L).sum(axis=0), rtol=0, atol=1e-10 * np.abs(h).max())


def test_rtf_kernel_closed_form_first_order():
    # b / (1 - p z) with |p| < 1: h_l = b p^l, periodized = b p^l / (1 - p^L).
    p, L = 0.7 - 0.2j, 9
    K = rtf_kernel([-p], [2.0], L)
    K_ref = 2.0 * p ** np.arange(L) / (1 - p**L)
    # Three FFTs of length 9 and one division by |1 - p w| >= 0.27: error ~ eps log2(L) max|K| / 0.27.
    np.testing.assert_allclose(K, K_ref, rtol=0, atol=50 * EPS * np.abs(K_ref).max())


@pytest.mark.parametrize("L", [1, 2, 3])
def test_rtf_kernel_short_L_raises(L):
    with pytest.raises(ValueError, match="L must be > d"):
        rtf_kernel([0.1, 0.2, 0.3], [1.0, 0.0, 0.0], L)


def test_rtf_kernel_pole_on_circle_raises():
    with pytest.raises(ValueError, match="a: 1 \\+ a\\(z\\)"):
        rtf_kernel([-1.0], [1.0], 8)  # 1 - z vanishes at z = 1


def test_bad_inputs():
    with pytest.raises(ValueError, match="b must have length"):
        rtf_kernel([0.1, 0.2], [1.0], 5)
    with pytest.raises(ValueError, match="a must"):
        rtf_kernel([], [], 5)
    with pytest.raises(ValueError, match="b must not contain NaN"):
        rtf_kernel([0.1], [np.nan], 5)
    with pytest.raises(TypeError, match="a must"):
        rtf_kernel("ab", [1.0], 5)
    with pytest.raises(TypeError, match="L must be an integer"):
        rtf_kernel([0.1], [1.0], 5.0)
    with pytest.raises(ValueError, match="Ab must be square"):
        ssm_to_rtf(np.ones((2, 3)), [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="Bb must have length"):
        ssm_to_rtf(np.eye(2), [1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="Ct must have length"):
        ssm_to_rtf(np.eye(2), [1.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="Ab must not contain NaN"):
        ssm_to_rtf([[np.inf]], [1.0], [1.0])
    with pytest.raises(TypeError, match="Ct must"):
        ssm_to_rtf(np.eye(1), [1.0], ["x"])
    with pytest.raises(ValueError, match="u must be 1-D"):
        rtf_scan([0.1], [1.0], np.ones((2, 2)))
    with pytest.raises(ValueError, match="b must have length"):
        rtf_scan([0.1], [1.0, 2.0], [1.0])


def test_inputs_not_modified():
    rng = np.random.default_rng(3)
    Ab, Bb, C = random_stable_system(rng, 4, complex_=True)
    u = rng.standard_normal(20)
    copies = [x.copy() for x in (Ab, Bb, C, u)]
    a, b = ssm_to_rtf(Ab, Bb, C)
    a0, b0 = a.copy(), b.copy()
    rtf_kernel(a, b, 16)
    rtf_scan(a, b, u)
    for x, x0 in zip((Ab, Bb, C, u, a, b), copies + [a0, b0]):
        np.testing.assert_array_equal(x, x0)


# ------------------------------------------------------------------- rtf_scan
@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("d, L", [(1, 10), (3, 40), (6, 80)])
def test_rtf_scan_matches_ssm_scan(d, L, complex_):
    rng = np.random.default_rng(d + 3 * L)
    Ab, Bb, C = random_stable_system(rng, d, complex_)
    u = rng.standard_normal(L)
    y = rtf_scan(*ssm_to_rtf(Ab, Bb, C), u)
    y_ref = ssm_scan(Ab, Bb, C, u)
    assert np.iscomplexobj(y) == complex_
    # Same transfer function, different realization: rounding ~ d^2 eps times the output size.
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-11 * np.abs(y_ref).max())


def test_rtf_scan_matches_scipy_lfilter():
    rng = np.random.default_rng(5)
    a = 0.8 * rng.dirichlet(np.ones(4)) * rng.choice([-1, 1], 4)  # sum |a| = 0.8 < 1
    b, u = rng.standard_normal(4), rng.standard_normal(50)
    # The same recurrence in another order (lfilter: transposed direct form II); sum|a| = 0.8 keeps the state
    # below max|u| / 0.2, so each output rounds at ~ d eps sum|b| max|u| / 0.2 ~ 1e-14.
    np.testing.assert_allclose(rtf_scan(a, b, u), scipy.signal.lfilter(b, np.r_[1.0, a], u), rtol=0, atol=1e-13)


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("d", [1, 3, 7])
def test_ssm_to_rtf_matches_scipy_ss2tf(d, complex_):
    """scipy.signal.ss2tf builds C (sI - A)^{-1} B = z H(z) (s = 1/z) from the same two characteristic polynomials."""
    rng = np.random.default_rng(40 + d)
    Ab, Bb, C = random_stable_system(rng, d, complex_)
    a, b = ssm_to_rtf(Ab, Bb, C)
    num, den = scipy.signal.ss2tf(Ab, Bb[:, None], C[None, :], np.zeros((1, 1)))
    # Both call numpy.poly on Ab and on Ab - Bb C, but SciPy forms Bb C with a matrix product that may
    # round differently from numpy.outer; the eigenvalues move by ~ eps cond(X), and the coefficients with them.
    cond = max(np.linalg.cond(np.linalg.eig(M)[1]) for M in (Ab, Ab - np.outer(Bb, C)))
    np.testing.assert_allclose(den, np.r_[1.0, a], rtol=0, atol=10 * d * EPS * cond * (1 + np.abs(a).sum()))
    np.testing.assert_allclose(num[0], np.r_[0.0, b], rtol=0, atol=10 * d * EPS * cond * (1 + np.abs(b).sum()))


# ---------------------------------------------------------- hypothesis properties
coeffs = arrays(np.float64, st.integers(1, 6), elements=st.floats(-1, 1))


@settings(max_examples=60)
@given(a=coeffs, data=st.data())
def test_rtf_kernel_solves_the_dft_equation(a, data):
    d = len(a)
    if np.abs(a).sum() >= 0.95:  # the stability lemma keeps 1 + a(z) away from 0 on the circle
        a = a * (0.9 / np.abs(a).sum())
    b1 = data.draw(arrays(np.float64, d, elements=st.floats(-1, 1)))
    b2 = data.draw(arrays(np.float64, d, elements=st.floats(-1, 1)))
    L = data.draw(st.integers(d + 1, 40))
    K1, K2 = rtf_kernel(a, b1, L), rtf_kernel(a, b2, L)
    # |1 + a(z)| >= 0.1 on the circle: the division amplifies rounding by at most 10.
    np.testing.assert_allclose(np.fft.fft(K1) * np.fft.fft(np.r_[1.0, a], L), np.fft.fft(b1, L), rtol=0, atol=1e-12)
    np.testing.assert_allclose(rtf_kernel(a, 2.0 * b1 - 3.0 * b2, L), 2.0 * K1 - 3.0 * K2, rtol=0, atol=1e-12)
    # Sum |a| < 1 => every root of x^d + a_1 x^(d-1) + ... + a_d (a pole 1/z of the filter)
    # lies inside the unit disk: the stability lemma.
    assert np.all(np.abs(np.roots(np.r_[1.0, a])) < 1)


@settings(max_examples=30)
@given(a=coeffs, data=st.data())
def test_rtf_kernel_is_periodized_scan(a, data):
    d = len(a)
    a = a * (0.5 / max(np.abs(a).sum(), 0.5))  # sum |a| <= 1/2: poles |p| <= 2^(-1/d) <= 0.9
    b = data.draw(arrays(np.float64, d, elements=st.floats(-1, 1)))
    L = data.draw(st.integers(d + 1, 24))
    impulse = np.zeros(64 * L)
    impulse[0] = 1.0
    h = rtf_scan(a, b, impulse)  # h_l ~ 0.9^l: the tail beyond 64 L >= 128 d steps is below rounding
    np.testing.assert_allclose(rtf_kernel(a, b, L), h.reshape(64, L).sum(axis=0), rtol=0, atol=1e-12)
