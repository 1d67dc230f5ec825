"""Tests for lowrank.s4: SSM kernels, recurrence vs convolution, the LegS NPLR form, the DPLR kernel."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from lowrank import causal_conv, discretize, dplr_kernel, hippo_legs, legs_nplr, ssm_kernel, ssm_scan
from systems import random_dplr, random_stable_system

EPS = np.finfo(float).eps




def bilinear(A, B, dt):
    """Independent bilinear discretization with explicit inverses."""
    I = np.eye(len(B))
    M = np.linalg.inv(I - dt / 2 * A)
    return M @ (I + dt / 2 * A), M @ (dt * B)


def powers_rounding(Ab, Bb, C, L):
    """Rounding bound of the naive kernel and of C~ = C (I - Ab^L) for a contraction Ab (see the S4 chapter).

    Each of the L matrix-vector products errs by at most N^(3/2) eps |v|, each of the ~2 log2 L matrix
    products of the squaring by N^2 eps, and a contraction never amplifies an earlier error; an error in
    C~ reaches K_l through sum_m Ab^(l + mL) Bb, at most 1 / (1 - |Ab|^L) times |Bb|.
    """
    N, norm_Ab = len(Bb), np.linalg.norm(Ab, 2)
    assert norm_Ab < 1, "the model needs a contraction"
    scale = EPS * np.linalg.norm(C) * np.linalg.norm(Bb)
    return scale * (L * N**1.5 + 2 * np.log2(max(L, 2)) * N**2 / (1 - norm_Ab**L))


def woodbury_rounding(Lambda, P, Q, B, Ct, dt, L):
    """First-order rounding bound of dplr_kernel's rank-one Woodbury evaluation, given C~ (see the S4 chapter).

    Each scaled Cauchy sum of N terms errs by at most N eps times the sum of the magnitudes of its terms;
    the bound follows those errors through 2 (k00 - (1 + z) k01 k10 / (1 + (1 + z) k11)).
    """
    z = np.exp(-2j * np.pi * np.arange(L) / L)
    with np.errstate(divide="ignore", invalid="ignore"):
        den = (2 / dt) * (1 - z)[:, None] - (1 + z)[:, None] * Lambda
        value = lambda w: (w / den).sum(axis=1)
        size = lambda w: (np.abs(w) / np.abs(den)).sum(axis=1)
        w00, w01, w10, w11 = Ct * B, Ct * P, Q.conj() * B, Q.conj() * P
        ratio = np.abs(1 + z) / np.abs(1 + (1 + z) * value(w11))
        first_order = (size(w00) + ratio * (size(w01) * np.abs(value(w10)) + np.abs(value(w01)) * size(w10))
                       + ratio**2 * np.abs(value(w01) * value(w10)) * size(w11))
    return 2 * len(Lambda) * EPS * first_order.max() if np.isfinite(first_order).all() else np.inf


# ----------------------------------------------------------------- ssm_kernel
@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("N, L", [(1, 5), (3, 1), (4, 17), (7, 40)])
def test_ssm_kernel_matches_matrix_powers(N, L, complex_):
    rng = np.random.default_rng(N * 100 + L)
    Ab, Bb, C = random_stable_system(rng, N, complex_)
    K = ssm_kernel(Ab, Bb, C, L)
    K_ref = np.array([C @ np.linalg.matrix_power(Ab, l) @ Bb for l in range(L)])
    assert K.shape == (L,) and np.iscomplexobj(K) == complex_
    # Both form Ab^l by L products of norm-~1 matrices: error ~ L N eps |C||Bb|.
    scale = np.linalg.norm(C) * np.linalg.norm(Bb)
    np.testing.assert_allclose(K, K_ref, rtol=0, atol=10 * L * N * EPS * scale)


# ------------------------------------------------------------------- ssm_scan
@pytest.mark.parametrize("N, L", [(1, 6), (3, 25), (6, 50)])
def test_ssm_scan_matches_scipy_dlsim(N, L):
    # dlsim uses x[k+1] = A x[k] + B u[k], y[k] = C' x[k] + D u[k]. Our convention
    # x_k = Ab x_{k-1} + Bb u_k, y_k = C x_k is that with C' = C Ab and D = C Bb.
    rng = np.random.default_rng(N + L)
    Ab, Bb, C = random_stable_system(rng, N)
    u = rng.standard_normal(L)
    system = (Ab, Bb[:, None], (C @ Ab)[None, :], np.array([[C @ Bb]]), 1.0)
    _, y_ref, _ = scipy.signal.dlsim(system, u)
    y = ssm_scan(Ab, Bb, C, u)
    assert y.shape == (L,) and not np.iscomplexobj(y)
    # Two recurrences over L <= 50 steps of a system with spectral radius 0.9: rounding ~ L N eps relative
    # to the output's size (<= 7e-14 here); 1e-12 leaves more than 10x.
    np.testing.assert_allclose(y, y_ref.ravel(), rtol=1e-12, atol=1e-12 * np.abs(y_ref).max())


def test_ssm_scan_complex_matches_toeplitz():
    rng = np.random.default_rng(5)
    Ab, Bb, C = random_stable_system(rng, 4, complex_=True)
    u = rng.standard_normal(30) + 1j * rng.standard_normal(30)
    powers = np.array([C @ np.linalg.matrix_power(Ab, l) @ Bb for l in range(30)])
    T = np.array([[powers[k - j] if j <= k else 0 for j in range(30)] for k in range(30)])
    # 30 steps, N = 4, entries and outputs of size O(1-10): rounding ~ L N eps |y| ~ 3e-13 at most.
    np.testing.assert_allclose(ssm_scan(Ab, Bb, C, u), T @ u, rtol=1e-12, atol=1e-12)


def test_ssm_scan_starts_from_zero_state():
    # An impulse at time 0 reads out the kernel itself.
    rng = np.random.default_rng(6)
    Ab, Bb, C = random_stable_system(rng, 5)
    u = np.zeros(12)
    u[0] = 1.0
    # The same products in the same order; allow the rounding of 12 steps anyway (L N eps |C||Bb|).
    scale = np.linalg.norm(C) * np.linalg.norm(Bb)
    np.testing.assert_allclose(ssm_scan(Ab, Bb, C, u), ssm_kernel(Ab, Bb, C, 12), rtol=0, atol=10 * 12 * 5 * EPS * scale)


# ---------------------------------------------------------------- causal_conv
@given(
    u=arrays(np.float64, st.integers(1, 40), elements=st.floats(-10, 10)),
    K=arrays(np.float64, st.integers(1, 60), elements=st.floats(-10, 10)),
)
@settings(max_examples=60)
def test_causal_conv_matches_numpy_convolve(u, K):
    y = causal_conv(u, K)
    y_ref = np.convolve(u, K)[: len(u)]
    assert y.shape == u.shape and not np.iscomplexobj(y)
    # FFT convolution: error ~ eps log(n) sum|u||K| per entry.
    bound = 20 * EPS * np.log2(2 * (len(u) + len(K))) * np.abs(u).sum() * np.abs(K).sum()
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=bound + 1e-300)


def test_causal_conv_complex():
    rng = np.random.default_rng(7)
    u = rng.standard_normal(33) + 1j * rng.standard_normal(33)
    K = rng.standard_normal(20) - 2j * rng.standard_normal(20)
    # FFT of length <= 64 on entries of size ~3: error ~ eps log2(n) sum|u||K| ~ 1e-12 at the very most.
    np.testing.assert_allclose(causal_conv(u, K), np.convolve(u, K)[:33], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(causal_conv(u.real, K), np.convolve(u.real, K)[:33], rtol=1e-12, atol=1e-12)


@given(
    N=st.integers(1, 6),
    L=st.integers(1, 64),
    seed=st.integers(0, 2**16),
    complex_=st.booleans(),
)
@settings(max_examples=50)
def test_cnn_equals_rnn(N, L, seed, complex_):
    rng = np.random.default_rng(seed)
    Ab, Bb, C = random_stable_system(rng, N, complex_)
    u = rng.standard_normal(L)
    y_rnn = ssm_scan(Ab, Bb, C, u)
    y_cnn = causal_conv(u, ssm_kernel(Ab, Bb, C, L))
    scale = np.abs(u).sum() * np.linalg.norm(C) * np.linalg.norm(Bb) * 10  # sum |K| <= |C||Bb| / (1 - 0.9)
    np.testing.assert_allclose(y_cnn, y_rnn, rtol=0, atol=100 * EPS * L * scale)


# ------------------------------------------------------------------ legs_nplr
@pytest.mark.parametrize("N", [1, 2, 5, 16, 64])
def test_legs_nplr_reconstructs_legs(N):
    Lambda, P, B, V = legs_nplr(N)
    A, B_legs = hippo_legs(N)
    # V is unitary to machine precision (eigh of a Hermitian matrix).
    np.testing.assert_allclose(V.conj().T @ V, np.eye(N), rtol=0, atol=50 * N * EPS)
    # Backward error of eigh: ~ N eps ||S||, with ||S|| <= ||A|| + ||P||^2 ~ N^2 / 2.
    A_rec = (V * Lambda) @ V.conj().T - np.outer(P, P)
    np.testing.assert_allclose(A_rec, A, rtol=0, atol=20 * N * EPS * max(N**2, 1))
    np.testing.assert_allclose(Lambda.real, -0.5, rtol=0, atol=1e-15)
    np.testing.assert_allclose(P, np.sqrt(np.arange(N) + 0.5), rtol=1e-15)
    np.testing.assert_allclose(B, B_legs, rtol=1e-15)
    # The normal part is real, so its eigenvalues come in conjugate pairs.
    np.testing.assert_allclose(np.sort(Lambda.imag), np.sort(-Lambda.imag), rtol=0, atol=20 * N * EPS * N)


def test_legs_nplr_normal_part_is_minus_half_plus_skew():
    A, _ = hippo_legs(7)
    _, P, _, _ = legs_nplr(7)
    S = A + np.outer(P, P)
    # Each entry of S is a difference of two rounded numbers of size <= |A| + P P^T: a few eps of that.
    size = (np.abs(A) + np.outer(P, P)).max()
    np.testing.assert_allclose(S + S.T, -np.eye(7), rtol=0, atol=16 * EPS * size)


# ---------------------------------------------------------------- dplr_kernel
@pytest.mark.parametrize("N, L, r", [(1, 1, 1), (2, 7, 1), (4, 16, 1), (8, 100, 1), (6, 33, 2), (10, 256, 3)])
def test_dplr_kernel_matches_naive_kernel(N, L, r):
    rng = np.random.default_rng(10 * N + L + r)
    Lambda, P, Q, B, C = random_dplr(rng, N, r)
    dt = 0.1
    A = np.diag(Lambda) - P.T @ Q.conj()
    Ab, Bb = bilinear(A, B, dt)
    K = dplr_kernel(Lambda, P if r > 1 else P[0], Q if r > 1 else Q[0], B, C, dt, L)
    K_ref = ssm_kernel(Ab, Bb, C, L)
    assert K.shape == (L,) and np.iscomplexobj(K)
    # Cauchy sums and a length-L FFT: error ~ eps (N + log L) cond, far below 1e-10.
    np.testing.assert_allclose(K, K_ref, rtol=0, atol=1e-10 * np.abs(K_ref).max())


@given(N=st.integers(1, 8), L=st.integers(1, 80), seed=st.integers(0, 2**16), dt=st.floats(0.01, 1.0))
@settings(max_examples=40)
def test_dplr_kernel_property(N, L, seed, dt):
    rng = np.random.default_rng(seed)
    Lambda, P, Q, B, C = random_dplr(rng, N)
    Ab, Bb = discretize(np.diag(Lambda) - np.outer(P[0], Q[0].conj()), B, dt, method="bilinear")
    K_ref = ssm_kernel(Ab, Bb, C, L)
    K = dplr_kernel(Lambda, P[0], Q[0], B, C, dt, L)
    np.testing.assert_allclose(K, K_ref, rtol=0, atol=1e-9 * np.abs(K_ref).max())


@pytest.mark.parametrize("N, L, dt", [(8, 64, 0.1), (32, 1000, 1e-3), (64, 16384, 1 / 16384), (64, 16384, 0.01)])
def test_dplr_kernel_legs(N, L, dt):
    # The S4 setting: LegS in the eigenbasis of its normal part.
    Lambda, P, B, V = legs_nplr(N)
    A, _ = hippo_legs(N)
    C = np.random.default_rng(N).standard_normal(N)
    Ab, Bb = discretize(A, B, dt, method="bilinear")
    K_ref = ssm_kernel(Ab, Bb, C, L)
    Pt, Bt, Ct = V.conj().T @ P, V.conj().T @ B, C @ V
    K = dplr_kernel(Lambda, Pt, Pt, Bt, Ct, dt, L)
    # Error models of the chapter: powers of the contraction Ab (naive kernel and C~) plus the rounding
    # of the Cauchy sums. The reference is real, so this also bounds the imaginary part of K.
    Ct_tilde = (C @ (np.eye(N) - np.linalg.matrix_power(Ab, L))) @ V
    tol = powers_rounding(Ab, Bb, C, L) + woodbury_rounding(Lambda, Pt, Pt, Bt, Ct_tilde, dt, L)
    np.testing.assert_allclose(K, K_ref, rtol=0, atol=tol)


@pytest.mark.parametrize("N, L", [(4, 1), (4, 2), (6, 7), (16, 64), (64, 1001)])
def test_dplr_kernel_real_half_spectrum(N, L):
    # A real system in a complex basis has a real kernel: half the roots suffice.
    Lambda, P, B, V = legs_nplr(N)
    A, _ = hippo_legs(N)
    C = np.random.default_rng(L).standard_normal(N)
    dt = 0.05
    K_ref = ssm_kernel(*discretize(A, B, dt), C, L)
    Pt, Bt, Ct = V.conj().T @ P, V.conj().T @ B, C @ V
    K = dplr_kernel(Lambda, Pt, Pt, Bt, Ct, dt, L, real=True)
    assert K.dtype == np.float64 and K.shape == (L,)
    np.testing.assert_allclose(K, K_ref, rtol=0, atol=1e-10 * np.abs(K_ref).max())


def test_dplr_kernel_with_zero_low_rank_part_is_diagonal_ssm():
    # P = Q = 0: K_l = sum_n C_n B_n dt (1 + dt l_n / 2)^l / (1 - dt l_n / 2)^(l + 1), in closed form.
    Lambda = np.array([-0.5 + 2j, -1.0, -0.2 - 1j])
    B, C = np.array([1.0, 2.0, 3.0]), np.array([1j, 1.0, -1.0])
    dt, L = 0.2, 12
    l = np.arange(L)[:, None]
    K_ref = ((1 + dt * Lambda / 2) ** l / (1 - dt * Lambda / 2) ** (l + 1) * dt) @ (C * B)
    K = dplr_kernel(Lambda, np.zeros(3), np.zeros(3), B, C, dt, L)
    np.testing.assert_allclose(K, K_ref, rtol=1e-13, atol=1e-14)


# ------------------------------------------------------------------ bad input
def test_bad_lengths_and_sizes():
    Ab, Bb, C = np.eye(3) * 0.5, np.ones(3), np.ones(3)
    with pytest.raises(ValueError, match="L"):
        ssm_kernel(Ab, Bb, C, 0)
    with pytest.raises(TypeError, match="L"):
        ssm_kernel(Ab, Bb, C, 2.0)
    with pytest.raises(ValueError, match="Ab"):
        ssm_kernel(np.ones((3, 2)), Bb, C, 4)
    with pytest.raises(ValueError, match="Bb"):
        ssm_scan(Ab, np.ones(2), C, np.ones(4))
    with pytest.raises(ValueError, match="C"):
        ssm_scan(Ab, Bb, np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="u"):
        ssm_scan(Ab, Bb, C, np.ones((4, 1)))
    with pytest.raises(ValueError, match="u"):
        ssm_scan(Ab, Bb, C, [])
    with pytest.raises(ValueError, match="u"):
        causal_conv([np.nan, 1.0], [1.0])
    with pytest.raises(ValueError, match="K"):
        causal_conv([1.0], np.ones((2, 2)))
    with pytest.raises(TypeError, match="u"):
        causal_conv("abc", [1.0])
    with pytest.raises(ValueError, match="N"):
        legs_nplr(0)
    with pytest.raises(TypeError, match="N"):
        legs_nplr(3.0)


def test_dplr_kernel_bad_input():
    rng = np.random.default_rng(0)
    Lambda, P, Q, B, C = random_dplr(rng, 4)
    P, Q = P[0], Q[0]
    with pytest.raises(ValueError, match="dt"):
        dplr_kernel(Lambda, P, Q, B, C, 0.0, 8)
    with pytest.raises(ValueError, match="L"):
        dplr_kernel(Lambda, P, Q, B, C, 0.1, 0)
    with pytest.raises(ValueError, match="P"):
        dplr_kernel(Lambda, P[:3], Q, B, C, 0.1, 8)
    with pytest.raises(ValueError, match="Q"):
        dplr_kernel(Lambda, P, np.vstack([Q, Q]), B, C, 0.1, 8)
    with pytest.raises(ValueError, match="B"):
        dplr_kernel(Lambda, P, Q, B[:2], C, 0.1, 8)
    with pytest.raises(ValueError, match="C"):
        dplr_kernel(Lambda, P, Q, B, np.ones(5), 0.1, 8)
    with pytest.raises(ValueError, match="Lambda"):
        dplr_kernel(np.diag(Lambda), P, Q, B, C, 0.1, 8)
    with pytest.raises(TypeError, match="dt"):
        dplr_kernel(Lambda, P, Q, B, C, "0.1", 8)
    with pytest.raises(ValueError, match="P"):
        dplr_kernel(Lambda, np.ones((1, 1, 4)), Q, B, C, 0.1, 8)
    with pytest.raises(TypeError, match="real"):
        dplr_kernel(Lambda, P, Q, B, C, 0.1, 8, real="yes")


def test_dplr_kernel_pole_is_a_value_error():
    # L = 4, dt = 2: the roots of unity map to g(z) in {0, i, inf, -i}; Lambda = i sits on one.
    with pytest.raises(ValueError, match="pole"):
        dplr_kernel([1j, -1.0], np.zeros(2), np.zeros(2), [1.0, 1.0], [1.0, 1.0], 2.0, 4)


def test_dplr_kernel_diagonal_entry_on_a_root_of_unity_is_not_a_pole():
    # Issue 16: the discretized Lambda = i is the 4th root of unity i, so one Cauchy denominator is
    # exactly zero; but Ab = bilinear(diag(Lambda) - P Q^*) has eigenvalues of modulus 0.80 and 0.12.
    Lambda, P, B, C, dt, L = np.array([1j, -1.0]), np.array([0.5, 0.5]), np.ones(2), np.array([1.0, 0.5]), 2.0, 4
    A = np.diag(Lambda) - np.outer(P, P)
    Ab, Bb = bilinear(A, B, dt)
    # Moduli from the exact 2x2 eigenvalues (sympy, 15 digits); eigvals of a 2x2: a few eps.
    np.testing.assert_allclose(np.sort(np.abs(np.linalg.eigvals(Ab))), [0.124333798805938, 0.800295012109347],
                               rtol=1e-12)
    K_ref = ssm_kernel(Ab, Bb, C, L)
    # Dense solves of 2x2 systems with moduli below 1: error a few eps; 1e-12 leaves 1000x.
    np.testing.assert_allclose(dplr_kernel(Lambda, P, P, B, C, dt, L), K_ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_dplr_kernel_random_systems_with_an_entry_exactly_on_a_sampled_frequency(seed):
    rng = np.random.default_rng(seed)
    N, L, r = int(rng.integers(2, 9)), int(rng.choice([5, 8, 16, 33, 64])), int(rng.integers(1, 3))
    dt = float(rng.uniform(0.05, 1.0))
    Lambda, P, Q, B, C = random_dplr(rng, N, r)
    k = int(rng.integers(0, L))
    if 2 * k == L:
        k += 1
    # mu = (1 + dt Lambda / 2) / (1 - dt Lambda / 2) = exp(2 pi i k / L) exactly when dt Lambda / 2 = i tan(pi k / L).
    Lambda[0] = (2 / dt) * 1j * np.tan(np.pi * k / L)
    A = np.diag(Lambda) - P.T @ Q.conj()
    Ab, Bb = bilinear(A, B, dt)
    K_ref = ssm_kernel(Ab, Bb, C, L)
    K = dplr_kernel(Lambda, P, Q, B, C, dt, L)
    # Dense reference and dense fallback both backward stable: error ~ eps * cond, far below 1e-10.
    np.testing.assert_allclose(K, K_ref, rtol=0, atol=1e-10 * np.abs(K_ref).max())


def test_dplr_kernel_eigenvalue_of_Ab_on_a_sampled_frequency_is_a_pole():
    # A = D - p q^* with q chosen so that det(lam I - A) = 0 at lam = (2/dt) i tan(pi k / L): Ab has the
    # eigenvalue exp(2 pi i k / L), an L-th root of unity, and the resolvent (I - Ab z)^{-1} has a real pole there.
    rng = np.random.default_rng(5)
    N, L, dt, k = 4, 8, 0.5, 1
    lam = (2 / dt) * 1j * np.tan(np.pi * k / L)
    D = -rng.uniform(0.2, 1.0, N) + 1j * rng.uniform(-3, 3, N)
    p = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    x = p / (lam - D)
    q = -x / np.vdot(x, x).real  # q^* x = -1
    A = np.diag(D) - np.outer(p, q.conj())
    assert np.abs(np.linalg.eigvals(A) - lam).min() < 1e-10
    with pytest.raises(ValueError, match="pole"):
        dplr_kernel(D, p, q, np.ones(N), np.ones(N), dt, L)


def test_dplr_kernel_accepts_C_tilde():
    rng = np.random.default_rng(7)
    Lambda, P, Q, B, C = random_dplr(rng, 6, 2)
    dt, L = 0.2, 50
    Ab, Bb = bilinear(np.diag(Lambda) - P.T @ Q.conj(), B, dt)
    C_tilde = C @ (np.eye(6) - np.linalg.matrix_power(Ab, L))
    K_ref = ssm_kernel(Ab, Bb, C, L)
    np.testing.assert_allclose(dplr_kernel(Lambda, P, Q, B, C_tilde, dt, L, tilde=True), K_ref,
                               rtol=0, atol=1e-10 * np.abs(K_ref).max())
    with pytest.raises(TypeError, match="tilde"):
        dplr_kernel(Lambda, P, Q, B, C, dt, L, tilde=1)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(1)
    Lambda, P, Q, B, C = random_dplr(rng, 5, r=2)
    args = [Lambda, P, Q, B, C]
    copies = [a.copy() for a in args]
    dplr_kernel(*args, 0.1, 32)
    for a, a0 in zip(args, copies):
        np.testing.assert_array_equal(a, a0)
    Ab, Bb, Cr = random_stable_system(rng, 4)
    u = rng.standard_normal(10)
    saved = [x.copy() for x in (Ab, Bb, Cr, u)]
    ssm_scan(Ab, Bb, Cr, u)
    K = ssm_kernel(Ab, Bb, Cr, 10)
    causal_conv(u, K)
    for x, x0 in zip((Ab, Bb, Cr, u), saved):
        np.testing.assert_array_equal(x, x0)
