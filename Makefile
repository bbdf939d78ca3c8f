# Quick start: `make run` (install, database, seed data, demo users, serve) and `make test`.
SHELL := /bin/bash
PGPORT ?= 55432
export PGPORT

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run setup test mutation stop db-remove deps system-deps db lint format bench load serve

run: setup
	$(PY) manage.py runserver 127.0.0.1:8000

setup: deps db
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seed
	$(PY) manage.py create_demo_users

test: deps db
	$(VENV)/bin/pytest

# Mutation testing (mutmut, configured in pyproject.toml): goes on where it stopped; the report
# gives the score per module and every surviving mutant. One module (its mutants run again):
#   make mutation MUTANTS='reporting.rules.*'
MUTANTS ?=
mutation: deps db
	$(PY) scripts/mutation_sync.py
	$(VENV)/bin/mutmut run --max-children 2 $(MUTANTS)
	$(PY) scripts/mutation_report.py

stop:
	scripts/pg.sh stop

db-remove:
	scripts/pg.sh remove

deps: system-deps $(STAMP)

system-deps:
	scripts/system-deps.sh

$(STAMP): pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

db:
	scripts/pg.sh start

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Production serving: gunicorn + whitenoise with the production settings (their variables must
# be set, see README).
serve: deps db
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/gunicorn --config gunicorn.conf.py

bench: deps db
	$(PY) scripts/bench.py
	$(PY) scripts/bench_bad_files.py

load: deps db
	scripts/load.sh
