# Two commands for a fresh clone (Python 3.11+):
#   make demo   set up, generate a small org, land it in embedded DuckDB (bronze, silver), print a summary
#   make test   set up with the dev tools and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCALE  ?= 0.1

.PHONY: demo test lint bench setup dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

setup: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .

dev: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"

demo: setup
	$(BIN)/fauxforce generate --scale $(SCALE) --out data/landing --overwrite
	$(BIN)/fauxforce run --landing data/landing --warehouse duckdb:///data/warehouse.duckdb

test: dev
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/shape.py
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/messy.py
	$(BIN)/python benchmarks/extract.py
	$(BIN)/python benchmarks/faults.py
	$(BIN)/python benchmarks/faults.py --warehouse postgresql

clean:
	rm -rf data .pytest_cache .ruff_cache .mypy_cache
