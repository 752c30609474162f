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
4. ``exact_duplicate`` – a row identical in every input column to an earlier row, as written
   ("4.5" and "4.50" differ, although a CSV scan parses them alike: see ``_compare_as_read``).
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

The rules run as SQL in DuckDB on the loaded table, so they work on logs larger than memory, in
one pass: a single ``CREATE TABLE … AS`` gives every row the first reason that holds for it (one
``CASE``), and the counts, the window checks, the quarantine and the purchase days are read from
that table. Exact duplicates are looked for afterwards, among the rows that can be one (see
``_mark_duplicates``), unless cancellations are netted or same-day purchases kept apart.
Amounts are summed as DECIMAL(38, 6): exact, hence the same in every run whatever the order in
which parallel threads add them up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.config import AnalysisSettings, CleaningSettings
from ..core.errors import InputError
from .loading import ROW, LoadedTransactions, literal, quote

if TYPE_CHECKING:
    import pandas as pd

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
    per_day: bool = True  # whether ``table`` holds one row per customer and day

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
        return self.con.execute(_quarantine_sql(self.loaded, self.stage, self.quarantined_rows > 0)).df()

    def write_quarantine(self, path: Path) -> None:
        """The quarantine as a gzipped CSV: cells and column names that a spreadsheet would run as
        formulas go behind a ``'`` (``report.escape.formula_guard_sql``), as in the run's tables."""
        from ..report.escape import formula_guard_sql, neutralise_formula

        raw = self.loaded.raw
        quarantine = _quarantine_sql(self.loaded, self.stage, self.quarantined_rows > 0)
        # the columns as read are text, except a Parquet file's typed ones, written as before
        guarded = ", ".join(
            (formula_guard_sql(quote(c)) if raw.typed or raw.types.get(c, "VARCHAR") == "VARCHAR" else quote(c))
            + f" AS {quote(neutralise_formula(c))}" for c in raw.columns)
        self.loaded.con.execute(f"COPY (SELECT {ROW}, {guarded}, reason FROM ({quarantine})) "
                                f"TO {literal(str(path))} (HEADER, COMPRESSION gzip)")

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


def _quarantine_sql(loaded: LoadedTransactions, stage: str, any_rows: bool) -> str:
    """The dropped rows as read. With none, the scan's typed columns as text give the same empty
    table without reading a typed CSV again (see ``RawTable.as_read``)."""
    if any_rows or not loaded.raw.typed:
        relation, columns = loaded.raw.as_read(), ", ".join(f"r.{quote(c)}" for c in loaded.raw.columns)
    else:
        relation = "raw"
        columns = ", ".join(f"CAST(r.{quote(c)} AS VARCHAR) AS {quote(c)}" for c in loaded.raw.columns)
    return (f"SELECT r.{ROW}, {columns}, s.reason FROM {relation} r JOIN "
            f"(SELECT {ROW}, reason FROM {stage} WHERE reason IS NOT NULL) s USING ({ROW}) ORDER BY r.{ROW}")


