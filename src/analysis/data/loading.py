"""Load a transaction log (or a contract table) into DuckDB and check its types.

The file is scanned by DuckDB into a table (a Parquet file is read where it lies, with its
types), numbered by data row, and typed there in one pass, so logs larger than memory work: DuckDB
spills to a temporary folder. A transaction log in CSV/TSV has its dates and numbers parsed by the
scan itself; when one does not parse there, the file is read again with every value as text, so
that the value can be reported with its file, column and row (data rows counted from 1, after the
header). Other files are read as text, and Excel files by pandas.

What the loader accepts, and what stops it (exit 2, naming file, column, row and value):

- Text files must be UTF-8 (a byte that is not names its line and byte offset). CSV/TSV are read
  as RFC 4180 with ``"`` quotes; the header line is read here, so a header whose line ending
  differs from the data's (LF header, CRLF data) loads like any other file, and a row with more
  or fewer fields than the header stops the run with its row number and field count. Header
  names are trimmed; two columns with the same name stop the run (naming both).
- Text values are trimmed of spaces, tabs and line breaks at both ends; blank means missing.
- Numbers (amount, price, quantity, tenure) must be finite and at most ``MAX_ABS_NUMBER``
  (10^12) in absolute value: ``inf``, ``-inf``, ``nan`` and ``1e300`` are input errors, not values.
- Dates are ISO 8601 (or ``data.date_format``). A date with a UTC offset or zone
  (``2020-01-01T23:30+05:00``, ``...Z``) is converted to UTC; a date without one is taken as UTC
  already; the purchase day is the UTC day. Dates must lie in ``DATE_RANGE`` (1900-01-01 to
  2261-12-31, the span pandas can hold); whether a date is later than the study's window is a
  cleaning question (`analysis.data.cleaning`).
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..core.config import DataSettings
from ..core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

ROW = "_row"  # 1-based data-row number in the input file
LINE = "__line"  # 0-based line number of a whitespace-aligned file


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


DEFAULT_MEMORY_LIMIT = "4GB"
# Largest absolute value of a number in the input: far above any real order or tenure, far below
# what exact DECIMAL(38, 6) sums of 10^9 rows can hold.
MAX_ABS_NUMBER = 1e12
# Dates the study can represent (pandas' nanosecond timestamps end in 2262); earlier than 1900 is
# a placeholder (Excel's 1899-12-30, 0001-01-01), not a purchase.
DATE_RANGE = ("1900-01-01", "2261-12-31")
# Trimmed from both ends of every text value: space, tab, CR, LF.
BLANKS = " \t\r\n"


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
    # naive dates are UTC and dates with an offset are converted to UTC, whatever the machine's zone
    con.execute("SET TimeZone = 'UTC'")
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
    # a CSV/TSV file whose ``typed`` columns were parsed by the scan: how to read it again as text
    settings: DataSettings | None = None
    delimiter: str = ","
    typed: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return self.con.execute("SELECT count(*) FROM raw").fetchone()[0]

    def as_read(self) -> str:
        """The relation holding the input as read (text, for a CSV/TSV file): ``raw`` itself, or,
        after a scan that parsed some columns, ``raw_text``, scanned again as text on first use
        (by a non-empty quarantine, an error message, or duplicates that read differently)."""
        if not self.typed:
            return "raw"
        if not self.con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'raw_text'").fetchone()[0]:
            scanned = self._scan_as_text("scan_text")
            select = ", ".join(f"{quote(old)} AS {quote(new)}" for old, new in zip(scanned, self.columns))
            self.con.execute(f"CREATE VIEW raw_text AS SELECT rowid + 1 AS {ROW}, {select} FROM scan_text")
        return "raw_text"

    def _scan_as_text(self, table: str, where: str = "") -> list[str]:
        """Scan the file again, every column as text, into ``table`` (the rows ``where`` keeps);
        its column names as scanned, in the order of ``columns``."""
        _scan_delimited(self.con, self.path, self.settings, self.delimiter, table=table, where=where)
        return [row[0] for row in self.con.execute(f"DESCRIBE {table}").fetchall()]

    def reads_alike(self, column: str, values: str) -> bool:
        """Whether the rows whose ``column`` (text in the scan) is one of ``values`` (an SQL list or
        subquery) that parse alike also read alike: then a comparison of parsed rows is one of rows
        as read. Only those rows are read again, as text, and not kept."""
        if not self.typed:
            return True
        name, where = f"text_rows_{next(_TEXT_SCANS)}", f"{quote(column)} IN ({values})"
        scanned = self._scan_as_text(name, where)
        parsed = []
        for old, new in zip(scanned, self.columns):
            if new not in self.typed:
                parsed.append(quote(old))
            elif self.types[new] == "DOUBLE":
                parsed.append(_parse_number(text_expr(old), True))
            else:
                parsed.append(_parse_date(text_expr(old), True, None))
        as_read = ", ".join(quote(old) for old in scanned)
        (differ,), = self.con.execute(
            f"SELECT count(*) FROM (SELECT {', '.join(parsed)} FROM {name} GROUP BY ALL "
            f"HAVING count(DISTINCT ({as_read})) > 1)").fetchall()
        self.con.execute(f"DROP TABLE {name}")
        return differ == 0


_TEXT_SCANS = itertools.count()


def read_raw_table(settings: DataSettings, con: duckdb.DuckDBPyConnection | None = None,
                   types: dict[str, str] | None = None) -> RawTable:
    """Scan the input file into table ``raw`` with every column as text (Parquet: as typed).

    ``types`` (column -> DuckDB type) has a CSV/TSV scan parse those columns itself; a value that
    does not parse then stops the scan with DuckDB's message, so the caller reads the file again
    as text to name it (see :func:`load_transactions`)."""
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
        if fmt == "parquet" and not path.is_dir():
            # one file is read where it lies (a view, not a copy): Parquet is typed and columnar, so
            # reading it again for the few queries that need the input as read costs little
            con.execute(f"CREATE VIEW scan AS SELECT * EXCLUDE (file_row_number), file_row_number AS {LINE} "
                        f"FROM read_parquet({source}, file_row_number = true)")
            first_row = 1
        elif fmt == "parquet":
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
            _scan_delimited(con, path, settings, "\t" if fmt == "tsv" else ",", types)
            first_row = 1
        elif fmt == "whitespace":
            _scan_whitespace(con, path, settings)
            first_row = 0 if settings.header else 1
        else:
            import pandas as pd  # only Excel files are read by pandas

            frame = pd.read_excel(path, dtype=str, header=None)
            if settings.header:
                names = [("" if pd.isna(n) else str(n).strip()) or f"column{i}"
                         for i, n in enumerate(frame.iloc[0] if len(frame) else [], start=1)]
                _check_unique(names, path)
                frame = frame.iloc[1:].reset_index(drop=True)
                frame.columns = names
            else:
                frame.columns = _check_names(settings, frame.shape[1], path)
            con.register("excel_frame", frame)
            con.execute("CREATE TABLE scan AS SELECT * FROM excel_frame")
            first_row = 1
    except (duckdb.Error, ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        if "Invalid unicode" in str(exc):
            raise _not_utf8(path, 1 if settings.header and fmt == "whitespace" else 0) from exc
        raise InputError(f"cannot read as {fmt}: {str(exc).splitlines()[0]}", file=path) from exc
    described = [row for row in con.execute("DESCRIBE scan").fetchall() if row[0] != LINE]
    columns = [row[0].strip() for row in described]
    _check_unique(columns, path)
    select = ", ".join(f"{quote(old)} AS {quote(new)}" for (old, *_), new in zip(described, columns))
    # ``raw`` is a view, not a copy: the scanned table is the only copy of the input
    if fmt in ("whitespace", "parquet"):
        # numbered while scanning: whitespace files count blank lines, Parquet parts follow each other
        where = f" WHERE {LINE} > 0" if fmt == "whitespace" and settings.header else ""
        con.execute(f"CREATE VIEW raw AS SELECT {LINE} + {first_row} AS {ROW}, {select} FROM scan{where}")
    else:
        con.execute(f"CREATE VIEW raw AS SELECT rowid + {first_row} AS {ROW}, {select} FROM scan")
    raw = RawTable(con=con, path=path, columns=columns, types={r[0].strip(): r[1] for r in described})
    if types and fmt in ("csv", "tsv"):
        raw.settings, raw.delimiter, raw.typed = settings, "\t" if fmt == "tsv" else ",", tuple(types)
    if raw.rows == 0:
        raise InputError("input file has no data rows", file=path)
    return raw


def _check_unique(names: list[str], path: Path) -> None:
    """Two columns of one name would make the mapping ambiguous: stop, naming both."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(
                f"the header line names two columns '{name}' (columns {seen[name]} and {position}); "
                "rename one so that the mapping is unambiguous",
                file=path, column=name, value=name,
            )
        seen[name] = position


