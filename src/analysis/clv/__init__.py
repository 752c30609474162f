"""Customer lifetime value: buy-till-you-die models as statsmodels likelihood models, and the
course's textbook CLV."""

from .bgbb import BetaGeoBetaBinom, BetaGeoBetaBinomResults
from .bgnbd import BetaGeo, BetaGeoResults
from .gammagamma import GammaGamma, GammaGammaResults
from .mbgnbd import ModifiedBetaGeo, ModifiedBetaGeoResults
from .paretonbd import ParetoNBD, ParetoNBDResults
from .textbook import margin_multiple, textbook_clv
from .value import customer_lifetime_value

__all__ = [
    "BetaGeo", "BetaGeoBetaBinom", "BetaGeoBetaBinomResults", "BetaGeoResults", "GammaGamma",
    "GammaGammaResults", "ModifiedBetaGeo", "ModifiedBetaGeoResults", "ParetoNBD", "ParetoNBDResults", "customer_lifetime_value",
    "margin_multiple", "textbook_clv",
]
