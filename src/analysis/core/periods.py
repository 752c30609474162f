"""Time units of the models: a period is a day, a week or an average month."""

from __future__ import annotations

from typing import Literal

Period = Literal["day", "week", "month"]

# An average Gregorian month, so that twelve months make a year of 365.25 days.
PERIOD_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}

# Periods per year, for converting an annual discount rate to a per-period one.
PERIODS_PER_YEAR: dict[str, float] = {name: 365.25 / days for name, days in PERIOD_DAYS.items()}
