"""BG/NBD and Gamma-Gamma: fit and predict for every customer, ours vs lifetimes 0.11.3.

Customers are simulated from the CDNOW estimates with day-resolution recency and T (as real
summaries have). lifetimes is timed without weights (one row per customer) and with weights (its
own unique-row compression, ``weights=``); ours compresses identical rows itself.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from analysis.clv import BetaGeo, GammaGamma
from analysis.clv.simulate import simulate_bgnbd, simulate_gammagamma


def _customers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    T = np.floor(rng.uniform(26, 39, n) * 7) / 7
    x, t_x, T = simulate_bgnbd(n, 0.243, 4.414, 0.793, 2.426, T=T, seed=seed)
    t_x = np.floor(t_x * 7) / 7
    m = np.round(simulate_gammagamma(x, 6.25, 3.74, 15.44, seed=seed + 1), 2)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": T, "monetary_value": m})


def _ours(data: pd.DataFrame) -> None:
    bg = BetaGeo(data["frequency"], data["recency"], data["T"]).fit()
    repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    gg = GammaGamma(repeat["frequency"], repeat["monetary_value"]).fit()
    bg.probability_alive(data["frequency"], data["recency"], data["T"])
    bg.conditional_expected_purchases(39, data["frequency"], data["recency"], data["T"])
    gg.conditional_expected_spend(data["frequency"], data["monetary_value"])


def _lifetimes(data: pd.DataFrame, weighted: bool) -> None:
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    if weighted:
        grouped = data.groupby(["frequency", "recency", "T"]).size().rename("weights").reset_index()
        bg = BetaGeoFitter().fit(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["weights"])
        repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
        spend = repeat.groupby(["frequency", "monetary_value"]).size().rename("weights").reset_index()
        gg = GammaGammaFitter().fit(spend["frequency"], spend["monetary_value"], weights=spend["weights"])
    else:
        bg = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
        repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
        gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    bg.conditional_probability_alive(data["frequency"], data["recency"], data["T"])
    bg.conditional_expected_number_of_purchases_up_to_time(39, data["frequency"], data["recency"], data["T"])
    gg.conditional_expected_average_profit(data["frequency"], data["monetary_value"])


def _time(work) -> float:
    began = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        work()
    return time.perf_counter() - began


def run(sizes: list[int]) -> list[dict]:
    rows = []
    for n in sorted({min(s, 1_000_000) for s in sizes}):
        data = _customers(n, seed=n % 1000)
        ours = _time(lambda: _ours(data))
        unique = len(data.drop_duplicates(["frequency", "recency", "T"]))
        row = {"benchmark": "BG/NBD + Gamma-Gamma fit and predict", "size": n, "ours_s": ours,
               "note": f"customers ({unique:,} unique rows)"}
        try:
            import lifetimes  # noqa: F401
        except ImportError:
            rows.append({**row, "note": row["note"] + "; lifetimes not installed"})
            continue
        plain = _time(lambda: _lifetimes(data, weighted=False))
        weighted = _time(lambda: _lifetimes(data, weighted=True))
        rows.append({**row, "reference": "lifetimes, no weights", "reference_s": plain, "ratio": plain / ours})
        rows.append({**row, "reference": "lifetimes, weights", "reference_s": weighted, "ratio": weighted / ours})
    return rows
