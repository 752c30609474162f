"""The ``retention`` section of ``results.json``: :func:`analysis.retention.study.run_retention_transactions`
(``setting: non-contractual``) or :func:`~analysis.retention.study.run_retention_contractual`
(``setting: contractual``)."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Tag

from ..core.section import NotEstimableRecord, Section, TableRecords, tagged_by


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class KaplanMeier(_Part):
    """The Kaplan–Meier curve of all customers: median lifetime, counts, restricted mean."""

    median: float | None  # None when the curve never falls to one half
    median_ci: list[float | None]
    n: int
    events: int
    censored: int
    rmst: dict[str, Any] | None  # restricted mean survival time: rmst, se, ci, horizon (None: no time observed)
    period: Literal["day", "week", "month"]


class ChurnRule(_Part):
    """The rule that calls a customer churned in a non-contractual log."""

    threshold_days: int | float
    rule: str
    gap_quantile: float
    dormant_days: int | float
    share_churned: float
    censored: int


# nested records of the models, named and typed loosely
CoxRecord = dict[str, Any]  # status ok: hazard ratios, fit, PH check, concordance; or not estimable
ChurnModelRecord = dict[str, Any]  # logit churn model: AUC, lift, coefficients, calibration table
GroupComparison = dict[str, Any]  # log-rank test and median lifetime per group
RetentionEconomics = dict[str, Any]  # value of a retained customer under the stated margin and discount
SbgRecord = dict[str, Any]  # sBG per cohort: fit, projection, holdout errors, DERL


class TransactionRetentionSection(Section):
    setting: Literal["non-contractual"]
    churn_rule: ChurnRule
    km: KaplanMeier
    km_by_cohort: GroupComparison
    cox: CoxRecord
    churn_model: ChurnModelRecord | NotEstimableRecord | None  # None without a calibration end
    rule_vs_p_alive: dict[str, Any] | None  # None unless the CLV chapter wrote p_alive
    cohorts: dict[str, Any]  # average retention curve by month since the first purchase
    threshold_sensitivity: TableRecords  # share churned and median lifetime per churn threshold
    economics: RetentionEconomics | None


class ContractRetentionSection(Section):
    setting: Literal["contractual"]
    km: KaplanMeier
    km_by_group: GroupComparison | None  # None without a grouping covariate
    cox: CoxRecord
    excluded_from_models: int
    sbg: SbgRecord
    churn_model: ChurnModelRecord | NotEstimableRecord
    economics: RetentionEconomics | None


RetentionSection = Annotated[
    Annotated[TransactionRetentionSection, Tag("non-contractual")]
    | Annotated[ContractRetentionSection, Tag("contractual")],
    tagged_by("setting", ""),
]
