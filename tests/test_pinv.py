"""Tests of lowrank.pinv against independent references and the Penrose conditions."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lowrank import penrose_residuals, pinv, regularized_pinv

EPS = np.finfo(np.float64).eps


def fro(M):
    """Frobenius norm via BLAS nrm2 (scaled: no overflow for entries near 1e+-170)."""
    return scipy.linalg.norm(np.ravel(M))


# ---------------------------------------------------------------- strategies
@st.composite
def matrices(draw, max_side=7):
    """Random shapes (1×n and n×1 included), optionally rank-deficient or zero, scaled by 1e±150."""
    m = draw(st.integers(1, max_side))
    n = draw(st.integers(1, max_side))
    kind = draw(st.sampled_from(["dense", "low_rank", "graded", "zero"]))
    # Entries are 0 or of magnitude in [1e-4, 1], so that after the 1e-150 scaling the
    # pseudo-inverse (entries up to ~1e+170) is still representable in float64.
    magnitudes = st.floats(1e-4, 1.0)
    entries = st.one_of(st.just(0.0), magnitudes, magnitudes.map(lambda x: -x))
    if kind == "zero":
        A = np.zeros((m, n))
    elif kind == "dense":
        A = draw(arrays(np.float64, (m, n), elements=entries))
    elif kind == "graded":
        # Full rank, singular values spread over up to 14 decades: the regime where
        # methods that square the condition number (normal equations) break down.
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        p = min(m, n)
        decades = draw(st.integers(0, 14))
        U = np.linalg.qr(rng.standard_normal((m, p)))[0]
        V = np.linalg.qr(rng.standard_normal((n, p)))[0]
        A = (U * np.logspace(0, -decades, p)) @ V.T
    else:
        r = draw(st.integers(1, max(1, min(m, n) - 1)))
        X = draw(arrays(np.float64, (m, r), elements=entries))
        Y = draw(arrays(np.float64, (r, n), elements=entries))
        A = X @ Y
    scale = draw(st.sampled_from([1e-150, 1.0, 1e150]))
    return A * scale


def backward_stable_bounds(A, X):
    """Residual bounds implied by X being the exact pseudo-inverse of A + E with ||E|| <= c u ||A||.

    Writing A' = A + E: AXA - A = E - EXA' - A'XE + ..., so it is O(u ||A||);
    XAX - X = -XEX is O(u ||A|| ||X||^2); the asymmetry of AX (and XA) is
    O(u ||A|| ||X||). Evaluating the residuals in floating point adds the
    rounding of the products, O(u ||A|| ||X||) relative to the size of each
    term, which for AXA is O(u kappa ||A||) with kappa = ||A|| ||X||.
    The constant c = 10 (m + n) covers the SVD's backward error, the default
    cut-off rtol = max(m, n) u and the roundings of the residual's products
    (at least three per entry even for a 1 x 1 matrix), with a factor 10 to spare.
    """
    m, n = A.shape
    c = 10 * (m + n) * EPS
    nA, nX = fro(A), fro(X)
    cond = nA * nX  # a condition number: >= 1 and far from overflow even when nX ~ 1e150
    return np.array([c * (1 + cond) * nA, (c * cond) * nX, c * cond, c * cond])


# ---------------------------------------------------------------- pinv
def test_pinv_matches_closed_form_rank_one():
    # A = u v^T has A^+ = v u^T / (|u|^2 |v|^2): an independent closed form. The entries are
    # stored exactly, so the only errors are the SVD's: a backward error delta ||A||,
    # delta = (m + n) u, moves a fixed-rank pseudo-inverse by at most 2 delta kappa ||A^+||
    # (Wedin), with kappa = ||A|| ||A^+|| = 1 for a rank-one matrix. The default cut-off must
    # drop the computed sigma_2 (zero in exact arithmetic, ~u sigma_1 in floating point).
    u = np.array([1.0, -2.0, 3.0])
    v = np.array([2.0, 0.5])
    A = np.outer(u, v)
    expected = np.outer(v, u) / (u @ u * (v @ v))
    delta = sum(A.shape) * EPS
    atol = 10 * 2 * delta * np.linalg.norm(expected, 2)
    np.testing.assert_allclose(pinv(A), expected, rtol=0, atol=atol)


def test_pinv_full_column_rank_equals_left_inverse():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8, 3))  # condition number ~ 3: normal equations are accurate here
    expected = np.linalg.solve(A.T @ A, A.T)
    # Forming A^T A squares the condition number: relative error ~ (m + n) u kappa^2 for the
    # reference, ~ (m + n) u kappa for pinv; 10x that, relative to the size of the entries.
    kappa = np.linalg.cond(A)
    atol = 10 * sum(A.shape) * EPS * kappa**2 * np.abs(expected).max()
    np.testing.assert_allclose(pinv(A), expected, rtol=0, atol=atol)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 12), st.integers(0, 2**32 - 1))
def test_pinv_forward_error_is_bounded_by_the_condition_number(m, n, decades, seed):
    # A = U diag(s) V^T built from known factors has A^+ = V diag(1/s) U^T (an
    # independent reference). Perturbation theory for full-rank A (Wedin) bounds
    # the relative error of a backward-stable pinv by c u kappa; methods that form
    # A^T A (normal equations) have error ~ u kappa^2 and fail this test.
    rng = np.random.default_rng(seed)
    p = min(m, n)
    U = np.linalg.qr(rng.standard_normal((m, p)))[0]
    V = np.linalg.qr(rng.standard_normal((n, p)))[0]
    s = np.logspace(0, -decades, p)
    A = (U * s) @ V.T
    exact = (V / s) @ U.T
    kappa = s[0] / s[-1]
    err = fro(pinv(A) - exact) / fro(exact)
    np.testing.assert_array_less(err, 20 * max(m, n) * EPS * kappa)


def test_pinv_matches_numpy_on_random_matrices():
    rng = np.random.default_rng(1)
    for shape in [(5, 3), (3, 5), (6, 6)]:
        A = rng.standard_normal(shape)
        # Two backward-stable SVD-based pseudo-inverses of a full-rank A: each is within
        # c u kappa ||A^+|| of the exact one (perturbation theory), c = 10 max(m, n) here.
        expected = np.linalg.pinv(A)
        atol = 2 * 10 * max(shape) * EPS * np.linalg.cond(A) * np.linalg.norm(expected, 2)
        np.testing.assert_allclose(pinv(A), expected, rtol=0, atol=atol)


def test_pinv_of_zero_matrix_is_zero_transpose():
    X = pinv(np.zeros((3, 2)))
    assert X.shape == (2, 3)
    assert not X.any()


def test_pinv_rtol_drops_small_singular_values():
    # A diagonal matrix: the SVD is exact up to a relative rounding of each singular value,
    # so the kept reciprocals are exact to a few u; 1e-12 relative leaves >1000x room.
    A = np.diag([1.0, 1e-3, 1e-12])
    np.testing.assert_allclose(pinv(A), np.diag([1.0, 1e3, 1e12]), rtol=1e-12)
    np.testing.assert_allclose(pinv(A, rtol=1e-6), np.diag([1.0, 1e3, 0.0]), rtol=1e-12)
    np.testing.assert_allclose(pinv(A, rtol=1e-2), np.diag([1.0, 0.0, 0.0]), rtol=1e-12)


def test_pinv_accepts_integer_and_list_input():
    # A diagonal matrix: exact up to one rounding per entry; the default rtol=1e-7 is ample.
    np.testing.assert_allclose(pinv([[2, 0], [0, 4]]), [[0.5, 0], [0, 0.25]])


@given(matrices())
def test_penrose_conditions_hold_to_backward_stable_tolerance(A):
    X = pinv(A)
    assert X.shape == A.shape[::-1]
    if not A.any():  # the zero matrix: its pseudo-inverse is the zero matrix, exactly
        assert not X.any()
        return
    res = penrose_residuals(A, X)
    np.testing.assert_array_less(res, backward_stable_bounds(A, X))


@given(matrices())
def test_pinv_is_scale_equivariant(A):
    # (cA)^+ = A^+ / c. Scaling by a power of two is exact, but LAPACK rescales very
    # small or large matrices internally, so the two results are pseudo-inverses of
    # matrices a backward error c·u·||A|| apart; perturbation theory for the
    # pseudo-inverse then bounds their difference by c·u·kappa·||X||, kappa = ||A|| ||X||.
    X = pinv(A)
    nX = fro(X)
    kappa = fro(A) * nX
    tol = 10 * max(A.shape) * EPS * kappa * nX * 2.0**-40
    np.testing.assert_allclose(pinv(A * 2.0**40), X * 2.0**-40, rtol=0, atol=tol)


@given(matrices(), st.booleans())
def test_pinv_twice_gives_back_a_full_rank_matrix(A, tall):
    A = A if (A.shape[0] >= A.shape[1]) == tall else A.T
    s = np.linalg.svd(A, compute_uv=False)
    assume(s[-1] > 0 and s[0] / s[-1] < 1e6)  # full rank and well inside the cut-off
    kappa = s[0] / s[-1]
    # Perturbation theory: relative error <= c * u * kappa for each inversion (twice).
    tol = 20 * max(A.shape) * EPS * kappa
    np.testing.assert_allclose(pinv(pinv(A)), A, rtol=0, atol=tol * np.abs(A).max())


def test_penrose_residuals_detect_each_violation():
    A = np.diag([2.0, 0.0])
    good = np.diag([0.5, 0.0])
    np.testing.assert_array_equal(penrose_residuals(A, good), np.zeros(4))
    # Each candidate breaks exactly the conditions computed by hand.
    np.testing.assert_allclose(penrose_residuals(A, np.diag([0.5, 1.0])), [0, 1, 0, 0])
    np.testing.assert_allclose(penrose_residuals(A, np.diag([1.0, 0.0])), [2, 1, 0, 0])
    X = np.array([[0.5, 1.0], [0.0, 0.0]])  # AX = [[1, 2], [0, 0]] is not symmetric
    np.testing.assert_allclose(penrose_residuals(A, X), [0, 0, np.sqrt(8), 0])


# ---------------------------------------------------------------- regularized_pinv
def test_regularized_pinv_matches_normal_equations_when_well_conditioned():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((6, 4))
    eps = 0.3
    expected = np.linalg.solve(A.T @ A + eps * np.eye(4), A.T)
    # A^T A + eps I has condition number <= (s_1^2 + eps) / eps ~ 50 here; both computations
    # are backward stable, so they agree to ~ (m + n) u times that condition number; 10x that.
    cond = (np.linalg.norm(A, 2) ** 2 + eps) / eps
    atol = 10 * sum(A.shape) * EPS * cond * np.abs(expected).max()
    np.testing.assert_allclose(regularized_pinv(A, eps), expected, rtol=0, atol=atol)


def test_regularized_pinv_tends_to_pinv():
    # A rank-2 matrix from orthonormal factors with known singular values s, so that
    # A^+ = V diag(1/s) U^T is known independently. In exact arithmetic
    # ||X_eps - A^+||_2 = max_i eps / (s_i (s_i^2 + eps)). Rounding adds at most
    # 1.25 delta s_1 / eps (a backward error delta s_1, delta = (m + n) u, times the Lipschitz
    # constant 1.25 / eps of A -> (A^T A + eps I)^{-1} A^T; the zero singular values of the
    # rounded product are of that size) plus delta s_1 / s_r^2 (forward error of the reference
    # and of inverting the kept singular values), and delta relative for the norm itself.
    rng = np.random.default_rng(3)
    m, n = 5, 4
    s = np.array([1.0, 0.3])
    U = np.linalg.qr(rng.standard_normal((m, 2)))[0]
    V = np.linalg.qr(rng.standard_normal((n, 2)))[0]
    A = (U * s) @ V.T
    A_plus = (V / s) @ U.T
    delta = (m + n) * EPS
    for eps in [1e-2, 1e-4, 1e-6]:
        err = np.linalg.norm(regularized_pinv(A, eps) - A_plus, 2)
        exact = np.max(eps / (s * (s**2 + eps)))
        rounding = delta * (1.25 * s[0] / eps + s[0] / s[-1] ** 2)
        np.testing.assert_allclose(err, exact, rtol=10 * delta, atol=10 * rounding)


def test_regularized_pinv_stays_accurate_where_normal_equations_fail():
    # s = 1e-9: forming A^T A squares it to 1e-18, below u relative to 1.
    A = np.diag([1.0, 1e-9])
    eps = 1e-20
    expected = np.diag([1 / (1 + eps), 1e-9 / (1e-18 + eps)])
    # Diagonal: the SVD is exact up to a relative rounding of each value, and s / (s^2 + eps)
    # adds a few more; 100 u relative. Forming A^T A would lose sigma_2 entirely.
    np.testing.assert_allclose(regularized_pinv(A, eps), expected, rtol=100 * EPS)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.ones(3), ValueError, "A must be 2-D"),
        (np.ones((2, 2, 2)), ValueError, "A must be 2-D"),
        (np.ones((0, 3)), ValueError, "A must not be empty"),
        (np.array([[1.0, np.nan]]), ValueError, "A must not contain NaN"),
        (np.array([[1.0, np.inf]]), ValueError, "A must not contain NaN"),
        ([["a", "b"]], TypeError, "A must hold real numbers"),
        ("abc", TypeError, "A must be a numeric array"),
        (np.array([[1 + 1j]]), TypeError, "A must hold real numbers"),
        ([[1.0, 2.0], [3.0]], ValueError, "A could not be read"),
    ],
)
def test_bad_matrices_are_rejected_with_named_argument(bad, exc, match):
    for f in (pinv, lambda A: regularized_pinv(A, 1.0), lambda A: penrose_residuals(A, np.ones((1, 1)))):
        with pytest.raises(exc, match=match):
            f(bad)


def test_bad_scalars_are_rejected():
    A = np.eye(2)
    with pytest.raises(ValueError, match="eps must be > 0"):
        regularized_pinv(A, 0.0)
    with pytest.raises(ValueError, match="eps must be > 0"):
        regularized_pinv(A, -1e-3)
    with pytest.raises(ValueError, match="eps must be finite"):
        regularized_pinv(A, np.nan)
    with pytest.raises(TypeError, match="eps must be a real number"):
        regularized_pinv(A, "small")
    with pytest.raises(ValueError, match="rtol must be >= 0"):
        pinv(A, rtol=-1.0)
    with pytest.raises(ValueError, match="X must have shape"):
        penrose_residuals(np.ones((2, 3)), np.ones((2, 3)))


def test_inputs_are_not_modified():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((4, 3))
    X = rng.standard_normal((3, 4))
    A0, X0 = A.copy(), X.copy()
    pinv(A)
    regularized_pinv(A, 0.1)
    penrose_residuals(A, X)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(X, X0)
