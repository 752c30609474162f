"""Customer lifetime value from a transaction model and a spend model.

CLV over a horizon of H periods is the discounted sum of expected transactions in each period times
expected spend per transaction times the margin:

    CLV = margin × E[M | x, m] × Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) / (1 + d)^k,

with E[Y(k)] the model's conditional expected purchases in the next k periods and d the per-period
discount rate equivalent to the annual rate, (1 + annual)^(1/periods per year) − 1. Cash flows are
discounted to the end of the period in which they fall.
"""

from __future__ import annotations

import numpy as np

from ..periods import PERIODS_PER_YEAR
from .base import on_distinct_pairs


def period_discount_rate(annual_rate: float, period: str) -> float:
    return (1 + annual_rate) ** (1 / PERIODS_PER_YEAR[period]) - 1


def discounted_expected_purchases(transaction_results, frequency, recency, T, *, horizon: int,
                                  discount_rate: float) -> np.ndarray:
    """Σ_k (E[Y(k)] − E[Y(k−1)]) / (1 + d)^k for each customer (d per period)."""
    frequency, recency, T = (np.asarray(v, float) for v in (frequency, recency, T))
    # E[Y(k) | data] = P(alive) × E[Y(k) | alive]: P(alive) does not depend on k, so it is computed
    # once; E[Y(k) | alive] depends on (x, T) only, which millions of customers share (BG/NBD's costs
    # one hypergeometric function per customer and period), so it is computed per distinct pair
    p_alive = transaction_results.probability_alive(frequency, recency, T)

    def discounted_while_alive(x, T):
        total = np.zeros_like(x)
        previous = np.zeros_like(x)
        for k in range(1, horizon + 1):
            cumulative = transaction_results.expected_purchases_while_alive(k, x, T, compress=False)
            total += (cumulative - previous) / (1 + discount_rate) ** k
            previous = cumulative
        return total

    return p_alive * on_distinct_pairs(discounted_while_alive, frequency, T)


def customer_lifetime_value(transaction_results, spend_results, frequency, recency, T, monetary_value,
                            *, horizon: int, discount_rate: float, margin: float) -> np.ndarray:
    """Per-customer CLV (see the module docstring); ``discount_rate`` is per period."""
    purchases = discounted_expected_purchases(
        transaction_results, frequency, recency, T, horizon=horizon, discount_rate=discount_rate
    )
    spend = spend_results.conditional_expected_spend(frequency, monetary_value)
    return margin * spend * purchases


def total_clv_interval(transaction_results, spend_results, frequency, recency, T, monetary_value, *,
                       horizon: int, discount_rate: float, margin: float, rng: np.random.Generator,
                       n_draws: int = 200, level: float = 0.95) -> tuple[float, float]:
    """Interval for the total CLV from parameter uncertainty: draws of both models' parameters
    from their asymptotic normal distributions (on the log scale), the total recomputed for each.
    Identical customers are computed once."""
    rows = np.column_stack([np.asarray(v, float) for v in (frequency, recency, T, monetary_value)])
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    x, t_x, T_u, m = unique.T
    transaction_draws = transaction_results.sample_params(n_draws, rng)
    spend_draws = spend_results.sample_params(n_draws, rng)
    totals = np.empty(n_draws)
    for i in range(n_draws):
        tr = _with_params(transaction_results, transaction_draws[i])
        sp = _with_params(spend_results, spend_draws[i])
        values = customer_lifetime_value(tr, sp, x, t_x, T_u, m, horizon=horizon,
                                         discount_rate=discount_rate, margin=margin)
        totals[i] = np.sum(values * counts)
    tail = (1 - level) / 2
    return float(np.nanquantile(totals, tail)), float(np.nanquantile(totals, 1 - tail))


def _with_params(results, params: np.ndarray):
    clone = object.__new__(type(results))
    clone.__dict__.update(results.__dict__)
    clone.params = results.params.copy()
    clone.params[:] = params
    return clone
