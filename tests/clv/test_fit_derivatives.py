"""The analytic derivatives behind the fits (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma): the score
equals a numerical derivative of the log-likelihood, the Hessian a numerical derivative of that
score, at the CDNOW estimates and at extreme parameter values; and the standard errors equal those
of a numerical Hessian of the log-likelihood (how they were computed before the analytic Hessians).
(Pareto/NBD: its Hessian is the central-difference derivative of its analytic score; the score's
derivatives in r and s are checked against mpmath in test_paretonbd_orders.py.)

Oracle: statsmodels' central differences (``approx_fprime``, ``approx_hess3``), whose own error at
these step sizes is about 1e-7 relative for the gradient and 1e-5 for the Hessian of the
log-likelihood; the Hessian is checked against central differences of the analytic score (error
about 1e-7 of the curvatures involved, as the asymmetry of the numerical one shows), so a wrong
second-derivative term fails."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tools.numdiff import approx_fprime, approx_hess3

from analysis.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD

# natural-scale parameters: the published CDNOW estimates, then near-zero, large and mixed values
TRANSACTION_POINTS = [(0.243, 4.414, 0.793, 2.426), (0.01, 0.05, 0.002, 50.0), (20.0, 300.0, 40.0, 0.05),
                      (1.0, 1.0, 1.0, 1.0), (3.0, 0.2, 0.3, 400.0)]
PARETO_POINTS = [(0.553, 10.578, 0.606, 11.669), (0.05, 0.2, 0.01, 0.5), (5.0, 100.0, 8.0, 300.0),
                 (1.0, 1.0, 1.0, 1.0), (0.5, 50.0, 3.0, 2.0)]
SPEND_POINTS = [(6.25, 3.74, 15.44), (0.01, 0.5, 0.01), (300.0, 200.0, 5000.0), (1.0, 1.0, 1.0)]


@pytest.fixture(scope="module")
def calibration(cdnow_sample_summary):
    s = cdnow_sample_summary
    return (s["frequency_cal"].astype(float).to_numpy(), s["recency_cal"].to_numpy(),
            s["T_cal"].to_numpy(), s["monetary_value_cal"].to_numpy())


def _relative_gap(analytic, numerical):
    return float(np.max(np.abs(analytic - numerical) / (1 + np.abs(numerical))))


def _hessian_gap(analytic, numerical):
    """Largest gap of an entry relative to its scale √|H_jj H_kk| (a difference quotient's error
    is relative to the largest curvature involved, not to a small off-diagonal entry)."""
    scale = np.sqrt(np.outer(np.abs(np.diag(numerical)), np.abs(np.diag(numerical))))
    return float(np.max(np.abs(analytic - numerical) / (1 + scale)))


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
@pytest.mark.parametrize("point", TRANSACTION_POINTS)
def test_transaction_score_and_hessian_match_numerical_derivatives(calibration, model_class, point):
    x, t_x, T, _ = calibration
    model = model_class(x, t_x, T)
    log_params = np.log(point)
    score = model.score(log_params)
    hessian = model.hessian(log_params)
    assert _relative_gap(score, approx_fprime(log_params, model.loglike, centered=True)) < 1e-6
    assert _hessian_gap(hessian, approx_fprime(log_params, model.score, centered=True)) < 1e-5
    assert np.array_equal(hessian, hessian.T)


@pytest.mark.parametrize("point", PARETO_POINTS)
def test_paretonbd_score_and_hessian_match_numerical_derivatives(calibration, point):
    x, t_x, T, _ = calibration
    model = ParetoNBD(x, t_x, T)
    log_params = np.log(point)
    assert _relative_gap(model.score(log_params), approx_fprime(log_params, model.loglike, centered=True)) < 1e-6
    # both sides are central differences of the same analytic score
    assert _hessian_gap(model.hessian(log_params), approx_fprime(log_params, model.score, centered=True)) < 1e-5


@pytest.mark.parametrize("point", SPEND_POINTS)
def test_spend_score_and_hessian_match_numerical_derivatives(calibration, point):
    x, _, _, m = calibration
    repeat = x > 0
    model = GammaGamma(x[repeat], m[repeat])
    log_params = np.log(point)
    assert _relative_gap(model.score(log_params), approx_fprime(log_params, model.loglike, centered=True)) < 1e-6
    assert _hessian_gap(model.hessian(log_params), approx_fprime(log_params, model.score, centered=True)) < 1e-5


def test_weighted_rows_give_the_derivatives_of_the_customers(calibration):
    """Rows compressed with weights: the same score and Hessian as one row per customer."""
    x, t_x, T, _ = calibration
    log_params = np.log(TRANSACTION_POINTS[0])
    compressed, per_customer = BetaGeo(x, t_x, T), BetaGeo(x, t_x, T, compress=False)
    assert len(compressed.freq_weights) < len(per_customer.freq_weights)
    np.testing.assert_allclose(compressed.score(log_params), per_customer.score(log_params), rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(compressed.hessian(log_params), per_customer.hessian(log_params), rtol=1e-10)


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo, ParetoNBD, GammaGamma])
def test_standard_errors_equal_those_of_a_numerical_hessian(calibration, model_class):
    """At the CDNOW estimates the analytic Hessian gives the standard errors a numerical Hessian
    of the log-likelihood gives, to 1e-4 relative (the numerical Hessian's own accuracy)."""
    x, t_x, T, m = calibration
    repeat = x > 0
    model = GammaGamma(x[repeat], m[repeat]) if model_class is GammaGamma else model_class(x, t_x, T)
    fit = model.fit()
    log_params = fit.log_params.to_numpy()
    numerical = approx_hess3(log_params, model.loglike)
    log_se = np.sqrt(np.diag(np.linalg.inv(-numerical)))
    np.testing.assert_allclose(fit.bse.to_numpy(), fit.params.to_numpy() * log_se, rtol=1e-4)


@pytest.mark.parametrize("point", SPEND_POINTS)
def test_spend_loglik_per_distinct_frequency_is_the_formula(calibration, point):
    """The fit's log-likelihood (gamma functions once per distinct frequency) is FHL (2005b)'s
    per-customer formula, ``gammagamma_loglik``, to rounding."""
    from analysis.models.gammagamma import gammagamma_loglik

    x, _, _, m = calibration
    repeat = x > 0
    model = GammaGamma(x[repeat], m[repeat])
    rows = model.data_columns
    np.testing.assert_allclose(model._loglik(np.array(point)),
                               gammagamma_loglik(point, rows["frequency"], rows["monetary_value"]), rtol=1e-12)
