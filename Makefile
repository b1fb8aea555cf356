# Companion: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app companion
export COMPANION_ENV ?= development

.PHONY: help install run web worker migrate seed test test-fast lint browser-deps \
        translations-extract translations-update translations-init translations-check bench bench-plan \
        bench-webhook bench-load clean

help:
	@echo "make run    - install, migrate, load demo data, serve http://127.0.0.1:5000 and run the worker"
	@echo "make test   - install what is missing, then lint and run the whole suite (SQLite + PostgreSQL)"
	@echo "make test-fast - the unit tests only (no database, no browser, no subprocesses)"
	@echo "make bench  - the dispatch benchmark (see docs/performance.md)"
	@echo "make bench-plan - the planning benchmark, 100,000 clients (see docs/performance.md)"
	@echo "make bench-webhook - the inbound webhook under gunicorn on PostgreSQL (see docs/performance.md)"
	@echo "make bench-load - staff pages and the webhook on a 2,000-client caseload, beside anchors"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --password "$${DEMO_PASSWORD:-companion-demo}"

# Web and worker side by side; Ctrl-C stops both.
run: seed
	@echo "Companion on http://127.0.0.1:5000 (console transport: open the phone simulator)"
	@trap 'kill 0' INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000 & \
	$(FLASK) worker --interval 10 & \
	wait

# Debian's chromium for the browser tests (never `playwright install`).
browser-deps:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium"; fi; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The whole suite on every core, in two parts: every database test's SQLite run with the
# machine's clock moved 400 days ahead, everything else (PostgreSQL included) at today's date.
# Each database test meets two dates; no test may depend on the day it runs.
test: install browser-deps lint translations-check
	$(BIN)/pytest -q -n auto -m "sqlite_half" --shift-days 400
	$(BIN)/pytest -q -n auto -m "not sqlite_half" --durations=10

# The unit tests: no database, no browser, no subprocesses (under a minute).
test-fast: install
	$(BIN)/pytest -q -m "not browser and not slow and not db"

# Two gettext domains: "messages" (texts and alerts, every shipped language) and
# "web" (staff pages, English and Spanish). docs/translating.md walks through them.
# The catalogs are package data (they ship in the wheel), under companion/translations.
CATALOGS := companion/translations
EXTRACT := $(BIN)/pybabel extract --no-default-keywords --no-location --sort-output --omit-header
translations-extract: install
	$(EXTRACT) -F babel.cfg -k N_ -o $(CATALOGS)/messages.pot .
	$(EXTRACT) -F babel-web.cfg -k _ -k L_ -k W_ -k gettext -k ngettext:1,2 -o $(CATALOGS)/web.pot .

translations-update: translations-extract
	$(BIN)/pybabel update -D messages -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel update -D web -i $(CATALOGS)/web.pot -d $(CATALOGS) --no-fuzzy-matching --ignore-obsolete

# Start a new language's catalog: make translations-init LANG=ko
translations-init: translations-extract
	$(BIN)/pybabel init -D messages -i $(CATALOGS)/messages.pot -d $(CATALOGS) -l $(LANG)

translations-check: install
	$(BIN)/python -m companion.messaging.catalogs

bench: install
	$(BIN)/python bench/dispatch.py

bench-plan: install
	$(BIN)/python bench/plan.py

# PostgreSQL needed: TEST_DATABASE_URL's server, or DATABASE_SERVER=postgresql://...
bench-webhook: install
	$(BIN)/python bench/webhook.py $(if $(DATABASE_SERVER),--database-url $(DATABASE_SERVER))

# Same server choice; LOAD_ARGS="--clients 300 --duration 10" for a shorter run.
bench-load: install
	$(BIN)/python bench/load.py $(if $(DATABASE_SERVER),--database-url $(DATABASE_SERVER)) $(LOAD_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
