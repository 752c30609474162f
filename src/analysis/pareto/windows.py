"""How the measured concentration depends on the window and on who is counted.

Short windows make concentration look higher: a customer who buys once a year has a zero in most
months. Counting customers with no purchase in the window (they are still customers) raises it
further. Both choices are reported rather than hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.transaction_log import MONEY, TransactionLog, as_log


def window_edges(start: pd.Timestamp, end: pd.Timestamp, months: int | None) -> list[pd.Timestamp]:
    """Consecutive whole windows of ``months`` months from ``start`` inside [start, end]; one
    window over everything when ``months`` is None."""
    edges = [start]
    if months is None:
        edges.append(end + pd.Timedelta(days=1))
    else:
        while edges[-1] + pd.DateOffset(months=months) <= end + pd.Timedelta(days=1):
            edges.append(edges[-1] + pd.DateOffset(months=months))
    return edges


def window_shares(transactions: TransactionLog | pd.DataFrame, *, months: list[int], q: float = 0.2) -> pd.DataFrame:
    """Mean top-q share of value over consecutive windows of each length (and the full period),
    among buyers in the window and among all customers acquired by the window's end.

    Each window length is one pass over the log: DuckDB sums value per window and customer (a
    purchase day finds its window by an equality join on a small table of days) and hands back the
    sums, window by window, as whole micro-units; NumPy then finds each window's Lorenz-curve pieces
    (see ``measures.lorenz_at``) by partitioning around the boundary rank, without sorting.
    Customers acquired but silent in a window are the zeros at the bottom of its ranking. Sums stay
    exact integers until the one division per piece, so the shares do not depend on how the scan
    was split or on the order of the rows.
    """
    log = as_log(transactions)
    start, end = log.date_range
    # customers acquired by each day: counted once, for every window length
    firsts = log.query("SELECT first, count(*) AS customers FROM "
                       "(SELECT min(date) AS first FROM log GROUP BY customer_id) GROUP BY first ORDER BY first")
    first_days = firsts["first"].to_numpy(dtype="datetime64[ns]")
    acquired_by_day = np.cumsum(firsts["customers"].to_numpy(dtype=np.int64))
    rows = []
    for length in [*months, None]:
        edges = window_edges(start, end, length)
        if len(edges) < 2:
            continue
        shares = _window_top_shares(log, edges, q, first_days, acquired_by_day)
        if shares.empty:
            continue
        rows.append({
            "window_months": "full" if length is None else length, "windows": len(shares),
            "share_buyers": float(shares["buyers"].mean()), "share_all_customers": float(shares["everyone"].mean()),
        })
    return pd.DataFrame(rows)


MICRO = 10**6  # MONEY has six decimals: sums are fetched as whole millionths


def _window_top_shares(log: TransactionLog, edges: list[pd.Timestamp], q: float, first_days: np.ndarray,
                       acquired_by_day: np.ndarray) -> pd.DataFrame:
    days = pd.date_range(edges[0], edges[-1] - pd.Timedelta(days=1), freq="D")
    day_window = np.searchsorted(np.array(edges, dtype="datetime64[ns]"), days.to_numpy(), side="right") - 1
    log.register("window_days", pd.DataFrame({"day": days, "k": day_window.astype(np.int32)}))
    # stored in window order, so that fetching one window skips the others' row groups; one window's
    # sums at a time reach NumPy (the table itself spills to disk beyond DuckDB's memory limit)
    log.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE window_values AS
        SELECT k, CAST(sum({MONEY}) * {MICRO} AS BIGINT) AS value
        FROM log JOIN window_days ON log.date = window_days.day
        GROUP BY k, customer_id ORDER BY k""")
    log.con.unregister("window_days")
    his = np.array(edges[1:], dtype="datetime64[ns]")
    everyone_counts = np.concatenate([[0], acquired_by_day])[np.searchsorted(first_days, his, side="left")]
    out = {"k": [], "buyers": [], "everyone": []}
    for k in range(len(edges) - 1):
        values = log.con.execute("SELECT value FROM window_values WHERE k = $k", {"k": k}).fetchnumpy()["value"]
        if values.size == 0:
            continue
        total = _exact_sum(values)
        if total / MICRO <= 0:
            continue
        silent = int(everyone_counts[k]) - values.size
        out["k"].append(k)
        for name, count, offset in (("buyers", values.size, 0), ("everyone", int(everyone_counts[k]), silent)):
            position = (1.0 - q) * float(count)
            whole = int(np.floor(position))
            below, following = _smallest_sum_and_next(values, whole - offset)
            share_below = below / MICRO + (position - np.floor(position)) * (following / MICRO)
            out[name].append(1.0 - share_below / (total / MICRO))
    log.con.execute("DROP TABLE window_values")
    return pd.DataFrame(out).set_index("k")


def _exact_sum(values: np.ndarray) -> int:
    """Sum of int64 micro-units as a Python int (NumPy's int64 sum wraps around on overflow)."""
    if float(np.abs(values).sum(dtype=float)) < 2.0**62:
        return int(values.sum())
    return sum(int(v) for v in values)


