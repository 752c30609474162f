"""`validate` predicts which chapters run: `analysis.readiness.chapter_readiness` on small logs
whose verdict can be counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from analysis.cli import main
from analysis.config import config_from_json
from analysis.readiness import MIN_REPEAT_BUYERS, chapter_readiness
from analysis.summary import customer_summary


def config(**analysis):
    return config_from_json({"name": "r", "data": {"path": "x.csv", "columns": {
        "customer": "c", "date": "d", "amount": "a"}}, "analysis": {"period": "week", **analysis}})


def summary(rows, **window):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    return customer_summary(frame, period="week", **window)


# a: 3 purchase days, b: 2, c: 1, d: 1 (by hand); values large enough for a positive profit
HEALTHY = [("a", "2020-01-01", 100), ("a", "2020-03-01", 80), ("a", "2020-06-01", 90),
           ("b", "2020-01-10", 50), ("b", "2020-02-10", 60), ("c", "2020-01-15", 40),
           ("d", "2020-02-01", 30)]


def test_healthy_log_runs_every_chapter():
    # c and d last bought > 90 days before 2021-01-01: two churn events under a 90-day rule
    study = config(observation_end="2021-01-01")
    study = config_from_json({**study.to_json_dict(), "retention": {"churn_threshold": 90}})
    verdict = chapter_readiness(summary(HEALTHY, observation_end="2021-01-01"), study)
    assert verdict == {"pareto": None, "clv": None, "retention": None, "segments": None}


def test_everyone_buying_once_on_one_day():
    rows = [(c, "2020-01-01", 5) for c in "abc"]
    verdict = chapter_readiness(summary(rows), config())
    # profit = 0.3 × 15 − 2 × 3 − 0.1 × 0 = −1.5 (pareto.cost defaults)
    assert "is -1.50" in verdict["pareto"]
    assert verdict["clv"].startswith("0 customers bought more than once")
    assert "no churn events" in verdict["retention"]
    assert verdict["segments"].startswith("it needs the CLV chapter")


def test_one_customer():
    verdict = chapter_readiness(summary([("a", "2020-01-01", 5), ("a", "2020-02-01", 5)]), config())
    assert all(reason.startswith("1 customer after cleaning") for key, reason in verdict.items()
               if key != "segments")


def test_nobody_buying_once_leaves_dropout_unidentified():
    rows = [("a", "2020-01-01", 10), ("a", "2020-01-05", 10), ("b", "2020-01-02", 10), ("b", "2020-01-09", 10)]
    assert "no one-time buyers" in chapter_readiness(summary(rows), config())["clv"]


def test_clv_counts_repeat_buyers_in_the_calibration_period_only():
    # by 2020-01-31 only b has bought twice (a's second purchase is in March): 1 < MIN_REPEAT_BUYERS
    rows = HEALTHY
    verdict = chapter_readiness(summary(rows, calibration_end="2020-01-31", observation_end="2020-12-31"),
                                config(calibration_end="2020-01-31", observation_end="2020-12-31"))
    assert MIN_REPEAT_BUYERS == 2
    assert verdict["clv"].startswith("0 customers bought more than once in the calibration period")


@pytest.mark.parametrize("threshold, expected", [(351, "silent for more than 351 days"), (350, None)])
def test_retention_uses_the_given_threshold(threshold, expected):
    # by 2020-12-31, c has been silent 351 days (the longest), d 334, b 325, a 213: churn needs > threshold
    verdict = chapter_readiness(summary(HEALTHY, observation_end="2020-12-31"),
                                config(observation_end="2020-12-31"), churn_threshold_days=threshold)
    assert (verdict["retention"] is None) if expected is None else (expected in verdict["retention"])


def test_validate_prints_a_line_per_requested_chapter(tmp_path, capsys):
    (tmp_path / "log.csv").write_text("customer,date,amount\n" + "".join(f"{c},2020-01-01,5\n" for c in "abc"))
    (tmp_path / "study.yml").write_text(yaml.safe_dump({
        "name": "oneday", "data": {"path": str(tmp_path / "log.csv"),
                                   "columns": {"customer": "customer", "date": "date", "amount": "amount"}},
        "report": {"notebooks": ["01_data", "02_pareto", "03_clv"]}}))
    assert main(["validate", str(tmp_path / "study.yml")]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("chapter ")]
    assert [line.split(":")[0] for line in lines] == ["chapter pareto", "chapter clv"]
    assert lines[1] == ("chapter clv: will be skipped (not estimable): 0 customers bought more than once in "
                        "the observation window; the purchase models need at least 2")


def test_validate_on_cdnow_sample_says_every_chapter_runs(capsys):
    assert main(["validate", "configs/cdnow_sample.yml"]) == 0
    out = capsys.readouterr().out
    for chapter in ("pareto", "clv", "retention", "segments"):
        assert f"chapter {chapter}: will run" in out
