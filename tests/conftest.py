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
from analysis.run.cache import CACHE_DIR_ENV

SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"
CONFIGS = PROJECT_ROOT / "configs"


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


@pytest.fixture(scope="session", autouse=True)
def stage_cache_outside_home(tmp_path_factory):
    """Study runs in tests never read or write the user's stage cache (subprocesses inherit it)."""
    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp("stage-cache-session")))
    yield
    patch.undo()


@pytest.fixture(scope="module", autouse=True)
def stage_cache_per_module(tmp_path_factory):
    """A fresh stage cache for each module's fixtures: runs of one module never reuse another's."""
    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp("stage-cache-module")))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def stage_cache_per_test(tmp_path_factory, monkeypatch):
    """A fresh stage cache for each test: a test that runs a study computes it (a rerun inside one
    test, as in the determinism tests, is a cold run too unless the test shares a cache on purpose)."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp("stage-cache")))


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


@pytest.fixture(autouse=True)
def english_report_without_currency():
    """Each test starts from the defaults a run starts from: the report language and currency are
    process-wide settings that an earlier test (or a Chinese run) may have changed."""
    from analysis.core.i18n import set_language
    from analysis.narrative.common import set_currency

    set_language("en")
    set_currency(None)
    yield
