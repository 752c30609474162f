"""Customer lifetime value: buy-till-you-die models as statsmodels likelihood models, and the
course's textbook CLV."""

from __future__ import annotations

from ..core.lazy_exports import lazy_exports

# what the package exports and the module that defines it, imported on first use (lazy_exports)
_EXPORTS = {
    "BetaGeo": "bgnbd",
    "BetaGeoBetaBinom": "bgbb",
    "BetaGeoBetaBinomResults": "bgbb",
    "BetaGeoResults": "bgnbd",
    "GammaGamma": "gammagamma",
    "GammaGammaResults": "gammagamma",
    "ModifiedBetaGeo": "mbgnbd",
    "ModifiedBetaGeoResults": "mbgnbd",
    "ParetoNBD": "paretonbd",
    "ParetoNBDResults": "paretonbd",
    "customer_lifetime_value": "value",
    "margin_multiple": "textbook",
    "textbook_clv": "textbook",
}
__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
