# One command each: `make report` renders the default study, `make test` runs the tests.
# Both create the virtual environment (.venv) first when it is missing or out of date.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# one stamp per install set; each is rebuilt when pyproject.toml changes. `make test` only needs
# the base stamp, so it never undoes `make setup-spark` (pip install only adds packages).
STAMP       := $(VENV)/.installed-dev
SPARK_STAMP := $(VENV)/.installed-spark
BENCH_STAMP := $(VENV)/.installed-bench
LAB_STAMP   := $(VENV)/.installed-lab
CONFIG ?= configs/cdnow.yml
REPORT_LANG ?= en
STUDY  := $(basename $(notdir $(CONFIG)))
OUT    ?= reports/$(STUDY)$(if $(filter zh,$(REPORT_LANG)),_zh,)
PYTEST_ARGS ?=
BENCH_ARGS ?=
FUZZ_EXAMPLES ?= 2000
# JupyterLab refuses to start as root (containers) unless told
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup setup-spark report run validate test test-fast fuzz bench lab clean help

help:
	@echo "make report              render the default study (CDNOW) into reports/cdnow/"
	@echo "make report REPORT_LANG=zh   the same report in Simplified Chinese (reports/cdnow_zh/)"
	@echo "make run CONFIG=my.yml   run a study from its config"
	@echo "make validate CONFIG=my.yml  check a config and its data, write nothing"
	@echo "make test                run the whole test suite (Spark test skipped unless make setup-spark)"
	@echo "make test-fast           the inner loop: every test not marked slow"
	@echo "make fuzz                the long fuzz profile (FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) generated logs and configs)"
	@echo "make bench               every goal of the benchmarks, whole processes against lifetimes and bare DuckDB -> benchmarks/results.md (about an hour)"
	@echo "make bench BENCH_ARGS=--all  also the benchmarks without a goal (correctness at scale, 80/20, engines)"
	@echo "make bench BENCH_ARGS=--quick   a quick check of the harness (10^5 rows, 3 runs)"
	@echo "make lab                 open the notebooks in JupyterLab (installs it first: .[lab])"
	@echo "make setup               build the environment only (what the default study needs)"
	@echo "make setup-spark         add the Spark extra (pyspark, ibis; needs Java 17) for engine: spark"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name analysis-kit --display-name "Python (analysis kit)" >/dev/null
	@touch $(STAMP)

$(SPARK_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev,spark]"
	@touch $(SPARK_STAMP)

$(LAB_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev,lab]"
	@touch $(LAB_STAMP)

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

setup: $(STAMP)

setup-spark: $(SPARK_STAMP)

report: $(STAMP)
	$(PY) -m analysis run $(CONFIG) --lang $(REPORT_LANG) --out $(OUT) --verbose

run: $(STAMP)
	$(PY) -m analysis run $(CONFIG) --out $(OUT)

validate: $(STAMP)
	$(PY) -m analysis validate $(CONFIG)

# test files are spread over the machine's cores (pytest-xdist); a file's tests stay on one worker,
# so the whole studies its fixtures run are run once. tests/conftest.py hands out the files with the
# most slow tests first, hence --no-loadscope-reorder (xdist would order them by test count).
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
test: $(STAMP)
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/test_fuzz.py $(PYTEST_ARGS)

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

lab: $(LAB_STAMP)
	$(PY) -m jupyter lab $(LAB_ARGS) notebooks/

clean:
	rm -rf reports/*/ reports/.*.partial-* .pytest_cache
