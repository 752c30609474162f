"""Shared fixtures: paths to the project's data and to the shared datasets folder."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.core.config import load_config
from analysis.core.paths import CONFIGS_DIR, PROJECT_ROOT
from analysis.core.privacy import KEY_ENV, KEY_FILE_ENV
from analysis.data.cleaning import clean_transactions
from analysis.data.loading import load_transactions
from analysis.data.summary import customer_summary
from analysis.run.cache import CACHE_DIR_ENV
from analysis.run.notebooks import KEEP_KERNEL_ENV

SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"
CONFIGS = CONFIGS_DIR


# `make test` runs pytest-xdist with `--dist loadfile --no-loadscope-reorder`: each test file is one
# unit of work on one worker, so its module fixtures run once; the files are handed out in the order
# set here, the longest first (xdist would order them by test count, and a long file started last
# keeps one core busy after the other ran out of work). A file's length is its tests' setup, call
# and teardown seconds in `--junitxml` of a whole `make test` on 2026-11-30 (quiet 2-core machine,
# 4 min 26 s, kept kernels); a file not listed counts 10 s per slow test and 0.2 s per other. The
# shared run of cdnow_sample.yml (about 20 s) is counted in test_chapter_cache.py, so that file
# starts first and runs it; test_determinism.py starts beside it on the other worker and runs its
# own two studies while the shared one is made (it asks for it last).
# (`--dist loadgroup` would let files share a worker, but with pytest 9 xdist 3.8 ignores its groups.)
MEASURED_SECONDS = {
    "tests/test_chapter_cache.py": 57, "tests/test_determinism.py": 35, "tests/test_degrade_sparse.py": 32,
    "tests/test_chapters.py": 32, "tests/clv/test_exact_prediction.py": 31, "tests/test_report.py": 27,
    "tests/scale/test_portable_summary.py": 23, "tests/test_degrade.py": 21,
    "tests/satisfaction/test_chapter_run.py": 19, "tests/test_pipeline.py": 18, "tests/test_escaping.py": 15,
    "tests/clv/test_covariates.py": 13, "tests/clv/test_clv_chapter.py": 12, "tests/test_execution.py": 12,
    "tests/test_run_safety.py": 12, "tests/test_bad_input.py": 11, "tests/test_render.py": 11,
    "tests/test_loading.py": 10, "tests/satisfaction/test_behaviour.py": 7, "tests/test_course.py": 6,
    "tests/test_privacy.py": 5, "tests/clv/test_paretonbd_orders.py": 5, "tests/pareto/test_inference.py": 5,
    "tests/satisfaction/test_chapter.py": 5, "tests/test_claims.py": 4, "tests/test_fuzz.py": 4,
    "tests/test_cleaning.py": 4, "tests/test_light_imports.py": 4,
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    def file_of(item):
        return item.nodeid.split("::")[0]

    estimated = {}
    for item in items:
        slow = item.get_closest_marker("slow") is not None
        estimated[file_of(item)] = estimated.get(file_of(item), 0) + (10 if slow else 0.2)
    estimated.update({name: seconds for name, seconds in MEASURED_SECONDS.items() if name in estimated})
    items.sort(key=lambda item: -estimated[file_of(item)])  # stable: each file's own order is kept


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key_outside_home(tmp_path_factory):
    """Study runs in tests take their pseudonym key from a temporary file, never from (or into) the
    user's ~/.config."""
    if os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV):
        yield
        return
    patch = pytest.MonkeyPatch()
    # one key for the whole session, every xdist worker included: a study shared between workers
    # (cdnow_sample_run) was pseudonymised under the key the other worker's tests read
    patch.setenv(KEY_FILE_ENV, str(_session_folder(tmp_path_factory, "pseudonym-key") / "pseudonym.key"))
    yield
    patch.undo()


KERNELS_ENV = "ANALYSIS_KERNELS"


def _unless_set(name: str, value: str):
    """Body of a session fixture: ``name=value`` for the session unless the environment sets it."""
    if os.environ.get(name):
        yield
        return
    patch = pytest.MonkeyPatch()
    patch.setenv(name, value)
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def one_kernel_per_study():
    """Study runs in tests use one notebook kernel (``ANALYSIS_KERNELS=1``) unless the environment
    says otherwise. `make test` already keeps every core busy with a pytest-xdist worker, so a
    study's second kernel gains no time there and costs its start and imports (about 5 CPU seconds
    a study, measured 2026-11-30 on the degrade case same_value: 29.6 against 24.8 s). The runs that
    exercise two kernels ask for them: the shared run of cdnow_sample.yml and the cache reruns
    (:func:`two_kernels`)."""
    yield from _unless_set(KERNELS_ENV, "1")


