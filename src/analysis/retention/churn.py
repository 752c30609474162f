"""Churn in a non-contractual setting, where nobody says goodbye: an explicit inactivity rule.

A customer is counted as churned when the gap after their last purchase exceeds a threshold before
the end of observation. The customer's lifetime then ends at the last purchase: that is when they
stopped buying; the rule only lets us *know* it once the gap exceeds the threshold. (Dating the
churn at last purchase + threshold would add the threshold to every lifetime, and a one-time
buyer's lifetime would equal the threshold, so the Kaplan–Meier median would be the threshold
itself whatever the data.) A one-time buyer who churned has a lifetime of zero. A customer whose
last purchase is more recent than the threshold is censored at the end of observation (still
possibly active) — never counted as churned.
The default threshold is the 90th percentile of observed inter-purchase gaps; the course's
dormant-account rule is a fixed number of days without activity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.transaction_log import TransactionLog, as_log


def gap_quantile(transactions: TransactionLog | pd.DataFrame, quantile: float) -> float | None:
    """The ``quantile`` of the days between consecutive purchase days of the same customer
    (linear interpolation, as ``numpy.quantile``); None when nobody bought twice."""
    found = as_log(transactions).quantiles(
        "gap", [quantile], source="(SELECT date_diff('day', lag(date) OVER (PARTITION BY customer_id ORDER BY date), "
                                  "date) AS gap FROM log)")
    return found[0] if found else None


def resolve_threshold(transactions: TransactionLog | pd.DataFrame, rule: str | int, dormant_days: int,
                      quantile: float) -> int:
    if rule == "auto":
        gap = gap_quantile(transactions, quantile)
        return int(np.ceil(gap)) if gap is not None else dormant_days
    if rule == "dormant":
        return int(dormant_days)
    return int(rule)


def churn_durations(customers: pd.DataFrame, observation_end, threshold_days: int, period_days: float) -> pd.DataFrame:
    """(duration in periods, event) per customer under the inactivity rule."""
    duration, event = _durations(customers, observation_end, threshold_days, period_days)
    return pd.DataFrame({
        "customer_id": customers["customer_id"].array,  # not to_numpy(): one Python string per customer
        "duration": duration,
        "event": event,
    })


def _durations(customers: pd.DataFrame, observation_end, threshold_days: int,
               period_days: float) -> tuple[np.ndarray, np.ndarray]:
    end = np.datetime64(pd.Timestamp(observation_end).to_datetime64(), "D")
    first = customers["first_purchase"].to_numpy().astype("datetime64[D]")
    last = customers["last_purchase"].to_numpy().astype("datetime64[D]")
    since_last = (end - last).astype(np.int64)
    churned = since_last > threshold_days
    lifetime_days = np.where(churned, (last - first).astype(np.int64), (end - first).astype(np.int64))
    return lifetime_days / period_days, churned.astype(np.int64)


def threshold_sensitivity(customers: pd.DataFrame, observation_end, thresholds: list[int], period_days: float) -> pd.DataFrame:
    """Share churned and KM median lifetime for each inactivity threshold."""
    from .survival import kaplan_meier

    rows = []
    for days in thresholds:
        duration, event = _durations(customers, observation_end, days, period_days)
        km = kaplan_meier(duration, event)
        rows.append({"threshold_days": int(days), "share_churned": float(event.mean()),
                     "censored": int((event == 0).sum()), "median_lifetime": km["median"]})
    return pd.DataFrame(rows)
