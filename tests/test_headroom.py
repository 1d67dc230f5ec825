"""Every deterministic numeric check keeps at least 3x headroom (see ``tests/headroom.py``).

The records come from this pytest session: the unit tests, the nbval kernels
(default BLAS threads) and the book-build kernels (one BLAS thread). A chapter
that did not run in this session (``pytest tests/test_headroom.py`` alone, or
a book build served from the execution cache) is executed here, instrumented.
A check with less headroom must say why less is safe in a ``# headroom:``
comment in its cell or test function; a statistical check states its failure
probability there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import headroom

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


@pytest.fixture(scope="module")
def records():
    log = Path(os.environ[headroom.LOG_VARIABLE])
    found = headroom.locate(headroom.number_calls(headroom.read_records(log)))
    ran = {r["chapter"] for r in found if "chapter" in r}
    missing = [nb for nb in NOTEBOOKS if nb.stem not in ran]
    if missing:
        extra = log.with_name("standalone.jsonl")
        if extra.exists():
            extra.unlink()
        _, errors = headroom.run_chapters(missing, extra)
        assert not errors, "chapters raised while measuring headroom:\n" + "\n".join(errors)
        found += headroom.locate(headroom.number_calls(headroom.read_records(extra)))
    return found


def _report(rows):
    return "\n".join(headroom.describe(r) for r in rows)


@pytest.mark.headroom
def test_every_chapter_ran_instrumented(records):
    ran = {r["chapter"] for r in records if "chapter" in r}
    assert ran == {nb.stem for nb in NOTEBOOKS}


@pytest.mark.headroom
def test_chapter_checks_keep_headroom(records):
    chapter_checks = [r for r in headroom.checks(records) if "chapter" in r]
    assert chapter_checks, "no instrumented chapter check was recorded"
    tight = [r for r in headroom.tightest(chapter_checks, len(chapter_checks))
             if r["headroom"] < headroom.MIN_HEADROOM and not headroom.exempt(r)]
    assert not tight, (
        f"checks with less than {headroom.MIN_HEADROOM:g}x headroom and no '# headroom:' comment "
        "(find an error model with room, or say why less is safe):\n" + _report(tight)
    )


@pytest.mark.headroom
def test_unit_test_checks_keep_headroom(records):
    unit = [r for r in headroom.checks(records) if "test" in r]
    if not unit:
        pytest.skip("no unit test ran in this session")
    tight = [r for r in headroom.tightest(unit, len(unit))
             if r["headroom"] < headroom.MIN_HEADROOM and not headroom.exempt(r)]
    assert not tight, (
        f"unit tests with less than {headroom.MIN_HEADROOM:g}x headroom and no '# headroom:' comment:\n"
        + _report(tight)
    )
