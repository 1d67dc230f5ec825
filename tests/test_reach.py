"""The ways people reach the course: Colab, the published site, reuse of the package.

* Colab: every chapter's first code cell installs the course package when it
  is missing, from the repository `_config.yml` names; exercised here in a
  clean virtual environment with a local copy standing in for the repository.
* The published site: the GitHub Actions workflow validates against the
  GitHub workflow schema (offline, `check-jsonschema --builtin-schema`) and
  runs only `make` targets that exist.
* Reuse: licences, citation metadata, one version everywhere, a distribution
  name that is not somebody else's, and a wheel that installs and imports.
* README, intro and `_toc.yml` list the same chapters.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
sys.path.insert(0, str(ROOT / ".ci"))
import set_repository  # noqa: E402


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def toc_parts() -> list[tuple[str, list[str]]]:
    return [(part["caption"], [Path(e["file"]).name for e in part["chapters"]]) for part in toc()["parts"]]


def course_chapters() -> list[str]:
    """Chapters of the course proper (every part but the reference part)."""
    return [c for caption, chapters in toc_parts() if caption != "Reference" for c in chapters]


# ----------------------------------------------------------------------------------------------- Colab
def test_install_cells_agree_with_config():
    assert set_repository.main(["--check"]) == 0


def test_install_cell_is_inert_where_lowrank_is_installed():
    source = set_repository.install_cell_source("https://example.invalid/x", "main")
    assert source.startswith(set_repository.MARKER)
    assert 'find_spec("lowrank") is None' in source  # installs only when the package is missing
    assert 'os.path.isdir("lowrank-course/chapters")' in source  # moves only into a clone it made


def _repository_copy(where: Path) -> Path:
    """The files that building the package and running a chapter need, copied (builds write into the tree)."""
    for name in ("lowrank", "chapters", ".ci"):
        shutil.copytree(ROOT / name, where / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE", "_config.yml", "CITATION.cff"):
        shutil.copy(ROOT / name, where / name)
    return where


def _clean_venv(where: Path) -> Path:
    """A virtual environment without lowrank that sees the course's third-party packages (not lowrank)."""
    run([sys.executable, "-m", "venv", str(where)])
    python = where / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    # Only this directory is added to sys.path: the .pth files inside it (the editable lowrank) are not run.
    (Path(site) / "course_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    probe = run([str(python), "-c", "import importlib.util as u; print(u.find_spec('lowrank') is None)"], cwd=where)
    assert probe.stdout.strip() == "True", "the clean environment must not see lowrank"
    return python


@pytest.mark.slow
def test_colab_first_cell_installs_the_package_and_the_chapter_runs(tmp_path):
    # A git repository with the course's files stands in for GitHub; the install cells point at it.
    repo = _repository_copy(tmp_path / "repository")
    run([sys.executable, str(repo / ".ci" / "set_repository.py"), str(repo)])
    run([sys.executable, str(repo / ".ci" / "set_repository.py"), "--check"])
    git = ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    run(["git", "init", "--quiet", "--initial-branch", "main", str(repo)])
    run([*git, "add", "--all"])
    run([*git, "commit", "--quiet", "--message", "stand-in for the course repository"])
    chapter = repo / "chapters" / "pseudo_inverse.ipynb"
    first = set_repository.install_cell(json.loads(chapter.read_text(encoding="utf-8")))
    assert first is not None and repo.as_uri() in "".join(first["source"])

    # A fresh "Colab" kernel: a clean environment without lowrank, started in an empty folder.
    python = _clean_venv(tmp_path / "colab-venv")
    kernels = tmp_path / "kernels" / "kernels" / "colab"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "clean environment", "language": "python",
    }), encoding="utf-8")
    home = tmp_path / "content"
    home.mkdir()
    script = textwrap.dedent(f"""
        import nbformat
        from nbclient import NotebookClient
        nb = nbformat.read({str(chapter)!r}, as_version=4)
        NotebookClient(nb, kernel_name="colab", timeout=600, resources={{"metadata": {{"path": {str(home)!r}}}}}).execute()
    """)
    env = {**os.environ, "JUPYTER_PATH": str(tmp_path / "kernels"), "MPLBACKEND": "Agg",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("IPYTHONDIR", None)  # no headroom instrumentation in this kernel
    run([sys.executable, "-c", script], env=env, timeout=900)
    # The first cell cloned the repository into the kernel's folder and installed the package from it.
    assert (home / "lowrank-course" / "chapters" / "pseudo_inverse.ipynb").exists()
    shown = run([str(python), "-m", "pip", "show", "lowrank-course"], cwd=tmp_path).stdout
    assert "Name: lowrank-course" in shown
    where = run([str(python), "-c", "import lowrank; print(lowrank.__file__)"], cwd=tmp_path).stdout.strip()
    assert where.startswith(str(tmp_path / "colab-venv")), where


# ------------------------------------------------------------------------------------ published site
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, re.MULTILINE))


def test_workflow_validates_against_the_github_schema():
    proc = run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)])
    assert "ok" in proc.stdout


