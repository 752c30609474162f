"""The course's current value × potential value matrix and its four strategies."""

from __future__ import annotations

import numpy as np
import pandas as pd

# the value-matrix scatter shows at most this many customers (a seeded sample): millions of dots
# draw as one blot and take minutes
PLOT_MAX_CUSTOMERS = 50_000

CELLS = {
    (True, True): ("keep", "high current, high potential: keep and reward"),
    (False, True): ("develop", "low current, high potential: develop"),
    (True, False): ("maintain", "high current, low potential: maintain at low cost"),
    (False, False): ("reconsider", "low current, low potential: reconsider before investing"),
}


def value_matrix(current: pd.Series, potential: pd.Series, split: float = 0.5) -> tuple[pd.Series, dict]:
    """Cell of each customer and the thresholds: high means at or above the ``split`` quantile."""
    current_cut = float(np.quantile(current, split))
    potential_cut = float(np.quantile(potential, split))
    high_current = current.to_numpy() >= current_cut
    high_potential = potential.to_numpy() >= potential_cut
    names = [CELLS[(c, p)][0] for c in (False, True) for p in (False, True)]
    cells = pd.Categorical.from_codes(high_current * 2 + high_potential, categories=names)
    return pd.Series(cells, index=current.index, name="cell"), {"current": current_cut, "potential": potential_cut}


def matrix_table(current: pd.Series, potential: pd.Series, cells: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"cell": cells, "current": current.to_numpy(), "potential": potential.to_numpy()})
    grouped = frame.groupby("cell", observed=True)
    table = pd.DataFrame({"customers": grouped.size(), "current_value": grouped["current"].sum(),
                          "potential_value": grouped["potential"].sum()})
    table["share_customers"] = table["customers"] / len(frame)
    table["share_current"] = table["current_value"] / frame["current"].sum()
    table["share_potential"] = table["potential_value"] / frame["potential"].sum()
    table["strategy"] = [next(text for name, text in CELLS.values() if name == cell) for cell in table.index]
    return table.reindex([name for name, _ in CELLS.values()]).dropna(subset=["customers"])
