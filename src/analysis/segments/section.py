"""The ``segments`` section of ``results.json``, as :func:`analysis.segments.study.run_segments` writes it."""

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..core.section import Section, TableRecords


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class RfmMeans(_Part):
    """Mean value per customer by recency and by frequency quintile (keys "1" to "5")."""

    mean_value_by_R: dict[str, float]
    mean_value_by_F: dict[str, float]


class ValueMatrix(_Part):
    """Current value × predicted CLV: the thresholds that split them and the four cells."""

    thresholds: dict[str, Any]
    cells: TableRecords  # cell, strategy, customers, current and potential value and shares
    customers: int
    plotted_customers: int


class ElasticCustomers(_Part):
    """Unprofitable customers whose future net value is positive (worth keeping at a lower cost)."""

    customers: int
    share_of_unprofitable: float
    unprofitable_customers: int
    future_net_value: float
    current_loss: float
    mean_future_net_value: float | None


class Allocation(_Part):
    """The contact budget spread over the classes by expected gain, against an even spread."""

    budget: float
    spent: float
    expected_gain: float
    even_gain: float
    gain_ratio: float | None
    return_per_dollar: float | None
    classes_that_pay_back: list[str]
    same_as_even: bool
    budget_used_up: bool
    plan: TableRecords  # per class: contacts, spend, expected gain
    assumptions: dict[str, dict[str, Any]]  # the response model of each class (segments.responses)
    sensitivity: TableRecords  # the plan's gain as the responses vary


class SegmentsSection(Section):
    as_of: str  # ISO date
    customers: int
    rules: dict[str, Any]  # the segments settings that drew the classes (segments.*, without responses and budget)
    classes: TableRecords  # per class: customers, value, predicted CLV and their shares
    rfm: RfmMeans
    uses_clv_model: bool
    matrix: ValueMatrix | None = None  # the three keys below only when the CLV chapter wrote predictions
    elastic: ElasticCustomers | None = None
    allocation: Allocation | None = None
