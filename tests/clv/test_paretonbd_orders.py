"""The Pareto/NBD's derivatives in r and s: those of log J(t) = log ∫_t^∞ (α+τ)^(−p) (β+τ)^(−q) dτ
in its orders p = r + x and q = s + 1 (Fader & Hardie 2005, eq. 19), summed term by term from
Euler's series where z = |α−β|/(max(α, β) + t) ≤ 0.7 and from an exp-sinh rule of Euler's integral
nearer 1 (src/analysis/models/paretonbd.py, ``_log_tail_and_order_derivatives``).

Oracles: mpmath (30 digits) for log J = log 2F1(a, b; a+1; z) − a log(m+t) − log a and its
derivatives in p and q (``mpmath.diff``, whose own error at 30 digits is far below 1e-15); central
differences of the model's log-likelihood (statsmodels' ``approx_fprime``, about 1e-7 relative)
for the whole score, at points near the exponential-dropout ridge and with large purchase counts.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from statsmodels.tools.numdiff import approx_fprime

from analysis.clv import ParetoNBD
from analysis.models import paretonbd
from analysis.models.paretonbd import _euler_integral_rule, _log_tail_and_order_derivatives

mpmath = pytest.importorskip("mpmath")

# (r, α, s, β): the CDNOW estimates, small and large values, α = β, α > β, and the way to the
# exponential-dropout ridge (s and β growing with s/β = 0.02, as in benchmarks/bench_paretonbd.py)
POINTS = [(0.553, 10.578, 0.606, 11.669), (0.05, 0.2, 0.01, 0.5), (5.0, 100.0, 8.0, 300.0), (1.0, 1.0, 1.0, 1.0),
          (0.5, 50.0, 3.0, 2.0), (2.0, 0.01, 1.0, 3.0), (0.8, 400.0, 2.0, 0.5), (0.8, 4.0, 10.0, 500.0),
          (0.8, 4.0, 30.0, 1500.0), (0.8, 4.0, 300.0, 15000.0)]
PURCHASES = [0, 7, 60, 300]
END_POINTS = [0.0, 38.5]


def _mpmath_log_tail(p, q, alpha, beta, t):
    """log J and its derivatives in p and q at 30 digits."""
    mpmath.mp.dps = 30

    def log_tail(p, q):
        a = p + q - 1
        b, big = (q, alpha) if alpha >= beta else (p, beta)
        z = mpmath.mpf(abs(alpha - beta)) / (big + t)
        return mpmath.log(mpmath.hyp2f1(a, b, a + 1, z)) - a * mpmath.log(big + t) - mpmath.log(a)

    p, q = mpmath.mpf(p), mpmath.mpf(q)
    return (float(log_tail(p, q)), float(mpmath.diff(lambda v: log_tail(v, q), p)),
            float(mpmath.diff(lambda v: log_tail(p, v), q)))


def _mpmath_log_euler_integral(a, b, z):
    """log I, I = 2F1(a, b; a+1; z)/a, and its derivatives in a and b at 30 digits."""
    mpmath.mp.dps = 30

    def log_i(a, b):
        return mpmath.log(mpmath.hyp2f1(a, b, a + 1, z) / a)

    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return log_i(a, b), mpmath.diff(lambda v: log_i(v, b), a), mpmath.diff(lambda v: log_i(a, v), b)


def _no_differences(*args, **kwargs):
    raise AssertionError("the differences' fallback was used")


def test_order_derivatives_match_mpmath(monkeypatch):
    """Every (point, x, t) of the grid to 1e-12 relative (measured: 4.7e-14), both ways of summing
    used (40 of the 80 end points by the series, 40 by the rule), never the fallback to differences."""
    monkeypatch.setattr(paretonbd, "_order_difference", _no_differences)
    gaps, by_rule = [], 0
    for (r, alpha, s, beta), x, t in itertools.product(POINTS, PURCHASES, END_POINTS):
        got = _log_tail_and_order_derivatives(np.array([r + x]), s + 1, alpha, beta, np.array([t]))
        expected = _mpmath_log_tail(r + x, s + 1, alpha, beta, t)
        gaps += [abs(g[0] - e) / (1 + abs(e)) for g, e in zip(got, expected)]
        by_rule += abs(alpha - beta) / (max(alpha, beta) + t) > paretonbd.SERIES_MAX_Z
    assert np.max(gaps) < 1e-12  # NaN fails too
    assert by_rule == 40 and len(gaps) == 3 * 80


def test_euler_integral_rule_matches_mpmath():
    """log I, ∂/∂a, ∂/∂b of I = ∫₀¹ u^(a−1) (1 − zu)^(−b) du = 2F1(a, b; a+1; z)/a for z from 0.7 to
    1 − 1e-5 and the (a, b) the likelihood meets (a = b − 1 + the other order, so a > b − 1), to
    1e-11 relative (measured: 2.0e-12). scipy's hyp2f1 returns NaN at some of these (b = 301)."""
    gaps = []
    for a, b, z in itertools.product([0.06, 1.16, 12.5, 61.4, 312.0], [0.05, 1.0, 1.8, 11.0, 60.8, 301.0],
                                     [0.7, 0.9, 0.99, 0.999, 0.99999]):
        if a <= b - 1:
            continue
        got = _euler_integral_rule(np.array([a]), np.array([b]), np.array([z]))
        expected = _mpmath_log_euler_integral(a, b, z)
        gaps += [abs(g[0] - float(e)) / (1 + abs(float(e))) for g, e in zip(got, expected)]
    assert np.max(gaps) < 1e-11  # NaN fails too


