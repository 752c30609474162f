"""Transaction log file → per-customer summary file, whole processes, csv and parquet.

* kit: ``python -m analysis summarize study.yml --out customers.parquet`` — the command a user
  types; it loads, type-checks, cleans (with its quarantine) and summarises.
* reference: lifetimes' ``summary_data_from_transaction_data(freq="D", freq_multiplier=7)`` (the
  same frequency, recency, T and monetary value in weeks) after ``pandas.read_csv``/``read_parquet``,
  written with ``to_parquet``.
* floor: a bare DuckDB query — read the file, group by customer and day, then by customer — that
  computes the same four columns and writes them with ``COPY``: no checks, no cleaning. Nothing
  that reads and groups the file can be much faster on this machine.

The in-process column times the core call alone, on a log already in memory: the kit's
``customer_summary`` (DuckDB) and lifetimes' function (pandas), each in its own fresh process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from harness import alternate, goal, progress

TRANSACTIONS_PER_CUSTOMER = 2.77  # the default (CDNOW-like) simulator

KIT_CLI = "import sys; from analysis.cli import main; sys.exit(main(sys.argv[1:]))"

KIT_IN_PROCESS = """
import json, sys, time
import pandas as pd
from analysis.data.summary import customer_summary
path = sys.argv[1]
log = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path, parse_dates=["date"])
began = time.perf_counter()
customer_summary(log, period="week")
print(json.dumps({"inner_s": time.perf_counter() - began}))
"""

LIFETIMES = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
path, out = sys.argv[1:3]
log = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path, parse_dates=["date"])
began = time.perf_counter()
summary = summary_data_from_transaction_data(log, "customer_id", "date", "amount", freq="D", freq_multiplier=7)
inner = time.perf_counter() - began
summary.to_parquet(out)
print(json.dumps({"inner_s": inner}))
"""

DUCKDB_FLOOR = """
import json, sys, time
import duckdb
path, out = sys.argv[1:3]
source = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"
began = time.perf_counter()
duckdb.sql(f'''
COPY (
    WITH days AS (SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS amount
                  FROM {source} GROUP BY customer_id, day),
         ends AS (SELECT max(day) AS last_day FROM days)
    SELECT customer_id,
           count(*) - 1 AS frequency,
           (max(day) - min(day)) / 7.0 AS recency,
           (any_value(last_day) - min(day)) / 7.0 AS T,
           CASE WHEN count(*) > 1 THEN (sum(amount) - arg_min(amount, day)) / (count(*) - 1) ELSE 0 END
               AS monetary_value
    FROM days, ends GROUP BY customer_id
) TO '{out}' (FORMAT parquet)''')
print(json.dumps({"inner_s": time.perf_counter() - began}))
"""


def _write_log(folder: Path, size: int) -> tuple[int, dict[str, Path]]:
    from analysis.models.simulate import simulate_transactions

    log = simulate_transactions(max(1, round(size / TRANSACTIONS_PER_CUSTOMER)), seed=size % 9973)
    paths = {"parquet": folder / "log.parquet", "csv": folder / "log.csv"}
    log.to_parquet(paths["parquet"], index=False)
    log.assign(date=log["date"].dt.strftime("%Y-%m-%d")).to_csv(paths["csv"], index=False)
    return len(log), paths


def _config(folder: Path, path: Path) -> Path:
    config = folder / f"study_{path.suffix[1:]}.yml"
    config.write_text(yaml.safe_dump({
        "name": "bench_summary",
        "data": {"path": str(path), "columns": {"customer": "customer_id", "date": "date", "amount": "amount"}},
        "analysis": {"period": "week"},
    }))
    return config


def _same_numbers(floor_path: Path, lifetimes_path: Path) -> bool:
    """Whether the floor query computed what lifetimes did (so that it is a floor for the same work)."""
    import numpy as np
    import pandas as pd

    floor = pd.read_parquet(floor_path)
    floor = floor.assign(customer_id=floor["customer_id"].astype(str)).set_index("customer_id").sort_index()
    reference = pd.read_parquet(lifetimes_path)
    reference.index = reference.index.astype(str)
    reference = reference.sort_index()
    columns = ["frequency", "recency", "T", "monetary_value"]
    return floor.index.equals(reference.index) and all(
        np.allclose(floor[c].astype(float), reference[c].astype(float), rtol=1e-9, atol=1e-9) for c in columns)


def _goals(size: int, ratio: float, over_floor: float) -> str:
    if size >= 10_000_000:
        return "; ".join([goal(ratio, 10, "≥ 10× lifetimes"), goal(2 / over_floor, 1, "≤ 2× the DuckDB floor")])
    if size >= 1_000_000:
        return goal(ratio, 3, "≥ 3× lifetimes")
    return ""


def run(sizes: list[int], repeats: int = 3) -> list[dict]:
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_summary_") as tmp:
            folder = Path(tmp)
            progress(f"  summary: writing a log of about {size:,} rows")
            n_rows, paths = _write_log(folder, size)
            for kind in ("parquet", "csv"):
                path = str(paths[kind])
                progress(f"  summary: {n_rows:,} rows, {kind}, {repeats} alternating runs")
                timings = alternate({
                    "lifetimes": (LIFETIMES, [path, str(folder / "lifetimes.parquet")]),
                    "kit": (KIT_CLI, ["summarize", str(_config(folder, paths[kind])), "--out",
                                      str(folder / f"kit_{kind}_{{run}}.parquet")]),
                    "floor": (DUCKDB_FLOOR, [path, str(folder / "floor.parquet")]),
                    "kit_in_process": (KIT_IN_PROCESS, [path]),
                }, repeats)
                kit, reference, floor = timings["kit"], timings["lifetimes"], timings["floor"]
                ratio = reference.wall_s / kit.wall_s
                over_floor = kit.wall_s / floor.wall_s
                rows.append({
                    "benchmark": f"transactions → summary ({kind})", "size": n_rows, "unit": "rows",
                    "kit_s": kit.wall_s, "reference": "lifetimes summary_data_from_transaction_data",
                    "reference_s": reference.wall_s, "floor_s": floor.wall_s,
                    "kit_inner_s": timings["kit_in_process"].inner_s, "reference_inner_s": reference.inner_s,
                    "goal": _goals(size, ratio, over_floor),
                    "note": "kit: `python -m analysis summarize` (load, check, clean, summarise, write); "
                            "floor's numbers equal lifetimes': "
                            f"{'yes' if _same_numbers(folder / 'floor.parquet', folder / 'lifetimes.parquet') else 'NO'}",
                })
    return rows
