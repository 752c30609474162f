"""Cleaning rules for transaction logs; nothing dropped is lost.

The rules run in this order, each on the rows the earlier ones kept:

1. ``missing_customer`` – no customer id: the row cannot be attributed to anyone.
2. ``missing_date`` / ``missing_amount`` – blank date or amount. Values that are there but
   unusable stop the run at loading instead (exit 2, naming file, column, row and value): text
   that is not a number or date, non-finite amounts (``inf``, ``-inf``, ``nan``), amounts beyond
   ±10^12 (`analysis.data.loading.MAX_ABS_NUMBER`) and dates outside 1900–2261. They are never
   quarantined: a value like ``inf`` or ``1e300`` is an export fault to fix at the source, and
   dropping it silently would change every total.
3. ``excluded_product`` – product codes listed in ``cleaning.exclude_products`` (postage, fees…).
4. ``exact_duplicate`` – a row identical in every input column to an earlier row.
5. Cancellations – rows whose invoice starts with ``cleaning.cancellation_prefix``. With
   ``cancellations: net`` each is matched to the latest earlier purchase of the same customer (and
   product, when a product column is mapped) on or before its date; the purchase's amount is reduced
   by the cancelled amount (``cancellation_netted``; a purchase cancelled in full is dropped as
   ``cancelled_in_full``). A cancellation with no such purchase is dropped
   (``cancellation_unmatched``). With ``cancellations: drop`` all are dropped (``cancellation``).
6. ``nonpositive_amount`` – negative amounts left after the above, and zero amounts unless
   ``cleaning.zero_amounts: keep`` (a free or fully discounted order is still a purchase occasion:
   the published CDNOW analyses count them).
7. ``outside_window`` – dates before ``analysis.observation_start`` or after
   ``analysis.observation_end``. Before this rule the window is checked against the rows kept so
   far, and the run stops (exit 2, naming the row) when it cannot hold a study:
   ``observation_end`` before the first purchase or ``observation_start`` after the last;
   ``calibration_end`` before the first purchase in the window or on/after the last one (an
   empty calibration or holdout period); and, when no ``observation_end`` is set, a purchase
   dated after today (UTC; a date in 2200 is a typo, and the window would end there). With an
   ``observation_end``, later rows are quarantined as ``outside_window`` like any other.
8. Same-day purchases of one customer are merged into one transaction (amounts and quantities
   summed), as the published BTYD analyses do (Fader, Hardie & Lee 2005a). Merged rows are
   *changed*, not dropped: every kept input row is counted in the merged row's ``n_lines``.

Every dropped row goes to the quarantine with its reason, so that
``input_rows == kept_rows + quarantined_rows`` always holds.

The rules run as SQL in DuckDB on the loaded table, so they work on logs larger than memory.
Amounts are summed as DECIMAL(38, 6): exact, hence the same in every run whatever the order in
which parallel threads add them up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core.config import AnalysisSettings, CleaningSettings
from ..core.errors import InputError
from .loading import ROW, LoadedTransactions, literal, quote

DROP_REASONS = (
    "missing_customer",
    "missing_date",
    "missing_amount",
    "excluded_product",
    "exact_duplicate",
    "cancellation",
    "cancellation_netted",
    "cancellation_unmatched",
    "cancelled_in_full",
    "nonpositive_amount",
    "outside_window",
)

# Smallest remaining amount that is still a purchase after a partial cancellation (a cent).
MIN_AMOUNT = 0.005
EXACT = "DECIMAL(38, 6)"
_RUNS = itertools.count()


@dataclass
class CleaningResult:
    """Clean purchase days in DuckDB table ``purchase_days``, and the counts of every rule."""

    loaded: LoadedTransactions
    dropped: dict[str, int]  # reason -> input rows dropped
    changed: dict[str, int] = field(default_factory=dict)  # reason -> rows kept but altered
    input_rows: int = 0
    kept_rows: int = 0
    table: str = "purchase_days"
    stage: str = "stage"

    @property
    def con(self):
        return self.loaded.con

    @property
    def transactions(self) -> pd.DataFrame:
        """Clean transactions as a DataFrame: one row per customer and purchase day."""
        return _normalise(self.con.execute(f"SELECT * FROM {self.table} ORDER BY customer_id, date").df())

    @property
    def n_transactions(self) -> int:
        return self.con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]

    def write_transactions(self, path: Path, customer_id: str = "customer_id") -> None:
        """Write the clean transactions to Parquet; ``customer_id`` may be an SQL expression of
        the id (a pseudonym), computed once per customer rather than once per row."""
        if customer_id == "customer_id":
            self.con.execute(f"COPY (SELECT * FROM {self.table} ORDER BY customer_id, date) "
                             f"TO {literal(str(path))} (FORMAT parquet)")
            return
        self.con.execute(
            f"COPY (WITH ids AS (SELECT customer_id AS original, {customer_id} AS replacement "
            f"                   FROM (SELECT DISTINCT customer_id FROM {self.table})) "
            f"      SELECT t.* REPLACE (ids.replacement AS customer_id) "
            f"      FROM {self.table} t JOIN ids ON t.customer_id = ids.original "
            f"      ORDER BY customer_id, date) TO {literal(str(path))} (FORMAT parquet)"
        )

    @property
    def quarantined_rows(self) -> int:
        return int(sum(self.dropped.values()))

    @property
    def quarantine(self) -> pd.DataFrame:
        """Dropped input rows: every input column as read, ``_row`` and ``reason``."""
        return self.con.execute(_quarantine_sql(self.loaded, self.stage)).df()

    def write_quarantine(self, path: Path) -> None:
        self.loaded.con.execute(
            f"COPY ({_quarantine_sql(self.loaded, self.stage)}) TO {literal(str(path))} (HEADER, COMPRESSION gzip)"
        )

    def counts(self) -> dict:
        """The cleaning counts as they go into results.json."""
        return {
            "input_rows": self.input_rows,
            "kept_rows": self.kept_rows,
            "quarantined_rows": self.quarantined_rows,
            "transactions": int(self.n_transactions),
            "customers": int(self.con.execute(
                f"SELECT count(DISTINCT customer_id) FROM {self.table}").fetchone()[0]),
            "dropped": {k: v for k, v in self.dropped.items() if v},
            "changed": {k: v for k, v in self.changed.items() if v},
        }


def _quarantine_sql(loaded: LoadedTransactions, stage: str) -> str:
    columns = ", ".join(f"r.{quote(c)}" for c in loaded.raw.columns)
    return (f"SELECT r.{ROW}, {columns}, s.reason FROM raw r JOIN {stage} s USING ({ROW}) "
            f"WHERE s.reason IS NOT NULL ORDER BY r.{ROW}")


class _Stage:
    """A copy of the typed rows with the reason each dropped row was dropped for."""

    def __init__(self, loaded: LoadedTransactions, name: str):
        self.con, self.name = loaded.con, name
        self.con.execute(f"CREATE TABLE {name} AS SELECT *, CAST(NULL AS VARCHAR) AS reason FROM tx")
        self.dropped = dict.fromkeys(DROP_REASONS, 0)

    def drop(self, condition: str, reason: str, parameters: list | None = None) -> None:
        done = self.con.execute(
            f"UPDATE {self.name} SET reason = {literal(reason)} WHERE reason IS NULL AND ({condition})",
            parameters or [],
        ).fetchone()
        self.dropped[reason] += int(done[0])

    def count(self, condition: str = "true") -> int:
        return self.con.execute(
            f"SELECT count(*) FROM {self.name} WHERE reason IS NULL AND ({condition})"
        ).fetchone()[0]


def clean_transactions(
    loaded: LoadedTransactions,
    cleaning: CleaningSettings,
    analysis: AnalysisSettings,
) -> CleaningResult:
    run_number = next(_RUNS)  # each cleaning of one loaded table keeps its own tables
    stage = _Stage(loaded, f"stage_{run_number}")
    days = f"purchase_days_{run_number}"
    con, roles = loaded.con, set(loaded.roles)
    changed: dict[str, int] = {}
    input_rows = con.execute(f"SELECT count(*) FROM {stage.name}").fetchone()[0]

    stage.drop("customer_id IS NULL", "missing_customer")
    stage.drop("date IS NULL", "missing_date")
    stage.drop("amount IS NULL OR isnan(amount)", "missing_amount")
    if cleaning.exclude_products and "product" in roles:
        stage.drop("product IN (SELECT unnest(?::VARCHAR[]))", "excluded_product", [cleaning.exclude_products])
    if cleaning.drop_exact_duplicates:
        columns = ", ".join(f"r.{quote(c)}" for c in loaded.raw.columns)
        stage.drop(
            f"""{ROW} IN (SELECT {ROW} FROM (
                    SELECT r.{ROW}, row_number() OVER (PARTITION BY {columns} ORDER BY r.{ROW}) AS copy
                    FROM raw r JOIN {stage.name} s USING ({ROW}) WHERE s.reason IS NULL) WHERE copy > 1)""",
            "exact_duplicate",
        )
    if cleaning.cancellation_prefix and "invoice" in roles:
        is_cancel = f"starts_with(coalesce(invoice, ''), {literal(cleaning.cancellation_prefix)})"
        if cleaning.cancellations == "drop":
            stage.drop(is_cancel, "cancellation")
        elif stage.count(is_cancel):
            changed["reduced_by_cancellation"] = _net_cancellations(stage, is_cancel, "product" in roles)
    stage.drop("amount < 0" if cleaning.zero_amounts == "keep" else "amount <= 0", "nonpositive_amount")
    _check_window(stage, loaded, analysis)
    if analysis.observation_start is not None:
        stage.drop("date < ?::TIMESTAMP", "outside_window", [analysis.observation_start])
    if analysis.observation_end is not None:
        stage.drop("date >= ?::TIMESTAMP + INTERVAL 1 DAY", "outside_window", [analysis.observation_end])

    _check_calibration(stage, loaded, analysis)
    kept_rows = stage.count()
    if cleaning.merge_same_day:
        merge_purchase_days(con, stage.name, days, roles)
    else:
        _one_per_row(con, stage.name, days, roles)
    result = CleaningResult(
        loaded=loaded, dropped=stage.dropped, changed=changed,
        input_rows=int(input_rows), kept_rows=int(kept_rows), table=days, stage=stage.name,
    )
    changed["merged_same_day"] = int(kept_rows - result.n_transactions)
    return result


def _purchase_at(stage: _Stage, extreme: str) -> tuple[dt.date, int] | None:
    """The first (``min``) or last (``max``) day among the rows kept so far, and its input row."""
    found = stage.con.execute(
        f"SELECT CAST(date AS DATE), {ROW} FROM {stage.name} WHERE reason IS NULL "
        f"ORDER BY date {'ASC' if extreme == 'min' else 'DESC'}, {ROW} LIMIT 1"
    ).fetchone()
    return None if found is None else (found[0], int(found[1]))


def _window_error(loaded: LoadedTransactions, message: str, row: int) -> InputError:
    column = loaded.columns.get("date", "date")
    value = loaded.con.execute(f"SELECT {quote(column)} FROM raw WHERE {ROW} = ?", [row]).fetchone()
    return InputError(message, file=loaded.path, column=column, row=row,
                      value=None if value is None else value[0])


def _check_window(stage: _Stage, loaded: LoadedTransactions, analysis: AnalysisSettings) -> None:
    """The observation window against the purchases kept so far (see rule 7)."""
    first, last = _purchase_at(stage, "min"), _purchase_at(stage, "max")
    if first is None:
        return  # nothing left: the caller reports that
    end, start = analysis.observation_end, analysis.observation_start
    if end is None:
        today = dt.datetime.now(dt.UTC).date()
        if last[0] > today:
            later = stage.count(f"CAST(date AS DATE) > DATE '{today.isoformat()}'")
            rows = "row" if later == 1 else "rows"
            raise _window_error(
                loaded, f"purchase dated after today ({today}; {later} such {rows}) and no "
                "analysis.observation_end is set, so the study window would end there: correct the "
                "date, or set analysis.observation_end (later rows are then quarantined)", last[1])
    elif end < first[0]:
        raise _window_error(loaded, f"analysis.observation_end ({end}) is before the first purchase "
                            f"({first[0]}): the window holds no purchases", first[1])
    if start is not None and start > last[0]:
        raise _window_error(loaded, f"analysis.observation_start ({start}) is after the last purchase "
                            f"({last[0]}): the window holds no purchases", last[1])


def _check_calibration(stage: _Stage, loaded: LoadedTransactions, analysis: AnalysisSettings) -> None:
    """``calibration_end`` against the purchases in the window (see rule 7)."""
    cal_end = analysis.calibration_end
    first, last = _purchase_at(stage, "min"), _purchase_at(stage, "max")
    if cal_end is None or first is None:
        return
    if cal_end < first[0]:
        raise _window_error(loaded, f"analysis.calibration_end ({cal_end}) is before the first purchase "
                            f"({first[0]}): the calibration period holds no purchases", first[1])
    if cal_end >= last[0]:
        raise _window_error(loaded, f"analysis.calibration_end ({cal_end}) is on or after the last purchase "
                            f"in the window ({last[0]}): the holdout period holds no purchases", last[1])


def _net_cancellations(stage: _Stage, is_cancel: str, has_product: bool) -> int:
    """Net each cancellation against the purchase it reverses; return the purchases reduced.

    The purchase is the latest one on or before the cancellation (ties: the later input row) of
    the same customer and product; the as-of key packs the time and the row number into one
    integer so that the join picks it deterministically (rows are numbered below 2^28).
    """
    con = stage.con
    product = "coalesce(product, '')" if has_product else "''"
    key = "CAST(epoch(date) AS BIGINT) * 268435456"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cancel_match AS
        WITH c AS (SELECT {ROW}, customer_id, {product} AS product, amount, {key} + 268435455 AS at
                   FROM {stage.name} WHERE reason IS NULL AND {is_cancel}),
             p AS (SELECT {ROW} AS purchase_row, customer_id, {product} AS product, {key} + {ROW} AS at
                   FROM {stage.name} WHERE reason IS NULL AND NOT {is_cancel} AND amount > 0)
        SELECT c.{ROW}, c.amount, p.purchase_row
        FROM c ASOF LEFT JOIN p
          ON c.customer_id = p.customer_id AND c.product = p.product AND c.at >= p.at
    """)
    stage.drop(f"{ROW} IN (SELECT {ROW} FROM cancel_match WHERE purchase_row IS NOT NULL)", "cancellation_netted")
    stage.drop(f"{ROW} IN (SELECT {ROW} FROM cancel_match WHERE purchase_row IS NULL)", "cancellation_unmatched")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cancelled AS
        SELECT purchase_row, abs(sum(CAST(amount AS {EXACT}))) AS cancelled
        FROM cancel_match WHERE purchase_row IS NOT NULL GROUP BY purchase_row
    """)
    con.execute(f"""
        UPDATE {stage.name} SET amount = CAST(CAST({stage.name}.amount AS {EXACT}) - c.cancelled AS DOUBLE)
        FROM cancelled c WHERE {stage.name}.{ROW} = c.purchase_row AND {stage.name}.reason IS NULL
    """)
    stage.drop(f"amount < {MIN_AMOUNT} AND {ROW} IN (SELECT purchase_row FROM cancelled)", "cancelled_in_full")
    reduced = con.execute(
        f"SELECT count(*) FROM {stage.name} WHERE reason IS NULL AND {ROW} IN (SELECT purchase_row FROM cancelled)"
    ).fetchone()[0]
    con.execute("DROP TABLE cancel_match; DROP TABLE cancelled")
    return int(reduced)


def merge_purchase_days(con, stage: str, days: str, roles: set[str]) -> None:
    """Table ``days``: one row per customer and day, amounts (and quantities) summed, input rows
    counted."""
    extra = ""
    if "quantity" in roles:
        extra += f", CAST(sum(CAST(quantity AS {EXACT})) AS DOUBLE) AS quantity"
    if "segment" in roles:
        extra += f", arg_min(segment, {ROW}) AS segment"
    con.execute(f"""
        CREATE TABLE {days} AS
        SELECT customer_id, date_trunc('day', date) AS date,
               CAST(sum(CAST(amount AS {EXACT})) AS DOUBLE) AS amount,
               count(*) AS n_lines{extra}
        FROM {stage} WHERE reason IS NULL
        GROUP BY customer_id, date_trunc('day', date)
    """)


def _one_per_row(con, stage: str, days: str, roles: set[str]) -> None:
    extra = "".join(f", {r}" for r in ("quantity", "segment") if r in roles)
    con.execute(f"""
        CREATE TABLE {days} AS
        SELECT customer_id, date, amount, 1 AS n_lines{extra}
        FROM {stage} WHERE reason IS NULL
    """)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["n_lines"] = frame["n_lines"].astype("int64")
    if "segment" in frame:
        frame["segment"] = frame["segment"].astype("string")
    return frame
