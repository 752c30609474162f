"""Load a transaction log (or a contract table) into DuckDB and check its types.

The file is scanned by DuckDB into a table of text columns (Parquet keeps its types), numbered by
data row, and typed there, so logs larger than memory work: DuckDB spills to a temporary folder.
Every value is first read as text so that one that does not parse can be reported with its file,
column and row (data rows counted from 1, after the header). Excel files are read by pandas.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .config import DataSettings
from .errors import InputError

ROW = "_row"  # 1-based data-row number in the input file
LINE = "__line"  # 0-based line number of a whitespace-aligned file


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


DEFAULT_MEMORY_LIMIT = "4GB"


def connect(temp_directory: str | Path | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that spills to disk beyond ``memory_limit`` (default: the environment
    variable ANALYSIS_DUCKDB_MEMORY, else 4GB), so a study's peak memory stays bounded."""
    con = duckdb.connect()
    # scans must keep the file's row order: data-row numbers come from it
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:
        pass  # DuckDB 2 inside Jupyter refuses the setting without ipywidgets; its bar stays off there anyway
    limit = memory_limit or os.environ.get("ANALYSIS_DUCKDB_MEMORY", DEFAULT_MEMORY_LIMIT)
    con.execute(f"SET memory_limit = {literal(limit)}")
    spill = Path(temp_directory) if temp_directory else Path(tempfile.gettempdir()) / "analysis-duckdb"
    con.execute(f"SET temp_directory = {literal(str(spill))}")
    return con


def detect_format(path: Path, declared: str) -> str:
    if declared != "auto":
        return declared
    name = path.name.lower().removesuffix(".gz")
    for suffix, fmt in ((".parquet", "parquet"), (".xlsx", "xlsx"), (".tsv", "tsv"), (".csv", "csv")):
        if name.endswith(suffix):
            return fmt
    return "whitespace" if name.endswith((".txt", ".dat")) else "csv"


@dataclass
class RawTable:
    """The input as table ``raw`` in a DuckDB connection: ``_row`` and the input's columns."""

    con: duckdb.DuckDBPyConnection
    path: Path
    columns: list[str]
    types: dict[str, str] = field(default_factory=dict)  # column -> DuckDB type

    @property
    def rows(self) -> int:
        return self.con.execute("SELECT count(*) FROM raw").fetchone()[0]


def read_raw_table(settings: DataSettings, con: duckdb.DuckDBPyConnection | None = None) -> RawTable:
    """Scan the input file into table ``raw`` with every column as text (Parquet: as typed)."""
    con = con or connect()
    path = Path(settings.path)
    if not path.exists():
        raise InputError("input file not found", file=path)
    if path.is_dir():
        parts = sorted(path.glob("*.parquet"))
        if not parts:
            raise InputError("input folder holds no .parquet files", file=path)
        fmt, source = "parquet", literal(str(path / "*.parquet"))
    elif path.stat().st_size == 0:
        raise InputError("input file is empty", file=path)
    else:
        fmt, source = detect_format(path, settings.format), literal(str(path))
    try:
        if fmt == "parquet":
            # rows are numbered through the parts in file-name order, without sorting the data
            con.execute(f"""
                CREATE TABLE scan AS
                WITH parts AS (
                    SELECT filename, count(*) AS n FROM read_parquet({source}, filename = true) GROUP BY 1),
                offsets AS (
                    SELECT filename, coalesce(sum(n) OVER (ORDER BY filename ROWS BETWEEN UNBOUNDED
                           PRECEDING AND 1 PRECEDING), 0) AS start FROM parts)
                SELECT data.* EXCLUDE (filename, file_row_number),
                       offsets.start + data.file_row_number AS {LINE}
                FROM read_parquet({source}, filename = true, file_row_number = true) AS data
                JOIN offsets USING (filename)""")
            first_row = 1
        elif fmt in ("csv", "tsv"):
            options = [f"delim = {literal(chr(9) if fmt == 'tsv' else ',')}", "all_varchar = true",
                       f"header = {str(settings.header).lower()}"]
            if not settings.header:
                options.append("names = [" + ", ".join(literal(n) for n in settings.names or []) + "]")
            con.execute(f"CREATE TABLE scan AS SELECT * FROM read_csv({source}, {', '.join(options)})")
            first_row = 1
        elif fmt == "whitespace":
            _scan_whitespace(con, path, settings)
            first_row = 0 if settings.header else 1
        else:
            frame = pd.read_excel(path, dtype=str, header=0 if settings.header else None)
            if not settings.header:
                frame.columns = _check_names(settings, frame.shape[1], path)
            con.register("excel_frame", frame)
            con.execute("CREATE TABLE scan AS SELECT * FROM excel_frame")
            first_row = 1
    except (duckdb.Error, ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"cannot read as {fmt}: {str(exc).splitlines()[0]}", file=path) from exc
    described = [row for row in con.execute("DESCRIBE scan").fetchall() if row[0] != LINE]
    columns = [row[0].strip() for row in described]
    if fmt in ("csv", "tsv") and not settings.header:
        _check_names(settings, len(columns), path)
    select = ", ".join(f"{quote(old)} AS {quote(new)}" for (old, *_), new in zip(described, columns))
    if fmt in ("whitespace", "parquet"):
        # numbered while scanning: whitespace files count blank lines, Parquet parts follow each other
        where = f" WHERE {LINE} > 0" if fmt == "whitespace" and settings.header else ""
        con.execute(f"CREATE TABLE raw AS SELECT {LINE} + {first_row} AS {ROW}, {select} FROM scan{where}")
    else:
        con.execute(f"CREATE TABLE raw AS SELECT rowid + {first_row} AS {ROW}, {select} FROM scan")
    con.execute("DROP TABLE scan")
    raw = RawTable(con=con, path=path, columns=columns, types={r[0].strip(): r[1] for r in described})
    if raw.rows == 0:
        raise InputError("input file has no data rows", file=path)
    return raw


