"""The statistical models, apart from the studies that use them: statsmodels likelihood models with
their results (BG/NBD, MBG/NBD, Pareto/NBD and its exponential-dropout limit, Gamma-Gamma, BG/BB,
sBG), the PLS path model, and seeded simulators with known truth for tests and benchmarks.

A model holds data and a likelihood; ``fit()`` returns a results object with estimates, standard
errors and predictions. Nothing here reads a config, a run folder or a report: the chapter packages
(``clv``, ``retention``, ``satisfaction``) call these models and re-export their names.
"""

from __future__ import annotations

from ..core.lazy_exports import lazy_exports

# what the package exports and the module that defines it, imported on first use (lazy_exports)
_EXPORTS = {
    "BetaGeo": "bgnbd",
    "BetaGeoBetaBinom": "bgbb",
    "BetaGeoBetaBinomResults": "bgbb",
    "BetaGeoResults": "bgnbd",
    "ExponentialDropoutNBD": "exponential_dropout",
    "ExponentialDropoutNBDResults": "exponential_dropout",
    "GammaGamma": "gammagamma",
    "GammaGammaResults": "gammagamma",
    "ModifiedBetaGeo": "mbgnbd",
    "ModifiedBetaGeoResults": "mbgnbd",
    "PLSPathModel": "pls",
    "PLSPathResults": "pls",
    "ParetoNBD": "paretonbd",
    "ParetoNBDResults": "paretonbd",
    "ShiftedBetaGeometric": "sbg",
    "ShiftedBetaGeometricResults": "sbg",
}
__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
