"""Tests for lowrank.hippo: HiPPO-LegS / LegT matrices and discretization rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings, strategies as st
from numpy.polynomial import legendre as npleg

from lowrank import discretize, hippo_legs, hippo_legt

# Gauss–Legendre rule on [0, 1]: with m nodes it integrates polynomials of
# degree <= 2m - 1 exactly, and smooth integrands to machine precision.
_NODES, _WEIGHTS = npleg.leggauss(80)
U = (_NODES + 1) / 2
W = _WEIGHTS / 2
EPS = np.finfo(float).eps  # unit roundoff u = EPS / 2

# Error model of the quadrature checks (worst case, Higham's gamma_m): a
# floating-point sum of m terms errs by at most m u sum|terms|, and a product
# A @ c of N terms adds N u |A| |c|. ROUNDING_SUMS(m, N) = EPS (m + N + 10) is
# at least twice that bound (the + 10 covers the few roundings of each sampled
# value); actual errors add up like sqrt(m), far below it.


def rounding_allowance(m: int, N: int) -> float:
    return EPS * (m + N + 10)


def basis(N: int, u: np.ndarray) -> np.ndarray:
    """g_n(u) = sqrt(2n+1) P_n(2u - 1) on [0, 1], shape (len(u), N)."""
    return npleg.legvander(2 * u - 1, N - 1) * np.sqrt(2 * np.arange(N) + 1)


# ---------------------------------------------------------------- closed forms
def legs_reference(N: int) -> tuple[np.ndarray, np.ndarray]:
    A = np.zeros((N, N))
    for n in range(N):  # entry by entry, straight from the closed form
        for k in range(N):
            if n > k:
                A[n, k] = -math.sqrt((2 * n + 1) * (2 * k + 1))
            elif n == k:
                A[n, k] = -(n + 1)
    return A, np.array([math.sqrt(2 * n + 1) for n in range(N)])


def legt_reference(N: int, theta: float) -> tuple[np.ndarray, np.ndarray]:
    A = np.zeros((N, N))
    for n in range(N):
        for k in range(N):
            s = 1 if n >= k else (-1) ** (n - k)
            A[n, k] = -s * math.sqrt((2 * n + 1) * (2 * k + 1)) / theta
    return A, np.array([math.sqrt(2 * n + 1) / theta for n in range(N)])


@pytest.mark.parametrize("N", [1, 2, 3, 5, 8, 17])
def test_legs_closed_form(N):
    A, B = hippo_legs(N)
    A_ref, B_ref = legs_reference(N)
    # hippo_legs forms -sqrt(2n+1) sqrt(2k+1): three roundings; the reference
    # rounds once, sqrt((2n+1)(2k+1)). Relative difference <= 4u = 2 EPS; allowed 10x.
    np.testing.assert_allclose(A, A_ref, rtol=20 * EPS, atol=0)
    np.testing.assert_allclose(B, B_ref, rtol=20 * EPS, atol=0)
    assert A.shape == (N, N) and B.shape == (N,)


@pytest.mark.parametrize("N", [1, 2, 3, 5, 8, 17])
@pytest.mark.parametrize("theta", [1.0, 0.25, 3.0])
def test_legt_closed_form(N, theta):
    A, B = hippo_legt(N, theta)
    A_ref, B_ref = legt_reference(N, theta)
    # hippo_legt: two square roots, a product and a division (4 roundings); the
    # reference: one square root and a division (2). Relative difference <= 6u
    # = 3 EPS; allowed 10x.
    np.testing.assert_allclose(A, A_ref, rtol=30 * EPS, atol=0)
    np.testing.assert_allclose(B, B_ref, rtol=30 * EPS, atol=0)


def test_legt_default_theta_is_one():
    A, B = hippo_legt(4)
    A1, B1 = hippo_legt(4, theta=1.0)
    np.testing.assert_array_equal(A, A1)
    np.testing.assert_array_equal(B, B1)


@pytest.mark.parametrize("N", [1, 4, 12])
def test_legs_eigenvalues_are_minus_one_to_minus_n(N):
    A, _ = hippo_legs(N)
    # A is lower triangular, so its eigenvalues are the diagonal; eigvals of a
    # triangular matrix are read off exactly by LAPACK.
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(A).real), -np.arange(N, 0, -1), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.triu(A, 1), 0)


# --------------------------------------- the ODEs hold for exact projections
def legs_projection(f, df, t: float, N: int, absolute: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """c(t) = int_0^1 f(t u) g(u) du and its t-derivative int_0^1 u f'(t u) g(u) du.

    With ``absolute=True``, ``f`` and ``df`` bound the magnitudes and the basis
    enters as ``|g|``: the sums of |terms| of the two quadratures.
    """
    G = np.abs(basis(N, U)) if absolute else basis(N, U)
    return (W * f(t * U)) @ G, (W * U * df(t * U)) @ G


def legt_projection(f, df, t: float, theta: float, N: int, absolute: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """c(t) = int_0^1 f(t - theta + theta u) g(u) du and its t-derivative (``absolute``: as above)."""
    G = np.abs(basis(N, U)) if absolute else basis(N, U)
    x = t - theta + theta * U
    return (W * f(x)) @ G, (W * df(x)) @ G


@given(
    N=st.integers(1, 12),
    t=st.floats(0.1, 4.0),
    omega=st.floats(-6.0, 6.0),
    phase=st.floats(0.0, 3.0),
)
@settings(max_examples=40)
def test_legs_ode_holds_for_smooth_signals(N, t, omega, phase):
    f = lambda x: np.sin(omega * x + phase) + np.exp(-x)  # noqa: E731
    df = lambda x: omega * np.cos(omega * x + phase) - np.exp(-x)  # noqa: E731
    c, dc = legs_projection(f, df, t, N)
    A, B = hippo_legs(N)
    residual = dc - (A @ c + B * f(t)) / t
    # The quadrature rule is exact far below rounding (80 nodes, |omega t| <= 24);
    # rounding: see rounding_allowance, applied to the sums of |terms|.
    f_abs = lambda x: np.abs(np.sin(omega * x + phase)) + np.exp(-x)  # noqa: E731
    df_abs = lambda x: np.abs(omega * np.cos(omega * x + phase)) + np.exp(-x)  # noqa: E731
    c_abs, dc_abs = legs_projection(f_abs, df_abs, t, N, absolute=True)
    allowed = rounding_allowance(len(U), N) * (dc_abs + (np.abs(A) @ c_abs + B * f_abs(t)) / t)
    np.testing.assert_array_less(np.abs(residual), allowed)


@given(
    N=st.integers(1, 10),
    t=st.floats(-2.0, 2.0),
    theta=st.floats(0.2, 3.0),
    coeffs=st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=10),
)
@settings(max_examples=40)
def test_legt_ode_holds_for_polynomials_of_degree_below_n(N, t, theta, coeffs):
    coeffs = np.array(coeffs[:N])  # degree < N: the reconstruction of f(t - theta) is exact
    p = np.polynomial.Polynomial(coeffs)
    c, dc = legt_projection(p, p.deriv(), t, theta, N)
    A, B = hippo_legt(N, theta)
    residual = dc - (A @ c + B * p(t))
    # Exact quadrature (degree < 2 * 80); rounding: see rounding_allowance, with
    # the polynomial's terms sum |a_j| |x|^j bounding |p| and the error of Horner's rule.
    p_abs = np.polynomial.Polynomial(np.abs(p.coef))
    dp_abs = np.polynomial.Polynomial(np.abs(p.deriv().coef))
    c_abs, dc_abs = legt_projection(lambda x: p_abs(np.abs(x)), lambda x: dp_abs(np.abs(x)), t, theta, N, absolute=True)
    allowed = rounding_allowance(len(U), N) * (dc_abs + np.abs(A) @ c_abs + np.abs(B) * p_abs(abs(t)))
    np.testing.assert_array_less(np.abs(residual), allowed + 1e-300)


def test_legt_ode_is_only_approximate_beyond_degree_n():
    # Degree N: f(t - theta) is no longer reproduced by N coefficients, and the
    # closed system misses c' by the reconstruction error times g_n(-1) / theta.
    N, theta, t = 4, 1.0, 0.3
    p = np.polynomial.Polynomial([0, 0, 0, 0, 1.0])  # x^4
    c, dc = legt_projection(p, p.deriv(), t, theta, N)
    A, B = hippo_legt(N, theta)
    residual = dc - (A @ c + B * p(t))
    # Exact: c' = A c + B f(t) - g(-1) (f(t - theta) - f_rec(t - theta)) / theta.
    G = basis(N + 1, U)
    c5 = (W * p(t - theta + theta * U)) @ G  # the (N+1)-term expansion is exact for x^4
    gap = c5[N] * np.sqrt(2 * N + 1) * (-1) ** N  # the missing term of f(t - theta)
    expected = -basis(N, np.array([0.0]))[0] * gap / theta
    # Both sides are O(1) sums of at most 80 + N rounded terms of size O(1): 1e-12 is
    # far above their rounding (a few 1e-15) and far below the residual (O(1)).
    np.testing.assert_allclose(residual, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_less(1e-3, np.abs(residual).max())


# ------------------------------------------------------------ discretization
def random_system(rng, N, complex_=False):
    A = rng.standard_normal((N, N)) - 2 * np.eye(N)
    B = rng.standard_normal(N)
    if complex_:
        A = A + 1j * rng.standard_normal((N, N))
        B = B + 1j * rng.standard_normal(N)
    return A, B


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("N", [1, 3, 6])
def test_discretize_matches_formulas(N, complex_):
    rng = np.random.default_rng(N + 10 * complex_)
    A, B = random_system(rng, N, complex_)
    dt = 0.13
    I = np.eye(N)
    inv = np.linalg.inv
    expected = {
        "forward_euler": (I + dt * A, dt * B),
        "backward_euler": (inv(I - dt * A), dt * inv(I - dt * A) @ B),
        "bilinear": (inv(I - dt / 2 * A) @ (I + dt / 2 * A), dt * inv(I - dt / 2 * A) @ B),
        "zoh": (scipy.linalg.expm(dt * A), inv(A) @ (scipy.linalg.expm(dt * A) - I) @ B),
    }
    for method, (Ab_ref, Bb_ref) in expected.items():
        Ab, Bb = discretize(A, B, dt, method=method)
        assert Ab.shape == (N, N) and Bb.shape == (N,)
        assert np.iscomplexobj(Ab) == complex_
        # Well-conditioned small systems (cond(A), cond(I - dt A) < 100): a few
        # hundred eps covers inv vs solve and expm of a block vs of A alone.
        np.testing.assert_allclose(Ab, Ab_ref, rtol=1e-12, atol=1e-13, err_msg=method)
        np.testing.assert_allclose(Bb, Bb_ref, rtol=1e-12, atol=1e-13, err_msg=method)


def test_discretize_default_is_bilinear():
    A, B = hippo_legs(4)
    Ab, Bb = discretize(A, B, 0.1)
    Ab2, Bb2 = discretize(A, B, 0.1, method="bilinear")
    np.testing.assert_array_equal(Ab, Ab2)
    np.testing.assert_array_equal(Bb, Bb2)


def test_zoh_handles_singular_a():
    # A = 0: x' = B u, so one step of constant input adds dt * B * u exactly.
    Ab, Bb = discretize(np.zeros((3, 3)), [1.0, 2.0, 3.0], 0.5, method="zoh")
    np.testing.assert_array_equal(Ab, np.eye(3))
    np.testing.assert_allclose(Bb, [0.5, 1.0, 1.5], rtol=1e-15)


def test_zoh_is_exact_for_piecewise_constant_input():
    # Integrate the ODE finely with the exact matrix exponential over sub-steps.
    rng = np.random.default_rng(3)
    A, B = hippo_legt(5, theta=2.0)
    dt, u = 0.3, rng.standard_normal(6)
    Ab, Bb = discretize(A, B, dt, method="zoh")
    x = np.zeros(5)
    for uk in u:  # recurrence over time steps
        x = Ab @ x + Bb * uk
    # Reference: x(t) = sum_k int over step k of exp(A (T - s)) B u_k ds, by quadrature.
    T = dt * len(u)
    s = np.concatenate([k * dt + dt * U for k in range(len(u))])
    w = np.concatenate([dt * W for _ in range(len(u))])
    uu = np.repeat(u, len(U))
    Phi = np.stack([scipy.linalg.expm(A * (T - si)) @ B for si in s])
    x_ref = (w * uu) @ Phi
    np.testing.assert_allclose(x, x_ref, rtol=1e-10, atol=1e-12)


@given(
    lam_re=st.floats(-50.0, -1e-3),
    lam_im=st.floats(-50.0, 50.0),
    dt=st.floats(1e-3, 10.0),
)
@settings(max_examples=60)
def test_bilinear_and_backward_euler_are_stable_for_any_step(lam_re, lam_im, dt):
    lam = complex(lam_re, lam_im)
    for method in ("bilinear", "backward_euler", "zoh"):
        Ab, _ = discretize([[lam]], [1.0], dt, method=method)
        assert abs(Ab[0, 0]) < 1.0, method
    # The bilinear map is the Moebius transform (1 + z/2)/(1 - z/2) of z = lam dt.
    Ab, _ = discretize([[lam]], [1.0], dt, method="bilinear")
    z = lam * dt
    np.testing.assert_allclose(Ab[0, 0], (1 + z / 2) / (1 - z / 2), rtol=1e-14)


def test_forward_euler_is_unstable_for_large_steps_on_legs():
    A, B = hippo_legs(8)  # eigenvalues -1 ... -8
    Ab, _ = discretize(A, B, 0.3, method="forward_euler")  # 1 - 8 * 0.3 = -1.4
    assert np.abs(np.linalg.eigvals(Ab)).max() > 1.0
    Ab, _ = discretize(A, B, 0.2, method="forward_euler")  # 1 - 8 * 0.2 = -0.6
    assert np.abs(np.linalg.eigvals(Ab)).max() < 1.0


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("N", [0, -3])
def test_bad_n_value(N):
    with pytest.raises(ValueError, match="N"):
        hippo_legs(N)
    with pytest.raises(ValueError, match="N"):
        hippo_legt(N)


@pytest.mark.parametrize("N", [2.0, "3", None, True])
def test_bad_n_type(N):
    with pytest.raises(TypeError, match="N"):
        hippo_legs(N)
    with pytest.raises(TypeError, match="N"):
        hippo_legt(N)


@pytest.mark.parametrize("theta", [0.0, -1.0, np.inf, np.nan])
def test_bad_theta_value(theta):
    with pytest.raises(ValueError, match="theta"):
        hippo_legt(3, theta)


def test_bad_theta_type():
    with pytest.raises(TypeError, match="theta"):
        hippo_legt(3, "1")


@pytest.mark.parametrize("dt", [0.0, -0.1, np.inf])
def test_bad_dt_value(dt):
    A, B = hippo_legs(3)
    with pytest.raises(ValueError, match="dt"):
        discretize(A, B, dt)


def test_bad_dt_type():
    A, B = hippo_legs(3)
    with pytest.raises(TypeError, match="dt"):
        discretize(A, B, "0.1")


@pytest.mark.parametrize("method", ["rk4", "Bilinear", "", None])
def test_unknown_method(method):
    A, B = hippo_legs(3)
    with pytest.raises(ValueError, match="method"):
        discretize(A, B, 0.1, method=method)


def test_bad_shapes():
    with pytest.raises(ValueError, match="A"):
        discretize(np.ones((2, 3)), np.ones(2), 0.1)
    with pytest.raises(ValueError, match="B"):
        discretize(np.eye(3), np.ones(2), 0.1)
    with pytest.raises(ValueError, match="B"):
        discretize(np.eye(3), np.ones((3, 1)), 0.1)
    with pytest.raises(ValueError, match="A"):
        discretize(np.ones(3), np.ones(3), 0.1)
    with pytest.raises(ValueError, match="A"):
        discretize([[np.nan]], [1.0], 0.1)
    with pytest.raises(TypeError, match="A"):
        discretize([["a"]], [1.0], 0.1)


def test_singular_implicit_step_is_a_value_error():
    # I - dt A = 0 for A = I / dt: backward Euler cannot be formed.
    with pytest.raises(ValueError, match="dt"):
        discretize(np.eye(2) * 2.0, [1.0, 1.0], 0.5, method="backward_euler")
    with pytest.raises(ValueError, match="dt"):
        discretize(np.eye(2) * 4.0, [1.0, 1.0], 0.5, method="bilinear")


@pytest.mark.parametrize("method", ["bilinear", "zoh", "forward_euler", "backward_euler"])
def test_inputs_are_not_modified(method):
    rng = np.random.default_rng(0)
    A, B = random_system(rng, 4)
    A0, B0 = A.copy(), B.copy()
    Ab, Bb = discretize(A, B, 0.2, method=method)
    Ab[...] = 7.0  # results are new arrays, not views of the input
    Bb[...] = 7.0
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(B, B0)


# ------------------------------------------------- O(N) LegS products and solves
from hypothesis.extra.numpy import arrays  # noqa: E402

from lowrank import legs_matvec, legs_solve  # noqa: E402

@settings(max_examples=40)
@given(arrays(np.float64, st.integers(1, 40), elements=st.floats(-1e3, 1e3)))
def test_legs_matvec_matches_dense_product(x):
    A, _ = legs_reference(len(x))
    # Each entry is a sum of n+1 products: both results err by at most
    # (N + 2) u (|A| |x|)_n (Higham's gamma); allowed: 4 N EPS, at least 4x their sum.
    bound = 4 * len(x) * EPS * (np.abs(A) @ np.abs(x)) + 1e-300
    np.testing.assert_array_less(np.abs(legs_matvec(x) - A @ x), bound)


def test_legs_matvec_complex_and_large():
    rng = np.random.default_rng(11)
    N = 500
    x = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    A, _ = legs_reference(N)
    # Componentwise summation bound as above, for complex x: (N + 2) u (|A| |x|)
    # per real and imaginary part; allowed 4 N EPS (|A| |x|).
    err = np.abs(legs_matvec(x) - A @ x)
    np.testing.assert_array_less(err, 4 * N * EPS * (np.abs(A) @ np.abs(x)))


@settings(max_examples=40)
@given(
    arrays(np.float64, st.integers(1, 40), elements=st.floats(-1e3, 1e3)),
    st.sampled_from([0.0, 1e-4, 0.01, 0.5, 1 / 3, 1.0, 7.0, 1e4]),
)
def test_legs_solve_small_backward_error(v, lam):
    N = len(v)
    A, _ = legs_reference(N)
    M = np.eye(N) - lam * A
    z = legs_solve(v, lam)
    # A backward-stable solve leaves a residual <= c N u ||M|| ||z|| with a modest c
    # (here: the bidiagonal solve and the differences z_n = (y_n - y_{n-1}) / d_n,
    # each a few roundings per entry); allowed 10 N EPS ||M|| ||z||.
    resid = np.linalg.norm(M @ z - v)
    np.testing.assert_array_less(resid, 10 * N * EPS * np.linalg.norm(M, 2) * np.linalg.norm(z) + 1e-300)


@pytest.mark.parametrize("lam", [0.0, 1e-3, 0.05, 0.5, 3.0])
def test_legs_solve_matches_dense_solve(lam):
    rng = np.random.default_rng(12)
    N = 300
    A, _ = legs_reference(N)
    M = np.eye(N) - lam * A
    v = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    z_ref = np.linalg.solve(M, v)
    # Both solvers are backward stable: forward error <= c N u cond(M) ||z||.
    tol = 10 * N * EPS * np.linalg.cond(M)
    np.testing.assert_array_less(np.linalg.norm(legs_solve(v, lam) - z_ref), tol * np.linalg.norm(z_ref))


def test_legs_solve_is_backward_euler_step():
    # One backward Euler step of c' = A c + B f from c = v with input 0 is (I - dt A)^{-1} v.
    rng = np.random.default_rng(13)
    N, dt = 20, 0.03
    A, B = hippo_legs(N)
    v = rng.standard_normal(N)
    Ab, _ = discretize(A, B, dt, method="backward_euler")
    np.testing.assert_allclose(legs_solve(v, dt), Ab @ v, rtol=1e-12, atol=1e-14)


def test_legs_fast_bad_input():
    with pytest.raises(ValueError, match="x"):
        legs_matvec(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="x"):
        legs_matvec([])
    with pytest.raises(ValueError, match="x"):
        legs_matvec([1.0, np.nan])
    with pytest.raises(TypeError, match="x"):
        legs_matvec(["a", "b"])
    with pytest.raises(ValueError, match="v"):
        legs_solve([1.0, np.inf], 0.1)
    with pytest.raises(ValueError, match="lam"):
        legs_solve([1.0, 2.0], -0.1)
    with pytest.raises(ValueError, match="lam"):
        legs_solve([1.0, 2.0], np.nan)
    with pytest.raises(TypeError, match="lam"):
        legs_solve([1.0, 2.0], "0.1")
    with pytest.raises(TypeError, match="v"):
        legs_solve(["a"], 0.1)


def test_legs_fast_inputs_not_modified():
    x = np.array([1.0, -2.0, 3.0, 0.5])
    keep = x.copy()
    legs_matvec(x)
    legs_solve(x, 0.2)
    np.testing.assert_array_equal(x, keep)


# ------------------------------------------------------------ Fourier memory
from lowrank import hippo_fourier  # noqa: E402


@pytest.mark.parametrize("N, w", [(1, 1.0), (4, 0.7), (7, 2.5)])
def test_fourier_closed_form(N, w):
    A, B = hippo_fourier(N, w)
    A_ref = np.array([[(2j * math.pi * n - 1) / w if n == k else -1 / w for k in range(N)] for n in range(N)])
    # (2 pi i n - 1) / w: a rounded pi, a product, a division and a subtraction of
    # rounded terms against the same with math.pi: relative difference <= 8u = 4 EPS,
    # allowed 10x.
    np.testing.assert_allclose(A, A_ref, rtol=40 * EPS, atol=0)
    np.testing.assert_allclose(B, np.full(N, 1 / w), rtol=40 * EPS, atol=0)
    np.testing.assert_array_equal(hippo_fourier(N)[0], hippo_fourier(N, 1.0)[0])


@settings(max_examples=30)
@given(
    st.integers(1, 6),
    st.floats(0.3, 3.0),
    st.floats(0.0, 5.0),
    st.lists(st.complex_numbers(max_magnitude=2.0), min_size=6, max_size=6),
)
def test_fourier_ode_exact_for_band_limited_periodic_signals(N, w, t, amps):
    # f(x) = sum_k a_k exp(2 pi i k x / w), k < N: the window coefficients are
    # c_n(t) = (1/w) int_{t-w}^t f(x) exp(-2 pi i n (x - t) / w) dx, by Gauss-Legendre quadrature.
    a = np.array(amps[:N])
    k = np.arange(N)
    x = t - w + w * U  # nodes on the window
    f_x = np.exp(2j * np.pi * np.outer(x, k) / w) @ a
    df_x = np.exp(2j * np.pi * np.outer(x, k) / w) @ (2j * np.pi * k / w * a)
    kern = np.exp(-2j * np.pi * np.outer(x - t, k) / w)
    c = (W * f_x) @ kern
    # With x = t - w + w u the kernel is exp(-2 pi i n u), free of t, so c_n' = int_0^1 f'(x) e^{-2 pi i n u} du.
    dc = (W * df_x) @ kern
    A, B = hippo_fourier(N, w)
    f_t = np.exp(2j * np.pi * k * t / w) @ a
    # Rounding (see rounding_allowance) of sums of |terms| bounded by sum|a_k| and
    # sum|a_k| 2 pi k / w; each exponential's phase (up to 2 pi N (|t| + w) / w
    # radians) is rounded relatively, which adds that many u per sample.
    phase = 2 * math.pi * N * (abs(t) + w) / w
    s0, s1 = np.abs(a).sum(), (np.abs(a) * 2 * math.pi * k / w).sum()
    allowed = rounding_allowance(len(U), N + phase) * (s1 + np.abs(A) @ np.full(N, s0) + np.abs(B) * s0)
    np.testing.assert_array_less(np.abs(A @ c + B * f_t - dc), allowed + 1e-300)


def test_fourier_bad_input():
    with pytest.raises(ValueError, match="N"):
        hippo_fourier(0)
    with pytest.raises(TypeError, match="N"):
        hippo_fourier(2.5)
    with pytest.raises(ValueError, match="w"):
        hippo_fourier(3, w=0.0)
    with pytest.raises(TypeError, match="w"):
        hippo_fourier(3, w="1")


# ------------------------------------------- Fourier memory of the whole history
from lowrank import hippo_fourier_scaled  # noqa: E402


def fourier_scaled_reference(N: int) -> tuple[np.ndarray, np.ndarray]:
    A = np.zeros((2 * N + 1, 2 * N + 1), dtype=complex)
    for i, n in enumerate(range(-N, N + 1)):  # entry by entry, from the closed form
        for j, k in enumerate(range(-N, N + 1)):
            A[i, j] = 1j * math.pi * n - 1 if n == k else -n / (n - k)
    return A, np.ones(2 * N + 1, dtype=complex)


@pytest.mark.parametrize("N", [0, 1, 2, 5, 12])
def test_fourier_scaled_closed_form(N):
    A, B = hippo_fourier_scaled(N)
    A_ref, B_ref = fourier_scaled_reference(N)
    assert A.shape == (2 * N + 1, 2 * N + 1) and B.shape == (2 * N + 1,)
    # One division, or a rounded pi times n minus one, on both sides: relative
    # difference <= 6u = 3 EPS; allowed 10x.
    np.testing.assert_allclose(A, A_ref, rtol=30 * EPS, atol=0)
    np.testing.assert_array_equal(B, B_ref)


def test_fourier_scaled_zero_is_the_running_mean():
    # N = 0: t c_0' = f(t) - c_0, solved by the running mean c_0 = (1/t) int_0^t f.
    A, B = hippo_fourier_scaled(0)
    np.testing.assert_array_equal(A, [[-1.0]])
    np.testing.assert_array_equal(B, [1.0])


@pytest.mark.parametrize("N", [1, 3, 6])
def test_fourier_scaled_keeps_real_signals_real(N):
    # Reversing the frequency order conjugates the matrix, exactly: a real signal's
    # memory keeps c_{-n} = conj(c_n) under the truncated dynamics.
    A, B = hippo_fourier_scaled(N)
    np.testing.assert_array_equal(A[::-1, ::-1], A.conj())
    np.testing.assert_array_equal(B[::-1], B.conj())


@settings(max_examples=30)
@given(
    st.integers(0, 4),
    st.floats(0.3, 3.0),
    st.lists(st.complex_numbers(max_magnitude=2.0), min_size=9, max_size=9),
)
def test_fourier_scaled_ode_exact_when_the_window_is_band_limited(N, t_star, amps):
    # f(x) = sum_{|m| <= N} a_m exp(2 pi i m x / t_star): at t = t_star, u -> f(t u)
    # is a trigonometric polynomial of degree <= N, every c_k with |k| > N vanishes,
    # and the truncated ODE t c' = A c + B f holds exactly. Coefficients by quadrature:
    # c_n = int_0^1 f(t u) e^{-2 pi i n u} du, c_n' = int_0^1 u f'(t u) e^{-2 pi i n u} du.
    m = np.arange(-N, N + 1)
    a = np.array(amps[: 2 * N + 1])
    waves = np.exp(2j * np.pi * np.outer(t_star * U, m) / t_star)
    kern = np.exp(-2j * np.pi * np.outer(U, m))
    c = (W * (waves @ a)) @ kern
    dc = (W * U * (waves @ (2j * np.pi * m / t_star * a))) @ kern
    A, B = hippo_fourier_scaled(N)
    f_now = np.exp(2j * np.pi * m) @ a
    residual = t_star * dc - (A @ c + B * f_now)
    # Rounding as in rounding_allowance; phases up to 4 pi N radians add as many u.
    s0, s1 = np.abs(a).sum(), (np.abs(a) * 2 * np.pi * np.abs(m) / t_star).sum()
    allowed = rounding_allowance(len(U), 2 * N + 1 + 4 * np.pi * N) * (
        t_star * s1 / 2 + np.abs(A) @ np.full(2 * N + 1, s0) + s0
    )
    np.testing.assert_array_less(np.abs(residual), allowed + 1e-300)


def test_fourier_scaled_ode_is_only_approximate_in_between():
    # At t = 1.5 t_star the window holds one and a half periods: u -> f(t u) has
    # coefficients at every frequency, and the truncated ODE misses the tail.
    N, t_star = 2, 1.0
    m = np.arange(-N, N + 1)
    a = np.array([0, 0, 0, 1.0, 0])  # f(x) = exp(2 pi i x)
    t = 1.5 * t_star
    waves = np.exp(2j * np.pi * np.outer(t * U, m) / t_star)
    kern = np.exp(-2j * np.pi * np.outer(U, m))
    c = (W * (waves @ a)) @ kern
    dc = (W * U * (waves @ (2j * np.pi * m / t_star * a))) @ kern
    A, B = hippo_fourier_scaled(N)
    residual = t * dc - (A @ c + B * np.exp(2j * np.pi * t / t_star))
    np.testing.assert_array_less(0.01, np.abs(residual).max())


def test_fourier_scaled_bad_input():
    with pytest.raises(ValueError, match="N"):
        hippo_fourier_scaled(-1)
    with pytest.raises(TypeError, match="N"):
        hippo_fourier_scaled(1.0)
    with pytest.raises(TypeError, match="N"):
        hippo_fourier_scaled(True)
