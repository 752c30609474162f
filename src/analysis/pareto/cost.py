"""A simple cost model, to turn revenue into profit per customer.

    profit = margin_rate × revenue − cost_per_order × orders − cost_per_customer_per_period × tenure
             − cost column (if given)

with tenure the number of periods from the customer's first purchase to the end of the window
(the periods during which the firm serves or mails them). Every parameter is an assumption stated in
the report. The parameters and the formula are :class:`~analysis.pareto.settings.CostModel` (a part of
the ``pareto:`` settings, read without pandas); this module holds what is computed from the profits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import NotEstimable
from .settings import CostModel  # re-exported: it was defined here

__all__ = ["CostModel", "WhaleCurve", "whale_curve"]


@dataclass(frozen=True)
class WhaleCurve:
    cumulative_share: np.ndarray  # cumulative profit / total profit, customers most profitable first
    peak: float
    peak_at: float  # share of customers at the peak
    top20_share: float
    lost_on_unprofitable: float  # total loss on customers with negative profit
    share_unprofitable: float
    bottom30_consumes: float  # loss of the least profitable 30%, as a share of the top 20%'s profit

    def to_dict(self) -> dict:
        return {"peak": self.peak, "peak_at": self.peak_at, "top20_share": self.top20_share,
                "lost_on_unprofitable": self.lost_on_unprofitable,
                "share_unprofitable": self.share_unprofitable, "bottom30_consumes": self.bottom30_consumes}


def whale_curve(profit) -> WhaleCurve:
    """Kaplan & Cooper's whale curve (Cost and Effect, 1998) and Sherden's 80/20/30 comparison."""
    values = np.sort(np.asarray(profit, float))[::-1]
    total = values.sum()
    if total <= 0:
        raise NotEstimable("total profit is not positive, so the whale curve is undefined")
    n = values.size
    cumulative = np.cumsum(values) / total
    peak_index = int(np.argmax(cumulative))
    top = int(round(0.2 * n))
    bottom = int(round(0.3 * n))
    top_profit = values[:top].sum()
    bottom_profit = values[n - bottom:].sum()
    return WhaleCurve(
        cumulative_share=cumulative, peak=float(cumulative[peak_index]), peak_at=(peak_index + 1) / n,
        top20_share=float(top_profit / total), lost_on_unprofitable=float(-values[values < 0].sum()),
        share_unprofitable=float(np.mean(values < 0)),
        bottom30_consumes=float(max(-bottom_profit, 0.0) / top_profit) if top_profit > 0 else 0.0,
    )