def clean_transactions(
    loaded: LoadedTransactions,
    cleaning: CleaningSettings,
    analysis: AnalysisSettings,
) -> CleaningResult:
    """Apply the rules in one pass: table ``stage_N`` holds every typed row and the reason it was
    dropped for (NULL: kept), decided by one ``CASE``; ``purchase_days_N`` is grouped from it."""
    run_number = next(_RUNS)  # each cleaning of one loaded table keeps its own tables
    stage, days = f"stage_{run_number}", f"purchase_days_{run_number}"
    con, roles = loaded.con, set(loaded.roles)
    # (reason, condition) in the order of the module docstring; the first that holds is the reason
    rules = [("missing_customer", "customer_id IS NULL"), ("missing_date", "date IS NULL"),
             ("missing_amount", "amount IS NULL OR isnan(amount)")]
    if cleaning.exclude_products and "product" in roles:
        excluded = ", ".join(literal(code) for code in cleaning.exclude_products)
        rules.append(("excluded_product", f"product IN ({excluded})"))
    early_rules = list(rules)  # the rules before exact_duplicate
    joins, flags = "", []
    netting = cleaning.cancellations == "net" and bool(cleaning.cancellation_prefix) and "invoice" in roles
    # Duplicates are usually looked for after the one pass, among the few rows that can be one (see
    # _mark_duplicates); netting cancellations needs them first, and so does a log kept row by row.
    duplicates_after = cleaning.drop_exact_duplicates and cleaning.merge_same_day and not netting
    if cleaning.drop_exact_duplicates and not duplicates_after:
        con.execute(f"CREATE OR REPLACE TEMP TABLE duplicate_rows AS {_duplicates_sql(loaded, 'raw')}")
        if _compare_as_read(loaded):
            con.execute(f"CREATE OR REPLACE TEMP TABLE duplicate_rows AS {_duplicates_sql(loaded, loaded.raw.as_read())}")
        joins += f" LEFT JOIN duplicate_rows ON tx.{ROW} = duplicate_rows.{ROW}"
        flags.append(f"duplicate_rows.{ROW} IS NOT NULL AS is_duplicate")
        rules.append(("exact_duplicate", "is_duplicate"))
        early_rules = list(rules)
    netted = False
    if cleaning.cancellation_prefix and "invoice" in roles:
        is_cancel = f"starts_with(coalesce(invoice, ''), {literal(cleaning.cancellation_prefix)})"
        if cleaning.cancellations == "drop":
            rules.append(("cancellation", is_cancel))
        else:
            netted = _match_cancellations(con, _rows_sql(joins, flags), rules, is_cancel, "product" in roles)
    amount = "tx.amount"
    if netted:
        joins += (f" LEFT JOIN cancel_match ON tx.{ROW} = cancel_match.{ROW}"
                  f" LEFT JOIN cancelled ON tx.{ROW} = cancelled.purchase_row")
        flags += ["cancel_match.matched AS is_matched", "cancelled.purchase_row IS NOT NULL AS is_reduced"]
        # the purchase a cancellation reverses is reduced by it, exactly (see _match_cancellations)
        amount = (f"CASE WHEN cancelled.purchase_row IS NULL THEN tx.amount "
                  f"ELSE CAST(CAST(tx.amount AS {EXACT}) - cancelled.cancelled AS DOUBLE) END")
        rules += [("cancellation_netted", "is_matched"), ("cancellation_unmatched", "NOT is_matched"),
                  ("cancelled_in_full", f"is_reduced AND amount < {MIN_AMOUNT}")]
    rules.append(("nonpositive_amount", "amount < 0" if cleaning.zero_amounts == "keep" else "amount <= 0"))
    window = []
    if analysis.observation_start is not None:
        window.append(f"date < {literal(analysis.observation_start.isoformat())}::TIMESTAMP")
    if analysis.observation_end is not None:
        window.append(f"date >= {literal(analysis.observation_end.isoformat())}::TIMESTAMP + INTERVAL 1 DAY")
    if window:
        rules.append(("outside_window", " OR ".join(window)))
    kept_columns = ["customer_id", "date", "amount"] + [r for r in ("quantity", "segment") if r in roles]
    reason = " ".join(f"WHEN {condition} THEN {literal(name)}" for name, condition in rules)
    con.execute(f"""
        CREATE TABLE {stage} AS
        SELECT {ROW}, {', '.join(kept_columns)}, CASE {reason} END AS reason
        FROM ({_rows_sql(joins, flags, amount)})""")
    if cleaning.merge_same_day:
        merge_purchase_days(con, stage, days, roles)
    else:
        _one_per_row(con, stage, days, roles)
    if duplicates_after:
        _mark_duplicates(loaded, stage, days, roles, later=[name for name, _ in rules[len(early_rules):]])
    tally = _tally(con, stage)
    _check_window(tally, stage, loaded, analysis)
    _check_calibration(tally, stage, loaded, analysis)
    dropped = dict.fromkeys(DROP_REASONS, 0)
    dropped.update({name: count for name, (count, _, _) in tally.items() if name is not None})
    kept_rows = tally.get(None, (0, None, None))[0]
    changed: dict[str, int] = {}
    if netted:
        # the purchases reduced and not cancelled in full
        changed["reduced_by_cancellation"] = int(con.execute(
            "SELECT count(*) FROM cancelled").fetchone()[0]) - dropped["cancelled_in_full"]
        con.execute("DROP TABLE cancel_match; DROP TABLE cancelled")
    if cleaning.drop_exact_duplicates:
        con.execute("DROP TABLE duplicate_rows")
    result = CleaningResult(
        loaded=loaded, dropped=dropped, changed=changed, input_rows=sum(count for count, _, _ in tally.values()),
        kept_rows=int(kept_rows), table=days, stage=stage, per_day=cleaning.merge_same_day,
    )
    changed["merged_same_day"] = int(kept_rows - result.n_transactions)
    return result


