"""Retention and churn: sBG for contracts, survival analysis, churn rules and models, cohorts."""

from .churn_model import auc
from .sbg import ShiftedBetaGeometric, ShiftedBetaGeometricResults
from .survival import cox_model, kaplan_meier, kaplan_meier_by_group

__all__ = ["ShiftedBetaGeometric", "ShiftedBetaGeometricResults", "auc", "cox_model", "kaplan_meier",
           "kaplan_meier_by_group"]