def _open_text(path: Path, mode: str = "rb"):
    return gzip.open(path, mode) if path.name.lower().endswith(".gz") else open(path, mode)


def _header_fields(path: Path, delimiter: str, header_lines: int) -> list[str]:
    """The first record of a delimited file (the header, or the first data row), as text."""
    with _open_text(path) as handle:
        head = handle.read(1 << 20)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":  # not a character cut at the chunk's end
            raise _not_utf8(path, 1 if header_lines else 0) from exc
        text = head[:exc.start].decode("utf-8-sig")
    first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    return [field.strip() for field in first]


def _not_utf8(path: Path, header_lines: int) -> InputError:
    """Where the first byte that is not UTF-8 is: its line, data row and byte offset."""
    offset, line, pending = 0, 1, b""  # offset: position in the file of pending's first byte
    with _open_text(path) as handle:
        while True:
            chunk = handle.read(1 << 20)
            data = pending + chunk
            if not data:
                break
            try:
                data.decode("utf-8")
                good = len(data)
            except UnicodeDecodeError as exc:
                if chunk and exc.reason == "unexpected end of data":
                    good = exc.start  # a character cut by the chunk's end: decode it with the next one
                else:
                    bad = exc.start
                    line += data[:bad].count(b"\n")
                    begin, end = data.rfind(b"\n", 0, bad) + 1, data.find(b"\n", bad)
                    text = data[begin:end if end >= 0 else None].decode("utf-8", "replace").rstrip("\r")
                    return InputError(
                        f"the file is not UTF-8 text: byte 0x{data[bad]:02X} at byte offset {offset + bad} "
                        f"(line {line}) is not valid UTF-8; save the file as UTF-8 (it may be "
                        "Latin-1 or Windows-1252)",
                        file=path, row=line - header_lines, value=text,
                    )
            line += data[:good].count(b"\n")
            pending, offset = data[good:], offset + good
            if not chunk:
                break
    return InputError("the file is not UTF-8 text", file=path)


