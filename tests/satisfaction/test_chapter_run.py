"""The shipped simulated-survey study, end to end: configs/cdnow_sample_survey.yml."""

from __future__ import annotations

import json

import pytest

from analysis.narrative.traceability import untraceable_numbers
from analysis.pipeline import run_study
from analysis.project import CONFIGS_DIR


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
    assert figures == {"satisfaction-ladder", "satisfaction-ipma", "satisfaction-curve"}
    assert (run / "tables" / survey["source"]).exists()              # the simulated answers, kept in the run folder
