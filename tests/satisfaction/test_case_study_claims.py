"""The case study's claims from the satisfaction chapter: each made only on its side of its rule."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from analysis.core.i18n import set_language
from analysis.core.paths import CONFIGS_DIR
from analysis.narrative import case_study as wording
from analysis.narrative import claims as case_study
from analysis.narrative.traceability import untraceable_numbers
from analysis.satisfaction.settings import SurveySettings
from analysis.satisfaction.study import chapter_study


@pytest.fixture(scope="module")
def section(cdnow_sample_summary, tmp_path_factory):
    config = yaml.safe_load((CONFIGS_DIR / "cdnow_sample_survey.yml").read_text())["survey"]
    settings = SurveySettings.model_validate({**config, "bootstrap": 0})
    return json.loads(json.dumps(chapter_study(cdnow_sample_summary, settings, folder=tmp_path_factory.mktemp("s"))))


def claims_of(section: dict) -> dict[str, dict]:
    built = case_study.build({"satisfaction": section})
    return {claim["id"]: claim for part in built.values() for claim in part}


def text(section: dict, claim_id: str) -> str:
    claims = case_study.build({"satisfaction": section})
    results = {"satisfaction": section, "case_study": claims}
    markdown = wording.chapter(results, [], [])
    assert untraceable_numbers(markdown, results) == []
    return wording._text(claims_of(section)[claim_id])


def repeat_term(section: dict) -> dict:
    return {row["term"]: row for row in section["survey"]["link"]["repeat_logit"]["terms"]}["satisfaction"]


def test_simulated_survey_is_a_limitation_not_a_finding(section):
    claims = claims_of(section)
    # the simulated effect is positive (interval above zero) but says nothing about CDNOW's customers
    assert repeat_term(section)["lower"] > 0
    assert "satisfaction_drives_repurchase" not in claims and "satisfaction_effect_unclear" not in claims
    assert "is simulated" in text(section, "survey_simulated")
    # frequent buyers answer more often in the simulation: the respondent bias is a limitation
    assert claims["survey_bias"]["values"]["measures"] == ["recency", "frequency", "monetary_value"]


def test_real_survey_effect_claims_follow_the_interval(section):
    real = copy.deepcopy(section)
    real["survey"]["simulated"] = None
    assert "Satisfied customers buy again" in text(real, "satisfaction_drives_repurchase")
    assert "survey_simulated" not in claims_of(real)
    repeat_term(real).update(coef=0.05, lower=-0.1, upper=0.2)
    claims = claims_of(real)
    assert "satisfaction_drives_repurchase" not in claims
    assert "cannot tell whether satisfaction changes repurchase" in text(real, "satisfaction_effect_unclear")
    repeat_term(real).update(coef=-0.3, lower=-0.5, upper=-0.1)
    assert not {"satisfaction_drives_repurchase", "satisfaction_effect_unclear"} & set(claims_of(real))


def test_no_bias_claim_when_no_test_rejects(section):
    unbiased = copy.deepcopy(section)
    for row in unbiased["survey"]["link"]["respondent_comparison"]:
        row["p_value"] = 0.4
    assert "survey_bias" not in claims_of(unbiased)


def test_second_purchase_lesson_needs_the_lowest_step_to_be_largest(section):
    # CDNOW sample: 1,218 of 2,357 customers (51.7%) never bought again, the largest step
    claim = claims_of(section)["second_purchase_first"]
    assert claim["values"]["one_time"] == pytest.approx(1218 / 2357)
    assert "51.7% of customers bought on one day only" in text(section, "second_purchase_first")
    flipped = copy.deepcopy(section)
    ladder = {row["step"]: row for row in flipped["loyalty"]["ladder"]}
    ladder["repeat"]["customers"] = ladder["one_time"]["customers"] + 1
    assert "second_purchase_first" not in claims_of(flipped)


def test_chinese_wording(section):
    set_language("zh")
    try:
        assert "忠诚度阶梯" in text(section, "second_purchase_first")
        assert "客户满意度问卷" in text(section, "survey_simulated")
    finally:
        set_language("en")
