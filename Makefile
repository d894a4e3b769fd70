# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: demo test bench install clean lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,azure,gcp]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/aims demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,azure,gcp,bench]'
	@command -v rg >/dev/null || apt-get install -y -qq ripgrep >/dev/null || echo "ripgrep missing: its baselines are skipped"
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .aims out build *.egg-info
