"""Cohort retention: share of each monthly acquisition cohort buying again k months later."""

from __future__ import annotations

import pandas as pd


def cohort_table(transactions: pd.DataFrame, max_months: int = 24) -> pd.DataFrame:
    """Rows: acquisition month; columns: months since acquisition (0 = the first month);
    values: share of the cohort with a purchase in that month. Months after the data end are empty."""
    month = transactions["date"].dt.to_period("M")
    first = month.groupby(transactions["customer_id"]).transform("min")
    age = (month - first).apply(lambda offset: offset.n)
    frame = pd.DataFrame({"cohort": first.astype(str), "age": age, "customer_id": transactions["customer_id"]})
    frame = frame[frame["age"] <= max_months]
    active = frame.drop_duplicates(["cohort", "age", "customer_id"]).groupby(["cohort", "age"]).size()
    sizes = frame[frame["age"] == 0].groupby("cohort")["customer_id"].nunique()
    table = active.unstack("age").div(sizes, axis=0)
    last = month.max()
    for cohort in table.index:  # months not yet observed for this cohort stay empty, not zero
        observed = (last - pd.Period(cohort, "M")).n
        table.loc[cohort, table.columns > observed] = float("nan")
        table.loc[cohort, (table.columns <= observed) & table.loc[cohort].isna()] = 0.0
    table.index.name = "cohort"
    return table


def average_retention_curve(table: pd.DataFrame, weights: pd.Series | None = None) -> pd.Series:
    """Mean active share by months since acquisition over the cohorts observed that long."""
    return table.mean(axis=0, skipna=True)
