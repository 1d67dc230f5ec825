"""Paired timing for the benchmarks: two contenders, alternated, in one process.

Absolute times depend on the machine; ratios measured side by side, with the
contenders alternating so that all see the same machine state, are what the
benchmarks report: ``paired_times`` for two contenders, ``interleaved_times``
(rounds of all of them) for more.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from typing import Any


def paired_times(
    first: Callable[[], Any],
    second: Callable[[], Any],
    *,
    repeats: int = 7,
    warmup: int = 1,
) -> dict[str, float]:
    """Time ``first`` and ``second`` alternately; return medians and their ratio.

    Returns a dict with ``first_s`` and ``second_s`` (median seconds per call)
    and ``ratio`` = median over runs of (first time / second time), where each
    run times the two back to back (the order alternates between runs).
    """
    for _ in range(warmup):
        first()
        second()
    t1: list[float] = []
    t2: list[float] = []
    for i in range(repeats):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        times = [0.0, 0.0]
        for j in order:
            f = first if j == 0 else second
            start = time.perf_counter()
            f()
            times[j] = time.perf_counter() - start
        t1.append(times[0])
        t2.append(times[1])
    ratios = [a / b for a, b in zip(t1, t2)]
    return {
        "first_s": statistics.median(t1),
        "second_s": statistics.median(t2),
        "ratio": statistics.median(ratios),
    }


def interleaved_times(
    contenders: dict[str, Callable[[], Any]],
    *,
    repeats: int = 5,
    warmup: int = 1,
) -> dict[str, list[float]]:
    """Time several contenders in rounds: every round runs each of them once.

    The order within a round rotates from round to round (and reverses every
    other round), so that no contender always runs right after the same
    neighbour or always first. Returns, for every contender, its list of
    ``repeats`` times (seconds), one per round; :func:`median_time` and
    :func:`median_ratio` turn them into the figures the benchmarks report.
    This is :func:`paired_times` for more than two contenders: a ratio is the
    median over rounds of the per-round ratio, so the two times it compares
    were taken close together, under the same load.
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeats):
        shift = i % len(names)
        order = names[shift:] + names[:shift]
        if i % 2:
            order.reverse()
        for name in order:
            start = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - start)
    return times


def median_time(times: dict[str, list[float]], name: str) -> float:
    """Median seconds of one contender of :func:`interleaved_times`."""
    return statistics.median(times[name])


def median_ratio(times: dict[str, list[float]], numerator: str, denominator: str) -> float:
    """Median over the rounds of (time of ``numerator`` / time of ``denominator``)."""
    return statistics.median(a / b for a, b in zip(times[numerator], times[denominator]))


def machine_description() -> dict[str, Any]:
    """CPU model, core count, Python/numpy/scipy versions and the BLAS numpy uses."""
    import os

    import numpy as np
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "unknown"
    try:
        cfg = np.show_config(mode="dicts")
        info = cfg.get("Build Dependencies", {}).get("blas", {})
        blas = f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # pragma: no cover - depends on the numpy build
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "blas": blas,
    }
