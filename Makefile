# The two commands a newcomer runs (see README.md): `make demo` and `make test`.
# Both create .venv with the system's python3 and install trimtab into it.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint typecheck unit chromium clean

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

unit: $(VENV)/.installed-dev chromium
	$(BIN)/pytest

# The dashboard's browser tests drive Debian's Chromium (Playwright's own browser
# download is not used: it needs a network the tests must not depend on).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
