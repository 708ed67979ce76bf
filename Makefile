# Courtyard — the two commands a newcomer needs are `make run` and `make test`.
# Every target creates .venv and installs the project into it first, so a fresh clone just works.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run server test lint typecheck unit bench package clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,scale,packaging]'
	touch $(STAMP)

## make run: the desktop app on its embedded default: it starts a local demo server (SQLite),
## signs in as the demo user and opens the window. Needs a display (or QT_QPA_PLATFORM=offscreen).
run: $(STAMP)
	$(BIN)/courtyard

## make server: only the reference server with its demo organisation, on 127.0.0.1:8765
server: $(STAMP)
	$(BIN)/courtyard-server --data "$${COURTYARD_DATA:-$$HOME/.local/share/courtyard-demo-server}" demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## make test: lint, types, and the whole suite (unit, integration against a real server, GUI)
test: lint typecheck
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit tests/test_architecture.py

## make bench: benchmarks; results are recorded by hand in bench/RESULTS.md
bench: $(STAMP)
	$(BIN)/python -m bench

## make package: the frozen app (PyInstaller onedir) in dist/courtyard, smoke-tested offscreen;
## on Linux also the .deb and the tarball in dist/. MSI and DMG: .github/workflows/release.yml.
VERSION = $(shell $(PYTHON) -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")

package: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/courtyard.spec
	dist/courtyard/courtyard --smoke-test > dist/smoke-test.json || { cat dist/smoke-test.json; exit 1; }
	if [ "$$(uname -s)" = Linux ]; then \
		packaging/linux/build_deb.sh dist/courtyard $(VERSION) dist && \
		packaging/linux/build_tarball.sh dist/courtyard $(VERSION) dist; \
	fi

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
