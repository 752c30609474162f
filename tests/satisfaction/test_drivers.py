"""Importance-performance matrix, ordered-logit drivers, Net Promoter Score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.models.pls import PLSPathModel
from analysis.satisfaction.catalogue import QUADRANTS
from analysis.satisfaction.drivers import (
    importance_performance,
    net_promoter_score,
    ordered_logit_drivers,
)

from .conftest import ECSI_BLOCKS, ECSI_PATHS


def test_importance_performance_quadrants_by_hand():
    effects = pd.Series([0.6, 0.5, 0.1, 0.2],
                        index=pd.MultiIndex.from_tuples([("A", "Sat"), ("B", "Sat"), ("C", "Sat"), ("D", "Sat")],
                                                        names=["source", "target"]))
    performance = pd.Series({"A": 60.0, "B": 80.0, "C": 50.0, "D": 90.0})
    # cuts: mean importance 0.35, mean performance 70
    table = importance_performance(effects, performance, "Sat")
    assert table["quadrant"].to_dict() == {"A": "concentrate_here", "B": "keep_up", "C": "low_priority",
                                           "D": "possible_overkill"}
    assert table.loc["A", "label_zh"] == "重点改进区" and table.loc["D", "label_en"] == "Possible overkill"
    assert table.attrs["importance_cut"] == pytest.approx(0.35)
    assert set(QUADRANTS) == {"concentrate_here", "keep_up", "low_priority", "possible_overkill"}


def test_importance_performance_on_ecsi(ecsi):
    fit = PLSPathModel(ecsi, ECSI_BLOCKS, ECSI_PATHS, scale=(1, 10)).fit()
    table = importance_performance(fit.total_effects, fit.index_means, "Satisfaction")
    assert set(table.index) == {"Image", "Expectation", "Quality", "Value"}
    # importance is the total effect: Quality's = direct + via Value
    p = fit.path_coefficients
    assert table.loc["Quality", "importance"] == pytest.approx(
        p[("Quality", "Satisfaction")] + p[("Quality", "Value")] * p[("Value", "Satisfaction")], abs=1e-12)
    assert table.loc["Quality", "performance"] == pytest.approx(fit.index_means["Quality"])


def test_nps_by_hand():
    # 10 answers: promoters 9, 10, 10, 9 (4); passives 7, 8 (2); detractors 0, 3, 6, 5 (4)
    answers = [9, 10, 10, 9, 7, 8, 0, 3, 6, 5]
    result = net_promoter_score(answers)
    assert (result.promoters, result.passives, result.detractors) == (4, 2, 4)
    assert result.nps == pytest.approx(0.0)
    # Var = (0.4 + 0.4 - 0^2)/10 = 0.08 -> se 0.2828 -> 28.28 points
    assert result.std_error == pytest.approx(100 * np.sqrt(0.08))
    result = net_promoter_score([10, 10, 9, 8, 2, np.nan])
    # 3 promoters, 1 detractor of 5: NPS 40; Var = (0.6 + 0.2 - 0.16)/5 = 0.128
    assert result.n == 5 and result.nps == pytest.approx(40.0)
    assert result.std_error == pytest.approx(100 * np.sqrt(0.128))
    with pytest.raises(ValueError, match="0-10"):
        net_promoter_score([3, 11])


def test_nps_interval_coverage_by_simulation():
    rng = np.random.default_rng(17)
    probabilities = np.full(11, 0.04)
    probabilities[[9, 10]] = [0.2, 0.18]
    probabilities[[7, 8]] = [0.1, 0.12]
    probabilities /= probabilities.sum()                # promoters 0.38/0.88, detractors 0.28/0.88
    true_nps = 100 * (probabilities[9:].sum() - probabilities[:7].sum())
    hits, reps = 0, 1000
    for _ in range(reps):
        answers = rng.choice(11, size=300, p=probabilities)
        result = net_promoter_score(answers)
        hits += result.lower <= true_nps <= result.upper
    # nominal 95%; binomial sd of the coverage over 1000 replications is 0.69 points
    assert 0.93 <= hits / reps <= 0.97


def test_ordered_logit_recovers_a_known_driver_effect():
    rng = np.random.default_rng(5)
    n = 3000
    drivers = pd.DataFrame({"service": rng.normal(size=n), "price": rng.normal(size=n)})
    latent = 1.2 * drivers["service"] + 0.4 * drivers["price"] + rng.logistic(size=n)
    overall = np.digitize(latent, [-2.0, -0.5, 0.5, 2.0]) + 1            # answers 1..5
    answers = drivers.assign(overall=overall)
    result = ordered_logit_drivers(answers, "overall", ["service", "price"])
    for name, truth in {"service": 1.2, "price": 0.4}.items():
        row = result.table.loc[name]
        assert row["lower"] <= truth <= row["upper"], (name, row.to_dict())
    assert result.thresholds.to_numpy() == pytest.approx([-2.0, -0.5, 0.5, 2.0], abs=0.2)
    assert result.table.loc["service", "odds_ratio"] == pytest.approx(np.exp(result.table.loc["service", "coef"]))
    assert result.nobs == n and result.n_dropped == 0
    z = stats.norm.ppf(0.975)
    row = result.table.loc["price"]
    assert row["upper"] - row["coef"] == pytest.approx(z * row["std_error"])
