"""The ``clv`` section of ``results.json``: the repeat-purchase models of a transaction log
(:meth:`analysis.clv.study.ClvStudy.to_dict`, with ``pareto_model_share`` from ``03_clv``) or the
BG/BB of an opportunity table (:meth:`analysis.clv.discrete.DiscreteClvStudy.to_dict`, tagged
``setting: discrete``)."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Tag

from ..core.section import NotEstimableRecord, Section, TableRecords, tagged_by


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class ModelFit(_Part):
    """A fitted likelihood model (:meth:`analysis.clv.base.BTYDResults.to_dict`)."""

    params: dict[str, float]
    se: dict[str, float | None]
    ci: dict[str, list[float | None] | None]  # None for a parameter held fixed
    loglik: float
    aic: float
    bic: float
    n: int | float  # customers, or a sum of weights
    converged: bool
    at_boundary: list[str]
    fixed: list[str] | None = None  # parameters held fixed, when any
    dropout_limit: dict[str, Any] | None = None  # Pareto/NBD at its exponential-dropout boundary


class ParetoModelShare(_Part):
    """The top-20% share of purchase rates the BG/NBD's Gamma(r, ·) implies (quoted by the 80/20 chapter)."""

    r: float
    top_share: float


# the model records, large and nested: named, typed loosely
HoldoutRecord = dict[str, Any]  # actual and predicted totals, errors, correlations, the model choice
ClvSummary = dict[str, Any]  # the recommended model's forecast: totals, intervals, alive paths
Diagnostics = dict[str, Any]  # period-transaction χ² tables per model, spend independence
CovariateEffects = dict[str, Any]  # the covariate model's effects (clv.covariates)


class TransactionClvSection(Section):
    """Each model of ``clv.models`` under its key (its fit, or why it is not estimable)."""

    bgnbd: ModelFit | NotEstimableRecord | None = None
    paretonbd: ModelFit | NotEstimableRecord | None = None
    mbgnbd: ModelFit | NotEstimableRecord | None = None
    gammagamma: ModelFit
    forecast_fits: dict[str, ModelFit]  # refitted on the whole window: the recommended model and Gamma-Gamma
    holdout: HoldoutRecord | NotEstimableRecord | None  # None without a calibration end
    model_comparison: TableRecords  # per model: loglik, AIC, BIC, convergence, holdout errors
    recommended_model: Literal["bgnbd", "paretonbd", "mbgnbd"]
    recommended_model_name: str
    recommendation_reason: str
    summary: ClvSummary
    diagnostics: Diagnostics
    covariates: CovariateEffects | None = None  # with clv.covariates
    holdout_by_frequency: TableRecords | None = None  # with a holdout: actual and predicted by calibration frequency
    pareto_model_share: ParetoModelShare | None = None  # when the BG/NBD was fitted


class DiscreteClvSection(Section):
    setting: Literal["discrete"]
    bgbb: ModelFit
    recommended_model: Literal["bgbb"]
    model_name: str
    reference: str
    diagnostics: Diagnostics
    summary: ClvSummary


ClvSection = Annotated[
    Annotated[TransactionClvSection, Tag("transactions")] | Annotated[DiscreteClvSection, Tag("discrete")],
    tagged_by("setting", "transactions"),
]
