"""Pareto/NBD fit: ours vs lifetimes' ParetoNBDFitter, on customers simulated from the CDNOW estimates
(day-resolution recency and T; lifetimes is given the same unique rows with weights)."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from analysis.clv import ParetoNBD
from analysis.clv.simulate import simulate_paretonbd

MAX_CUSTOMERS = 100_000


def run(sizes: list[int]) -> list[dict]:
    rows = []
    for n in sorted({min(s, MAX_CUSTOMERS) for s in sizes}):
        rng = np.random.default_rng(n)
        T = np.floor(rng.uniform(26, 39, n) * 7) / 7
        x, t_x, T = simulate_paretonbd(n, 0.553, 10.578, 0.606, 11.669, T=T, seed=n % 997)
        data = pd.DataFrame({"frequency": x, "recency": np.floor(t_x * 7) / 7, "T": T})
        began = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ParetoNBD(data["frequency"], data["recency"], data["T"]).fit()
        ours = time.perf_counter() - began
        row = {"benchmark": "Pareto/NBD fit", "size": n, "ours_s": ours, "note": "customers"}
        try:
            from lifetimes import ParetoNBDFitter
        except ImportError:
            rows.append({**row, "note": "customers; lifetimes not installed"})
            continue
        grouped = data.groupby(["frequency", "recency", "T"]).size().rename("weights").reset_index()
        began = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ParetoNBDFitter().fit(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["weights"])
        theirs = time.perf_counter() - began
        rows.append({**row, "reference": "lifetimes, weights", "reference_s": theirs, "ratio": theirs / ours,
                     "note": f"customers ({len(grouped):,} unique rows)"})
    return rows