def _smallest_sum_and_next(values: np.ndarray, m: int) -> tuple[int, int]:
    """Sum of the m smallest values and the (m+1)-th smallest (0 past either end)."""
    n = values.size
    if m <= 0:
        return 0, int(values.min()) if m == 0 else 0
    if m >= n:
        return _exact_sum(values), 0
    arranged = np.partition(values, [m - 1, m])  # everything before position m is ≤ it
    return _exact_sum(arranged[:m]), int(arranged[m])


def persistence(transactions: TransactionLog | pd.DataFrame, *, q: float = 0.2, split=None) -> dict:
    """Of the top q in the first half of the window, how many stay top q in the second half, and
    what share of second-half value they hold; plus the quintile transition table.

    Customers are those who bought in the first half; a customer with no second-half purchase has
    value 0 there. A tie in one half's value is broken by the other half's value; customers equal
    in both are interchangeable (they keep the same place in both rankings), so no count or share
    depends on the customer ids, their pseudonyms or the order of the input rows.
    """
    log = as_log(transactions)
    start, end = log.date_range
    split = pd.Timestamp(split) if split is not None else start + (end - start) / 2
    cells = _persistence_cells(log, split.to_pydatetime(), q)
    n = int(cells["n"].iloc[0]) if len(cells) else 0
    top_n = int(cells["top_n"].iloc[0]) if len(cells) else 0
    transition = cells.pivot_table(index="first_half", columns="second_half", values="customers",
                                   aggfunc="sum", fill_value=0)
    transition = transition.div(transition.sum(axis=1), axis=0)
    transition.index.name, transition.columns.name = "first half", "second half"
    # totals summed exactly in DuckDB, not over the cells: the cells' partition of the customers
    # must not change the last digits
    totals = cells.iloc[0] if len(cells) else {"after_total": 0.0, "before_total": 0.0,
                                                "after_top_total": 0.0, "before_top_total": 0.0}
    after_total, before_total = float(totals["after_total"]), float(totals["before_total"])
    return {
        "split": split.date().isoformat(),
        "customers": n,
        "top_customers": top_n,
        "still_top": float(cells["still_top"].sum() / top_n) if top_n else None,
        "second_half_share_of_first_top": float(totals["after_top_total"]) / after_total if after_total > 0 else None,
        "first_half_share": float(totals["before_top_total"]) / before_total if before_total > 0 else None,
        "still_buying": float(cells["still_buying"].sum() / n) if n else None,
        "transition": transition,
    }


def _persistence_cells(log: TransactionLog, split, q: float) -> pd.DataFrame:
    """One row per (first-half quintile, second-half quintile) with the counts and sums that
    persistence needs; quintile 1 is the top. ``round_even`` is Python's ``round``, so top_n is
    ``int(round(q * n))`` as elsewhere."""
    return log.con.execute(f"""
        WITH halves AS (
            SELECT customer_id,
                   sum({MONEY}) FILTER (WHERE date < $split) AS before,
                   coalesce(sum({MONEY}) FILTER (WHERE date >= $split), 0) AS after
            FROM log GROUP BY customer_id HAVING count(*) FILTER (WHERE date < $split) > 0),
        ranked AS (
            SELECT before, after,
                   row_number() OVER (ORDER BY before DESC, after DESC, customer_id) AS rank_before,
                   row_number() OVER (ORDER BY after DESC, before DESC, customer_id) AS rank_after,
                   count(*) OVER () AS n
            FROM halves),
        marked AS (
            SELECT *, CAST(round_even($q * n, 0) AS BIGINT) AS top_n,
                   least((rank_before - 1) * 5 // n, 4) + 1 AS first_half,
                   least((rank_after - 1) * 5 // n, 4) + 1 AS second_half
            FROM ranked),
        totals AS (
            SELECT sum(before)::DOUBLE AS before_total, sum(after)::DOUBLE AS after_total,
                   coalesce(sum(before) FILTER (WHERE rank_before <= top_n), 0)::DOUBLE AS before_top_total,
                   coalesce(sum(after) FILTER (WHERE rank_before <= top_n), 0)::DOUBLE AS after_top_total
            FROM marked)
        SELECT first_half, second_half, any_value(n) AS n, any_value(top_n) AS top_n, count(*) AS customers,
               count(*) FILTER (WHERE rank_before <= top_n AND rank_after <= top_n) AS still_top,
               count(*) FILTER (WHERE after > 0) AS still_buying,
               sum(before)::DOUBLE AS before, sum(after)::DOUBLE AS after,
               coalesce(sum(before) FILTER (WHERE rank_before <= top_n), 0)::DOUBLE AS before_top,
               coalesce(sum(after) FILTER (WHERE rank_before <= top_n), 0)::DOUBLE AS after_top,
               any_value(totals.before_total) AS before_total, any_value(totals.after_total) AS after_total,
               any_value(totals.before_top_total) AS before_top_total,
               any_value(totals.after_top_total) AS after_top_total
        FROM marked CROSS JOIN totals
        GROUP BY first_half, second_half ORDER BY first_half, second_half""",
        {"split": split, "q": float(q)}).df()
