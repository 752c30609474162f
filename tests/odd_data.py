"""The odd data of issue 12 for the degrade tests (tests/test_degrade*.py): small logs that a chapter
or a model cannot support, the study config that runs them, and the check that the study is still
published with every part it could not estimate named in its text.

Shared by two test files so that the whole-study cases, about a minute of kernels each file, run on
both pytest-xdist workers (``--dist loadfile`` keeps a file on one worker)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis import cli

# -- datasets of issue 12 -------------------------------------------------------------------------


def ordinary_log(n: int = 150, seed: int = 1) -> pd.DataFrame:
    """A plain log: customers first buy in the first 90 days, then about twice more in 540 days."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01")
    rows = []
    for c in range(n):
        first = int(rng.integers(0, 90))
        days = sorted({first, *map(int, rng.integers(first, 540, size=int(rng.poisson(2.0))))})
        rows += [(f"c{c:04d}", (start + pd.Timedelta(days=d)).date().isoformat(), round(float(rng.gamma(2, 20)) + 1, 2))
                 for d in days]
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def bought_once(n: int = 200, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 365, n)
    return pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(n)],
                         "date": [(pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(d))).date().isoformat() for d in days],
                         "amount": rng.gamma(2, 20, n).round(2) + 1})


def write_study(folder: Path, name: str, log: pd.DataFrame, analysis: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    log.to_csv(folder / f"{name}.csv", index=False)
    config = {"name": name, "seed": 1,
              "data": {"path": f"{name}.csv", "columns": {"customer": "customer_id", "date": "date", "amount": "amount"},
                       "date_format": "%Y-%m-%d"},
              "analysis": {"period": "week", **(analysis or {})}, "report": {"formats": ["html"]}}
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump(config))
    return path


# -- whole studies on the data of issue 12 -----------------------------------------------------------------
# Each case: the log, its analysis settings, and every chapter or model the data cannot support,
# with the reason (None: the study may also be refused with exit 2 by validation upstream).
CASES = {
    "same_value": (lambda: ordinary_log().assign(amount=10.0), {}, {
        ("pareto", "profit"): "total profit is not positive, so the whale curve is undefined"}),
    "one_late_day": (lambda: pd.DataFrame({"customer_id": [f"c{i}" for i in range(5)], "date": "2021-06-30",
                                           "amount": [10.0, 20, 30, 40, 50]}), {"observation_end": "2021-06-30"}, {
        ("pareto", None): "too few customers to measure how value is concentrated",
        ("clv", None): "too few customers to fit a repeat-purchase model",
        ("retention", None): "too few customers for a survival analysis"}),
    "one_customer": (lambda: pd.DataFrame({"customer_id": "c1", "date": ["2020-01-05", "2020-03-01", "2020-06-01"],
                                           "amount": [10.0, 20, 30]}), {}, {
        ("pareto", None): "too few customers to measure how value is concentrated",
        ("clv", None): "too few customers to fit a repeat-purchase model",
        ("retention", None): "too few customers for a survival analysis"}),
    "nobody_twice": (bought_once, {}, {
        ("clv", None): "nobody bought twice, so repeat-purchase models cannot be fitted",
        ("retention", "cox"): "too few churns to fit a Cox model"}),
    "all_on_one_day": (lambda: bought_once().assign(date="2020-05-05"), {}, {
        ("pareto", "persistence"): "no customer bought in the first half of the window, so persistence cannot be measured",
        ("clv", None): "nobody bought twice, so repeat-purchase models cannot be fitted",
        ("retention", "cox"): "too few churns to fit a Cox model",
        ("retention", "cohorts"): "all purchases fall in one month, so no cohort can be followed after its first month"}),
    "calibration_before_first": (ordinary_log, {"calibration_end": "2019-06-30"}, {
        ("clv", None): "no customer made a first purchase before calibration_end",
        ("retention", "churn_model"): "too few customers of each outcome to fit and test a churn model"}),
    "calibration_after_last": (ordinary_log, {"calibration_end": "2022-06-30"}, {
        ("clv", "holdout"): "the holdout window after calibration_end is empty",
        ("retention", "churn_model"): "too few customers of each outcome to fit and test a churn model"}),
}
# each case runs in one of two files (one xdist worker each), about the same minute of kernels apiece
VALUE_AND_WINDOW_CASES = ["calibration_after_last", "calibration_before_first", "same_value"]  # test_degrade.py
SPARSE_CASES = ["all_on_one_day", "nobody_twice", "one_customer", "one_late_day"]  # test_degrade_sparse.py


def assert_published_with_what_is_not_estimable(case: str, tmp_path: Path, capsys) -> None:
    """Run the study of ``CASES[case]`` from the command line: exit 0 with exactly the expected parts
    not estimable, each reason in the report and its Limitations, or exit 2 with a message."""
    from analysis.narrative.common import not_estimable_parts

    make_log, analysis, expected = CASES[case]
    config = write_study(tmp_path / "in", case, make_log(), analysis)
    code = cli.main(["run", str(config), "--out", str(tmp_path / "run"), "--quiet"])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:  # refused before any work, with a message (validation of impossible windows)
        assert err.startswith("error: ") and "Traceback" not in err
        return
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    found = {(p["chapter"], p["part"]): p["reason"] for p in not_estimable_parts(results)}
    assert set(found) == set(expected)
    assert {k: v for k, v in found.items() if expected[k] is not None} == {k: v for k, v in expected.items() if v is not None}
    for chapter in ("data", "pareto", "clv", "retention", "segments", "case_study"):
        assert results[chapter]["status"] in ("ok", "not_estimable"), chapter
    report = (tmp_path / "run" / "report.qmd").read_text()
    limitations = report.split("# Limitations")[1]
    for (chapter, part), reason in found.items():
        assert reason in report
        assert reason in limitations
    assert (tmp_path / "run" / "report.html").stat().st_size > 0
    for chapter, part in found:  # the executed notebook of a chapter that stopped is kept as its record
        if part is None:
            assert list((tmp_path / "run" / "notebooks").glob(f"*_{chapter}.ipynb"))
