"""Configuration of the 80/20 analysis (the ``pareto:`` section of a study config)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import pandas as pd


class CostModel(BaseModel):
    """A simple cost model, to turn revenue into profit per customer (see :mod:`analysis.pareto.cost`).

    Its fields are settings, so it lives here, where reading a config imports no pandas or numpy.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    margin_rate: float = Field(default=0.30, gt=0, le=1, description="gross margin on revenue")
    cost_per_order: float = Field(default=2.0, ge=0, description="handling cost of one purchase day")
    cost_per_customer_per_period: float = Field(
        default=0.10, ge=0, description="cost of keeping a customer on file per period (mailings, service)")
    cost_column: str | None = Field(default=None, description="a per-customer cost column, if the data has one")

    def profit(self, customers: pd.DataFrame) -> pd.Series:
        """Profit per customer from the customer summary (total_value, n_transactions, T)."""
        profit = (self.margin_rate * customers["total_value"]
                  - self.cost_per_order * customers["n_transactions"]
                  - self.cost_per_customer_per_period * customers["T"])
        if self.cost_column:
            profit = profit - customers[self.cost_column]
        return profit


class ParetoSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    q: float = Field(default=0.2, gt=0, lt=1, description="the 'top' share of customers tested")
    q_grid: list[float] = Field(default_factory=lambda: [0.01, 0.05, 0.10, 0.20, 0.50])
    value_measure: Literal["revenue", "purchases", "profit"] = "revenue"
    cost: CostModel = Field(default_factory=CostModel)
    n_boot: int = Field(default=2000, ge=100)
    level: float = Field(default=0.95, gt=0.5, lt=1)
    equivalence_margin: float = Field(default=0.05, gt=0, lt=0.5)
    window_months: list[int] = Field(default_factory=lambda: [1, 3, 6, 12])
    min_segment_customers: int = Field(default=30, ge=5)
