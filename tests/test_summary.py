"""Customer summary: the published CDNOW counts and an independent pandas computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.summary import customer_summary


def test_cdnow_sample_published_counts(cdnow_sample_clean, cdnow_sample_summary):
    # Fader, Hardie & Lee (2005a) via published_values.md: 2,357 customers, 6,919 rows merged to
    # 6,696 purchase days, 2,457 calibration and 1,882 holdout repeat transactions, 946 repeat buyers.
    summary = cdnow_sample_summary
    assert cdnow_sample_clean.input_rows == 6919
    assert len(cdnow_sample_clean.transactions) == 6696
    assert len(summary) == 2357
    assert int(summary["frequency_cal"].sum()) == 2457
    assert int(summary["frequency_holdout"].sum()) == 1882
    assert int(summary["frequency"].sum()) == 4339
    assert int((summary["frequency_cal"] > 0).sum()) == 946
    # a first purchase on 1997-01-01 has T = 272 days / 7 = 38.857 weeks at 1997-09-30
    first_day = summary["first_purchase"] == pd.Timestamp("1997-01-01")
    assert np.allclose(summary.loc[first_day, "T_cal"], 272 / 7)
    assert np.allclose(summary["duration_holdout"], 273 / 7)


def test_summary_matches_independent_pandas(cdnow_sample_clean, cdnow_sample_summary):
    tx = cdnow_sample_clean.transactions
    cal_end = pd.Timestamp("1997-09-30")
    cal = tx[tx["date"] <= cal_end]
    by_customer = cal.groupby("customer_id")
    first, last = by_customer["date"].min(), by_customer["date"].max()
    expected = pd.DataFrame({
        "frequency_cal": by_customer.size() - 1,
        "recency_cal": (last - first).dt.days / 7,
        "T_cal": (cal_end - first).dt.days / 7,
    })
    repeat = cal[cal["date"] > cal["customer_id"].map(first)]
    expected["monetary_value_cal"] = repeat.groupby("customer_id")["amount"].mean()
    expected["monetary_value_cal"] = expected["monetary_value_cal"].fillna(0.0)
    got = cdnow_sample_summary.set_index("customer_id").loc[expected.index]
    for column in expected:
        assert np.allclose(got[column].astype(float), expected[column].astype(float)), column


def test_hand_example_in_days_and_months():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "c"],
        "date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-11", "2020-01-05", "2020-01-31"]),
        "amount": [10.0, 5.0, 30.0, 7.0, 3.0],
    })
    days = customer_summary(tx, period="day", observation_end="2020-01-31").set_index("customer_id")
    # a: purchase days 01-01 (15.0) and 01-11 (30.0): one repeat, recency 10, T 30, mean repeat 30
    assert days.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [1, 10, 30, 30.0]
    assert days.loc["a", "total_value"] == 45.0
    assert days.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0, 26, 0.0]
    months = customer_summary(tx, period="month", observation_end="2020-01-31").set_index("customer_id")
    assert months.loc["a", "T"] == pytest.approx(30 / (365.25 / 12))


def test_calibration_excludes_later_customers():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b"],
        "date": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-02-15"]),
        "amount": [1.0, 2.0, 3.0],
    })
    summary = customer_summary(tx, period="day", calibration_end="2020-01-31").set_index("customer_id")
    assert summary.loc["a", "frequency_cal"] == 0 and summary.loc["a", "frequency_holdout"] == 1
    assert pd.isna(summary.loc["b", "frequency_cal"])  # first bought after calibration
    assert summary.loc["a", "duration_holdout"] == 30  # 2020-01-31 → 2020-03-01


def test_rows_sorted_by_id_as_pandas_sorts_strings():
    # The order is computed in DuckDB; it must be pandas' (code point) order, non-ASCII ids included.
    ids = ["b", "B", "10", "9", "é", "e", "Z", "ß", "日本", "a b", "", "ａ", "😀"]
    tx = pd.DataFrame({
        "customer_id": pd.array(ids, dtype="string"),
        "date": pd.to_datetime(["2020-01-01"] * len(ids)),
        "amount": 1.0,
    })
    summary = customer_summary(tx, period="day")
    assert summary["customer_id"].tolist() == sorted(ids)
    assert summary["customer_id"].dtype == pd.StringDtype()


def test_customer_after_calibration_has_holdout_values_only():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b"],
        "date": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-02-15", "2020-02-20"]),
        "amount": [1.0, 2.0, 3.0, 4.5],
    })
    summary = customer_summary(tx, period="day", calibration_end="2020-01-31").set_index("customer_id")
    late = summary.loc["b"]
    assert pd.isna(late["recency_cal"]) and pd.isna(late["T_cal"]) and pd.isna(late["monetary_value_cal"])
    assert late["frequency_holdout"] == 2 and late["monetary_value_holdout"] == 3.75
    assert pd.isna(late["duration_holdout"])
    assert summary.loc["a", "monetary_value_holdout"] == 2.0
    assert summary["frequency_cal"].dtype == "Int64" and summary["frequency_holdout"].dtype == "Int64"


def test_per_day_table_gives_the_regrouped_summary():
    # Cleaning's purchase days are one row per customer and day: read as they are (per_day=True),
    # they must give what grouping them by day again gives, to the bit.
    import duckdb

    days = pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "c"],
        "date": pd.to_datetime(["2020-01-01", "2020-01-11", "2020-01-05", "2020-01-02", "2020-03-01"]),
        "amount": [15.1, 30.3, 7.0, 0.1 + 0.2, 1e11 + 0.07],
    })
    con = duckdb.connect()
    con.register("days", days)
    options = dict(con=con, table="days", period="week", calibration_end="2020-01-31")
    regrouped = customer_summary(**options)
    assert customer_summary(**options, per_day=True).equals(regrouped)
    assert regrouped.set_index("customer_id").loc["c", "monetary_value_holdout"] == 1e11 + 0.07
