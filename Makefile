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

.PHONY: help install run migrate seed test lint fmt bench clean cluster cluster-stop test-cluster provider-mock

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

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

# Three people to sign in as with one click: a new reader (a verified address), someone whose
# verified address is the demo account's (no merge: they are told to sign in and link), and
# one whose address the provider has not verified (refused). Any other "sub" typed in works too.
MOCK_USERS = \
	--user-claims '{"sub": "reader", "email": "reader@provider.test", "email_verified": true, "preferred_username": "mockreader", "name": "Mock Reader"}' \
	--user-claims '{"sub": "demo", "email": "demo@inkstone.test", "email_verified": true}' \
	--user-claims '{"sub": "unverified", "email": "someone@provider.test", "email_verified": false}'

provider-mock: install  ## A local OpenID Connect provider on 127.0.0.1:9400 (see README: Signing in)
	$(BIN)/python -W ignore -m oidc_provider_mock --port 9400 $(MOCK_USERS)

test: install  ## Run the test suite
	$(BIN)/pytest

lint: install  ## ruff (lint + format check), mypy and the import contracts
	$(BIN)/ruff check src tests bench migrations deploy/cluster
	$(BIN)/ruff format --check src tests bench migrations deploy/cluster
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install  ## Format and auto-fix
	$(BIN)/ruff format src tests bench migrations deploy/cluster
	$(BIN)/ruff check --fix src tests bench migrations deploy/cluster

bench: install  ## Load benchmarks (wrk) against gunicorn, beside a hello-world baseline
	$(BIN)/python -m bench $(BENCH_ARGS)

# `make cluster`: scaled out on this machine's loopback (deploy/cluster, docs/scaling.md).
CLUSTER_PORT ?= 8080
CLUSTER_ROOT ?= .cluster
WITH_FLOWER := $(filter 1 yes true,$(FLOWER))

cluster:  ## PostgreSQL, Redis, 2 web hosts, 2 workers, beat behind nginx on 127.0.0.1:8080 (FLOWER=1)
	$(PYTHON) -m deploy.cluster packages
	@$(MAKE) --no-print-directory $(if $(WITH_FLOWER),$(VENV)/.flower,install)
	$(BIN)/python -m deploy.cluster start --root $(CLUSTER_ROOT) --port $(CLUSTER_PORT) $(if $(WITH_FLOWER),--flower)

cluster-stop:  ## Stop everything `make cluster` started (by PID)
	$(PYTHON) -m deploy.cluster stop --root $(CLUSTER_ROOT)

test-cluster: install  ## Run tests/cluster against a cluster of their own
	$(BIN)/pytest tests/cluster

# Flower is the optional `flower` extra: installed with it, and kept by `make install` after.
$(VENV)/.flower: pyproject.toml uv.lock $(UV_DEP)
	$(UV) sync --frozen --extra flower
	@touch $(VENV)/.synced $@

clean:  ## Remove the virtualenv and caches (keeps instance/ data)
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
