"""Configuration of the segmentation (the ``segments:`` section of a study config)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ClassResponse(BaseModel):
    """Assumed response of one customer class to a retention or development contact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cost_per_contact: float = Field(ge=0)
    uplift: float = Field(ge=0, description="expected relative increase of the class's predicted CLV")
    max_share: float = Field(default=1.0, ge=0, le=1, description="share of the class that can be reached")


def _default_responses() -> dict[str, ClassResponse]:
    return {
        "core": ClassResponse(cost_per_contact=5.0, uplift=0.05),
        "potential": ClassResponse(cost_per_contact=3.0, uplift=0.10),
        "at_risk": ClassResponse(cost_per_contact=3.0, uplift=0.15),
        "active": ClassResponse(cost_per_contact=1.0, uplift=0.03),
        "dormant": ClassResponse(cost_per_contact=1.0, uplift=0.05, max_share=0.5),
        "lost": ClassResponse(cost_per_contact=1.0, uplift=0.0, max_share=0.0),
    }


class SegmentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    core_share: float = Field(default=0.2, gt=0, lt=1, description="top share by historical value = core")
    potential_share: float = Field(default=0.2, gt=0, lt=1, description="top share by predicted CLV = potential")
    dormant_days: int = Field(default=365, gt=0, description="the dormant-account rule")
    lost_days: int = Field(default=540, gt=0, description="no purchase for this long and P(alive) below lost_p_alive: lost")
    lost_p_alive: float = Field(default=0.1, ge=0, le=1)
    at_risk_p_alive: float = Field(default=0.5, ge=0, le=1)
    at_risk_gap_factor: float = Field(default=2.0, gt=1, description="silent for this many of the customer's usual gaps")
    matrix_split: float = Field(default=0.5, gt=0, lt=1, description="quantile splitting low from high in the value matrix")
    budget: float = Field(default=10_000.0, ge=0)
    responses: dict[str, ClassResponse] = Field(default_factory=_default_responses)
