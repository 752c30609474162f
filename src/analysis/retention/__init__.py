"""Retention and churn: sBG for contracts (defined in ``analysis.models``, re-exported here),
survival analysis, churn rules and models, cohorts."""

from __future__ import annotations

from ..core.lazy_exports import lazy_exports

# what the package exports and the module that defines it, imported on first use (lazy_exports)
_EXPORTS = {
    "ShiftedBetaGeometric": "..models.sbg",
    "ShiftedBetaGeometricResults": "..models.sbg",
    "auc": "churn_model",
    "concordance_index": "survival_measures",
    "cox_model": "survival",
    "kaplan_meier": "survival",
    "kaplan_meier_by_group": "survival",
    "proportional_hazards_test": "ph_test",
    "restricted_mean_survival_time": "survival_measures",
    "scaled_schoenfeld_residuals": "ph_test",
}
__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
