"""The Grambsch–Therneau proportional-hazards test against a first-principles computation written
here: Newton on the Breslow partial likelihood over explicit risk sets, the risk-set expected
covariates, the information matrix, a Kaplan–Meier by hand, and the test statistics of Grambsch &
Therneau (1994) in their scaled-residual form. Agreement to 1e-6."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg

from analysis.retention.ph_test import proportional_hazards_test, scaled_schoenfeld_residuals

TELCO = Path("/work/shared/datasets/telco_churn/Telco-Customer-Churn.csv")


def first_principles(time, status, X, transform):
    """β̂, its covariance and the GT test from risk sets (Breslow ties), no library survival code."""
    time, status, X = np.asarray(time, float), np.asarray(status, int), np.asarray(X, float)
    p = X.shape[1]
    event_times = np.unique(time[status == 1])

    def risk_set_moments(beta, t):
        at_risk = time >= t
        w = np.exp(X[at_risk] @ beta)
        mean = w @ X[at_risk] / w.sum()
        second = (X[at_risk] * w[:, None]).T @ X[at_risk] / w.sum()
        return mean, second - np.outer(mean, mean)

    beta = np.zeros(p)
    for _ in range(100):
        score, information = np.zeros(p), np.zeros((p, p))
        for t in event_times:
            dying = (time == t) & (status == 1)
            mean, covariance = risk_set_moments(beta, t)
            score += X[dying].sum(axis=0) - dying.sum() * mean
            information += dying.sum() * covariance
        step = np.linalg.solve(information, score)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-13:
            break
    cov = np.linalg.inv(information)

    rows = np.flatnonzero(status == 1)
    expected_covariates = {t: risk_set_moments(beta, t)[0] for t in event_times}
    schoenfeld = np.array([X[i] - expected_covariates[time[i]] for i in rows])
    d = len(rows)
    if transform == "km":
        survival_before, survival = {}, 1.0
        for t in event_times:  # S(t−): the product over event times strictly before t
            survival_before[t] = survival
            survival *= 1 - np.sum((time == t) & (status == 1)) / np.sum(time >= t)
        g = np.array([1 - survival_before[time[i]] for i in rows])
    elif transform == "rank":
        g = stats.rankdata(time[rows])
    else:
        g = time[rows]
    scaled = beta + d * schoenfeld @ cov
    centred = g - g.mean()
    per_term = [np.sum(centred * scaled[:, j]) ** 2 / (d * cov[j, j] * np.sum(centred ** 2)) for j in range(p)]
    u = np.sum(centred[:, None] * schoenfeld, axis=0)
    overall = u @ cov @ u * d / np.sum(centred ** 2)
    rho = [stats.pearsonr(g, scaled[:, j])[0] for j in range(p)]
    return beta, cov, np.array(per_term), overall, np.array(rho), scaled


@pytest.fixture(scope="module")
def simulated():
    # the binary group's hazard ratio fades over time (Weibull shapes 1.6 vs 0.8): a PH violation
    rng = np.random.default_rng(1994)
    n = 300
    group = rng.integers(0, 2, n).astype(float)
    score = rng.normal(size=n)
    shape = np.where(group == 1, 0.8, 1.6)
    event_time = (rng.exponential(size=n) / np.exp(0.5 * score)) ** (1 / shape) * 10
    censor_time = rng.uniform(2, 25, n)
    time = np.minimum(event_time, censor_time)
    status = (event_time <= censor_time).astype(int)
    return time, status, np.column_stack([group, score])


@pytest.mark.parametrize("transform", ["km", "rank", "identity"])
def test_equals_first_principles_on_simulated_data(simulated, transform):
    time, status, X = simulated
    fit = PHReg(time, X, status=status, ties="breslow").fit()
    beta, cov, per_term, overall, rho, scaled = first_principles(time, status, X, transform)
    assert np.max(np.abs(fit.params - beta)) < 1e-6
    assert np.max(np.abs(fit.cov_params() - cov)) < 1e-6
    table = proportional_hazards_test(fit, transform)
    assert np.max(np.abs(table["chisq"].to_numpy() - np.append(per_term, overall))) < 1e-6
    assert np.max(np.abs(table["rho"].to_numpy()[:-1] - rho)) < 1e-6
    assert table["df"].tolist() == [1, 1, 2]
    residuals = scaled_schoenfeld_residuals(fit, transform)
    assert np.max(np.abs(residuals[["x1", "x2"]].to_numpy() - scaled)) < 1e-6
    if transform == "km":
        # the simulated fading effect is found; the continuous score (proportional) is not flagged
        assert table.loc["x1", "p_value"] < 0.01 and table.loc["x2", "p_value"] > 0.05


def test_equals_first_principles_on_telco_with_tied_months():
    if not TELCO.exists():
        pytest.skip(f"{TELCO} not available")
    telco = pd.read_csv(TELCO)
    telco = telco[telco["tenure"] > 0]
    time = telco["tenure"].to_numpy(float)
    status = (telco["Churn"] == "Yes").to_numpy(int)
    X = np.column_stack([telco["MonthlyCharges"].to_numpy(float) / 10, telco["SeniorCitizen"].to_numpy(float)])
    fit = PHReg(time, X, status=status, ties="breslow").fit()
    beta, cov, per_term, overall, rho, _ = first_principles(time, status, X, "km")
    table = proportional_hazards_test(fit)
    assert np.max(np.abs(fit.params - beta)) < 1e-6
    assert np.max(np.abs(fit.cov_params() - cov)) < 1e-6
    assert np.max(np.abs(table["chisq"].to_numpy() - np.append(per_term, overall))) < 1e-6
    assert np.max(np.abs(table["rho"].to_numpy()[:-1] - rho)) < 1e-6


def test_unknown_transform_and_weights_are_refused(simulated):
    time, status, X = simulated
    fit = PHReg(time, X, status=status).fit()
    with pytest.raises(ValueError, match="transform"):
        proportional_hazards_test(fit, "square")
    weighted = PHReg(time, X, status=status, weights=np.ones_like(time)).fit()
    with pytest.raises(ValueError, match="unweighted"):
        proportional_hazards_test(weighted)


def test_cox_model_reports_the_test_and_concordance():
    from analysis.retention import concordance_index, cox_model

    if not TELCO.exists():
        pytest.skip(f"{TELCO} not available")
    telco = pd.read_csv(TELCO)
    telco = telco[telco["tenure"] > 0].assign(churned=lambda d: (d["Churn"] == "Yes").astype(int))
    cox = cox_model(telco, "tenure", "churned", ["Contract", "MonthlyCharges"], ["Contract"])
    table = proportional_hazards_test(cox["fit"])
    assert [row["p_value"] for row in cox["ph_check"]] == table["p_value"].iloc[:-1].tolist()
    assert cox["ph_global"]["df"] == 3 and cox["ph_global"]["chisq"] == table.loc["GLOBAL", "chisq"]
    risk = cox["fit"].model.exog @ cox["fit"].params
    assert cox["concordance"] == concordance_index(telco["tenure"], telco["churned"], risk)
    # contract type separates churners well: Harrell's C far above 0.5
    assert cox["concordance"]["c"] > 0.7
