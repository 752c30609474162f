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

from ..core.periods import PERIODS_PER_YEAR
from ..models.base import on_distinct_pairs


def period_discount_rate(annual_rate: float, period: str) -> float:
    return (1 + annual_rate) ** (1 / PERIODS_PER_YEAR[period]) - 1


def discounted_expected_purchases(transaction_results, frequency, recency, T, *, horizon: int,
                                  discount_rate: float, covariates=None) -> np.ndarray:
    """Σ_k (E[Y(k)] − E[Y(k−1)]) / (1 + d)^k for each customer (d per period); ``covariates``:
    the customers' covariates, for a transaction model fitted with them."""
    frequency, recency, T = (np.asarray(v, float) for v in (frequency, recency, T))
    # E[Y(k) | data] = P(alive) × E[Y(k) | alive]: P(alive) does not depend on k, so it is computed
    # once; E[Y(k) | alive] depends on (x, T) only, which millions of customers share (BG/NBD's costs
    # one hypergeometric function per customer and period), so it is computed per distinct pair
    # (with covariates each customer has their own parameters: row by row)
    extra = {} if covariates is None else {"covariates": covariates}
    p_alive = transaction_results.probability_alive(frequency, recency, T, **extra)

    def discounted_while_alive(x, T):
        total = np.zeros_like(x)
        previous = np.zeros_like(x)
        for k in range(1, horizon + 1):
            cumulative = transaction_results.expected_purchases_while_alive(k, x, T, compress=False, **extra)
            total += (cumulative - previous) / (1 + discount_rate) ** k
            previous = cumulative
        return total

    if covariates is not None:
        return p_alive * discounted_while_alive(frequency, T)
    return p_alive * on_distinct_pairs(discounted_while_alive, frequency, T)


def customer_lifetime_value(transaction_results, spend_results, frequency, recency, T, monetary_value,
                            *, horizon: int, discount_rate: float, margin: float, covariates=None) -> np.ndarray:
    """Per-customer CLV (see the module docstring); ``discount_rate`` is per period; ``covariates``
    as for :func:`discounted_expected_purchases`."""
    purchases = discounted_expected_purchases(
        transaction_results, frequency, recency, T, horizon=horizon, discount_rate=discount_rate,
        covariates=covariates,
    )
    spend = spend_results.conditional_expected_spend(frequency, monetary_value)
    return margin * spend * purchases
