# Two commands: `make run` serves the demo city, `make test` runs lint and the whole suite.
# `DAIS_DEMO=0 make run` serves an empty instance instead and prints the one-time setup link (docs/setup.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run worker test lint messages clean

# Compiled translations (.mo) are built from the catalogs in git, never committed.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

run: $(VENV)/.installed $(CATALOGS)
	@mkdir -p instance
	DAIS_CONFIG=$${DAIS_CONFIG:-development} $(BIN)/flask db upgrade
	@if [ "$${DAIS_DEMO:-1}" = "0" ]; then \
		DAIS_CONFIG=$${DAIS_CONFIG:-development} $(BIN)/flask setup --if-needed --host $(HOST) --port $(PORT); \
	else \
		DAIS_CONFIG=$${DAIS_CONFIG:-development} $(BIN)/flask seed-demo --if-empty; \
	fi
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DAIS_CONFIG=$${DAIS_CONFIG:-development} $(BIN)/flask run --host $(HOST) --port $(PORT)

# Background jobs (mail delivery) from Redis: REDIS_URL=redis://127.0.0.1:6379/0 make worker (with the same
# REDIS_URL for make run). Without REDIS_URL, make run delivers mail from a thread of its own and needs no worker.
worker: $(VENV)/.installed $(CATALOGS)
	DAIS_CONFIG=$${DAIS_CONFIG:-development} $(BIN)/flask worker

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The suite runs on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set, on TEST_WORKERS processes
# (pytest-xdist; "auto" is one per core, 0 runs in this process). Each worker has its own database.
TEST_WORKERS ?= auto
test: $(VENV)/.dev-installed $(CATALOGS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DAIS_TEST_DB=sqlite $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		DAIS_TEST_DB=postgres $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
		echo "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set" >&2; exit 1; \
	else \
		echo "TEST_DATABASE_URL is not set: the PostgreSQL run was skipped."; \
	fi

# Extract strings and update the catalogs (run after changing user-facing text).
messages: $(VENV)/.dev-installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --add-comments=Translators: --project=Dais \
		--copyright-holder="Dais contributors" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --width=120
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
