# Two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-web test check lint typecheck bench i18n clean docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the bot on its embedded default: SQLite, the local terminal chat, the demo county.
demo: $(STAMP)
	$(BIN)/omabot demo

## The same demo in a browser: http://127.0.0.1:8765/ (this computer only), every demo person.
demo-web: $(STAMP)
	$(BIN)/omabot demo --web

## Lint, type-check and run the whole test suite.
test: check
	$(BIN)/python -m pytest -q

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check bot collectors storage charts tests benchmarks
	$(BIN)/ruff format --check bot collectors storage charts tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy bot collectors storage charts tests benchmarks

## Benchmarks (not part of `make test`).
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## Re-extract messages and compile the gettext catalogs.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o collectors/locale/messages.pot --no-location --omit-header -k plural:1,2 .
	$(BIN)/pybabel update -i collectors/locale/messages.pot -d collectors/locale -D messages --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d collectors/locale -D messages

## Regenerate the example images under docs/ from the demo data.
docs: $(STAMP)
	$(BIN)/omabot docs-images --out docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
