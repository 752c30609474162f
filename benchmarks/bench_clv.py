"""BG/NBD and Gamma-Gamma fits, whole processes: the kit against lifetimes 0.11.3, both given the
same compressed data (one row per distinct (frequency, recency, T) or (frequency, monetary value),
with a ``weights`` column counting the customers behind it), read from one Parquet file.

Customers are simulated from the CDNOW estimates with day-resolution recency and T (as real
summaries have). Each process reads the file, fits, and exits; the in-process column is the fit
call alone.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from harness import alternate, goal, progress

MAX_CUSTOMERS = 1_000_000

PROGRAMS = {
    ("bgnbd", "kit"): """
import json, sys, time
import pandas as pd
from analysis.clv import BetaGeo
d = pd.read_parquet(sys.argv[1])
began = time.perf_counter()
BetaGeo(d["frequency"], d["recency"], d["T"], weights=d["weights"]).fit()
print(json.dumps({"inner_s": time.perf_counter() - began}))
""",
    ("bgnbd", "lifetimes"): """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from lifetimes import BetaGeoFitter
d = pd.read_parquet(sys.argv[1])
began = time.perf_counter()
BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"], weights=d["weights"])
print(json.dumps({"inner_s": time.perf_counter() - began}))
""",
    ("gammagamma", "kit"): """
import json, sys, time
import pandas as pd
from analysis.clv import GammaGamma
d = pd.read_parquet(sys.argv[1])
began = time.perf_counter()
GammaGamma(d["frequency"], d["monetary_value"], weights=d["weights"]).fit()
print(json.dumps({"inner_s": time.perf_counter() - began}))
""",
    ("gammagamma", "lifetimes"): """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from lifetimes import GammaGammaFitter
d = pd.read_parquet(sys.argv[1])
began = time.perf_counter()
GammaGammaFitter().fit(d["frequency"], d["monetary_value"], weights=d["weights"])
print(json.dumps({"inner_s": time.perf_counter() - began}))
""",
}


def _customers(n: int, seed: int) -> pd.DataFrame:
    from analysis.models.simulate import simulate_bgnbd, simulate_gammagamma

    rng = np.random.default_rng(seed)
    T = np.floor(rng.uniform(26, 39, n) * 7) / 7
    x, t_x, T = simulate_bgnbd(n, 0.243, 4.414, 0.793, 2.426, T=T, seed=seed)
    t_x = np.floor(t_x * 7) / 7
    m = np.round(simulate_gammagamma(x, 6.25, 3.74, 15.44, seed=seed + 1), 2)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": T, "monetary_value": m})


def compressed(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per distinct value of ``columns`` with the number of customers as ``weights``."""
    return data.groupby(columns).size().rename("weights").reset_index()


def run(sizes: list[int], repeats: int = 3) -> list[dict]:
    rows = []
    for n in sorted({min(s, MAX_CUSTOMERS) for s in sizes}):
        data = _customers(n, seed=n % 1000)
        repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
        inputs = {"bgnbd": (compressed(data, ["frequency", "recency", "T"]), n, "BG/NBD fit"),
                  "gammagamma": (compressed(repeat, ["frequency", "monetary_value"]), len(repeat),
                                 "Gamma-Gamma fit")}
        with tempfile.TemporaryDirectory(prefix="bench_clv_") as tmp:
            for model, (table, customers, title) in inputs.items():
                path = Path(tmp) / f"{model}.parquet"
                table.to_parquet(path, index=False)
                progress(f"  {title}: {customers:,} customers ({len(table):,} distinct rows), {repeats} alternating runs")
                timings = alternate({who: (PROGRAMS[(model, who)], [str(path)]) for who in ("lifetimes", "kit")},
                                    repeats)
                kit, reference = timings["kit"], timings["lifetimes"]
                rows.append({
                    "benchmark": f"{title}, weighted", "size": customers, "unit": "customers",
                    "kit_s": kit.wall_s, "reference": "lifetimes, same weighted rows", "reference_s": reference.wall_s,
                    "kit_inner_s": kit.inner_s, "reference_inner_s": reference.inner_s,
                    "goal": goal(reference.wall_s / kit.wall_s, 2, "≥ 2× lifetimes") if n >= MAX_CUSTOMERS else "",
                    "note": f"{len(table):,} distinct rows",
                })
    return rows