@pytest.fixture(scope="session", autouse=True)
def keep_the_kernel_between_studies():
    """Studies that a test worker runs in its own process reuse the kernel the previous one kept
    (``ANALYSIS_KEEP_KERNEL=1``): each such study saves the kernel's start and imports, about 4 CPU
    seconds. The first study of each worker, and every study run as a subprocess, starts its own;
    tests/test_execution.py checks that a kept kernel runs a study as a new one does."""
    yield from _unless_set(KEEP_KERNEL_ENV, "1")


@pytest.fixture
def two_kernels(monkeypatch):
    """A study run in this test may run two chapters at once, on two kernels, as a user's does."""
    monkeypatch.setenv(KERNELS_ENV, "2")


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


def _session_folder(tmp_path_factory, name: str) -> Path:
    """A folder of this test session that every xdist worker sees (a worker's own temporary folders
    live below the session's), created on first use."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # .../pytest-N/popen-gw0 -> .../pytest-N, this session's and no other's
    folder = root / name
    folder.mkdir(exist_ok=True)
    return folder


def _once_per_session(tmp_path_factory, name: str, make: Callable[[Path], Path]) -> Path:
    """``make(folder)`` run once for the whole session: the first worker to ask runs it while holding
    a lock, the others wait for the lock and reuse the folder (the documented pytest-xdist recipe,
    with ``fcntl`` for the lock). A failed ``make`` leaves no mark, so the next caller tries again
    and fails with its own traceback."""
    folder = _session_folder(tmp_path_factory, name)
    done = folder / "done"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                result = make(folder)
                done.write_text(str(result))
            return Path(done.read_text())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def cdnow_sample_run_cache(tmp_path_factory):
    """The stage cache the shared run of configs/cdnow_sample.yml filled from empty (every stage a
    miss); tests/test_chapter_cache.py reruns against it."""
    return _session_folder(tmp_path_factory, "cdnow_sample-stage-cache")


@pytest.fixture(scope="session")
def cdnow_sample_run(tmp_path_factory, cdnow_sample_run_cache):
    """The whole study of configs/cdnow_sample.yml as shipped (HTML and PDF), run once per test
    session (whichever worker asks first; the other waits for it) and read by test_pipeline.py,
    test_report.py, test_determinism.py and, as its cold run, test_chapter_cache.py (none writes
    into the run folder). It runs on its own empty stage cache, :func:`cdnow_sample_run_cache`, and
    on two kernels, as a user's study (the other runs in tests use one: :func:`one_kernel_per_study`)."""
    from analysis.run.pipeline import run_study

    def run(folder: Path) -> Path:
        patch = pytest.MonkeyPatch()
        patch.setenv(CACHE_DIR_ENV, str(cdnow_sample_run_cache))
        patch.setenv(KERNELS_ENV, "2")  # as a user's study runs: chapters side by side
        try:
            return run_study(CONFIGS / "cdnow_sample.yml", out_dir=folder / "cdnow_sample", quiet=True)
        finally:
            patch.undo()

    return _once_per_session(tmp_path_factory, "e2e-cdnow_sample", run)


@pytest.fixture(scope="session")
def data_chapter_key():
    """The pseudonym key (``ANALYSIS_PSEUDONYM_KEY``) of :func:`cdnow_data_chapter_run`."""
    return "9f" * 32


@pytest.fixture(scope="session")
def cdnow_data_chapter_run(tmp_path_factory, data_chapter_key):
    """configs/cdnow_sample.yml with the data chapter only, rendered offline (pandoc and Typst, HTML
    and PDF) under the key :func:`data_chapter_key` from the environment; run once per session and
    read by test_render.py (the offline renderer) and test_privacy.py (the key never reaches the
    run folder)."""
    from analysis.run.pipeline import run_study

    def run(folder: Path) -> Path:
        patch = pytest.MonkeyPatch()
        patch.setenv(KEY_ENV, data_chapter_key)
        try:
            return run_study(CONFIGS / "cdnow_sample.yml", out_dir=folder / "run", quiet=True,
                             overrides={"report.notebooks": ["01_data"], "report.renderer": "pandoc"})
        finally:
            patch.undo()

    return _once_per_session(tmp_path_factory, "e2e-cdnow_data_chapter", run)


@pytest.fixture(autouse=True)
def english_report_without_currency():
    """Each test starts from the defaults a run starts from: the report language and currency are
    process-wide settings that an earlier test (or a Chinese run) may have changed."""
    from analysis.core.i18n import set_language
    from analysis.narrative.common import set_currency

    set_language("en")
    set_currency(None)
    yield
