"""Configuration of the satisfaction survey (the ``survey:`` section of a study config).

Example (the ECSI mobile-phone survey)::

    survey:
      path: ../shared/datasets/satisfaction/ecsi_mobile_phone.csv
      scale: [1, 10]
      missing_codes: [-99]
      dimensions:
        Image: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]
        Expectation: [CUEX1, CUEX2, CUEX3]
        ...
      paths: [[Image, Expectation], [Image, Satisfaction], ...]
      target: Satisfaction

A simulated survey (for teaching and for checking the link analysis against a known truth) replaces
``path`` by ``simulate: {seed, effect}``: the chapter's notebook then draws the answers of the
study's own customers with :func:`analysis.satisfaction.simulate.simulate_survey` (columns
``customer_id``, ``Service1..3``, ``Product1..3``, ``Price1..3``, ``overall`` on 1-5 and
``recommend`` on 0-10), writes them to the run folder and reads them back through the same
validation as a real file; the report labels the survey as simulated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SimulatedSurveySettings(BaseModel):
    """A survey simulated from the study's customers, with a known satisfaction effect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(description="seed of the simulation")
    effect: float = Field(default=0.5, description="true log-odds of buying again per point of overall satisfaction")


class SurveySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path | None = Field(default=None, description="survey table: one row per respondent (csv, xlsx or parquet)")
    simulate: SimulatedSurveySettings | None = Field(
        default=None, description="instead of a path: simulate the answers of the study's customers")
    format: Literal["auto", "csv", "xlsx", "parquet"] = Field(default="auto")
    dimensions: dict[str, list[str]] = Field(description="dimension (construct) -> its item columns")
    scale: tuple[float, float] = Field(description="answer scale of the items, e.g. [1, 5] or [1, 10]")
    item_scales: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="items on another scale than `scale`")
    missing_codes: list[float] = Field(
        default_factory=list, description="codes meaning 'no answer' (e.g. -99, 99): read as missing")
    missing_labels: list[str] = Field(
        default_factory=list, description="text answers meaning 'no answer' (e.g. NA, n/a, 不适用): read as missing")
    reverse_items: list[str] = Field(
        default_factory=list, description="reverse-scored items, recoded as scale_min + scale_max - x")
    overall_item: str | None = Field(default=None, description="overall satisfaction item (ordered logit)")
    recommend_item: str | None = Field(default=None, description="likelihood to recommend, 0-10 (NPS)")
    customer_id: str | None = Field(default=None, description="column joining the transaction log")
    paths: list[tuple[str, str]] = Field(default_factory=list, description="(source, target) dimension links")
    target: str | None = Field(default=None, description="construct whose drivers are ranked (IPMA)")
    top_box: int = Field(default=2, ge=1, description="top-k box: share answering in the k highest categories")
    bootstrap: int = Field(default=500, ge=0, description="PLS bootstrap replicates (0: none)")
    seed: int = Field(default=20261130, description="seed of the PLS bootstrap")
    level: float = Field(default=0.95, gt=0, lt=1)

    @model_validator(mode="after")
    def _consistent(self) -> SurveySettings:
        if (self.path is None) == (self.simulate is None):
            raise ValueError("give either path (a survey file) or simulate (a simulated survey), not both or neither")
        if self.scale[0] >= self.scale[1]:
            raise ValueError(f"scale must be [min, max] with min < max, not {list(self.scale)}")
        items = [item for block in self.dimensions.values() for item in block]
        repeated = sorted({item for item in items if items.count(item) > 1})
        if repeated:
            raise ValueError(f"items listed in more than one dimension: {repeated}")
        for name, block in self.dimensions.items():
            if not block:
                raise ValueError(f"dimension {name!r} has no items")
        unknown = [item for item in [*self.reverse_items, *self.item_scales] if item not in items]
        if unknown:
            raise ValueError(f"reverse_items/item_scales name items of no dimension: {unknown}")
        for source, target in self.paths:
            for end in (source, target):
                if end not in self.dimensions:
                    raise ValueError(f"path [{source}, {target}] names {end!r}, which is not a dimension")
        if self.target is not None and self.target not in self.dimensions:
            raise ValueError(f"target {self.target!r} is not a dimension")
        for lo, hi in self.item_scales.values():
            if lo >= hi:
                raise ValueError(f"item scale must be [min, max] with min < max, not {[lo, hi]}")
        return self

    @property
    def items(self) -> list[str]:
        return [item for block in self.dimensions.values() for item in block]

    def bounds(self, item: str) -> tuple[float, float]:
        """The answer scale of one item (0-10 for the recommend item)."""
        if item == self.recommend_item:
            return (0.0, 10.0)
        return tuple(map(float, self.item_scales.get(item, self.scale)))
