"""Predictions checked against independent numerical integration over the latent rates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import betaln

from analysis.clv import BetaGeo, ParetoNBD
from analysis.models.paretonbd import paretonbd_loglik


def log_grid(lo=-25.0, hi=6.0, n=3000):
    u = np.linspace(lo, hi, n)
    return u, np.exp(u)


@pytest.fixture(scope="module")
def fits(cdnow_sample_summary):
    s = cdnow_sample_summary
    args = (s["frequency_cal"].astype(float), s["recency_cal"], s["T_cal"])
    return BetaGeo(*args).fit(), ParetoNBD(*args).fit()


CUSTOMERS = [(0.0, 0.0, 38.86), (2.0, 30.43, 38.86), (5.0, 10.0, 35.0), (14.0, 35.0, 36.0)]


@pytest.mark.parametrize("x,t_x,T", CUSTOMERS)
def test_bgnbd_probability_alive_by_integration(fits, x, t_x, T):
    res = fits[0]
    r, alpha, a, b = res.params
    u, lam = log_grid()
    # integrate over lambda (in log space) and p (Beta integrals in closed form per branch)
    prior = stats.gamma.pdf(lam, r, scale=1 / alpha) * lam  # density in u = log(lambda)
    alive = lam**x * np.exp(-lam * T) * np.exp(betaln(a, b + x) - betaln(a, b))
    dropped = (lam**x * np.exp(-lam * t_x) * np.exp(betaln(a + 1, b + x - 1) - betaln(a, b))) if x > 0 else 0 * lam
    numerator = np.trapezoid(alive * prior, u)
    denominator = np.trapezoid((alive + dropped) * prior, u)
    assert res.probability_alive(x, t_x, T) == pytest.approx(numerator / denominator, rel=1e-5)


@pytest.mark.parametrize("x,t_x,T", CUSTOMERS)
def test_paretonbd_conditional_expectation_by_integration(fits, x, t_x, T):
    res = fits[1]
    r, alpha, s, beta = res.params
    t = 39.0
    u, grid = log_grid(-20, 5, 1500)
    lam, mu = np.meshgrid(grid, grid, indexing="ij")
    prior = (stats.gamma.pdf(lam, r, scale=1 / alpha) * lam) * (stats.gamma.pdf(mu, s, scale=1 / beta) * mu)
    alive = lam**x * np.exp(-(lam + mu) * T)
    dropped = lam**x * mu / (lam + mu) * (np.exp(-(lam + mu) * t_x) - np.exp(-(lam + mu) * T))
    future = lam / mu * (1 - np.exp(-mu * t))
    integrate = lambda values: np.trapezoid(np.trapezoid(values * prior, u, axis=1), u)
    expected = integrate(alive * future) / integrate(alive + dropped)
    assert res.conditional_expected_purchases(t, x, t_x, T) == pytest.approx(expected, rel=1e-3)
    p_alive = integrate(alive) / integrate(alive + dropped)
    assert res.probability_alive(x, t_x, T) == pytest.approx(p_alive, rel=1e-3)


def test_paretonbd_large_frequencies_stay_finite(fits):
    res = fits[1]
    x = np.array([100.0, 500.0, 2000.0])

    ll = paretonbd_loglik(res.params.to_numpy(), x, np.array([38.0, 38.5, 38.9]), np.array([39.0] * 3))
    assert np.all(np.isfinite(ll))
    assert np.all(np.isfinite(res.probability_alive(x, [38.0, 38.5, 38.9], [39.0] * 3)))


def test_expected_purchases_of_new_customer_integrates_the_model(fits):
    # E[X(t)] for BG/NBD against the mean of a large simulation from the fitted parameters
    from analysis.models.simulate import simulate_bgnbd

    res = fits[0]
    x, _, _ = simulate_bgnbd(200_000, *res.params, T=39.0, seed=11)
    assert x.mean() == pytest.approx(res.expected_purchases(39.0), rel=0.03)


def test_paretonbd_loglik_on_distinct_pairs_equals_row_by_row():
    from scipy.special import gammaln, hyp2f1

    rng = np.random.default_rng(11)
    x = rng.integers(0, 6, 400).astype(float)
    T = rng.integers(20, 40, 400).astype(float)
    t_x = np.where(x > 0, np.floor(rng.random(400) * T), 0.0)
    for r, alpha, s, beta in ((0.55, 10.6, 0.61, 11.7), (0.55, 13.0, 0.61, 9.0)):
        # A0 of Fader & Hardie (2005, eq. 19), one hypergeometric function per row and end point
        if alpha >= beta:
            def f(t): return hyp2f1(r + s + x, s + 1, r + s + x + 1, (alpha - beta) / (alpha + t)) / (alpha + t) ** (r + s + x)
        else:
            def f(t): return hyp2f1(r + s + x, r + x, r + s + x + 1, (beta - alpha) / (beta + t)) / (beta + t) ** (r + s + x)
        a0 = f(t_x) - f(T)
        expected = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.log(
            (alpha + T) ** -(r + x) * (beta + T) ** -s + s / (r + s + x) * a0))
        assert np.allclose(paretonbd_loglik(np.array([r, alpha, s, beta]), x, t_x, T), expected, rtol=1e-10)


def test_distinct_pairs_and_values_rebuild_every_row():
    from analysis.models.base import distinct_pairs, on_distinct

    rng = np.random.default_rng(2)
    a = rng.integers(0, 5, 2000).astype(float)
    b = rng.integers(0, 30, 2000) / 7
    (pa, pb), inverse = distinct_pairs(a, b)
    assert np.array_equal(pa[inverse], a) and np.array_equal(pb[inverse], b)
    assert len(pa) == len(set(zip(a, b)))
    # with a missing value (the sorting path), each NaN row keeps its own pair
    a[:3] = np.nan
    (pa, pb), inverse = distinct_pairs(a, b)
    assert np.array_equal(pa[inverse], a, equal_nan=True) and np.array_equal(pb[inverse], b)
    # a function of one column on its distinct values equals it row by row, to the bit
    values = rng.integers(0, 40, 1000).astype(float)
    assert np.array_equal(on_distinct(lambda v: np.log1p(v) * 3.1, values, np.unique(values, return_inverse=True)),
                          np.log1p(values) * 3.1)


def test_likelihoods_with_distinct_columns_equal_row_by_row(cdnow_sample_summary):
    from analysis.clv import ModifiedBetaGeo
    from analysis.models.mbgnbd import mbgnbd_loglik

    x, t_x, T = (cdnow_sample_summary[c].astype(float).to_numpy() for c in ("frequency", "recency", "T"))
    params = np.array([0.5, 6.0, 0.9, 2.0])
    from analysis.models.bgnbd import bgnbd_loglik

    for model, function in ((BetaGeo(x, t_x, T), bgnbd_loglik), (ModifiedBetaGeo(x, t_x, T), mbgnbd_loglik),
                            (ParetoNBD(x, t_x, T), paretonbd_loglik)):
        c = model.data_columns
        direct = np.array([function(params, *(c[k][i:i + 1] for k in ("frequency", "recency", "T")))[0]
                           for i in range(c["T"].size)])
        assert np.array_equal(model._loglik(params), direct)


def test_expected_purchases_per_distinct_pair_equal_row_by_row(cdnow_sample_summary):
    from analysis.clv import ModifiedBetaGeo

    x, t_x, T = (cdnow_sample_summary[c].astype(float).to_numpy() for c in ("frequency", "recency", "T"))
    for model in (BetaGeo, ModifiedBetaGeo):
        fit = model(x, t_x, T).fit()
        assert np.array_equal(fit.expected_purchases_while_alive(39.0, x, T),
                              fit.expected_purchases_while_alive(39.0, x, T, compress=False))


def test_paretonbd_probability_alive_with_kept_end_points_equals_a_fresh_computation(fits, cdnow_sample_summary):
    """P(alive) reuses the end-point pairs kept on the model for the same columns (the interval
    draws, through with_params copies): bit for bit the values of pairs computed afresh, and new
    columns (even of the same length) are not answered from the kept ones."""
    from analysis.models.paretonbd import _log_a0

    s = cdnow_sample_summary
    x, t_x, T = (s[c].astype(float).to_numpy() for c in ("frequency_cal", "recency_cal", "T_cal"))
    fit = fits[1]
    draw = fit.with_params(fit.params.to_numpy() * [1.1, 0.9, 1.2, 0.8])

    def fresh(results, x, t_x, T):  # P(alive) of eq. 20 with the pairs hashed inside _log_a0
        r, alpha, s_, beta = results.params.to_numpy()
        log_odds = (np.log(s_) - np.log(r + s_ + x) + (r + x) * np.log(alpha + T) + s_ * np.log(beta + T)
                    + _log_a0(results.params.to_numpy(), x, t_x, T))
        return 1.0 / (1.0 + np.exp(log_odds))

    fit.model.__dict__.pop("_end_point_memo", None)
    for results in (fit, draw, fit):
        assert np.array_equal(results.probability_alive(x, t_x, T), fresh(results, x, t_x, T))
    assert fit.model._end_point_memo[1] is draw.model._end_point_memo[1]  # one computation, shared
    shifted = t_x[::-1].copy()
    shifted = np.minimum(shifted, T)
    assert not np.array_equal(shifted, t_x)
    assert np.array_equal(draw.probability_alive(x, shifted, T), fresh(draw, x, shifted, T))
    assert np.array_equal(fit.probability_alive(x[:5], t_x[:5], T[:5]), fresh(fit, x[:5], t_x[:5], T[:5]))
