# The two commands a newcomer runs (see README.md): `make demo` and `make test`.
# Both create .venv with the system's python3 and install trimtab into it.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo watch serve test lint typecheck unit chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# the dev extra brings the backtest's numba: its kernels are compiled here, once, into
# numba's on-disk cache (about 15 s, said on the terminal) rather than in the first test
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/trimtab backtest --warm
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

# `trimtab watch` on the paper exchange: the bundled closes of Jan-Jun 2024 replayed with
# a jumping clock (monthly review, quarterly rebalance, band breaches), in a fresh journal.
WATCH_JOURNAL ?= sqlite:///$(CURDIR)/build/watch-journal.sqlite
watch: $(VENV)/.installed
	@mkdir -p build && rm -f build/watch-journal.sqlite*
	$(BIN)/trimtab watch --policy examples/moderate.toml --paper-start examples/paper-start.json \
	  --journal "$(WATCH_JOURNAL)" --replay 2024-01-01..2024-06-30

# The dashboard over the journal `make watch` left (run that first to see history and a
# plan waiting for approval); prints the URL with its access token.
serve: $(VENV)/.installed
	$(BIN)/trimtab serve --policy examples/moderate.toml --journal "$(WATCH_JOURNAL)" \
	  --paper-start examples/paper-start.json --paper-prices history:2024-06-29

test: lint typecheck unit

# ruff, then the layers' import contracts (pyproject.toml [tool.importlinter])
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports

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
