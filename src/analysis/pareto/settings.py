"""Configuration of the 80/20 analysis (the ``pareto:`` section of a study config)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .cost import CostModel


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
