"""End to end: `python -m analysis run` on simulated logs of growing size — wall time, peak memory,
and how they grow (the exponent of a power law fitted across sizes)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from analysis.simulate import write_parquet_chunks

# the full study at 10^7 transactions takes many minutes here; raise with BENCH_END_TO_END_MAX
MAX_SIZE = int(os.environ.get("BENCH_END_TO_END_MAX", 1_000_000))


def _run_once(folder: Path, n_transactions: int) -> tuple[float, float]:
    customers = max(1, int(n_transactions / 2.77))
    write_parquet_chunks(folder / "log", customers, chunk_customers=1_000_000, seed=3)
    config = {"name": "bench", "data": {"path": str(folder / "log"),
                                        "columns": {"customer": "customer_id", "date": "date", "amount": "amount"}},
              "analysis": {"period": "week", "calibration_end": "2020-10-01"},
              "pareto": {"n_boot": 500}, "report": {"formats": ["html", "pdf"]}}
    (folder / "study.yml").write_text(yaml.safe_dump(config))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "analysis", "run", str(folder / "study.yml"), "--out", str(folder / "run"),
                    "--quiet"], check=True, capture_output=True)
    elapsed = time.perf_counter() - began
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 2**20  # KiB → GiB
    return elapsed, peak


def run(sizes: list[int]) -> list[dict]:
    rows, measured = [], []
    for size in [s for s in sizes if s <= MAX_SIZE]:
        with tempfile.TemporaryDirectory() as tmp:
            elapsed, peak = _run_once(Path(tmp), size)
        measured.append((size, elapsed))
        rows.append({"benchmark": "end to end: python -m analysis run", "size": size, "ours_s": elapsed,
                     "note": f"transactions; peak memory {peak:.2f} GiB (largest child so far)"})
    if len(measured) > 1:
        sizes_log, times_log = np.log([m[0] for m in measured]), np.log([m[1] for m in measured])
        exponent = float(np.polyfit(sizes_log, times_log, 1)[0])
        for row in rows:
            row["note"] += f"; time grows as size^{exponent:.2f} over these sizes"
    return rows
