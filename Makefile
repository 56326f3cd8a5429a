# Berdaya: two commands.
#   make run   installs, migrates, loads Merangin's areas and demo data, serves on http://127.0.0.1:8000
#              (another port: make run PORT=8001)
#   make test  installs and runs every check (SQLite, and PostgreSQL when one answers on 127.0.0.1:5432)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Installs are locked: requirements-dev.lock pins every package (runtime and development tools), compiled from
# pyproject.toml by `make lock`; requirements.lock pins the runtime ones for a production server.
LOCK := requirements-dev.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_HOUSEHOLDS ?= 2000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test install lint migrate demo worker bench clean messages lock audit

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

# After changing a dependency in pyproject.toml: recompile both lock files (newest versions that fit), commit them.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --no-annotate --extra dev -o requirements-dev.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --no-annotate -o requirements.lock pyproject.toml

install: $(STAMP)

migrate: install
	$(BIN)/berdaya migrate --noinput -v 0
	$(BIN)/berdaya areas load

# The whole demo in order (people, programmes, partners, migration, prices, farms, welfare scores, targeting, village
# meetings, grievances, data-subject requests, outcome surveys); with --if-empty each part is skipped when it already
# has data, so a demo made before a part existed gets that part.
demo: migrate
	$(BIN)/berdaya demo --households $(DEMO_HOUSEHOLDS) --seed 1 --if-empty --no-logins

# The demo logins are printed last, once the server answers (berdaya serve --demo-logins).
run: demo
	@$(BIN)/berdaya serve --host $(HOST) --port $(PORT) --demo-logins

worker: install
	$(BIN)/berdaya worker

lint: install
	$(BIN)/ruff format --check src bench
	$(BIN)/ruff check src bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/berdaya makemigrations --check --dry-run
	$(BIN)/berdaya check

# The SQLite and PostgreSQL suites run side by side (the machines have two cores), each with its own data, temporary
# and pytest directories and its own log under $(TEST_RUNS)/, printed when both have ended; either failing fails the
# target. The PostgreSQL run takes only the tests that use a database (the others cannot depend on it, and the SQLite
# run has them). Side by side, the browser tests run in the SQLite suite only and the few tests marked one_side(...) in
# the suite they name (src/berdaya/conftest.py, runs_on_this_side); .ci/run runs each database's whole suite, one
# after the other (BERDAYA_SKIP_PG=1, then DATABASE_URL), so there every test runs on both. With DATABASE_URL set,
# the suite runs once, on that database.
TEST_RUNS := var/test-runs
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

test: lint
	@if [ -n "$$DATABASE_URL" ]; then exec $(PYTEST); fi; \
	rm -rf $(TEST_RUNS); \
	suite() { name=$$1; shift; dir=$(CURDIR)/$(TEST_RUNS)/$$name; mkdir -p $$dir/data $$dir/tmp; \
	  env BERDAYA_DATA_DIR=$$dir/data BERDAYA_TEST_ARTEFACTS=$$dir/artefacts TMPDIR=$$dir/tmp "$$@" \
	    $(PYTEST) --basetemp=$$dir/pytest > $$dir/log 2>&1 & \
	  echo $$! > $$dir/pid; wait $$!; echo $$? > $$dir/status; }; \
	trap 'kill $$(cat $(TEST_RUNS)/*/pid 2>/dev/null) 2>/dev/null; exit 130' INT TERM; \
	audit() { dir=$(CURDIR)/$(TEST_RUNS)/audit; mkdir -p $$dir; $(AUDIT) > $$dir/log 2>&1; echo $$? > $$dir/status; }; \
	audit & \
	if [ -n "$$BERDAYA_SKIP_PG" ]; then \
	  echo "BERDAYA_SKIP_PG: suite PostgreSQL dilewati."; \
	  suites="audit sqlite"; suite sqlite & \
	elif $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "SQLite dan PostgreSQL ($(PG_TEST_URL)) diuji bersamaan; log masing-masing di $(TEST_RUNS)/."; \
	  suites="audit sqlite postgresql"; \
	  suite sqlite BERDAYA_TESTS_SIDE_BY_SIDE=sqlite & \
	  suite postgresql DATABASE_URL=$(PG_TEST_URL) BERDAYA_TESTS_DATABASE_ONLY=1 BERDAYA_TESTS_SIDE_BY_SIDE=postgresql & \
	else \
	  echo "PostgreSQL tidak tersedia di 127.0.0.1:5432: suite PostgreSQL dilewati (hanya SQLite yang diuji)."; \
	  suites="audit sqlite"; suite sqlite & \
	fi; \
	wait; \
	failed=0; \
	for name in $$suites; do \
	  echo "== $$name =="; cat $(TEST_RUNS)/$$name/log; \
	  [ "$$(cat $(TEST_RUNS)/$$name/status 2>/dev/null)" = 0 ] || { echo "== $$name: GAGAL =="; failed=1; }; \
	done; \
	exit $$failed

# Known vulnerabilities of the locked packages (pip-audit; the cached answer without network, never failing for lack
# of network: berdaya/ops/supplychain.py). `make test` runs it beside the suites.
AUDIT = $(BIN)/python -m berdaya.ops.supplychain $(LOCK) requirements.lock

audit: install
	$(AUDIT)

bench: install
	$(BIN)/python bench/targeting.py --people 100000

# Refresh the English catalog from the Indonesian source strings, then compile it. Translate the new or
# fuzzy entries in src/berdaya/locale/en/LC_MESSAGES/django.po, run it again, and commit both .po and .mo.
messages: install
	cd src/berdaya && ../../$(BIN)/berdaya makemessages -l en --no-obsolete --ignore "*/tests/*" --ignore "testing/*" && ../../$(BIN)/berdaya compilemessages -l en
	@msgfmt --statistics -o /dev/null src/berdaya/locale/en/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var .pytest_cache
