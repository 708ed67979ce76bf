# Courtyard — the two commands a newcomer needs are `make run` and `make test`.
# Every target creates .venv and installs the project into it first, so a fresh clone just works.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint typecheck unit bench package clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,scale]'
	touch $(STAMP)

## make run: Courtyard on its embedded default: a local demo server on SQLite.
## (Until the desktop window lands, this is the server with its demo organisation.)
run: $(STAMP)
	$(BIN)/courtyard-server --data "$${COURTYARD_DATA:-$$HOME/.local/share/courtyard-demo-server}" demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## make test: lint, types, and the whole suite (unit, integration against a real server, GUI)
test: lint typecheck
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit tests/test_architecture.py

## make bench: benchmarks; results are recorded by hand in bench/RESULTS.md
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
