"""Figures: one module per chapter; each function returns a matplotlib Figure."""

from __future__ import annotations

import numpy as np
import seaborn as sns

PALETTE = "deep"
# a curve through one vertex per customer looks the same through this many on a figure a few hundred
# pixels wide, and keeps the PDF small and quick to draw at 10^7 customers
CURVE_VERTICES = 2000


def apply_style() -> None:
    """The house style for every figure (called by each figure function); in a Chinese report the
    CJK font is put back after seaborn resets the fonts."""
    from ..core.i18n import language

    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    if language() == "zh":
        from ..report.fonts import use_cjk_in_matplotlib

        use_cjk_in_matplotlib()


def plain_text(value) -> str:
    """Text from data as matplotlib draws it literally: an unescaped ``$`` starts mathtext (``$x$``
    renders as math, ``$\\textbf{a}$`` stops the figure)."""
    return str(value).replace("$", r"\$")


def curve_vertices(size: int, max_vertices: int = CURVE_VERTICES) -> np.ndarray:
    """Indices of the vertices to draw of a curve with ``size`` vertices: all of them up to
    ``max_vertices``, else half evenly spaced and half spaced evenly in log from the start, where
    a curve ranked from the top (Lorenz, whale) is steepest; the first and the last included."""
    if size <= max_vertices:
        return np.arange(size)
    even = np.linspace(0, size - 1, max_vertices // 2)
    from_start = np.geomspace(1, size, max_vertices - max_vertices // 2) - 1
    return np.unique(np.round(np.concatenate([even, from_start])).astype(np.int64))


def log_spaced_ranks(size: int, max_points: int, keep_top: int) -> np.ndarray:
    """Ranks (0 = the largest) of the points to draw on a log-scaled rank axis: all when ``size`` ≤
    ``max_points``, else the ``keep_top`` largest and, below them, ranks evenly spaced in log."""
    if size <= max_points:
        return np.arange(size)
    spread = np.geomspace(keep_top + 1, size, max_points - keep_top)
    return np.unique(np.concatenate([np.arange(keep_top), np.round(spread).astype(np.int64) - 1]))
