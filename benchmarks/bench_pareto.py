"""80/20 bootstrap: 2,000 replicates of the top-20% share, ours (sort once, count draws) vs a naive
bootstrap that resamples and re-sorts every replicate (run on fewer replicates and scaled, as noted)."""

from __future__ import annotations

import time

import numpy as np

from analysis.pareto.inference import bootstrap_top_share, naive_bootstrap_top_share

N_BOOT = 2000
NAIVE_BOOT = 200


def run(sizes: list[int], repeats: int = 1) -> list[dict]:
    rows = []
    for n in sorted({min(s, 1_000_000) for s in sizes}):
        values = np.random.default_rng(n).lognormal(3, 1.2, n)
        began = time.perf_counter()
        bootstrap_top_share(values, 0.2, n_boot=N_BOOT, rng=np.random.default_rng(1))
        ours = time.perf_counter() - began
        began = time.perf_counter()
        naive_bootstrap_top_share(values, 0.2, n_boot=NAIVE_BOOT, rng=np.random.default_rng(1))
        naive = (time.perf_counter() - began) * N_BOOT / NAIVE_BOOT
        rows.append({"benchmark": f"80/20 bootstrap, {N_BOOT:,} replicates", "size": n, "ours_s": ours, "in_process": True,
                     "reference": "naive re-sorting bootstrap", "reference_s": naive, "ratio": naive / ours,
                     "note": f"customers; naive timed on {NAIVE_BOOT} replicates and scaled"})
    return rows