def test_workflow_runs_only_make_targets_that_exist():
    targets = make_targets()
    commands = [step["run"] for job in workflow()["jobs"].values() for step in job.get("steps", []) if "run" in step]
    assert commands, "the workflow runs nothing"
    for command in commands:
        for line in filter(None, (l.strip() for l in command.splitlines())):
            m = re.fullmatch(r"make ([\w-]+)", line)
            assert m, f"workflow command {line!r} is not a make target"
            assert m.group(1) in targets, f"workflow runs make {m.group(1)}, which the Makefile does not define"


def test_workflow_tests_on_every_event_and_publishes_only_main():
    wf = workflow()
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key `on` as True
    assert on["push"]["branches"] == ["main"] and "pull_request" in on
    steps = wf["jobs"]["test"]["steps"]
    assert any(s.get("run") == "make test" and "if" not in s for s in steps), "make test must run on every event"
    upload = [s for s in steps if "upload-pages-artifact" in s.get("uses", "")]
    assert upload and upload[0]["with"]["path"] == "_build/html" and "refs/heads/main" in upload[0]["if"]
    caches = [s for s in steps if "actions/cache" in s.get("uses", "")]
    assert any(s["with"]["path"] == "_build/.jupyter_cache" for s in caches), "restore the execution cache"
    deploy = wf["jobs"]["deploy"]
    assert "refs/heads/main" in deploy["if"] and any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_workflow_python_matches_runtime_txt():
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()  # python-3.11
    image = workflow()["jobs"]["test"]["container"]
    assert image.startswith(f"python:{runtime.removeprefix('python-')}-"), (image, runtime)


# --------------------------------------------------------------------------------------------- reuse
def test_licences_are_present_and_stated():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    content = (ROOT / "LICENSE-CONTENT.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in content and "creativecommons.org/licenses/by/4.0" in content
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "MIT" in readme and "CC BY 4.0" in readme
    footer = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["html"]["extra_footer"]
    assert "MIT License" in footer and "CC BY 4.0" in footer


def test_one_version_everywhere():
    import lowrank

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = re.search(r"^## \[?(\d+\.\d+\.\d+)", changelog, re.MULTILINE)
    assert citation["version"] == lowrank.__version__
    assert newest and newest.group(1) == lowrank.__version__
    assert "lowrank.__version__" in (ROOT / "chapters" / "api.md").read_text(encoding="utf-8")


def test_nothing_tells_the_reader_to_pip_install_the_wrong_lowrank():
    # `pip install lowrank` fetches an unrelated PyPI project; the course's distribution is lowrank-course.
    wrong = re.compile(r"pip install\s+(?:-U\s+|--upgrade\s+)?[\"']?lowrank(?![\w-])")
    files = [ROOT / "README.md", ROOT / "intro.md", *ROOT.glob("chapters/*.md"), *ROOT.glob("chapters/*.ipynb"),
             *ROOT.glob("lowrank/*.py")]
    for path in files:
        assert not wrong.search(path.read_text(encoding="utf-8")), f"{path.name} says 'pip install lowrank'"


@pytest.mark.slow
def test_wheel_and_sdist_build_pass_twine_check_and_the_wheel_installs(tmp_path):
    dist = tmp_path / "dist"
    source = _repository_copy(tmp_path / "source")
    run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist), str(source)], timeout=600)
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    assert wheels[0].name.startswith("lowrank_course-") and sdists[0].name.startswith("lowrank_course-")
    proc = run([str(BIN / "twine"), "check", "--strict", *map(str, wheels + sdists)])
    assert proc.stdout.count("PASSED") == 2
    python = _clean_venv(tmp_path / "wheel-venv")
    run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheels[0])])
    check = textwrap.dedent("""
        import numpy as np, lowrank
        A = np.arange(6.0).reshape(3, 2)
        assert np.allclose(lowrank.pinv(A) @ A, np.eye(2))
        print(lowrank.__file__, lowrank.__version__)
    """)
    out = run([str(python), "-c", check], cwd=tmp_path).stdout.split()
    import lowrank

    assert out[0].startswith(str(tmp_path / "wheel-venv")) and out[1] == lowrank.__version__
    assert (Path(out[0]).parent / "py.typed").exists()


# ---------------------------------------------------------------------------- README, intro and toc
def test_readme_lists_every_chapter_in_toc_order():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"chapters/(\w+)\.ipynb", readme.split("## Chapters", 1)[1].split("\n## ", 1)[0])
    assert listed == course_chapters()


def test_intro_chapter_map_matches_the_toc():
    intro = (ROOT / "intro.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([^|]+?) \| \{doc\}`chapters/(\w+)` \|", intro, re.MULTILINE)
    expected = [(caption, c) for caption, chapters in toc_parts() if caption != "Reference" for c in chapters]
    assert [(part.strip(), c) for part, c in rows] == expected


def test_makefile_has_the_lock_that_requirements_mention():
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    if "make lock" in requirements:
        assert "lock" in make_targets()
