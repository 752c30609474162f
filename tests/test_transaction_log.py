"""The SQL the analyses send to the transaction log gives what straightforward pandas gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pandas_reference as reference
from analysis.data import describe as overview
from analysis.data.transaction_log import TransactionLog
from analysis.models.simulate import simulate_transactions
from analysis.pareto.windows import persistence, window_shares
from analysis.retention.churn import gap_quantile
from analysis.retention.cohorts import cohort_table
from analysis.retention.study import yearly_activity


@pytest.fixture(scope="module", params=["cdnow_sample", "simulated_parquet"])
def logs(request, tmp_path_factory, cdnow_sample_clean):
    """(pandas frame, TransactionLog) pairs: CDNOW's sample as a frame, a simulated log as Parquet."""
    if request.param == "cdnow_sample":
        frame = cdnow_sample_clean.transactions
        return frame, TransactionLog.from_frame(frame)
    frame = simulate_transactions(3000, seed=11, observation_days=700)
    frame = frame.groupby(["customer_id", "date"], as_index=False)["amount"].sum()  # one row per purchase day
    path = tmp_path_factory.mktemp("log") / "transactions.parquet"
    frame.to_parquet(path, index=False)
    return frame, TransactionLog.from_parquet(path)


def test_window_shares(logs):
    frame, log = logs
    ours = window_shares(log, months=[1, 3, 12], q=0.2)
    theirs = reference.window_shares(frame, months=[1, 3, 12], q=0.2)
    assert ours["windows"].tolist() == theirs["windows"].tolist()
    assert ours["window_months"].tolist() == theirs["window_months"].tolist()
    np.testing.assert_allclose(ours[["share_buyers", "share_all_customers"]].to_numpy(),
                               theirs[["share_buyers", "share_all_customers"]].to_numpy(), rtol=1e-9)


def test_persistence(logs):
    frame, log = logs
    ours, theirs = persistence(log, q=0.2), reference.persistence(frame, q=0.2)
    for key in ("customers", "top_customers"):
        assert ours[key] == theirs[key]
    for key in ("still_top", "second_half_share_of_first_top", "first_half_share", "still_buying"):
        assert ours[key] == pytest.approx(theirs[key], rel=1e-9), key
    pd.testing.assert_frame_equal(ours["transition"], theirs["transition"], check_dtype=False,
                                  check_index_type=False, check_column_type=False)


def test_cohort_table(logs):
    frame, log = logs
    ours, theirs = cohort_table(log, 12), reference.cohort_table(frame, 12)
    assert list(ours.index) == list(theirs.index)
    assert list(ours.columns) == list(theirs.columns)
    np.testing.assert_allclose(ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float), rtol=1e-12)


def test_gap_quantile_and_yearly_activity(logs):
    frame, log = logs
    assert gap_quantile(log, 0.9) == pytest.approx(reference.gap_quantile(frame, 0.9), rel=1e-12)
    rate, mean_value = yearly_activity(log)
    expected_rate, expected_value = reference.yearly_activity(frame)
    assert rate == (None if expected_rate is None else pytest.approx(expected_rate, rel=1e-12))
    assert mean_value == pytest.approx(expected_value, rel=1e-9)


def test_overview_counts_and_distribution(logs):
    frame, log = logs
    customers = pd.DataFrame({"n_transactions": frame.groupby("customer_id").size().to_numpy()})
    customers["frequency"] = customers["n_transactions"] - 1
    facts = overview.describe_transactions(log, customers)
    assert facts["transactions"] == len(frame)
    assert facts["first_date"] == frame["date"].min() and facts["last_date"] == frame["date"].max()
    assert facts["total_value"] == pytest.approx(frame["amount"].sum(), rel=1e-12)
    expected = np.quantile(frame["amount"], [0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    got = [facts["amount"][k] for k in ("p10", "p25", "median", "p75", "p90", "p99")]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert facts["amount"]["mean"] == pytest.approx(frame["amount"].mean(), rel=1e-12)

    per_week = overview.transactions_per_period(log, "week")
    resampled = frame.set_index("date").resample("W")
    assert per_week["transactions"].tolist() == resampled.size().tolist()
    np.testing.assert_allclose(per_week["value"], resampled["amount"].sum(), rtol=1e-9)
    assert list(per_week.index) == list(resampled.size().index)

    histogram = overview.spend_histogram(log, bins=40)
    positive = frame.loc[frame["amount"] > 0, "amount"]
    assert histogram["counts"].sum() == len(positive)
    assert histogram["median"] == pytest.approx(positive.median(), rel=1e-12)
    expected_counts, _ = np.histogram(positive, bins=histogram["edges"])
    # bins agree except where floating point puts a value exactly on an edge
    assert np.abs(histogram["counts"] - expected_counts).sum() <= 0.001 * len(positive) + 2


def test_repeat_purchase_tracking(logs):
    from analysis.clv.study import cumulative_tracking

    frame, log = logs
    firsts = frame.groupby("customer_id")["date"].min().reset_index(name="first_purchase")
    cal = firsts[firsts["first_purchase"] < firsts["first_purchase"].min() + pd.Timedelta(days=40)]
    tracking = cumulative_tracking(cal, log, {}, period="week")
    start = cal["first_purchase"].min()
    expected = reference.repeat_purchases_before(frame, cal["customer_id"], start, tracking["period"].to_numpy() * 7)
    np.testing.assert_array_equal(tracking["actual"].to_numpy(), expected)


def test_exact_quantiles_from_counts_match_numpy():
    rng = np.random.default_rng(2)
    amounts = np.round(rng.gamma(2.0, 20.0, size=5001), 1)  # repeated values, as money has
    frame = pd.DataFrame({"customer_id": "c", "date": pd.Timestamp("2020-01-01"), "amount": amounts})
    qs = [0.0, 0.1, 0.25, 0.5, 0.5001, 0.75, 0.9, 0.99, 1.0]
    got = TransactionLog.from_frame(frame).quantiles("amount", qs)
    np.testing.assert_allclose(got, np.quantile(amounts, qs), rtol=1e-13)
    assert TransactionLog.from_frame(frame).quantiles("amount", [0.5], where="amount < 0") is None
