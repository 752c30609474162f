"""Confidence intervals shared by the satisfaction chapter: a mean's t interval, a share's Wilson
interval."""

from __future__ import annotations

import numpy as np
from scipy import stats


def t_interval(values, level: float = 0.95) -> tuple[int, float, float, float, float]:
    """(n, mean, standard error, lower, upper) of the mean of the non-missing values, t with n-1 df."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = values.size
    if n == 0:
        return 0, np.nan, np.nan, np.nan, np.nan
    mean = float(values.mean())
    if n == 1:
        return 1, mean, np.nan, np.nan, np.nan
    se = float(values.std(ddof=1) / np.sqrt(n))
    half = stats.t.ppf(0.5 + level / 2, n - 1) * se
    return n, mean, se, mean - half, mean + half


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval of a binomial share; (NaN, NaN) when n = 0.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22(158), 209-212. Brown, Cai & DasGupta (2001), Statistical Science 16(2), 101-133.
    """
    if n == 0:
        return np.nan, np.nan
    z = stats.norm.ppf(0.5 + level / 2)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return float(centre - half), float(centre + half)
