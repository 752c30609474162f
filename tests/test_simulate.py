"""The synthetic log generator reproduces the BG/NBD expectation it is built on."""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1

from analysis.data.summary import customer_summary
from analysis.models.simulate import TruePurchasing, simulate_transactions


def bgnbd_expected_repeats(t: float, r: float, alpha: float, a: float, b: float) -> float:
    # Fader, Hardie & Lee (2005a), eq. (9)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def test_mean_repeat_purchases_match_bgnbd_expectation():
    truth = TruePurchasing(r=0.5, alpha=6.0, a=1.2, b=2.5, period_days=7.0)
    log = simulate_transactions(60_000, purchasing=truth, acquisition_days=1, observation_days=365, seed=3)
    # purchases merged by day, as the summary does: with these rates, same-day repeats are rare
    summary = customer_summary(log, period="week", observation_end="2020-12-31")
    t = 365 / 7
    expected = bgnbd_expected_repeats(t, truth.r, truth.alpha, truth.a, truth.b)
    observed = summary["frequency"].mean()
    standard_error = summary["frequency"].std() / np.sqrt(len(summary))
    assert abs(observed - expected) < 4 * standard_error + 0.01 * expected, (observed, expected)


def test_seeded_and_reproducible():
    first = simulate_transactions(1000, seed=7)
    second = simulate_transactions(1000, seed=7)
    assert first.equals(second)
    assert (first["amount"] > 0).all()


def test_messy_log_keeps_the_quarantine_identity(tmp_path):
    from analysis.core.config import AnalysisSettings, CleaningSettings, DataSettings
    from analysis.data.cleaning import clean_transactions
    from analysis.data.loading import load_transactions

    log = simulate_transactions(5000, seed=9, return_rate=0.05, missing_id_rate=0.02)
    log.to_parquet(tmp_path / "log.parquet")
    settings = DataSettings(path=tmp_path / "log.parquet",
                            columns={"customer": "customer_id", "date": "date", "amount": "amount", "invoice": "invoice"})
    result = clean_transactions(load_transactions(settings), CleaningSettings(), AnalysisSettings())
    counts = result.counts()
    assert counts["input_rows"] == len(log) == counts["kept_rows"] + counts["quarantined_rows"]
    assert counts["dropped"]["missing_customer"] == int(log["customer_id"].isna().sum())
    returns_with_id = int((log["invoice"].str.startswith("C") & log["customer_id"].notna()).sum())
    matched = counts["dropped"].get("cancellation_netted", 0) + counts["dropped"].get("cancellation_unmatched", 0)
    assert matched == returns_with_id
    # a full return cancels its purchase: no negative or zero purchase days remain
    assert (result.transactions["amount"] > 0).all()


def test_exact_summary_is_the_log_before_days_and_merges():
    from analysis.models.simulate import exact_summary

    options = {"purchasing": TruePurchasing(r=0.7, alpha=3.0, a=0.8, b=7.0), "observation_days": 730, "seed": 4}
    log = simulate_transactions(2000, **options)
    exact = exact_summary(2000, **options)
    rows = log.groupby(log["customer_id"].astype(int)).size().reindex(range(2000)).to_numpy()
    assert np.array_equal(exact["frequency"].to_numpy() + 1, rows)  # every purchase row, same-day ones too
    last_day = (log.groupby(log["customer_id"].astype(int))["date"].max()
                - log.groupby(log["customer_id"].astype(int))["date"].min()).dt.days.reindex(range(2000)).to_numpy()
    # the log cuts times to whole days
    assert np.array_equal(np.floor(exact["recency"].to_numpy() * 7).astype(int), last_day)
    assert (exact["recency"] <= exact["T"]).all()
