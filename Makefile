# newsqa: `make run` starts the chat, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export TOKENIZERS_PARALLELISM ?= false

.PHONY: help install run serve ingest test test-fast lint format lock clean

help:
	@echo "make run [ARTICLES=folder]  start the chat (indexing ARTICLES first)"
	@echo "make serve                  start the HTTP API (REST and OpenAI chat) on 127.0.0.1:8000"
	@echo "make test                   run the whole test suite, offline"
	@echo "make test-fast              the quick loop: every test but the slow ones (under a minute)"
	@echo "make lint                   ruff, mypy and the layers (import-linter)"
	@echo "make lock                   re-pin requirements.txt from requirements.in"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pins or the package layout change.
$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(STAMP)

run: $(STAMP)
ifdef ARTICLES
	$(BIN)/python -m ingest $(ARTICLES) || echo "Some files could not be indexed (listed above); starting the chat anyway."
endif
	$(BIN)/python -m ui

# The HTTP service: NEWSQA_API_HOST, NEWSQA_API_PORT and NEWSQA_API_KEYS steer it (README).
serve: $(STAMP)
	$(BIN)/python -m assistant serve

test: $(STAMP)
	$(BIN)/python -m pytest --durations=15

# The quick loop while working: no subprocesses, servers, browser or real model.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Resolve requirements.in in a fresh environment and pin everything it installed.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Pinned by \`make lock\` from requirements.in: every package, with its exact version."; \
	  .lock-venv/bin/pip freeze | sed 's/^torch==\(.*\)+cpu/torch==\1/'; } > requirements.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
