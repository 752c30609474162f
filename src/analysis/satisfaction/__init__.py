"""Customer satisfaction and loyalty: the survey half of the course, linked to the transaction log.

One module per concept: ``settings`` and ``survey`` (the ``survey:`` section and its strict
validation), ``measurement`` (means, top-box shares, reliability), ``pls`` (the ACSI/ECSI path model
and its 0-100 index), ``drivers`` (importance-performance, ordered logit, NPS), ``link``
(satisfaction -> behaviour), ``simulate`` (a survey with a known truth), ``loyalty`` (behavioural
loyalty from the log alone), ``catalogue`` (every English/Chinese string), ``study`` (the chapter's
results for ``results.json``).
"""

from .drivers import (
    NetPromoterScore,
    importance_performance,
    net_promoter_score,
    ordered_logit_drivers,
)
from .loyalty import loyalty_ladder, repeat_purchase_rate, return_rates
from .measurement import cronbach_alpha, feldt_interval, reliability_table
from .pls import PLSPathModel, PLSPathResults
from .settings import SurveySettings
from .simulate import simulate_survey
from .survey import SurveyTable, validate_survey

__all__ = [
    "NetPromoterScore", "PLSPathModel", "PLSPathResults", "SurveySettings", "SurveyTable", "cronbach_alpha",
    "feldt_interval", "importance_performance", "loyalty_ladder", "net_promoter_score", "ordered_logit_drivers",
    "reliability_table", "repeat_purchase_rate", "return_rates", "simulate_survey", "validate_survey",
]
