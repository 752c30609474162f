"""The clean transaction log, queried where it lies.

The log (one row per customer and purchase day) is the one table that grows with the data: at
10^8 rows it does not fit comfortably in pandas. Every analysis that needs more than the customer
summary asks this object a question in SQL and gets back a small answer (per period, per cohort,
per window), or at most one row per customer. DuckDB streams the scan and spills to disk beyond
its memory limit, so the peak memory of a study does not grow with the log.

A log is opened on the run's Parquet file, or on a DataFrame (tests, notebooks on small data);
both answer the same queries with the same SQL. Sums of money are taken as DECIMAL, exactly, so
answers do not depend on how DuckDB's threads split the scan (results.json stays byte-identical).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .loading import connect, literal

MONEY = "CAST(amount AS DECIMAL(38, 6))"
# a notebook's queries share the machine with its pandas tables: DuckDB spills beyond this
LOG_MEMORY_LIMIT = "1500MB"


class TransactionLog:
    """Clean transactions (``customer_id, date, amount`` and optional roles) in DuckDB view ``log``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, columns: list[str], source: str):
        self.con = con
        self.columns = columns
        self.source = source
        self._range = None

    @classmethod
    def from_parquet(cls, path: str | Path) -> TransactionLog:
        con = connect(memory_limit=os.environ.get("ANALYSIS_LOG_MEMORY", LOG_MEMORY_LIMIT))
        con.execute("SET preserve_insertion_order = false")  # every query here orders what it needs
        con.execute(f"CREATE VIEW log AS SELECT * FROM read_parquet({literal(str(path))})")
        return cls(con, [r[0] for r in con.execute("DESCRIBE log").fetchall()], str(path))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> TransactionLog:
        con = connect()
        con.register("log_frame", frame)
        con.execute("CREATE VIEW log AS SELECT * FROM log_frame")
        return cls(con, list(frame.columns), "<frame>")

    def __contains__(self, column: str) -> bool:
        return column in self.columns

    def __len__(self) -> int:
        return int(self.scalar("SELECT count(*) FROM log"))

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run ``sql`` (which reads view ``log``) and return the answer as a DataFrame."""
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchall()[0][0]

    @property
    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last purchase day in the log."""
        if self._range is None:
            first, last = self.con.execute("SELECT min(date), max(date) FROM log").fetchall()[0]
            self._range = (pd.Timestamp(first), pd.Timestamp(last))
        return self._range

    def first_per_customer(self, column: str) -> pd.Series:
        """The value of ``column`` on each customer's first purchase day, indexed by customer id."""
        frame = self.query(f"SELECT customer_id, arg_min({column}, date) AS value FROM log GROUP BY customer_id")
        return frame.set_index("customer_id")["value"]

    def quantiles(self, expression: str, qs, where: str = "TRUE", source: str = "log") -> list[float] | None:
        """Exact quantiles of ``expression`` over the rows of ``source`` (the log, or a subquery
        on it) matching ``where``, interpolated as
        ``numpy.quantile`` does (linear), or None when no row matches.

        DuckDB's ``quantile_cont`` holds every value in memory at once (800 MB per 10^8 rows,
        beyond a notebook's limit); money and day counts repeat, so counting each distinct value
        (a grouping DuckDB can spill) and reading the quantiles off the cumulative counts gives
        the same answer in bounded memory."""
        counts = self.query(f"SELECT {expression} AS value, count(*) AS n FROM {source} "
                            f"WHERE ({where}) AND {expression} IS NOT NULL GROUP BY 1 ORDER BY 1")
        if counts.empty:
            return None
        values = counts["value"].to_numpy(dtype=float)
        upto = np.cumsum(counts["n"].to_numpy())  # rows with a value ≤ values[i]
        position = (upto[-1] - 1) * np.asarray(qs, dtype=float)
        below = np.floor(position)
        low = values[np.searchsorted(upto, below, side="right")]
        high = values[np.searchsorted(upto, np.minimum(below + 1, upto[-1] - 1), side="right")]
        fraction = position - below
        # numpy's lerp, including its form for fractions above one half
        result = np.where(fraction >= 0.5, high - (high - low) * (1 - fraction), low + fraction * (high - low))
        return [float(v) for v in result]

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a (small or one-row-per-customer) DataFrame available to queries as ``name``."""
        self.con.register(name, frame)


def as_log(transactions: TransactionLog | pd.DataFrame) -> TransactionLog:
    """Accept a log or a DataFrame of clean transactions."""
    if isinstance(transactions, TransactionLog):
        return transactions
    return TransactionLog.from_frame(transactions)
