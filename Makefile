# The commands the README names. `make demo` and `make test` each set up what they need.
SHELL := /bin/bash
PYTEST := .venv/bin/python -m pytest

.PHONY: setup demo test test-slow ui bench-parse lint

setup:
	@./scripts/setup.sh

## The main job: the demo campaign end to end on the embedded default (SQLite, dag.test runs).
demo: setup
	@source scripts/airflow_env.sh && .venv/bin/python -m creator_ops.demo.run $(ARGS)

## The default test run (fast and integration suites; slow ones need `make test-slow`).
test: setup
	@$(PYTEST) -q $(ARGS)

## Slow suites: distributed topology, browser tests, long runs, and the property tests with
## four times their examples (hypothesis profile "wide"; CI runs these too).
test-slow: setup
	@$(PYTEST) -q -m "slow or hypothesis" --runslow $(ARGS)

## airflow standalone with the demo campaigns, on 127.0.0.1:8080 (login in .airflow/simple_auth_manager_passwords.json.generated).
ui: setup
	@source scripts/airflow_env.sh && .venv/bin/airflow standalone

bench-parse: setup
	@.venv/bin/python bench/bench_parse.py $(ARGS)

lint: setup
	@.venv/bin/ruff check plugins dags tests bench scripts
