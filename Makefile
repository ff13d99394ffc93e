# `make run` serves the API for development, `make serve` with gunicorn as in production (deploy/gunicorn.conf.py);
# `make test` runs the whole suite. All install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: install run serve test bench migrate clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

run: install
	@if [ "$${LIBRARY_STORE:-memory}" = sql ]; then LIBRARY_ENV=$${LIBRARY_ENV:-development} $(BIN)/flask --app wsgi db upgrade; fi
	LIBRARY_ENV=$${LIBRARY_ENV:-development} $(BIN)/flask --app wsgi run --port $(PORT)

# Production settings come from the environment (README, "Deploying"): migrate first with `make migrate`.
serve: install
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench

migrate: install
	LIBRARY_ENV=$${LIBRARY_ENV:-development} $(BIN)/flask --app wsgi db upgrade

clean:
	rm -rf $(VENV) .pytest_cache instance
