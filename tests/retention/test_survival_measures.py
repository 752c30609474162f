"""Harrell's C and the restricted mean survival time against direct computations written here:
every pair examined one by one, and the RMST's variance through the Greenwood covariance of the
Kaplan–Meier steps (a different route to the same quantity)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.retention.survival_measures import concordance_index, restricted_mean_survival_time


def pairwise_concordance(time, status, risk):
    concordant = discordant = tied = 0
    for i in range(len(time)):
        if status[i] != 1:
            continue
        for j in range(len(time)):
            # comparable: j lasted longer, or the same time censored
            if time[j] > time[i] or (time[j] == time[i] and status[j] == 0 and j != i):
                if risk[i] > risk[j]:
                    concordant += 1
                elif risk[i] == risk[j]:
                    tied += 1
                else:
                    discordant += 1
    return concordant, discordant, tied


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_concordance_equals_pairwise_count_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = 250
    time = rng.integers(1, 30, n).astype(float)  # many tied times
    status = rng.integers(0, 2, n)
    risk = np.round(rng.normal(size=n) - 0.05 * time, 1)  # tied risks too, and some signal
    concordant, discordant, tied = pairwise_concordance(time, status, risk)
    result = concordance_index(time, status, risk)
    assert (result["concordant"], result["discordant"], result["tied_risk"]) == (concordant, discordant, tied)
    assert result["comparable"] == concordant + discordant + tied
    assert result["c"] == pytest.approx((concordant + 0.5 * tied) / (concordant + discordant + tied), abs=1e-12)
    assert result["c"] > 0.5  # risk falls with time: concordant pairs dominate


def test_concordance_of_perfect_and_reversed_scores():
    time = np.arange(1.0, 11.0)
    status = np.ones(10, int)
    assert concordance_index(time, status, -time)["c"] == 1.0
    assert concordance_index(time, status, time)["c"] == 0.0
    assert concordance_index(time, status, np.zeros(10))["c"] == 0.5


def km_by_hand(time, status):
    steps, surv, d_list, n_list = [], [], [], []
    s = 1.0
    for t in np.unique(time[status == 1]):
        d = np.sum((time == t) & (status == 1))
        n = np.sum(time >= t)
        s *= 1 - d / n
        steps.append(t), surv.append(s), d_list.append(d), n_list.append(n)
    return np.array(steps), np.array(surv), np.array(d_list), np.array(n_list)


@pytest.mark.parametrize("horizon", [5.0, 12.5, 40.0])
def test_rmst_and_variance_against_greenwood_covariance(horizon):
    rng = np.random.default_rng(7)
    n = 400
    event_time = np.ceil(rng.exponential(10, n))
    censor = np.ceil(rng.uniform(0, 30, n))
    time = np.minimum(event_time, censor)
    status = (event_time <= censor).astype(int)
    steps, surv, deaths, at_risk = km_by_hand(time, status)
    keep = steps <= horizon
    steps, surv, deaths, at_risk = steps[keep], surv[keep], deaths[keep], at_risk[keep]
    # the area: S(u) on a fine midpoint grid (the curve is a step function, exact up to the grid)
    grid = np.linspace(0, horizon, 400_001)
    mid = (grid[1:] + grid[:-1]) / 2
    s_mid = np.concatenate([[1.0], surv])[np.searchsorted(steps, mid, side="right")]
    area = np.sum(s_mid * np.diff(grid))
    # RMST = Σ_k S_k Δ_k + Δ_0; Var = Δ'ΣΔ with Greenwood Cov(S_a, S_b) = S_a S_b Σ_{k ≤ min(a,b)} d_k/(n_k(n_k − d_k))
    widths = np.diff(np.append(steps, horizon))
    greenwood = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
    m = len(steps)
    cov = np.array([[surv[a] * surv[b] * greenwood[min(a, b)] for b in range(m)] for a in range(m)])
    variance = widths @ cov @ widths
    result = restricted_mean_survival_time(time, status, horizon)
    assert result["rmst"] == pytest.approx(area, abs=1e-4)
    assert result["rmst"] == pytest.approx(steps[0] + surv @ widths if m else horizon, abs=1e-10)
    assert result["se"] == pytest.approx(np.sqrt(variance), rel=1e-10)
    assert result["ci"][0] < result["rmst"] < result["ci"][1]


def test_rmst_of_uncensored_exponential_approaches_its_integral():
    # no censoring: RMST(τ) → (1 − e^(−λτ))/λ; λ = 0.1, τ = 10 → 6.3212; SE of the mean of min(T, τ)
    rng = np.random.default_rng(11)
    time = rng.exponential(10, 20000)
    result = restricted_mean_survival_time(time, np.ones_like(time, dtype=int), 10.0)
    assert abs(result["rmst"] - 10 * (1 - np.exp(-1))) < 3 * result["se"]
    assert result["se"] == pytest.approx(np.minimum(time, 10).std() / np.sqrt(time.size), rel=0.01)


def test_kaplan_meier_reports_the_rmst_to_the_longest_time():
    from analysis.retention import kaplan_meier

    rng = np.random.default_rng(5)
    time = np.ceil(rng.exponential(8, 300))
    status = rng.integers(0, 2, 300)
    km = kaplan_meier(time, status)
    steps, surv, _, _ = km_by_hand(time, status)
    widths = np.diff(np.append(steps, time.max()))
    # the area under the hand-made curve from 0 to the longest time: 1 until the first event, then its steps
    assert km["rmst"]["horizon"] == time.max()
    assert km["rmst"]["rmst"] == pytest.approx(steps[0] + surv @ widths, abs=1e-10)
    # and the curve statsmodels draws is the same one
    assert np.allclose(km["survival"], surv)
