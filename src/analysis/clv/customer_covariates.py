"""The customer covariates of ``clv.covariates``, checked and joined to the customer summary.

Two sources. A customer table (``path``, ``key``, ``columns``): one row per customer, keyed by the
raw customer ids of the transaction log. Or, without ``path``, a customer attribute of the
transaction log, mapped to a role of the data config (``data.columns.segment: Country``) and named by
the role or by its column: each customer's value is the one on their first purchase day (the
smallest, should the cleaned log hold several that day).

The join needs the raw ids, which never reach the run folder (``analysis.core.privacy``): the pipeline
calls :func:`attach_covariates` on the customer summary before the ids are pseudonymised, and the
covariates travel in the summary as columns ``cov_<name>``. The table is read and checked by
:func:`read_covariate_table` before any other work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core.config import StudyConfig, resolve_path
from ..core.errors import ConfigError, InputError

PREFIX = "cov_"
LOG_ROLES = ("segment",)  # per-customer attributes the cleaned transaction log keeps


def column_name(covariate: str) -> str:
    """The customer-summary column holding a covariate."""
    return PREFIX + covariate


def read_covariate_table(config: StudyConfig, config_path: str | Path) -> pd.DataFrame | None:
    """The customer table of ``clv.covariates`` as ``customer_id`` and the covariate columns, or None
    when the covariates come from the transaction log (whose roles are checked here) or there are none.
    Raises InputError (exit 2) naming file, column, row (1 = the first data row) and value."""
    settings = config.clv.covariates
    if settings is None:
        return None
    if settings.path is None:
        _log_roles(config)
        return None
    path = resolve_path(settings.path, Path(config_path).resolve().parent)
    if not path.exists():
        raise ConfigError("covariate table not found (clv.covariates.path; relative paths are looked up "
                          "from the config's folder, then the project root)", file=settings.path)
    name = path.name.lower()
    if name.endswith(".parquet"):
        table = pd.read_parquet(path)
    elif name.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt")):
        sep = "\t" if ".tsv" in name else ","
        table = pd.read_csv(path, sep=sep, dtype={settings.key: str}, keep_default_na=True)
    else:
        raise ConfigError("covariate table must be .csv, .csv.gz, .tsv or .parquet", file=path, value=path.suffix)
    for column in [settings.key, *settings.columns]:
        if column not in table.columns:
            raise InputError(f"the covariate table has no column {column!r} (columns: {list(table.columns)})",
                             file=path, column=column, value=column)
    keys = table[settings.key].astype("string")
    for column in [settings.key, *settings.columns]:
        missing = table[column].isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise InputError(f"missing value ({int(missing.sum())} in all)", file=path, column=column,
                             row=row + 1, value=None, has_value=True)
    duplicated = keys.duplicated().to_numpy()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise InputError("customer id listed twice: one row per customer", file=path, column=settings.key,
                         row=row + 1, value=keys.iloc[row])
    frame = table[list(settings.columns)].copy()
    frame.insert(0, "customer_id", keys.to_numpy())
    return frame


def _log_roles(config: StudyConfig) -> dict[str, str]:
    """Covariate name → role of the transaction log that holds it."""
    mapped = config.data.columns
    roles = {}
    for covariate in config.clv.covariates.columns:
        role = covariate if covariate in LOG_ROLES and covariate in mapped else next(
            (r for r in LOG_ROLES if mapped.get(r) == covariate), None)
        if role is None:
            raise ConfigError(
                f"clv.covariates.columns names {covariate!r}, which is not a customer attribute of the transaction "
                f"log: map the column as data.columns.{LOG_ROLES[0]}, or give the path and key of a customer table",
                column=covariate, value=covariate)
        roles[covariate] = role
    return roles


def attach_covariates(customers: pd.DataFrame, table: pd.DataFrame | None, config: StudyConfig, *,
                      con=None, log_table: str | None = None) -> pd.DataFrame:
    """The customer summary (raw ids) with a column ``cov_<name>`` per covariate. ``table``: from
    :func:`read_covariate_table`; when None, the covariates are read from the cleaned log
    ``log_table`` in DuckDB connection ``con``. Every customer needs a value (InputError otherwise)."""
    settings = config.clv.covariates
    if settings is None:
        return customers
    if table is None:
        selects = ", ".join(
            f"min({role}) FILTER (WHERE date = first_day) AS \"{covariate}\""
            for covariate, role in _log_roles(config).items())
        table = con.execute(f"""
            SELECT customer_id, {selects} FROM (
                SELECT *, min(date) OVER (PARTITION BY customer_id) AS first_day FROM {log_table})
            GROUP BY customer_id""").df()
        source, key = config.data.path, config.data.columns["customer"]
    else:
        source, key = settings.path, settings.key
    ids = customers["customer_id"].astype("string")
    joined = pd.DataFrame({"customer_id": ids.to_numpy()}).merge(
        table.assign(customer_id=table["customer_id"].astype("string")), on="customer_id", how="left",
        validate="one_to_one")
    for covariate in settings.columns:
        missing = joined[covariate].isna().to_numpy()
        if missing.any():
            first = int(np.flatnonzero(missing)[0])
            what = ("customer(s) of the transaction log have no row in the covariate table" if settings.path
                    else f"customer(s) have no {covariate} on their first purchase day")
            raise InputError(f"{int(missing.sum())} {what}, e.g. customer {ids.iloc[first]}", file=source,
                             column=key if settings.path else covariate, value=ids.iloc[first])
    out = customers.copy()
    for covariate in settings.columns:
        out[column_name(covariate)] = joined[covariate].to_numpy()
    return out
