# Two commands do all set-up on a fresh machine (Python 3.11+, pip, no GPU):
#   make claims   create .venv, run every claim on the CPU, write reports/claims.html and results.json
#   make test     create .venv, run the harness's own tests
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
ARGS   ?=

$(VENV)/installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

.PHONY: claims test bench clean-cache
claims: $(VENV)/installed
	$(PY) -m pytest claims -n 2 $(ARGS)

test: $(VENV)/installed
	$(PY) -m pytest tests -n 2 $(ARGS)

bench: $(VENV)/installed
	$(PY) -m pytest tests -m benchmark --benchmark-enable --benchmark-only -p no:xdist $(ARGS)

clean-cache: $(VENV)/installed
	$(PY) -m pytest claims --clear-cache --collect-only -q
