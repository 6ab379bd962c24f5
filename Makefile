# `make test` and `make dev` set up their own environment (.venv via uv, from uv.lock).
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

# The machine's own servers, used when no Docker engine is around to run testcontainers.
LOCAL_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
LOCAL_AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/

# make dev: the five services as local processes against these, each started again when it
# exits (devtools/supervise.py); when nothing answers at one, a private server under .dev/
# (devtools/dev.py). These are the administrator's URLs: scripts/provision.py makes each
# service its own role and user from them (kept in .env), and the services use those.
export DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/stepwise
export AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/

PYTEST_ARGS ?=
CASES ?=

.PHONY: install test lint format dev conformance clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==0.13.9

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.synced

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy servicekit orchestrator payment_service inventory_service shipping_service web tests bench scripts devtools

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	@if [ -z "$$TEST_POSTGRES_URL" ] && ! docker info >/dev/null 2>&1; then \
	  export TEST_POSTGRES_URL=$(LOCAL_POSTGRES_URL) TEST_AMQP_URL=$(LOCAL_AMQP_URL); \
	  echo "make test: no Docker engine; using Postgres at $$TEST_POSTGRES_URL and RabbitMQ at $$TEST_AMQP_URL"; \
	fi; \
	$(BIN)/pytest $(PYTEST_ARGS)

dev: install
	$(BIN)/python -m devtools.dev

conformance: install
	$(BIN)/python -m orchestrator.engine.conformance $(CASES)

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache

# make chaos [ORDERS=500] [CHAOS_ARGS="--seed 7 --rate 10 --down 25"]: the chaos run (tests/chaos)
# on a private Postgres and RabbitMQ node it starts and breaks (CHAOS_ARGS="--servers shared": on
# the TEST_* servers, never stopped); exits non-zero on any violation.
ORDERS ?= 500
CHAOS_ARGS ?=
.PHONY: chaos
chaos: install
	@if [ -z "$$TEST_POSTGRES_URL" ] && ! docker info >/dev/null 2>&1; then \
	  export TEST_POSTGRES_URL=$(LOCAL_POSTGRES_URL) TEST_AMQP_URL=$(LOCAL_AMQP_URL); \
	fi; \
	$(BIN)/python -m tests.chaos --orders $(ORDERS) $(CHAOS_ARGS)

# make bench [BENCH_ARGS="--parts engine --orchestrators 2 --orders 100000"]: the engine, the
# store and their baselines (a minimal durable round-trip script, a Celery chain) in one run,
# each phase on a fresh database and vhost; results in bench/results/ (see bench/README.md).
BENCH_ARGS ?=
.PHONY: bench
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# make console-assets: rebuild the console's one bundled library (dagre, for graph layout) into
# orchestrator/console/static/vendor/graph.js, which is committed: CI and the services never run npm.
.PHONY: console-assets
console-assets:
	cd orchestrator/console/assets && npm ci && npm run build

# make ha: the five services on a 3-node RabbitMQ cluster and a Postgres primary with a
# synchronous standby (pg_auto_failover), all on this machine, data under .ha/; Ctrl-C stops all.
# make chaos-ha [ORDERS=500] [CHAOS_ARGS=...]: the chaos run on that topology, which also kills
# the node leading the queues and the Postgres primary (see README, High availability).
.PHONY: ha chaos-ha
ha: install
	$(BIN)/python -m devtools.ha_cluster

chaos-ha: install
	$(BIN)/python -m tests.chaos --ha --orders $(ORDERS) $(CHAOS_ARGS)

# make soak [SOAK_MINUTES=30] [SOAK_ARGS="--seed 7 --rate 20"]: the soak (tests/chaos/soak.py) on
# a private Postgres and RabbitMQ node: half the measured peak rate, a fault a minute, memory,
# messages and connections sampled; exits non-zero on any violation or growth.
SOAK_MINUTES ?= 30
SOAK_ARGS ?=
.PHONY: soak
soak: install
	$(BIN)/python -m tests.chaos.soak --minutes $(SOAK_MINUTES) $(SOAK_ARGS)
