"""Configuration of the CLV analysis (the ``clv:`` section of a study config)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# every model by its key in the config and in results.json, as the report names it (the one map of
# the kit): the three transaction models, the spend model and the discrete-time model
MODEL_NAMES = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD", "mbgnbd": "MBG/NBD", "gammagamma": "Gamma-Gamma",
               "bgbb": "BG/BB"}


class CovariateSettings(BaseModel):
    """Time-invariant customer covariates (``clv.covariates``): columns of a customer table
    (``path`` and ``key``, the column holding the customer ids of the transaction log), or, without
    ``path``, customer attributes of the transaction log (a column mapped to a role, e.g.
    ``data.columns.segment: Country``), named by role or by their column name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path | None = Field(default=None, description="customer table (.csv, .csv.gz, .tsv or .parquet)")
    key: str | None = Field(default=None, description="the table's customer id column")
    columns: list[str] = Field(min_length=1, description="covariate columns")
    top_levels: int = Field(default=8, ge=1, description="text columns: the most frequent levels kept, "
                            "the others pooled as 'other'")

    @model_validator(mode="after")
    def _key_with_path(self) -> CovariateSettings:
        if (self.path is None) != (self.key is None):
            raise ValueError("clv.covariates needs both path and key (a customer table), or neither "
                             "(columns of the transaction log)")
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"clv.covariates.columns repeats a column: {self.columns}")
        if self.key is not None and self.key in self.columns:
            raise ValueError(f"clv.covariates.key {self.key!r} is also listed as a covariate column")
        return self


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
    max_frequency_shown: int = Field(default=7, ge=1, description="holdout table: frequencies 0..n, n+")
    covariates: CovariateSettings | None = Field(default=None, description="customer covariates of the "
                                                 "recommended model (BG/NBD or Pareto/NBD)")
    interval_draws: int = Field(default=100, ge=20, description="parameter draws for each customer's "
                                "parameter interval of expected purchases")
