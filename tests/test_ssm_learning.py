"""Tests for lowrank.ssm_learning: least-squares readout, S4D kernels, the DPLR recurrence, scans, Ho–Kalman."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.signal
from hypothesis import given, settings, strategies as st

from lowrank import (
    discretize,
    dplr_kernel,
    dplr_scan,
    fit_readout,
    hankel_realization,
    hippo_legs,
    hippo_legt,
    legs_nplr,
    parallel_scan,
    s4d_lambda,
    ssm_kernel,
    ssm_scan,
    vandermonde_kernel,
)
from systems import random_dplr, random_stable_system

EPS = np.finfo(float).eps


def state_matrix(Ab, Bb, U):
    """States of every input (rows of U), built column by column with ssm_scan (output vector e_n reads state n)."""
    eye = np.eye(len(Bb))
    return np.vstack([np.column_stack([ssm_scan(Ab, Bb, e, u) for e in eye]) for u in np.atleast_2d(U)])


# ---------------------------------------------------------------- fit_readout
@pytest.mark.parametrize("N, batch, L", [(1, 1, 20), (4, 1, 60), (6, 3, 40), (8, 5, 30)])
def test_fit_readout_recovers_a_planted_readout(N, batch, L):
    rng = np.random.default_rng(10 * N + batch)
    Ab, Bb, C = random_stable_system(rng, N)
    U = rng.standard_normal((batch, L))
    Y = np.stack([ssm_scan(Ab, Bb, C, u) for u in U])
    X = state_matrix(Ab, Bb, U)
    kappa = np.linalg.cond(X)
    u_arg, y_arg = (U[0], Y[0]) if batch == 1 else (U, Y)
    C_fit = fit_readout(Ab, Bb, u_arg, y_arg)
    assert C_fit.shape == (N,) and not np.iscomplexobj(C_fit)
    # Zero residual: a backward-stable least-squares solve is accurate to ~ kappa(X) eps ||C||.
    tol = 100 * kappa * EPS * np.linalg.norm(C)
    np.testing.assert_allclose(C_fit, C, rtol=0, atol=tol)
    np.testing.assert_allclose(C_fit, np.linalg.lstsq(X, Y.ravel(), rcond=None)[0], rtol=0, atol=tol)


@given(N=st.integers(1, 6), seed=st.integers(0, 2**16), complex_=st.booleans())
@settings(max_examples=40)
def test_fit_readout_matches_lstsq_on_noisy_targets(N, seed, complex_):
    rng = np.random.default_rng(seed)
    Ab, Bb, _ = random_stable_system(rng, N, complex_)
    U = rng.standard_normal((2, 25))
    Y = rng.standard_normal((2, 25))
    if complex_:
        Y = Y + 1j * rng.standard_normal((2, 25))
    X = state_matrix(Ab, Bb, U)
    C_fit = fit_readout(Ab, Bb, U, Y)
    C_ref = np.linalg.lstsq(X, Y.ravel(), rcond=None)[0]
    # Compare fitted outputs: they are unique even where C is not. The least-squares fit of a
    # nonzero residual is accurate to ~ kappa(X) eps ||y|| (plus kappa^2 eps ||r||, r the residual).
    kappa = np.linalg.cond(X)
    scale = np.linalg.norm(Y) * (kappa + kappa**2 * EPS) * EPS
    np.testing.assert_allclose(X @ C_fit, X @ C_ref, rtol=0, atol=100 * scale + 1e-300)


def test_fit_readout_complex_states_real_target_fits_the_real_part():
    rng = np.random.default_rng(3)
    Lam = np.array([-0.5 + 1j, -0.2 + 3j, -1.0 - 2j])
    Ab, Bb = discretize(np.diag(Lam), np.ones(3), 0.1, method="zoh")
    C = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    U = rng.standard_normal((3, 60))
    Y = np.stack([ssm_scan(Ab, Bb, C, u).real for u in U])
    C_fit = fit_readout(Ab, Bb, U, Y)
    assert np.iscomplexobj(C_fit)
    X = state_matrix(Ab, Bb, U)
    F = np.hstack([X.real, -X.imag])  # Re(C x) = Re C . Re x - Im C . Im x
    kappa = np.linalg.cond(F)
    # All three frequencies are distinct and non-real, so Re and Im of the states are independent: C is unique.
    np.testing.assert_allclose(C_fit, C, rtol=0, atol=100 * kappa * EPS * np.linalg.norm(C))


@pytest.mark.parametrize("ridge", [1e-3, 1.0, 100.0])
def test_fit_readout_ridge_solves_the_normal_equations(ridge):
    rng = np.random.default_rng(4)
    Ab, Bb = discretize(*hippo_legt(6, 1.0), 1 / 32)
    U, Y = rng.standard_normal((2, 80)), rng.standard_normal((2, 80))
    X = state_matrix(Ab, Bb, U)
    gram = X.T @ X + ridge * np.eye(6)
    C_ref = np.linalg.solve(gram, X.T @ Y.ravel())
    C_fit = fit_readout(Ab, Bb, U, Y, ridge=ridge)
    # Normal equations: error ~ cond(gram) eps ||C||.
    np.testing.assert_allclose(C_fit, C_ref, rtol=0, atol=100 * np.linalg.cond(gram) * EPS * np.linalg.norm(C_ref))


def test_fit_readout_ridge_zero_equals_default_and_shrinks():
    rng = np.random.default_rng(5)
    Ab, Bb, _ = random_stable_system(rng, 4)
    u, y = rng.standard_normal(50), rng.standard_normal(50)
    C0 = fit_readout(Ab, Bb, u, y)
    np.testing.assert_array_equal(fit_readout(Ab, Bb, u, y, ridge=0.0), C0)
    norms = [np.linalg.norm(fit_readout(Ab, Bb, u, y, ridge=r)) for r in (0.0, 1.0, 100.0)]
    assert norms[0] > norms[1] > norms[2]  # the penalty shrinks the readout


def test_fit_readout_bad_input():
    Ab, Bb = np.eye(2) * 0.5, np.ones(2)
    u = np.ones(5)
    with pytest.raises(ValueError, match="Ab"):
        fit_readout(np.ones((2, 3)), Bb, u, u)
    with pytest.raises(ValueError, match="Bb"):
        fit_readout(Ab, np.ones(3), u, u)
    with pytest.raises(ValueError, match="u"):
        fit_readout(Ab, Bb, np.ones((2, 2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="y"):
        fit_readout(Ab, Bb, u, np.ones(4))
    with pytest.raises(ValueError, match="u"):
        fit_readout(Ab, Bb, np.array([1.0, np.nan, 0, 0, 0]), u)
    with pytest.raises(ValueError, match="ridge"):
        fit_readout(Ab, Bb, u, u, ridge=-1.0)
    with pytest.raises(TypeError, match="ridge"):
        fit_readout(Ab, Bb, u, u, ridge="big")
    with pytest.raises(TypeError, match="u"):
        fit_readout(Ab, Bb, "abc", u)


# ----------------------------------------------------------------- s4d_lambda
def test_s4d_lambda_formulas():
    for N in (1, 2, 7, 64):
        n = np.arange(N)
        lin, inv = s4d_lambda(N, "lin"), s4d_lambda(N, "inv")
        assert lin.shape == inv.shape == (N,) and lin.dtype == inv.dtype == np.complex128
        assert np.all(lin.real == -0.5) and np.all(inv.real == -0.5)
        np.testing.assert_allclose(lin.imag, np.pi * n, rtol=4 * EPS)
        # (N / pi)(N / (2n + 1) - 1) = N (N - 2n - 1) / (pi (2n + 1)): a few roundings.
        np.testing.assert_allclose(inv.imag, N * (N - 2 * n - 1) / (np.pi * (2 * n + 1)), rtol=0,
                                   atol=20 * EPS * N**2)
    np.testing.assert_array_equal(s4d_lambda(5), s4d_lambda(5, "lin"))


def test_s4d_lambda_bad_input():
    with pytest.raises(ValueError, match="N"):
        s4d_lambda(0)
    with pytest.raises(TypeError, match="N"):
        s4d_lambda(4.0)
    with pytest.raises(ValueError, match="init"):
        s4d_lambda(4, "legs")


# --------------------------------------------------------- vandermonde_kernel
def random_diagonal(rng, N):
    Lam = -rng.uniform(0.05, 2.0, N) + 1j * rng.uniform(-20, 20, N)
    B = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    C = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    return Lam, B, C


def powers_bound(lam_bar, w, L, N):
    """Entry-wise error model for both routes, 10x headroom.

    lambda_bar and Bb come from expm (dense route) or a closed form: a relative error up to about
    5 (1 + |log lambda_bar|) eps each, which the l-th power multiplies by l; the sum over N entries adds N eps.
    """
    l = np.arange(L)
    size = np.abs(w) @ np.abs(lam_bar[:, None]) ** l
    return 10 * (5 * (l + 1) * (1 + np.abs(np.log(lam_bar)).max()) + N) * EPS * size


@given(N=st.integers(1, 8), L=st.integers(1, 300), seed=st.integers(0, 2**16),
       dt=st.floats(1e-3, 0.5), method=st.sampled_from(["zoh", "bilinear"]))
@settings(max_examples=60)
def test_vandermonde_kernel_matches_dense_ssm_kernel(N, L, seed, dt, method):
    rng = np.random.default_rng(seed)
    Lam, B, C = random_diagonal(rng, N)
    K = vandermonde_kernel(Lam, B, C, dt, L, method=method)
    Ab, Bb = discretize(np.diag(Lam), B, dt, method=method)
    K_ref = ssm_kernel(Ab, Bb, C, L)
    assert K.shape == (L,) and np.iscomplexobj(K)
    lam_bar = np.diag(Ab)
    np.testing.assert_array_less(np.abs(K - K_ref), powers_bound(lam_bar, C * Bb, L, N) + 1e-300)


def test_vandermonde_kernel_across_blocks_matches_explicit_powers():
    # N = 4096 gives blocks of 16 rows, so L = 100 crosses six block boundaries.
    rng = np.random.default_rng(8)
    N, L, dt = 4096, 100, 0.01
    Lam, B, C = random_diagonal(rng, N)
    for method in ("zoh", "bilinear"):
        K = vandermonde_kernel(Lam, B, C, dt, L, method=method)
        if method == "zoh":
            lam_bar, Bb = np.exp(dt * Lam), (np.exp(dt * Lam) - 1) / Lam * B
        else:
            lam_bar, Bb = (1 + dt * Lam / 2) / (1 - dt * Lam / 2), dt * B / (1 - dt * Lam / 2)
        powers = lam_bar[None, :] ** np.arange(L)[:, None]  # np.power, entry by entry
        np.testing.assert_array_less(np.abs(K - powers @ (C * Bb)), powers_bound(lam_bar, C * Bb, L, N))


def test_vandermonde_kernel_real_is_the_conjugate_pair_system():
    rng = np.random.default_rng(9)
    Lam, B, C = random_diagonal(rng, 5)
    dt, L = 0.05, 200
    K_half = vandermonde_kernel(Lam, B, C, dt, L, real=True)
    assert K_half.dtype == np.float64
    full = [np.concatenate([v, v.conj()]) for v in (Lam, B, C)]
    Ab, Bb = discretize(np.diag(full[0]), full[1], dt, method="zoh")
    K_full = ssm_kernel(Ab, Bb, full[2], L)
    bound = powers_bound(np.diag(Ab), full[2] * Bb, L, 10)
    np.testing.assert_array_less(np.abs(K_half - K_full.real), bound)
    np.testing.assert_array_less(np.abs(K_full.imag), bound)


def test_vandermonde_kernel_special_entries():
    # lambda = 0 with ZOH: lambda_bar = 1, Bb = dt B.  lambda = -2/dt with bilinear: lambda_bar = 0.
    K = vandermonde_kernel([0.0], [2.0], [3.0], 0.1, 5)
    np.testing.assert_allclose(K, 0.6 * np.ones(5), rtol=50 * EPS)  # a few roundings of dt * B * C
    K = vandermonde_kernel([-20.0, -1.0], [1.0, 1.0], [1.0, 1.0], 0.1, 4, method="bilinear")
    lam_bar = (1 - 0.05) / (1 + 0.05)
    expected = np.array([0.05, 0.0, 0.0, 0.0]) + 0.1 / 1.05 * lam_bar ** np.arange(4)
    np.testing.assert_allclose(K, expected, rtol=100 * EPS)  # a few roundings per power


def test_vandermonde_kernel_bad_input():
    Lam, B, C = np.array([-1.0 + 1j]), np.ones(1), np.ones(1)
    with pytest.raises(ValueError, match="B"):
        vandermonde_kernel(Lam, np.ones(2), C, 0.1, 4)
    with pytest.raises(ValueError, match="C"):
        vandermonde_kernel(Lam, B, np.ones(2), 0.1, 4)
    with pytest.raises(ValueError, match="dt"):
        vandermonde_kernel(Lam, B, C, 0.0, 4)
    with pytest.raises(ValueError, match="L"):
        vandermonde_kernel(Lam, B, C, 0.1, 0)
    with pytest.raises(TypeError, match="L"):
        vandermonde_kernel(Lam, B, C, 0.1, 4.0)
    with pytest.raises(ValueError, match="method"):
        vandermonde_kernel(Lam, B, C, 0.1, 4, method="euler")
    with pytest.raises(TypeError, match="real"):
        vandermonde_kernel(Lam, B, C, 0.1, 4, real=1)
    with pytest.raises(ValueError, match="Lambda"):
        vandermonde_kernel([np.nan], B, C, 0.1, 4)
    with pytest.raises(ValueError, match="dt"):
        vandermonde_kernel([2.0], B, C, 1.0, 4, method="bilinear")  # 1 - dt lambda / 2 = 0
    with pytest.raises(ValueError, match="overflow"):
        vandermonde_kernel([50.0], B, C, 1.0, 100)  # e^50 per step


# ------------------------------------------------------------------ dplr_scan


@given(N=st.integers(1, 8), r=st.integers(1, 3), L=st.integers(1, 80), seed=st.integers(0, 2**16),
       dt=st.floats(0.01, 1.0))
@settings(max_examples=50)
def test_dplr_scan_matches_dense_recurrence(N, r, L, seed, dt):
    rng = np.random.default_rng(seed)
    Lam, P, Q, B, C = random_dplr(rng, N, r)
    u = rng.standard_normal(L)
    A = np.diag(Lam) - P.T @ Q.conj()
    Ab, Bb = discretize(A, B, dt)
    y = dplr_scan(Lam, P if r > 1 else P[0], Q if r > 1 else Q[0], B, C, dt, u)
    y_ref = ssm_scan(Ab, Bb, C, u)
    assert y.shape == (L,) and np.iscomplexobj(y)
    # Both recurrences are backward stable per step; the error is bounded by the rounding of one step,
    # ~ N eps (|Ab| + |Bb|) times the size of the states, propagated with gain sum_l ||Ab^l||.
    powers = [np.eye(N)]
    for _ in range(L):
        powers.append(powers[-1] @ Ab)
    gain = sum(np.linalg.norm(p, 2) for p in powers)
    state = gain * np.linalg.norm(Bb) * np.abs(u).max()
    bound = 100 * (N + r) * EPS * gain * (np.linalg.norm(Ab, 2) * state + np.linalg.norm(Bb) * np.abs(u).max())
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=bound * np.linalg.norm(C) + 1e-300)


def test_dplr_scan_legs_is_the_dense_legs_recurrence_and_the_convolution():
    rng = np.random.default_rng(11)
    N, dt, L = 32, 0.02, 600
    Lam, P, B, V = legs_nplr(N)
    A, B_dense = hippo_legs(N)
    C = rng.standard_normal(N)
    Pt, Bt, Ct = V.conj().T @ P, V.conj().T @ B, C @ V
    u = rng.standard_normal(L)
    y = dplr_scan(Lam, Pt, Pt, Bt, Ct, dt, u)
    y_dense = ssm_scan(*discretize(A, B_dense, dt), C, u)
    K = dplr_kernel(Lam, Pt, Pt, Bt, Ct, dt, L, real=True)
    scale = np.abs(K).sum() * np.abs(u).max()  # the largest output the model can produce
    # A few hundred eps for both routes (V unitary to ~N eps; each step backward stable): allow 100 N eps.
    np.testing.assert_allclose(y, y_dense, rtol=0, atol=100 * N * EPS * scale)
    np.testing.assert_allclose(y.imag, 0, atol=100 * N * EPS * scale)
    impulse = np.zeros(L)
    impulse[0] = 1.0
    np.testing.assert_allclose(dplr_scan(Lam, Pt, Pt, Bt, Ct, dt, impulse).real, K, rtol=0,
                               atol=100 * N * EPS * np.abs(K).sum())


def test_dplr_scan_bad_input():
    rng = np.random.default_rng(12)
    Lam, P, Q, B, C = random_dplr(rng, 3)
    u = np.ones(4)
    with pytest.raises(ValueError, match="P"):
        dplr_scan(Lam, np.ones(4), Q, B, C, 0.1, u)
    with pytest.raises(ValueError, match="Q"):
        dplr_scan(Lam, P, np.ones((2, 3)), B, C, 0.1, u)
    with pytest.raises(ValueError, match="B"):
        dplr_scan(Lam, P, Q, np.ones(2), C, 0.1, u)
    with pytest.raises(ValueError, match="C"):
        dplr_scan(Lam, P, Q, B, np.ones(2), 0.1, u)
    with pytest.raises(ValueError, match="dt"):
        dplr_scan(Lam, P, Q, B, C, -0.1, u)
    with pytest.raises(ValueError, match="u"):
        dplr_scan(Lam, P, Q, B, C, 0.1, np.ones((2, 2)))
    with pytest.raises(TypeError, match="dt"):
        dplr_scan(Lam, P, Q, B, C, "0.1", u)
    with pytest.raises(ValueError, match="Lambda"):
        dplr_scan([20.0 + 0j], [0.1], [0.1], [1.0], [1.0], 0.1, u)  # 2/dt - lambda = 0
    # A = 0 - 1 * (-20) = 20 = 2/dt: I - dt A / 2 is singular although 2/dt - lambda is not.
    with pytest.raises(ValueError, match="singular"):
        dplr_scan([0.0], [1.0], [-20.0], [1.0], [1.0], 0.1, u)


# -------------------------------------------------------------- parallel_scan
def loop_and_magnitudes(a, b):
    a = np.broadcast_to(a, b.shape)
    x, m = np.zeros(b.shape[1], dtype=np.result_type(a, b)), np.zeros(b.shape[1])
    xs, ms = np.empty(b.shape, dtype=x.dtype), np.empty(b.shape)
    for k in range(b.shape[0]):
        x = a[k] * x + b[k]
        m = np.abs(a[k]) * m + np.abs(b[k])
        xs[k], ms[k] = x, m
    return xs, ms


@given(L=st.integers(1, 300), N=st.integers(1, 5), seed=st.integers(0, 2**16), complex_=st.booleans(),
       constant=st.booleans())
@settings(max_examples=80)
def test_parallel_scan_matches_the_loop(L, N, seed, complex_, constant):
    rng = np.random.default_rng(seed)
    shape = (N,) if constant else (L, N)
    a = rng.uniform(-1.2, 1.2, shape)
    b = rng.standard_normal((L, N))
    if complex_:
        a = a + 1j * rng.uniform(-0.5, 0.5, shape)
        b = b + 1j * rng.standard_normal((L, N))
    x = parallel_scan(a, b)
    x_ref, m = loop_and_magnitudes(a, b)
    assert x.shape == (L, N) and np.iscomplexobj(x) == complex_
    # Each x_k passes through at most `depth` combinations (two roundings each) and its multipliers are
    # products formed over at most `depth` levels: about (3 depth + 2) roundings of size eps m_k; 10x that.
    depth = int(np.ceil(np.log2(L))) if L > 1 else 0
    np.testing.assert_array_less(np.abs(x - x_ref), 10 * (3 * depth + 2) * EPS * m + 1e-300)


def test_parallel_scan_matches_lfilter():
    rng = np.random.default_rng(13)
    L, N = 5000, 6
    a = rng.uniform(-0.999, 0.999, N)
    b = rng.standard_normal((L, N))
    x = parallel_scan(a, b)
    x_ref = np.column_stack([scipy.signal.lfilter([1.0], [1.0, -a[n]], b[:, n]) for n in range(N)])
    m = np.column_stack([scipy.signal.lfilter([1.0], [1.0, -abs(a[n])], np.abs(b[:, n])) for n in range(N)])
    np.testing.assert_array_less(np.abs(x - x_ref), 10 * (3 * np.ceil(np.log2(L)) + 2) * EPS * m)


def test_parallel_scan_edge_cases():
    b = np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(parallel_scan([0.5, 0.5], b), b)  # one step: x_0 = b_0
    np.testing.assert_array_equal(parallel_scan(np.zeros((3, 1)), np.ones((3, 1))), np.ones((3, 1)))
    x = parallel_scan(np.ones(1), np.ones((8, 1)))  # running sums, exact in floating point
    np.testing.assert_array_equal(x.ravel(), np.arange(1.0, 9.0))


def test_parallel_scan_bad_input():
    with pytest.raises(ValueError, match="b"):
        parallel_scan([0.5], [1.0, 2.0])
    with pytest.raises(ValueError, match="a"):
        parallel_scan(np.ones(3), np.ones((4, 2)))
    with pytest.raises(ValueError, match="a"):
        parallel_scan(np.ones((3, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="b"):
        parallel_scan([0.5], [[np.inf]])
    with pytest.raises(TypeError, match="a"):
        parallel_scan("a", np.ones((2, 1)))


# --------------------------------------------------------- hankel_realization
def well_conditioned_system(rng, eigenvalues):
    """A real system with the given (real or conjugate-pair) eigenvalues in an orthonormal basis."""
    blocks, i = [], 0
    eigenvalues = list(eigenvalues)
    while i < len(eigenvalues):
        lam = eigenvalues[i]
        if np.iscomplex(lam):
            blocks.append(np.array([[lam.real, lam.imag], [-lam.imag, lam.real]]))
            i += 2
        else:
            blocks.append(np.array([[lam.real]]))
            i += 1
    D = scipy.linalg.block_diag(*blocks)
    Q = np.linalg.qr(rng.standard_normal(D.shape))[0]
    n = D.shape[0]
    return Q @ D @ Q.T, rng.standard_normal(n), rng.standard_normal(n)



@pytest.mark.parametrize("seed", range(5))
def test_hankel_realization_recovers_the_system(seed):
    rng = np.random.default_rng(seed)
    eigs = np.array([0.9, 0.4 + 0.5j, 0.4 - 0.5j, -0.7, 0.1])
    Ab, Bb, C = well_conditioned_system(rng, eigs)
    M = 31
    K = ssm_kernel(Ab, Bb, C, M)
    Ah, Bh, Ch = hankel_realization(K, 5)
    assert Ah.shape == (5, 5) and Bh.shape == Ch.shape == (5,) and not np.iscomplexobj(Ah)
    # Backward-stable SVD: the kernel of a Hankel matrix within ~M eps ||H|| of the data (1000x headroom).
    np.testing.assert_allclose(ssm_kernel(Ah, Bh, Ch, 150), ssm_kernel(Ab, Bb, C, 150), rtol=0,
                               atol=1000 * M * EPS * np.abs(K).max())
    s = np.linalg.svd(K[np.add.outer(np.arange(M // 2), np.arange(M - M // 2))], compute_uv=False)
    found, vectors = np.linalg.eig(Ah)
    tol = 100 * M * EPS * s[0] / s[4] * np.linalg.cond(vectors)  # perturbation of Ah, amplified by its eigenvectors
    np.testing.assert_allclose(np.sort_complex(found), np.sort_complex(eigs), rtol=0, atol=tol)


@given(n=st.integers(1, 6), extra=st.integers(0, 4), seed=st.integers(0, 2**16), complex_=st.booleans())
@settings(max_examples=40)
def test_hankel_realization_reproduces_kernels_of_order_at_most_r(n, extra, seed, complex_):
    rng = np.random.default_rng(seed)
    Ab, Bb, C = random_stable_system(rng, n, complex_)
    r = n + extra
    M = 2 * r + 1 + int(rng.integers(0, 20))
    K = ssm_kernel(Ab, Bb, C, M)
    Ah, Bh, Ch = hankel_realization(K, r)
    assert Ah.shape == (r, r) and np.iscomplexobj(Ah) == complex_
    # Singular values below max(p, q) eps s_1 are dropped; what they carry is at that level. The realization
    # of the rest is backward stable: kernel errors ~ M eps ||H||_2 <= M eps sum|K|.
    np.testing.assert_allclose(ssm_kernel(Ah, Bh, Ch, M), K, rtol=0, atol=1000 * M * EPS * np.abs(K).sum())


def test_hankel_realization_reduced_models_respect_the_hankel_lower_bound():
    rng = np.random.default_rng(21)
    Ab, Bb, C = well_conditioned_system(rng, [0.95, 0.8 + 0.3j, 0.8 - 0.3j, 0.6, -0.5, 0.3])
    M = 201
    K = ssm_kernel(Ab, Bb, C, M)
    s = np.linalg.svd(K[np.add.outer(np.arange(M // 2), np.arange(M - M // 2))], compute_uv=False)
    for r in range(1, 6):
        Ar, Br, Cr = hankel_realization(K, r)
        l1_error = np.abs(ssm_kernel(Ar, Br, Cr, M) - K).sum()
        # headroom: a theorem (Eckart-Young and ||H(e)|| <= ||e||_1); equality is approached by good models.
        np.testing.assert_array_less(s[r], l1_error)


def test_hankel_realization_zero_kernel_and_small_rank():
    Ab, Bb, C = hankel_realization(np.zeros(9), 3)
    assert not np.any(Ab) and not np.any(Bb) and not np.any(C)
    K = 0.5 ** np.arange(7)  # order 1, realized with 3 states: two of them decoupled zero states
    Ab, Bb, C = hankel_realization(K, 3)
    np.testing.assert_allclose(ssm_kernel(Ab, Bb, C, 40), 0.5 ** np.arange(40), rtol=1e-13, atol=1e-300)


def test_hankel_realization_bad_input():
    with pytest.raises(ValueError, match="K"):
        hankel_realization([1.0, 0.5], 1)
    with pytest.raises(ValueError, match="r"):
        hankel_realization(np.ones(8), 4)  # needs M >= 2r + 1 = 9
    with pytest.raises(ValueError, match="r"):
        hankel_realization(np.ones(8), 0)
    with pytest.raises(TypeError, match="r"):
        hankel_realization(np.ones(8), 2.0)
    with pytest.raises(ValueError, match="K"):
        hankel_realization(np.ones((3, 3)), 1)
    with pytest.raises(ValueError, match="K"):
        hankel_realization([1.0, np.nan, 0.0], 1)


# --------------------------------------------------------------------- purity
def test_inputs_are_not_modified():
    rng = np.random.default_rng(30)
    Ab, Bb, _ = random_stable_system(rng, 3)
    U, Y = rng.standard_normal((2, 10)), rng.standard_normal((2, 10))
    Lam, P, Q, B, C = random_dplr(rng, 4, r=2)
    u = rng.standard_normal(12)
    a, b = rng.uniform(-1, 1, (12, 4)), rng.standard_normal((12, 4))
    K = rng.standard_normal(11)
    arrays = [Ab, Bb, U, Y, Lam, P, Q, B, C, u, a, b, K]
    saved = [x.copy() for x in arrays]
    fit_readout(Ab, Bb, U, Y, ridge=0.5)
    vandermonde_kernel(Lam, B, C, 0.1, 20, real=True)
    dplr_scan(Lam, P, Q, B, C, 0.1, u)
    parallel_scan(a, b)
    parallel_scan(a[0], b)
    hankel_realization(K, 3)
    for x, x0 in zip(arrays, saved):
        np.testing.assert_array_equal(x, x0)