def _check_names(settings: DataSettings, found: int, path: Path) -> list[str]:
    names = list(settings.names or [])
    if len(names) != found:
        raise InputError(
            f"data.names lists {len(names)} columns but the file has {found}", file=path, value=names
        )
    return names


def _scan_whitespace(con: duckdb.DuckDBPyConnection, path: Path, settings: DataSettings) -> None:
    """Whitespace-aligned text: split each line on runs of blanks."""
    con.execute(
        f"CREATE TABLE lines AS SELECT regexp_split_to_array(trim(line), '\\s+') AS parts "
        f"FROM read_csv({literal(str(path))}, columns = {{'line': 'VARCHAR'}}, header = false, "
        "delim = '\x01', quote = '', escape = '', auto_detect = false)"
    )
    if settings.header:
        names = con.execute("SELECT parts FROM lines WHERE rowid = 0").fetchone()[0]
    else:
        width = con.execute("SELECT len(parts) FROM lines WHERE rowid = 0").fetchone()[0]
        names = _check_names(settings, width, path)
    bad = con.execute(
        f"SELECT rowid, array_to_string(parts, ' ') FROM lines WHERE len(parts) <> {len(names)} "
        f"AND NOT (len(parts) = 1 AND parts[1] = '') ORDER BY rowid LIMIT 1"
    ).fetchone()
    if bad is not None:
        row = bad[0] + (0 if settings.header else 1)
        raise InputError(f"expected {len(names)} fields", file=path, row=row, value=bad[1])
    fields = ", ".join(f"parts[{i + 1}] AS {quote(name)}" for i, name in enumerate(names))
    con.execute(
        f"CREATE TABLE scan AS SELECT rowid AS {LINE}, {fields} FROM lines "
        "WHERE NOT (len(parts) = 1 AND parts[1] = '') ORDER BY rowid"
    )
    con.execute("DROP TABLE lines")


def _require_columns(raw: RawTable, settings: DataSettings) -> None:
    for role, column in settings.columns.items():
        if column not in raw.columns:
            raise InputError(
                f"column '{column}' (mapped as '{role}') is missing; the file has {raw.columns}",
                file=raw.path, column=column,
            )
    for column in settings.covariates:
        if column not in raw.columns:
            raise InputError("covariate column is missing", file=raw.path, column=column)


def _is_text(raw: RawTable, column: str) -> bool:
    return raw.types.get(column, "VARCHAR") == "VARCHAR"


def text_expr(column: str) -> str:
    return f"NULLIF(trim(CAST({quote(column)} AS VARCHAR)), '')"


def _first_bad(raw: RawTable, parsed: str, column: str) -> tuple[int, int, str] | None:
    count, first = raw.con.execute(
        f"SELECT count(*), min({ROW}) FROM raw WHERE {text_expr(column)} IS NOT NULL AND ({parsed}) IS NULL"
    ).fetchone()
    if not count:
        return None
    value = raw.con.execute(f"SELECT {quote(column)} FROM raw WHERE {ROW} = ?", [first]).fetchone()[0]
    return count, first, value


def number_expr(raw: RawTable, column: str) -> str:
    """SQL that parses a column as DOUBLE; a non-blank value that does not parse is an error."""
    if not _is_text(raw, column):
        return f"CAST({quote(column)} AS DOUBLE)"
    parsed = f"TRY_CAST({text_expr(column)} AS DOUBLE)"
    bad = _first_bad(raw, parsed, column)
    if bad:
        count, row, value = bad
        raise InputError(f"not a number ({count} such rows)", file=raw.path, column=column, row=row, value=value)
    return parsed


