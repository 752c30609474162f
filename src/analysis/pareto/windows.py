"""How the measured concentration depends on the window and on who is counted.

Short windows make concentration look higher: a customer who buys once a year has a zero in most
months. Counting customers with no purchase in the window (they are still customers) raises it
further. Both choices are reported rather than hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .measures import top_share


def window_shares(transactions: pd.DataFrame, *, months: list[int], q: float = 0.2) -> pd.DataFrame:
    """Mean top-q share of value over consecutive windows of each length (and the full period),
    among buyers in the window and among all customers acquired by the window's end."""
    start, end = transactions["date"].min(), transactions["date"].max()
    first = transactions.groupby("customer_id")["date"].min()
    rows = []
    for length in [*months, None]:
        edges = [start]
        if length is None:
            edges.append(end + pd.Timedelta(days=1))
        else:
            while edges[-1] + pd.DateOffset(months=length) <= end + pd.Timedelta(days=1):
                edges.append(edges[-1] + pd.DateOffset(months=length))
        if len(edges) < 2:
            continue
        buyers, everyone = [], []
        for lo, hi in zip(edges[:-1], edges[1:]):
            window = transactions[(transactions["date"] >= lo) & (transactions["date"] < hi)]
            value = window.groupby("customer_id")["amount"].sum()
            if value.sum() <= 0:
                continue
            buyers.append(top_share(value.to_numpy(), q))
            acquired = first.index[first < hi]
            everyone.append(top_share(value.reindex(acquired, fill_value=0.0).to_numpy(), q))
        rows.append({
            "window_months": "full" if length is None else length, "windows": len(buyers),
            "share_buyers": float(np.mean(buyers)), "share_all_customers": float(np.mean(everyone)),
        })
    return pd.DataFrame(rows)


def persistence(transactions: pd.DataFrame, *, q: float = 0.2, split=None) -> dict:
    """Of the top q in the first half of the window, how many stay top q in the second half, and
    what share of second-half value they hold; plus the quintile transition table.

    Customers are those who bought in the first half; a customer with no second-half purchase has
    value 0 there. Ties are broken by customer id so the split is reproducible.
    """
    start, end = transactions["date"].min(), transactions["date"].max()
    split = pd.Timestamp(split) if split is not None else start + (end - start) / 2
    before = transactions[transactions["date"] < split].groupby("customer_id")["amount"].sum()
    after = transactions[transactions["date"] >= split].groupby("customer_id")["amount"].sum()
    after = after.reindex(before.index, fill_value=0.0)
    n = before.size
    top_n = int(round(q * n))
    rank_before = before.sort_index().rank(method="first", ascending=False)
    rank_after = after.sort_index().rank(method="first", ascending=False)
    top_before = rank_before.index[rank_before <= top_n]
    top_after = rank_after.index[rank_after <= top_n]
    quintile = lambda ranks: np.minimum((ranks - 1) * 5 // n, 4).astype(int) + 1  # noqa: E731 1 = top
    transition = pd.crosstab(quintile(rank_before).rename("first half"),
                             quintile(rank_after.reindex(rank_before.index)).rename("second half"),
                             normalize="index")
    return {
        "split": split.date().isoformat(),
        "customers": int(n),
        "top_customers": int(top_n),
        "still_top": float(len(set(top_before) & set(top_after)) / top_n) if top_n else None,
        "second_half_share_of_first_top": float(after[top_before].sum() / after.sum()) if after.sum() > 0 else None,
        "first_half_share": float(before[top_before].sum() / before.sum()),
        "still_buying": float(np.mean(after > 0)),
        "transition": transition,
    }
