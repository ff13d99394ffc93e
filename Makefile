# `make run` serves the API for development, `make serve` with gunicorn as in production (deploy/gunicorn.conf.py);
# `make test` runs the whole suite. All install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
BASE_URL ?= http://127.0.0.1:5000
# newman (package.json) runs the Postman collection; installed by npm when npm is there, skipped when not.
NODE_MODULES := $(if $(shell command -v npm),node_modules/.installed)

.PHONY: install run serve test bench migrate postman clean

install: $(VENV)/.installed $(NODE_MODULES)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

run: install
	@if [ "$${LIBRARY_STORE:-memory}" = sql ]; then LIBRARY_ENV=$${LIBRARY_ENV:-development} $(BIN)/flask --app wsgi db upgrade; fi
	LIBRARY_ENV=$${LIBRARY_ENV:-development} $(BIN)/flask --app wsgi run --port $(PORT)

# Production settings come from the environment (README, "Deploying"): migrate first with `make migrate`.
# With REDIS_URL on the SQL store, imports run on an RQ queue: one import worker starts beside gunicorn and
# stops with it.
serve: install
	@if [ -n "$${REDIS_URL:-}" ] && [ "$${LIBRARY_STORE:-memory}" = sql ]; then \
	  $(BIN)/flask --app wsgi import-worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app; \
	else \
	  exec $(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app; \
	fi

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

# Runs postman/ against the server at BASE_URL, which needs the admin of postman/local.postman_environment.json
# (ADMIN_USERNAME=librarian ADMIN_PASSWORD='a long admin passphrase'); see README, Postman.
postman: $(NODE_MODULES)
	@command -v npm >/dev/null || { echo "make postman needs Node.js and npm (newman comes from package.json)" >&2; exit 1; }
	node_modules/.bin/newman run postman/library-api.postman_collection.json \
	  -e postman/local.postman_environment.json --env-var baseUrl=$(BASE_URL)

clean:
	rm -rf $(VENV) .pytest_cache instance node_modules
