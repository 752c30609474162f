"""Load, clean and summarise a transaction log: the data stages every command shares (``run``,
``validate``, ``summarize``), without the analyses, notebooks or rendering, so that the commands that
only check or summarise data import none of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .cleaning import CleaningResult, clean_transactions
from .config import StudyConfig
from .errors import ConfigError
from .loading import load_transactions
from .summary import customer_summary

# the notebooks a study runs, in order, by kind of data (report.notebooks may choose among them)
NOTEBOOKS = {
    "transactions": ("01_data", "02_pareto", "03_clv", "04_retention", "05_segments", "07_satisfaction",
                     "06_case_study"),
    "contractual": ("04_retention", "06_case_study"),
    # summarised discrete-time data: no purchase log, no spend, no tenure — only the BG/BB chapter applies
    "opportunity": ("03_clv_opportunity",),
}
# the results section each notebook writes (two notebooks write the CLV chapter, by kind of data)
SECTION_OF_NOTEBOOK = {
    "01_data": "data", "02_pareto": "pareto", "03_clv": "clv", "03_clv_opportunity": "clv",
    "04_retention": "retention", "05_segments": "segments", "06_case_study": "case_study",
    "07_satisfaction": "satisfaction",
}


@dataclass
class PreparedData:
    """What the load/clean/summary stages produce for a transaction log."""

    cleaning: CleaningResult
    customers: Any  # pandas DataFrame


def prepare_transactions(config: StudyConfig) -> PreparedData:
    loaded = load_transactions(config.data)
    cleaning = clean_transactions(loaded, config.cleaning, config.analysis)
    check_not_empty(cleaning, config)
    customers = summarize(cleaning, config)
    return PreparedData(cleaning=cleaning, customers=customers)


def check_not_empty(cleaning: CleaningResult, config: StudyConfig) -> None:
    if cleaning.n_transactions == 0:
        raise ConfigError(
            "no transactions are left after cleaning", file=config.data.path,
            value=cleaning.counts()["dropped"],
        )


def summarize(cleaning: CleaningResult, config: StudyConfig):
    analysis = config.analysis
    if config.engine.name != "duckdb":
        from .portable_summary import summarize_with_engine

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
