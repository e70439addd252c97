# Inkstone — `make run` and `make test` are all a fresh machine needs (Python 3.11+).
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export FLASK_APP := inkstone.app:create_app

# Use uv from PATH when present, otherwise bootstrap it into .tools/ from PyPI.
ifeq ($(shell command -v uv 2>/dev/null),)
UV := .tools/bin/uv
UV_DEP := $(UV)
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"
else
UV := uv
UV_DEP :=
endif

.PHONY: help install run migrate seed test lint fmt bench clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.synced: pyproject.toml uv.lock $(UV_DEP)
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.synced  ## Create the virtualenv from the lock

migrate: install  ## Apply database migrations (store stale article HTML again, fill an empty search index)
	$(BIN)/flask db upgrade
	$(BIN)/flask articles render
	$(BIN)/flask search reindex --if-empty

seed: migrate  ## Load demo data if the database is empty
	$(BIN)/flask dev seed --if-empty

run: seed  ## Migrate, seed on first run, serve web + worker at http://127.0.0.1:5000
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: install  ## Run the test suite
	$(BIN)/pytest

lint: install  ## ruff (lint + format check), mypy and the import contracts
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install  ## Format and auto-fix
	$(BIN)/ruff format src tests bench migrations
	$(BIN)/ruff check --fix src tests bench migrations

bench: install  ## Load benchmarks (wrk) against gunicorn, beside a hello-world baseline
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:  ## Remove the virtualenv and caches (keeps instance/ data)
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
