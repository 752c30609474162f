"""Customer lifetime value: the chapter's fits of the buy-till-you-die models (defined in
``analysis.models``, re-exported here), their diagnostics and value, and the course's textbook CLV."""

from __future__ import annotations

from ..core.lazy_exports import lazy_exports

# what the package exports and the module that defines it, imported on first use (lazy_exports)
_EXPORTS = {
    "BetaGeo": "..models.bgnbd",
    "BetaGeoBetaBinom": "..models.bgbb",
    "BetaGeoBetaBinomResults": "..models.bgbb",
    "BetaGeoResults": "..models.bgnbd",
    "GammaGamma": "..models.gammagamma",
    "GammaGammaResults": "..models.gammagamma",
    "ModifiedBetaGeo": "..models.mbgnbd",
    "ModifiedBetaGeoResults": "..models.mbgnbd",
    "ParetoNBD": "..models.paretonbd",
    "ParetoNBDResults": "..models.paretonbd",
    "customer_lifetime_value": "value",
    "margin_multiple": "textbook",
    "textbook_clv": "textbook",
}
__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