def _scan_delimited(con: duckdb.DuckDBPyConnection, path: Path, settings: DataSettings, delimiter: str,
                    types: dict[str, str] | None = None, table: str = "scan", where: str = "") -> None:
    """CSV/TSV into ``table`` (the rows ``where`` keeps): header read here, every field as text
    unless ``types`` names its type, RFC 4180 quoting.

    DuckDB's dialect sniffer is not used: it fails on a header whose line ending differs from the
    data's and guesses a ragged file's width from its odd rows. The file's own width (the header's,
    or ``data.names``') is imposed instead, so a ragged row is an error that names its line.
    """
    header_lines = 1 if settings.header else 0
    first = _header_fields(path, delimiter, header_lines)
    if settings.header:
        names = [name or f"column{i}" for i, name in enumerate(first, start=1)]
        _check_unique(names, path)
    else:
        names = _check_names(settings, len(first), path)
        _check_unique(names, path)
    types = types or {}
    columns = "{" + ", ".join(f"{literal(name)}: {literal(types.get(name.strip(), 'VARCHAR'))}"
                              for name in names) + "}"
    options = (f"delim = {literal(delimiter)}, quote = '\"', escape = '\"', header = "
               f"{str(settings.header).lower()}, auto_detect = false, columns = {columns}")

    def select(source: Path, line_ending: str = "") -> str:
        return (f"CREATE TABLE {table} AS SELECT * FROM read_csv({literal(str(source))}, {options}{line_ending})"
                + (f" WHERE {where}" if where else ""))

    try:
        con.execute(select(path))
        return
    except duckdb.InvalidInputException as exc:
        message = str(exc)
        if "Invalid unicode" in message:
            raise _not_utf8(path, header_lines) from exc
        if ragged := _ragged_row(message, path, header_lines):
            raise ragged from exc
        if "state machine reached an invalid state" not in message:
            raise
    # Mixed line endings (CRLF and LF in one file), or a lone CR inside a quoted field of an LF
    # file: DuckDB's parser stops on both. Read a copy with LF endings, told they are LF (CRLF
    # inside a quoted field becomes LF). Only these files pay for the copy; line numbers are unchanged.
    with tempfile.TemporaryDirectory(prefix="analysis-lf-") as folder:
        copy = Path(folder) / "input.csv"
        with _open_text(path) as source, open(copy, "wb") as target:
            carry = b""
            while chunk := source.read(1 << 20):
                chunk = carry + chunk
                carry = b"\r" if chunk.endswith(b"\r") else b""
                target.write(chunk[: len(chunk) - len(carry)].replace(b"\r\n", b"\n"))
            target.write(carry)
        _scan_normalised(con, copy, path, select, header_lines)


