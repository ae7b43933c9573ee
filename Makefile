# Every target sets itself up: .venv is created and the project installed into it
# when missing or when pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PORT ?= 8765
DEMO_DIR ?= $(CURDIR)/.demo
PYTEST_WORKERS ?= 2

.PHONY: setup demo test lint bench server bundle clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server,dev]'
	touch $@

setup: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(ONLY),--only $(ONLY))

server: $(STAMP)
	$(BIN)/medxam-server serve

# The embedded server (SQLite, with the demo exam) in the background, the desktop app
# in the foreground; closing the app stops the server.
demo: $(STAMP)
	@mkdir -p $(DEMO_DIR)
	@MEDXAM_DATA_DIR=$(DEMO_DIR)/server $(BIN)/medxam-server demo --port $(DEMO_PORT) \
		> $(DEMO_DIR)/server.log 2>&1 & server=$$!; \
	trap 'kill $$server 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python -m medxam_desktop.wait_for_server http://127.0.0.1:$(DEMO_PORT) && \
	$(BIN)/medxam-desktop --server-url http://127.0.0.1:$(DEMO_PORT) --data-dir $(DEMO_DIR)/desktop

bundle: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean build.spec
	dist/medxam-desktop/medxam-desktop --version

clean:
	rm -rf build dist .demo .mypy_cache .ruff_cache
