# Machi: `make run` serves the app on SQLite with demo data; `make test` runs every test.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := .venv/bin/python
PYBABEL := .venv/bin/pybabel
# Catalog folders of every language (Easy Japanese is ja_easy); shell.web.i18n.ALL_LANGUAGES names them.
LANGS := ja ja_easy en vi zh_Hans zh_Hant ko fil id ne pt_BR

.PHONY: install run test lint messages miniapp-messages compile-messages catalog-status chromium clean

install: .venv/.synced pwa/static/vendor/.copied compile-messages

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

# Bytecode compiled once here: this machine kind sets PYTHONDONTWRITEBYTECODE, so otherwise every
# process (each `machi` command, server and worker the tests start) compiled every module again.
.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	touch $@

pwa/static/vendor/.copied: pwa/package.json pwa/package-lock.json pwa/scripts/vendor.mjs pwa/static/css/machi.css
	npm ci --prefix pwa --no-audit --no-fund
	node pwa/scripts/vendor.mjs
	touch $@

# Re-extract the Japanese source strings and merge them into every catalog.
messages: .venv/.synced
	$(PYBABEL) extract --no-location --sort-output -F babel.cfg -k lazy -o locales/shell.pot .
	for lang in $(LANGS); do \
	  if [ -f locales/$$lang/LC_MESSAGES/shell.po ]; then \
	    $(PYBABEL) update --no-fuzzy-matching -D shell -i locales/shell.pot -d locales -l $$lang; \
	  else $(PYBABEL) init -D shell -i locales/shell.pot -d locales -l $$lang; fi; \
	done
	$(PYBABEL) extract --no-location --sort-output -F sdk/machi_sdk/babel.cfg -k N_ -o sdk/machi_sdk/locales/machi_sdk.pot sdk/machi_sdk
	for lang in $(LANGS); do \
	  if [ -f sdk/machi_sdk/locales/$$lang/LC_MESSAGES/machi_sdk.po ]; then \
	    $(PYBABEL) update --no-fuzzy-matching -D machi_sdk -i sdk/machi_sdk/locales/machi_sdk.pot -d sdk/machi_sdk/locales -l $$lang; \
	  fi; \
	done

# The same for every mini-app's own domain (miniapps/<id>/locales/<id>.pot and its catalogs).
miniapp-messages: .venv/.synced
	for cfg in miniapps/*/babel.cfg; do \
	  dir=$$(dirname $$cfg); app=$$(basename $$dir); \
	  $(PYBABEL) extract --no-location --sort-output -F $$cfg -k lazy -k N_ -k t -o $$dir/locales/$$app.pot $$dir; \
	  for lang in $(LANGS); do \
	    if [ -f $$dir/locales/$$lang/LC_MESSAGES/$$app.po ]; then \
	      $(PYBABEL) update --no-fuzzy-matching -D $$app -i $$dir/locales/$$app.pot -d $$dir/locales -l $$lang; \
	    fi; \
	  done; \
	done

# Which catalog of which domain (shell, machi_sdk, each mini-app) still lacks what, per language.
catalog-status: .venv/.synced
	$(PY) -m shell.translation.catalogs

compile-messages: .venv/.synced
	$(PYBABEL) compile --use-fuzzy -D shell -d locales --statistics 2>&1 | tail -n 3
	$(PYBABEL) compile -D machi_sdk -d sdk/machi_sdk/locales 2>&1 | tail -n 2
	for dir in miniapps/*/locales; do \
	  app=$$(basename $$(dirname $$dir)); \
	  $(PYBABEL) compile -D $$app -d $$dir 2>&1 | tail -n 2; \
	done

run: install
	.venv/bin/machi serve

chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

lint: install
	.venv/bin/ruff check .

# Three workers on this machine kind's 2 cores (e2e tests mostly wait on Chromium and a server; on
# a slow day two workers used 1.2 cores and took 18 min, three 17), a test file kept on one
# worker; each worker has its own databases and Redis database (tests/conftest.py). The slowest
# tests are listed at the end. `make test PYTEST_WORKERS=0` runs everything in one process.
# Tests marked `exclusive` (a time-limited search judged by the quality of what it finds) then
# run alone: sharing the cores with the rest, such a search finds less.
PYTEST_WORKERS ?= 3
# The project's own modules and pytest's rewritten tests keep their bytecode too: the suite
# starts some hundreds of Python processes, and compiling from source cost each about 2 s.
TEST_ENV := env -u PYTHONDONTWRITEBYTECODE
test: install chromium
	.venv/bin/ruff check .
	$(TEST_ENV) .venv/bin/pytest --durations=25 -m "not exclusive" $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)
	$(TEST_ENV) .venv/bin/pytest -m exclusive

clean:
	rm -rf .venv pwa/node_modules pwa/static/vendor var
