"""Configuration of the retention analysis (the ``retention:`` section of a study config)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RetentionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    churn_threshold: Literal["auto", "dormant"] | int = Field(
        default="auto", description="days without purchase that count as churn: auto (a quantile of "
        "inter-purchase gaps), dormant (the dormant-account rule) or a number of days")
    gap_quantile: float = Field(default=0.9, gt=0.5, lt=1)
    dormant_days: int = Field(default=365, gt=0, description="the course's dormant-account rule")
    sensitivity_days: list[int] = Field(default_factory=lambda: [30, 60, 90, 180, 270, 365])
    cohort_months: int = Field(default=18, ge=1)
    covariates: list[str] | None = Field(
        default=None, description="contractual data: Cox/Logit covariates (default: data.covariates)")
    categorical: list[str] | None = Field(default=None, description="covariates to treat as categories")
    annual_margin: float | None = Field(default=None, description="margin per retained customer and year "
                                        "(default: from the data)")
    margin_rate: float = Field(default=0.30, gt=0, le=1)
    acquisition_cost: float | None = Field(default=None, ge=0)
    discount_rate: float = Field(default=0.10, ge=0)
    cox_max_customers: int = Field(
        default=1_000_000, ge=1000, description="non-contractual data: the Cox model is fitted on a seeded "
        "random sample of this many customers when there are more (its design matrix and residuals are "
        "customers × terms; at 10 million customers they alone take several GB)")
    test_share: float = Field(default=0.3, gt=0, lt=1, description="contractual data: held-out share for the churn model")