def _rows_sql(joins: str, flags: list[str], amount: str = "tx.amount") -> str:
    """The typed rows with the flags the rules read (duplicate, matched cancellation, reduced purchase)."""
    return f"SELECT tx.* REPLACE ({amount} AS amount){''.join(', ' + flag for flag in flags)} FROM tx{joins}"


def _duplicates_sql(loaded: LoadedTransactions, relation: str) -> str:
    """Rows of ``relation`` (the input) identical in every input column to an earlier row.

    Identical input rows are dropped, or kept, alike by the rules before this one (they read only
    the row), so the earlier copy is looked for among all rows. Only rows whose hash of every input
    column occurs twice are compared column by column.
    """
    columns = ", ".join(quote(c) for c in loaded.raw.columns)
    return f"""
        WITH hashed AS (SELECT *, hash({columns}) AS row_hash FROM {relation}),
             repeated AS (SELECT row_hash FROM hashed GROUP BY row_hash HAVING count(*) > 1)
        SELECT {ROW} FROM (
            SELECT {ROW}, row_number() OVER (PARTITION BY {columns} ORDER BY {ROW}) AS copy
            FROM hashed WHERE row_hash IN (SELECT row_hash FROM repeated))
        WHERE copy > 1"""


def _mark_duplicates(loaded: LoadedTransactions, stage: str, days: str, roles: set[str], later: list[str]) -> None:
    """Rule 4 after the one pass: mark the rows identical in every input column to an earlier row,
    and merge again the purchase days that held one.

    Identical input rows meet the same fate under every other rule (the rules read only the row),
    so a duplicate is either kept, on the same customer and day as its first copy (a day merged from
    several rows), or dropped by a rule after this one with its first copy. Only those rows are
    compared column by column; on a log of distinct rows they are few.
    """
    con = loaded.con
    columns = ", ".join(quote(c) for c in loaded.raw.columns)
    later_reason = f"s.reason IN ({', '.join(literal(name) for name in later)})" if later else "false"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE duplicate_candidates AS
        WITH shared_days AS (SELECT customer_id, date FROM {days} WHERE n_lines > 1)
        SELECT s.{ROW} FROM {stage} s
        LEFT JOIN shared_days d ON s.customer_id = d.customer_id AND date_trunc('day', s.date) = d.date
        WHERE (s.reason IS NULL AND d.customer_id IS NOT NULL) OR {later_reason}""")

    def later_copies(relation: str) -> str:
        return f"""
            CREATE OR REPLACE TEMP TABLE duplicate_rows AS
            SELECT {ROW} FROM (
                SELECT {ROW}, row_number() OVER (PARTITION BY {columns} ORDER BY {ROW}) AS copy
                FROM {relation} WHERE {ROW} IN (SELECT {ROW} FROM duplicate_candidates))
            WHERE copy > 1"""

    con.execute(later_copies("raw"))
    if _compare_as_read(loaded):
        con.execute(later_copies(loaded.raw.as_read()))
    con.execute("DROP TABLE duplicate_candidates")
    if not con.execute("SELECT count(*) FROM duplicate_rows").fetchone()[0]:
        return
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE changed_days AS
        SELECT DISTINCT customer_id, date_trunc('day', date) AS date
        FROM {stage} WHERE reason IS NULL AND {ROW} IN (SELECT {ROW} FROM duplicate_rows)""")
    con.execute(f"UPDATE {stage} SET reason = 'exact_duplicate' WHERE {ROW} IN (SELECT {ROW} FROM duplicate_rows)")
    con.execute(f"DELETE FROM {days} USING changed_days c WHERE {days}.customer_id = c.customer_id "
                f"AND {days}.date = c.date")
    con.execute(f"INSERT INTO {days} {_merge_sql(stage, roles, 'changed_days')}")
    con.execute("DROP TABLE changed_days")


