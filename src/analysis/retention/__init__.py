"""Retention and churn: sBG for contracts, survival analysis, churn rules and models, cohorts."""

from .churn_model import auc
from .ph_test import proportional_hazards_test, scaled_schoenfeld_residuals
from .sbg import ShiftedBetaGeometric, ShiftedBetaGeometricResults
from .survival import cox_model, kaplan_meier, kaplan_meier_by_group
from .survival_measures import concordance_index, restricted_mean_survival_time

__all__ = ["ShiftedBetaGeometric", "ShiftedBetaGeometricResults", "auc", "concordance_index", "cox_model",
           "kaplan_meier", "kaplan_meier_by_group", "proportional_hazards_test",
           "restricted_mean_survival_time", "scaled_schoenfeld_residuals"]
