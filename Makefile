# Förderberater – zwei Befehle: `make run` (einrichten + App starten), `make test` (alle Tests)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test setup setup-dev index lint format bench

$(VENV)/.base: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0  # the CPU build, pinned; never a bare `torch`
	$(PIP) install --quiet -e . torch==2.13.0
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(PIP) install --quiet -e '.[dev,st]' torch==2.13.0
	touch $@

setup: $(VENV)/.base

setup-dev: $(VENV)/.dev
	./tools/ensure_chromium.sh

index: setup
	$(VENV)/bin/foerderberater index  # incremental: only new or changed files are embedded

run: setup index
	$(PY) app.py

test: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q

format: setup-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup-dev
	$(PY) bench/run.py --quick
