"""The course's customer lifetime value: the net present value of a customer's cash flows.

    CLV = −acquisition cost + Σ_{t=1..n} (revenue_t − cost_t) × s_t / (1 + i)^e(t)

with s_t the probability the customer is still there in year t (the product of the retention
rates so far) and e(t) = t when each year's net cash flow arrives at the end of the year
(``timing="end"``), t − 1 when at its start (``timing="start"``). The simple margin multiple for a
constant margin m and retention rate r (cash flows at the end of each year, infinite horizon) is
m × r / (1 + i − r) (Gupta & Lehmann 2003, "Customers as assets", J. Interactive Marketing 17(1)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np


def textbook_clv(
    revenue: Sequence[float],
    recurring_cost: Sequence[float] | float,
    *,
    discount_rate: float,
    acquisition_cost: float = 0.0,
    retention: Sequence[float] | float = 1.0,
    timing: Literal["end", "start"] = "end",
) -> float:
    """NPV of a customer's yearly net cash flows minus the acquisition cost.

    ``retention`` is the probability of staying from one year to the next (a constant or one value
    per year); the first year's cash flow is certain. With ``timing="end"`` year t's flow is
    discounted t years, with ``"start"`` t − 1 years.
    """
    revenue = np.asarray(revenue, dtype=float)
    years = np.arange(1, len(revenue) + 1)
    cost = np.broadcast_to(np.asarray(recurring_cost, dtype=float), revenue.shape)
    rates = np.broadcast_to(np.asarray(retention, dtype=float), revenue.shape)
    survival = np.concatenate([[1.0], np.cumprod(rates[1:])])
    exponent = years if timing == "end" else years - 1
    return float(-acquisition_cost + np.sum((revenue - cost) * survival / (1 + discount_rate) ** exponent))


def margin_multiple(retention: float, discount_rate: float) -> float:
    """CLV per unit of yearly margin, r / (1 + i − r), for a constant retention rate r."""
    return retention / (1 + discount_rate - retention)
