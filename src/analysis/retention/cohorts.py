"""Cohort retention: share of each monthly acquisition cohort buying again k months later."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.transaction_log import TransactionLog, as_log


def cohort_table(transactions: TransactionLog | pd.DataFrame, max_months: int = 24) -> pd.DataFrame:
    """Rows: acquisition month; columns: months since acquisition (0 = the first month);
    values: share of the cohort with a purchase in that month. Months after the data end are empty."""
    log = as_log(transactions)
    active = log.query(f"""
        WITH months AS (SELECT DISTINCT customer_id, year(date) * 12 + month(date) - 1 AS month FROM log),
             cohorts AS (SELECT customer_id, min(month) AS cohort FROM months GROUP BY customer_id)
        SELECT cohort, month - cohort AS age, count(*) AS active
        FROM months JOIN cohorts USING (customer_id)
        WHERE month - cohort <= {int(max_months)}
        GROUP BY cohort, age""")
    last = int(log.scalar("SELECT max(year(date) * 12 + month(date) - 1) FROM log"))
    table = active.pivot(index="cohort", columns="age", values="active").sort_index()
    # every month watched, not only those with a returning buyer: nobody coming back is a zero
    table = table.reindex(columns=range(min(int(max_months), last - int(table.index.min())) + 1))
    table = table.div(table[0], axis=0)
    observed = last - table.index.to_numpy()[:, None]  # months this cohort has been watched
    ages = table.columns.to_numpy()[None, :]
    # months not yet observed for a cohort stay empty; observed months without a buyer are zero
    values = np.where(ages > observed, np.nan, np.nan_to_num(table.to_numpy(), nan=0.0))
    labels = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in table.index]
    result = pd.DataFrame(values, index=pd.Index(labels, name="cohort"), columns=table.columns)
    result.columns.name = "age"
    return result


def average_retention_curve(table: pd.DataFrame, weights: pd.Series | None = None) -> pd.Series:
    """Mean active share by months since acquisition over the cohorts observed that long."""
    return table.mean(axis=0, skipna=True)
