"""Concentration measures of a non-negative value per customer.

The Lorenz curve is the piecewise-linear curve through (i/n, share of the i smallest values). The
top-q share is read off it, S(q) = 1 − L(1 − q), so it is defined for any q, including q·n not a
whole number (the customer on the boundary counts in proportion).
"""

from __future__ import annotations

import numpy as np


def _sorted_values(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("values must be a non-empty one-dimensional array")
    if np.any(~np.isfinite(x)) or np.any(x < 0):
        raise ValueError("values must be finite and non-negative")
    if x.sum() <= 0:
        raise ValueError("values sum to zero: concentration is undefined")
    return np.sort(x, kind="stable")


def lorenz_curve(values) -> tuple[np.ndarray, np.ndarray]:
    """Population shares p and value shares L(p), from (0, 0) to (1, 1), smallest values first."""
    x = _sorted_values(values)
    p = np.arange(x.size + 1) / x.size
    lorenz = np.concatenate([[0.0], np.cumsum(x)]) / x.sum()
    return p, lorenz


def lorenz_at(sorted_values: np.ndarray, p: float, total: float | None = None) -> float:
    """L(p) for already sorted values (ascending), interpolating inside the boundary customer."""
    n = sorted_values.size
    position = p * n
    whole = int(np.floor(position))
    partial = position - whole
    below = sorted_values[:whole].sum()
    if whole < n:
        below += partial * sorted_values[whole]
    return float(below / (sorted_values.sum() if total is None else total))


def top_share(values, q: float = 0.2) -> float:
    """Share of the total held by the top ``q`` of customers (0 < q ≤ 1)."""
    if not 0 < q <= 1:
        raise ValueError(f"q must be in (0, 1], got {q}")
    x = _sorted_values(values)
    return 1.0 - lorenz_at(x, 1.0 - q)


def gini(values) -> float:
    """Gini coefficient, 1 − 2 × (area under the Lorenz curve)."""
    x = _sorted_values(values)
    n = x.size
    ranks = np.arange(1, n + 1)
    return float(2 * np.sum(ranks * x) / (n * x.sum()) - (n + 1) / n)


def xy_point(values) -> float:
    """The p at which the top p of customers hold 1 − p of the value (0.2 for an exact 80/20)."""
    p, lorenz = lorenz_curve(values)
    # top p holds 1 − L(1 − p); solve L(u) + u = 1 for u = 1 − p on the piecewise-linear curve
    excess = lorenz + p - 1
    j = int(np.searchsorted(excess, 0.0))
    if j == 0:
        return 1.0
    u = p[j - 1] + (p[j] - p[j - 1]) * (0 - excess[j - 1]) / (excess[j] - excess[j - 1])
    return float(1 - u)


def hhi(values) -> float:
    """Herfindahl–Hirschman index of customer shares (1/n when equal, 1 for one customer)."""
    x = _sorted_values(values)
    shares = x / x.sum()
    return float(np.sum(shares**2))


def largest_share(values, k: int = 10) -> float:
    """Share of the ``k`` largest customers (dependence risk)."""
    x = _sorted_values(values)
    return float(x[-k:].sum() / x.sum())
