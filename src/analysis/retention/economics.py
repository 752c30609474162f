"""What a point of retention is worth.

With a constant yearly margin m per retained customer, retention rate r and discount rate i, the
expected value of a customer is m·r/(1 + i − r) (Gupta & Lehmann 2003). One more point of retention
raises it by m·[(r + 0.01)/(1 + i − r − 0.01) − r/(1 + i − r)], for every customer kept — compared
here with the cost of winning a new customer.
"""

from __future__ import annotations

from ..clv.textbook import margin_multiple


def retention_value(annual_margin: float, retention: float, discount_rate: float,
                    acquisition_cost: float | None = None, step: float = 0.01) -> dict:
    base = annual_margin * margin_multiple(retention, discount_rate)
    raised = annual_margin * margin_multiple(min(retention + step, 0.999), discount_rate)
    out = {"annual_margin": annual_margin, "retention": retention, "discount_rate": discount_rate,
           "clv": base, "clv_one_point_more": raised, "gain_per_customer": raised - base,
           "gain_share": (raised - base) / base if base else None}
    if acquisition_cost is not None:
        out["acquisition_cost"] = acquisition_cost
        out["clv_net_of_acquisition"] = base - acquisition_cost
    return out
