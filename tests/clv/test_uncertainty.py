"""Per-customer uncertainty: parameter draws, PARAMETER intervals (how well the model is
estimated; checked against the delta method) and PREDICTION intervals (the purchasing process's
own randomness; checked by their coverage of simulated holdout purchases)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.tools.numdiff import approx_fprime

from analysis.clv import BetaGeo, ParetoNBD
from analysis.models.simulate import simulate_bgnbd, simulate_paretonbd

BGNBD_TRUE = (0.243, 4.414, 0.793, 2.426)  # FHL (2005a) CDNOW estimates
PARETO_TRUE = (0.553, 10.578, 0.606, 11.669)


@pytest.fixture(scope="module")
def cdnow_fits(cdnow_sample_summary):
    s = cdnow_sample_summary
    args = (s["frequency_cal"].astype(float).to_numpy(), s["recency_cal"].to_numpy(), s["T_cal"].to_numpy())
    return args, BetaGeo(*args).fit(), ParetoNBD(*args).fit()


def test_sample_params_follow_the_fitted_normal_on_the_fitting_scale(cdnow_fits):
    _, bg, _ = cdnow_fits
    draws = bg.sample_params(20_000, seed=1)
    assert np.array_equal(draws, bg.sample_params(20_000, seed=1))
    assert np.array_equal(draws, bg.sample_params(20_000, np.random.default_rng(1)))
    logs = np.log(draws)
    se = np.sqrt(np.diag(bg.cov_log_params))
    # mean within 4 Monte Carlo standard errors, covariance within 5%
    assert np.all(np.abs(logs.mean(axis=0) - bg.log_params.to_numpy()) < 4 * se / np.sqrt(20_000))
    assert np.allclose(np.cov(logs.T), bg.cov_log_params.to_numpy(), rtol=0.05, atol=0.05 * se.max() ** 2)


def test_sample_params_leave_coefficients_on_their_own_scale():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"noise": rng.normal(size=2000)})
    x, t_x, T = simulate_bgnbd(2000, *BGNBD_TRUE, T=39.0, seed=4)
    fitted = BetaGeo(x, t_x, T, covariates=frame, dropout_covariates=[]).fit()
    draws = fitted.sample_params(5000, seed=5)
    coefficient = draws[:, 4]
    assert (coefficient < 0).any() and (coefficient > 0).any()  # a coefficient near 0 is not exponentiated
    assert coefficient.std() == pytest.approx(fitted.bse["alpha:noise"], rel=0.05)


@pytest.mark.parametrize("which, prediction, args", [
    (1, "probability_alive", ()),
    (1, "conditional_expected_purchases", (39.0,)),
    (2, "conditional_expected_purchases", (39.0,)),
    (2, "future_probability_alive", (10.0,)),
])
def test_parameter_interval_agrees_with_the_delta_method(cdnow_fits, which, prediction, args):
    fitted = cdnow_fits[which]
    customers = [(0.0, 0.0, 38.86), (2.0, 30.43, 38.86), (7.0, 37.0, 38.0)]
    x, t_x, T = (np.array(c) for c in zip(*customers))
    interval = fitted.parameter_interval(prediction, *args, x, t_x, T, alpha=0.05, n_draws=2000, seed=7)
    point = getattr(fitted, prediction)(*args, x, t_x, T)
    assert np.array_equal(interval["estimate"].to_numpy(), point)
    assert np.all((interval["lower"] <= point) & (point <= interval["upper"]))

    # delta method on the fitting (log) scale: se = sqrt(g' Σ g), g by central differences
    def prediction_at(log_params, i):
        return getattr(fitted.with_params(np.exp(log_params)), prediction)(*args, x[i:i + 1], t_x[i:i + 1], T[i:i + 1])[0]

    for i in range(len(customers)):
        if point[i] > 1 - 1e-9:  # P(alive) = 1 exactly (BG/NBD with no repeat purchase): no spread
            continue
        gradient = approx_fprime(fitted.log_params.to_numpy(), lambda v, i=i: prediction_at(v, i), centered=True)
        se = np.sqrt(gradient @ fitted.cov_log_params.to_numpy() @ gradient)
        width = interval["upper"][i] - interval["lower"][i]
        assert width == pytest.approx(2 * stats.norm.ppf(0.975) * se, rel=0.12)


def test_parameter_interval_mean_converges_to_the_point_prediction(cdnow_fits):
    data, bg, _ = cdnow_fits
    x, t_x, T = (v[:50] for v in data)
    gaps = []
    for shrink in (1.0, 1e-2, 1e-4):  # as with 1, 100 and 10,000 times as many customers
        narrow = bg.with_params(bg.params)
        narrow.cov_log_params = bg.cov_log_params * shrink
        interval = narrow.parameter_interval("conditional_expected_purchases", 39.0, x, t_x, T, n_draws=1000, seed=3)
        gaps.append(np.max(np.abs(interval["mean"] - interval["estimate"]) / interval["estimate"]))
    # the gap is Jensen's bias (∝ variance) plus Monte Carlo error (∝ its square root)
    assert gaps[0] < 0.05 and gaps[1] < gaps[0] / 5 and gaps[2] < 1e-3
    with pytest.raises(ValueError, match="no parameter interval"):
        bg.parameter_interval("summary", x, t_x, T)


@pytest.mark.parametrize("model, true, simulate", [
    (BetaGeo, BGNBD_TRUE, simulate_bgnbd),
    (ParetoNBD, PARETO_TRUE, simulate_paretonbd),
])
def test_prediction_interval_covers_simulated_holdout_purchases(model, true, simulate):
    x, t_x, T, holdout = simulate(3000, *true, T=39.0, seed=12, holdout=39.0)
    fitted = model(x, t_x, T).fit()
    interval = fitted.prediction_interval(39.0, x, t_x, T, alpha=0.10)
    covered = (interval["lower"] <= holdout) & (holdout <= interval["upper"])
    # discrete counts: each interval holds at least 90% (exactly), more where counts pile at 0; the
    # model's own coverage is the benchmark, with its binomial standard error
    expected = interval["coverage"].to_numpy()
    se = np.sqrt(np.sum(expected * (1 - expected))) / len(expected)
    assert expected.min() >= 0.90
    # measured (nominal 90%, exact coverage): BG/NBD 0.9623 observed vs 0.9649 expected, Pareto/NBD 0.9710 vs
    # 0.9701 (se 0.003)
    assert abs(covered.mean() - expected.mean()) < 4 * se + 0.005, (covered.mean(), expected.mean(), se)
    # a sharper check of the simulator: its mean is the closed-form conditional expectation
    draws = fitted.simulate_future_purchases(39.0, x[:40], t_x[:40], T[:40], n_sims=10_000, seed=14)
    mc_se = draws.std(axis=0) / np.sqrt(10_000) + 1e-12
    assert np.all(np.abs(draws.mean(axis=0) - interval["expected"][:40]) < 5 * mc_se)


def test_prediction_interval_with_covariates_uses_each_customers_parameters():
    rng = np.random.default_rng(21)
    frame = pd.DataFrame({"vip": rng.integers(0, 2, 1500).astype(float)})
    alpha = BGNBD_TRUE[1] * np.exp(-0.7 * frame["vip"].to_numpy())
    x, t_x, T = simulate_bgnbd(1500, BGNBD_TRUE[0], alpha, *BGNBD_TRUE[2:], T=39.0, seed=22)
    fitted = BetaGeo(x, t_x, T, covariates=frame, dropout_covariates=[]).fit()
    # two customers with the same history, one a vip (a lower α_i: posterior rate (r + x)/(α_i + T))
    twins = pd.DataFrame({"vip": [0.0, 1.0]})
    history = (np.array([3.0, 3.0]), np.array([30.0, 30.0]), np.array([39.0, 39.0]))
    interval = fitted.prediction_interval(39.0, *history, covariates=twins)
    draws = fitted.simulate_future_purchases(39.0, *history, covariates=twins, n_sims=20_000, seed=24)
    assert np.allclose(draws.mean(axis=0), interval["expected"], rtol=0.03)
    assert np.array_equal(interval["expected"],
                          fitted.conditional_expected_purchases(39.0, *history, covariates=twins))
    assert interval["expected"][1] > interval["expected"][0]
