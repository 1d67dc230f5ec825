"""Repository hygiene: notebooks are stored clean, and every chapter is in the table of contents."""

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    files += [entry["file"] for entry in toc.get("chapters", [])]
    return files


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found in chapters/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs", []) == [], f"{path.name}: cell {i} has outputs (clear them before committing)"
        assert cell.get("execution_count") is None, f"{path.name}: cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_python3_kernel(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_is_in_the_toc(path):
    assert f"chapters/{path.stem}" in toc_files()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_has_a_derivation_a_check_a_figure_and_exercises(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if path.stem in {"performance"}:  # the appendix reads measurements; it derives nothing
        return
    assert "import sympy" in code, "chapters derive their results with sympy"
    assert "from lowrank import" in code, "chapters check their results against lowrank"
    assert "assert_allclose" in code, "numeric checks use np.testing.assert_allclose"
    assert "plt." in code or ".plot(" in code, "every chapter has a figure"
    assert text.count("{exercise}") >= 3, "at least three exercises"
    assert text.count("{solution-start}") == text.count("{exercise}"), "every exercise has a solution"
    assert text.count("{solution-start}") == text.count("{solution-end}")


def test_toc_entries_exist():
    for entry in toc_files():
        candidates = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(p.exists() for p in candidates), f"_toc.yml lists {entry}, which does not exist"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_caption_alt_text_and_is_referred_to_by_number(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        meta = cell.get("metadata", {}).get("mystnb", {})
        if "plt.show()" not in source and "figure" not in meta:
            continue
        figure, image = meta.get("figure", {}), meta.get("image", {})
        assert figure.get("caption") and figure.get("name"), f"{path.name}: cell {i} draws a figure without a caption"
        assert len(image.get("alt", "").split()) >= 5, f"{path.name}: cell {i}: the figure needs a descriptive alt text"
        assert source.count("plt.show()") <= 1, f"{path.name}: cell {i}: one figure per cell"
        assert f"<{figure['name']}>`" in text or f"`{figure['name']}`" in text, (
            f"{path.name}: the text never refers to figure {figure['name']} ({{numref}})"
        )


def test_install_cell_comes_first():
    import sys

    sys.path.insert(0, str(ROOT / ".ci"))
    import set_repository

    for path in NOTEBOOKS:
        assert set_repository.install_cell(json.loads(path.read_text(encoding="utf-8"))) is not None, path.name
