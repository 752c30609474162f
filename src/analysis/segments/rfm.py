"""RFM scores: recency, frequency and monetary value in quintiles (5 = best).

Ties are broken deterministically: customers are ordered by the value, then by customer id, and the
ranks are cut into five groups of equal size, so equal values may fall into neighbouring quintiles
but the same data always gives the same scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def quintile_scores(values: pd.Series, ids: pd.Series, higher_is_better: bool = True) -> pd.Series:
    order = pd.DataFrame({"value": values.to_numpy(), "id": ids.astype(str).to_numpy()})
    order = order.sort_values(["value", "id"], ascending=[not higher_is_better, True], kind="stable")
    n = len(order)
    rank = np.empty(n, dtype=int)
    rank[order.index.to_numpy()] = np.arange(n)  # 0 = best
    return pd.Series(5 - (rank * 5 // max(n, 1)), index=values.index)


def rfm_scores(customers: pd.DataFrame, as_of) -> pd.DataFrame:
    """R: days since the last purchase (fewer is better); F: purchase days; M: mean value per
    purchase day."""
    as_of = pd.Timestamp(as_of)
    days_since = (as_of - customers["last_purchase"]).dt.days
    spend = customers["total_value"] / customers["n_transactions"]
    ids = customers["customer_id"]
    return pd.DataFrame({
        "customer_id": ids,
        "days_since_last": days_since,
        "R": quintile_scores(-days_since, ids),
        "F": quintile_scores(customers["n_transactions"].astype(float), ids),
        "M": quintile_scores(spend, ids),
    })
