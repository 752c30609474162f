"""The satisfaction chapter: the `survey:` config section, the chapter's results and the rules that
choose its sentences (each rule run on both sides of its precondition), every number traceable."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest
import yaml

from analysis.core.config import load_config
from analysis.core.errors import ConfigError
from analysis.core.i18n import set_language
from analysis.core.paths import CONFIGS_DIR, PROJECT_ROOT
from analysis.core.privacy import pseudonymise
from analysis.narrative import satisfaction as narrative
from analysis.narrative.traceability import untraceable_numbers
from analysis.satisfaction.settings import SurveySettings
from analysis.satisfaction.simulate import simulate_survey
from analysis.satisfaction.study import chapter_study

HERE = PROJECT_ROOT / "tests" / "satisfaction" / "configs"


def text_of(section: dict) -> str:
    return narrative.chapter({"satisfaction": section}, [], [])


def assert_traceable(section: dict) -> str:
    text = text_of(section)
    assert untraceable_numbers(text, {"satisfaction": section}) == []
    return text


def simulated_settings(**update) -> SurveySettings:
    config = yaml.safe_load((CONFIGS_DIR / "cdnow_sample_survey.yml").read_text())["survey"]
    return SurveySettings.model_validate({**config, "bootstrap": 30, **update})


# -- the config section ---------------------------------------------------------------------------
def test_survey_section_paths_resolve_like_data_path(tmp_path):
    survey = simulated_settings().model_dump(mode="json") | {"simulate": None,
                                                             "path": "data/raw/cdnow/CDNOW_sample.txt"}
    config = load_config(CONFIGS_DIR / "cdnow_sample.yml", overrides={"survey": survey})
    # not in configs/, so found from the project root, and made absolute
    assert config.survey.path == (PROJECT_ROOT / "data/raw/cdnow/CDNOW_sample.txt").resolve()
    assert load_config(CONFIGS_DIR / "cdnow_sample.yml").survey is None       # optional section


@pytest.mark.parametrize("change, message", [
    ({"colour": "blue"}, "unknown key 'survey.colour'"),
    ({"simulate": None, "path": "no_such_survey.csv"}, "survey file not found"),
    ({"path": "data/raw/cdnow/CDNOW_sample.txt"}, "either path"),
    ({"simulate": {"seed": 1, "efect": 0.5}}, "unknown key 'survey.simulate.efect'"),
])
def test_bad_survey_section_stops_with_config_error(change, message):
    survey = simulated_settings().model_dump(mode="json") | change
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(CONFIGS_DIR / "cdnow_sample.yml", overrides={"survey": survey})
    assert caught.value.exit_code == 2


def test_survey_needs_transaction_data():
    survey = simulated_settings().model_dump(mode="json")
    with pytest.raises(ConfigError, match="needs transaction data"):
        load_config(CONFIGS_DIR / "telco.yml", overrides={"survey": survey})


def test_shipped_survey_config_validates():
    config = load_config(CONFIGS_DIR / "cdnow_sample_survey.yml")
    assert config.survey.simulate.effect == 0.5 and config.survey.path is None


# -- results and sentences --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def simulated_section(cdnow_sample_summary, tmp_path_factory):
    return json.loads(json.dumps(chapter_study(cdnow_sample_summary, simulated_settings(), period="week",
                                               folder=tmp_path_factory.mktemp("survey"))))


def test_simulated_chapter_states_the_truth_and_recovers_it(simulated_section):
    survey = simulated_section["survey"]
    term = {row["term"]: row for row in survey["link"]["repeat_logit"]["terms"]}["satisfaction"]
    assert survey["simulated"]["truth"]["satisfaction_effect"] == 0.5
    assert term["lower"] <= 0.5 <= term["upper"]                    # the simulated truth (config: effect 0.5)
    assert "skipped" in survey["link"]["values"]["spend_after"]      # a simulated purchase has no spend
    # the drivers of overall satisfaction leave out the overall item's and the recommend item's dimensions
    assert {row["driver"] for row in survey["ordered_logit"]["drivers"]} == {"Service", "Product", "Price"}
    text = assert_traceable(simulated_section)
    assert "**Simulated survey.**" in text and "contains the simulated truth, 0.50" in text
    assert "More satisfied customers are more likely to buy again" in text


def test_repeat_effect_sentences_follow_the_interval(simulated_section):
    section = copy.deepcopy(simulated_section)
    term = {row["term"]: row for row in section["survey"]["link"]["repeat_logit"]["terms"]}["satisfaction"]
    term.update(coef=0.05, lower=-0.1, upper=0.2)
    text = assert_traceable(section)
    assert "No detectable effect of satisfaction on buying again" in text
    assert "misses the simulated truth" in text and "more likely to buy again" not in text
    term.update(coef=-0.4, lower=-0.6, upper=-0.2)
    assert "less likely to buy again" in assert_traceable(section)
    section["survey"]["simulated"] = None
    assert "association in observational data" in assert_traceable(section)


def test_respondent_bias_only_when_the_test_rejects(simulated_section):
    section = copy.deepcopy(simulated_section)
    rows = section["survey"]["link"]["respondent_comparison"]
    assert all(row["p_value"] < 0.05 for row in rows)                # frequent buyers answer more often (simulated)
    assert "The survey is biased in recency, frequency, mean spend" in assert_traceable(section)
    for row in rows:
        row["p_value"] = 0.5
    text = assert_traceable(section)
    assert text.count("no detectable difference") == 3 and "No detectable survey bias" in text


def test_models_that_cannot_be_fitted_are_not_estimable(simulated_section):
    section = copy.deepcopy(simulated_section)
    survey = section["survey"]
    survey["ordered_logit"] = {"skipped": "fewer than two overall categories are used"}
    survey["link"]["repeat_logit"] = {"skipped": "the study has no calibration end, so no purchase after the survey is observed"}
    text = assert_traceable(section)
    assert "ordered logit of overall satisfaction is not estimable: fewer than two" in text
    assert "buying again is not estimable: the study has no calibration end" in text


def test_importance_performance_priority_needs_the_interval(simulated_section):
    section = copy.deepcopy(simulated_section)
    ipma = section["survey"]["importance_performance"]
    first = [row["driver"] for row in ipma["drivers"] if row["quadrant"] == "concentrate_here"]
    assert first                                                     # this draw puts a driver there
    effects = {(row["source"], row["target"]): row for row in section["survey"]["pls"]["total_effects"]}
    effect = effects[(first[0], "Satisfaction")]
    effect["lower"] = ipma["importance_cut"] + 0.01
    assert f"Improve first: {first[0]}" in assert_traceable(section)
    effect["lower"] = ipma["importance_cut"] - 0.01
    text = assert_traceable(section)
    assert "Improve first" not in text and "a tentative priority" in text


def test_without_a_survey_the_chapter_shows_behavioural_loyalty(cdnow_sample_summary):
    section = json.loads(json.dumps(chapter_study(cdnow_sample_summary, None, period="week")))
    text = assert_traceable(section)
    assert "No customer survey is configured" in text and "## The customer survey" not in text
    ladder = {row["step"]: row["customers"] for row in section["loyalty"]["ladder"]}
    # CDNOW sample: 1,218 of 2,357 customers never bought again (frequency 0 in the summary)
    assert ladder["one_time"] == 1218 and sum(ladder.values()) == 2357
    assert section["loyalty"]["ladder_rule"]["active_within"] == 26.0
    assert "within the last 26 weeks" in text and "No return or complaint rate" in text


def test_return_rate_from_the_cleaning_counts(cdnow_sample_summary):
    cleaning = {"input_rows": 1000, "dropped": {"cancellation_netted": 30, "cancellation_unmatched": 10,
                                                "nonpositive_amount": 5}}
    section = json.loads(json.dumps(chapter_study(cdnow_sample_summary, None, cleaning=cleaning)))
    assert section["loyalty"]["returns"]["line_rate"] == 0.04          # 40 cancellation lines of 1,000
    assert "40 of 1,000 input lines (4.00%" in assert_traceable(section)


def test_chinese_vocabulary(simulated_section):
    set_language("zh")
    try:
        text = assert_traceable(simulated_section)
    finally:
        set_language("en")
    for word in ("客户满意度", "忠诚度", "净推荐值", "重要性–绩效分析", "模拟问卷"):
        assert word in text, word


def test_real_survey_ids_are_hashed_like_the_log(cdnow_sample_summary, tmp_path):
    """A survey file holds the shop's own ids; the run publishes keyed pseudonyms: with the run's
    key the survey's ids are hashed the same way and every respondent joins."""
    drawn = simulate_survey(cdnow_sample_summary.dropna(subset=["frequency_cal"]), 3, frequency="frequency_cal")
    drawn.survey.to_csv(tmp_path / "survey.csv", index=False)
    key = b"a test key, not the user's"
    hidden = cdnow_sample_summary.assign(customer_id=pseudonymise(cdnow_sample_summary["customer_id"], key))
    settings = simulated_settings(simulate=None, path=tmp_path / "survey.csv", bootstrap=0)
    section = json.loads(json.dumps(chapter_study(hidden, settings, key=key)))  # as results.json holds it
    link = section["survey"]["link"]
    assert link["respondents_joined"] == len(drawn.survey) and link["respondents_unmatched"] == 0
    # the purchases after the survey are the log's own here (frequency_holdout), so spend by level is shown
    spend = link["values"]["spend_after"]["by_level"]
    assert [row["overall"] for row in spend] == [1, 2, 3, 4, 5] and sum(row["n"] for row in spend) == len(drawn.survey)
    assert "Mean spend after the survey" in assert_traceable(section)
    unhashed = chapter_study(hidden, settings)["survey"]["link"]
    assert unhashed["respondents_joined"] == 0 and "skipped" in unhashed


