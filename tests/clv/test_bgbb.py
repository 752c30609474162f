"""BG/BB (Fader, Hardie & Shang 2010): the published donations fit, and every prediction against an
independent computation from the model's story (quadrature over p and θ, simulation, a direct sum).

Published values from ../shared/reference/published_values.md (FHS 2010, 1995 donor cohort)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import roots_jacobi

from analysis.clv import BetaGeoBetaBinom, BetaGeoBetaBinomResults

DONATIONS = Path("/work/shared/datasets/donations/donations_1995_cohort.csv")
CUSTOMERS = [(0, 0, 6), (1, 1, 6), (3, 6, 6), (4, 4, 6), (6, 6, 6), (2, 5, 9)]  # (x, t_x, n)


@pytest.fixture(scope="module")
def donations():
    if not DONATIONS.exists():
        pytest.skip(f"{DONATIONS} not available")
    return pd.read_csv(DONATIONS)


@pytest.fixture(scope="module")
def fitted(donations):
    return BetaGeoBetaBinom(donations["frequency"], donations["recency"], donations["periods"],
                            weights=donations["weights"]).fit()


def test_fader_hardie_shang_2010_donations(fitted):
    # FHS (2010): alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL -33,225.6 (11,104 donors)
    assert isinstance(fitted, BetaGeoBetaBinomResults)
    assert fitted.params.round(3).to_dict() == {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    assert round(fitted.llf, 1) == -33225.6
    assert fitted.converged and fitted.nobs == 11104
    assert np.all(np.isfinite(fitted.bse)) and np.all(fitted.bse > 0)


def test_weights_equal_expanded_rows(donations, fitted):
    rows = donations.loc[donations.index.repeat(donations["weights"])]
    expanded = BetaGeoBetaBinom(rows["frequency"], rows["recency"], rows["periods"])
    assert expanded.loglike(np.log(fitted.params.to_numpy())) == pytest.approx(fitted.llf, abs=1e-6)


def _beta_nodes(a, b, k=60):
    """Nodes and weights of ∫_0^1 f(u) Beta(a, b) du (Gauss–Jacobi: exact for polynomials of degree < 2k)."""
    nodes, weights = roots_jacobi(k, b - 1, a - 1)  # weight (1 − z)^(b−1) (1 + z)^(a−1) on [−1, 1]
    return (nodes + 1) / 2, weights / weights.sum()


def _story_terms(p, theta, x, t_x, n):
    """Likelihood given (p, θ), from the model's story: alive through n, or inactive from t_x + i + 1."""
    alive_through_n = p ** x * (1 - p) ** (n - x) * (1 - theta) ** n
    dropped = sum(p ** x * (1 - p) ** (t_x - x + i) * theta * (1 - theta) ** (t_x + i) for i in range(n - t_x))
    return alive_through_n, alive_through_n + dropped


def test_posterior_predictions_equal_quadrature_over_p_and_theta(fitted):
    alpha, beta, gamma, delta = fitted.params
    p, wp = _beta_nodes(alpha, beta)
    theta, wt = _beta_nodes(gamma, delta)
    p, theta = p[:, None], theta[None, :]
    weight = wp[:, None] * wt[None, :]
    n_future = 5
    for x, t_x, n in CUSTOMERS:
        alive_n, likelihood = _story_terms(p, theta, x, t_x, n)
        marginal = np.sum(weight * likelihood)
        # alive at n + 1: survive the start of opportunity n + 1 too
        p_alive = np.sum(weight * alive_n * (1 - theta)) / marginal
        future = sum(p * (1 - theta) ** s for s in range(1, n_future + 1))
        expected = np.sum(weight * alive_n * future) / marginal
        assert fitted.probability_alive(x, t_x, n) == pytest.approx(p_alive, rel=1e-9)
        assert fitted.conditional_expected_purchases(n_future, x, t_x, n) == pytest.approx(expected, rel=1e-9)
        assert np.exp(fitted._log_likelihood(x, t_x, n)) == pytest.approx(marginal, rel=1e-9)


