"""The ``case_study`` section of ``results.json``: the claims :func:`analysis.narrative.claims.build`
decides from the other chapters' results."""

from typing import Any

from pydantic import BaseModel, ConfigDict

from ...core.section import Section


class Claim(BaseModel):
    """A claim the report makes: its id (worded by ``analysis.narrative.case_study``) and the
    numbers it rests on."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    id: str
    values: dict[str, Any]


class CaseStudySection(Section):
    what_works: list[Claim]
    lessons: list[Claim]
    limitations: list[Claim]
    recommendations: list[Claim]