def test_ecsi_survey_in_a_study(cdnow_sample_summary, shared_dataset):
    """The ECSI survey has no customer ids: the chapter measures it, estimates the index and the
    priorities, and says why it cannot link it to behaviour."""
    section_config = yaml.safe_load((HERE / "ecsi_survey.yml").read_text())["survey"]
    section_config["path"] = str(shared_dataset("satisfaction/ecsi_mobile_phone.csv"))
    config = load_config(CONFIGS_DIR / "cdnow_sample.yml", overrides={"survey": section_config})
    section = json.loads(json.dumps(chapter_study(cdnow_sample_summary, config.survey)))
    survey = section["survey"]
    paths = {(row["source"], row["target"]): row["estimate"] for row in survey["pls"]["paths"]}
    # path weighting, Mode A (tests/satisfaction/test_pls.py: equal to seminr and an independent implementation)
    assert round(paths[("Quality", "Satisfaction")], 3) == 0.512 and round(paths[("Satisfaction", "Loyalty")], 3) == 0.485
    assert round(survey["pls"]["r_squared"]["Satisfaction"], 3) == 0.681
    assert survey["link"]["skipped"].startswith("the survey has no customer id")
    text = assert_traceable(section)
    assert "**Simulated survey.**" not in text and "Not estimable: the survey has no customer id" in text
    assert "## Importance–performance analysis" in text and "## Net Promoter Score" not in text


def test_chapter_results_do_not_depend_on_customer_row_order(cdnow_sample_summary, tmp_path):
    settings = simulated_settings(bootstrap=10)
    first = chapter_study(cdnow_sample_summary, settings, folder=tmp_path)
    shuffled = cdnow_sample_summary.sample(frac=1.0, random_state=2).reset_index(drop=True)
    second = chapter_study(shuffled, settings, folder=tmp_path)
    assert json.dumps(first, sort_keys=True, default=str) == json.dumps(second, sort_keys=True, default=str)
    assert isinstance(pd.read_csv(tmp_path / "survey_simulated.csv"), pd.DataFrame)
