"""Seeded draws with known ground truth, for parameter-recovery tests and benchmarks: customer
summaries from each model, and whole transaction logs for the data path.

Purchasing follows the BG/NBD story (Fader, Hardie & Lee 2005a): each customer buys at time 0
(their first purchase), then as a Poisson process with rate λ ~ Gamma(r, α) (α a rate), and after
each repeat purchase becomes inactive with probability p ~ Beta(a, b). Each purchase's value
follows the Gamma-Gamma model (Fader, Hardie & Lee 2005b): z ~ Gamma(p, ν), ν ~ Gamma(q, γ), so a
customer's mean spend is p/ν. Under Pareto/NBD (Schmittlein, Morrison & Colombo 1987) the
customer buys at rate λ until an exponential lifetime with rate μ ~ Gamma(s, β) ends.

One draw of each process serves both outputs: :func:`simulate_bgnbd` summarises the purchase
times that :func:`simulate_transactions` writes as a log (``_bgnbd_purchases``), and both draw the
spend scale ν the same way (``_spend_scales``). In a log, times are in days and the BG/NBD rate is
per ``period_days``; in a summary, times are in the model's periods and every customer is observed
for ``T`` periods from a first purchase at time 0.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. Marketing Science 24(2), 275–284.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value curves for
customer base analysis. Journal of Marketing Research 42(4), 415–430.
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they and
what will they do next? Management Science 33(1), 1–24.
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
    first_day, _horizon, repeat_owner, repeat_times = _draw_log_purchases(
        rng, n_customers, purchasing, acquisition_days, observation_days)
    owner = np.concatenate([np.arange(n_customers), repeat_owner])  # first purchases at time 0, then repeats
    times = np.concatenate([np.zeros(n_customers), repeat_times])
    elapsed_days = np.floor(times * purchasing.period_days).astype(np.int64)
    nu = _spend_scales(rng, n_customers, spend.q, spend.gamma)
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


def _bgnbd_traits(rng, n: int, r, alpha, a, b) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's purchase rate λ ~ Gamma(r, α) (α a rate, scalar or per customer) and dropout
    probability p ~ Beta(a, b)."""
    return rng.gamma(r, 1.0 / alpha, size=n), rng.beta(a, b, size=n)


def _bgnbd_purchases(rng, rate: np.ndarray, dropout: np.ndarray, horizon: np.ndarray):
    """Every repeat purchase up to ``horizon`` as (customer, time since the first purchase): Poisson
    purchasing at ``rate`` from time 0, dropout with probability ``dropout`` after each repeat
    purchase (FHL 2005a, §2). Purchases are in rounds: the k-th repeat purchases of all customers,
    then the (k+1)-th."""
    owners, times = [np.empty(0, np.intp)], [np.empty(0)]
    active = np.arange(rate.size)
    clock = np.zeros(rate.size)
    while active.size:
        clock[active] += rng.exponential(1.0, size=active.size) / np.maximum(rate[active], 1e-300)
        active = active[clock[active] <= horizon[active]]
        owners.append(active)
        times.append(clock[active].copy())
        active = active[rng.random(active.size) >= dropout[active]]
    return np.concatenate(owners), np.concatenate(times)


def _frequency_recency(owner: np.ndarray, times: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchases per customer and the time of the last (0 without one)."""
    recency = np.zeros(n)
    np.maximum.at(recency, owner, times)
    return np.bincount(owner, minlength=n), recency


def _spend_scales(rng, n: int, q: float, gamma: float) -> np.ndarray:
    """Each customer's ν ~ Gamma(q, γ) (γ a rate): their purchases' values are Gamma(p, ν)."""
    return rng.gamma(q, 1.0 / gamma, size=n)


def _draw_log_purchases(rng, n_customers, purchasing, acquisition_days, observation_days):
    """First-purchase day, T (periods), and every repeat purchase as (customer, time since the
    first, in periods)."""
    first_day = rng.integers(0, acquisition_days, size=n_customers)
    horizon = (observation_days - first_day) / purchasing.period_days  # T in periods
    rate, dropout = _bgnbd_traits(rng, n_customers, purchasing.r, purchasing.alpha, purchasing.a, purchasing.b)
    owner, times = _bgnbd_purchases(rng, rate, dropout, horizon)
    return first_day, horizon, owner, times


def exact_summary(n_customers: int, *, purchasing: TruePurchasing = TruePurchasing(), acquisition_days: int = 84,
                  observation_days: int = 546, seed: int = 0) -> pd.DataFrame:
    """The (frequency, recency, T) in periods that :func:`simulate_transactions` draws with the
    same arguments, before times are cut to days and same-day purchases merge: what a BTYD fit
    would see with exact purchase times (for parameter-recovery checks)."""
    rng = np.random.default_rng(seed)
    _, horizon, owner, times = _draw_log_purchases(rng, n_customers, purchasing, acquisition_days, observation_days)
    frequency, recency = _frequency_recency(owner, times, n_customers)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": horizon})


def simulate_bgnbd(n: int, r: float, alpha: float | np.ndarray, a: float, b: float, T: float | np.ndarray,
                   seed: int = 0, *, holdout: float | None = None):
    """(frequency, recency, T) under BG/NBD: dropout only after repeat purchases. ``alpha`` may be
    one value per customer. With ``holdout`` = t, also each customer's purchases in (T, T + t]."""
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, float), (n,)).copy()
    rate, dropout = _bgnbd_traits(rng, n, r, alpha, a, b)
    owner, times = _bgnbd_purchases(rng, rate, dropout, T if holdout is None else T + holdout)
    calibration = times <= T[owner]
    frequency, recency = _frequency_recency(owner[calibration], times[calibration], n)
    if holdout is None:
        return frequency.astype(float), recency, T
    return frequency.astype(float), recency, T, np.bincount(owner[~calibration], minlength=n).astype(float)


def simulate_paretonbd(n: int, r: float, alpha: float | np.ndarray, s: float, beta: float, T: float | np.ndarray,
                       seed: int = 0, *, holdout: float | None = None):
    """(frequency, recency, T) under Pareto/NBD. ``alpha`` may be one value per customer. With
    ``holdout`` = t, also each customer's purchases in (T, T + t]."""
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, float), (n,)).copy()
    rate = rng.gamma(r, 1 / alpha, n)
    lifetime = rng.exponential(1.0, n) / rng.gamma(s, 1 / beta, n)
    # given n Poisson events in [0, L], their times are uniform, the last is their maximum
    horizon = np.minimum(lifetime, T)
    frequency = rng.poisson(rate * horizon).astype(float)
    recency = np.where(frequency > 0, horizon * rng.beta(np.maximum(frequency, 1), 1.0), 0.0)
    if holdout is None:
        return frequency, recency, T
    later = rng.poisson(rate * np.clip(np.minimum(lifetime, T + holdout) - T, 0, None)).astype(float)
    return frequency, recency, T, later


def simulate_gammagamma(frequency: np.ndarray, p: float, q: float, gamma: float, seed: int = 0):
    """Mean spend of each customer's ``frequency`` transactions (0 when none)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, float)
    nu = _spend_scales(rng, x.size, q, gamma)
    # the sum of x Gamma(p, ν) values is Gamma(p x, ν)
    totals = np.where(x > 0, rng.gamma(np.maximum(p * x, 1e-12), 1.0) / nu, 0.0)
    return np.where(x > 0, totals / np.maximum(x, 1), 0.0)


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
