"""The ``data`` section of ``results.json``: what the cleaned data holds.

Written by ``01_data`` for a transaction log (:func:`analysis.data.describe.describe_transactions`)
and by the pipeline for a contractual table (:func:`~analysis.data.describe.describe_contracts`)
or an opportunity table (:func:`analysis.data.opportunity.describe_opportunities`); the last two
carry their ``kind``.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Tag

from ..core.section import Section, tagged_by


class Quantiles(BaseModel):
    """Mean, quantiles and largest value of a distribution (None where there are no values)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    mean: float | None
    p10: float | None
    p25: float | None
    median: float | None
    p75: float | None
    p90: float | None
    p99: float | None
    max: float | None


class CalibrationCounts(BaseModel):
    """The customers first seen before the calibration end, and their purchases on either side of it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    customers: int
    repeat_transactions: int
    holdout_transactions: int
    repeat_buyers: int
    duration_holdout: float | None


class TransactionDataSection(Section):
    customers: int
    transactions: int
    repeat_transactions: int
    first_date: str | None  # ISO date (None for an empty log)
    last_date: str | None
    total_value: float
    amount: Quantiles
    purchases_per_customer: Quantiles
    share_one_time_buyers: float | None
    calibration: CalibrationCounts | None = None  # absent without a calibration end


class ContractDataSection(Section):
    status: Literal["ok"] | None = None  # written by the pipeline, not by a notebook: no status
    kind: Literal["contractual"]
    customers: int
    churned: int
    share_churned: float | None
    tenure: Quantiles
    zero_tenure: int
    blank_covariates: dict[str, int]


class OpportunityDataSection(Section):
    status: Literal["ok"] | None = None  # written by the pipeline, not by a notebook: no status
    kind: Literal["opportunity"]
    months_per_opportunity: int | None  # None unless summarised from a dated log
    rows: int
    customers: float  # a sum of weights
    periods_min: float
    periods_max: float
    repeat_transactions: float
    share_no_repeat: float
    share_active_last: float


DataSection = Annotated[
    Annotated[TransactionDataSection, Tag("transactions")]
    | Annotated[ContractDataSection, Tag("contractual")]
    | Annotated[OpportunityDataSection, Tag("opportunity")],
    tagged_by("kind", "transactions"),
]