def test_fallback_to_differences_is_still_right(monkeypatch):
    """With a tolerance no rule meets, every pair nearer z = 1 takes the differences' branch:
    it still matches mpmath to 1e-8 (the differences' error, about 1e-10 per end point)."""
    monkeypatch.setattr(paretonbd, "RULE_TOLERANCE", -1.0)
    r, alpha, s, beta = 0.8, 4.0, 10.0, 500.0
    p, t = np.array([r, r + 7, r + 60]), np.array([0.0, 3.0, 38.5])
    got = np.array(_log_tail_and_order_derivatives(p, s + 1, alpha, beta, t))
    expected = np.array([_mpmath_log_tail(pi, s + 1, alpha, beta, ti) for pi, ti in zip(p, t)]).T
    assert np.all(np.abs(beta - alpha) / (beta + t) > paretonbd.SERIES_MAX_Z)
    np.testing.assert_allclose(got, expected, rtol=1e-8)


def test_log_tail_is_finite_where_scipys_hyp2f1_is_not():
    """300 purchases with α > β, and s = 300 on the way to the ridge: scipy's hyp2f1 returns NaN,
    and the likelihood's log J takes the rule's value (mpmath: to 1e-12 relative)."""
    from scipy.special import hyp2f1

    cases = [(300.8, 3.0, 400.0, 0.5, 0.0), (0.8, 301.0, 4.0, 15000.0, 3.0), (307.8, 4.0, 50.0, 2.0, 3.0)]
    for p, q, alpha, beta, t in cases:
        a = p + q - 1
        b, big = (q, alpha) if alpha >= beta else (p, beta)
        assert np.isnan(hyp2f1(1.0, a + 1 - b, a + 1, abs(alpha - beta) / (big + t)))
        expected = _mpmath_log_tail(p, q, alpha, beta, t)[0]
        assert paretonbd._log_tail(p, q, alpha, beta, t) == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def heavy_buyers():
    """Customers with 0 to 300 purchases over 39 weeks, last purchases spread over the period."""
    rng = np.random.default_rng(7)
    x = np.concatenate([np.zeros(50), rng.integers(1, 20, 150), [60, 120, 300, 300]]).astype(float)
    T = np.full(x.size, 39.0)
    t_x = np.where(x > 0, np.round(rng.uniform(0.5, 39, x.size), 1), 0.0)
    t_x[-1] = 39.0  # a last purchase at T: no dropped branch
    return x, t_x, T


@pytest.mark.parametrize("point", [(0.553, 10.578, 0.606, 11.669), (0.8, 4.0, 10.0, 500.0),
                                   (0.8, 4.0, 100.0, 5000.0), (2.0, 0.5, 1.5, 200.0), (0.5, 50.0, 3.0, 2.0)])
def test_score_matches_numerical_derivative_near_the_ridge_and_with_many_purchases(monkeypatch, heavy_buyers,
                                                                                   point):
    """The score (analytic in all four parameters) equals central differences of the log-likelihood
    to 1e-6 relative (the differences' own error is about 1e-7), without the fallback."""
    monkeypatch.setattr(paretonbd, "_order_difference", _no_differences)
    model = ParetoNBD(*heavy_buyers)
    log_params = np.log(point)
    numerical = approx_fprime(log_params, model.loglike, centered=True)
    assert np.max(np.abs(model.score(log_params) - numerical) / (1 + np.abs(numerical))) < 1e-6


def test_weighted_rows_give_the_score_of_the_customers(heavy_buyers):
    """Repeated rows given once with weights: the same score as one row per customer."""
    x, t_x, T = (np.concatenate([v, v[:100]]) for v in heavy_buyers)
    log_params = np.log([0.8, 4.0, 10.0, 500.0])
    compressed, per_customer = ParetoNBD(x, t_x, T), ParetoNBD(x, t_x, T, compress=False)
    assert len(compressed.freq_weights) < len(per_customer.freq_weights)
    np.testing.assert_allclose(compressed.score(log_params), per_customer.score(log_params), rtol=1e-10, atol=1e-8)
