"""Testing the 80/20 rule: concentration measures, inference, tails, windows, persistence, profit."""

from __future__ import annotations

from ..core.lazy_exports import lazy_exports

# what the package exports and the module that defines it, imported on first use (lazy_exports)
_EXPORTS = {
    "Concentration": "study",
    "CostModel": "cost",
    "concentration": "study",
    "gamma_rate_top_share": "study",
    "gini": "measures",
    "hhi": "measures",
    "largest_share": "measures",
    "lorenz_curve": "measures",
    "pareto_columns": "study",
    "run_pareto": "study",
    "top_share": "measures",
    "whale_curve": "cost",
    "xy_point": "measures",
}
__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
