# The two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test test-fast test-slow test-spark test-browser test-postgres lint format bench docs clean browser-deps

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP) $@

demo: $(STAMP)
	$(BIN)/integritas demo

# Default suite: fast tests in parallel, then the marked suites (slow, Spark, PostgreSQL, browser).
test: $(DEVSTAMP)
	$(BIN)/pytest -n auto -m "not slow and not spark and not browser" -q
	$(BIN)/pytest -m "slow or spark or browser" -q -p no:randomly || test $$? -eq 5

test-fast: $(DEVSTAMP)
	$(BIN)/pytest -n auto -m "not slow and not spark and not browser" -q

test-spark: $(DEVSTAMP)
	$(BIN)/pytest -m spark -q

test-browser: $(DEVSTAMP) browser-deps
	$(BIN)/pytest -m browser -q

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(DEVSTAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

docs: $(STAMP)
	$(BIN)/integritas docs generate

clean:
	rm -rf $(VENV) integritas-home .pytest_cache .mypy_cache .ruff_cache
