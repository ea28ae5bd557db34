# Two commands for a fresh machine (Python 3.11 and make): `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_NOTEBOOKS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
export PYTHONHASHSEED := 0

.PHONY: lab test test-fast bench notebooks nav reset clean venv browser-deps links html

venv: $(STAMP)

# The pinned virtual environment: created if missing, refreshed when a pin changes.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version' \
		|| { echo "Set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -c "import matplotlib.pyplot"  # build the font cache now, not on stderr inside a notebook
	touch $(STAMP)

# JupyterLab on 127.0.0.1 with token authentication, opened at the start page.
lab: $(STAMP)
	$(BIN)/python tools/lab.py $(if $(PORT),--port $(PORT))

# Debian's Chromium for the browser test (no browser download); skipped when apt-get is unavailable.
browser-deps:
	@bash tools/ensure_chromium.sh

test: $(STAMP) browser-deps
	$(BIN)/ruff check helpers tests tools bench
	$(BIN)/python -m pytest tests notebooks $(PYTEST_NOTEBOOKS) -n 2 --dist loadfile
	$(BIN)/python -m pytest --doctest-modules helpers -q  # the Examples sections of the docstrings run

# Helpers and data tests only (no notebooks, no browser): for quick iterations.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -n 2 --dist loadfile -m "not browser and not slow"
	$(BIN)/python -m pytest --doctest-modules helpers -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Execute every notebook (or NB=notebooks/01_convolution.ipynb) and store it with clean metadata.
notebooks: $(STAMP)
	$(BIN)/python tools/navigation.py
	$(BIN)/python tools/crosslinks.py
	$(BIN)/python tools/share_links.py --badges-only
	$(BIN)/python tools/run_notebooks.py $(or $(NB),notebooks/*.ipynb)

# Generated cells: navigation, contents and glossary (tools/navigation.py), cross-links (tools/crosslinks.py).
nav: $(STAMP)
	$(BIN)/python tools/navigation.py
	$(BIN)/python tools/crosslinks.py

# Offline static HTML of every executed notebook (stored outputs, no re-execution), with an index: build/html/.
html: $(STAMP)
	$(BIN)/python tools/export_html.py

# Instructors: put every notebook back to its stored, executed state. Edited course notebooks are first copied to
# backups/<date-time>/ (never silently lost); your own new notebooks are kept where they are.
reset:
	@stamp=$$(date +%Y%m%d-%H%M%S); changed=$$(git diff --name-only -- notebooks/); \
	if [ -n "$$changed" ]; then mkdir -p backups/$$stamp && cp $$changed backups/$$stamp/ \
		&& echo "Your edits were copied to backups/$$stamp/"; fi; \
	git checkout -- notebooks/ && rm -rf notebooks/.ipynb_checkpoints \
		&& echo "Course notebooks reset to their stored, executed state."

clean:
	rm -rf $(VENV) artefacts .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Share links for a GitHub copy: make links [REPO=owner/name] [HUB=https://hub.example.edu] (Binder, nbgitpuller).
# Without REPO, the address comes from `git remote get-url origin`; the start page's and README's badges are rewritten.
links: $(STAMP)
	@$(BIN)/python tools/share_links.py "$(REPO)" "$(HUB)"
