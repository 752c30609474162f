"""Inference for the top-q share: bootstrap equivalence, SE agreement, coverage, tests."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.pareto import concentration, top_share
from analysis.pareto.inference import (
    bootstrap_top_share,
    holm_adjust,
    influence_se,
    naive_bootstrap_top_share,
    percentile_interval,
)
from analysis.pareto.inference import tests_against_80 as against_80
from analysis.pareto.tail import fit_power_law_tail, tail_aware_bootstrap


def test_count_bootstrap_equals_naive_bootstrap_with_the_same_draws():
    # with one block and one thread, both draw the same indices from the same generator stream
    values = np.random.default_rng(0).lognormal(0, 1, 501)
    ours = bootstrap_top_share(values, 0.2, n_boot=30, rng=np.random.default_rng(5), block=30, workers=1)
    child = np.random.default_rng(5).spawn(1)[0]
    naive = naive_bootstrap_top_share(np.sort(values), 0.2, n_boot=30, rng=child)
    assert ours == pytest.approx(naive, rel=1e-12)


def test_bootstrap_is_reproducible_and_thread_independent():
    values = np.random.default_rng(1).lognormal(0, 1, 2000)
    one = bootstrap_top_share(values, n_boot=200, rng=np.random.default_rng(3), workers=1)
    two = bootstrap_top_share(values, n_boot=200, rng=np.random.default_rng(3), workers=2)
    assert np.array_equal(one, two)


def test_influence_se_agrees_with_bootstrap_se():
    values = np.random.default_rng(2).lognormal(0, 1, 20_000)
    replicates = bootstrap_top_share(values, n_boot=400, rng=np.random.default_rng(4))
    assert influence_se(values) == pytest.approx(replicates.std(ddof=1), rel=0.1)


def test_lognormal_coverage():
    # lognormal(0, 1): true top-20% share = 1 - Phi(Phi^-1(0.8) - sigma) = 0.5483 for sigma = 1
    from scipy import stats

    truth = 1 - stats.norm.cdf(stats.norm.ppf(0.8) - 1.0)
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(200):
        sample = rng.lognormal(0, 1, 400)
        result = concentration(sample, 0.2, n_boot=200, seed=rng)
        covered += result.ci[0] <= truth <= result.ci[1]
    assert 180 <= covered <= 198, covered  # 90–99% of 200


def test_tail_aware_interval_covers_better_for_pareto_at_80_20():
    # survival exponent ln5/ln4 = 1.161 makes the true top-20% share exactly 0.8 (published_values.md)
    alpha = np.log(5) / np.log(4)
    rng = np.random.default_rng(11)
    naive_cover = tail_cover = 0
    replicates = 40
    for _ in range(replicates):
        sample = (1 - rng.random(1000)) ** (-1 / alpha)
        naive = percentile_interval(bootstrap_top_share(sample, n_boot=200, rng=rng))
        tail = fit_power_law_tail(sample)
        aware = percentile_interval(tail_aware_bootstrap(sample, tail, n_boot=200, rng=rng))
        naive_cover += naive[0] <= 0.8 <= naive[1]
        tail_cover += aware[0] <= 0.8 <= aware[1]
    # the naive interval covers the true 0.8 far less often than 95%; the tail-aware one does better
    assert tail_cover >= naive_cover + 0.2 * replicates, (naive_cover, tail_cover)


def test_pareto_tail_exponent_recovered():
    sample = (1 - np.random.default_rng(3).random(20_000)) ** (-1 / 1.5) * 10
    fit = fit_power_law_tail(sample)
    assert fit.survival_exponent == pytest.approx(1.5, abs=0.1)
    assert fit.infinite_variance


def test_tests_against_80():
    exact = against_80(0.80, 0.01, margin=0.05)
    assert exact.p_value_80 == pytest.approx(0.5) and exact.equivalent
    low = against_80(0.60, 0.01)
    assert low.p_value_80 < 1e-10 and not low.equivalent


def test_holm_adjustment():
    # Holm (1979): sorted p 0.01, 0.02, 0.04 with m = 3 → 0.03, 0.04, 0.04
    assert holm_adjust([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])


def test_concentration_api():
    values = np.random.default_rng(0).lognormal(0, 1.2, 3000)
    result = concentration(values, q=0.2, n_boot=300, seed=0)
    assert result.share == pytest.approx(top_share(values, 0.2))
    assert result.ci[0] < result.share < result.ci[1]
    assert 0 < result.se < 0.05 and 0 <= result.p_value_80 <= 1 and 0 < result.gini < 1
