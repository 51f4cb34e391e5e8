# Keeping Babies Safe. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help venv migrate demo run test test-fast test-browser lint typecheck check evaluate assets lock system-packages test-postgres clean bench-data bench bench-quick bench-t4 security-report

help: ## List the targets with what they do
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/python: requirements.lock
	@command -v uv >/dev/null || $(PYTHON) -m pip install --quiet uv
	@test -x $(BIN)/python || uv venv --quiet --python $$($(PYTHON) -c 'import sys; print(sys.executable)') $(VENV)
	uv pip sync --quiet --python $(BIN)/python requirements.lock
	@touch $(BIN)/python

venv: $(BIN)/python ## Create .venv from the hashed lock file (uv)

lock: ## Re-resolve requirements.lock from pyproject.toml, with hashes
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --quiet -o requirements.lock

migrate: venv ## Migrate the database (SQLite in db.sqlite3 unless DATABASE_URL is set)
	$(BIN)/python manage.py migrate --no-input

demo: migrate ## Load the synthetic demo families and personas (idempotent)
	KBS_DEMO_MODE=true $(BIN)/python manage.py load_demo

run: demo ## Set up and serve on http://127.0.0.1:8000 with demo data
	@echo ""
	@echo "  Keeping Babies Safe is running at http://$(HOST):$(PORT)/"
	@echo "  Sign in as a demo persona at http://$(HOST):$(PORT)/demo/personas/"
	@echo ""
	KBS_DEMO_MODE=true $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

system-packages: ## Install the Debian packages the tests need, if missing (as root)
	@scripts/system-packages.sh

lint: venv ## Ruff, and the check that views read records only through access modules
	$(BIN)/ruff check .
	@scripts/check-access-lint.sh

typecheck: venv ## mypy (strict for actions and access modules)
	$(BIN)/mypy kbs

check: lint typecheck ## Lint and type checks, plus Django's system checks
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null

# The non-browser suite runs on every core (pytest-xdist, one test database per worker); the browser
# journeys share one demo server, so they run in one process. Exit status 5 means "nothing selected"
# (PYTEST_ARGS chose only one kind), which is not a failure.
XDIST ?= -n auto
test: system-packages venv check ## Everything: checks and the whole suite, browser tests included
	$(BIN)/pytest -m "not browser" $(XDIST) $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/pytest -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-fast: venv ## The suite without the browser tests, on every core
	$(BIN)/pytest -m "not browser" $(XDIST) $(PYTEST_ARGS)

test-browser: system-packages venv ## Only the browser journeys (Chromium + axe)
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

test-postgres: system-packages venv ## The whole suite against a throwaway PostgreSQL cluster
	scripts/with-postgres.sh $(MAKE) test

evaluate: venv ## Evaluate a tool: make evaluate TOOL=safer-sleep ANSWERS=file.json [SETTINGS='{...}']
	@$(BIN)/python manage.py evaluate --tool "$(TOOL)" --answers "$(ANSWERS)" $(if $(SETTINGS),--settings-json '$(SETTINGS)')

.PHONY: messages
messages: venv ## Update locale/*/django.po from the marked text (keeps translations), then compile the .mo files
	$(BIN)/python scripts/extract-messages.py
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules --locale pl --locale ur --locale ro

assets: ## Rebuild the committed NHS.UK frontend CSS/JS and axe (needs Node and npm)
	scripts/build-assets.sh

clean: ## Remove the environment, the local database and caches
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles var .mypy_cache .ruff_cache

.PHONY: backup restore
backup: venv ## Back up the database and uploaded files to var/backups/kbs-<UTC time>.tar.gz (BACKUP_DIR=... elsewhere); safe while running
	$(BIN)/python scripts/backup.py $(if $(BACKUP_DIR),--to "$(BACKUP_DIR)")

restore: venv ## Restore and verify a backup: make restore FILE=var/backups/kbs-....tar.gz (FORCE=1 to replace a database with records)
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=var/backups/kbs-....tar.gz"; exit 2; }
	$(BIN)/python scripts/restore.py "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force)

bench-data: venv ## Generate synthetic data into the bench PostgreSQL in var/bench-pg (SCALE=tiny|small|national, default small; REGENERATE=1 to redo)
	$(BIN)/python bench/run.py data --scale $(or $(SCALE),small) $(if $(REGENERATE),--regenerate)

bench: venv ## Benchmark at national scale (generates the data first if missing); results in bench/results/
	$(BIN)/python bench/run.py bench --scale national

bench-quick: venv ## Benchmark at small scale, a few minutes; results in bench/results/
	$(BIN)/python bench/run.py bench --scale small

bench-t4: venv ## T4: import 1 million historic contacts vs a raw COPY of the same file (bench/results/t4.md)
	$(BIN)/python bench/t4.py $(if $(ROWS),--rows $(ROWS))

security-report: system-packages venv ## Run the security tests and the crash test; print the figures against the targets (var/security/report.md)
	$(BIN)/python scripts/security-report.py
