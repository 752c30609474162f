"""Kaplan–Meier, log-rank and Cox on hand-worked and real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.retention import auc, cox_model, kaplan_meier, kaplan_meier_by_group


def test_kaplan_meier_hand_example():
    # times 1, 2+, 3, 3, 4+ (+ = censored): S(1) = 4/5, S(3) = 4/5 × (1 − 2/3) = 4/15
    km = kaplan_meier([1, 2, 3, 3, 4], [1, 0, 1, 1, 0])
    assert km["times"].tolist() == [1, 3]
    assert km["survival"] == pytest.approx([0.8, 4 / 15])
    assert km["median"] == 3
    assert km["events"] + km["censored"] == km["n"] == 5


def test_logrank_hand_example():
    # group a: events at 1 and 2; group b: events at 3 and 4 (all observed).
    # At t=1: 4 at risk (2 in a), 1 event → E_a = 0.5, V = 0.25; t=2: 3 at risk (1 in a) → E_a = 1/3, V = 2/9;
    # t=3 and t=4: no one of a at risk. O_a − E_a = 2 − 5/6 = 7/6; V = 0.25 + 2/9 = 17/36;
    # chi² = (7/6)² / (17/36) = 49/17.
    result = kaplan_meier_by_group([1, 2, 3, 4], [1, 1, 1, 1], ["a", "a", "b", "b"], min_size=1)
    assert result["logrank"]["statistic"] == pytest.approx(49 / 17, rel=1e-9)


def test_censoring_is_never_dropped(shared_dataset):
    from analysis.core.config import DataSettings
    from analysis.data.loading import load_contracts

    path = shared_dataset("telco_churn/Telco-Customer-Churn.csv")
    contracts = load_contracts(DataSettings(kind="contractual", path=path,
                                            columns={"customer": "customerID", "tenure": "tenure", "churned": "Churn"},
                                            churned_values=["Yes"]))
    km = kaplan_meier(contracts["tenure"], contracts["churned"])
    assert km["events"] == 1869 and km["censored"] == 7043 - 1869


@pytest.fixture(scope="module")
def telco(shared_dataset):
    from analysis.core.config import load_config
    from analysis.core.paths import CONFIGS_DIR
    from analysis.data.loading import load_contracts

    shared_dataset("telco_churn/Telco-Customer-Churn.csv")
    config = load_config(CONFIGS_DIR / "telco.yml")
    return load_contracts(config.data), config


def test_cox_on_telco_month_to_month_churns_faster(telco):
    contracts, _ = telco
    data = contracts[contracts["tenure"] > 0]
    cox = cox_model(data, "tenure", "churned", ["Contract", "MonthlyCharges"], ["Contract"])
    table = cox["table"].set_index("term")
    # against month-to-month (the reference), one- and two-year contracts churn far more slowly
    assert table.loc["Contract: Two year", "upper"] < 0.2
    assert table.loc["Contract: One year", "upper"] < 0.5
    # likelihood check: statsmodels' partial likelihood at the estimate equals a hand-coded Breslow
    # partial likelihood when recomputed with ties="breslow"
    breslow = cox_model(data, "tenure", "churned", ["MonthlyCharges"], [])
    beta = breslow["fit"].params[0]
    from statsmodels.duration.hazard_regression import PHReg

    model = PHReg(data["tenure"].to_numpy(float), data[["MonthlyCharges"]].to_numpy(float),
                  status=data["churned"].to_numpy(), ties="breslow")
    t, e, x = data["tenure"].to_numpy(float), data["churned"].to_numpy(), data["MonthlyCharges"].to_numpy(float)
    eta = beta * x
    loglik = 0.0
    for time in np.unique(t[e == 1]):
        events = (t == time) & (e == 1)
        at_risk = t >= time
        loglik += eta[events].sum() - events.sum() * np.log(np.exp(eta[at_risk]).sum())
    assert model.loglike(np.array([beta])) == pytest.approx(loglik, rel=1e-9)


def test_auc_equals_pairwise_count():
    rng = np.random.default_rng(0)
    scores = np.round(rng.random(300), 2)  # with ties
    labels = rng.random(300) < 0.3
    pos, neg = scores[labels], scores[~labels]
    pairwise = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (pos.size * neg.size)
    assert auc(scores, labels) == pytest.approx(pairwise, rel=1e-12)


def test_contractual_study_on_telco(telco):
    from analysis.retention.study import run_retention_contractual

    contracts, config = telco
    study = run_retention_contractual(contracts, config.retention, config.data.covariates, period="month",
                                      rng=np.random.default_rng(0))
    r = study.results
    assert r["churn_model"]["auc"] > 0.8
    assert r["km_by_group"]["medians"]["Month-to-month"] is not None
    assert r["km_by_group"]["logrank"]["p_value"] < 1e-10
    assert r["excluded_from_models"] == 11  # the 11 customers with tenure 0


def test_churn_rule_censors_recent_customers():
    from analysis.retention.churn import churn_durations

    customers = pd.DataFrame({
        "customer_id": ["old", "recent"],
        "first_purchase": pd.to_datetime(["2020-01-01", "2020-01-01"]),
        "last_purchase": pd.to_datetime(["2020-02-01", "2020-12-01"]),
    })
    frame = churn_durations(customers, "2020-12-31", threshold_days=90, period_days=1.0)
    # old: churned; its lifetime ends at its last purchase (31 days), not when the rule noticed it
    # (31 + 90: the threshold would be added to every lifetime); recent: censored at 365 days
    assert frame["event"].tolist() == [1, 0]
    assert frame["duration"].tolist() == [31.0, 365.0]


def test_churn_rule_median_does_not_equal_the_threshold():
    """Issue 13 item 3: with lifetimes dated at last purchase + threshold, the Kaplan–Meier median
    equalled the threshold for every threshold. Here five of nine customers are one-time buyers who
    churned: the median lifetime is 0 days under every threshold that counts them as churned."""
    from analysis.retention.churn import threshold_sensitivity

    first = pd.Timestamp("2020-01-01")
    customers = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(9)],
        "first_purchase": [first] * 9,
        # five one-time buyers, four who bought again 10, 20, 30 and 300 days later
        "last_purchase": [first] * 5 + [first + pd.Timedelta(days=d) for d in (10, 20, 30, 300)],
    })
    table = threshold_sensitivity(customers, "2020-12-31", [60, 90, 200], period_days=1.0)
    medians = table["median_lifetime"].tolist()
    assert medians == [0.0, 0.0, 0.0]
    assert medians != table["threshold_days"].astype(float).tolist()


def test_rule_beside_p_alive_counts_every_customer(cdnow_sample_clean, cdnow_sample_summary):
    from analysis.retention.settings import RetentionSettings
    from analysis.retention.study import run_retention_transactions

    customers = cdnow_sample_summary.copy()
    # a stand-in P(alive): high for recent buyers, low for the others
    customers["p_alive"] = np.where(customers["last_purchase"] >= "1998-01-01", 0.9, 0.1)
    study = run_retention_transactions(cdnow_sample_clean.transactions, customers, RetentionSettings(),
                                       period="week", observation_end="1998-06-30", calibration_end="1997-09-30")
    agreement = study.results["rule_vs_p_alive"]
    total = sum(sum(row.values()) for row in agreement["table"].values())
    assert total == len(customers) == 2357
    churned = study.results["churn_rule"]["share_churned"]
    assert 0 < churned < 1 and 0 <= agreement["churned_with_low_p_alive"] <= 1


def test_rule_by_p_alive_counts_match_a_crosstab_of_labels():
    from analysis.retention.study import P_ALIVE_BANDS, _rule_by_p_alive

    rng = np.random.default_rng(5)
    # band edges included on purpose: a band holds its upper edge, the first band also 0
    p_alive = np.concatenate([rng.random(5000), [0.0, 0.25, 0.5, 0.75, 1.0] * 3])
    churned = rng.random(p_alive.size) < 0.4
    bands = pd.cut(p_alive, [0, 0.25, 0.5, 0.75, 1.0], include_lowest=True, labels=P_ALIVE_BANDS)
    status = np.where(churned, "churned by the rule", "active (censored)")
    expected = pd.crosstab(pd.Series(status, name="rule"), pd.Series(bands, name="P(alive)"))
    table = _rule_by_p_alive(churned, p_alive)
    assert list(table) == list(expected.index)
    for row in expected.index:
        assert table[row] == {str(k): int(v) for k, v in expected.loc[row].items()}
    # a band nobody falls in is left out, as in a crosstab
    assert _rule_by_p_alive(np.array([False, False, True]), np.array([0.6, 0.9, 0.3])) == {
        "active (censored)": {"25–50%": 0, "50–75%": 1, "≥75%": 1},
        "churned by the rule": {"25–50%": 1, "50–75%": 0, "≥75%": 0},
    }


def test_cox_on_a_seeded_sample_when_customers_exceed_the_cap(cdnow_sample_clean, cdnow_sample_summary):
    from analysis.narrative.retention import _hr_sentence
    from analysis.retention.settings import RetentionSettings
    from analysis.retention.study import run_retention_transactions

    def cox(cap):
        study = run_retention_transactions(cdnow_sample_clean.transactions, cdnow_sample_summary,
                                           RetentionSettings(cox_max_customers=cap), period="week",
                                           observation_end="1998-06-30")
        return study.results["cox"]

    full, sampled, again = cox(10_000), cox(1_000), cox(1_000)
    assert full["sample"] is None and full["n"] > 1_000
    assert sampled["sample"] == {"customers": 1_000, "of": full["n"]}
    assert sampled["n"] == 1_000 and sampled["events"] < full["events"]
    assert sampled == again  # seeded: the same customers every run
    assert any("random sample of 1,000" in line for line in _hr_sentence(sampled))
    # same model on a subsample: the first-value hazard ratio agrees within its interval
    first = {r["term"]: r for r in full["hazard_ratios"]}["log_first_value"]
    part = {r["term"]: r for r in sampled["hazard_ratios"]}["log_first_value"]
    assert part["lower"] < first["hazard_ratio"] < part["upper"]


def test_cox_design_from_categorical_columns_is_patsys_own():
    """The Cox formula's C() hands a pandas Categorical to patsy as it is (its fast path): the
    design matrix, its column names and so the fit are bit for bit those of patsy's own C(), for a
    Categorical column and for a plain string one."""
    from statsmodels.duration.hazard_regression import PHReg

    from analysis.retention.survival import _categorical_term

    rng = np.random.default_rng(5)
    n = 600
    data = pd.DataFrame({
        "duration": rng.exponential(10, n).round(1), "event": (rng.random(n) < 0.7).astype(int),
        "value": rng.normal(size=n),
        "cohort": pd.Categorical(rng.choice(["2020-03", "2020-01", "2020-02"], n),
                                 categories=["2020-03", "2020-01", "2020-02"]),
        "segment": rng.choice(["b", "a", "c"], n),
    })
    formula = "duration ~ value + C(cohort) + C(segment)"
    plain = PHReg.from_formula(formula, data=data, status=data["event"].to_numpy(), ties="efron")
    fast = PHReg.from_formula(formula, data=data, status=data["event"].to_numpy(), ties="efron",
                              eval_env={"C": _categorical_term})
    assert fast.exog_names == plain.exog_names == [
        "C(cohort)[T.2020-01]", "C(cohort)[T.2020-02]", "C(segment)[T.b]", "C(segment)[T.c]", "value"]
    assert np.array_equal(fast.exog, plain.exog)
    assert np.array_equal(fast.fit().params, plain.fit().params)
