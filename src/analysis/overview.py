"""What the cleaned data holds: the facts the data chapter states."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .i18n import tr


def describe_transactions(transactions: pd.DataFrame, customers: pd.DataFrame) -> dict[str, Any]:
    """Counts, window and distributions of clean transactions and the customer summary."""
    amounts = transactions["amount"].to_numpy(dtype=float)
    purchases = customers["n_transactions"].to_numpy()
    overview: dict[str, Any] = {
        "customers": len(customers),
        "transactions": len(transactions),
        "repeat_transactions": int(customers["frequency"].sum()),
        "first_date": transactions["date"].min(),
        "last_date": transactions["date"].max(),
        "total_value": float(amounts.sum()),
        "amount": _quantiles(amounts),
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


def _quantiles(values: np.ndarray) -> dict[str, float]:
    qs = np.quantile(values, [0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) if len(values) else [np.nan] * 6
    return {
        "mean": float(np.mean(values)) if len(values) else None,
        "p10": float(qs[0]), "p25": float(qs[1]), "median": float(qs[2]),
        "p75": float(qs[3]), "p90": float(qs[4]), "p99": float(qs[5]),
        "max": float(np.max(values)) if len(values) else None,
    }


def transactions_per_period(transactions: pd.DataFrame, period: str = "week") -> pd.DataFrame:
    """Number of purchase days and value per calendar period (for the activity figure)."""
    freq = {"day": "D", "week": "W", "month": "MS"}[period]
    grouped = transactions.set_index("date").resample(freq)
    return pd.DataFrame({"transactions": grouped.size(), "value": grouped["amount"].sum()})


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
        "kind": "contractual", "customers": int(len(contracts)), "churned": int(contracts["churned"].sum()),
        "share_churned": float(contracts["churned"].mean()), "tenure": _quantiles(tenure),
        "zero_tenure": int((tenure == 0).sum()),
        "blank_covariates": {c: int(contracts[c].isna().sum()) for c in covariates if contracts[c].isna().any()},
    }
