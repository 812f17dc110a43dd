# The two commands a newcomer needs: `make demo` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint typecheck unit deps clean docs bench bench-load bench-scale bench-team chromium console-assets

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV)/.installed node_modules/.installed

# Debian's Chromium and ChromeDriver, which the console's browser tests drive (tests/console): installed once, when
# missing (some 20 s); the tests download no browser of their own.
# apt-get as root, or through sudo for a user who is not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			--no-install-recommends chromium chromium-driver; \
	fi

# The console ships Mermaid's browser build from the pinned npm package (package.json), with its license; run after
# changing the pin, and commit the copy (tests/console/test_console_assets.py checks it is the pinned file).
CONSOLE_MERMAID := tools/sandbox/console/static/mermaid
console-assets: node_modules/.installed
	cp node_modules/mermaid/dist/mermaid.min.js node_modules/mermaid/LICENSE $(CONSOLE_MERMAID)/

demo: $(VENV)/.installed
	$(PY) -m tools.sandbox demo

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: deps
	$(VENV)/bin/mypy

# SFN_CONSOLE_BROWSER=required: the browser is installed here, so a missing one fails the console's tests.
unit: deps chromium
	SFN_CONSOLE_BROWSER=required $(VENV)/bin/pytest

test: lint typecheck unit

# The docs' generated files (docs/generated/*.md) and every page's includes; `$(PY) -m tools.docs --check` (and
# tests/tools/test_docs.py) fails when one is out of date.
docs: $(VENV)/.installed
	$(PY) -m tools.docs --write

# Throughput, state transitions per item, scale, program cost and load held: prints the tables, writes
# bench/results.json (`$(PY) -m tools.bench --skip load` leaves the load scenarios out); then the scale run of
# bench-scale below (10,000 and 100,000 images in one execution each), into bench/scale.json.
bench: $(VENV)/.installed
	$(PY) -m tools.bench
	nice -n 10 $(PY) -m tools.bench.scale_run

# Load held alone: many executions at once through the public entry points; writes bench/load.json, which the
# docs' "Load held" table is generated from (`$(PY) -m tools.docs --write`, into docs/generated/bench-load.md).
bench-load: $(VENV)/.installed
	$(PY) -m tools.bench.load

# Scale alone: request files of 10,000 and 100,000 paths (each one execution, started through start_download.py
# --paths-file) and the batch Lambda planning 1,000,000 lines; writes bench/scale.json, which the docs' scale
# table is generated from (`$(PY) -m tools.docs --write`, into docs/generated/bench-scale.md). Some 8 minutes on 2 idle cores.
bench-scale: $(VENV)/.installed
	nice -n 10 $(PY) -m tools.bench.scale_run

# What a team waits for: `pip install "sfn-patterns[sandbox]"` into a fresh venv, a cold `sfn-sandbox run` of
# lambda-iterator (3 iterations), 20 executions with the sfn_sandbox fixture; then import times and a cProfile.
bench-team: $(VENV)/.installed
	$(PY) -m tools.bench.team_sandbox

clean:
	rm -rf $(VENV) node_modules build .pytest_cache .mypy_cache .ruff_cache
