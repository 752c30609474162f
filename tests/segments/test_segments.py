"""Segments: quintiles with ties, classes that partition the customers, matrix cells, allocation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.segments import assign_classes, class_table, quintile_scores, value_matrix
from analysis.segments.allocation import allocate
from analysis.segments.elastic import elastic_customers, summarize_elastic
from analysis.segments.settings import ClassResponse, SegmentSettings


def test_quintile_scores_with_ties_are_deterministic():
    # ten customers, values 1..5 twice: ties broken by id; the two best get 5, the two worst 1
    values = pd.Series([1, 2, 3, 4, 5, 1, 2, 3, 4, 5], dtype=float)
    ids = pd.Series([f"c{i}" for i in range(10)])
    scores = quintile_scores(values, ids)
    assert scores.tolist() == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    assert scores.value_counts().tolist() == [2] * 5
    assert quintile_scores(values, ids).equals(scores)
    # lower-is-better scores mirror
    assert quintile_scores(values, ids, higher_is_better=False).tolist() == [5, 4, 3, 2, 1, 5, 4, 3, 2, 1]


def customers_frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    first = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    last = first + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    return pd.DataFrame({
        "customer_id": [f"c{i:03d}" for i in range(n)], "first_purchase": first, "last_purchase": last,
        "n_transactions": rng.integers(1, 10, n), "total_value": rng.lognormal(3, 1, n),
        "p_alive": rng.random(n), "predicted_clv": rng.lognormal(1, 1, n), "expected_purchases": rng.random(n) * 3,
    })


def test_every_customer_in_exactly_one_class_and_counts_add_up():
    customers = customers_frame()
    classes = assign_classes(customers, "2021-12-31", SegmentSettings())
    assert classes.notna().all() and len(classes) == len(customers)
    table = class_table(customers, classes)
    assert table["customers"].sum() == len(customers)
    assert table["share_value"].sum() == pytest.approx(1.0)


def test_class_rules_on_a_hand_example():
    customers = pd.DataFrame({
        "customer_id": ["lost", "dormant", "risk", "vip", "pot", "act"],
        "first_purchase": pd.to_datetime(["2019-01-01"] * 6),
        "last_purchase": pd.to_datetime(["2019-02-01", "2020-06-01", "2021-11-01", "2021-12-01", "2021-12-01", "2021-12-20"]),
        "n_transactions": [2, 2, 2, 5, 2, 2],
        "total_value": [10, 10, 10, 1000, 5, 6],
        "p_alive": [0.01, 0.9, 0.3, 0.9, 0.9, 0.9],
        "predicted_clv": [0, 1, 1, 10, 50, 1],
    })
    settings = SegmentSettings(core_share=1 / 6, potential_share=1 / 6)
    labels = assign_classes(customers, "2021-12-31", settings).astype(str).tolist()
    assert labels == ["lost", "dormant", "at_risk", "core", "potential", "active"]


def test_matrix_cells_partition_customers():
    customers = customers_frame()
    cells, thresholds = value_matrix(customers["total_value"], customers["predicted_clv"], 0.5)
    assert set(cells) <= {"keep", "develop", "maintain", "reconsider"}
    assert len(cells) == len(customers)
    high_current = customers["total_value"] >= thresholds["current"]
    assert (cells[high_current].isin(["keep", "maintain"])).all()


def test_allocation_hand_example_and_budget():
    # a: 10 customers, mean CLV 100, uplift 10% → gain 10 per contact, cost 2 (ratio 5)
    # b: 10 customers, mean CLV 100, uplift 5% → gain 5, cost 2 (ratio 2.5)
    table = pd.DataFrame({"customers": [10, 10], "predicted_clv": [1000.0, 1000.0]}, index=pd.Index(["a", "b"], name="class"))
    responses = {"a": ClassResponse(cost_per_contact=2, uplift=0.10), "b": ClassResponse(cost_per_contact=2, uplift=0.05)}
    plan = allocate(table, responses, budget=30)
    # 10 contacts of a (cost 20, gain 100), then 5 of b (cost 10, gain 25)
    assert plan["plan"]["contacts"].tolist() == [10, 5]
    assert plan["expected_gain"] == pytest.approx(125)
    assert plan["spent"] <= 30 + 1e-9
    # even spread: 30/40 of each class → 7.5 × 10 + 7.5 × 5 = 112.5
    assert plan["even_gain"] == pytest.approx(112.5)
    assert plan["expected_gain"] >= plan["even_gain"]


def test_elastic_customers_small_table():
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "predicted_clv": [20.0, 2.0, 20.0],
                              "expected_purchases": [1.0, 1.0, 1.0]})
    profit = pd.Series([-5.0, -5.0, 3.0])
    frame = elastic_customers(customers, profit, cost_per_order=2, cost_per_period=0.1, horizon_periods=52)
    # future cost 2 + 5.2 = 7.2: a is elastic (20 − 7.2 > 0, profit < 0); b is not; c is profitable
    assert frame["elastic"].tolist() == [True, False, False]
    summary = summarize_elastic(frame)
    assert summary["customers"] == 1 and summary["future_net_value"] == pytest.approx(12.8)


def test_ranked_order_matches_a_stable_sort_by_value_then_id():
    from analysis.segments.classes import top_share_flag
    from analysis.segments.rfm import id_ranks, ranked_order

    rng = np.random.default_rng(3)
    n = 3000
    values = pd.Series(rng.integers(0, 40, n).astype(float))  # many ties
    values[rng.random(n) < 0.02] = np.nan
    ids = pd.Series([f"{rng.choice(['c', 'Ä', 'z', '客'])}{i}" for i in rng.permutation(n)], dtype="string")
    for descending in (True, False):
        expected = pd.DataFrame({"v": values.to_numpy(), "id": ids.astype(str).to_numpy()}).sort_values(
            ["v", "id"], ascending=[not descending, True], kind="stable").index.to_numpy()
        assert np.array_equal(ranked_order(values, id_ranks(ids), descending=descending), expected)
    flag = top_share_flag(values, ids, 0.2)
    assert flag.sum() == 600 and flag[values.fillna(-1).to_numpy() >= 39].all()
    # integer ids are ranked as strings, as before ("10" < "9")
    assert id_ranks(pd.Series([9, 10, 100])).tolist() == [2, 0, 1]
