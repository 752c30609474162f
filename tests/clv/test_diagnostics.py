"""Diagnostics of fitted transaction models, and P(X(t) = x) of each model against an independent
numerical integration written here from the model's story.

CDNOW figures from ../shared/reference/published_values.md (2,357 customers, 1,882 holdout repeat
transactions) and FHL (2005a)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import gamma as gamma_function
from scipy.special import roots_jacobi

from analysis.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from analysis.clv.diagnostics import (
    expected_count_table,
    holdout_conditional_expectations,
    period_transactions,
    spend_independence,
    tracking,
)
from analysis.models.bgnbd import BetaGeoResults
from analysis.models.mbgnbd import ModifiedBetaGeoResults
from analysis.models.paretonbd import ParetoNBDResults


def _results(cls, names, values):
    """Results at given parameters, without a fit: a model without covariates, as the base expects."""
    from types import SimpleNamespace

    results = object.__new__(cls)
    results.params = pd.Series(values, index=names)
    results.model = SimpleNamespace(design=None, n_positive=len(values))
    return results


BGNBD = _results(BetaGeoResults, ["r", "alpha", "a", "b"], [0.243, 4.414, 0.793, 2.426])  # FHL 2005a
MBGNBD = _results(ModifiedBetaGeoResults, ["r", "alpha", "a", "b"], [0.525, 6.183, 0.891, 1.614])  # any values


def _mixed_over_lambda_and_p(params, x, t, given_lambda_and_p):
    """∫∫ P(X(t) = x | λ, p) g(λ; r, α) f(p; a, b): p by Gauss–Jacobi (the integrand is a polynomial
    in p), λ by adaptive quadrature after λ = w^(1/r), which removes the λ^(r−1) singularity."""
    r, alpha, a, b = params
    nodes, weights = roots_jacobi(40, b - 1, a - 1)
    p, wp = (nodes + 1) / 2, weights / weights.sum()

    def integrand(w):  # λ^(r−1) dλ = dw / r
        lam = w ** (1 / r)
        return np.sum(wp * given_lambda_and_p(lam, p)) * np.exp(-alpha * lam)

    constant = alpha ** r / (gamma_function(r) * r)
    value = integrate.quad(integrand, 0, np.inf, epsabs=1e-13, epsrel=1e-12, limit=400)[0]
    return constant * value


@pytest.mark.parametrize("t", [1.0, 27.0, 38.9])
def test_bgnbd_pmf_equals_integration_over_lambda_and_p(t):
    # given λ, p: (1 − p)^x Pois(x; λt) + [x > 0] p (1 − p)^(x−1) P(Pois(λt) ≥ x)
    for x in (0, 1, 4, 11):
        def story(lam, p, x=x):
            alive = (1 - p) ** x * stats.poisson.pmf(x, lam * t)
            dropped = p * (1 - p) ** (x - 1) * stats.poisson.sf(x - 1, lam * t) if x > 0 else 0.0
            return alive + dropped
        assert BGNBD.probability_of_purchases(x, t) == pytest.approx(
            _mixed_over_lambda_and_p(BGNBD.params, x, t, story), abs=1e-9)


@pytest.mark.parametrize("t", [1.0, 38.9])
def test_mbgnbd_pmf_equals_integration_over_lambda_and_p(t):
    # given λ, p: (1 − p)^(x+1) Pois(x; λt) + p (1 − p)^x P(Pois(λt) ≥ x) (dropout possible at time 0)
    for x in (0, 1, 4, 11):
        def story(lam, p, x=x):
            return (1 - p) ** (x + 1) * stats.poisson.pmf(x, lam * t) + p * (1 - p) ** x * stats.poisson.sf(x - 1, lam * t)
        assert MBGNBD.probability_of_purchases(x, t) == pytest.approx(
            _mixed_over_lambda_and_p(MBGNBD.params, x, t, story), abs=1e-9)


@pytest.mark.parametrize("params", [[0.553, 10.578, 0.606, 11.669], [0.553, 12.578, 0.606, 5.669]])
def test_paretonbd_pmf_equals_integration_over_the_death_time(params):
    # alive at t: NB(x; r, α/(α+t)) (β/(β+t))^s; dead at τ < t: ∫ NB(x; r, α/(α+τ)) · s/β (β/(β+τ))^(s+1) dτ
    # (λ and μ independent: the death-time density is the Pareto II mixture of exponentials)
    results = _results(ParetoNBDResults, ["r", "alpha", "s", "beta"], params)
    r, alpha, s, beta = params
    for t in (0.5, 27.0, 39.0):
        for x in range(0, 15, 2):
            alive = stats.nbinom.pmf(x, r, alpha / (alpha + t)) * (beta / (beta + t)) ** s
            dead = integrate.quad(lambda tau, x=x: stats.nbinom.pmf(x, r, alpha / (alpha + tau)) * s / beta
                                  * (beta / (beta + tau)) ** (s + 1), 0, t, epsabs=1e-14, epsrel=1e-12)[0]
            assert results.probability_of_purchases(x, t) == pytest.approx(alive + dead, abs=1e-12)
        pmf = results.probability_of_purchases(np.arange(400), t)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
        assert np.arange(400) @ pmf == pytest.approx(results.expected_purchases(t), rel=1e-9)


@pytest.fixture(scope="module")
def cdnow(cdnow_sample_summary):
    s = cdnow_sample_summary
    return {"x": s["frequency_cal"].astype(float).to_numpy(), "t_x": s["recency_cal"].to_numpy(float),
            "T": s["T_cal"].to_numpy(float), "m": s["monetary_value_cal"].to_numpy(float),
            "holdout": s["frequency_holdout"].astype(float).to_numpy(),
            "duration": float(s["duration_holdout"].iloc[0])}


@pytest.fixture(scope="module")
def cdnow_fits(cdnow):
    args = (cdnow["x"], cdnow["t_x"], cdnow["T"])
    return {"bgnbd": BetaGeo(*args).fit(), "mbgnbd": ModifiedBetaGeo(*args).fit(), "pnbd": ParetoNBD(*args).fit()}


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pnbd"])
def test_period_transactions_on_cdnow(cdnow, cdnow_fits, name):
    fit = cdnow_fits[name]
    result = period_transactions(fit, cdnow["x"], cdnow["T"], max_count=7)
    table = result.table
    # the cells hold all 2,357 customers, actual and expected
    assert table["actual"].sum() == 2357
    assert table["expected"].sum() == pytest.approx(2357, abs=1e-6)
    # expected counts: Σ over all customers (not per distinct T) of P(X(T_i) = x)
    one_by_one = [float(np.sum(fit.probability_of_purchases(np.full(cdnow["T"].size, k), cdnow["T"]))) for k in range(3)]
    assert np.allclose(table["expected"].to_numpy()[:3], one_by_one, rtol=1e-10)
    assert table["actual"].tolist()[:2] == [float(np.sum(cdnow["x"] == 0)), float(np.sum(cdnow["x"] == 1))]
    # Pearson's χ² on the pooled cells equals scipy's, with 4 parameters estimated
    assert result.pooled["expected"].min() >= 5
    reference = stats.chisquare(result.pooled["actual"], result.pooled["expected"], ddof=4)
    assert result.chisq == pytest.approx(reference.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert result.df == len(result.pooled) - 1 - 4


def test_pooling_merges_sparse_cells_from_the_top():
    results = _results(BetaGeoResults, ["r", "alpha", "a", "b"], [0.243, 4.414, 0.793, 2.426])
    T = np.full(60, 39.0)  # few customers: the upper cells hold fewer than 5 expected
    x = np.array([0] * 40 + [1] * 8 + [2] * 5 + [3] * 3 + [5] * 2 + [9] * 2, float)
    result = period_transactions(results, x, T, max_count=7)
    expected = expected_count_table(results, T, 7)
    assert result.pooled["expected"].sum() == pytest.approx(60, abs=1e-9)
    assert (result.pooled["expected"] >= 5).all()
    assert result.pooled["purchases"].iloc[0] == "0" and expected[0] >= 5
    assert result.pooled["actual"].sum() == 60


def test_tracking_equals_customer_by_customer_sums():
    starts = np.array([0.0, 0.0, 2.5, 4.0, 10.0])
    repeats = np.array([1.0, 3.2, 3.2, 6.9, 11.0, 11.5, 14.0])
    frame = tracking(BGNBD, starts, repeats, n_periods=15, calibration_end=8.0)
    for k in range(1, 16):
        row = frame.iloc[k - 1]
        expected = sum(float(BGNBD.expected_purchases(max(k - s, 0.0))) for s in starts)
        assert row["expected_cumulative"] == pytest.approx(expected, rel=1e-12)
        assert row["actual_cumulative"] == np.sum(repeats <= k)
        assert row["holdout"] == (k > 8)
    assert frame["actual_incremental"].sum() == 7
    assert np.allclose(frame["expected_incremental"].cumsum(), frame["expected_cumulative"])


def test_holdout_conditional_expectations_on_cdnow(cdnow, cdnow_fits):
    fit = cdnow_fits["bgnbd"]
    result = holdout_conditional_expectations(fit, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["holdout"],
                                              cdnow["duration"])
    # 1,882 repeat transactions in the 39-week holdout (published_values.md)
    assert result["actual_total"] == 1882
    direct = np.sum(fit.conditional_expected_purchases(cdnow["duration"], cdnow["x"], cdnow["t_x"], cdnow["T"]))
    assert result["expected_total"] == pytest.approx(direct, rel=1e-12)
    assert result["relative_error"] == pytest.approx(direct / 1882 - 1, rel=1e-12)
    by_frequency = result["by_frequency"]
    assert by_frequency["customers"].sum() == 2357
    assert by_frequency["frequency"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]


def test_spend_independence_on_cdnow(cdnow):
    result = spend_independence(cdnow["x"], cdnow["m"])
    # FHL (2005b) / Fader & Hardie note 025: 946 repeat buyers; a weak correlation (0.11), accepted
    assert result["n"] == 946
    repeat = cdnow["x"] > 0
    assert result["pearson"] == pytest.approx(stats.pearsonr(cdnow["x"][repeat], cdnow["m"][repeat])[0], abs=1e-12)
    assert round(result["pearson"], 2) == 0.11
    assert result["verdict"] == "independent"
    GammaGamma(cdnow["x"][repeat], cdnow["m"][repeat])  # the data the verdict is about


def test_spend_independence_verdicts_can_differ():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 20, 2000).astype(float)
    dependent = spend_independence(x, np.exp(0.08 * x + rng.normal(0, 0.3, x.size)))
    assert dependent["verdict"] == "dependent" and dependent["spearman"] > 0.3
    few = spend_independence(x[:25], rng.gamma(2, 10, 25))
    assert few["verdict"] == "cannot tell"
    assert spend_independence(x[:10], rng.gamma(2, 10, 10))["verdict"] == "cannot tell"


def test_report_sentences_follow_the_diagnostics():
    from analysis.core.i18n import set_language
    from analysis.narrative.clv import _diagnostic_sentences

    set_language("en")
    table = [{"purchases": str(k), "actual": 1.0, "expected": 1.0} for k in range(8)]
    spend = {"n": 946, "spearman": 0.21, "spearman_ci": [0.14, 0.27], "pearson": 0.11, "verdict": "independent"}
    clv = {"diagnostics": {"period_transactions": {
        "bgnbd": {"table": table, "chisq": 4.82, "df": 3, "p_value": 0.185},
        "paretonbd": {"table": table, "chisq": 11.99, "df": 3, "p_value": 0.0074}}, "spend_independence": spend}}
    text = " ".join(_diagnostic_sentences(clv))
    assert "reject Pareto/NBD" in text and "reject BG/NBD" not in text
    assert "as the Gamma-Gamma model assumes" in text
    clv["diagnostics"]["period_transactions"]["paretonbd"]["p_value"] = 0.2
    clv["diagnostics"]["spend_independence"]["verdict"] = "dependent"
    text = " ".join(_diagnostic_sentences(clv))
    assert "consistent with the actual ones" in text and "reject" not in text
    assert "against the Gamma-Gamma model's assumption" in text
    # no degrees of freedom left: no χ² sentence at all
    clv["diagnostics"]["period_transactions"] = {"bgnbd": {"table": table, "chisq": 1.0, "df": 0, "p_value": None}}
    assert "χ²" not in " ".join(_diagnostic_sentences(clv))
