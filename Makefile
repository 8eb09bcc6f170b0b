# Two commands on a fresh machine: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench bench-vs-prefect screenshots clean ensure-postgres

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e ".[dev]"
	touch $(STAMP)

# Runs the example flow on the embedded store (SQLite in $PREFECT_HOME, nothing to start),
# prints the run list, then opens the console when a terminal is attached.
run: $(STAMP)
	$(BIN)/python examples/hello_flow.py
	$(BIN)/prefect flow-run ls
	@if [ -t 0 ] && [ -t 1 ]; then $(BIN)/prefect ui; else echo "(no terminal attached: skipping 'prefect ui')"; fi

# PG_REQUIRED=1 (as .ci/run sets it) turns "PostgreSQL is missing" from a skip into a failure.
test: $(STAMP) ensure-postgres
	$(BIN)/ruff check .
	PREFECT_TEST_REQUIRE_POSTGRES=$(PG_REQUIRED) $(BIN)/python -m pytest $(PYTEST_ARGS)

ensure-postgres:
	@bash scripts/ensure_postgres.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python tests/bench/run_bench.py $(BENCH_ARGS)
	$(BIN)/python tests/bench/bench_api.py $(BENCH_API_ARGS)
	$(BIN)/python tests/bench/bench_cli.py $(BENCH_CLI_ARGS)
	$(BIN)/python tests/bench/bench_worker.py $(BENCH_WORKER_ARGS)
	@if [ -n "$(BENCH_VS_PREFECT)" ]; then $(MAKE) --no-print-directory bench-vs-prefect PREFECT_PYTHON=$(BENCH_VS_PREFECT); fi

# Side by side with the real Prefect 3.9.1 (a venv outside the repo, created if missing).
PREFECT_PYTHON ?= /tmp/prefect39/bin/python
bench-vs-prefect: $(STAMP)
	$(BIN)/python tests/bench/bench_vs_prefect.py --install --prefect-python $(PREFECT_PYTHON) $(BENCH_VS_ARGS)

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info
