"""Point the course at a repository: ``make set-repository URL=https://github.com/you/your-fork``.

The repository URL lives in ``_config.yml`` (``repository.url`` and
``repository.branch``): the launch buttons, the repository button and the
download links are derived from it. The other places that need it are
copies this script keeps in step: the first code cell of every chapter,
which installs the course package in a kernel that lacks it (a fresh Colab
kernel), the package metadata (``[project.urls]`` in ``pyproject.toml``) and
``CITATION.cff``. This script rewrites them together; ``--check`` only reports
whether they agree (``tests/test_reach.py`` runs it).

In a fresh Colab kernel the cell clones the repository (so that a chapter
finds the files it reads, such as ``benchmarks/results.json``), installs the
package with the extra ``course`` (``pyproject.toml``: what the chapters import
besides ``lowrank`` -- SymPy, matplotlib, myst-nb's ``glue``, threadpoolctl,
Dask) and changes into the clone's ``chapters/`` folder. A local directory
instead of a URL (``URL=/path/to/clone``, a git repository) is written as a
``file://`` URL: the test that exercises the Colab path uses it to stand in for
the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
CHAPTERS = ROOT / "chapters"
PYPROJECT = ROOT / "pyproject.toml"
CITATION = ROOT / "CITATION.cff"
DISTRIBUTION = "lowrank-course"
EXTRA = "course"  # what a chapter imports besides lowrank (sympy, matplotlib, myst-nb's glue, ...)
MARKER = "# colab-install"  # the first line of every install cell

INSTALL_CELL = '''\
# colab-install: in a kernel without the course package (a fresh Colab kernel) this clones the course
# repository, installs the package from it and moves into its chapters/ folder, so that the chapter runs
# as it does in the book. In Binder, in .venv and in the book build it does nothing.
import importlib.util
import os

if importlib.util.find_spec("lowrank") is None:
    if not os.path.isdir("lowrank-course"):
        !git clone --quiet --depth 1 --branch {branch} {url} lowrank-course
    %pip install --quiet "./lowrank-course[{extra}]"
    importlib.invalidate_caches()  # let this running kernel see the newly installed package
if os.path.isdir("lowrank-course/chapters"):
    %cd lowrank-course/chapters'''


def read_repository(config_text: str) -> tuple[str, str]:
    """``(url, branch)`` from the ``repository:`` block of ``_config.yml``."""
    block = re.search(r"^repository:\n((?:[ \t]+.*\n?)*)", config_text, re.MULTILINE)
    if not block:
        raise SystemExit("_config.yml has no repository: block")
    url = re.search(r"^\s+url:\s*(\S+)", block.group(1), re.MULTILINE)
    branch = re.search(r"^\s+branch:\s*(\S+)", block.group(1), re.MULTILINE)
    if not url:
        raise SystemExit("_config.yml: repository.url is missing")
    return url.group(1), branch.group(1) if branch else "main"


def install_cell_source(url: str, branch: str) -> str:
    """The first code cell of every chapter, for the repository at ``url`` (branch ``branch``)."""
    return INSTALL_CELL.format(url=url, branch=branch, extra=EXTRA)


def metadata_urls(pyproject_text: str, citation_text: str) -> list[str]:
    """The repository URLs written in ``[project.urls]`` and in ``CITATION.cff``."""
    urls = re.search(r"^\[project\.urls\]\n((?:[^\[\n].*\n?)*)", pyproject_text, re.MULTILINE)
    found = re.findall(r'"([^"]+)"', urls.group(1)) if urls else []
    code = re.search(r'^repository-code:\s*"?([^"\n]+)"?', citation_text, re.MULTILINE)
    return found + ([code.group(1)] if code else [])


def install_cell(nb: dict) -> dict | None:
    """The chapter's install cell: its first code cell, if that is one."""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if code and "".join(code[0]["source"]).startswith(MARKER):
        return code[0]
    return None


def new_install_cell(source: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "colab-install",
        "metadata": {"tags": ["remove-cell"]},
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }


def write_if_changed(path: Path, text: str) -> None:
    """Write only a real change: an untouched pyproject.toml keeps its time stamp (make rebuilds .venv on it)."""
    if path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_notebook(path: Path, nb: dict) -> None:
    write_if_changed(path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="repository URL (or an absolute local path); default: keep _config.yml's")
    parser.add_argument("--branch", default=None, help="branch (default: keep _config.yml's)")
    parser.add_argument("--check", action="store_true", help="only check that the chapters agree with _config.yml")
    args = parser.parse_args(argv)

    config_text = CONFIG.read_text(encoding="utf-8")
    url, branch = read_repository(config_text)
    if args.url and not args.check:
        new_url = args.url.rstrip("/")
        if "://" not in new_url:  # a local directory: written as a file:// URL everywhere
            new_url = Path(new_url).resolve().as_uri()
        config_text = re.sub(r"^(repository:\n(?:[ \t]+.*\n)*?[ \t]+url:\s*)\S+", lambda m: m.group(1) + new_url,
                             config_text, count=1, flags=re.MULTILINE)
        url = new_url
    if args.branch and not args.check:
        config_text = re.sub(r"^(repository:\n(?:[ \t]+.*\n)*?[ \t]+branch:\s*)\S+",
                             lambda m: m.group(1) + args.branch, config_text, count=1, flags=re.MULTILINE)
        branch = args.branch
    expected = install_cell_source(url, branch)

    problems = []
    pyproject_text = PYPROJECT.read_text(encoding="utf-8")
    citation_text = CITATION.read_text(encoding="utf-8")
    # A local stand-in (file://) is for tests only: package metadata must name a web URL, so it stays.
    web = not url.startswith("file://")
    if args.check and web:
        for found in metadata_urls(pyproject_text, citation_text):
            if found != url and not found.startswith(url + "/"):
                problems.append(f"pyproject.toml / CITATION.cff name {found!r}, not the repository {url!r}")
    elif not args.check and web:
        old_url, _ = read_repository(CONFIG.read_text(encoding="utf-8"))
        pyproject_text = pyproject_text.replace(old_url, url)
        citation_text = citation_text.replace(old_url, url)
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = install_cell(nb)
        if args.check:
            if cell is None:
                problems.append(f"{path.name}: the first code cell is not the install cell")
            elif "".join(cell["source"]) != expected:
                problems.append(f"{path.name}: the install cell does not clone {url} (branch {branch})")
            continue
        if cell is None:
            first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
            nb["cells"].insert(first_code, new_install_cell(expected))
        else:
            cell["source"] = expected.splitlines(keepends=True)
        write_notebook(path, nb)
    if args.check:
        for p in problems:
            print(p)
        if not problems:
            print(f"every chapter's install cell clones {url} (branch {branch}), as _config.yml says")
        return 1 if problems else 0
    for path, text in ((CONFIG, config_text), (PYPROJECT, pyproject_text), (CITATION, citation_text)):
        write_if_changed(path, text)
    print(f"_config.yml: repository {url} (branch {branch}); every chapter's install cell clones it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