def test_dert_equals_truncated_discounted_sum(fitted):
    # DERT (eq. 15, 2F1) against Σ_s (1 + d)^−s × (expected transactions at opportunity n + s), from eq. 13
    d = 0.1
    s = np.arange(1, 1201, dtype=float)  # (1.1)^−1200 < 1e-49: the tail is negligible
    for x, t_x, n in CUSTOMERS:
        cumulative = fitted.conditional_expected_purchases(s, x, t_x, n)
        per_opportunity = np.diff(np.concatenate([[0.0], cumulative]))
        direct = float(np.sum(per_opportunity / (1 + d) ** s))
        assert fitted.discounted_expected_residual_transactions(d, x, t_x, n) == pytest.approx(direct, rel=1e-9)
    with pytest.raises(ValueError, match="discount_rate"):
        fitted.discounted_expected_residual_transactions(0.0, 1, 1, 6)


def test_pmf_and_mean_against_simulation(fitted):
    # P(X(n) = x) (eq. 7) and E[X(n)] (eq. 8) against 400,000 customers simulated from the story
    alpha, beta, gamma, delta = fitted.params
    rng = np.random.default_rng(20101)
    draws, n = 400_000, 6
    p = rng.beta(alpha, beta, draws)
    theta = rng.beta(gamma, delta, draws)
    alive = np.ones(draws, bool)
    counts = np.zeros(draws)
    for _ in range(n):
        alive &= rng.random(draws) >= theta  # a living customer may become inactive at the start
        counts += alive & (rng.random(draws) < p)
    pmf = fitted.probability_of_purchases(np.arange(n + 1), n)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    empirical = np.bincount(counts.astype(int), minlength=n + 1) / draws
    se = np.sqrt(pmf * (1 - pmf) / draws)
    assert np.all(np.abs(empirical - pmf) < 4.5 * se)
    assert fitted.expected_purchases(n) == pytest.approx(float(np.arange(n + 1) @ pmf), rel=1e-10)
    assert abs(counts.mean() - fitted.expected_purchases(n)) < 4.5 * counts.std() / np.sqrt(draws)


def test_expected_counts_match_donation_table(donations, fitted):
    # 11,104 × P(X(6) = x) sums to the cohort; FHS (2010) Figure 3 shows close agreement for x = 0..6
    expected = 11104 * fitted.probability_of_purchases(np.arange(7), 6)
    actual = donations.groupby("frequency")["weights"].sum().reindex(range(7)).to_numpy()
    assert expected.sum() == pytest.approx(11104, abs=1e-8)
    assert np.all(np.abs(expected / actual - 1) < 0.1)


@pytest.mark.parametrize("row", [(2, 1, 6), (1, 0, 6), (0, 2, 6), (1, 7, 6), (-1, 0, 6), (1.5, 2, 6)])
def test_impossible_rows_are_refused_with_the_row(row):
    x, t_x, n = row
    with pytest.raises(ValueError, match="row 1"):
        BetaGeoBetaBinom([0, x], [0, t_x], [6, n])


def test_period_transactions_diagnostic_on_donations(donations, fitted):
    from scipy import stats

    from analysis.clv.diagnostics import period_transactions

    result = period_transactions(fitted, donations["frequency"], donations["periods"], max_count=6,
                                 weights=donations["weights"])
    # 7 cells (0..5, 6+): all 11,104 donors, actual and expected; χ² as scipy's with 4 parameters
    assert result.table["actual"].sum() == 11104
    assert result.table["expected"].sum() == pytest.approx(11104, abs=1e-8)
    assert result.table["expected"].iloc[-1] == pytest.approx(11104 * fitted.probability_of_purchases(6, 6), rel=1e-9)
    reference = stats.chisquare(result.pooled["actual"], result.pooled["expected"], ddof=4)
    assert result.chisq == pytest.approx(reference.statistic, rel=1e-12) and result.df == 2
