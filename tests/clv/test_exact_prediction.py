"""The exact distribution of a customer's future purchase count given the history, and the
prediction intervals read from it (``conditional_purchase_distribution``, ``prediction_interval``).

Oracles: the pmf sums to 1; it equals an independent integral over the rates (scipy quad) to
1e-10; it equals 200,000 draws of each model's simulator (``simulate_future_purchases``, which
draws the rates and the process and never uses the pmf) within sampling error; its quantiles are
those of a large simulation; as t → 0 all mass is at 0."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from analysis.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from analysis.models.exponential_dropout import ExponentialDropoutNBD
from analysis.models.simulate import simulate_bgnbd

BGNBD_TRUE = (0.243, 4.414, 0.793, 2.426)  # FHL (2005a) CDNOW estimates
PARETO_TRUE = (0.553, 10.578, 0.606, 11.669)  # Fader & Hardie (2005) CDNOW estimates
# awkward histories (x, t_x, T): no repeat purchase, a heavy buyer, a customer seen only briefly,
# one with a long silence, an ordinary one
HISTORIES = (np.array([0.0, 60.0, 2.0, 4.0, 1.0]), np.array([0.0, 38.0, 0.5, 5.0, 20.0]),
             np.array([39.0, 39.0, 0.8, 39.0, 30.0]))


@pytest.fixture(scope="module")
def fits():
    """A fit of each model on simulated data, set to fixed parameters (the fit only supplies the
    results object)."""
    x, t_x, T = simulate_bgnbd(400, *BGNBD_TRUE, 39.0, seed=3)
    return {
        "bgnbd": BetaGeo(x, t_x, T).fit().with_params(BGNBD_TRUE),
        "mbgnbd": ModifiedBetaGeo(x, t_x, T).fit().with_params(BGNBD_TRUE),
        "paretonbd": ParetoNBD(x, t_x, T).fit().with_params(PARETO_TRUE),
        "exponential": ExponentialDropoutNBD(x, t_x, T).fit().with_params([0.553, 10.578, 0.05]),
    }


@pytest.fixture(scope="module")
def covariate_fits():
    """BG/NBD and Pareto/NBD with a covariate on each process, at fixed coefficients."""
    rng = np.random.default_rng(21)
    frame = pd.DataFrame({"vip": rng.integers(0, 2, 150).astype(float)})
    x, t_x, T = simulate_bgnbd(150, *BGNBD_TRUE, 39.0, seed=22)
    # a few iterations only: the fit supplies the results object, the parameters are set below
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)
        bg = BetaGeo(x, t_x, T, covariates=frame).fit(maxiter=3)
        pareto = ParetoNBD(x, t_x, T, covariates=frame).fit(maxiter=3)
    bg = bg.with_params(list(BGNBD_TRUE) + [0.7, -0.5, 0.4][:bg.params.size - 4])
    pareto = pareto.with_params(list(PARETO_TRUE) + [0.7, -0.6][:pareto.params.size - 4])
    return {"bgnbd": bg, "paretonbd": pareto}


MODELS = ("bgnbd", "mbgnbd", "paretonbd", "exponential")


@pytest.mark.parametrize("name", MODELS)
def test_the_distribution_sums_to_one_and_has_the_closed_form_mean(fits, name):
    fit = fits[name]
    pmf = fit.conditional_purchase_distribution(39.0, *HISTORIES, max_count=2000)
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, rtol=0, atol=1e-10)
    assert (pmf >= 0).all()
    # its mean is the conditional expectation (FHL 2005a eq. 10; Fader & Hardie 2005 eq. 21)
    np.testing.assert_allclose(pmf @ np.arange(2001), fit.conditional_expected_purchases(39.0, *HISTORIES),
                               rtol=1e-9)


@pytest.mark.parametrize("name", ["bgnbd", "paretonbd"])
def test_with_covariates_each_customer_has_their_own_distribution(covariate_fits, name):
    fit = covariate_fits[name]
    history = tuple(np.repeat(v[:3], 2) for v in HISTORIES)
    vip = pd.DataFrame({"vip": np.tile([0.0, 1.0], 3)})
    pmf = fit.conditional_purchase_distribution(39.0, *history, covariates=vip, max_count=2000)
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, rtol=0, atol=1e-10)
    np.testing.assert_allclose(pmf @ np.arange(2001),
                               fit.conditional_expected_purchases(39.0, *history, covariates=vip), rtol=1e-9)
    assert not np.allclose(pmf[0], pmf[1])  # a vip and a non-vip with the same history
    _assert_equals_simulation(pmf, fit.simulate_future_purchases(39.0, *history, covariates=vip,
                                                                 n_sims=200_000, seed=5))


def _assert_equals_simulation(pmf, draws):
    """Each count's share of the draws is within 5 standard errors of its exact probability."""
    n = draws.shape[0]
    for customer in range(pmf.shape[0]):
        counts = np.bincount(draws[:, customer], minlength=pmf.shape[1])[:pmf.shape[1]] / n
        exact = pmf[customer]
        se = np.sqrt(exact * (1 - exact) / n)
        assert np.all(np.abs(counts - exact) <= 5 * se + 2 / n), customer


