"""The book builds with warnings as errors, and every chapter renders in a real browser.

The book build executes the chapters with one BLAS thread and, on an x86-64
OpenBLAS that would pick AVX-512 or AVX2 kernels, with the next older kernel
set (``OPENBLAS_CORETYPE``), while nbval runs them with the library's defaults:
every chapter runs both ways in ``make test``, so a check that passes only
with one thread count or one CPU's kernels fails here.

The build goes to ``_build/html`` (the place ``make book`` uses, so its
notebook-execution cache is shared). ``--all`` re-reads every page so a
warning in an unchanged page is reported again. The browser test serves the
site on 127.0.0.1, blocks every other address (math must render offline), and
saves a screenshot of each chapter in ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def toc_chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def notebook_chapters() -> list[str]:
    return [c for c in toc_chapters() if (ROOT / f"{c}.ipynb").exists()]


# The next older OpenBLAS kernel set that every CPU able to run the default one can run too.
OLDER_KERNELS = {"SkylakeX": "Haswell", "Cooperlake": "Haswell", "SapphireRapids": "Haswell",
                 "Haswell": "Sandybridge", "Zen": "Sandybridge"}


def other_blas_env() -> dict[str, str]:
    """One BLAS thread, and an older OpenBLAS kernel set where there is a safe one."""
    import numpy  # noqa: F401  (loads OpenBLAS so threadpoolctl can see it)
    from threadpoolctl import threadpool_info

    env = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    archs = {i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"}
    older = {OLDER_KERNELS.get(a) for a in archs}
    if len(older) == 1 and None not in older and "OPENBLAS_CORETYPE" not in os.environ:
        env["OPENBLAS_CORETYPE"] = older.pop()
    return env


@pytest.fixture(scope="session")
def built_book() -> Path:
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", str(ROOT), "--all", "-W", "--keep-going"]
    env = {**os.environ, **other_blas_env()}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800, env=env)
    log = proc.stdout + proc.stderr
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "test-build.log").write_text(log, encoding="utf-8")
    assert proc.returncode == 0, "book build failed (warnings are errors); last lines:\n" + log[-6000:]
    return HTML


@pytest.mark.book
def test_book_builds_with_warnings_as_errors(built_book):
    assert (built_book / "index.html").exists()
    for chapter in toc_chapters():
        assert (built_book / f"{chapter}.html").exists(), f"{chapter}.html was not built"


@pytest.mark.book
def test_built_pages_show_outputs_and_no_tracebacks(built_book):
    for chapter in notebook_chapters():
        html = (built_book / f"{chapter}.html").read_text(encoding="utf-8")
        assert "cell_output" in html, f"{chapter}: no executed outputs in the page"
        assert "Traceback (most recent call last)" not in html, f"{chapter}: a traceback shipped"


@pytest.mark.book
def test_math_is_bundled_for_offline_use(built_book):
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").exists()
    html = (built_book / "chapters" / "pseudo_inverse.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in html
    assert "cdn.jsdelivr.net/npm/mathjax" not in html


@pytest.fixture(scope="session")
def site_url(built_book):
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        msg = "chromium is not installed (Debian: apt-get install chromium); the browser check cannot run"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.mark.browser
@pytest.mark.parametrize("chapter", notebook_chapters())
def test_chapter_renders_in_chromium(browser, site_url, chapter):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    external: list[str] = []

    def only_loopback(route):
        url = route.request.url
        if url.startswith(site_url) or url.startswith("data:"):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(f"{site_url}/{chapter}.html", wait_until="load")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30000)
    page.evaluate("() => MathJax.startup.promise")

    n_math = page.locator("mjx-container").count()
    assert n_math > 0, f"{chapter}: MathJax rendered nothing"
    assert page.locator("mjx-merror").count() == 0, f"{chapter}: MathJax reported math errors"
    assert "Math input error" not in page.inner_text("body")

    images = page.evaluate(
        "() => Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0, "
        "i.getAttribute('alt') || '', !!i.closest('figure') && !!i.closest('figure').querySelector('figcaption')])"
    )
    figures = [(src, alt, captioned) for src, _, alt, captioned in images if src and "_images" in src]
    assert figures, f"{chapter}: no figure in the page"
    broken = [src for src, ok, _, _ in images if not ok]
    assert not broken, f"{chapter}: images that did not load: {broken}"
    for src, alt, captioned in figures:
        # A screen reader reads the alt text: it must describe the picture, not repeat its file name.
        name = Path(src).name
        assert len(alt.split()) >= 5 and name not in alt and "_images" not in alt, (
            f"{chapter}: figure {name} has no descriptive alt text ({alt!r})"
        )
        assert captioned, f"{chapter}: figure {name} has no numbered caption"
    numbers = page.evaluate(
        "() => Array.from(document.querySelectorAll('figure figcaption .caption-number')).map(e => e.textContent)"
    )
    assert len(numbers) == len(figures), f"{chapter}: {len(figures)} figures but {len(numbers)} numbered captions"

    sidebar = page.evaluate(
        "() => Array.from(document.querySelectorAll('.bd-sidebar-primary a')).map(a => a.href)"
    )
    for other in toc_chapters():
        assert any(href.split("#")[0].endswith(f"/{other}.html") for href in sidebar), (
            f"{chapter}: the sidebar does not list {other}"
        )

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{Path(chapter).name}.png"), full_page=True)
    page.close()
