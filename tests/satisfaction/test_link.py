"""Satisfaction -> behaviour on a simulated survey of CDNOW customers whose truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.satisfaction.link import (
    churn_after_survey,
    churn_cox,
    join_survey,
    repeat_purchase_logit,
    respondent_comparison,
    satisfaction_loyalty_curve,
    value_by_level,
)
from analysis.satisfaction.simulate import simulate_survey

SEED = 20261130


@pytest.fixture(scope="module")
def cdnow_calibration(cdnow_sample_summary):
    """CDNOW customers as seen at the survey date (the calibration end, 1997-09-30)."""
    summary = cdnow_sample_summary.dropna(subset=["frequency_cal"])
    return summary.assign(customer_id=summary["customer_id"].astype(str))


@pytest.fixture(scope="module")
def joined(cdnow_calibration):
    simulated = simulate_survey(cdnow_calibration, SEED, frequency="frequency_cal")
    survey = simulated.survey.merge(simulated.outcome, on="customer_id")
    frame = join_survey(cdnow_calibration, survey)
    return frame.assign(log_frequency=np.log1p(frame["frequency_cal"])), simulated


def test_link_recovers_the_true_satisfaction_effect(joined):
    frame, simulated = joined
    assert simulated.simulated and frame.attrs["unmatched"] == 0
    assert 500 < len(frame) < 2357   # the respondents, a subset of the 2,357 CDNOW sample customers
    fit = repeat_purchase_logit(frame, "repeat_purchase", "overall", controls=["log_frequency"])
    truth = simulated.truth["satisfaction_effect"]            # 0.5 log-odds per point
    row = fit.table.loc["overall"]
    assert row["lower"] <= truth <= row["upper"], row.to_dict()
    assert fit.table.loc["log_frequency", "lower"] <= simulated.truth["frequency_effect"] <= fit.table.loc[
        "log_frequency", "upper"]
    assert row["ratio"] == pytest.approx(np.exp(row["coef"]))


@pytest.mark.slow
def test_interval_coverage_of_the_link_logit():
    """Over many simulated surveys the 95% interval covers the true effect about 95% of the time."""
    customers = pd.DataFrame({"customer_id": [f"c{i:05d}" for i in range(3000)],
                              "frequency": np.random.default_rng(1).poisson(2.0, 3000)})
    hits, reps = 0, 100
    for rep in range(reps):
        simulated = simulate_survey(customers, 1000 + rep)
        frame = join_survey(customers, simulated.survey.merge(simulated.outcome, on="customer_id"))
        frame["log_frequency"] = np.log1p(frame["frequency"])
        row = repeat_purchase_logit(frame, "repeat_purchase", "overall", ["log_frequency"]).table.loc["overall"]
        hits += row["lower"] <= 0.5 <= row["upper"]
    # nominal 95%; binomial sd over 100 replications is 2.2 points (three sd: 0.885)
    assert 0.885 <= hits / reps


def test_simulation_is_reproducible_and_row_order_free(cdnow_calibration):
    first = simulate_survey(cdnow_calibration, SEED, frequency="frequency_cal")
    shuffled = simulate_survey(cdnow_calibration.sample(frac=1.0, random_state=3), SEED, frequency="frequency_cal")
    assert first.survey.to_csv() == shuffled.survey.to_csv()
    assert first.outcome.to_csv() == shuffled.outcome.to_csv()
    items = [c for c in first.survey.columns if c[:-1] in first.dimensions]
    assert first.survey[items].min().min() >= 1 and first.survey[items].max().max() <= 5
    assert first.survey["recommend"].between(0, 10).all()


def test_respondent_bias_is_found_and_welch_matches_scipy(cdnow_calibration, joined):
    frame, _ = joined
    table = respondent_comparison(cdnow_calibration, frame["customer_id"], columns=["frequency_cal", "recency_cal"])
    # the simulation makes frequent buyers answer more often: respondents buy more
    row = table.loc["frequency_cal"]
    assert row["difference"] > 0 and row["p_value"] < 0.01 and row["lower"] > 0
    responded = cdnow_calibration["customer_id"].isin(frame["customer_id"])
    a, b = cdnow_calibration.loc[responded, "frequency_cal"], cdnow_calibration.loc[~responded, "frequency_cal"]
    # Welch by hand: se = sqrt(va/na + vb/nb), Welch-Satterthwaite df
    va, vb, na, nb = a.var(ddof=1), b.var(ddof=1), len(a), len(b)
    se = np.sqrt(va / na + vb / nb)
    df = (va / na + vb / nb) ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    assert row["difference"] == pytest.approx(a.mean() - b.mean())
    assert row["upper"] - row["difference"] == pytest.approx(stats.t.ppf(0.975, df) * se)
    mw = respondent_comparison(cdnow_calibration, frame["customer_id"], columns=["frequency_cal"], test="mannwhitney")
    assert mw.loc["frequency_cal", "p_value"] < 0.01


def test_curve_value_and_cox(joined):
    frame, _ = joined
    curve = satisfaction_loyalty_curve(frame, "repeat_purchase", "overall")
    assert list(curve.index) == [1, 2, 3, 4, 5]
    # the simulated effect is positive: the most satisfied buy again more often than the least
    assert curve.loc[5, "share"] > curve.loc[1, "share"]
    assert curve["n"].sum() == len(frame)
    values = value_by_level(frame, "overall", ["total_value"])
    assert values.loc[(3, "total_value"), "mean"] == pytest.approx(frame.loc[frame["overall"] == 3, "total_value"].mean())
    # survey at the calibration end (T_cal), the whole log's recency and age (recency, T)
    churn = churn_after_survey(frame, 26.0, survey_age="T_cal", recency="recency", age="T")
    frame = frame.join(churn)
    cox = churn_cox(frame, "duration", "churned", "overall")
    assert cox.table.loc["overall", "ratio"] == pytest.approx(np.exp(cox.table.loc["overall", "coef"]))
    assert cox.nobs == len(frame)


def test_cox_recovers_a_known_hazard_ratio():
    # one draw (PHReg's errors take seconds at this size); the interval is statsmodels', the test
    # checks the wrapper's term, sign and ratio
    rng = np.random.default_rng(12)
    n = 2000
    satisfaction = rng.integers(1, 6, n).astype(float)
    hazard = 0.05 * np.exp(-0.3 * (satisfaction - 3))         # true log hazard ratio -0.3 per point
    time = rng.exponential(1 / hazard)
    censor = rng.uniform(0, 40, n)
    frame = pd.DataFrame({"duration": np.minimum(time, censor), "churned": (time <= censor).astype(int),
                          "overall": satisfaction})
    row = churn_cox(frame, "duration", "churned", "overall").table.loc["overall"]
    assert row["lower"] <= -0.3 <= row["upper"]


def test_logit_equals_statsmodels_directly(joined):
    frame, _ = joined
    fit = repeat_purchase_logit(frame, "repeat_purchase", "overall")
    direct = sm.Logit(frame["repeat_purchase"].astype(float),
                      sm.add_constant(frame[["overall"]].astype(float))).fit(disp=False)
    assert fit.table.loc["overall", "coef"] == pytest.approx(direct.params["overall"], abs=1e-10)
