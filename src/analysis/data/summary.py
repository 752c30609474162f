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
import json
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..core.periods import PERIOD_DAYS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

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
    own_connection = con is None
    if own_connection:
        con = duckdb.connect()
        con.register("tx_input", transactions[["customer_id", "date", "amount"]])
        table = "tx_input"
    query = customer_summary_sql(con, table, period=period, observation_end=observation_end,
                                 calibration_end=calibration_end, per_day=per_day)
    result = con.sql(query).to_arrow_table()
    if own_connection:
        con.close()
    return _to_pandas(result)


def customer_summary_sql(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    period: str = "week",
    observation_end: dt.date | None = None,
    calibration_end: dt.date | None = None,
    per_day: bool = False,
) -> str:
    """The query of :func:`customer_summary` on DuckDB table ``table``: one row per customer, sorted
    by id, first and last purchase as DATE (the only implementation; :func:`write_customer_summary`
    copies its result to a file without pandas)."""
    period_days = PERIOD_DAYS[period]
    # execute(), unlike sql(), replaces a result the caller left unfinished on the connection;
    # fetching all of it leaves the connection free for sql() afterwards.
    (last_day,), = con.execute(f"SELECT MAX(CAST(date AS DATE)) FROM {table}").fetchall()
    end = _as_date(observation_end) if observation_end else last_day
    cal_end = _as_date(calibration_end) if calibration_end is not None else None
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
            aggregates.append(["CAST(0 AS BIGINT) AS frequency_holdout", "0.0::DOUBLE AS monetary_value_holdout"])
        # the holdout length, for the customers the calibration window holds (the same division
        # of two doubles as in Python)
        holdout_length = f"CAST({(end - cal_end).days} AS DOUBLE) / $period_days"
        aggregates.append([f"CASE WHEN {calibration['days']} > 0 THEN {holdout_length} END AS duration_holdout"])
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
    # the parameters are written into the query as typed literals, so that it can be copied to a file
    parameters = {"$period_days": f"CAST('{period_days!r}' AS DOUBLE)", "$end": f"DATE '{end.isoformat()}'",
                  "$horizon": f"DATE '{horizon.isoformat()}'"}
    if cal_end is not None:
        parameters["$cal_end"] = f"DATE '{cal_end.isoformat()}'"
    for name in sorted(parameters, key=len, reverse=True):  # $cal_end before $end
        query = query.replace(name, parameters[name])
    return query


def write_customer_summary(con: duckdb.DuckDBPyConnection, query: str, path: Path, file_format: str) -> int:
    """Write the result of :func:`customer_summary_sql` to ``path`` as ``file_format`` ("parquet" or
    "csv") with DuckDB, in the types :func:`customer_summary`'s DataFrame is written in by pandas;
    the number of customers written."""
    if file_format == "parquet":
        # pandas holds the purchase days as nanosecond timestamps and writes them so; the pandas
        # dtypes are recorded as pandas records them, so that pandas reads back the same DataFrame
        select = ("SELECT * REPLACE (CAST(first_purchase AS TIMESTAMP_NS) AS first_purchase, "
                  f"CAST(last_purchase AS TIMESTAMP_NS) AS last_purchase) FROM ({query})")
        columns = [row[0] for row in con.execute(f"DESCRIBE ({query})").fetchall()]
        options = f"FORMAT parquet, KV_METADATA {{pandas: '{_escaped(_pandas_metadata(columns))}'}}"
    elif file_format == "csv":
        # pandas writes timestamps at midnight as dates, and missing values as blanks
        select, options = query, "FORMAT csv, HEADER"
    else:
        raise ValueError(f"unknown summary file format {file_format!r}")
    (written,), = con.execute(f"COPY ({select}) TO '{_escaped(str(path))}' ({options})").fetchall()
    return int(written)


# (pandas_type, numpy_type) of each column of customer_summary's DataFrame, as pandas' Parquet
# metadata names them
PANDAS_TYPES = {"customer_id": ("object", "string"), "frequency": ("int64", "int64"),
                "n_transactions": ("int64", "int64"), "first_purchase": ("datetime", "datetime64[ns]"),
                "last_purchase": ("datetime", "datetime64[ns]"), "frequency_cal": ("int64", "Int64"),
                "frequency_holdout": ("int64", "Int64")}


def _pandas_metadata(columns: list[str]) -> str:
    described = [{"name": name, "field_name": name, "pandas_type": PANDAS_TYPES.get(name, ("float64",))[0],
                  "numpy_type": PANDAS_TYPES.get(name, (None, "float64"))[1], "metadata": None}
                 for name in columns]
    return json.dumps({"index_columns": [], "column_indexes": [], "columns": described, "attributes": {},
                       "creator": {"library": "customer-analytics-kit"}})


def _escaped(text: str) -> str:
    return text.replace("'", "''")


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):  # pandas Timestamps too
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            pass  # pandas reads more spellings of a date
    import pandas as pd  # anything else pandas reads as a time (numpy datetime64, …)

    return pd.Timestamp(value).date()


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


def _to_pandas(result: pa.Table) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa

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
    if "frequency_cal" in summary:
        summary["frequency_cal"] = summary["frequency_cal"].astype("Int64")
        summary["frequency_holdout"] = summary["frequency_holdout"].astype("Int64")
    return summary
