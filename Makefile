# `make run` serves the API for development; `make test` runs the whole suite. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: install run test bench migrate clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

run: install
	@if [ "$${LIBRARY_STORE:-memory}" = sql ]; then LIBRARY_ENV=$${LIBRARY_ENV:-development} $(BIN)/flask --app wsgi db upgrade; fi
	LIBRARY_ENV=$${LIBRARY_ENV:-development} $(BIN)/flask --app wsgi run --port $(PORT)

test: install
	$(BIN)/pytest

# Installs wrk (apt-get, where missing) and matplotlib; BENCH_SIZES, BENCH_SECONDS, BENCH_DBS choose the runs.
bench: install
	@command -v wrk >/dev/null || { echo "make bench: installing wrk with apt-get"; \
	  $$([ "$$(id -u)" = 0 ] || echo sudo) sh -c 'apt-get install -y wrk || (apt-get update && apt-get install -y wrk)'; }
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench

migrate: install
	LIBRARY_ENV=$${LIBRARY_ENV:-development} $(BIN)/flask --app wsgi db upgrade

clean:
	rm -rf $(VENV) .pytest_cache instance
