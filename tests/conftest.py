"""Shared fixtures: paths to the project's data and to the shared datasets folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis.core.config import load_config
from analysis.core.paths import PROJECT_ROOT
from analysis.core.privacy import KEY_ENV, KEY_FILE_ENV
from analysis.data.cleaning import clean_transactions
from analysis.data.loading import load_transactions
from analysis.data.summary import customer_summary

SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"
CONFIGS = PROJECT_ROOT / "configs"


# `make test` runs pytest-xdist with `--dist loadgroup --no-loadscope-reorder`. Each test file is one
# unit of work on one worker (as under `--dist loadfile`), so its module fixtures run once, except
# that files marked ``pytest.mark.xdist_group(NAME)`` form one unit: the session fixture they share
# (``cdnow_sample_run``) then runs once. Units holding slow tests are handed out first, most slow
# tests first: started last, a unit with whole-study runs would keep one core busy after the other
# ran out of work.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    def unit(item):
        marker = item.get_closest_marker("xdist_group")
        return marker.args[0] if marker else item.nodeid.split("::")[0]

    slow_tests = {}
    for item in items:
        slow_tests[unit(item)] = slow_tests.get(unit(item), 0) + bool(item.get_closest_marker("slow"))
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(unit(item)))  # read only under --dist loadgroup
    items.sort(key=lambda item: -slow_tests[unit(item)])  # stable: a file's own order is kept


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key_outside_home(tmp_path_factory):
    """Study runs in tests take their pseudonym key from a temporary file, never from (or into) the
    user's ~/.config."""
    if os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV):
        yield
        return
    patch = pytest.MonkeyPatch()
    patch.setenv(KEY_FILE_ENV, str(tmp_path_factory.mktemp("pseudonym-key") / "pseudonym.key"))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def shared_dataset():
    """``shared_dataset("cdnow/CDNOW_sample.txt")``: a path in ../shared/datasets (skip if absent)."""

    def locate(relative: str) -> Path:
        path = SHARED_DATASETS / relative
        if not path.exists():
            pytest.skip(f"shared dataset {relative} is not beside the project")
        return path

    return locate


@pytest.fixture(scope="session")
def cdnow_sample_config():
    return load_config(CONFIGS / "cdnow_sample.yml")


@pytest.fixture(scope="session")
def cdnow_sample_clean(cdnow_sample_config):
    config = cdnow_sample_config
    return clean_transactions(load_transactions(config.data), config.cleaning, config.analysis)


@pytest.fixture(scope="session")
def cdnow_sample_summary(cdnow_sample_clean, cdnow_sample_config):
    """The CDNOW 1/10 sample summarised from the raw file by the project's own code (weeks,
    calibration to 1997-09-30, holdout to 1998-06-30)."""
    analysis = cdnow_sample_config.analysis
    return customer_summary(
        cdnow_sample_clean.transactions, period=analysis.period,
        calibration_end=analysis.calibration_end, observation_end=analysis.observation_end,
    )


@pytest.fixture(scope="session")
def cdnow_sample_run(tmp_path_factory):
    """The whole study of configs/cdnow_sample.yml as shipped (HTML and PDF), run once per worker
    and shared by the files of the ``cdnow_sample_run`` group (pipeline, report, determinism):
    each reads it, none writes into it."""
    from analysis.run.pipeline import run_study

    return run_study(CONFIGS / "cdnow_sample.yml", out_dir=tmp_path_factory.mktemp("e2e") / "cdnow_sample",
                     quiet=True)


@pytest.fixture(autouse=True)
def english_report_without_currency():
    """Each test starts from the defaults a run starts from: the report language and currency are
    process-wide settings that an earlier test (or a Chinese run) may have changed."""
    from analysis.core.i18n import set_language
    from analysis.narrative.common import set_currency

    set_language("en")
    set_currency(None)
    yield
