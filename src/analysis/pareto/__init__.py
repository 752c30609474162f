"""Testing the 80/20 rule: concentration measures, inference, tails, windows, persistence, profit."""

from .cost import CostModel, whale_curve
from .measures import gini, hhi, largest_share, lorenz_curve, top_share, xy_point
from .study import Concentration, concentration, gamma_rate_top_share, run_pareto

__all__ = [
    "Concentration", "CostModel", "concentration", "gamma_rate_top_share", "gini", "hhi",
    "largest_share", "lorenz_curve", "run_pareto", "top_share", "whale_curve", "xy_point",
]
