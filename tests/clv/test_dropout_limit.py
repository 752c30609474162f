"""The Pareto/NBD's exponential-dropout limit (s, β → ∞ with s/β = μ) and the fit that recognises it.

Oracles: mpmath's generalised exponential integral (arbitrary precision) for E_p; the Pareto/NBD's
own likelihood and predictions, which converge to the limit's as s grows with s/β fixed (the
gap shrinks like 1/s: the dropout rates' variance is μ²/s); and a simulated log whose dropout rate
is the same for every customer (s = 10^4, s/β = 0.02, as in benchmarks/bench_paretonbd.py)."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from analysis.clv import ParetoNBD
from analysis.models.exponential_dropout import (
    ExponentialDropoutNBD,
    ExponentialDropoutNBDResults,
    exponential_dropout_loglik,
    log_expint,
)
from analysis.models.paretonbd import S_AT_LIMIT, ParetoNBDResults, paretonbd_loglik
from analysis.models.simulate import simulate_paretonbd

# a small set of customers: no purchase, a few, many, a last purchase at T, a short T
X = np.array([0.0, 0.0, 1, 3, 10, 40, 2, 7])
T_X = np.array([0.0, 0.0, 5, 20, 30, 38.5, 39, 3])
T = np.array([39.0, 10, 39, 39, 39, 39, 39, 4])
R, ALPHA, MU = 0.8, 4.0, 0.02


def test_log_expint_matches_mpmath():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    orders = [0.05, 0.3, 0.95, 1.0, 1.0 + 1e-12, 1.0001, 1.5, 1.9999, 2.0001, 3.2, 9.99, 15.5, 29.9, 30.1, 50.3, 200.8]
    arguments = [1e-8, 1e-3, 0.02, 0.3, 1.0, 2.49, 2.51, 4.0, 10.0, 50.0, 300.0]
    p, z = (grid.ravel() for grid in np.meshgrid(orders, arguments))
    exact = np.array([float(mpmath.log(mpmath.expint(mpmath.mpf(a), mpmath.mpf(b)))) for a, b in zip(p, z)])
    np.testing.assert_allclose(log_expint(p, z), exact, rtol=1e-11, atol=1e-11)


def test_log_expint_special_cases():
    from scipy.special import exp1, expn

    z = np.array([1e-6, 0.5, 2.0, 7.0, 40.0])
    np.testing.assert_allclose(log_expint(1.0, z), np.log(exp1(z)), rtol=1e-13)
    np.testing.assert_allclose(log_expint(5.0, z), np.log(expn(5, z)), rtol=1e-13)
    # 1/(z + p) < e^z E_p(z) ≤ 1/(z + p − 1) (A&S 5.1.19): no underflow at z = 800
    assert -800 - np.log(803) < log_expint(3.0, 800.0) < -800 - np.log(802)
    assert -800 - np.log(803.5) < log_expint(3.5, 800.0) < -800 - np.log(802.5)


@pytest.mark.parametrize("s", [10.0, 30.0, 100.0])
def test_limit_loglik_is_the_paretonbd_loglik_as_s_grows(s):
    limit = exponential_dropout_loglik((R, ALPHA, MU), X, T_X, T)
    pareto = paretonbd_loglik((R, ALPHA, s, s / MU), X, T_X, T)
    # the gap shrinks like 1/s (0.029 at s = 10 for these customers)
    assert np.max(np.abs(pareto - limit)) < 0.5 / s
    assert np.max(np.abs(pareto - limit)) > 0.05 / s  # not identical: the test can see a difference


def _results(results_class, model, params):
    """Results of ``model`` at the given natural-scale parameters, without a fit (predictions only)."""
    results = object.__new__(results_class)
    results.model = model
    results.params = pd.Series(params, index=list(model.param_names))
    return results


def _paretonbd_results(params):
    return _results(ParetoNBDResults, ParetoNBD(X, T_X, T), params)


def _limit_results():
    return _results(ExponentialDropoutNBDResults, ExponentialDropoutNBD(X, T_X, T), [R, ALPHA, MU])


def test_limit_predictions_are_the_paretonbd_predictions_at_large_s():
    limit = _limit_results()
    # closed forms: at s = 10^6 the Pareto/NBD's expectations equal the limit's to 1e-5
    huge = _paretonbd_results([R, ALPHA, 1e6, 1e6 / MU])
    for t in (1.0, 39.0, 104.0):
        assert huge.expected_purchases(t) == pytest.approx(limit.expected_purchases(t), rel=1e-5)
        np.testing.assert_allclose(huge.expected_purchases_while_alive(t, X, T),
                                   limit.expected_purchases_while_alive(t, X, T), rtol=1e-5)
    # P(alive) and P(X(t) = x) need the hypergeometric function, which fails beyond s ≈ 200: the
    # relative gap at s = 30 and 100 shrinks like 1/s (0.4% at s = 100 for these customers)
    def gap(pareto_value, limit_value):
        return float(np.max(np.abs(pareto_value / limit_value - 1)))

    gaps = {}
    for s in (30.0, 100.0):
        pareto = _paretonbd_results([R, ALPHA, s, s / MU])
        gaps[s] = (gap(pareto.probability_alive(X, T_X, T), limit.probability_alive(X, T_X, T)),
                   gap(pareto.conditional_expected_purchases(39.0, X, T_X, T),
                       limit.conditional_expected_purchases(39.0, X, T_X, T)),
                   gap(pareto.probability_of_purchases(np.arange(8.0), 39.0),
                       limit.probability_of_purchases(np.arange(8.0), 39.0)))
    for at_30, at_100 in zip(gaps[30.0], gaps[100.0]):
        assert at_100 < 1 / 100
        assert at_30 / at_100 == pytest.approx(100 / 30, rel=0.15)
    # the probabilities of 0, 1, … purchases of a new customer add up to 1
    assert limit.probability_of_purchases(np.arange(400.0), 39.0).sum() == pytest.approx(1.0, abs=1e-9)


@pytest.fixture(scope="module")
def ridge_log():
    """2,446 customers with one dropout rate for all (s = 10^4, s/β = 0.02 a week): the shape of the
    grocery log of issue 15 (benchmarks/bench_paretonbd.py, ridge case)."""
    rng = np.random.default_rng(15)
    T_obs = np.floor(rng.uniform(26, 52, 2446) * 7) / 7
    x, t_x, T_obs = simulate_paretonbd(2446, 0.8, 4.0, 1e4, 5e5, T=T_obs, seed=15)
    return x, np.floor(t_x * 7) / 7, T_obs


def test_paretonbd_fit_on_the_ridge_reports_the_boundary(ridge_log):
    x, t_x, T_obs = ridge_log
    began = time.perf_counter()
    fit = ParetoNBD(x, t_x, T_obs).fit()
    seconds = time.perf_counter() - began
    limit = ExponentialDropoutNBD(x, t_x, T_obs).fit()
    assert fit.dropout_limit is not None and fit.at_boundary == ["s"] and fit.converged
    # the true dropout rate 0.02 within three standard errors, and the limit's own estimates
    mu, se = fit.dropout_limit["mu"], fit.dropout_limit["se"]
    assert abs(mu - 0.02) < 3 * se and 0 < se < 0.002
    np.testing.assert_allclose([fit.params["r"], fit.params["alpha"], mu], limit.params.to_numpy(), rtol=1e-4)
    assert fit.llf == pytest.approx(limit.llf, abs=1e-6) and fit.k_free == 3
    assert fit.params["s"] == S_AT_LIMIT and fit.params["s"] / fit.params["beta"] == pytest.approx(mu, rel=1e-12)
    # the boundary is a maximum: no heterogeneity direction goes up, and the Pareto/NBD met no better point
    assert fit.dropout_limit["heterogeneity_score"] < 0
    assert fit.dropout_limit["loglik_pareto_nbd"] <= fit.llf + fit.dropout_limit["tolerance"]
    # predictions are the limit model's
    np.testing.assert_allclose(fit.conditional_expected_purchases(39.0, x[:50], t_x[:50], T_obs[:50]),
                               limit.conditional_expected_purchases(39.0, x[:50], t_x[:50], T_obs[:50]), rtol=1e-4)
    # results.json gets finite numbers (s has no standard error or interval)
    record = fit.to_dict()
    json.dumps(record, allow_nan=False)
    assert record["se"]["s"] is None and record["ci"]["s"] is None and record["at_boundary"] == ["s"]
    assert record["dropout_limit"]["mu"] == mu
    # the point of recognising the ridge: it used to take > 30 s and end with BFGS warnflag 2
    assert seconds < 20


def test_paretonbd_with_heterogeneous_dropout_is_not_at_the_boundary(cdnow_sample_summary):
    s = cdnow_sample_summary
    fit = ParetoNBD(s["frequency_cal"].astype(float), s["recency_cal"], s["T_cal"]).fit()
    assert fit.dropout_limit is None and fit.at_boundary == [] and fit.params["s"] == pytest.approx(0.606, abs=5e-4)


def test_the_clv_study_reads_a_fit_at_the_boundary(ridge_log):
    """What the CLV study does with a fit (src/analysis/clv/study.py): fit table, period-transaction
    check, parameter and prediction intervals, all finite at the boundary; s is held at its value
    (at_boundary) while β, hence μ = s/β, is drawn."""
    from analysis.clv.diagnostics import period_transactions
    from analysis.clv.study import _fit_transactions, customer_intervals, poorly_determined

    x, t_x, T_obs = ridge_log
    fits, failed = _fit_transactions(["paretonbd"], x, t_x, T_obs)
    fit = fits["paretonbd"]
    assert not failed and fit.dropout_limit is not None
    assert poorly_determined(fit) == ["s"]
    table = period_transactions(fit, x, T_obs, max_count=7)
    # expected counts of customers with 0, 1, …, 7+ repeat purchases add up to the customers
    assert table.table["expected"].sum() == pytest.approx(len(x), rel=1e-6)
    assert np.isfinite(table.chisq)
    columns, summary = customer_intervals(fit, 39.0, x[:200], t_x[:200], T_obs[:200], n_draws=50)
    assert summary["parameter_interval"] and summary["prediction_interval"] and summary["held_at_estimate"] == ["s"]
    assert np.all(np.isfinite(columns.to_numpy()))
    assert np.all(columns["expected_purchases_parameter_lower"] < columns["expected_purchases_parameter_upper"])


def test_the_chapter_reports_a_fit_at_the_boundary_as_its_limit():
    """At s → ∞ the text gives μ = s/β with its SE, not s = 1,000,000 (SE n/a); an interior fit gets
    no boundary note."""
    from analysis.core.i18n import set_language
    from analysis.narrative.clv import _boundary_note, _params

    set_language("en")
    fit = {"params": {"r": 0.8, "alpha": 4.0, "s": 1e6, "beta": 5e7}, "se": {"r": 0.05, "alpha": 0.3},
           "at_boundary": ["s"], "dropout_limit": {"mu": 0.0190, "se": 0.0008}}
    text = _params(fit, "paretonbd") + _boundary_note(fit)
    assert "s → ∞ with s/beta = mu = 0.0190 (SE 0.0008)" in text and "1,000,000" not in text
    assert "no spread in dropout rates" in text
    interior = {"params": {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7},
                "se": {"r": 0.05, "alpha": 0.8, "s": 0.2, "beta": 6.0}, "at_boundary": []}
    assert _boundary_note(interior) == "" and "s = 0.610 (SE 0.200)" in _params(interior, "paretonbd")
