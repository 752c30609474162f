"""The shipped simulated-survey study, end to end: configs/cdnow_sample_survey.yml."""

from __future__ import annotations

import json

import pytest

from analysis.core.paths import CONFIGS_DIR
from analysis.narrative.traceability import untraceable_numbers
from analysis.run.pipeline import run_study


@pytest.mark.slow
def test_simulated_survey_study_end_to_end(tmp_path):
    run = run_study(CONFIGS_DIR / "cdnow_sample_survey.yml", out_dir=tmp_path / "run", quiet=True,
                    overrides={"report.formats": ["html"]})
    results = json.loads((run / "results.json").read_text())
    survey = results["satisfaction"]["survey"]
    truth = survey["simulated"]["truth"]["satisfaction_effect"]
    assert truth == 0.5                                              # the config's survey.simulate.effect
    term = {row["term"]: row for row in survey["link"]["repeat_logit"]["terms"]}["satisfaction"]
    assert term["lower"] <= truth <= term["upper"]
    assert survey["link"]["respondents_unmatched"] == 0
    text = (run / "report.qmd").read_text()
    chapter = text[text.index("# Satisfaction and loyalty"):text.index("# What works")]
    assert untraceable_numbers(chapter, results) == []
    assert "**Simulated survey.**" in chapter and "contains the simulated truth, 0.50" in chapter
    figures = {r["name"] for r in json.loads((run / "figures" / "index-satisfaction.json").read_text())}
    assert figures == {"satisfaction-ladder", "satisfaction-ipma", "satisfaction-curve", "satisfaction-behaviour"}
    # churn and CLV by satisfaction: the CLV is the CLV chapter's (03_clv runs first); the simulated answers
    # depend on the log only through past frequency, so both intervals contain "no effect" in this draw
    link = survey["link"]
    churn = {row["term"]: row for row in link["churn"]["terms"]}["satisfaction"]
    clv = {row["term"]: row for row in link["values"]["clv"]["regression"]["terms"]}["satisfaction"]
    assert churn["ratio_lower"] <= 1 <= churn["ratio_upper"] and clv["change_lower"] <= 0 <= clv["change_upper"]
    assert len(link["values"]["clv"]["by_level"]) == 5 and "skipped" in link["values"]["spend_after"]
    assert "No evidence that satisfaction changes churn" in chapter and "Mean predicted CLV" in chapter
    assert (run / "tables" / survey["source"]).exists()              # the simulated answers, kept in the run folder