def _scan_normalised(con, copy: Path, path: Path, select, header_lines: int) -> None:
    try:
        con.execute(select(copy, ", new_line = '\\n'"))
    except duckdb.InvalidInputException as exc:
        if ragged := _ragged_row(str(exc), path, header_lines):
            raise ragged from exc
        if stray := _stray_carriage_return(copy, path, header_lines):
            raise stray from exc
        raise


def _stray_carriage_return(copy: Path, path: Path, header_lines: int) -> InputError | None:
    """The first line of the LF copy holding a CR: what is left to stop DuckDB's parser there is a
    carriage return outside quotes (a Classic Mac line break inside a line)."""
    line = 1
    with open(copy, "rb") as handle:
        while chunk := handle.read(1 << 20):
            at = chunk.find(b"\r")
            if at < 0:
                line += chunk.count(b"\n")
                continue
            line += chunk[:at].count(b"\n")
            begin, end = chunk.rfind(b"\n", 0, at) + 1, chunk.find(b"\n", at)
            text = chunk[begin:end if end >= 0 else None].decode("utf-8", "replace")
            return InputError(f"line {line} holds a carriage return (CR) that neither ends the line nor is "
                              "inside quotes, so the line cannot be split into fields; quote the field or "
                              "remove the CR", file=path, row=line - header_lines, value=text)
    return None


def _ragged_row(message: str, path: Path, header_lines: int) -> InputError | None:
    """DuckDB's message about a row of the wrong width, as an error naming the row."""
    found = re.search(r"CSV Error on Line: (\d+)\s+Original Line: (.*?)\n.*?Expected Number of Columns: "
                      r"(\d+) Found: (\d+)", message, re.DOTALL)
    if found is None:
        return None
    line, text, expected, width = found.groups()
    source = "the header" if header_lines else "data.names"
    return InputError(f"row has {width} fields, {source} {expected} (line {line} of the file)",
                      file=path, row=int(line) - header_lines, value=text)


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
        _check_unique(names, path)
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
    """SQL for a column as text, trimmed of ``BLANKS``, blank as NULL."""
    text = f"CAST({quote(column)} AS VARCHAR)"
    # trim() with a set of characters costs several times a whole cast: only values that start or
    # end with one of the blanks go through it
    padded = " OR ".join(f"{test}({text}, {literal(blank)})"
                         for test in ("starts_with", "ends_with") for blank in BLANKS)
    return f"NULLIF(CASE WHEN {padded} THEN trim({text}, {literal(BLANKS)}) ELSE {text} END, '')"


def _source(raw: RawTable, column: str) -> str:
    """The column as it is parsed: trimmed text (blank as NULL), or the typed value of a Parquet file."""
    return text_expr(column) if _is_text(raw, column) else quote(column)


def _first_bad(raw: RawTable, unusable: str, column: str) -> tuple[int, int, str] | None:
    """Count of the non-blank values for which ``unusable`` holds, the first one's row and text."""
    count, first = raw.con.execute(
        f"SELECT count(*), min({ROW}) FROM raw WHERE {_source(raw, column)} IS NOT NULL AND ({unusable})"
    ).fetchone()
    if not count:
        return None
    value = raw.con.execute(f"SELECT {quote(column)} FROM raw WHERE {ROW} = ?", [first]).fetchone()[0]
    return count, first, value


def _parse_number(source: str, is_text: bool) -> str:
    return f"TRY_CAST({source} AS DOUBLE)" if is_text else f"CAST({source} AS DOUBLE)"


def _unusable_number(parsed: str) -> str:
    return f"({parsed}) IS NULL OR NOT isfinite({parsed}) OR abs({parsed}) > {MAX_ABS_NUMBER:.0f}"


def _parse_date(source: str, is_text: bool, date_format: str | None) -> str:
    if not is_text:
        return f"CAST({source} AS TIMESTAMP)"
    if date_format:
        # TRY_STRPTIME gives TIMESTAMP WITH TIME ZONE for %z/%Z formats; the cast takes it to UTC
        return f"CAST(TRY_STRPTIME({source}, {literal(date_format)}) AS TIMESTAMP)"
    # DuckDB's TIMESTAMP cast drops an offset or zone name silently; the TIMESTAMPTZ cast
    # applies it but costs six times as much, so only values with something after the time
    # other than digits, ':', '.', ' ' and 'T' take it
    return (f"CASE WHEN length({source}) > 10 AND regexp_matches(substr({source}, 11), '[+\\-A-SU-Za-z]') "
            f"THEN CAST(TRY_CAST({source} AS TIMESTAMPTZ) AS TIMESTAMP) ELSE TRY_CAST({source} AS TIMESTAMP) END")


