"""The transaction → customer-summary step through Ibis: DuckDB (embedded) against PySpark in
local mode on this machine, both reading the same Parquet log, with the two results compared
column by column. Spark's session start-up is excluded (a warm-up query runs first); on one
machine Spark is expected to be slower — the point is that the same code runs on a cluster."""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis.data.engines import EngineSettings, connect, customer_summary_ibis, normalise
from analysis.models.simulate import DENSE_OBSERVATION_DAYS, DENSE_PURCHASING, write_parquet_chunks

MAX_SIZE = int(os.environ.get("BENCH_ENGINES_MAX", "10000000"))
OPTIONS = {"period": "week", "calibration_end": "2021-01-01", "observation_end": "2021-12-31"}
TRANSACTIONS_PER_CUSTOMER = 10.58  # DENSE_PURCHASING over two years (measured)


def _summarise(con, path: Path):
    began = time.perf_counter()
    summary = normalise(customer_summary_ibis(con.read_parquet(str(path / "*.parquet")), con=con, **OPTIONS))
    return time.perf_counter() - began, summary


def _identical(a, b) -> bool:
    b = b[a.columns]
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        same = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else bool((a[column] == b[column]).all())
        if not same:
            return False
    return True


def run(sizes: list[int], repeats: int = 1) -> list[dict]:
    missing = ("no Java" if shutil.which("java") is None else
               "pyspark/ibis not installed (make setup-spark)" if importlib.util.find_spec("pyspark") is None
               or importlib.util.find_spec("ibis") is None else "")
    if missing:
        return [{"benchmark": "summary via Ibis: DuckDB vs Spark local[2]", "size": 0, "ours_s": float("nan"),
                 "in_process": True, "note": f"skipped: {missing}"}]
    duck = connect(EngineSettings(name="duckdb"))
    spark = connect(EngineSettings(name="spark", master="local[2]"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm"
        write_parquet_chunks(warm, 200, seed=1, purchasing=DENSE_PURCHASING, observation_days=DENSE_OBSERVATION_DAYS)
        _summarise(spark, warm)
        for size in [s for s in sizes if s <= MAX_SIZE]:
            folder = Path(tmp) / f"log{size}"
            write_parquet_chunks(folder, max(1, round(size / TRANSACTIONS_PER_CUSTOMER)), chunk_customers=500_000,
                                 seed=5, purchasing=DENSE_PURCHASING, observation_days=DENSE_OBSERVATION_DAYS)
            duck_s, expected = _summarise(duck, folder)
            spark_s, got = _summarise(spark, folder)
            rows.append({"benchmark": "summary via Ibis: DuckDB vs Spark local[2]", "size": size, "ours_s": duck_s, "in_process": True,
                         "reference": "PySpark local[2]", "reference_s": spark_s, "ratio": spark_s / duck_s,
                         "note": f"transactions ({len(expected):,} customers); results identical to the bit: "
                                 f"{'yes' if _identical(expected, got) else 'NO'}"})
    return rows