@pytest.mark.parametrize("name", MODELS)
def test_the_distribution_equals_a_large_simulation(fits, name):
    fit = fits[name]
    draws = fit.simulate_future_purchases(39.0, *HISTORIES, n_sims=200_000, seed=11)
    pmf = fit.conditional_purchase_distribution(39.0, *HISTORIES, max_count=int(draws.max()))
    _assert_equals_simulation(pmf, draws)


def _killed_poisson_at_least(n, lam, mu, t):
    """P(N ≥ n) for Poisson(λ) purchases until an Exponential(μ) lifetime, within (0, t]: the n-th
    purchase comes before both, (λ/(λ+μ))^n P(Gamma(n, λ+μ) ≤ t)."""
    if n == 0:
        return 1.0
    return (lam / (lam + mu)) ** n * special.gammainc(n, (lam + mu) * t)


def _over_gamma(function, shape, rate):
    """E[function(λ)], λ ~ Gamma(shape, rate), as an integral over λ's quantile q ∈ (0, 1) (bounded
    integrand whatever the shape)."""
    return integrate.quad(lambda q: function(special.gammaincinv(shape, q) / rate), 0, 1,
                          epsabs=1e-13, epsrel=1e-12, limit=500)[0]


def _independent_alive_pmf(name, params, x, T, n, t):
    """P(n purchases in (T, T+t] | x, T, alive) by integrating the law given the rates over their
    posterior, λ ~ Gamma(r+x, α+T) and μ ~ Gamma(s, β+T) (p ~ Beta(a, b+x[+1]) in closed form: its
    moments), as differences of P(N ≥ n) from regularised incomplete gamma functions: neither the
    negative binomial nor the lifetime quadrature of the package."""
    r, alpha = params[0] + x, params[1] + T

    def difference(at_least):
        return lambda rate: at_least(n, rate) - at_least(n + 1, rate)

    if name == "exponential":
        return _over_gamma(difference(lambda k, lam: _killed_poisson_at_least(k, lam, params[2], t)), r, alpha)
    if name == "paretonbd":
        s, beta = params[2], params[3] + T
        return _over_gamma(lambda mu: _over_gamma(
            difference(lambda k, lam: _killed_poisson_at_least(k, lam, mu, t)), r, alpha), s, beta)
    a, b = params[2], params[3] + x + (1 if name == "mbgnbd" else 0)

    def at_least(k, lam):
        # min(Poisson(λt), Geometric(p)) ≥ k: k − 1 survived chances and k purchases by t
        if k == 0:
            return 1.0
        return np.exp(special.betaln(a, b + k - 1) - special.betaln(a, b)) * special.gammainc(k, lam * t)

    return _over_gamma(difference(at_least), r, alpha)


# Pareto/NBD: a nested integral, about 5–15 s
@pytest.mark.parametrize("name", [pytest.param(m, marks=pytest.mark.slow) if m == "paretonbd" else m for m in MODELS])
def test_the_distribution_equals_an_independent_integral_over_the_rates(fits, name):
    """Measured: within 4e-14 of the package's values at every point."""
    fit = fits[name]
    params = fit.params.to_numpy()
    points = ((0.0, 39.0, 0), (4.0, 0.8, 3), (60.0, 39.0, 50))
    if name != "paretonbd":
        points += ((0.0, 39.0, 1), (60.0, 1.0, 20), (2.0, 39.0, 12))
    else:
        points = points[:1] + points[2:]
    for x, T, n in points:
        got = fit.alive_count_pmf(39.0, np.array([x]), np.array([T]),
                                  [np.array([v]) for v in params[:len(fit.model.param_names)]], n)[0, n]
        want = _independent_alive_pmf(name, params, x, T, n, 39.0)
        assert got == pytest.approx(want, abs=1e-10), (x, T, n)


@pytest.mark.parametrize("name", MODELS)
def test_as_t_goes_to_0_all_mass_is_at_0(fits, name):
    fit = fits[name]
    pmf = fit.conditional_purchase_distribution(0.0, *HISTORIES, max_count=5)
    np.testing.assert_array_equal(pmf, np.eye(1, 6).repeat(5, axis=0))
    near = fit.conditional_purchase_distribution(1e-9, *HISTORIES, max_count=5)
    assert (near[:, 0] > 1 - 1e-6).all()
    interval = fit.prediction_interval(0.0, *HISTORIES, alpha=0.05)
    assert (interval["lower"] == 0).all() and (interval["upper"] == 0).all() and (interval["coverage"] == 1).all()


