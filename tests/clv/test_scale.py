"""The CLV chapter's shortcuts at scale give the numbers of the plain computations they replace."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.clv import BetaGeo, ParetoNBD
from analysis.clv.study import customer_intervals
from analysis.models.simulate import simulate_bgnbd


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
def test_chapter_prediction_interval_equals_the_models_per_customer(model):
    """The chapter computes the prediction interval once per distinct history (x, t_x, T) and the
    model once per distinct (x, T): both give each customer the bounds of
    ``prediction_interval`` on the customers one by one (weekly data: many shared histories)."""
    x, t_x, T = simulate_bgnbd(3_000, 0.5, 4.0, 0.8, 3.0, 30.0, seed=4)
    t_x, T = np.round(t_x), np.round(np.maximum(T, t_x))
    fit = model(x, t_x, T).fit()
    columns, summary = customer_intervals(fit, 10.0, x, t_x, T, n_draws=20, seed=1)
    assert summary["distinct_histories"] < x.size / 2 and summary["prediction_method"] == "exact"
    one_by_one = [fit.prediction_interval(10.0, x[i:i + 1], t_x[i:i + 1], T[i:i + 1], alpha=0.05)
                  for i in range(0, x.size, 7)]
    np.testing.assert_array_equal(columns["purchases_prediction_lower"][::7], [f["lower"][0] for f in one_by_one])
    np.testing.assert_array_equal(columns["purchases_prediction_upper"][::7], [f["upper"][0] for f in one_by_one])
    assert np.any(columns["purchases_prediction_upper"] > columns["purchases_prediction_lower"] + 2)