def _compare_as_read(loaded: LoadedTransactions) -> bool:
    """Whether the rows in ``duplicate_rows``, found on a scan that parsed some columns, must be
    compared again as read: two values written differently ("4.5", "4.50") parse alike. Not when
    every row of their customers that parses like another also reads like it (a copy of a row has
    the same customer id as read)."""
    con = loaded.con
    if not loaded.raw.typed or not con.execute("SELECT count(*) FROM duplicate_rows").fetchone()[0]:
        return False
    customer = quote(loaded.columns["customer"])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE duplicate_customers AS
        SELECT DISTINCT {customer} AS customer FROM raw
        WHERE {ROW} IN (SELECT {ROW} FROM duplicate_rows) AND {customer} IS NOT NULL""")
    alike = loaded.raw.reads_alike(loaded.columns["customer"], "SELECT customer FROM duplicate_customers")
    con.execute("DROP TABLE duplicate_customers")
    return not alike


def _match_cancellations(con, rows: str, rules: list[tuple[str, str]], is_cancel: str, has_product: bool) -> bool:
    """Match each cancellation to the purchase it reverses (tables ``cancel_match`` and
    ``cancelled``) among the ``rows`` that ``rules`` keep; whether there was any cancellation.

    The purchase is the latest one on or before the cancellation (ties: the later input row) of
    the same customer and product; the as-of key packs the time and the row number into one
    integer so that the join picks it deterministically (rows are numbered below 2^28).
    """
    product = "coalesce(product, '')" if has_product else "''"
    key = "CAST(epoch(date) AS BIGINT) * 268435456"
    kept_so_far = " AND ".join(f"NOT coalesce({condition}, false)" for _, condition in rules)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cancel_match AS
        WITH kept AS (SELECT * FROM ({rows}) WHERE {kept_so_far}),
             c AS (SELECT {ROW}, customer_id, {product} AS product, amount, {key} + 268435455 AS at
                   FROM kept WHERE {is_cancel}),
             p AS (SELECT {ROW} AS purchase_row, customer_id, {product} AS product, {key} + {ROW} AS at
                   FROM kept WHERE NOT {is_cancel} AND amount > 0)
        SELECT c.{ROW}, c.amount, p.purchase_row, p.purchase_row IS NOT NULL AS matched
        FROM c ASOF LEFT JOIN p
          ON c.customer_id = p.customer_id AND c.product = p.product AND c.at >= p.at
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cancelled AS
        SELECT purchase_row, abs(sum(CAST(amount AS {EXACT}))) AS cancelled
        FROM cancel_match WHERE matched GROUP BY purchase_row
    """)
    if con.execute("SELECT count(*) FROM cancel_match").fetchone()[0]:
        return True
    con.execute("DROP TABLE cancel_match; DROP TABLE cancelled")
    return False


def _tally(con, stage: str) -> dict[str | None, tuple[int, dt.date | None, dt.date | None]]:
    """Rows, first and last purchase day for each reason (None: kept), from one pass over the stage."""
    rows = con.execute(
        f"SELECT reason, count(*), CAST(min(date) AS DATE), CAST(max(date) AS DATE) FROM {stage} GROUP BY reason"
    ).fetchall()
    return {reason: (int(count), first, last) for reason, count, first, last in rows}


def _day_range(tally, reasons: tuple) -> tuple[dt.date, dt.date] | None:
    """The first and last purchase day among the rows with one of ``reasons`` (None: kept)."""
    ranges = [(first, last) for reason, (_, first, last) in tally.items() if reason in reasons and first is not None]
    if not ranges:
        return None
    return min(first for first, _ in ranges), max(last for _, last in ranges)


def _purchase_at(con, stage: str, reasons: str, extreme: str) -> tuple[dt.date, int]:
    """The first (``min``) or last (``max``) day among the rows ``reasons`` selects, and its input row."""
    found = con.execute(
        f"SELECT CAST(date AS DATE), {ROW} FROM {stage} WHERE {reasons} "
        f"ORDER BY date {'ASC' if extreme == 'min' else 'DESC'}, {ROW} LIMIT 1"
    ).fetchone()
    return found[0], int(found[1])


def _window_error(loaded: LoadedTransactions, message: str, row: int) -> InputError:
    column = loaded.columns.get("date", "date")
    value = loaded.con.execute(f"SELECT {quote(column)} FROM {loaded.raw.as_read()} WHERE {ROW} = ?",
                               [row]).fetchone()
    return InputError(message, file=loaded.path, column=column, row=row,
                      value=None if value is None else value[0])


