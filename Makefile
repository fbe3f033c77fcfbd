# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-scale install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Install, ingest the bundled sample dump into the default SQLite database, print the digest.
run: $(STAMP)
	$(BIN)/newsdigest demo

## Install and run the whole test suite (lint and type checks included). .ci/run calls this.
test: $(STAMP)
	$(BIN)/ruff check bot summarizer tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

## ROUGE and timing side by side with lead and every sumy algorithm, plus brief latency.
bench: $(STAMP)
	$(BIN)/newsdigest bench

## Ingest, /brief and 1,000 channels' digests on a store of 100k synthetic stories (docs/benchmarks.md).
bench-scale: $(STAMP)
	$(BIN)/newsdigest bench --scale 100000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
