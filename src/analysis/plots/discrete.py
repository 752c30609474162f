"""Figures of the CLV chapter for discrete-time (opportunity) data: BG/BB predictions by pattern."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..core.i18n import tr
from . import apply_style


def pattern_grid(results, n: int, kind: str) -> np.ndarray:
    """P(alive) (``kind="p_alive"``) or the expected transactions at the next opportunity
    (``kind="next"``) for every possible (frequency x, recency t_x) after n opportunities;
    rows t_x = 0..n, columns x = 0..n, NaN where no customer can be (x > t_x, or t_x > 0 with x = 0)."""
    x, t_x = np.meshgrid(np.arange(n + 1, dtype=float), np.arange(n + 1, dtype=float))
    possible = (x <= t_x) & ~((x == 0) & (t_x > 0))
    xs, ts = np.where(possible, x, 0.0), np.where(possible, t_x, 0.0)
    periods = np.full_like(xs, float(n))
    if kind == "p_alive":
        values = results.probability_alive(xs, ts, periods)
    else:
        values = results.conditional_expected_purchases(1.0, xs, ts, periods)
    return np.where(possible, values, np.nan)


def pattern_heatmap(results, n: int, kind: str = "p_alive") -> plt.Figure:
    """A value for every (frequency, recency) pattern after n opportunities, written in its cell
    (FHS 2010 tabulate P(alive) and the conditional expectations this way)."""
    apply_style()
    grid = pattern_grid(results, n, kind)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    mesh = ax.pcolormesh(np.arange(n + 1), np.arange(n + 1), grid, shading="nearest", cmap="viridis",
                         vmin=0, vmax=1 if kind == "p_alive" else None)
    for t in range(n + 1):
        for x in range(n + 1):
            if np.isfinite(grid[t, x]):
                ax.text(x, t, f"{grid[t, x]:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if grid[t, x] < 0.6 * np.nanmax(grid) else "black")
    label = tr("P(alive)", "存活概率 P(alive)") if kind == "p_alive" else tr(
        "expected transactions at the next opportunity", "下一次机会的预期交易次数")
    fig.colorbar(mesh, ax=ax, label=label)
    ax.set(xlabel=tr("repeat transactions (frequency)", "重复交易次数（frequency）"),
           ylabel=tr("opportunity of the last transaction (recency)", "最后一次交易所在的机会（recency）"))
    ax.grid(False)
    return fig
