# The two commands a newcomer runs (see README.md): `make demo` and `make test`.
# Both create .venv with the system's python3 and install trimtab into it.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint typecheck unit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

# The rebalance loop on the paper exchange at the bundled closes of 2025-01-31, in a
# fresh journal: the first run executes the plan, the second finds nothing to do.
DEMO_REBALANCE = $(BIN)/trimtab rebalance --policy examples/moderate.toml --venue paper \
	--paper-prices history:2025-01-31 --paper-start examples/paper-start.json --yes

demo: $(VENV)/.installed
	$(BIN)/trimtab check --policy examples/moderate.toml --snapshot examples/snapshot-futures.json
	@journal="sqlite:///$$(mktemp -d)/journal.sqlite"; \
	echo "--- trimtab rebalance on the paper exchange (journal $$journal)"; \
	$(DEMO_REBALANCE) --journal "$$journal" && \
	echo "--- the same command again: nothing left to do" && \
	$(DEMO_REBALANCE) --journal "$$journal" && \
	$(BIN)/trimtab journal --journal "$$journal"

test: lint typecheck unit

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
