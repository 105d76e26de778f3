# Two commands on a fresh machine: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
PYTEST_ARGS ?= -n 2 -rs
export FLASK_APP := exam_platform
# The address QR codes lead to (certificates, 准考证, sign-in codes), also for the demo seed: the host's LAN address
# when serving on all interfaces (a phone on the same network opens it), else HOST itself — the app warns at
# start when that is a loopback address.
LAN_ADDR := $(shell hostname -I 2>/dev/null | awk '{print $$1}')
PUBLIC_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),$(or $(LAN_ADDR),127.0.0.1),$(HOST))
PUBLIC_BASE_URL ?= http://$(PUBLIC_HOST):$(PORT)

# node_modules (npm ci against package-lock.json), set up when npm is present: jsQR, which the app serves to the
# inspectors' scanner where the browser has no BarcodeDetector, and axe-core for the browser tests' audit.
NPM := $(shell command -v npm 2>/dev/null)
NODE_DEPS := $(if $(NPM),node_modules)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node_modules: node_modules/.installed

.PHONY: run test setup translations node_modules migrate seed lint migration bench chaos chaos-short audit fuzz-api clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	@touch $@

setup: $(VENV)/.installed translations $(NODE_DEPS)

translations: $(VENV)/.installed
	@for d in $$(find exam_platform -type d -name translations); do \
	  $(VENV)/bin/pybabel compile -f -d $$d || exit 1; done

migrate: setup
	$(PY) -m flask init-db

seed: migrate
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(PY) -m flask seed-demo --if-empty

# The grading worker (flask exams worker) runs beside gunicorn and stops with it.
run: seed
	@echo "Serving on http://$(HOST):$(PORT)/  (QR codes lead to $(PUBLIC_BASE_URL); demo accounts are in README.md)"
	@$(PY) -m flask exams worker & grader=$$!; trap 'kill $$grader 2>/dev/null' EXIT INT TERM; \
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(VENV)/bin/gunicorn --workers $(WORKERS) --threads 4 --bind $(HOST):$(PORT) \
	  --access-logfile - 'exam_platform:create_app()'

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check exam_platform tests bench chaos

# Rewrites the initial migration from the models (the project has not shipped a release yet).
migration: setup
	$(PY) -m exam_platform.tools.regen_migration

# Load benchmarks (bench/README.md): SQLite, PostgreSQL, scale-out; < 15 min. `make bench BENCH_ARGS=--quick`: smoke run.
bench: setup
	$(PY) -m bench.run $(BENCH_ARGS)

# Fault injection with an answer ledger (docs/reliability.md). Needs PostgreSQL and restarts it once
# (immediate stop): never run it against a server other people use at that moment.
chaos: setup
	$(PY) -m chaos.run --backend postgres
	$(PY) -m chaos.run --backend sqlite

# The CI form: one-minute exams on both backends side by side, worker kills and an app kill -9; no PostgreSQL restart.
chaos-short: setup
	@$(PY) -m chaos.run --backend sqlite --short --workers 2 & sqlite=$$!; \
	$(PY) -m chaos.run --backend postgres --short --workers 2; pg=$$?; \
	wait $$sqlite; lite=$$?; test $$pg -eq 0 -a $$lite -eq 0

# Static and dependency checks: bandit (reviewed findings only) and pip-audit (see docs/reliability.md).
audit: setup
	$(PY) -m tests.security.audit

# The API contract under a fuzzer (docs/api.md): schemathesis against the served app as anonymous, a candidate and a
# question author; fails on any 5xx or any answer the OpenAPI document does not describe. ~3 min.
fuzz-api: setup
	$(PY) -m tests.api_fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) instance
