"""Configuration of the CLV analysis (the ``clv:`` section of a study config)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClvSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    models: list[Literal["bgnbd", "paretonbd", "mbgnbd"]] = Field(
        default_factory=lambda: ["bgnbd", "paretonbd", "mbgnbd"],
        description="transaction models to fit and compare",
    )
    horizon_periods: int = Field(default=52, gt=0, description="CLV horizon, in analysis periods")
    horizon_opportunities: int = Field(default=5, gt=0, description="opportunity data: forecast horizon, "
                                       "in transaction opportunities")
    discount_rate: float = Field(default=0.10, ge=0, description="annual discount rate")
    margin: float = Field(default=0.30, gt=0, le=1, description="gross margin on spend")
    n_draws: int = Field(default=200, ge=20, description="parameter draws for the total-CLV interval")
    max_frequency_shown: int = Field(default=7, ge=1, description="holdout table: frequencies 0..n, n+")
