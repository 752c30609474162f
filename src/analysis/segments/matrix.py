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


# a group of one-time buyers larger than this share of customers is not cut in two by the split
ONE_TIME_GROUP_SHARE = 0.05


def value_matrix(current: pd.Series, potential: pd.Series, split: float = 0.5,
                 one_time: np.ndarray | None = None) -> tuple[pd.Series, dict]:
    """Cell of each customer and the thresholds: high means at or above the ``split`` quantile.

    One-time buyers (``one_time``: a boolean mask) share one purchase history; a BTYD model's predicted value
    differs between them only by how long ago they bought, so a potential cut that falls inside
    their range would sort them into "develop" or "maintain" by acquisition date. When they are
    at least 5% of the customers and the cut falls inside their range, the cut moves up to just
    above their highest value (all of them low potential), and the move is recorded.
    """
    current_cut = float(np.quantile(current, split))
    potential_cut = float(np.quantile(potential, split))
    thresholds: dict = {"current": current_cut, "potential": potential_cut}
    values = potential.to_numpy(float)
    if one_time is not None and one_time.any():
        one_time = np.asarray(one_time, bool)
        if one_time.mean() >= ONE_TIME_GROUP_SHARE:
            low, high = float(values[one_time].min()), float(values[one_time].max())
            if low < potential_cut <= high:
                above = values[values > high]
                moved = float(above.min()) if above.size else float(np.nextafter(high, np.inf))
                thresholds.update(potential=moved, potential_quantile_cut=potential_cut, one_time_range=[low, high],
                                  one_time_customers=int(one_time.sum()))
    high_current = current.to_numpy() >= thresholds["current"]
    high_potential = values >= thresholds["potential"]
    names = [CELLS[(c, p)][0] for c in (False, True) for p in (False, True)]
    cells = pd.Categorical.from_codes(high_current * 2 + high_potential, categories=names)
    return pd.Series(cells, index=current.index, name="cell"), thresholds


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
