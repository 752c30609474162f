"""Discrete-time (opportunity) data: each customer transacts or not at each of n opportunities.

The input is either already summarised, one row per customer or per pattern of customers (a ``weight``
column counts them), or a dated transaction log whose calendar years (half-years, quarters, months)
are the opportunities: a customer transacts at most once per opportunity, so several transactions in
one count once. The summary uses the vocabulary of Fader, Hardie & Shang (2010): ``frequency`` is the number
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

from ..core.config import AnalysisSettings, DataSettings
from ..core.errors import ConfigError, InputError
from .loading import ROW, _require_columns, date_expr, number_expr, read_raw_table, text_expr

COUNT_ROLES = ("frequency", "recency", "periods")
MONTHS_PER_OPPORTUNITY = {1: 12, 2: 6, 4: 3, 12: 1}  # calendar opportunities of a dated log


def load_opportunity_data(settings: DataSettings, analysis: AnalysisSettings) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The opportunity table (see :func:`load_opportunities`) and the cleaning counts: from a
    summarised table as it is, or summarised from a dated log."""
    if "date" in settings.columns:
        return opportunities_from_log(settings, analysis)
    table = load_opportunities(settings)
    return table, {"input_rows": len(table), "kept_rows": len(table), "quarantined_rows": 0, "dropped": {},
                   "changed": {}}


def opportunities_from_log(settings: DataSettings, analysis: AnalysisSettings) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Summarise a dated log per customer: opportunities are calendar periods of
    ``12 / opportunities_per_year`` months counted from each customer's first; ``frequency`` is the
    number of later opportunities with a transaction, ``recency`` the last of them and ``periods``
    the opportunities from the first to the one holding ``analysis.observation_end`` (default: the
    last date). Rows outside the window are dropped, and so are customers whose first transaction
    falls in the last opportunity (no opportunity after it: they add nothing to the likelihood)."""
    months = MONTHS_PER_OPPORTUNITY.get(settings.opportunities_per_year)
    if months is None:
        raise ConfigError(f"data.opportunities_per_year must be one of {sorted(MONTHS_PER_OPPORTUNITY)} for a "
                          "dated log (calendar opportunities)", value=settings.opportunities_per_year)
    raw = read_raw_table(settings)
    _require_columns(raw, settings)
    cols, con = settings.columns, raw.con
    date = date_expr(raw, cols["date"], settings.date_format)
    for what, expression, column in (("customer id", text_expr(cols["customer"]), cols["customer"]),
                                     ("date", date, cols["date"])):
        blank = con.execute(f"SELECT min({ROW}) FROM raw WHERE {expression} IS NULL").fetchone()[0]
        if blank is not None:
            raise InputError(f"{what} is blank", file=raw.path, column=column, row=blank, value="")
    window = ["TRUE"]
    if analysis.observation_start is not None:
        window.append(f"{date} >= DATE '{analysis.observation_start.isoformat()}'")
    if analysis.observation_end is not None:
        window.append(f"{date} < DATE '{analysis.observation_end.isoformat()}' + INTERVAL 1 DAY")
    con.execute(f"""CREATE TEMP TABLE dated AS SELECT {ROW}, {text_expr(cols['customer'])} AS customer_id,
                    (year({date}) * 12 + month({date}) - 1) // {months} AS opportunity
                    FROM raw WHERE {' AND '.join(window)}""")
    input_rows, kept = raw.rows, con.execute("SELECT count(*) FROM dated").fetchone()[0]
    if not kept:
        raise InputError("no transactions inside the observation window", file=raw.path, column=cols["date"])
    end = con.execute("SELECT max(opportunity) FROM dated").fetchone()[0]
    if analysis.observation_end is not None:
        end = (analysis.observation_end.year * 12 + analysis.observation_end.month - 1) // months
    table = con.execute(f"""
        SELECT customer_id, CAST(count(DISTINCT opportunity) - 1 AS DOUBLE) AS frequency,
               CAST(max(opportunity) - min(opportunity) AS DOUBLE) AS recency,
               CAST({end} - min(opportunity) AS DOUBLE) AS periods, 1.0 AS weight, min({ROW}) AS {ROW},
               count(*) AS log_rows
        FROM dated GROUP BY customer_id ORDER BY customer_id""").df()
    no_later = table["periods"] == 0
    dropped = {"outside_window": int(input_rows - kept), "first_in_last_opportunity": int(table.loc[no_later, "log_rows"].sum())}
    table = table[~no_later].reset_index(drop=True)
    if table.empty:
        raise InputError("every customer's first transaction is in the last opportunity: nothing to model",
                         file=raw.path, column=cols["date"])
    counts = {"input_rows": int(input_rows), "kept_rows": int(table["log_rows"].sum()), "quarantined_rows": 0,
              "dropped": {reason: n for reason, n in dropped.items() if n}, "changed": {}}
    return table[["customer_id", *COUNT_ROLES, "weight", ROW]], counts


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


def describe_opportunities(table: pd.DataFrame, settings: DataSettings | None = None) -> dict[str, Any]:
    """Counts of an opportunity table, each customer counted with its weight; for a table built from
    a dated log, the calendar months per opportunity."""
    weight = table["weight"].to_numpy(float)
    x, t_x, n = (table[c].to_numpy(float) for c in COUNT_ROLES)
    customers = float(weight.sum())
    dated = settings is not None and "date" in settings.columns
    return {
        "months_per_opportunity": MONTHS_PER_OPPORTUNITY[settings.opportunities_per_year] if dated else None,
        "kind": "opportunity", "rows": len(table), "customers": customers,
        "periods_min": float(n.min()), "periods_max": float(n.max()),
        "repeat_transactions": float(weight @ x),
        "share_no_repeat": float(weight[x == 0].sum() / customers),
        # transacted at the last opportunity observed (t_x = n, x > 0)
        "share_active_last": float(weight[(x > 0) & (t_x == n)].sum() / customers),
    }
