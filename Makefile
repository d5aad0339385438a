# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: bench loadtest demo test install messages migrate lint format vendor clean
.PHONY: backup restore

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

# The demo's accounts share a published password and serve this machine only: staff
# two-factor authentication is off there, so that every role can be explored without an
# authenticator app. `make demo MFA_REQUIRED_FOR_STAFF=True` keeps it on.
MFA_REQUIRED_FOR_STAFF ?= False

demo: messages migrate
	$(PY) manage.py load_regions --if-available
	$(PY) manage.py seed_demo
	@echo "Staff two-factor authentication: MFA_REQUIRED_FOR_STAFF=$(MFA_REQUIRED_FOR_STAFF) (production requires it)"
	@echo "Serving the portal at http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	MFA_REQUIRED_FOR_STAFF=$(MFA_REQUIRED_FOR_STAFF) $(PY) manage.py runserver $(HOST):$(PORT)

# Two processes (pytest-xdist), each with its own test database and Redis databases
# (tests/conftest.py); `make test PYTEST_XDIST=` runs the suite in one process.
PYTEST_XDIST ?= -n 2 --dist loadgroup
test: messages
	$(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The database (PostgreSQL) and the uploaded files in one file under backups/ (or DIR=...).
backup: $(STAMP)
	$(PY) manage.py backup --output-dir $(or $(DIR),backups)

# Into an empty database and MEDIA_ROOT; FORCE=1 replaces what is there.
restore: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/grants-backup-<time>.tar [FORCE=1]"; exit 2; }
	$(PY) manage.py restore "$(FILE)" $(if $(FORCE),--force)

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

# Performance (README "Performance"): both need PostgreSQL and Redis on this machine.
# make bench BENCH_ARGS="--duration 20 --connections 8"; make loadtest USERS=50 DURATION=60
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
	$(PY) scripts/bench.py $(BENCH_ARGS)

USERS ?= 50
DURATION ?= 60
loadtest: $(STAMP)
	$(PY) scripts/loadtest.py --users $(USERS) --duration $(DURATION) $(LOADTEST_ARGS)