@pytest.mark.parametrize("name", MODELS)
def test_interval_bounds_are_the_inverted_cdf_quantiles_of_the_distribution(fits, name):
    """lower and upper are the smallest counts whose CDF reaches α/2 and 1 − α/2, and coverage the
    probability between them, read from the full distribution."""
    fit = fits[name]
    interval = fit.prediction_interval(39.0, *HISTORIES, alpha=0.10)
    cdf = np.cumsum(fit.conditional_purchase_distribution(39.0, *HISTORIES, max_count=2000), axis=1)
    rows = np.arange(cdf.shape[0])
    np.testing.assert_array_equal(interval["lower"], np.argmax(cdf >= 0.05, axis=1))
    np.testing.assert_array_equal(interval["upper"], np.argmax(cdf >= 0.95, axis=1))
    lower, upper = interval["lower"].to_numpy(int), interval["upper"].to_numpy(int)
    below = np.where(lower > 0, cdf[rows, np.maximum(lower - 1, 0)], 0.0)
    np.testing.assert_allclose(interval["coverage"], cdf[rows, upper] - below, rtol=0, atol=1e-12)
    assert (interval["coverage"] >= 0.90).all()
    assert interval["upper"].iloc[1] > 16  # the heavy buyer's table needed widening


@pytest.mark.slow  # about 3 s each: 8 million simulated futures
@pytest.mark.parametrize("name", MODELS)
def test_quantiles_match_those_of_a_huge_simulation(fits, name):
    """On 80 simulated histories, the exact bounds equal ``np.quantile(draws, p,
    method="inverted_cdf")`` of 100,000 simulated futures for nearly every customer; where they
    differ, the exact CDF is within sampling error of the level at the simulation's bound."""
    fit = fits[name]
    x, t_x, T = simulate_bgnbd(80, *BGNBD_TRUE, 39.0, seed=8)
    interval = fit.prediction_interval(39.0, x, t_x, T, alpha=0.05)
    draws = fit.simulate_future_purchases(39.0, x, t_x, T, n_sims=100_000, seed=9)
    cdf = np.cumsum(fit.conditional_purchase_distribution(39.0, x, t_x, T, max_count=int(draws.max())), axis=1)
    for level, column in ((0.025, "lower"), (0.975, "upper")):
        simulated = np.quantile(draws, level, axis=0, method="inverted_cdf").astype(int)
        exact = interval[column].to_numpy(int)
        assert (simulated == exact).mean() >= 0.97, column
        differ = np.flatnonzero(simulated != exact)
        # the simulation's bound is off only when the CDF at the bound's neighbour is within 4 se of the level
        near = np.minimum(simulated[differ], exact[differ])
        se = np.sqrt(level * (1 - level) / 100_000)
        assert np.all(np.abs(cdf[differ, near] - level) < 4 * se), column


def test_pareto_nbd_at_large_s_is_the_exponential_dropout_law(fits):
    """As s, β → ∞ with s/β = μ the Pareto/NBD's law tends to the exponential-dropout one; at the
    reported boundary (``dropout_limit``) it is that law."""
    pareto, limit = fits["paretonbd"], fits["exponential"]
    r, alpha, mu = limit.params.to_numpy()
    near = pareto.with_params([r, alpha, 1e6, 1e6 / mu])
    expected = limit.conditional_purchase_distribution(39.0, *HISTORIES, max_count=300)
    np.testing.assert_allclose(near.conditional_purchase_distribution(39.0, *HISTORIES, max_count=300), expected,
                               rtol=0, atol=1e-5)
    near.dropout_limit = {"mu": mu}
    np.testing.assert_allclose(near.conditional_purchase_distribution(39.0, *HISTORIES, max_count=300), expected,
                               rtol=0, atol=1e-14)


def test_a_distribution_beyond_the_widest_table_is_an_error(fits, monkeypatch):
    """A history whose upper bound lies beyond the widest count table stops with a ValueError (the
    chapter reports it as a failed prediction interval) instead of a wrong bound."""
    import analysis.models.base as base

    monkeypatch.setattr(base, "LARGEST_COUNT_WIDTH", 64)
    fit = fits["bgnbd"]
    assert fit.prediction_interval(39.0, [5.0], [30.0], [39.0])["upper"][0] < 64
    with pytest.raises(ValueError, match="does not reach 0.95 within 64 purchases"):
        fit.prediction_interval(39.0, [500.0], [38.0], [39.0])
