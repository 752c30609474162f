"""Behavioural loyalty from the log: repeat rate, loyalty ladder, return rates."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.satisfaction.loyalty import (
    loyalty_ladder,
    loyalty_step,
    repeat_purchase_rate,
    return_rates,
)


def test_ladder_rule_by_hand():
    summary = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e"],
        "frequency": [0, 1, 3, 3, 2],
        "recency": [0, 10, 40, 5, 45],
        "T": [50, 50, 50, 50, 50],
    })
    # a: no repeat -> one-time; b: 1 repeat < 2 -> repeat; c: 3 repeats, last buy 10 ago -> loyal;
    # d: 3 repeats but last buy 45 ago > 26 -> repeat; e: 2 repeats, 5 ago -> loyal
    assert loyalty_step(summary).tolist() == ["one_time", "repeat", "loyal", "repeat", "loyal"]
    table = loyalty_ladder(summary)
    assert table["customers"].to_dict() == {"one_time": 1, "repeat": 2, "loyal": 2}
    assert table.loc["loyal", "label_zh"] == "忠诚客户" and table.attrs["min_repeat"] == 2
    stricter = loyalty_ladder(summary, min_repeat=3, active_within=10)
    assert stricter["customers"].to_dict() == {"one_time": 1, "repeat": 3, "loyal": 1}


def test_repeat_rate_on_the_cdnow_sample(cdnow_sample_summary):
    result = repeat_purchase_rate(cdnow_sample_summary)
    # Fader, Hardie & Lee (2005): of the 2,357 sample customers, 1,411 made no repeat purchase in
    # the 39-week calibration period; over the full 78 weeks fewer are one-time buyers
    assert result["customers"] == 2357
    calibration = repeat_purchase_rate(cdnow_sample_summary.rename(
        columns={"frequency": "frequency_full", "frequency_cal": "frequency"}))
    assert calibration["repeat_customers"] == 2357 - 1411
    assert result["repeat_customers"] >= calibration["repeat_customers"]
    assert result["lower"] < result["rate"] < result["upper"]


def test_return_rates():
    log = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"], "amount": [10.0, -4.0, 20.0, 30.0, -6.0]})
    rates = return_rates(log)
    assert rates["return_lines"] == 2 and rates["line_rate"] == pytest.approx(0.4)
    assert rates["value_rate"] == pytest.approx(10 / 60)
    assert rates["returning_customers"] == 2 and rates["customer_rate"] == pytest.approx(2 / 3)
    assert return_rates(log[log["amount"] > 0]) is None
