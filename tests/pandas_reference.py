"""Straightforward pandas versions of the questions the analyses ask the transaction log in SQL.

They hold the whole log in memory, so they only serve as independent checks of the SQL on small
logs (tests/test_transaction_log.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.pareto.measures import top_share


def window_shares(transactions: pd.DataFrame, *, months: list[int], q: float = 0.2) -> pd.DataFrame:
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
        rows.append({"window_months": "full" if length is None else length, "windows": len(buyers),
                     "share_buyers": float(np.mean(buyers)), "share_all_customers": float(np.mean(everyone))})
    return pd.DataFrame(rows)


def persistence(transactions: pd.DataFrame, *, q: float = 0.2) -> dict:
    start, end = transactions["date"].min(), transactions["date"].max()
    split = start + (end - start) / 2
    before = transactions[transactions["date"] < split].groupby("customer_id")["amount"].sum()
    after = transactions[transactions["date"] >= split].groupby("customer_id")["amount"].sum()
    after = after.reindex(before.index, fill_value=0.0)
    n = before.size
    top_n = int(round(q * n))
    # ties in one half broken by the other half's value, then by id (windows.persistence)
    halves = pd.DataFrame({"before": before, "after": after}).rename_axis("id").reset_index()
    order_before = halves.sort_values(["before", "after", "id"], ascending=[False, False, True])["id"]
    order_after = halves.sort_values(["after", "before", "id"], ascending=[False, False, True])["id"]
    rank_before = pd.Series(np.arange(1, n + 1), index=order_before.to_numpy()).reindex(before.index)
    rank_after = pd.Series(np.arange(1, n + 1), index=order_after.to_numpy()).reindex(before.index)
    top_before = rank_before.index[rank_before <= top_n]
    top_after = rank_after.index[rank_after <= top_n]
    quintile = lambda ranks: np.minimum((ranks - 1) * 5 // n, 4).astype(int) + 1
    transition = pd.crosstab(quintile(rank_before).rename("first half"),
                             quintile(rank_after.reindex(rank_before.index)).rename("second half"),
                             normalize="index")
    return {"customers": n, "top_customers": top_n,
            "still_top": len(set(top_before) & set(top_after)) / top_n,
            "second_half_share_of_first_top": after[top_before].sum() / after.sum(),
            "first_half_share": before[top_before].sum() / before.sum(),
            "still_buying": float(np.mean(after > 0)), "transition": transition}


def cohort_table(transactions: pd.DataFrame, max_months: int = 24) -> pd.DataFrame:
    month = transactions["date"].dt.to_period("M")
    first = month.groupby(transactions["customer_id"]).transform("min")
    age = (month - first).apply(lambda offset: offset.n)
    frame = pd.DataFrame({"cohort": first.astype(str), "age": age, "customer_id": transactions["customer_id"]})
    frame = frame[frame["age"] <= max_months]
    active = frame.drop_duplicates(["cohort", "age", "customer_id"]).groupby(["cohort", "age"]).size()
    sizes = frame[frame["age"] == 0].groupby("cohort")["customer_id"].nunique()
    table = active.unstack("age").div(sizes, axis=0)
    last = month.max()
    for cohort in table.index:
        observed = (last - pd.Period(cohort, "M")).n
        table.loc[cohort, table.columns > observed] = float("nan")
        table.loc[cohort, (table.columns <= observed) & table.loc[cohort].isna()] = 0.0
    return table


def gap_quantile(transactions: pd.DataFrame, quantile: float) -> float:
    ordered = transactions.sort_values(["customer_id", "date"])
    gaps = ordered.groupby("customer_id")["date"].diff().dt.days.dropna().to_numpy()
    return float(np.quantile(gaps, quantile))


def yearly_activity(transactions: pd.DataFrame) -> tuple[float | None, float]:
    """Year-1 → year-2 retention only when the log covers both years completely (730 days), and
    the mean value per customer-year over the complete years."""
    yearly = transactions.assign(year=((transactions["date"] - transactions["date"].min()).dt.days // 365))
    complete = (transactions["date"].max() - transactions["date"].min()).days + 1 >= 730
    active = yearly.groupby("year")["customer_id"].apply(set)
    rate = len(active[0] & active[1]) / len(active[0]) if complete and 1 in active.index else None
    per_year = yearly[yearly["year"] < (2 if complete else 1)].groupby(["year", "customer_id"])["amount"].sum()
    return rate, float(per_year.mean())


def repeat_purchases_before(transactions: pd.DataFrame, ids, start, grid_days: np.ndarray) -> np.ndarray:
    first = transactions.groupby("customer_id")["date"].transform("min")
    repeat = transactions[(transactions["date"] > first) & transactions["customer_id"].isin(set(ids))]
    elapsed = (repeat["date"] - start).dt.days.to_numpy()
    return np.searchsorted(np.sort(elapsed), grid_days, side="left").astype(float)