def _unusable_date(parsed: str) -> str:
    low, high = DATE_RANGE
    return (f"({parsed}) IS NULL OR ({parsed}) < {literal(low)}::TIMESTAMP "
            f"OR ({parsed}) >= {literal(high)}::TIMESTAMP + INTERVAL 1 DAY")


def number_expr(raw: RawTable, column: str) -> str:
    """SQL that parses a column as DOUBLE. A non-blank value that is not a number, not finite
    (inf, nan) or beyond ``MAX_ABS_NUMBER`` is an error naming its row."""
    parsed = _parse_number(_source(raw, column), _is_text(raw, column))
    bad = _first_bad(raw, _unusable_number(parsed), column)
    if bad:
        count, row, value = bad
        number = raw.con.execute(f"SELECT {parsed} FROM raw WHERE {ROW} = ?", [row]).fetchone()[0]
        if number is None:
            reason = "not a number"
        elif not math.isfinite(number):
            reason = "not a finite number"
        else:
            reason = f"out of range: amounts and counts must lie within ±{MAX_ABS_NUMBER:.0e}"
        raise InputError(f"{reason} ({count} unusable value{'s' if count != 1 else ''} in this column)",
                         file=raw.path, column=column, row=row, value=value)
    return parsed


def date_expr(raw: RawTable, column: str, date_format: str | None) -> str:
    """SQL that parses a column as TIMESTAMP with the configured format (ISO 8601 by default).

    Values with a UTC offset or zone are converted to UTC; values without one are UTC already
    (the connection's zone is UTC). A value that does not parse, or lies outside ``DATE_RANGE``,
    is an error naming its row.
    """
    parsed = _parse_date(_source(raw, column), _is_text(raw, column), date_format)
    low, high = DATE_RANGE
    try:
        bad = _first_bad(raw, _unusable_date(parsed), column)
    except duckdb.InvalidInputException as exc:  # a format DuckDB cannot use (config validates it too)
        raise InputError(f"data.date_format is not a usable date format: {str(exc).splitlines()[0]}",
                         file=raw.path, column=column, value=date_format) from exc
    if bad:
        count, row, value = bad
        if raw.con.execute(f"SELECT {parsed} FROM raw WHERE {ROW} = ?", [row]).fetchone()[0] is None:
            expected = date_format or "ISO 8601 (YYYY-MM-DD)"
            reason = f"cannot parse as a date with format {expected}"
        else:
            reason = f"date outside the supported range {low} to {high}"
        raise InputError(f"{reason} ({count} unusable value{'s' if count != 1 else ''} in this column)",
                         file=raw.path, column=column, row=row, value=value)
    return parsed


@dataclass
class LoadedTransactions:
    """Typed transactions in table ``tx`` (one row per input row) beside the raw input ``raw``."""

    raw: RawTable
    roles: tuple[str, ...]  # optional roles present: quantity, invoice, product, segment
    columns: dict[str, str] = field(default_factory=dict)  # role -> input column, for messages

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
    """The transaction log as typed rows ``tx`` beside ``raw``.

    Every value is parsed once, in one pass that also flags the rows holding a value that is there
    but unusable; a cheap aggregate of that flag decides. Only when it is raised are the columns
    checked one by one (date, quantity, amount or price) to name the file, column, row and value.

    A CSV/TSV file's dates and numbers are parsed by the scan itself (see :func:`_scan_types`):
    parsing text into a table and then the table is twice the work. When a value does not parse
    there, or parses to an unusable value, the file is read again with every column as text, the
    path that names it.
    """
    con = con or connect()
    types = _scan_types(settings)
    if types:
        try:
            return _load_transactions(settings, con, types)
        except (InputError, duckdb.Error):
            con.execute("DROP VIEW IF EXISTS tx; DROP VIEW IF EXISTS typed_rows; DROP VIEW IF EXISTS raw; "
                        "DROP TABLE IF EXISTS scan")
    return _load_transactions(settings, con, None)


