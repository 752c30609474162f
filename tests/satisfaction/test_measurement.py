"""Means, top-box shares, Cronbach's alpha with Feldt's interval, rho_c and AVE."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.models.pls import PLSPathModel
from analysis.satisfaction.measurement import (
    average_variance_extracted,
    composite_reliability,
    cronbach_alpha,
    dimension_means,
    feldt_interval,
    item_means,
    reliability_table,
    top_box_shares,
)

from .conftest import ECSI_BLOCKS, ECSI_PATHS


def textbook_alpha(block: pd.DataFrame) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the total score), written out."""
    k = block.shape[1]
    item_variances = sum(block[c].var(ddof=1) for c in block.columns)
    total_variance = block.sum(axis=1).var(ddof=1)
    return k / (k - 1) * (1 - item_variances / total_variance)


def test_alpha_equals_the_textbook_formula_on_every_ecsi_block(ecsi):
    for name, items in ECSI_BLOCKS.items():
        if len(items) < 2:
            continue
        alpha, n, k = cronbach_alpha(ecsi[items])
        assert (n, k) == (250, len(items))
        assert alpha == pytest.approx(textbook_alpha(ecsi[items]), abs=1e-12), name


def test_alpha_on_a_hand_example():
    # three items, four respondents: item variances 5/3, 5/3, 1/4 (sum 3.5833); totals 6, 9, 10, 12
    # have variance 6.25; alpha = 3/2 * (1 - 3.5833/6.25) = 0.64
    block = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 4, 3, 5], "c": [3, 3, 4, 3]})
    assert textbook_alpha(block) == pytest.approx(1.5 * (1 - (5 / 3 + 5 / 3 + 0.25) / 6.25))
    assert textbook_alpha(block) == pytest.approx(0.64)
    assert cronbach_alpha(block)[0] == pytest.approx(textbook_alpha(block), abs=1e-12)


def test_feldt_interval_formula_and_coverage():
    # formula: lower = 1 - (1 - a) F_{.975}(n-1, (n-1)(k-1)), upper = 1 - (1 - a) F_{.025}(...)
    lower, upper = feldt_interval(0.8, 100, 5)
    assert lower == pytest.approx(1 - 0.2 * stats.f.ppf(0.975, 99, 396))
    assert upper == pytest.approx(1 - 0.2 * stats.f.ppf(0.025, 99, 396))
    # coverage by simulation: parallel items x = f + e, true alpha = k r / (1 + (k - 1) r) with
    # r = 1 / (1 + sigma_e^2); Feldt's interval is exact under normal parallel items
    rng = np.random.default_rng(2026)
    k, n, sigma_e = 4, 60, 1.2
    r = 1 / (1 + sigma_e ** 2)
    true_alpha = k * r / (1 + (k - 1) * r)
    hits, reps = 0, 400
    for _ in range(reps):
        x = rng.normal(size=(n, 1)) + rng.normal(scale=sigma_e, size=(n, k))
        alpha, _, _ = cronbach_alpha(pd.DataFrame(x))
        lo, hi = feldt_interval(alpha, n, k)
        hits += lo <= true_alpha <= hi
    # 95% nominal; with 400 replications the binomial sd is 1.1 points
    assert 0.92 <= hits / reps <= 0.98


def test_item_and_dimension_means_with_t_intervals(ecsi):
    table = item_means(ecsi, ["CUSA1"])
    values = ecsi["CUSA1"]
    half = stats.t.ppf(0.975, 249) * values.std(ddof=1) / np.sqrt(250)
    assert table.loc["CUSA1", "mean"] == pytest.approx(values.mean())
    assert table.loc["CUSA1", "upper"] - table.loc["CUSA1", "mean"] == pytest.approx(half)
    holed = ecsi.copy()
    holed.loc[0, "CUSA2"] = np.nan
    dims = dimension_means(holed, {"Satisfaction": ECSI_BLOCKS["Satisfaction"]})
    assert dims.loc["Satisfaction", "n"] == 249   # listwise within the dimension
    assert dims.loc["Satisfaction", "mean"] == pytest.approx(holed[ECSI_BLOCKS["Satisfaction"]].dropna().mean(axis=1).mean())


def test_top_two_box_with_wilson_interval():
    answers = pd.DataFrame({"q": [5, 4, 3, 5, 2, 1, 4, 4, np.nan, 3]})
    table = top_box_shares(answers, ["q"], scale_max=5, boxes=2)
    # 5 of the 9 answers are 4 or 5
    assert table.loc["q", "top_box"] == 5 and table.loc["q", "n"] == 9
    # Wilson (1927) by hand: centre (p + z²/2n)/(1 + z²/n), half z/(1 + z²/n) sqrt(p(1-p)/n + z²/4n²)
    z, p, n = 1.959963984540054, 5 / 9, 9
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert table.loc["q", "lower"] == pytest.approx(centre - half)
    assert table.loc["q", "upper"] == pytest.approx(centre + half)


def test_composite_reliability_and_ave():
    loadings = [0.8, 0.7, 0.9]
    # (2.4)^2 / (5.76 + (0.36 + 0.51 + 0.19)) = 5.76 / 6.82
    assert composite_reliability(loadings) == pytest.approx(5.76 / 6.82)
    assert average_variance_extracted(loadings) == pytest.approx((0.64 + 0.49 + 0.81) / 3)


def test_reliability_table_on_ecsi(ecsi):
    fit = PLSPathModel(ecsi, ECSI_BLOCKS, ECSI_PATHS).fit()
    table = reliability_table(ecsi, ECSI_BLOCKS, fit.outer_loadings)
    assert np.isnan(table.loc["Complaints", "alpha"]) and table.loc["Complaints", "rho_c"] == pytest.approx(1.0)
    for name in ["Image", "Quality", "Satisfaction"]:
        row = table.loc[name]
        assert row["alpha_lower"] < row["alpha"] < row["alpha_upper"]
        # for Mode A blocks with positive loadings rho_c exceeds alpha (Werts et al. 1974)
        assert row["rho_c"] > row["alpha"]
