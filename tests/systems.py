"""Test data shared by the state-space test modules (``test_s4``, ``test_rtf``, ``test_ssm_learning``)."""

from __future__ import annotations

import numpy as np


def random_stable_system(rng: np.random.Generator, N: int, complex_: bool = False):
    """A discrete system with spectral radius 0.9 (so powers neither blow up nor vanish too fast)."""
    Ab = rng.standard_normal((N, N))
    if complex_:
        Ab = Ab + 1j * rng.standard_normal((N, N))
    Ab *= 0.9 / np.abs(np.linalg.eigvals(Ab)).max()
    Bb, C = rng.standard_normal(N), rng.standard_normal(N)
    if complex_:
        Bb, C = Bb + 1j * rng.standard_normal(N), C + 1j * rng.standard_normal(N)
    return Ab, Bb, C


def random_dplr(rng: np.random.Generator, N: int, r: int = 1):
    """A stable diagonal-plus-rank-r system (Lambda, P, Q, B, C), as dplr_kernel and dplr_scan take it."""
    Lambda = -rng.uniform(0.1, 1.0, N) + 1j * rng.uniform(-5, 5, N)
    P = 0.3 * (rng.standard_normal((r, N)) + 1j * rng.standard_normal((r, N)))
    Q = 0.3 * (rng.standard_normal((r, N)) + 1j * rng.standard_normal((r, N)))
    B = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    C = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    return Lambda, P, Q, B, C
