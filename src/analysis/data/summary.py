"""Per-customer summary in the vocabulary of buy-till-you-die models.

For each customer, counted on purchase days (a customer's purchases on one day count once):

- ``frequency``: number of repeat purchase days (purchase days − 1);
- ``recency``: time from the first to the last purchase;
- ``T``: time from the first purchase to the end of the window;
- ``monetary_value``: mean value of the repeat purchase days (0 when there are none), the input
  of the Gamma-Gamma spend model (Fader, Hardie & Lee 2005b);

times in the configured period (day, week or 30.44-day month), fractional. With a calibration end,
the ``*_cal`` columns describe the calibration window (customers who first bought after it have no
calibration values) and ``frequency_holdout``/``monetary_value_holdout`` count the purchase days
after it, up to the observation end; ``duration_holdout`` is the holdout length.

The grouping runs in DuckDB, so that it stays fast on logs of millions of rows; amounts are added
as DECIMAL, exactly, so the result does not depend on how threads split the work.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..core.periods import PERIOD_DAYS

SUMMARY_COLUMNS = [
    "customer_id", "frequency", "recency", "T", "monetary_value",
    "first_purchase", "last_purchase", "total_value", "n_transactions",
]
CALIBRATION_COLUMNS = [
    "frequency_cal", "recency_cal", "T_cal", "monetary_value_cal",
    "frequency_holdout", "monetary_value_holdout", "duration_holdout",
]


def customer_summary(
    transactions: pd.DataFrame | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    table: str | None = None,
    period: str = "week",
    observation_end: dt.date | pd.Timestamp | None = None,
    calibration_end: dt.date | pd.Timestamp | None = None,
    per_day: bool = False,
) -> pd.DataFrame:
    """Summarise clean transactions (``customer_id, date, amount``) to one row per customer.

    Parameters
    ----------
    transactions : DataFrame, optional
        Clean transactions; several rows on one day for a customer are merged here too.
    con, table : DuckDB connection and table name, optional
        The same, as a table in DuckDB (nothing is copied into pandas).
    period : {"day", "week", "month"}
        Unit of ``recency``, ``T`` and ``duration_holdout``.
    observation_end : date, optional
        End of the observation window (inclusive); defaults to the last transaction date.
    calibration_end : date, optional
        End of the calibration window (inclusive); adds the calibration/holdout columns.
    per_day : bool
        ``table`` already holds one row per customer and day (cleaning's purchase days): it is
        not grouped by day again.

    References
    ----------
    Fader, Hardie & Lee (2005a), "Counting your customers the easy way", Marketing Science 24(2).
    """
    period_days = PERIOD_DAYS[period]
    own_connection = con is None
    if own_connection:
        con = duckdb.connect()
        con.register("tx_input", transactions[["customer_id", "date", "amount"]])
        table = "tx_input"
    # execute(), unlike sql(), replaces a result the caller left unfinished on the connection;
    # fetching all of it leaves the connection free for sql() below.
    (last_day,), = con.execute(f"SELECT MAX(CAST(date AS DATE)) FROM {table}").fetchall()
    end = pd.Timestamp(observation_end).date() if observation_end else last_day
    cal_end = pd.Timestamp(calibration_end).date() if calibration_end is not None else None
    # Days after the observation end count only when the calibration window reaches past it.
    horizon = max(end, cal_end) if cal_end is not None else end
    observation = _prefix_window(None if end == horizon else "$end")
    aggregates = [_window_aggregates(observation, "$end", suffix="") + [
        f"{observation['first']} AS first_purchase",
        f"{observation['last']} AS last_purchase",
        f"CAST({observation['total']} AS DOUBLE) AS total_value",
        f"{observation['days']} AS n_transactions",
    ]]
    if cal_end is not None:
        calibration = _prefix_window(None if cal_end == horizon else "$cal_end")
        aggregates.append(_window_aggregates(calibration, "$cal_end", suffix="_cal"))
        if cal_end < end:
            # The holdout is the observation window less the calibration window; amounts are
            # exact decimals, so the difference is the holdout total itself. (Not AVG: DuckDB's
            # AVG of a DECIMAL rounds the last bit differently from the values reported so far.)
            holdout_days = f"{observation['days']} - {calibration['days']}"
            holdout_total = f"{observation['total']} - COALESCE({calibration['total']}, 0)"
            aggregates.append([
                f"{holdout_days} AS frequency_holdout",
                f"""CASE WHEN {holdout_days} > 0 THEN CAST({holdout_total} AS DOUBLE) / ({holdout_days})
                         ELSE 0.0 END AS monetary_value_holdout""",
            ])
        else:
            aggregates.append(["0 AS frequency_holdout", "0.0::DOUBLE AS monetary_value_holdout"])
    # One pass over the purchase days per customer; ORDER BY compares VARCHARs byte by byte, which
    # for UTF-8 is code point order, the order pandas sorts the ids in.
    # the day's amount is the DECIMAL of the DOUBLE a per-day table holds, as when it is regrouped
    days = (f"SELECT customer_id::VARCHAR AS customer_id, CAST(date AS DATE) AS day, "
            f"{'' if per_day else 'SUM('}CAST(amount AS DECIMAL(38, 6)){'' if per_day else ')'} AS amount "
            f"FROM {table} WHERE CAST(date AS DATE) <= $horizon{'' if per_day else ' GROUP BY 1, 2'}")
    query = f"""
        WITH days AS ({days})
        SELECT customer_id, {", ".join(", ".join(columns) for columns in aggregates)}
        FROM days GROUP BY customer_id
        {"" if end == horizon else "HAVING MIN(day) <= $end"}
        ORDER BY customer_id
    """
    parameters = {"period_days": period_days, "end": end, "horizon": horizon}
    if cal_end is not None:
        parameters["cal_end"] = cal_end
    result = con.sql(query, params=parameters).to_arrow_table()
    if own_connection:
        con.close()
    return _to_pandas(result, end, cal_end, period_days)


def _prefix_window(upto: str | None) -> dict[str, str]:
    # Aggregates over a customer's purchase days up to a date parameter (all of them when None).
    # The first day and its amount are the same for every prefix that contains the first day.
    if upto is None:
        return {"days": "COUNT(*)", "first": "MIN(day)", "last": "MAX(day)", "total": "SUM(amount)",
                "first_amount": "ARG_MIN(amount, day)"}
    within = f"FILTER (WHERE day <= {upto})"
    return {"days": f"COUNT(*) {within}", "first": f"CASE WHEN MIN(day) <= {upto} THEN MIN(day) END",
            "last": f"MAX(day) {within}", "total": f"SUM(amount) {within}",
            "first_amount": "ARG_MIN(amount, day)"}


def _window_aggregates(window: dict[str, str], window_end: str, *, suffix: str) -> list[str]:
    # The mean repeat value is (total − first day's value) / repeat days. A customer without
    # purchase days in the window gets NULLs.
    days = window["days"]
    return [
        f"NULLIF({days}, 0) - 1 AS frequency{suffix}",
        f"DATE_DIFF('day', {window['first']}, {window['last']}) / $period_days AS recency{suffix}",
        f"DATE_DIFF('day', {window['first']}, {window_end}::DATE) / $period_days AS T{suffix}",
        f"""CASE WHEN {days} > 1
                 THEN CAST({window['total']} - {window['first_amount']} AS DOUBLE) / ({days} - 1)
                 WHEN {days} = 1 THEN 0.0 END AS monetary_value{suffix}""",
    ]


def _to_pandas(result: pa.Table, end: dt.date, cal_end: dt.date | None, period_days: float) -> pd.DataFrame:
    for column in ("first_purchase", "last_purchase"):
        position = result.schema.get_field_index(column)
        result = result.set_column(position, column, result[column].cast(pa.timestamp("ns")))
    string_dtype = pd.StringDtype()
    summary = result.to_pandas(
        types_mapper={pa.string(): string_dtype, pa.large_string(): string_dtype}.get
    )
    summary["customer_id"] = summary["customer_id"].astype("string")
    summary["frequency"] = summary["frequency"].astype("int64")
    summary["n_transactions"] = summary["n_transactions"].astype("int64")
    if cal_end is not None:
        in_cal = summary["frequency_cal"].notna()
        summary["frequency_cal"] = summary["frequency_cal"].astype("Int64")
        summary["frequency_holdout"] = summary["frequency_holdout"].astype("Int64")
        summary["duration_holdout"] = np.where(in_cal, (end - cal_end).days / period_days, np.nan)
    return summary
