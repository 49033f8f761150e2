# The two commands: `make run` serves the sandbox, `make test` runs the whole suite.
# Both create .venv on first use; everything else is optional.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: run test lint format typecheck bench fuzz docs clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(TSTAMP): $(STAMP) pyproject.toml tests/plugins/demo_gateway/pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	# A fourth gateway, installed as a package: its plug comes in through the entry point.
	$(PY) -m pip install --quiet -e tests/plugins/demo_gateway
	touch $@

run: $(STAMP)
	$(VENV)/bin/sandbox serve $(ARGS)

# Two xdist workers (each with its own PostgreSQL cluster); PYTEST_ARGS="-n 0" runs serially.
test: $(TSTAMP)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: $(TSTAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pylint --disable=all --enable=duplicate-code --min-similarity-lines=6 --ignore-imports=yes sandbox
	$(VENV)/bin/lint-imports

format: $(TSTAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(TSTAMP)
	$(VENV)/bin/mypy

# 20,000 malformed requests to every gateway and admin endpoint, state hashed before and after
# (`make test` runs a 1,500-request slice of the same campaign).
fuzz: $(TSTAMP)
	FUZZ_REQUESTS=$${FUZZ_REQUESTS:-20000} $(PY) -m pytest tests/integration/test_reliability_fuzz.py -q -s $(PYTEST_ARGS)

# The reference site: docs/ (Markdown) built by MkDocs Material into site/ (not committed).
docs: $(TSTAMP)
	$(PY) docs/gen/generate.py
	$(VENV)/bin/mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis build dist site
