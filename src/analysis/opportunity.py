"""Discrete-time (opportunity) data: each customer transacts or not at each of n opportunities.

The input is already summarised, one row per customer or per pattern of customers (a ``weight``
column counts them), in the vocabulary of Fader, Hardie & Shang (2010): ``frequency`` is the number
of opportunities with a repeat transaction, ``recency`` the opportunity of the last one (0 when there
is none) and ``periods`` the number of opportunities n after the first transaction. The checks are
those the BG/BB likelihood needs; a row that breaks one stops the run with its file, column, row
and value.

References
----------
Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time
noncontractual setting. Marketing Science 29(6), 1086–1108.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .config import DataSettings
from .errors import InputError
from .loading import ROW, _require_columns, number_expr, read_raw_table, text_expr

COUNT_ROLES = ("frequency", "recency", "periods")


def load_opportunities(settings: DataSettings) -> pd.DataFrame:
    """Columns ``customer_id`` (the row number as text when the file has no id), ``frequency``,
    ``recency``, ``periods``, ``weight`` and ``_row``, in customer-id order (or pattern order
    without ids), whatever the order of the file."""
    raw = read_raw_table(settings)
    _require_columns(raw, settings)
    cols = settings.columns
    fields = [ROW] + [f"{number_expr(raw, cols[role])} AS {role}" for role in COUNT_ROLES]
    fields.append(f"{number_expr(raw, cols['weight'])} AS weight" if "weight" in cols else "1.0 AS weight")
    if "customer" in cols:
        blank = raw.con.execute(f"SELECT min({ROW}) FROM raw WHERE {text_expr(cols['customer'])} IS NULL").fetchone()[0]
        if blank is not None:
            raise InputError("customer id is blank", file=raw.path, column=cols["customer"], row=blank, value="")
        fields.append(f"{text_expr(cols['customer'])} AS customer_id")
    table = raw.con.execute(f"SELECT {', '.join(fields)} FROM raw ORDER BY {ROW}").df()
    if table.empty:
        raise InputError("the file has no data rows", file=raw.path)
    _check_rows(table, settings)
    if "customer" in cols:
        duplicate = table["customer_id"].duplicated()
        if duplicate.any():
            first = table[duplicate].iloc[0]
            raise InputError("customer id appears on more than one row", file=raw.path, column=cols["customer"],
                             row=int(first[ROW]), value=first["customer_id"])
        order = ["customer_id"]
    else:
        table["customer_id"] = table[ROW].astype(str)
        order = [*COUNT_ROLES, "weight"]
    table = table.sort_values(order, kind="stable", ignore_index=True)
    return table[["customer_id", *COUNT_ROLES, "weight", ROW]]


def _check_rows(table: pd.DataFrame, settings: DataSettings) -> None:
    """Whole numbers ≥ 0 with frequency ≤ recency ≤ periods and recency 0 exactly when frequency is 0
    (FHS 2010, §2); weights finite and ≥ 0."""
    cols = settings.columns

    def stop(message: str, bad: pd.Series, role: str) -> None:
        if bad.any():
            index = int(np.flatnonzero(bad.to_numpy())[0])
            row = table.iloc[index]
            raise InputError(f"{message}; the row has frequency {row['frequency']:g}, recency {row['recency']:g}, "
                             f"periods {row['periods']:g}", file=settings.path, column=cols[role],
                             row=int(row[ROW]), value=row[role])

    for role in COUNT_ROLES:
        values = table[role]
        stop(f"{role} is blank", values.isna(), role)
        stop(f"{role} must be a whole number ≥ 0", ~np.isfinite(values) | (values < 0) | (values != np.round(values)),
             role)
    stop("periods must be at least 1 (the opportunities after the first transaction)", table["periods"] < 1, "periods")
    stop("frequency exceeds recency (the last transaction's opportunity)", table["frequency"] > table["recency"],
         "frequency")
    stop("recency exceeds periods", table["recency"] > table["periods"], "recency")
    stop("recency is above 0 with no repeat transaction", (table["frequency"] == 0) & (table["recency"] > 0),
         "recency")
    if "weight" in cols:
        weight = table["weight"]
        stop("weight must be a finite number ≥ 0", weight.isna() | ~np.isfinite(weight) | (weight < 0), "weight")
        if not weight.sum() > 0:
            raise InputError("the weights sum to zero: there are no customers", file=settings.path,
                             column=cols["weight"])


def describe_opportunities(table: pd.DataFrame) -> dict[str, Any]:
    """Counts of an opportunity table, each customer counted with its weight."""
    weight = table["weight"].to_numpy(float)
    x, t_x, n = (table[c].to_numpy(float) for c in COUNT_ROLES)
    customers = float(weight.sum())
    return {
        "kind": "opportunity", "rows": len(table), "customers": customers,
        "periods_min": float(n.min()), "periods_max": float(n.max()),
        "repeat_transactions": float(weight @ x),
        "share_no_repeat": float(weight[x == 0].sum() / customers),
        # transacted at the last opportunity observed (t_x = n, x > 0)
        "share_active_last": float(weight[(x > 0) & (t_x == n)].sum() / customers),
    }
