"""The course's "elastic" customers: unprofitable so far, yet worth more than they will cost.

Current profit comes from the cost model (``analysis.pareto.cost``); future net value is the
predicted CLV minus the cost of serving the predicted purchases and of keeping the customer on file
over the horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def elastic_customers(customers: pd.DataFrame, current_profit: pd.Series, *, cost_per_order: float,
                      cost_per_period: float, horizon_periods: int) -> pd.DataFrame:
    future_cost = cost_per_order * customers["expected_purchases"] + cost_per_period * horizon_periods
    future_net = customers["predicted_clv"] - future_cost
    elastic = (current_profit.to_numpy() < 0) & (future_net.to_numpy() > 0)
    return pd.DataFrame({"customer_id": customers["customer_id"], "current_profit": current_profit.to_numpy(),
                         "future_net_value": future_net.to_numpy(), "elastic": elastic})


def summarize_elastic(frame: pd.DataFrame) -> dict:
    elastic = frame["elastic"].to_numpy()
    unprofitable = frame["current_profit"].to_numpy() < 0
    return {
        "customers": int(elastic.sum()), "share_of_unprofitable": float(elastic.sum() / max(unprofitable.sum(), 1)),
        "unprofitable_customers": int(unprofitable.sum()),
        "future_net_value": float(frame.loc[elastic, "future_net_value"].sum()),
        "current_loss": float(-frame.loc[elastic, "current_profit"].sum()),
        "mean_future_net_value": float(np.mean(frame.loc[elastic, "future_net_value"])) if elastic.any() else None,
    }