def _scan_types(settings: DataSettings) -> dict[str, str]:
    """The types a CSV/TSV scan parses the date and number columns into (none for other files, or
    with a ``data.date_format``, or when one column is mapped to two roles).

    Dates are read as TIMESTAMPTZ: a value with an offset or zone is converted to UTC and one without
    is UTC already (the connection's zone), as the text path does; DuckDB's CSV TIMESTAMP (and DATE)
    parsers drop an offset silently. On every value both parsers accept, DuckDB's CSV parsers agree
    with the text path's casts (tests/test_loading.py checks a list of odd values); values with
    blanks around them, which the text path trims, stop the scan and take the text path.
    """
    path, cols = Path(settings.path), settings.columns
    if (settings.date_format or not path.is_file() or detect_format(path, settings.format) not in ("csv", "tsv")
            or len(set(cols.values())) != len(cols)):
        return {}
    numbers = {cols[role]: "DOUBLE" for role in ("quantity", "amount", "price") if role in cols}
    return {cols["date"]: "TIMESTAMPTZ", **numbers}


def _load_transactions(settings: DataSettings, con: duckdb.DuckDBPyConnection,
                       types: dict[str, str] | None) -> LoadedTransactions:
    raw = read_raw_table(settings, con, types)
    _require_columns(raw, settings)
    cols, con = settings.columns, raw.con
    numbers = [role for role in ("quantity", "amount", "price") if role in cols]
    texts = [role for role in ("invoice", "product", "segment") if role in cols]
    # three levels, so that each text is trimmed once and each value parsed once
    sources = [ROW, f"{text_expr(cols['customer'])} AS customer_id",
               f"{_source(raw, cols['date'])} AS date_source"]
    sources += [f"{_source(raw, cols[role])} AS {role}_source" for role in numbers]
    sources += [f"{text_expr(cols[role])} AS {role}" for role in texts]
    if cols["date"] in raw.typed:
        # the scan's TIMESTAMPTZ holds UTC microseconds: the UTC time without ICU's cast, which costs a
        # time-zone lookup per value (an infinite date becomes NULL: unusable, as out of range is)
        date = "make_timestamp(epoch_us(date_source))"
    else:
        date = _parse_date("date_source", _is_text(raw, cols["date"]), settings.date_format)
    parsed = [ROW, "customer_id", f"{date} AS date", "date_source IS NOT NULL AS date_given"]
    for role in numbers:
        parsed += [f"{_parse_number(f'{role}_source', _is_text(raw, cols[role]))} AS {role}",
                   f"{role}_source IS NOT NULL AS {role}_given"]
    parsed += texts
    unusable = [f"(date_given AND ({_unusable_date('date')}))"]
    unusable += [f"({role}_given AND ({_unusable_number(role)}))" for role in numbers]
    fields = [ROW, "customer_id", "date"] + (["quantity"] if "quantity" in cols else [])
    fields.append("amount" if "amount" in cols else "price * quantity AS amount")
    fields += texts
    # Text parsed once is kept (a table); typed Parquet columns only need casts, read again at no cost (a view)
    parsed_from_text = any(_is_text(raw, cols[role]) for role in ["date", *numbers])
    try:
        con.execute(f"""
            CREATE {'TABLE' if parsed_from_text else 'VIEW'} typed_rows AS
            SELECT {', '.join(fields)}, {' OR '.join(unusable)} AS _unusable
            FROM (SELECT {', '.join(parsed)} FROM (SELECT {', '.join(sources)} FROM raw))""")
    except duckdb.InvalidInputException:
        _raise_first_unusable(raw, settings)  # e.g. a date format DuckDB cannot use
        raise
    if con.execute("SELECT bool_or(_unusable) FROM typed_rows").fetchone()[0]:
        _raise_first_unusable(raw, settings)
        raise InputError("a value could not be read", file=raw.path)  # not reached: a check names it
    con.execute("CREATE VIEW tx AS SELECT * EXCLUDE (_unusable) FROM typed_rows")
    roles = [role for role in ("quantity", "invoice", "product", "segment") if role in cols]
    return LoadedTransactions(raw=raw, roles=tuple(roles), columns=dict(cols))


def _raise_first_unusable(raw: RawTable, settings: DataSettings) -> None:
    """The error for the first column (date, quantity, amount or price) holding an unusable value."""
    cols = settings.columns
    date_expr(raw, cols["date"], settings.date_format)
    for role in ("quantity", "amount", "price"):
        if role in cols:
            number_expr(raw, cols[role])


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
