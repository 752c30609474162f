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

    Each window length is one pass over the log: DuckDB sums value per window and customer, ranks
    the sums within each window and returns the Lorenz-curve pieces (see ``measures.lorenz_at``);
    customers acquired but silent in a window are the zeros at the bottom of its ranking.
    """
    log = as_log(transactions)
    start, end = log.date_range
    # first purchase days, once for every window length (each would otherwise rescan the log)
    log.con.execute("CREATE OR REPLACE TEMP TABLE customer_firsts AS "
                    "SELECT min(date) AS first FROM log GROUP BY customer_id")
    rows = []
    for length in [*months, None]:
        edges = window_edges(start, end, length)
        if len(edges) < 2:
            continue
        shares = _window_top_shares(log, edges, q)
        if shares.empty:
            continue
        rows.append({
            "window_months": "full" if length is None else length, "windows": len(shares),
            "share_buyers": float(shares["buyers"].mean()), "share_all_customers": float(shares["everyone"].mean()),
        })
    log.con.execute("DROP TABLE customer_firsts")
    return pd.DataFrame(rows)


def _window_top_shares(log: TransactionLog, edges: list[pd.Timestamp], q: float) -> pd.DataFrame:
    windows = pd.DataFrame({"k": np.arange(len(edges) - 1), "lo": edges[:-1], "hi": edges[1:]})
    log.register("window_edges", windows)
    log.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE window_values AS
        SELECT k, customer_id, sum({MONEY}) AS value
        FROM log JOIN window_edges ON log.date >= window_edges.lo AND log.date < window_edges.hi
        GROUP BY k, customer_id""")
    counts = log.query("""
        WITH buyers AS (SELECT k, count(*) AS buyers, sum(value)::DOUBLE AS total FROM window_values GROUP BY k),
             acquired AS (
                SELECT k, count(*) AS everyone
                FROM customer_firsts f
                JOIN window_edges ON f.first < window_edges.hi GROUP BY k)
        SELECT k, buyers, everyone, total FROM buyers JOIN acquired USING (k) ORDER BY k""")
    counts = counts[counts["total"] > 0].copy()
    if counts.empty:
        return pd.DataFrame(columns=["buyers", "everyone"])
    # Lorenz ordinate L(1 − q): whole customers below the boundary, and the boundary customer's part
    for name in ("buyers", "everyone"):
        position = (1.0 - q) * counts[name].to_numpy(dtype=float)
        counts[f"whole_{name}"] = np.floor(position).astype(np.int64)
        counts[f"part_{name}"] = position - np.floor(position)
    log.register("window_counts", counts)
    # a buyer's place from the bottom among everyone: after the silent customers, who hold zero
    pieces = log.query("""
        WITH ranked AS (
            SELECT v.k, v.value, row_number() OVER (PARTITION BY v.k ORDER BY v.value) AS i,
                   c.everyone - c.buyers AS silent, c.whole_buyers, c.whole_everyone
            FROM window_values v JOIN window_counts c USING (k))
        SELECT k,
               coalesce(sum(value) FILTER (WHERE i <= whole_buyers), 0)::DOUBLE AS below_buyers,
               coalesce(max(value) FILTER (WHERE i = whole_buyers + 1), 0)::DOUBLE AS next_buyers,
               coalesce(sum(value) FILTER (WHERE i + silent <= whole_everyone), 0)::DOUBLE AS below_everyone,
               coalesce(max(value) FILTER (WHERE i + silent = whole_everyone + 1), 0)::DOUBLE AS next_everyone
        FROM ranked GROUP BY k ORDER BY k""")
    log.con.execute("DROP TABLE window_values")
    merged = counts.merge(pieces, on="k")
    out = pd.DataFrame(index=merged["k"])
    for name in ("buyers", "everyone"):
        below = merged[f"below_{name}"] + merged[f"part_{name}"] * merged[f"next_{name}"]
        out[name] = (1.0 - below / merged["total"]).to_numpy()
    return out


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
