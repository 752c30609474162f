"""Customer satisfaction and loyalty: the survey half of the course, linked to the transaction log.

One module per concept: ``settings`` and ``survey`` (the ``survey:`` section and its strict
validation), ``measurement`` (means, top-box shares, reliability), the ACSI/ECSI path model and
its 0-100 index (``analysis.models.pls``, re-exported here), ``drivers`` (importance-performance, ordered logit, NPS), ``link``
(satisfaction -> behaviour), ``simulate`` (a survey with a known truth), ``loyalty`` (behavioural
loyalty from the log alone), ``catalogue`` (every English/Chinese string), ``study`` (the chapter's
results for ``results.json``).
"""

from __future__ import annotations

from ..core.lazy_exports import lazy_exports

# what the package exports and the module that defines it, imported on first use (lazy_exports)
_EXPORTS = {
    "NetPromoterScore": "drivers",
    "PLSPathModel": "..models.pls",
    "PLSPathResults": "..models.pls",
    "SurveySettings": "settings",
    "SurveyTable": "survey",
    "cronbach_alpha": "measurement",
    "feldt_interval": "measurement",
    "importance_performance": "drivers",
    "loyalty_ladder": "loyalty",
    "net_promoter_score": "drivers",
    "ordered_logit_drivers": "drivers",
    "reliability_table": "measurement",
    "repeat_purchase_rate": "loyalty",
    "return_rates": "loyalty",
    "simulate_survey": "simulate",
    "validate_survey": "survey",
}
__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
