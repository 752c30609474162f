"""The CRM course's customer classes, by explicit rules applied in a fixed order.

Each customer gets the first class whose rule they meet:

1. ``lost`` — no purchase for ``lost_days`` and P(alive) below ``lost_p_alive`` (or, without a
   CLV model, no purchase for ``lost_days``);
2. ``dormant`` — no purchase for ``dormant_days`` (the dormant-account rule);
3. ``at_risk`` (silent) — P(alive) below ``at_risk_p_alive``, or silent for more than
   ``at_risk_gap_factor`` times their own mean gap between purchases;
4. ``core`` (VIP) — in the top ``core_share`` by historical value;
5. ``potential`` — in the top ``potential_share`` by predicted CLV (but not core);
6. ``active`` — everyone else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rfm import id_ranks, ranked_order
from .settings import SegmentSettings

CLASSES = ("core", "potential", "active", "at_risk", "dormant", "lost")


def top_share_flag(values: pd.Series, ids: pd.Series | np.ndarray, share: float) -> np.ndarray:
    ranks = ids if isinstance(ids, np.ndarray) else id_ranks(ids)
    flag = np.zeros(len(values), bool)
    flag[ranked_order(values, ranks, descending=True)[: int(round(share * len(values)))]] = True
    return flag


def assign_classes(customers: pd.DataFrame, as_of, settings: SegmentSettings,
                   ranks: np.ndarray | None = None) -> pd.Series:
    as_of = pd.Timestamp(as_of)
    silent = (as_of - customers["last_purchase"]).dt.days.to_numpy()
    has_model = "p_alive" in customers and "predicted_clv" in customers
    p_alive = customers["p_alive"].to_numpy() if has_model else np.full(len(customers), np.nan)
    span = (customers["last_purchase"] - customers["first_purchase"]).dt.days.to_numpy()
    usual_gap = np.where(customers["n_transactions"] > 1, span / np.maximum(customers["n_transactions"] - 1, 1), np.nan)
    ids = id_ranks(customers["customer_id"]) if ranks is None else ranks
    lost = silent >= settings.lost_days
    if has_model:
        lost &= p_alive < settings.lost_p_alive
    dormant = silent >= settings.dormant_days
    at_risk = (silent > settings.at_risk_gap_factor * usual_gap) & np.isfinite(usual_gap)
    if has_model:
        at_risk |= p_alive < settings.at_risk_p_alive
    core = top_share_flag(customers["total_value"], ids, settings.core_share)
    potential = (top_share_flag(customers["predicted_clv"], ids, settings.potential_share) if has_model
                 else np.zeros(len(customers), bool))
    labels = np.select([lost, dormant, at_risk, core, potential], ["lost", "dormant", "at_risk", "core", "potential"],
                       default="active")
    return pd.Series(pd.Categorical(labels, categories=CLASSES), index=customers.index, name="customer_class")


def class_table(customers: pd.DataFrame, classes: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"class": classes, "value": customers["total_value"].to_numpy()})
    if "predicted_clv" in customers:
        frame["clv"] = customers["predicted_clv"].to_numpy()
    grouped = frame.groupby("class", observed=False)
    table = pd.DataFrame({"customers": grouped.size(), "value": grouped["value"].sum()})
    table["share_customers"] = table["customers"] / table["customers"].sum()
    table["share_value"] = table["value"] / table["value"].sum()
    if "clv" in frame:
        table["predicted_clv"] = grouped["clv"].sum()
        table["share_predicted_clv"] = table["predicted_clv"] / table["predicted_clv"].sum()
    return table
