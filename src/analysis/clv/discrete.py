"""The CLV chapter's analysis for discrete-time (opportunity) data: BG/BB.

Fits the beta-geometric/beta-Bernoulli model on the whole table (the data are a summary, so there is
no holdout to judge on), checks the fit with the period-transactions χ², and forecasts each
customer's (or pattern's) P(alive), expected transactions over the next opportunities and DERT.

References
----------
Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time
noncontractual setting. Marketing Science 29(6), 1086–1108.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..models.bgbb import BetaGeoBetaBinom
from .diagnostics import period_transactions
from .settings import MODEL_NAMES, ClvSettings

MODEL_NAME = MODEL_NAMES["bgbb"]
REFERENCE = ("Fader, Hardie & Shang (2010): likelihood eq. 5, P(X(n) = x) eq. 7, E[X(n)] eq. 8, P(alive) eq. 11, "
             "conditional expectation eq. 13, DERT eq. 15")
# the period-transactions χ²: cells with fewer expected customers are pooled; the test's level
MIN_EXPECTED, TEST_LEVEL = 5.0, 0.05


@dataclass
class DiscreteClvStudy:
    fit: Any
    predictions: pd.DataFrame  # one row per input row, with its weight
    diagnostics: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"setting": "discrete", "bgbb": self.fit.to_dict(), "recommended_model": "bgbb",
                "model_name": MODEL_NAME, "reference": REFERENCE, "diagnostics": self.diagnostics, "summary": self.summary}


def opportunity_discount_rate(annual_rate: float, opportunities_per_year: float) -> float:
    return (1 + annual_rate) ** (1 / opportunities_per_year) - 1


def run_bgbb(table: pd.DataFrame, settings: ClvSettings, *, opportunities_per_year: float = 1.0) -> DiscreteClvStudy:
    """``table``: columns customer_id, frequency, recency, periods, weight (``analysis.data.opportunity``)."""
    x, t_x, n, weight = (table[c].to_numpy(float) for c in ("frequency", "recency", "periods", "weight"))
    fit = BetaGeoBetaBinom(x, t_x, n, weights=weight).fit()
    horizon = settings.horizon_opportunities
    rate = opportunity_discount_rate(settings.discount_rate, opportunities_per_year)
    # the longest observed history is the natural "all opportunities" row of the χ² table
    max_count = int(min(settings.max_frequency_shown, n.max()))
    check = period_transactions(fit, x, n, max_count=max_count, weights=weight, min_expected=MIN_EXPECTED)
    diagnostics = {"period_transactions": {
        "bgbb": {**check.to_dict(), "min_expected": MIN_EXPECTED, "level": TEST_LEVEL}}}
    predictions = pd.DataFrame({
        "customer_id": table["customer_id"].to_numpy(),
        "frequency": x, "recency": t_x, "periods": n, "weight": weight,
        "p_alive": fit.probability_alive(x, t_x, n),
        "expected_transactions": fit.conditional_expected_purchases(horizon, x, t_x, n),
        "dert": fit.discounted_expected_residual_transactions(rate, x, t_x, n),
    })
    customers = float(weight.sum())

    def weighted_mean(column: str) -> float:
        return float(predictions[column].to_numpy() @ weight / customers)

    ordered = predictions.sort_values("dert", ascending=False, kind="stable")
    cumulative = ordered["weight"].cumsum().to_numpy()
    top_customers = 0.2 * customers
    # the value of the top 20% of customers, splitting the pattern that straddles the cut
    before = np.concatenate([[0.0], cumulative[:-1]])
    taken = np.clip(top_customers - before, 0, ordered["weight"].to_numpy())
    total_dert = float(predictions["dert"].to_numpy() @ weight)
    summary = {
        "model": "bgbb", "customers": customers, "horizon_opportunities": horizon,
        "opportunities_per_year": opportunities_per_year, "discount_rate_annual": settings.discount_rate,
        "discount_rate_opportunity": rate,
        "expected_transactions_total": float(predictions["expected_transactions"].to_numpy() @ weight),
        "expected_transactions_new_customer": float(fit.expected_purchases(horizon)),
        "mean_p_alive": weighted_mean("p_alive"), "mean_dert": weighted_mean("dert"), "total_dert": total_dert,
        "top20_share_of_dert": float(taken @ ordered["dert"].to_numpy() / total_dert) if total_dert > 0 else None,
        "mean_churn_probability": float(fit.params["gamma"] / (fit.params["gamma"] + fit.params["delta"])),
        "mean_transaction_probability": float(fit.params["alpha"] / (fit.params["alpha"] + fit.params["beta"])),
    }
    return DiscreteClvStudy(fit=fit, predictions=predictions, diagnostics=diagnostics, summary=summary)


def pattern_table(predictions: pd.DataFrame) -> pd.DataFrame:
    """Customers and predictions per (frequency, recency, periods) pattern (FHS 2010, Table 3 style)."""
    keys = predictions[["periods", "frequency", "recency"]].astype(int)
    grouped = predictions.assign(**keys).groupby(list(keys), sort=True)
    return grouped.agg(customers=("weight", "sum"), p_alive=("p_alive", "first"),
                       expected_transactions=("expected_transactions", "first"), dert=("dert", "first"))