def date_expr(raw: RawTable, column: str, date_format: str | None) -> str:
    """SQL that parses a column as TIMESTAMP with the configured format (ISO 8601 by default)."""
    if not _is_text(raw, column):
        return f"CAST({quote(column)} AS TIMESTAMP)"
    if date_format:
        parsed = f"TRY_STRPTIME({text_expr(column)}, {literal(date_format)})"
    else:
        parsed = f"TRY_CAST({text_expr(column)} AS TIMESTAMP)"
    bad = _first_bad(raw, parsed, column)
    if bad:
        count, row, value = bad
        expected = date_format or "ISO 8601 (YYYY-MM-DD)"
        raise InputError(
            f"cannot parse as a date with format {expected} ({count} such rows)",
            file=raw.path, column=column, row=row, value=value,
        )
    return parsed


@dataclass
class LoadedTransactions:
    """Typed transactions in table ``tx`` (one row per input row) beside the raw input ``raw``."""

    raw: RawTable
    roles: tuple[str, ...]  # optional roles present: quantity, invoice, product, segment

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.raw.con

    @property
    def path(self) -> Path:
        return self.raw.path

    def frame(self) -> pd.DataFrame:
        return self.con.execute(f"SELECT * FROM tx ORDER BY {ROW}").df()

    @classmethod
    def from_frames(cls, transactions: pd.DataFrame, raw: pd.DataFrame | None = None,
                    path: str | Path = "<frame>") -> LoadedTransactions:
        """Typed transactions given as a DataFrame (tests, other front ends)."""
        con = connect()
        con.register("tx_frame", transactions)
        con.execute("CREATE TABLE tx AS SELECT * FROM tx_frame")
        raw = transactions if raw is None else raw
        con.register("raw_frame", raw)
        con.execute("CREATE TABLE raw AS SELECT * FROM raw_frame")
        columns = [c for c in raw.columns if c != ROW]
        roles = tuple(r for r in ("quantity", "invoice", "product", "segment") if r in transactions)
        return cls(raw=RawTable(con=con, path=Path(path), columns=columns), roles=roles)


def load_transactions(settings: DataSettings, con: duckdb.DuckDBPyConnection | None = None) -> LoadedTransactions:
    raw = read_raw_table(settings, con)
    _require_columns(raw, settings)
    cols = settings.columns
    fields = [ROW, f"{text_expr(cols['customer'])} AS customer_id",
              f"{date_expr(raw, cols['date'], settings.date_format)} AS date"]
    roles = []
    if "quantity" in cols:
        fields.append(f"{number_expr(raw, cols['quantity'])} AS quantity")
        roles.append("quantity")
    if "amount" in cols:
        fields.append(f"{number_expr(raw, cols['amount'])} AS amount")
    else:
        fields.append(f"{number_expr(raw, cols['price'])} * {number_expr(raw, cols['quantity'])} AS amount")
    for role in ("invoice", "product", "segment"):
        if role in cols:
            fields.append(f"{text_expr(cols[role])} AS {role}")
            roles.append(role)
    raw.con.execute(f"CREATE TABLE tx AS SELECT {', '.join(fields)} FROM raw")
    return LoadedTransactions(raw=raw, roles=tuple(roles))


def load_contracts(settings: DataSettings) -> pd.DataFrame:
    """Contractual data: one row per customer with tenure (periods), churn flag and covariates.

    Text covariates stay text; a covariate that is numeric apart from blanks (Telco's
    ``TotalCharges``) is parsed, its blanks kept as missing for the analysis to handle and report.
    """
    raw = read_raw_table(settings)
    _require_columns(raw, settings)
    cols, con = settings.columns, raw.con
    blank_id = con.execute(
        f"SELECT min({ROW}) FROM raw WHERE {text_expr(cols['customer'])} IS NULL"
    ).fetchone()[0]
    if blank_id is not None:
        raise InputError("customer id is blank", file=raw.path, column=cols["customer"], row=blank_id, value="")
    churned = ", ".join(literal(v) for v in settings.churned_values)
    fields = [
        ROW, f"{text_expr(cols['customer'])} AS customer_id",
        f"{number_expr(raw, cols['tenure'])} AS tenure",
        f"CAST(coalesce({text_expr(cols['churned'])} IN ({churned}), false) AS BIGINT) AS churned",
    ]
    for column in settings.covariates:
        if not _is_text(raw, column):
            fields.append(quote(column))
            continue
        parsed = f"TRY_CAST({text_expr(column)} AS DOUBLE)"
        non_blank, numeric = con.execute(
            f"SELECT count({text_expr(column)}), count({parsed}) FROM raw"
        ).fetchone()
        if non_blank and numeric == non_blank:
            fields.append(f"{parsed} AS {quote(column)}")
        elif non_blank and numeric / non_blank > 0.95:
            fields.append(f"{number_expr(raw, column)} AS {quote(column)}")  # names the odd value
        else:
            fields.append(f"{text_expr(column)} AS {quote(column)}")
    return con.execute(f"SELECT {', '.join(fields)} FROM raw ORDER BY {ROW}").df()
