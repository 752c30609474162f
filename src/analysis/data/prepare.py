"""Load, clean and summarise a transaction log: the data stages every command shares (``run``,
``validate``, ``summarize``), without the analyses, notebooks or rendering, so that the commands that
only check or summarise data import none of them. ``summarize`` does not import pandas either: the
stages are DuckDB queries, and only the study converts the summary to a DataFrame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.config import StudyConfig
from ..core.errors import ConfigError
from .cleaning import CleaningResult, clean_transactions
from .loading import load_transactions
from .summary import customer_summary, customer_summary_sql, write_customer_summary


@dataclass
class PreparedData:
    """What the load/clean/summary stages produce for a transaction log."""

    cleaning: CleaningResult
    customers: Any  # pandas DataFrame


def prepare_transactions(config: StudyConfig) -> PreparedData:
    cleaning = clean(config)
    customers = summarize(cleaning, config)
    return PreparedData(cleaning=cleaning, customers=customers)


def clean(config: StudyConfig) -> CleaningResult:
    """The transaction log loaded, checked and cleaned (in DuckDB)."""
    loaded = load_transactions(config.data)
    cleaning = clean_transactions(loaded, config.cleaning, config.analysis)
    check_not_empty(cleaning, config)
    return cleaning


def write_summary(cleaning: CleaningResult, config: StudyConfig, path: Path, file_format: str) -> int:
    """Summarise the cleaned log and write the customer summary to ``path`` ("parquet" or "csv");
    the number of customers. On DuckDB the summary goes from the cleaned table to the file without
    pandas; another engine's DataFrame is written by pandas."""
    if config.engine.name != "duckdb":
        customers = summarize(cleaning, config)
        if file_format == "csv":
            customers.to_csv(path, index=False)
        else:
            customers.to_parquet(path, index=False)
        return len(customers)
    return write_customer_summary(cleaning.con, _summary_sql(cleaning, config), path, file_format)


def check_not_empty(cleaning: CleaningResult, config: StudyConfig) -> None:
    if cleaning.n_transactions == 0:
        raise ConfigError(
            "no transactions are left after cleaning", file=config.data.path,
            value=cleaning.counts()["dropped"],
        )


def summarize(cleaning: CleaningResult, config: StudyConfig):
    analysis = config.analysis
    if config.engine.name != "duckdb":
        from .engines import summarize_with_engine

        return summarize_with_engine(
            cleaning.transactions, config.engine, period=analysis.period,
            observation_end=analysis.observation_end, calibration_end=analysis.calibration_end,
        )
    return customer_summary(
        con=cleaning.con,
        table=cleaning.table,
        period=analysis.period,
        observation_end=analysis.observation_end,
        calibration_end=analysis.calibration_end,
        per_day=cleaning.per_day,
    )


def _summary_sql(cleaning: CleaningResult, config: StudyConfig) -> str:
    analysis = config.analysis
    return customer_summary_sql(cleaning.con, cleaning.table, period=analysis.period,
                                observation_end=analysis.observation_end,
                                calibration_end=analysis.calibration_end, per_day=cleaning.per_day)
