# make demo / make test / make bench: each installs what it needs first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup docker base demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

docker:
	bash scripts/setup-docker.sh

base: $(STAMP) docker
	$(BIN)/horizonbench images base

setup: base

demo: setup
	$(BIN)/horizonbench doctor
	$(BIN)/horizonbench sandbox demo
	$(BIN)/horizonbench run tasks/smoke --agent oracle --attempts 2 --run-id demo-$$(date +%Y%m%d-%H%M%S)

lint: $(STAMP)
	$(BIN)/ruff check horizonbench tests benchmarks
	$(BIN)/ruff format --check horizonbench tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: setup
	$(BIN)/python benchmarks/bench_exec.py
	$(BIN)/python benchmarks/bench_trials.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
