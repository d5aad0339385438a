# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install messages migrate lint format vendor clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Compiled catalogues are committed; recompile when gettext is at hand.
messages: $(STAMP)
	@if ! command -v msgfmt >/dev/null; then echo "msgfmt not found: using the committed .mo files"; \
	elif ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
	  $(PY) manage.py compilemessages --ignore=.venv -v 0; fi

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: messages migrate
	$(PY) manage.py load_regions --if-available
	$(PY) manage.py seed_demo
	@echo "Serving the portal at http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

vendor:
	./scripts/vendor-static.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