# the rows kept before the window rule, and after it
BEFORE_WINDOW = "(reason IS NULL OR reason = 'outside_window')"
KEPT = "reason IS NULL"


def _check_window(tally, stage: str, loaded: LoadedTransactions, analysis: AnalysisSettings) -> None:
    """The observation window against the purchases kept before the window rule (see rule 7)."""
    days = _day_range(tally, (None, "outside_window"))
    if days is None:
        return  # nothing left: the caller reports that
    (first, last), con = days, loaded.con
    end, start = analysis.observation_end, analysis.observation_start
    if end is None:
        today = dt.datetime.now(dt.UTC).date()
        if last > today:
            later = con.execute(f"SELECT count(*) FROM {stage} WHERE {BEFORE_WINDOW} AND "
                                f"CAST(date AS DATE) > DATE '{today.isoformat()}'").fetchone()[0]
            rows = "row" if later == 1 else "rows"
            raise _window_error(
                loaded, f"purchase dated after today ({today}; {later} such {rows}) and no "
                "analysis.observation_end is set, so the study window would end there: correct the "
                "date, or set analysis.observation_end (later rows are then quarantined)",
                _purchase_at(con, stage, BEFORE_WINDOW, "max")[1])
    elif end < first:
        raise _window_error(loaded, f"analysis.observation_end ({end}) is before the first purchase "
                            f"({first}): the window holds no purchases",
                            _purchase_at(con, stage, BEFORE_WINDOW, "min")[1])
    if start is not None and start > last:
        raise _window_error(loaded, f"analysis.observation_start ({start}) is after the last purchase "
                            f"({last}): the window holds no purchases",
                            _purchase_at(con, stage, BEFORE_WINDOW, "max")[1])


def _check_calibration(tally, stage: str, loaded: LoadedTransactions, analysis: AnalysisSettings) -> None:
    """``calibration_end`` against the purchases in the window (see rule 7)."""
    cal_end, days = analysis.calibration_end, _day_range(tally, (None,))
    if cal_end is None or days is None:
        return
    (first, last), con = days, loaded.con
    if cal_end < first:
        raise _window_error(loaded, f"analysis.calibration_end ({cal_end}) is before the first purchase "
                            f"({first}): the calibration period holds no purchases",
                            _purchase_at(con, stage, KEPT, "min")[1])
    if cal_end >= last:
        raise _window_error(loaded, f"analysis.calibration_end ({cal_end}) is on or after the last purchase "
                            f"in the window ({last}): the holdout period holds no purchases",
                            _purchase_at(con, stage, KEPT, "max")[1])


def merge_purchase_days(con, stage: str, days: str, roles: set[str]) -> None:
    """Table ``days``: one row per customer and day, amounts (and quantities) summed, input rows
    counted."""
    con.execute(f"CREATE TABLE {days} AS {_merge_sql(stage, roles)}")


def _merge_sql(stage: str, roles: set[str], only_days: str | None = None) -> str:
    """The kept rows of ``stage`` merged by customer and day (only the days listed in table
    ``only_days``, when given)."""
    extra = ""
    if "quantity" in roles:
        extra += f", CAST(sum(CAST(quantity AS {EXACT})) AS DOUBLE) AS quantity"
    if "segment" in roles:
        extra += f", arg_min(segment, {ROW}) AS segment"
    within = (f" SEMI JOIN {only_days} ON {stage}.customer_id = {only_days}.customer_id "
              f"AND date_trunc('day', {stage}.date) = {only_days}.date" if only_days else "")
    return f"""
        SELECT customer_id, date_trunc('day', date) AS date,
               CAST(sum(CAST(amount AS {EXACT})) AS DOUBLE) AS amount,
               count(*) AS n_lines{extra}
        FROM {stage}{within} WHERE reason IS NULL
        GROUP BY customer_id, date_trunc('day', date)
    """


def _one_per_row(con, stage: str, days: str, roles: set[str]) -> None:
    extra = "".join(f", {r}" for r in ("quantity", "segment") if r in roles)
    con.execute(f"""
        CREATE TABLE {days} AS
        SELECT customer_id, date, amount, 1 AS n_lines{extra}
        FROM {stage} WHERE reason IS NULL ORDER BY {ROW}
    """)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["n_lines"] = frame["n_lines"].astype("int64")
    if "segment" in frame:
        frame["segment"] = frame["segment"].astype("string")
    return frame
