"""`validate` predicts which chapters run: `analysis.chapters.readiness.chapter_readiness` on small logs
whose verdict can be counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from analysis.chapters.readiness import (
    MIN_COX_EVENTS,
    MIN_CUSTOMERS,
    MIN_REPEAT_BUYERS,
    chapter_readiness,
    part_readiness,
)
from analysis.cli import main
from analysis.core.config import config_from_json
from analysis.data.summary import customer_summary


def config(**analysis):
    return config_from_json({"name": "r", "data": {"path": "x.csv", "columns": {
        "customer": "c", "date": "d", "amount": "a"}}, "analysis": {"period": "week", **analysis}})


def summary(rows, **window):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    return customer_summary(frame, period="week", **window)


# ten customers (MIN_CUSTOMERS): a…e buy three times, f…j once (by hand); values large enough
# for a positive profit
HEALTHY = ([(c, d, 100) for c in "abcde" for d in ("2020-01-01", "2020-03-01", "2020-06-01")]
           + [(c, "2020-01-15", 40) for c in "fghij"])


def test_healthy_log_runs_every_chapter():
    # f…j last bought 2020-01-15, > 90 days before 2021-01-01; a…e on 2020-06-01, 214 days: ten churns
    study = config(observation_end="2021-01-01")
    study = config_from_json({**study.to_json_dict(), "retention": {"churn_threshold": 90}})
    customers = summary(HEALTHY, observation_end="2021-01-01")
    assert MIN_CUSTOMERS == 10 and len(customers) == 10
    assert chapter_readiness(customers, study) == {"pareto": None, "clv": None, "retention": None, "segments": None}
    assert part_readiness(customers, study) == {"pareto": [], "retention": []}


def test_everyone_buying_once_on_one_day():
    rows = [(c, "2020-01-01", 5) for c in "abcdefghijkl"]
    verdict = chapter_readiness(summary(rows), config())
    assert verdict["pareto"] is None  # the concentration of value is measured …
    # … but profit = 0.3 × 60 − 2 × 12 − 0.1 × 0 = −6 (pareto.cost defaults): no whale curve
    parts = part_readiness(summary(rows), config())
    assert "is -6.00" in parts["pareto"][0]
    assert verdict["clv"].startswith("0 customers bought more than once")
    assert verdict["retention"] is None and parts["retention"][0].startswith("Cox model: 0 churns")
    assert verdict["segments"] is None  # the segments run without CLV predictions, and say so


def test_too_few_customers():
    verdict = chapter_readiness(summary([("a", "2020-01-01", 5), ("a", "2020-02-01", 5)]), config())
    assert all(reason.startswith("1 customer after cleaning; at least 10 are needed")
               for key, reason in verdict.items() if key != "segments")


def test_clv_counts_repeat_buyers_in_the_calibration_period_only():
    # by 2020-01-31 nobody has bought twice (the second purchases are in March)
    verdict = chapter_readiness(summary(HEALTHY, calibration_end="2020-01-31", observation_end="2020-12-31"),
                                config(calibration_end="2020-01-31", observation_end="2020-12-31"))
    assert MIN_REPEAT_BUYERS == 1
    assert verdict["clv"].startswith("0 customers bought more than once in the calibration period")


@pytest.mark.parametrize("threshold, churns", [(213, 10), (214, 5), (351, 0)])
def test_cox_part_uses_the_given_threshold(threshold, churns):
    # by 2020-12-31, f…j have been silent 351 days, a…e 213: churn needs more than the threshold
    parts = part_readiness(summary(HEALTHY, observation_end="2020-12-31"), config(observation_end="2020-12-31"),
                           churn_threshold_days=threshold)
    assert (parts["retention"] == []) == (churns >= MIN_COX_EVENTS)
    if churns < MIN_COX_EVENTS:
        assert parts["retention"][0].startswith(f"Cox model: {churns} churns")


def test_validate_prints_a_line_per_requested_chapter(tmp_path, capsys):
    (tmp_path / "log.csv").write_text("customer,date,amount\n" + "".join(f"{c},2020-01-01,5\n" for c in "abcdefghijkl"))
    (tmp_path / "study.yml").write_text(yaml.safe_dump({
        "name": "oneday", "data": {"path": str(tmp_path / "log.csv"),
                                   "columns": {"customer": "customer", "date": "date", "amount": "amount"}},
        "report": {"notebooks": ["01_data", "02_pareto", "03_clv"]}}))
    assert main(["validate", str(tmp_path / "study.yml")]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("chapter ")]
    assert [line.split(":")[0] for line in lines] == ["chapter pareto", "chapter clv"]
    assert lines[1] == ("chapter clv: will be skipped (not estimable): 0 customers bought more than once in "
                        "the observation window; the purchase models need at least 1")


def test_validate_on_cdnow_sample_says_every_chapter_runs(capsys):
    assert main(["validate", "configs/cdnow_sample.yml"]) == 0
    out = capsys.readouterr().out
    for chapter in ("pareto", "clv", "retention", "segments"):
        assert f"chapter {chapter}: will run" in out
