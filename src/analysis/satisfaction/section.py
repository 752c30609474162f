"""The ``satisfaction`` section of ``results.json``, as :func:`analysis.satisfaction.study.chapter_study`
writes it: behavioural loyalty from the log always, the survey when ``survey:`` is configured."""

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..core.section import Section, TableRecords


class Loyalty(BaseModel):
    """Behavioural loyalty from the log alone (:func:`analysis.satisfaction.study.loyalty_study`)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    repeat_rate: dict[str, Any]  # share of customers who bought again, with its interval
    ladder_rule: dict[str, Any]  # min_repeat, active_within, period
    ladder: TableRecords  # customers per rung of the loyalty ladder
    returns: dict[str, Any] | None  # cancellation lines per input row, when the cleaning counted them


# the survey's results (reliability, PLS path model, drivers, NPS, link to behaviour): large and
# nested, keyed by analysis; typed loosely
SurveyResults = dict[str, Any]


class SatisfactionSection(Section):
    loyalty: Loyalty
    survey: SurveyResults | None  # None without a survey: section
