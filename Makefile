# Agent Builder: `make run` starts the app, `make test` runs every test. Nothing to install by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := backend/.venv
PY := $(abspath $(VENV))/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint test-backend clean bench

$(STAMP): backend/pyproject.toml backend/requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c backend/requirements.lock -e 'backend[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	@bash scripts/run.sh

lint: install
	cd backend && $(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy app

test-backend: install
	@bash scripts/test-backend.sh

test: lint test-backend

# Platform overhead against the direct SDK path, on PostgreSQL + Redis (see bench/README.md).
bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -c backend/requirements.lock -e 'backend[bench]'
	@bash bench/run.sh

clean:
	rm -rf $(VENV) backend/.pytest_cache backend/.mypy_cache backend/.ruff_cache
