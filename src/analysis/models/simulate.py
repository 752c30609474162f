"""Synthetic transaction logs with known ground truth, for tests and benchmarks.

Purchasing follows the BG/NBD story (Fader, Hardie & Lee 2005a): each customer buys at time 0
(their first purchase), then as a Poisson process with rate λ ~ Gamma(r, α) (α a rate), and after
each repeat purchase becomes inactive with probability p ~ Beta(a, b). Each purchase's value
follows the Gamma-Gamma model (Fader, Hardie & Lee 2005b): z ~ Gamma(p, ν), ν ~ Gamma(q, γ), so a
customer's mean spend is p/ν. Times are in days here; the BG/NBD rate is per ``period_days``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class TruePurchasing:
    r: float = 0.243
    alpha: float = 4.414
    a: float = 0.793
    b: float = 2.426
    period_days: float = 7.0  # the unit of alpha (weekly by default, as in the CDNOW estimates)


# about ten purchase days per customer over two years (observation_days=730): the density the
# scale benchmarks use, where 10^8 transactions come from about 10^7 customers
DENSE_PURCHASING = TruePurchasing(r=0.7, alpha=3.0, a=0.8, b=7.0)
DENSE_OBSERVATION_DAYS = 730


@dataclass(frozen=True)
class TrueSpend:
    p: float = 6.25
    q: float = 3.74
    gamma: float = 15.44


def simulate_transactions(
    n_customers: int,
    *,
    purchasing: TruePurchasing = TruePurchasing(),
    spend: TrueSpend = TrueSpend(),
    start: str = "2020-01-01",
    acquisition_days: int = 84,
    observation_days: int = 546,
    seed: int = 0,
    id_offset: int = 0,
    return_rate: float = 0.0,
    missing_id_rate: float = 0.0,
) -> pd.DataFrame:
    """One row per purchase: ``customer_id, date, amount`` (dates at day resolution).

    Customers are acquired uniformly over the first ``acquisition_days`` days and observed until
    ``start + observation_days``. Purchases within one day stay separate rows, as in raw logs.
    With ``return_rate`` > 0, that share of purchases is returned in full 0–13 days later (a row
    with a negative amount on a ``C``-prefixed invoice; purchases get ``I`` invoices), and with
    ``missing_id_rate`` > 0 that share of rows loses its customer id — the messes the cleaning
    rules are for.
    """
    rng = np.random.default_rng(seed)
    first_day, _horizon, owner, times = _draw_purchases(rng, n_customers, purchasing, acquisition_days,
                                                       observation_days)
    elapsed_days = np.floor(times * purchasing.period_days).astype(np.int64)
    nu = rng.gamma(spend.q, 1.0 / spend.gamma, size=n_customers)
    amount = rng.gamma(spend.p, 1.0, size=owner.size) / nu[owner]
    order = np.lexsort((elapsed_days, owner))
    day = first_day[owner] + elapsed_days
    log = pd.DataFrame({
        "customer_id": pd.array((owner[order] + id_offset).astype(str), dtype="string"),
        "date": pd.Timestamp(start) + pd.to_timedelta(day[order], unit="D"),
        "amount": np.round(amount[order], 2),
    })
    if return_rate <= 0 and missing_id_rate <= 0:
        return log
    log["invoice"] = pd.array([f"I{i + id_offset * 100}" for i in range(len(log))], dtype="string")
    returned = log[rng.random(len(log)) < return_rate]
    returns = returned.assign(
        date=returned["date"] + pd.to_timedelta(rng.integers(0, 14, len(returned)), unit="D"),
        amount=-returned["amount"], invoice="C" + returned["invoice"].str[1:])
    log = pd.concat([log, returns], ignore_index=True).sort_values(["customer_id", "date"], kind="stable")
    log.loc[rng.random(len(log)) < missing_id_rate, "customer_id"] = pd.NA
    return log.reset_index(drop=True)


def _draw_purchases(rng, n_customers, purchasing, acquisition_days, observation_days):
    """First-purchase day, T (periods), and every purchase as (customer, time since the first, in
    periods); repeat purchases follow the BG/NBD story."""
    first_day = rng.integers(0, acquisition_days, size=n_customers)
    horizon = (observation_days - first_day) / purchasing.period_days  # T in periods
    rate = rng.gamma(purchasing.r, 1.0 / purchasing.alpha, size=n_customers)
    dropout = rng.beta(purchasing.a, purchasing.b, size=n_customers)
    owners = [np.arange(n_customers)]
    times = [np.zeros(n_customers)]
    active = np.arange(n_customers)
    clock = np.zeros(n_customers)
    while active.size:
        clock[active] += rng.exponential(1.0, size=active.size) / np.maximum(rate[active], 1e-300)
        active = active[clock[active] <= horizon[active]]
        owners.append(active)
        times.append(clock[active].copy())
        active = active[rng.random(active.size) >= dropout[active]]
    return first_day, horizon, np.concatenate(owners), np.concatenate(times)


def exact_summary(n_customers: int, *, purchasing: TruePurchasing = TruePurchasing(), acquisition_days: int = 84,
                  observation_days: int = 546, seed: int = 0) -> pd.DataFrame:
    """The (frequency, recency, T) in periods that :func:`simulate_transactions` draws with the
    same arguments, before times are cut to days and same-day purchases merge: what a BTYD fit
    would see with exact purchase times (for parameter-recovery checks)."""
    rng = np.random.default_rng(seed)
    _, horizon, owner, times = _draw_purchases(rng, n_customers, purchasing, acquisition_days, observation_days)
    counts = np.bincount(owner, minlength=n_customers)
    recency = np.zeros(n_customers)
    np.maximum.at(recency, owner, times)
    return pd.DataFrame({"frequency": counts - 1, "recency": recency, "T": horizon})


def write_parquet_chunks(
    folder: Path, n_customers: int, *, chunk_customers: int = 1_000_000, seed: int = 0, **options
) -> list[Path]:
    """Write a large log as Parquet files of ``chunk_customers`` customers each (seeded per chunk)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, offset in enumerate(range(0, n_customers, chunk_customers)):
        size = min(chunk_customers, n_customers - offset)
        frame = simulate_transactions(size, seed=seed * 100_003 + index, id_offset=offset, **options)
        path = folder / f"part-{index:05d}.parquet"
        frame.to_parquet(path, index=False)
        paths.append(path)
    return paths
