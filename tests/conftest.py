"""Shared pytest configuration.

* A deterministic hypothesis profile.
* Headroom measurement (``tests/headroom.py``): every ``assert_allclose`` /
  ``assert_array_less`` of the unit tests, of the nbval kernels and of the
  book-build kernels is recorded in one log per session, which
  ``tests/test_headroom.py`` reads at the end of the run.
"""

from __future__ import annotations

import inspect
import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
import headroom  # noqa: E402

# Deterministic (derandomized) property tests with no per-example deadline:
# timing varies on a loaded 2-core machine, correctness does not.
settings.register_profile(
    "course",
    derandomize=True,
    deadline=None,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("course")

ROOT = Path(__file__).resolve().parents[1]
HEADROOM_DIR = ROOT / "_build" / "headroom"


def pytest_configure(config):
    """One fresh log per session; every kernel started from here on (nbval, the book build) records into it."""
    if hasattr(config, "workerinput"):
        return
    HEADROOM_DIR.mkdir(parents=True, exist_ok=True)
    for old in HEADROOM_DIR.glob("session-*.jsonl"):  # logs of earlier sessions older than a day
        if time.time() - old.stat().st_mtime > 86400:
            old.unlink(missing_ok=True)
    log = HEADROOM_DIR / f"session-{os.getpid()}.jsonl"  # one per session: sessions may run side by side
    log.unlink(missing_ok=True)
    os.environ[headroom.LOG_VARIABLE] = str(log)
    os.environ["IPYTHONDIR"] = str(headroom.make_ipython_dir(HEADROOM_DIR / "ipython"))


def pytest_collection_modifyitems(config, items):
    """The headroom test reads what every other test recorded, so it runs last."""
    last = [item for item in items if item.get_closest_marker("headroom")]
    items[:] = [item for item in items if not item.get_closest_marker("headroom")] + last


@pytest.fixture(autouse=True)
def _record_headroom(request):
    """Record the headroom of the numeric checks a unit test makes (with its ``# headroom:`` exemption)."""
    log = os.environ.get(headroom.LOG_VARIABLE)
    function = getattr(request.node, "function", None)
    if not log or function is None or request.node.get_closest_marker("headroom"):
        yield
        return
    try:
        exempt = headroom.EXEMPTION in inspect.getsource(function)
    except (OSError, TypeError):
        exempt = False
    nodeid = request.node.nodeid
    undo = headroom.install(lambda e: headroom.append_record(Path(log), {**e, "test": nodeid, "exempt": exempt}))
    try:
        yield
    finally:
        undo()
