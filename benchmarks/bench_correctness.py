"""Correctness at scale, on the largest size asked for (10^7 transactions by default):

* the quarantine identity (input rows = kept + quarantined) on a messy simulated log — returns on
  C-invoices and rows without a customer id — loaded and cleaned by the study's own code;
* parameter recovery: BG/NBD and Gamma-Gamma fitted to the summary of a simulated log, with the
  true values checked against the 95% intervals, both on the day-level log (what the study sees)
  and on the exact purchase times the simulator drew (what the estimator alone should recover).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from analysis.clv import BetaGeo, GammaGamma
from analysis.core.config import StudyConfig
from analysis.data.prepare import prepare_transactions
from analysis.models.simulate import (
    DENSE_OBSERVATION_DAYS,
    DENSE_PURCHASING,
    TrueSpend,
    exact_summary,
    write_parquet_chunks,
)

SIZE = int(os.environ.get("BENCH_CORRECTNESS_SIZE", "0"))  # 0: the largest size asked for
TRANSACTIONS_PER_CUSTOMER = 10.58
CHUNK = 500_000
SEED = 8


def _config(folder: Path, **analysis) -> StudyConfig:
    return StudyConfig.model_validate({
        "name": "correctness",
        "data": {"path": str(folder), "columns": {"customer": "customer_id", "date": "date", "amount": "amount",
                                                  **({"invoice": "invoice"} if analysis.pop("invoices", False) else {})}},
        "analysis": {"period": "week", **analysis},
    })


def _coverage(fit, truth: dict[str, float]) -> tuple[bool, str]:
    ci = fit.conf_int()
    inside = {k: bool(ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"]) for k, v in truth.items()}
    text = ", ".join(f"{k} {truth[k]:g} in [{ci.loc[k, 'lower']:.4g}, {ci.loc[k, 'upper']:.4g}]"
                     f"{'' if inside[k] else ' ✗'}" for k in truth)
    return all(inside.values()), text


def run(sizes: list[int], repeats: int = 1) -> list[dict]:
    size = SIZE or max(sizes)
    customers = round(size / TRANSACTIONS_PER_CUSTOMER)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # the quarantine identity on a messy log
        messy = Path(tmp) / "messy"
        write_parquet_chunks(messy, customers, chunk_customers=CHUNK, seed=SEED, purchasing=DENSE_PURCHASING,
                             observation_days=DENSE_OBSERVATION_DAYS, return_rate=0.03, missing_id_rate=0.01)
        began = time.perf_counter()
        prepared = prepare_transactions(_config(messy, invoices=True))
        counts = prepared.cleaning.counts()
        elapsed = time.perf_counter() - began
        holds = counts["input_rows"] == counts["kept_rows"] + counts["quarantined_rows"]
        rows.append({"benchmark": "quarantine identity (load + clean + summary)", "size": counts["input_rows"],
                     "ours_s": elapsed, "in_process": True,
                     "note": f"input rows {counts['input_rows']:,} = kept {counts['kept_rows']:,} + quarantined "
                             f"{counts['quarantined_rows']:,}: {'holds' if holds else 'BROKEN'}; dropped by rule "
                             + ", ".join(f"{k} {v:,}" for k, v in counts["dropped"].items())})
        del prepared

        # parameter recovery on a clean log of the same size
        clean = Path(tmp) / "clean"
        write_parquet_chunks(clean, customers, chunk_customers=CHUNK, seed=SEED, purchasing=DENSE_PURCHASING,
                             observation_days=DENSE_OBSERVATION_DAYS)
        end = (pd.Timestamp("2020-01-01") + pd.Timedelta(days=DENSE_OBSERVATION_DAYS)).date().isoformat()
        began = time.perf_counter()
        summary = prepare_transactions(_config(clean, observation_end=end)).customers
        x, t_x, T = (summary[c].astype(float).to_numpy() for c in ("frequency", "recency", "T"))
        bg = BetaGeo(x, t_x, T).fit()
        repeat = x > 0
        gg = GammaGamma(x[repeat], summary["monetary_value"].astype(float).to_numpy()[repeat]).fit()
        elapsed = time.perf_counter() - began
        truth = {k: getattr(DENSE_PURCHASING, k) for k in ("r", "alpha", "a", "b")}
        spend = TrueSpend()
        bg_ok, bg_text = _coverage(bg, truth)
        gg_ok, gg_text = _coverage(gg, {"p": spend.p, "q": spend.q, "gamma": spend.gamma})
        n_rows = int(summary["n_transactions"].sum())
        rows.append({"benchmark": "parameter recovery, day-level log (summary + BG/NBD + Gamma-Gamma)",
                     "size": n_rows, "ours_s": elapsed, "in_process": True,
                     "note": f"{len(summary):,} customers; BG/NBD {'all inside' if bg_ok else 'NOT all inside'}: "
                             f"{bg_text}; Gamma-Gamma {'all inside' if gg_ok else 'NOT all inside'}: {gg_text}"})

        exact = pd.concat([exact_summary(min(CHUNK, customers - offset), purchasing=DENSE_PURCHASING,
                                         observation_days=DENSE_OBSERVATION_DAYS, seed=SEED * 100_003 + index)
                           for index, offset in enumerate(range(0, customers, CHUNK))], ignore_index=True)
        began = time.perf_counter()
        bg_exact = BetaGeo(*(exact[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))).fit()
        elapsed = time.perf_counter() - began
        ok, text = _coverage(bg_exact, truth)
        merged = 1 - n_rows / (exact["frequency"].sum() + len(exact))
        rows.append({"benchmark": "parameter recovery, exact purchase times (BG/NBD)",
                     "size": int(exact["frequency"].sum() + len(exact)), "ours_s": elapsed, "in_process": True,
                     "note": f"{'all inside' if ok else 'NOT all inside'}: {text}; the day-level log merges "
                             f"{merged:.1%} of purchases into another on the same day"})
    return rows
