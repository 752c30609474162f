# One command each: `make report` renders the default study, `make test` runs the tests.
# Both create the virtual environment (.venv) first when it is missing or out of date.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CONFIG ?= configs/cdnow.yml
REPORT_LANG ?= en
STUDY  := $(basename $(notdir $(CONFIG)))
OUT    ?= reports/$(STUDY)$(if $(filter zh,$(REPORT_LANG)),_zh,)
PYTEST_ARGS ?=

.PHONY: setup report run validate test bench lab clean help

help:
	@echo "make report              render the default study (CDNOW) into reports/cdnow/"
	@echo "make report REPORT_LANG=zh   the same report in Simplified Chinese (reports/cdnow_zh/)"
	@echo "make run CONFIG=my.yml   run a study from its config"
	@echo "make validate CONFIG=my.yml  check a config and its data, write nothing"
	@echo "make test                run the test suite"
	@echo "make bench               run the benchmarks (installs the benchmark-only extras)"
	@echo "make lab                 open the notebooks in JupyterLab"
	@echo "make setup               build the environment only"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,spark]"
	$(PY) -m ipykernel install --sys-prefix --name analysis-kit --display-name "Python (analysis kit)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP)

report: $(STAMP)
	$(PY) -m analysis run $(CONFIG) --lang $(REPORT_LANG) --out $(OUT) --verbose

run: $(STAMP)
	$(PY) -m analysis run $(CONFIG) --out $(OUT)

validate: $(STAMP)
	$(PY) -m analysis validate $(CONFIG)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,spark,bench]"
	$(PY) benchmarks/run.py

lab: $(STAMP)
	$(PY) -m jupyter lab notebooks/

clean:
	rm -rf reports/*/ reports/.*.partial-* .pytest_cache
