"""Pareto/NBD fits, whole processes: the kit against lifetimes' ParetoNBDFitter, both given the
same compressed (weighted) rows from one Parquet file.

* CDNOW-like customers (the published CDNOW estimates), up to 10^5;
* a likelihood ridge: 2,446 customers whose dropout rate is the same for everyone (s = 10^4,
  s/β = 0.02 per week: exponential dropout), so the maximum likelihood lies at s, β → ∞ with
  s/β fixed — the shape of the grocery log in issue 15, where the kit needed 38 s of CPU.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from bench_clv import compressed
from harness import alternate, goal, progress

MAX_CUSTOMERS = 100_000
RIDGE_CUSTOMERS = 2_446

KIT = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from analysis.clv import ParetoNBD
d = pd.read_parquet(sys.argv[1])
began = time.perf_counter()
ParetoNBD(d["frequency"], d["recency"], d["T"], weights=d["weights"]).fit()
print(json.dumps({"inner_s": time.perf_counter() - began}))
"""

LIFETIMES = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from lifetimes import ParetoNBDFitter
d = pd.read_parquet(sys.argv[1])
began = time.perf_counter()
ParetoNBDFitter().fit(d["frequency"], d["recency"], d["T"], weights=d["weights"])
print(json.dumps({"inner_s": time.perf_counter() - began}))
"""


def _customers(n: int, r: float, alpha: float, s: float, beta: float, seed: int) -> pd.DataFrame:
    from analysis.models.simulate import simulate_paretonbd

    rng = np.random.default_rng(seed)
    T = np.floor(rng.uniform(26, 52, n) * 7) / 7
    x, t_x, T = simulate_paretonbd(n, r, alpha, s, beta, T=T, seed=seed % 997)
    return pd.DataFrame({"frequency": x, "recency": np.floor(t_x * 7) / 7, "T": T})


def run(sizes: list[int], repeats: int = 3) -> list[dict]:
    cases = [("Pareto/NBD fit, weighted", n, (0.553, 10.578, 0.606, 11.669), n)
             for n in sorted({min(s, MAX_CUSTOMERS) for s in sizes})]
    cases.append(("Pareto/NBD fit on a likelihood ridge (exponential dropout)", RIDGE_CUSTOMERS,
                  (0.8, 4.0, 1e4, 5e5), 15))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_paretonbd_") as tmp:
        for index, (title, n, params, seed) in enumerate(cases):
            table = compressed(_customers(n, *params, seed=seed), ["frequency", "recency", "T"])
            path = Path(tmp) / f"case{index}.parquet"
            table.to_parquet(path, index=False)
            progress(f"  {title}: {n:,} customers ({len(table):,} distinct rows), {repeats} alternating runs")
            timings = alternate({"lifetimes": (LIFETIMES, [str(path)]), "kit": (KIT, [str(path)])}, repeats)
            kit, reference = timings["kit"], timings["lifetimes"]
            if n == RIDGE_CUSTOMERS:
                target = f"< 5 s: {'met' if kit.wall_s < 5 else 'MISSED'}"
            else:
                target = goal(reference.wall_s / kit.wall_s, 2, "≥ 2× lifetimes") if n >= MAX_CUSTOMERS else ""
            rows.append({
                "benchmark": title, "size": n, "unit": "customers", "kit_s": kit.wall_s,
                "reference": "lifetimes, same weighted rows", "reference_s": reference.wall_s,
                "kit_inner_s": kit.inner_s, "reference_inner_s": reference.inner_s, "goal": target,
                "note": f"{len(table):,} distinct rows; true r, α, s, β = {', '.join(f'{p:g}' for p in params)}",
            })
    return rows
