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
import pandas as pd

from .periods import PERIOD_DAYS

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
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE days AS
        SELECT customer_id::VARCHAR AS customer_id, CAST(date AS DATE) AS day,
               SUM(CAST(amount AS DECIMAL(38, 6))) AS amount
        FROM {table} GROUP BY 1, 2
        """
    )
    last_day = con.execute("SELECT MAX(day) FROM days").fetchone()[0]
    end = pd.Timestamp(observation_end or last_day).date()
    summary = _window_summary(con, end, period_days, suffix="", upto=end)
    if calibration_end is not None:
        cal_end = pd.Timestamp(calibration_end).date()
        cal = _window_summary(con, cal_end, period_days, suffix="_cal", upto=cal_end)
        holdout = con.execute(
            """
            SELECT customer_id, COUNT(*) AS frequency_holdout,
                   CAST(AVG(amount) AS DOUBLE) AS monetary_value_holdout
            FROM days WHERE day > ? AND day <= ? GROUP BY 1
            """,
            [cal_end, end],
        ).df()
        cal = cal[["customer_id", "frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]]
        summary = summary.merge(cal, on="customer_id", how="left")
        summary = summary.merge(holdout, on="customer_id", how="left")
        in_cal = summary["frequency_cal"].notna()
        summary.loc[in_cal, "frequency_holdout"] = summary.loc[in_cal, "frequency_holdout"].fillna(0)
        summary.loc[in_cal, "monetary_value_holdout"] = (
            summary.loc[in_cal, "monetary_value_holdout"].fillna(0.0)
        )
        summary["frequency_cal"] = summary["frequency_cal"].astype("Int64")
        summary["frequency_holdout"] = summary["frequency_holdout"].astype("Int64")
        summary["duration_holdout"] = (end - cal_end).days / period_days
        summary.loc[~in_cal, "duration_holdout"] = float("nan")
    con.execute("DROP TABLE days")
    if own_connection:
        con.close()
    summary["customer_id"] = summary["customer_id"].astype("string")
    return summary.sort_values("customer_id", kind="stable").reset_index(drop=True)


def _window_summary(con, end: dt.date, period_days: float, *, suffix: str, upto: dt.date) -> pd.DataFrame:
    # One pass per customer: the mean repeat value is (total − first day's value) / repeat days.
    frame = con.execute(
        """
        SELECT customer_id,
               COUNT(*) - 1 AS frequency,
               DATE_DIFF('day', MIN(day), MAX(day)) / ? AS recency,
               DATE_DIFF('day', MIN(day), ?::DATE) / ? AS T,
               CASE WHEN COUNT(*) > 1
                    THEN CAST(SUM(amount) - ARG_MIN(amount, day) AS DOUBLE) / (COUNT(*) - 1)
                    ELSE 0.0 END AS monetary_value,
               MIN(day) AS first_purchase,
               MAX(day) AS last_purchase,
               CAST(SUM(amount) AS DOUBLE) AS total_value,
               COUNT(*) AS n_transactions
        FROM days WHERE day <= ? GROUP BY customer_id
        """,
        [period_days, end, period_days, upto],
    ).df()
    frame["frequency"] = frame["frequency"].astype("int64")
    frame["n_transactions"] = frame["n_transactions"].astype("int64")
    for column in ("first_purchase", "last_purchase"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    if suffix:
        frame = frame.rename(
            columns={c: f"{c}{suffix}" for c in ("frequency", "recency", "T", "monetary_value")}
        )
    return frame
