"""Concentration measures: exact cases, closed forms and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.pareto import (
    gamma_rate_top_share,
    gini,
    hhi,
    largest_share,
    lorenz_curve,
    top_share,
    xy_point,
)

positive_arrays = st.lists(st.floats(min_value=0.01, max_value=1e6, allow_nan=False), min_size=2, max_size=200)


def test_equal_values():
    values = np.full(100, 7.0)
    assert top_share(values, 0.2) == pytest.approx(0.2)
    assert gini(values) == pytest.approx(0.0, abs=1e-12)
    assert xy_point(values) == pytest.approx(0.5)
    assert hhi(values) == pytest.approx(0.01)


def test_one_customer_holds_everything():
    values = np.zeros(50)
    values[3] = 10.0
    assert top_share(values, 0.2) == pytest.approx(1.0)
    assert gini(values) == pytest.approx(49 / 50)  # the maximum for n = 50 is 1 - 1/n
    assert largest_share(values, 10) == 1.0


def test_fractional_boundary_interpolates():
    # values 1..5: top 30% = the largest (5) plus half of the second largest (4) → 7/15
    assert top_share([1, 2, 3, 4, 5], 0.3) == pytest.approx(7 / 15)


def test_pareto_closed_form():
    # Pareto(alpha) with survival exponent alpha: top-q share = q^(1 - 1/alpha) (published_values.md)
    alpha = 3.0
    rng = np.random.default_rng(0)
    values = (1 - rng.random(2_000_000)) ** (-1 / alpha)
    for q in (0.05, 0.2, 0.5):
        assert top_share(values, q) == pytest.approx(q ** (1 - 1 / alpha), rel=0.01)


def test_gamma_rate_shares_published():
    # published_values.md: r = 0.25 → 0.796, 0.5 → 0.650, 1 → 0.522, 2 → 0.424
    got = [round(gamma_rate_top_share(r), 3) for r in (0.25, 0.5, 1.0, 2.0)]
    assert got == [0.796, 0.650, 0.522, 0.424]


def test_gamma_rate_share_matches_simulation():
    rates = np.random.default_rng(1).gamma(0.5, 1.0, 2_000_000)
    assert top_share(rates, 0.2) == pytest.approx(gamma_rate_top_share(0.5), abs=0.002)


@settings(max_examples=60, deadline=None)
@given(positive_arrays, st.floats(min_value=0.01, max_value=1.0))
def test_share_bounds_and_monotone(values, q):
    share = top_share(values, q)
    assert q - 1e-9 <= share <= 1 + 1e-9
    assert top_share(values, min(1.0, q + 0.05)) >= share - 1e-12


@settings(max_examples=60, deadline=None)
@given(positive_arrays, st.floats(min_value=0.1, max_value=1000), st.randoms(use_true_random=False))
def test_permutation_and_scale_invariant(values, scale, random):
    shuffled = list(values)
    random.shuffle(shuffled)
    assert top_share(shuffled, 0.2) == pytest.approx(top_share(values, 0.2), rel=1e-9)
    assert top_share(np.asarray(values) * scale, 0.2) == pytest.approx(top_share(values, 0.2), rel=1e-9)
    assert gini(np.asarray(values) * scale) == pytest.approx(gini(values), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(positive_arrays)
def test_lorenz_curve_is_convex(values):
    p, curve = lorenz_curve(values)
    slopes = np.diff(curve) / np.diff(p)
    assert np.all(np.diff(slopes) >= -1e-9)
    assert curve[0] == 0 and curve[-1] == pytest.approx(1.0)


def test_cdnow_master_top_share_matches_independent_pandas(shared_dataset):
    import pandas as pd

    path = shared_dataset("cdnow/CDNOW_master.txt")
    log = pd.read_csv(path, sep=r"\s+")
    revenue = log.groupby("customer_id")["dollar_value"].sum().sort_values(ascending=False)
    k = 0.2 * len(revenue)  # 4,714 customers exactly: no fractional boundary
    independent = revenue.iloc[: int(k)].sum() / revenue.sum()
    assert top_share(revenue.to_numpy(), 0.2) == pytest.approx(independent, rel=1e-12)
