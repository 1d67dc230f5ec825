"""Argument checking shared by every public function of :mod:`lowrank`.

Each helper either returns a cleaned-up value (an ndarray of a known dtype,
a Python ``int``, a ``numpy.random.Generator`` ...) or raises ``TypeError``
(wrong kind of object) / ``ValueError`` (right kind, bad value) with a
message that starts with the name of the offending argument.

The helpers never write into the arrays they are given; the arrays they
return may share memory with the input, so callers must not write into
them either (the public functions only ever build new arrays).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "as_matrix",
    "as_vector",
    "as_array",
    "check_int",
    "check_positive",
    "check_nonnegative",
    "check_choice",
    "as_rng",
    "is_dask_array",
]

_REAL_KINDS = "iuf"
_COMPLEX_KINDS = "iufc"


def as_array(
    x: ArrayLike,
    name: str,
    *,
    ndim: int | Iterable[int],
    allow_complex: bool = False,
    allow_empty: bool = False,
) -> NDArray[Any]:
    """Convert ``x`` to a finite float64 (or complex128) array with a given ndim.

    Parameters
    ----------
    x : array_like
        The argument to check.
    name : str
        The argument's name, used in error messages.
    ndim : int or iterable of int
        The allowed numbers of dimensions.
    allow_complex : bool, optional
        Accept complex input (returned as complex128).
    allow_empty : bool, optional
        Accept arrays with a zero-length axis.

    Returns
    -------
    ndarray
        ``x`` as float64 (complex128 if complex input is allowed and given).

    Raises
    ------
    TypeError
        If ``x`` is not numeric (strings, objects, booleans, complex when
        not allowed).
    ValueError
        If ``x`` has the wrong number of dimensions, is empty, or holds
        NaN or infinity.
    """
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} could not be read as an array: {exc}") from None
    kinds = _COMPLEX_KINDS if allow_complex else _REAL_KINDS
    if arr.dtype.kind not in kinds:
        what = "real or complex" if allow_complex else "real"
        raise TypeError(f"{name} must hold {what} numbers, got dtype {arr.dtype}")
    if arr.ndim not in allowed:
        shapes = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be {shapes}, got an array of shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    target = np.complex128 if arr.dtype.kind == "c" else np.float64
    arr = arr.astype(target, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must not contain NaN or infinity")
    return arr


def as_matrix(A: ArrayLike, name: str = "A", *, allow_complex: bool = False) -> NDArray[Any]:
    """Check that ``A`` is a non-empty finite 2-D numeric array; see :func:`as_array`."""
    return as_array(A, name, ndim=2, allow_complex=allow_complex)


def as_vector(x: ArrayLike, name: str, *, allow_complex: bool = False) -> NDArray[Any]:
    """Check that ``x`` is a non-empty finite 1-D numeric array; see :func:`as_array`."""
    return as_array(x, name, ndim=1, allow_complex=allow_complex)


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as ``int`` after checking ``low <= value <= high``.

    Booleans and non-integral numbers raise ``TypeError``; integral floats such
    as ``3.0`` are refused too, so that a silently truncated rank cannot occur.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def _check_real_scalar(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as ``float`` after checking it is finite and ``> 0``."""
    value = _check_real_scalar(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_nonnegative(value: Any, name: str) -> float:
    """Return ``value`` as ``float`` after checking it is finite and ``>= 0``."""
    value = _check_real_scalar(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` after checking it is one of the strings ``choices``."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def as_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Turn ``None``, an int seed or a ``numpy.random.Generator`` into a Generator.

    ``None`` gives a fresh unseeded generator; an int gives
    ``numpy.random.default_rng(seed)``, so equal seeds give equal results.
    A Generator is used as is (and advanced by the caller's use).
    """
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"{name} must be None, an int seed or a numpy.random.Generator, got {rng!r}")
    if rng < 0:
        raise ValueError(f"{name} must be a non-negative seed, got {rng}")
    return np.random.default_rng(int(rng))


def is_dask_array(x: Any) -> bool:
    """Whether ``x`` is a ``dask.array.Array``, without importing Dask for anything else.

    The type's classes are inspected by module name first; Dask is imported
    (it is then installed, since the object comes from it) only to confirm.
    """
    for cls in type(x).__mro__:
        if cls.__module__.split(".", 1)[0] == "dask" and cls.__name__ == "Array":
            import dask.array

            return isinstance(x, dask.array.Array)
    return False


def as_state_space(
    Ab: ArrayLike, Bb: ArrayLike, C: ArrayLike, names: tuple[str, str, str] = ("Ab", "Bb", "C")
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Check a single-input single-output system: a square ``(N, N)`` matrix and two length-``N`` vectors.

    Real or complex entries; ``names`` are the argument names used in the messages.
    """
    A_name, B_name, C_name = names
    Ab = as_matrix(Ab, A_name, allow_complex=True)
    N = Ab.shape[0]
    if Ab.shape != (N, N):
        raise ValueError(f"{A_name} must be square, got shape {Ab.shape}")
    Bb = as_vector(Bb, B_name, allow_complex=True)
    if Bb.shape != (N,):
        raise ValueError(f"{B_name} must have length {N} (the size of {A_name}), got shape {Bb.shape}")
    C = as_vector(C, C_name, allow_complex=True)
    if C.shape != (N,):
        raise ValueError(f"{C_name} must have length {N} (the size of {A_name}), got shape {C.shape}")
    return Ab, Bb, C


def as_diagonal_system(
    Lambda: ArrayLike, B: ArrayLike, C: ArrayLike
) -> tuple[NDArray[np.complex128], NDArray[Any], NDArray[Any]]:
    """Check a diagonal system: its diagonal ``Lambda`` (complex128) and input/output vectors of its length."""
    Lambda = as_vector(Lambda, "Lambda", allow_complex=True).astype(np.complex128)
    N = Lambda.shape[0]
    B = as_vector(B, "B", allow_complex=True)
    if B.shape != (N,):
        raise ValueError(f"B must have length {N} (the length of Lambda), got shape {B.shape}")
    C = as_vector(C, "C", allow_complex=True)
    if C.shape != (N,):
        raise ValueError(f"C must have length {N} (the length of Lambda), got shape {C.shape}")
    return Lambda, B, C


def as_dplr_system(
    Lambda: ArrayLike, P: ArrayLike, Q: ArrayLike, B: ArrayLike, C: ArrayLike
) -> tuple[NDArray[np.complex128], NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Check a diagonal-plus-low-rank system ``A = diag(Lambda) - P^T Q^*`` with vectors ``B``, ``C``.

    ``P`` and ``Q`` of shape ``(N,)`` or ``(r, N)`` are returned as ``(r, N)``.
    """
    Lambda, B, C = as_diagonal_system(Lambda, B, C)
    N = Lambda.shape[0]
    P = np.atleast_2d(as_array(P, "P", ndim=(1, 2), allow_complex=True))
    Q = np.atleast_2d(as_array(Q, "Q", ndim=(1, 2), allow_complex=True))
    if P.shape[1] != N:
        raise ValueError(f"P must have shape ({N},) or (r, {N}), got {P.shape}")
    if Q.shape != P.shape:
        raise ValueError(f"Q must have the shape of P, {P.shape}, got {Q.shape}")
    return Lambda, P, Q, B, C


def as_indices(idx: ArrayLike, name: str, n: int) -> NDArray[np.intp]:
    """A non-empty 1-D array of integer indices into an axis of length ``n`` (repeats allowed)."""
    as_vector(idx, name)  # type, ndim, emptiness
    arr = np.asarray(idx)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers (indices), got dtype {arr.dtype}")
    if np.any(arr < 0) or np.any(arr >= n):
        raise ValueError(f"{name} must lie in [0, {n}), got min {arr.min()} and max {arr.max()}")
    return arr.astype(np.intp)
