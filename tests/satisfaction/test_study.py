"""The chapter's results dict on the ECSI survey and on a simulated survey of CDNOW customers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.satisfaction.settings import SurveySettings
from analysis.satisfaction.simulate import simulate_survey
from analysis.satisfaction.study import loyalty_study, survey_study

from .conftest import ECSI_BLOCKS, ECSI_PATHS


def test_ecsi_study(tmp_path, ecsi_path):
    settings = SurveySettings(path=ecsi_path, scale=(1, 10), dimensions=ECSI_BLOCKS, paths=ECSI_PATHS,
                              target="Satisfaction", bootstrap=20, seed=1)
    results = survey_study(settings)
    text = json.dumps(results, sort_keys=True, allow_nan=False)
    assert json.dumps(survey_study(settings), sort_keys=True, allow_nan=False) == text   # byte-identical rerun
    assert results["respondents"] == 250 and results["pls"]["n"] == 250
    shuffled = tmp_path / "shuffled.csv"
    pd.read_csv(ecsi_path).sample(frac=1.0, random_state=4).to_csv(shuffled, index=False)
    again = survey_study(settings.model_copy(update={"path": shuffled}))
    assert json.dumps(again, sort_keys=True, allow_nan=False) == text                   # row order free
    assert round(results["pls"]["r_squared"]["Satisfaction"], 3) == 0.681
    quadrants = {row["driver"]: row["quadrant"] for row in results["importance_performance"]["drivers"]}
    assert set(quadrants) == {"Image", "Expectation", "Quality", "Value"}
    reliability = {row["dimension"]: row for row in results["reliability"]}
    assert reliability["Complaints"]["alpha"] is None and reliability["Image"]["alpha"] > 0.6


def test_simulated_cdnow_study(tmp_path, cdnow_sample_summary):
    customers = cdnow_sample_summary.dropna(subset=["frequency_cal"])
    simulated = simulate_survey(customers, 11, frequency="frequency_cal")
    path = tmp_path / "simulated_survey.csv"
    simulated.survey.to_csv(path, index=False)
    settings = SurveySettings(path=path, scale=(1, 5), dimensions=simulated.dimensions, overall_item="overall",
                              recommend_item="recommend", customer_id="customer_id",
                              paths=[("Service", "Product"), ("Product", "Price")], target="Price", bootstrap=0)
    summary = customers.assign(frequency=customers["frequency_cal"], recency=customers["recency_cal"],
                               monetary_value=customers["monetary_value_cal"],
                               customer_id=customers["customer_id"].astype(str))
    summary = summary.merge(simulated.outcome, on="customer_id", how="left")
    results = survey_study(settings, summary=summary, repeat_column="repeat_purchase")
    json.dumps(results, allow_nan=False)
    link = results["link"]
    assert link["respondents_joined"] == len(simulated.survey) and link["respondents_unmatched"] == 0
    comparison = {row["measure"]: row for row in link["respondent_comparison"]}
    assert comparison["frequency"]["difference"] > 0        # frequent buyers answer more often (simulated)
    assert {row["driver"] for row in results["ordered_logit"]["drivers"]} == {"Service", "Product", "Price"}
    nps = results["nps"]
    assert nps["promoters"] + nps["passives"] + nps["detractors"] == nps["n"] == len(simulated.survey)
    assert [row["overall"] for row in link["loyalty_curve"]] == [1, 2, 3, 4, 5]
    # the simulated truth: 0.5 log-odds of buying again per point of overall satisfaction
    term = {row["term"]: row for row in link["repeat_logit"]["terms"]}["satisfaction"]
    assert link["repeat_logit"]["satisfaction"] == "overall"
    assert term["lower"] <= simulated.truth["satisfaction_effect"] <= term["upper"]


def test_loyalty_study(cdnow_sample_summary):
    results = loyalty_study(cdnow_sample_summary)
    json.dumps(results, allow_nan=False)
    ladder = {row["step"]: row["customers"] for row in results["ladder"]}
    assert sum(ladder.values()) == 2357
    assert ladder["one_time"] == int((cdnow_sample_summary["frequency"] == 0).sum())
    assert results["returns"] is None
    assert results["repeat_rate"]["rate"] == pytest.approx(1 - ladder["one_time"] / 2357)
    assert np.isclose(sum(row["share"] for row in results["ladder"]), 1.0)
