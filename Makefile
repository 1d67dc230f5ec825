# Two commands on a fresh machine: `make book` and `make test`.
# Each creates .venv from the pinned requirements.txt when it is missing or
# older than requirements.txt / pyproject.toml, and installs lowrank into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.PHONY: help venv book test serve bench headroom set-repository lock browser clean

help:
	@echo "make book   build the site into _build/html (executes every chapter)"
	@echo "make test   unit tests, doctests, every notebook (nbval), the -W book build, the browser check"
	@echo "make serve  serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make bench  run the benchmarks and write benchmarks/results.json"
	@echo "make headroom  run every chapter instrumented and list the 20 checks with the least headroom"
	@echo "               (THREADS=1 for one BLAS thread; OPENBLAS_CORETYPE=Haswell etc. tries other kernels)"
	@echo "make set-repository URL=...  point the book and the chapters' Colab install cells at a repository"
	@echo "make browser  install Debian's Chromium for the browser test (as root, where apt-get exists)"
	@echo "make lock   re-resolve the top-level packages (LOCK_PACKAGES) into a new pinned requirements.txt"
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

# The browser test needs a system Chromium; CI (and a root shell on Debian/Ubuntu) installs it here.
browser:
	@if command -v chromium >/dev/null 2>&1; then echo "chromium is installed: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "== installing chromium (Debian package) for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing and cannot be installed here (run: sudo apt-get install chromium)" >&2; exit 1; fi

# The top-level packages of the course environment; `make lock` pins them and everything they need.
LOCK_PACKAGES := "jupyter-book>=1.0.4,<2" sphinx-proof sphinx-exercise sphinxcontrib-bibtex \
	sphinx-mathjax-offline nbval pytest hypothesis numpy scipy sympy matplotlib scikit-learn \
	"dask[array]" distributed playwright tqdm ipykernel threadpoolctl build twine check-jsonschema
LOCK_VENV := _build/lock-venv

lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet $(LOCK_PACKAGES)
	{ sed -n '1,3p' requirements.txt; $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable; \
	  printf '\n# The course'"'"'s own package, importable in Binder and in .venv\n-e .\n'; } > requirements.txt.new
	mv requirements.txt.new requirements.txt
	rm -rf $(LOCK_VENV)
	@echo "requirements.txt re-pinned; run 'make test' before committing it."

clean:
	rm -rf _build $(VENV)
