"""Transaction log → RFM summary in fractional weeks: ours (DuckDB) vs lifetimes'
summary_data_from_transaction_data(freq="D", freq_multiplier=7), which computes the same numbers."""

from __future__ import annotations

import time

from analysis.simulate import simulate_transactions
from analysis.summary import customer_summary

LIFETIMES_MAX_ROWS = 20_000_000


def _timed(work):
    began = time.perf_counter()
    value = work()
    return time.perf_counter() - began, value


def run(sizes: list[int]) -> list[dict]:
    rows = []
    for size in sizes:
        # about 2.8 purchases per simulated customer with the default (CDNOW-like) parameters
        log = simulate_transactions(max(1, int(size / 2.77)), seed=size)
        n = len(log)
        ours, _ = _timed(lambda: customer_summary(log, period="week"))
        row = {"benchmark": "transactions → summary", "size": n, "ours_s": ours}
        try:
            from lifetimes.utils import summary_data_from_transaction_data
        except ImportError:
            row["note"] = "lifetimes not installed (pip install -e .[bench])"
            rows.append(row)
            continue
        if n <= LIFETIMES_MAX_ROWS:
            theirs, _ = _timed(lambda: summary_data_from_transaction_data(
                log, "customer_id", "date", "amount", freq="D", freq_multiplier=7))
            row.update(reference="lifetimes 0.11.3", reference_s=theirs, ratio=theirs / ours)
        rows.append(row)
    return rows
