"""Window lengths, persistence and the profit view on small hand-made logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.pareto.cost import CostModel, whale_curve
from analysis.pareto.windows import persistence, window_shares


def log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(
        date=lambda f: pd.to_datetime(f["date"]))


def test_whale_curve_hand_example():
    # profits 60, 30, 20, -5, -5: total 100; cumulative peaks at 110% after three customers
    whale = whale_curve([20, -5, 60, 30, -5])
    assert whale.peak == pytest.approx(1.10) and whale.peak_at == pytest.approx(0.6)
    assert whale.top20_share == pytest.approx(0.60)
    assert whale.lost_on_unprofitable == pytest.approx(10.0)
    assert whale.share_unprofitable == pytest.approx(0.4)
    # the bottom 30% (round(1.5) = 2 customers) lose 10, a sixth of the top 20%'s 60
    assert whale.bottom30_consumes == pytest.approx(10 / 60)


def test_cost_model_profit():
    customers = pd.DataFrame({"total_value": [100.0, 10.0], "n_transactions": [4, 1], "T": [50.0, 50.0]})
    profit = CostModel(margin_rate=0.5, cost_per_order=2, cost_per_customer_per_period=0.1).profit(customers)
    assert profit.tolist() == pytest.approx([50 - 8 - 5, 5 - 2 - 5])


def test_window_shares_count_non_buyers():
    rows = [("a", "2020-01-05", 10), ("b", "2020-01-06", 10), ("a", "2020-02-05", 10), ("c", "2020-03-05", 1)]
    table = window_shares(log(rows), months=[1], q=0.5).set_index("window_months")
    # two complete windows from 2020-01-05: [Jan 5, Feb 5) a and b equal → 0.5;
    # [Feb 5, Mar 5) only a bought: the top half of one buyer holds half (0.5), while among a and
    # b (b at zero) the top half holds everything (1.0)
    assert table.loc[1, "windows"] == 2
    assert table.loc[1, "share_buyers"] == pytest.approx(0.5)
    assert table.loc[1, "share_all_customers"] == pytest.approx(0.75)
    # full period: a 20, b 10, c 1; the top 1.5 customers hold 20 + 5 of 31
    assert table.loc["full", "share_buyers"] == pytest.approx(25 / 31)


def test_persistence_counts_who_stays_on_top():
    rows = []
    for i in range(10):
        rows.append((f"c{i}", "2020-01-10", 100 - i))  # c0 largest in the first half
        rows.append((f"c{i}", "2020-12-10", 1 + i))   # c9 largest in the second half
    result = persistence(log(rows), q=0.2, split="2020-06-30")
    assert result["top_customers"] == 2
    assert result["still_top"] == 0.0
    assert result["second_half_share_of_first_top"] == pytest.approx(3 / 55)
    assert np.allclose(result["transition"].sum(axis=1), 1.0)


def test_smallest_sum_and_next_agrees_with_sorting():
    from analysis.pareto.windows import _smallest_sum_and_next

    rng = np.random.default_rng(7)
    values = rng.integers(-5, 40, 60)  # ties and negative sums included, as refunds can make them
    ordered = np.sort(values)
    for m in range(-2, values.size + 2):
        below, following = _smallest_sum_and_next(values, m)
        # the (m+1)-th smallest is 0 past either end, as the SQL's coalesce(max(...) FILTER ..., 0) was
        assert below == int(ordered[:max(m, 0)].sum())
        assert following == (int(ordered[m]) if 0 <= m < values.size else 0)


def test_exact_sum_does_not_wrap_around():
    from analysis.pareto.windows import _exact_sum

    # three values of 2^62 overflow int64 (NumPy's sum would wrap to a negative number)
    assert _exact_sum(np.array([2**62, 2**62, 2**62], dtype=np.int64)) == 3 * 2**62


def test_window_shares_exact_to_the_last_digit():
    # amounts binary floats cannot hold: the total is the exact 0.6, not the float sum
    # 0.1 + 0.2 + 0.3 = 0.6000000000000001, whatever order the rows come in
    rows = [("a", "2020-01-05", 0.1), ("b", "2020-01-06", 0.2), ("c", "2020-01-07", 0.3), ("a", "2020-01-08", 0.0)]
    for order in ([0, 1, 2, 3], [3, 2, 1, 0]):
        table = window_shares(log([rows[i] for i in order]), months=[], q=0.5).set_index("window_months")
        # below the boundary at 1.5 customers: 0.1 + 0.5 × 0.2 = 0.2 of 0.6
        assert table.loc["full", "share_buyers"] == 1.0 - 0.2 / 0.6


def test_pareto_reads_customer_ids_only_for_segments():
    from analysis.pareto.settings import ParetoSettings
    from analysis.pareto.study import pareto_columns

    rows = [("a", "2020-01-05", 10.0), ("b", "2020-01-06", 5.0)]
    settings = ParetoSettings()
    assert pareto_columns(settings, log(rows)) == ["total_value", "n_transactions", "T"]
    segmented = log(rows).assign(segment=["x", "y"])
    assert pareto_columns(settings, segmented)[0] == "customer_id"
