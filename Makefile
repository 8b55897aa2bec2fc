# The two commands a new user needs (see README): `make run` and `make test`.
# Both create the virtual environment and install what is needed on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Mirrored public source files (read-only); connectors fall back to the network, then to packaged data.
export SANCTUARYWATCH_MIRROR ?= $(abspath ../shared/data)

.PHONY: run test install lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/sanctuarywatch ingest all
	$(BIN)/sanctuarywatch registry
	$(BIN)/sanctuarywatch resolve "Westchester County, NY"
	$(BIN)/sanctuarywatch serve --host 127.0.0.1 --port $(PORT)

test: install
	scripts/ensure-browser.sh
	$(BIN)/ruff check src tests benchmarks
	SANCTUARYWATCH_OFFLINE=1 SANCTUARYWATCH_NO_SKIP=1 $(BIN)/pytest

bench: install
	for script in benchmarks/*_bench.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
