"""The ``pareto`` section of ``results.json``, as :func:`analysis.pareto.study.run_pareto` writes it."""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..core.section import NotEstimableRecord, Section, TableRecords


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Equivalence(_Part):
    """The TOST of |share − 0.8| < margin."""

    p_value: float
    equivalent: bool
    margin: float


class TailRecord(_Part):
    """The power-law tail of the values (:class:`analysis.pareto.tail.TailFit`)."""

    x_min: float
    alpha: float
    survival_exponent: float
    alpha_se: float
    n_tail: int
    ks_distance: float
    lognormal_loglik_ratio: float | None
    lognormal_p_value: float | None
    infinite_variance: bool
    verdict: Literal["power law", "lognormal", "cannot tell"]
    vuong_level: float


class TrustedInterval(_Part):
    """The interval of the top share the report tells readers to trust, and the rule that chose it."""

    interval: str
    ci: list[float | None]
    rule: Literal["no_tail", "finite_variance", "lognormal_tail", "power_law_tail", "tail_undecided"]
    bca_ci: list[float] | None = None  # with tail_undecided: the two intervals it joins
    tail_aware_ci: list[float] | None = None


class Persistence(_Part):
    """Whether the top customers of the first half of the window stay on top in the second."""

    split: str
    customers: int
    top_customers: int
    still_top: float | None
    second_half_share_of_first_top: float | None
    first_half_share: float | None
    still_buying: float | None


class CostAssumptions(_Part):
    margin_rate: float
    cost_per_order: float
    cost_per_customer_per_period: float
    cost_column: str | None


class Profit(_Part):
    """The whale curve (:class:`analysis.pareto.cost.WhaleCurve`), or why it is not estimable, with
    the cost assumptions and the total profit either way."""

    assumptions: CostAssumptions
    total_profit: float
    peak: float | None = None
    peak_at: float | None = None
    top20_share: float | None = None
    lost_on_unprofitable: float | None = None
    share_unprofitable: float | None = None
    bottom30_consumes: float | None = None
    status: Literal["not_estimable"] | None = None
    reason: str | None = None


class ParetoSection(Section):
    q: float
    value_measure: Literal["revenue", "purchases", "profit"]
    n_customers: int
    top_share: float
    top_share_ci: list[float | None]
    ci_level: float
    se: float
    bootstrap_se: float | None
    p_value_80: float | None
    tost: Equivalence
    gini: float
    xy_point: float
    hhi: float
    top10_customers_share: float
    shares: dict[str, float]  # top-q share by q ("0.2")
    tail_index: float | None
    tail: TailRecord | NotEstimableRecord
    trusted_interval: TrustedInterval
    windows: TableRecords  # window_months, windows, share_buyers, share_all_customers
    persistence: Persistence | NotEstimableRecord
    profit: Profit
    segments: TableRecords | None = None  # with a segment column: top share and Holm-adjusted p per segment


