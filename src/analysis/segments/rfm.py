"""RFM scores: recency, frequency and monetary value in quintiles (5 = best).

Ties are broken deterministically: customers are ordered by the value, then by a rank the caller
gives (by default the customer id's place in string order), and the ranks are cut into five groups
of equal size, so equal values may fall into neighbouring quintiles but the same data always gives
the same scores. A study passes the customers' places in the summary, which is in an order
decided by the data alone (``privacy.data_order``), never the pseudonyms' order, which changes with
the key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def id_ranks(ids: pd.Series) -> np.ndarray:
    """Each id's position in string order, computed in Arrow: ``astype(str)`` would build one Python
    string per customer, GBs at ten million customers."""
    array = pa.array(ids.astype("string") if not pd.api.types.is_string_dtype(ids) else ids)
    ranks = np.empty(len(ids), dtype=np.int64)
    ranks[pc.sort_indices(array).to_numpy()] = np.arange(len(ids))
    return ranks


def ranked_order(values, ranks: np.ndarray, *, descending: bool) -> np.ndarray:
    """Row positions by value (missing values last), ties by id; the same order as a stable
    ``sort_values([value, id])``."""
    values = np.asarray(values, float)
    return np.lexsort((ranks, -values if descending else values))


def quintile_scores(values: pd.Series, ids: pd.Series | np.ndarray, higher_is_better: bool = True) -> pd.Series:
    ranks = ids if isinstance(ids, np.ndarray) else id_ranks(ids)
    order = ranked_order(values, ranks, descending=higher_is_better)
    n = len(order)
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)  # 0 = best
    return pd.Series(5 - (rank * 5 // max(n, 1)), index=values.index)


def rfm_scores(customers: pd.DataFrame, as_of, ranks: np.ndarray | None = None) -> pd.DataFrame:
    """R: days since the last purchase (fewer is better); F: purchase days; M: mean value per
    purchase day."""
    as_of = pd.Timestamp(as_of)
    days_since = (as_of - customers["last_purchase"]).dt.days
    spend = customers["total_value"] / customers["n_transactions"]
    ids = id_ranks(customers["customer_id"]) if ranks is None else ranks
    return pd.DataFrame({
        "customer_id": customers["customer_id"],
        "days_since_last": days_since,
        "R": quintile_scores(-days_since, ids),
        "F": quintile_scores(customers["n_transactions"].astype(float), ids),
        "M": quintile_scores(spend, ids),
    })
