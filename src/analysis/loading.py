"""Load a transaction log (or a contract table) and check its types.

Files are scanned by DuckDB, which reads CSV/TSV (plain or gzip) and Parquet in parallel and
without loading the whole file into pandas first; whitespace-aligned text and Excel files go through
pandas. Every value is first read as text, so that a value that does not parse can be reported with
its file, column and row (data rows counted from 1, after the header).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .config import DataSettings
from .errors import InputError

ROW = "_row"  # 1-based data-row number in the input file


def detect_format(path: Path, declared: str) -> str:
    if declared != "auto":
        return declared
    name = path.name.lower().removesuffix(".gz")
    for suffix, fmt in ((".parquet", "parquet"), (".xlsx", "xlsx"), (".tsv", "tsv"), (".csv", "csv")):
        if name.endswith(suffix):
            return fmt
    return "whitespace" if name.endswith(".txt") or name.endswith(".dat") else "csv"


def read_raw_table(settings: DataSettings) -> pd.DataFrame:
    """Read every column as text (Parquet keeps its types) and add the data-row number."""
    path = Path(settings.path)
    if not path.exists():
        raise InputError("input file not found", file=path)
    if path.stat().st_size == 0:
        raise InputError("input file is empty", file=path)
    fmt = detect_format(path, settings.format)
    try:
        if fmt == "parquet":
            table = duckdb.sql(f"SELECT * FROM read_parquet('{_sql_path(path)}')").df()
        elif fmt in ("csv", "tsv"):
            options = {
                "delimiter": "\t" if fmt == "tsv" else ",",
                "header": settings.header,
                "all_varchar": True,
            }
            relation = duckdb.read_csv(str(path), **options)
            table = relation.df()
        elif fmt == "whitespace":
            table = pd.read_csv(
                path, sep=r"\s+", dtype=str, header=0 if settings.header else None,
                keep_default_na=False, na_values=[""],
            )
        else:
            table = pd.read_excel(path, dtype=str, header=0 if settings.header else None)
    except (duckdb.Error, pd.errors.ParserError, ValueError, OSError) as exc:
        raise InputError(f"cannot read as {fmt}: {exc}", file=path) from exc
    if not settings.header:
        names = list(settings.names or [])
        if len(names) != table.shape[1]:
            raise InputError(
                f"data.names lists {len(names)} columns but the file has {table.shape[1]}",
                file=path,
                value=names,
            )
        table.columns = names
    if len(table) == 0:
        raise InputError("input file has no data rows", file=path)
    table.columns = [str(c).strip() for c in table.columns]
    table.insert(0, ROW, np.arange(1, len(table) + 1, dtype=np.int64))
    return table


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _require_columns(table: pd.DataFrame, settings: DataSettings) -> None:
    for role, column in settings.columns.items():
        if column not in table.columns:
            available = [c for c in table.columns if c != ROW]
            raise InputError(
                f"column '{column}' (mapped as '{role}') is missing; the file has {available}",
                file=settings.path,
                column=column,
            )
    for column in settings.covariates:
        if column not in table.columns:
            raise InputError("covariate column is missing", file=settings.path, column=column)


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def parse_numbers(values: pd.Series, *, file: Path, column: str, rows: pd.Series) -> pd.Series:
    """Parse numbers; blanks become NaN, anything else that does not parse is an error."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = numbers.isna() & ~_blank(values)
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        raise InputError(
            f"not a number ({int(bad.sum())} such rows)",
            file=file, column=column, row=int(rows.iloc[first]), value=values.iloc[first],
        )
    return numbers


def parse_dates(
    values: pd.Series, *, date_format: str | None, file: Path, column: str, rows: pd.Series
) -> pd.Series:
    """Parse dates with the configured format (ISO 8601 when none); report the first failure."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    text = values.astype("string").str.strip()
    fmt = date_format or "ISO8601"
    dates = pd.to_datetime(text, format=fmt, errors="coerce")
    bad = dates.isna() & ~_blank(values)
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        expected = date_format or "ISO 8601 (YYYY-MM-DD)"
        raise InputError(
            f"cannot parse as a date with format {expected} ({int(bad.sum())} such rows)",
            file=file, column=column, row=int(rows.iloc[first]), value=values.iloc[first],
        )
    return dates.astype("datetime64[ns]")


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text == "")


@dataclass(frozen=True)
class LoadedTransactions:
    """Typed transactions, one row per input row, with the raw text kept for the quarantine."""

    transactions: pd.DataFrame  # _row, customer_id, date, amount, [quantity, invoice, product, segment]
    raw: pd.DataFrame  # every input column as read, with _row
    path: Path


def load_transactions(settings: DataSettings) -> LoadedTransactions:
    raw = read_raw_table(settings)
    _require_columns(raw, settings)
    path, rows, cols = Path(settings.path), raw[ROW], settings.columns
    data = pd.DataFrame({ROW: rows})
    data["customer_id"] = _text(raw[cols["customer"]])
    data["date"] = parse_dates(
        raw[cols["date"]], date_format=settings.date_format, file=path, column=cols["date"], rows=rows
    )
    if "quantity" in cols:
        data["quantity"] = parse_numbers(raw[cols["quantity"]], file=path, column=cols["quantity"], rows=rows)
    if "amount" in cols:
        data["amount"] = parse_numbers(raw[cols["amount"]], file=path, column=cols["amount"], rows=rows)
    else:
        price = parse_numbers(raw[cols["price"]], file=path, column=cols["price"], rows=rows)
        data["amount"] = price * data["quantity"]
    for role in ("invoice", "product", "segment"):
        if role in cols:
            data[role] = _text(raw[cols[role]])
    return LoadedTransactions(transactions=data, raw=raw, path=path)


def load_contracts(settings: DataSettings) -> pd.DataFrame:
    """Contractual data: one row per customer with tenure (periods), churn flag and covariates.

    Covariates stay as read when they are text; numeric-looking covariates are parsed, with blanks
    kept as missing (the analysis decides what to do with them, and says so).
    """
    raw = read_raw_table(settings)
    _require_columns(raw, settings)
    path, rows, cols = Path(settings.path), raw[ROW], settings.columns
    contracts = pd.DataFrame({ROW: rows})
    contracts["customer_id"] = _text(raw[cols["customer"]])
    missing_id = contracts["customer_id"].isna()
    if missing_id.any():
        first = int(rows[missing_id].iloc[0])
        raise InputError("customer id is blank", file=path, column=cols["customer"], row=first, value="")
    contracts["tenure"] = parse_numbers(raw[cols["tenure"]], file=path, column=cols["tenure"], rows=rows)
    churn_text = _text(raw[cols["churned"]])
    contracts["churned"] = churn_text.isin(settings.churned_values).astype("int64")
    for column in settings.covariates:
        values = raw[column]
        text = _text(values)
        numbers = pd.to_numeric(text, errors="coerce")
        looks_numeric = numbers.notna().sum() == text.notna().sum()
        contracts[column] = numbers.astype("float64") if looks_numeric else text
        # text that is numeric except for blanks (e.g. Telco's TotalCharges) is parsed too
        if not looks_numeric and numbers.notna().mean() > 0.95:
            contracts[column] = parse_numbers(values, file=path, column=column, rows=rows)
    return contracts
