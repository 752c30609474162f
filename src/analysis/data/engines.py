"""The customer summary in Ibis: the same computation on DuckDB, Spark or a warehouse.

The transaction → customer step is the only one whose input grows with the log; everything after
it works on one row per customer. Written once in Ibis, it runs wherever the log lives: DuckDB
(embedded, the default), PySpark (local or a cluster), or any Ibis backend. It reproduces
:func:`analysis.data.summary.customer_summary` (same columns and definitions; amounts summed as
DECIMAL(38, 6) so that every engine adds them exactly).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..core.errors import ConfigError
from ..core.periods import PERIOD_DAYS

if TYPE_CHECKING:
    import pandas as pd


class EngineSettings(BaseModel):
    """Where the summary runs (the ``engine:`` section of a study config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Literal["duckdb", "spark"] = "duckdb"
    master: str = Field(default="local[2]", description="Spark master URL, e.g. spark://host:7077 or yarn")
    spark_conf: dict[str, str] = Field(default_factory=dict, description="extra Spark settings")
    table: str | None = Field(default=None, description="read the log from this table of the engine instead of data.path")


def connect(settings: EngineSettings):
    needed = ["ibis"] + (["pyspark"] if settings.name == "spark" else [])
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        # the Spark extra is not part of the default install
        raise ConfigError(f"engine: {settings.name} needs {' and '.join(missing)} (not installed): "
                          "run `make setup-spark` (pip install -e '.[spark]')")
    import ibis

    if settings.name == "duckdb":
        return ibis.duckdb.connect()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(settings.master).appName("customer-analytics")
    # Arrow moves the log into Spark (createDataFrame) and the summary out (toPandas) in columnar
    # batches instead of one Python object per cell (one timing: the Spark test's 31 s step took 6 s);
    # the values are the same, which tests/scale/test_portable_summary.py checks to the bit. Spark
    # falls back to the row path for a type Arrow lacks.
    conf = {"spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false", "spark.sql.session.timeZone": "UTC",
            "spark.sql.execution.arrow.pyspark.enabled": "true", **settings.spark_conf}
    for key, value in conf.items():
        builder = builder.config(key, value)
    return ibis.pyspark.connect(builder.getOrCreate())


def _window(days, *, upto: dt.date, end: dt.date, period_days: float, suffix: str):
    import ibis

    d = days.filter(days.day <= ibis.date(upto))
    grouped = d.group_by("customer_id").aggregate(
        n=d.count(), first_purchase=d.day.min(), last_purchase=d.day.max(),
        total=d.amount.sum(), first_amount=d.amount.argmin(d.day),
    )
    span = grouped.last_purchase.delta(grouped.first_purchase, unit="day")
    age = ibis.date(end).delta(grouped.first_purchase, unit="day")
    repeat_total = (grouped.total - grouped.first_amount).cast("float64")
    out = grouped.mutate(
        frequency=(grouped.n - 1).cast("int64"),
        recency=span.cast("float64") / period_days,
        T=age.cast("float64") / period_days,
        monetary_value=ibis.ifelse(grouped.n > 1, repeat_total / (grouped.n - 1).cast("float64"), 0.0),
        total_value=grouped.total.cast("float64"),
        n_transactions=grouped.n.cast("int64"),
    )
    columns = ["customer_id", "frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase",
               "total_value", "n_transactions"]
    out = out.select(columns)
    if suffix:
        out = out.select("customer_id", **{f"{c}{suffix}": out[c] for c in ("frequency", "recency", "T", "monetary_value")})
    return out


def customer_summary_ibis(table, *, con=None, period: str = "week", observation_end=None,
                          calibration_end=None) -> pd.DataFrame:
    """The customer summary of ``table`` (columns customer_id, date, amount), computed by ``con``
    (default: the backend the table belongs to)."""
    import pandas as pd  # here, not at the top: the config imports EngineSettings and no pandas

    run = con.execute if con is not None else (lambda expr: expr.execute())
    period_days = PERIOD_DAYS[period]
    t = table.mutate(customer_id=table.customer_id.cast("string"), day=table.date.cast("date"),
                     amount=table.amount.cast("decimal(38, 6)"))
    days = t.group_by(["customer_id", "day"]).aggregate(amount=t.amount.sum())
    end = pd.Timestamp(observation_end or run(days.day.max())).date()
    summary = run(_window(days, upto=end, end=end, period_days=period_days, suffix=""))
    if calibration_end is not None:
        import ibis

        cal_end = pd.Timestamp(calibration_end).date()
        cal = run(_window(days, upto=cal_end, end=cal_end, period_days=period_days, suffix="_cal"))
        later = days.filter((days.day > ibis.date(cal_end)) & (days.day <= ibis.date(end)))
        holdout = run(later.group_by("customer_id").aggregate(
            frequency_holdout=later.count(), holdout_total=later.amount.sum()))
        holdout["monetary_value_holdout"] = holdout["holdout_total"].astype(float) / holdout["frequency_holdout"]
        summary = summary.merge(cal, on="customer_id", how="left").merge(
            holdout.drop(columns="holdout_total"), on="customer_id", how="left")
        in_cal = summary["frequency_cal"].notna()
        summary.loc[in_cal, "frequency_holdout"] = summary.loc[in_cal, "frequency_holdout"].fillna(0)
        summary.loc[in_cal, "monetary_value_holdout"] = summary.loc[in_cal, "monetary_value_holdout"].fillna(0.0)
        summary["frequency_cal"] = summary["frequency_cal"].astype("Int64")
        summary["frequency_holdout"] = summary["frequency_holdout"].astype("Int64")
        summary["duration_holdout"] = (end - cal_end).days / period_days
        summary.loc[~in_cal, "duration_holdout"] = float("nan")
    return normalise(summary)


def normalise(summary: pd.DataFrame) -> pd.DataFrame:
    """Same dtypes and row order whichever engine produced the summary."""
    import pandas as pd

    out = summary.copy()
    out["customer_id"] = out["customer_id"].astype("string")
    for column in ("first_purchase", "last_purchase"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    for column in ("frequency", "n_transactions"):
        out[column] = out[column].astype("int64")
    for column in ("recency", "T", "monetary_value", "total_value"):
        out[column] = out[column].astype("float64")
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def summarize_with_engine(transactions: pd.DataFrame | None, settings: EngineSettings, **options: Any) -> pd.DataFrame:
    """Load ``transactions`` into the engine (or read ``settings.table``) and summarise there."""
    con = connect(settings)
    if settings.table:
        table = con.table(settings.table)
    else:
        import ibis

        # an in-memory table that the engine loads when it runs the query
        table = ibis.memtable(transactions[["customer_id", "date", "amount"]])
    return customer_summary_ibis(table, con=con, **options)
