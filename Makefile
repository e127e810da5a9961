# Lijiao — two commands do everything on a fresh machine:
#   make run    installs, migrates an SQLite database, loads demo data, serves http://127.0.0.1:8000
#   make test   installs, then ruff, mypy, makemigrations --check, pytest on SQLite and PostgreSQL, browser tests
SHELL := /bin/bash
.DEFAULT_GOAL := help
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

# Python >= 3.12, picked explicitly (the default python3 on these machines is 3.11).
PYTHON ?= $(shell for c in python3.13 python3.12; do \
		if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v $$c; exit 0; fi; \
	done; \
	for d in $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13* $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*; do \
		for c in $$d/bin/python3.13 $$d/bin/python3.12; do [ -x $$c ] && { echo $$c; exit 0; }; done; \
	done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SECRETS := var/secrets.env
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
DEBIAN_BUILD_PACKAGES := gettext
DEBIAN_RUN_PACKAGES := fonts-wqy-zenhei
DEBIAN_TEST_PACKAGES := fonts-wqy-zenhei chromium libreoffice-calc-nogui
DEBIAN_BENCH_PACKAGES := wrk
VENDOR := src/lijiao/static/vendor

.PHONY: help run test install secrets install-run install-test system-deps assets messages messages-update lint typecheck migrations-check pytest pytest-sqlite pytest-postgres bench clean bench-city bench-verify bench-claims

help:
	@echo "make run   - install everything, migrate SQLite, load demo data, serve http://$(HOST):$(PORT)"
	@echo "make test  - install everything, lint, type-check, migrations check, tests on SQLite and PostgreSQL"

check-python:
	@if [ -z "$(PYTHON)" ]; then echo "Lijiao needs Python >= 3.12 (python3.12 or python3.13 on PATH, or PYTHON=/path/to/python)." >&2; exit 1; fi

$(BIN)/.installed: pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed assets messages secrets

install-run: install
	@$(MAKE) --no-print-directory system-deps PACKAGES="$(DEBIAN_RUN_PACKAGES)"

install-test: install
	@$(MAKE) --no-print-directory system-deps PACKAGES="$(DEBIAN_TEST_PACKAGES)"

# Debian packages: gettext to compile the translations, Chromium for the browser tests, LibreOffice Calc
# (headless) for the tests that save spreadsheets the way clerks do, a CJK TrueType font
# embedded into PDFs.
system-deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "please install the Debian packages:$$missing" >&2; exit 1; fi; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end libraries come from the npm registry and are copied into static at build time (never committed).
assets: node_modules/.installed
	@mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js

# Translations (ADR 0003): the English catalogs (<app>/locale/en, locale/en) compiled to .mo, never committed.
messages: $(BIN)/.installed
	@$(MAKE) --no-print-directory system-deps PACKAGES="$(DEBIAN_BUILD_PACKAGES)"
	cd src && DJANGO_SETTINGS_MODULE=lijiao.test_settings ../$(BIN)/lijiao compilemessages --verbosity 0

# Refresh the catalogs from the code after changing messages (then write the English of the new entries).
MESSAGE_APPS := core accounts audit portal people catalog providers training certificates subsidies
messages-update: $(BIN)/.installed
	cd src/lijiao
	export DJANGO_SETTINGS_MODULE=lijiao.test_settings
	for app in $(MESSAGE_APPS); do \
		(cd $$app && ../../../$(BIN)/lijiao makemessages -l en --no-location --no-wrap --no-obsolete --verbosity 0); \
	done
	../../$(BIN)/lijiao makemessages -l en --no-location --no-wrap --no-obsolete --verbosity 0 \
		$(foreach app,$(MESSAGE_APPS) static,--ignore=$(app)/*)

# The development keys (never used in production): created on first install, and a key added later to the
# project (e.g. LIJIAO_AUDIT_KEY) is appended to an existing file; an existing key is never changed. The audit
# checkpoints' signing key (ADR 0004) is created beside it (var/audit/signing-key.pem, 0600) if missing, and so is
# the certificate credentials' signing key (ADR 0019, var/credentials/signing-key.pem).
secrets: | $(BIN)/.installed
	@mkdir -p var
	umask 077
	test -f $(SECRETS) || echo "writing a local development key file $(SECRETS) (never used in production)"
	touch $(SECRETS)
	chmod 600 $(SECRETS)
	for pair in LIJIAO_SECRET_KEY:50 LIJIAO_PII_KEY:32 LIJIAO_AUDIT_KEY:32; do \
		name=$${pair%%:*}; \
		if ! grep -q "^$$name=" $(SECRETS); then \
			echo "adding $$name to $(SECRETS)"; \
			echo "$$name=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe($${pair##*:}))")" >> $(SECRETS); \
		fi; \
	done
	set -a; . ./$(SECRETS); set +a
	LIJIAO_DEBUG=1 $(BIN)/lijiao audit-keygen --if-missing
	LIJIAO_DEBUG=1 $(BIN)/lijiao credential-keygen --if-missing

# make run serves production settings over plain http on this machine: no DEBUG, so a visitor sees the
# product's own Chinese 404/403/500 pages, never Django's English debug pages (LIJIAO_DEBUG=1 to debug).
RUN_ENV := LIJIAO_PLAIN_HTTP=1

run: install-run
	set -a; . $(SECRETS); set +a
	export $(RUN_ENV)
	$(BIN)/lijiao migrate --no-input
	$(BIN)/lijiao loaddemo
	$(BIN)/lijiao collectstatic --no-input --verbosity 0
	$(BIN)/lijiao db_worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT
	echo "serving http://$(HOST):$(PORT)/ (another port: make run PORT=8080)"
	$(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) --workers 1 --blocking-threads 8 \
		lijiao.wsgi:application

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-cache  # the one-way stack of apps (pyproject.toml, ADR 0001)

typecheck: $(BIN)/.installed
	$(BIN)/mypy

migrations-check: $(BIN)/.installed
	DJANGO_SETTINGS_MODULE=lijiao.test_settings $(BIN)/lijiao makemigrations --check --dry-run

pytest-sqlite: install-test
	$(BIN)/pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

# PostgreSQL: always when LIJIAO_TEST_DATABASE_URL is set or a server answers on 127.0.0.1:5432;
# required (a failure when unreachable) when LIJIAO_REQUIRE_POSTGRES=1, as in CI.
pytest-postgres: install-test
	@url="$${LIJIAO_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ]; then \
		if $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 2)' 2>/dev/null; then url="$(PG_URL)"; fi; \
	fi; \
	if [ -z "$$url" ]; then \
		if [ "$${LIJIAO_REQUIRE_POSTGRES:-0}" = 1 ]; then echo "PostgreSQL is required but not reachable" >&2; exit 1; fi; \
		echo "PostgreSQL not reachable: skipping the PostgreSQL run"; exit 0; \
	fi; \
	echo "== pytest on PostgreSQL ($$url)"; \
	LIJIAO_TEST_DATABASE_URL="$$url" $(BIN)/pytest -p no:cacheprovider -n 2 -m "not browser" $(PYTEST_ARGS)

test: install-test lint typecheck migrations-check
	@echo "== pytest on SQLite (with browser tests)"
	$(MAKE) --no-print-directory pytest-sqlite
	$(MAKE) --no-print-directory pytest-postgres

bench: install
	$(BIN)/python benchmarks/run_all.py

# The everyday screens timed on a city built in a scratch PostgreSQL database (ADR 0013):
# make bench-city CITY_ARGS="--scale 0.01 --json var/city.json"
CITY_ARGS ?= --scale 1
bench-city: install
	$(BIN)/python benchmarks/city_scale.py $(CITY_ARGS)

# Public verification under load (ADR 0018): 1,000,000 certificates in a scratch PostgreSQL database, granian with
# 2 workers on loopback, wrk for 10 s at 32 connections against the verification API and a bare ORM endpoint:
# make bench-verify VERIFY_ARGS="--scale 0.01"
VERIFY_ARGS ?= --scale 1
bench-verify: install
	@$(MAKE) --no-print-directory system-deps PACKAGES="$(DEBIAN_BENCH_PACKAGES)"
	$(BIN)/python benchmarks/verify_load.py $(VERIFY_ARGS)

# Anti-fraud audit at scale (issue 12): 1,000,000 claims in a scratch PostgreSQL database, the full audit against
# its hand-written SQL floor and a per-claim ORM loop: make bench-claims CLAIMS_ARGS="--scale 0.1"
CLAIMS_ARGS ?= --scale 1
bench-claims: install
	$(BIN)/python benchmarks/claims_audit.py $(CLAIMS_ARGS)

clean:
	rm -rf $(VENV) node_modules var $(VENDOR)
