"""What the cleaned data holds: the facts the data chapter states."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.i18n import tr
from .transaction_log import MONEY, TransactionLog, as_log


def describe_transactions(transactions: TransactionLog | pd.DataFrame, customers: pd.DataFrame) -> dict[str, Any]:
    """Counts, window and distributions of clean transactions and the customer summary."""
    log = as_log(transactions)
    n, first, last, total, largest = log.con.execute(
        f"SELECT count(*), min(date), max(date), sum({MONEY})::DOUBLE, max(amount) FROM log").fetchall()[0]
    quantiles = log.quantiles("amount", QUANTILES) if n else None
    purchases = customers["n_transactions"].to_numpy()
    overview: dict[str, Any] = {
        "customers": len(customers),
        "transactions": int(n),
        "repeat_transactions": int(customers["frequency"].sum()),
        "first_date": pd.Timestamp(first),
        "last_date": pd.Timestamp(last),
        "total_value": float(total or 0.0),
        "amount": _named_quantiles(float(total) / n if n else None, quantiles, largest),
        "purchases_per_customer": _quantiles(purchases),
        "share_one_time_buyers": float(np.mean(purchases == 1)),
    }
    if "frequency_cal" in customers:
        in_cal = customers["frequency_cal"].notna()
        overview["calibration"] = {
            "customers": int(in_cal.sum()),
            "repeat_transactions": int(customers.loc[in_cal, "frequency_cal"].sum()),
            "holdout_transactions": int(customers.loc[in_cal, "frequency_holdout"].sum()),
            "repeat_buyers": int((customers.loc[in_cal, "frequency_cal"] > 0).sum()),
            "duration_holdout": float(customers.loc[in_cal, "duration_holdout"].iloc[0])
            if in_cal.any() else None,
        }
    return overview


QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)


def _quantiles(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return _named_quantiles(None, None, None)
    return _named_quantiles(float(np.mean(values)), np.quantile(values, QUANTILES), float(np.max(values)))


def _named_quantiles(mean, quantiles, largest) -> dict[str, float]:
    qs = [float(q) for q in quantiles] if quantiles is not None else [np.nan] * len(QUANTILES)
    return {
        "mean": mean,
        "p10": qs[0], "p25": qs[1], "median": qs[2], "p75": qs[3], "p90": qs[4], "p99": qs[5],
        "max": float(largest) if largest is not None else None,
    }


def transactions_per_period(transactions: TransactionLog | pd.DataFrame, period: str = "week") -> pd.DataFrame:
    """Number of purchase days and value per calendar period (for the activity figure), labelled
    as pandas labels them (weeks by their Sunday, months by their first day); empty periods are 0."""
    log = as_log(transactions)
    unit = {"day": "day", "week": "week", "month": "month"}[period]
    counts = log.query(f"SELECT date_trunc('{unit}', date) AS label, count(*) AS transactions, "
                       f"sum({MONEY})::DOUBLE AS value FROM log GROUP BY 1 ORDER BY 1")
    labels = pd.to_datetime(counts["label"])
    if period == "week":
        labels = labels + pd.Timedelta(days=6)  # DuckDB starts weeks on Monday; pandas' "W" ends them on Sunday
    counts.index = pd.DatetimeIndex(labels, name="date")
    full = pd.date_range(counts.index.min(), counts.index.max(), freq={"day": "D", "week": "W", "month": "MS"}[period])
    return counts[["transactions", "value"]].reindex(full, fill_value=0).rename_axis("date")


def spend_histogram(transactions: TransactionLog | pd.DataFrame, bins: int = 50) -> dict[str, Any]:
    """Histogram of positive purchase-day values on log-spaced bins, and their median."""
    log = as_log(transactions)
    low, high = log.con.execute("SELECT min(amount), max(amount) FROM log WHERE amount > 0").fetchall()[0]
    if low is None:
        return {"edges": np.array([]), "counts": np.array([]), "median": None}
    edges = np.logspace(np.log10(low), np.log10(high), bins + 1) if high > low else np.array([low * 0.9, low * 1.1])
    width = (np.log10(edges[-1]) - np.log10(edges[0])) / (len(edges) - 1)
    counts = log.query(
        f"SELECT least(CAST(floor((log10(amount) - ?) / ?) AS BIGINT), {len(edges) - 2}) AS bin, count(*) AS n "
        "FROM log WHERE amount > 0 GROUP BY 1", [float(np.log10(edges[0])), float(width)])
    full = np.zeros(len(edges) - 1, dtype=np.int64)
    full[counts["bin"].clip(0, len(full) - 1).to_numpy()] += counts["n"].to_numpy()
    return {"edges": edges, "counts": full, "median": log.quantiles("amount", [0.5], "amount > 0")[0]}


def cleaning_table(counts: dict[str, Any]) -> pd.DataFrame:
    """Rows dropped and changed by cleaning rule, with the input/kept/quarantined identity."""
    rows = [(tr("input rows", "输入行"), "", counts["input_rows"])]
    rows += [(tr("dropped", "剔除"), reason, n) for reason, n in counts["dropped"].items()]
    rows += [(tr("changed (kept)", "修改（保留）"), reason, n) for reason, n in counts["changed"].items()]
    rows += [(tr("kept rows", "保留行"), "", counts["kept_rows"]),
             (tr("quarantined rows", "隔离行"), "", counts["quarantined_rows"])]
    return pd.DataFrame(rows, columns=[tr("stage", "阶段"), tr("rule", "规则"), tr("rows", "行数")])


def describe_contracts(contracts: pd.DataFrame, covariates: list[str]) -> dict[str, Any]:
    """Counts of a contractual table: customers, churners, tenure, blanks per covariate."""
    tenure = contracts["tenure"].to_numpy(dtype=float)
    return {
        "kind": "contractual", "customers": len(contracts), "churned": int(contracts["churned"].sum()),
        "share_churned": float(contracts["churned"].mean()), "tenure": _quantiles(tenure),
        "zero_tenure": int((tenure == 0).sum()),
        "blank_covariates": {c: int(contracts[c].isna().sum()) for c in covariates if contracts[c].isna().any()},
    }
