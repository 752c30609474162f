"""The CLV chapter's shortcuts at scale give the numbers of the plain computations they replace."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.clv import BetaGeo, ParetoNBD
from analysis.clv.study import count_quantiles, simulated_count_interval
from analysis.models.simulate import simulate_bgnbd


@pytest.mark.parametrize("probabilities", [[0.025, 0.975], [0.05, 0.5, 0.95], [0.0, 1.0], [0.001]])
def test_count_quantiles_equal_numpys_inverted_cdf(probabilities):
    """Columns of many zeros (a customer likely gone), small counts and a spread-out column: every
    quantile equals ``np.quantile(..., method="inverted_cdf")`` exactly, for an odd number of draws
    (the rank rule's rounding) as well as an even one."""
    rng = np.random.default_rng(5)
    for draws in (999, 1000):
        counts = np.column_stack([
            np.where(rng.random(draws) < 0.9, 0, rng.poisson(2.0, draws)),
            rng.poisson(0.3, draws), rng.poisson(40.0, draws), rng.negative_binomial(0.5, 0.01, draws),
            np.zeros(draws, dtype=np.int64)])
        expected = [np.quantile(counts, p, axis=0, method="inverted_cdf") for p in probabilities]
        for got, want in zip(count_quantiles(counts, probabilities), expected):
            np.testing.assert_array_equal(got, want)


def test_count_quantiles_fall_back_to_sorting_for_non_integer_draws():
    values = np.random.default_rng(1).gamma(2.0, 1.0, (101, 3))
    np.testing.assert_array_equal(count_quantiles(values, [0.1])[0],
                                  np.quantile(values, 0.1, axis=0, method="inverted_cdf"))


@pytest.mark.slow  # about 5 s each on a loaded machine: fits and 2.5 million draws
@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
def test_simulated_count_interval_equals_the_models_prediction_interval(model):
    """The same generator state gives the same bounds as ``prediction_interval`` customer by
    customer, over several chunks of customers (n_sims = 1,000: 2,000 customers per chunk)."""
    x, t_x, T = simulate_bgnbd(2_500, 0.5, 4.0, 0.8, 3.0, 30.0, seed=4)
    fit = model(x, t_x, T).fit()
    reference = fit.prediction_interval(10.0, x, t_x, T, alpha=0.05, n_sims=1000, seed=np.random.default_rng(9))
    lower, upper = simulated_count_interval(fit, 10.0, x, t_x, T, alpha=0.05, n_sims=1000,
                                            rng=np.random.default_rng(9))
    np.testing.assert_array_equal(lower, reference["lower"].to_numpy())
    np.testing.assert_array_equal(upper, reference["upper"].to_numpy())
    assert np.any(upper > lower + 2)  # not all degenerate
