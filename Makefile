# Agent Builder: `make run` starts the app, `make test` runs every test. Nothing to install by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := backend/.venv
PY := $(abspath $(VENV))/bin/python
STAMP := $(VENV)/.installed-stamp
NPM_STAMP := frontend/node_modules/.installed-stamp
export NEXT_TELEMETRY_DISABLED := 1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install run test lint test-backend clean bench \
	frontend-install frontend-build frontend-lint frontend-typecheck frontend-unit frontend-e2e test-frontend

$(STAMP): backend/pyproject.toml backend/requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c backend/requirements.lock -e 'backend[dev]'
	@touch $(STAMP)

install: $(STAMP)

# npm ci, or npm install of the same locked versions when npm ci refuses a lock that lacks
# other platforms' optional binaries (a registry mirror without them writes such a lock).
$(NPM_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)
	@touch $(NPM_STAMP)

frontend-install: $(NPM_STAMP)

# The production build, redone only when a source is newer than it (paths such as
# app/[locale]/(app)/ cannot be make prerequisites).
frontend-build: frontend-install
	@cd frontend && if [ ! -f .next/BUILD_ID ] || [ -n "$$(find src messages package-lock.json \
		next.config.ts postcss.config.mjs tsconfig.json -newer .next/BUILD_ID -print -quit)" ]; \
	then npm run build; else echo "frontend build is up to date"; fi

run: install frontend-build
	@bash scripts/run.sh

lint: install
	cd backend && $(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy app

test-backend: install
	@bash scripts/test-backend.sh

# Dashboard: lint, type check, the API client matches the backend's schema, production build,
# unit tests (vitest), then end-to-end journeys (Playwright + /usr/bin/chromium, real backend).
frontend-lint: frontend-install
	cd frontend && npm run lint

frontend-typecheck: frontend-install install
	cd frontend && npm run typecheck && npm run check:api

frontend-unit: frontend-install
	cd frontend && npm test

frontend-e2e: install frontend-build
	cd frontend && npm run e2e

test-frontend: frontend-lint frontend-typecheck frontend-build frontend-unit frontend-e2e

test: lint test-backend test-frontend

# Platform overhead against the direct SDK path, on PostgreSQL + Redis (see bench/README.md).
bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -c backend/requirements.lock -e 'backend[bench]'
	@bash bench/run.sh

clean:
	rm -rf $(VENV) backend/.pytest_cache backend/.mypy_cache backend/.ruff_cache
	rm -rf frontend/node_modules frontend/.next frontend/test-results frontend/playwright-report
