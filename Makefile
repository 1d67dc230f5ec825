# Two commands on a fresh machine: `make book` and `make test`.
# Each creates .venv from the pinned requirements.txt when it is missing or
# older than requirements.txt / pyproject.toml, and installs lowrank into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.PHONY: help venv book test serve bench headroom set-repository clean

help:
	@echo "make book   build the site into _build/html (executes every chapter)"
	@echo "make test   unit tests, doctests, every notebook (nbval), the -W book build, the browser check"
	@echo "make serve  serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make bench  run the benchmarks and write benchmarks/results.json"
	@echo "make headroom  run every chapter instrumented and list the 20 checks with the least headroom"
	@echo "               (THREADS=1 for one BLAS thread; OPENBLAS_CORETYPE=Haswell etc. tries other kernels)"
	@echo "make set-repository URL=...  point the book and the chapters' Colab install cells at a repository"
	@echo "make clean  remove _build and .venv"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --keep-going
	@echo
	@echo "The site is in $(CURDIR)/_build/html (open _build/html/index.html, or run 'make serve')."

test: $(STAMP)
	$(BIN)/python -m pytest

serve:
	@test -f _build/html/index.html || { echo "No site yet: run 'make book' first."; exit 1; }
	@echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

THREADS ?=
headroom: $(STAMP)
	$(BIN)/python tests/headroom.py $(if $(THREADS),--threads $(THREADS))

# The repository URL lives in _config.yml; this rewrites it and every chapter's Colab install cell together.
set-repository:
	@test -n "$(URL)" || { echo "usage: make set-repository URL=https://github.com/you/your-fork [BRANCH=main]"; exit 2; }
	$(PYTHON) .ci/set_repository.py "$(URL)" $(if $(BRANCH),--branch $(BRANCH))

clean:
	rm -rf _build $(VENV)
