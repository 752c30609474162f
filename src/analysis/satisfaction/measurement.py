"""Measurement quality of a satisfaction survey: means, top-box shares, reliability, validity.

Missing answers are handled as follows (and each table says how many answers it used):

- item means and top-box shares: *pairwise*, every item on the respondents who answered it;
- dimension means and Cronbach's alpha: *listwise within the dimension*, respondents who answered
  every item of that dimension (alpha's formula needs one covariance matrix of the block);
- composite reliability and AVE: from the PLS outer loadings, hence listwise over all items, as the
  PLS model itself (see :mod:`analysis.models.pls`).

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika
    16(3), 297-334.
Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson reliability
    coefficient twenty. Psychometrika 30(3), 357-370.
Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical inference for coefficient alpha.
    Applied Psychological Measurement 11(1), 93-103 (the F interval used here).
Werts, C. E., Linn, R. L. & Jöreskog, K. G. (1974). Intraclass reliability estimates: testing
    structural assumptions. Educational and Psychological Measurement 34(1), 25-33 (rho_c).
Fornell, C. & Larcker, D. F. (1981). Evaluating structural equation models with unobservable
    variables and measurement error. Journal of Marketing Research 18(1), 39-50 (AVE).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .intervals import t_interval, wilson_interval


def item_means(answers: pd.DataFrame, items: list[str], level: float = 0.95) -> pd.DataFrame:
    """Mean of each item with its t interval (pairwise: each item on its own answers)."""
    rows = {}
    for item in items:
        n, mean, se, lower, upper = t_interval(answers[item], level)
        rows[item] = {"n": n, "mean": mean, "std_error": se, "lower": lower, "upper": upper}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("item")


def dimension_scores(answers: pd.DataFrame, dimensions: dict[str, list[str]]) -> pd.DataFrame:
    """Each respondent's mean answer per dimension; NaN unless every item of it was answered."""
    return pd.DataFrame({name: answers[items].mean(axis=1, skipna=False)
                         for name, items in dimensions.items()}, index=answers.index)


def dimension_means(answers: pd.DataFrame, dimensions: dict[str, list[str]], level: float = 0.95) -> pd.DataFrame:
    """Mean of the dimension scores (listwise within each dimension) with its t interval."""
    scores = dimension_scores(answers, dimensions)
    rows = {}
    for name in dimensions:
        n, mean, se, lower, upper = t_interval(scores[name], level)
        rows[name] = {"n": n, "mean": mean, "std_error": se, "lower": lower, "upper": upper}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("dimension")


def top_box_shares(answers: pd.DataFrame, items: list[str], scale_max: float | dict[str, float],
                   boxes: int = 2, level: float = 0.95) -> pd.DataFrame:
    """Share of answers in the ``boxes`` highest categories (x > scale_max - boxes), Wilson interval.

    With integer answers on 1..max and ``boxes=2`` this is the usual top-2-box share (4 or 5 on a
    1-5 scale; 9 or 10 on a 1-10 scale).
    """
    rows = {}
    for item in items:
        top = scale_max[item] if isinstance(scale_max, dict) else scale_max
        values = answers[item].dropna().to_numpy()
        hits = int(np.sum(values > top - boxes))
        lower, upper = wilson_interval(hits, values.size, level)
        rows[item] = {"n": values.size, "top_box": hits, "share": hits / values.size if values.size else np.nan,
                      "lower": lower, "upper": upper}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("item")


def cronbach_alpha(block: pd.DataFrame) -> tuple[float, int, int]:
    """(alpha, n, k): Cronbach's alpha of the respondents who answered every item of the block.

    alpha = k/(k-1) * (1 - sum of item variances / variance of the sum) (Cronbach 1951),
    written with the block's covariance matrix C as k/(k-1) * (1 - trace C / sum C).
    """
    complete = block.dropna()
    n, k = complete.shape
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least two items")
    if n < 2:
        return np.nan, n, k
    covariance = np.cov(complete.to_numpy(), rowvar=False)
    return float(k / (k - 1) * (1 - np.trace(covariance) / covariance.sum())), n, k


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's (1965) interval for alpha: (1 - alpha)/(1 - alpha_hat) ~ F(n-1, (n-1)(k-1)).

    Feldt, Woodruff & Salih (1987): lower = 1 - (1 - alpha_hat) F_{1-g/2},
    upper = 1 - (1 - alpha_hat) F_{g/2}, with g = 1 - level.
    """
    if not np.isfinite(alpha) or n < 2:
        return np.nan, np.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    gamma = 1.0 - level
    lower = 1 - (1 - alpha) * stats.f.ppf(1 - gamma / 2, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.ppf(gamma / 2, df1, df2)
    return float(lower), float(upper)


def composite_reliability(loadings) -> float:
    """Dillon-Goldstein / Jöreskog rho_c = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) (Werts et al. 1974)."""
    loadings = np.asarray(loadings, dtype=float)
    squared_sum = loadings.sum() ** 2
    return float(squared_sum / (squared_sum + np.sum(1 - loadings ** 2)))


def average_variance_extracted(loadings) -> float:
    """AVE = mean squared standardized loading (Fornell & Larcker 1981, with unit variances)."""
    loadings = np.asarray(loadings, dtype=float)
    return float(np.mean(loadings ** 2))


def reliability_table(answers: pd.DataFrame, dimensions: dict[str, list[str]],
                      outer_loadings: pd.Series | None = None, level: float = 0.95) -> pd.DataFrame:
    """Per dimension: items, alpha with Feldt's interval (listwise within the dimension), and, given
    the PLS outer loadings (a Series indexed by (construct, item)), rho_c and AVE.

    Alpha is undefined for a single-item dimension (reported as NaN), whose rho_c and AVE are 1.
    """
    rows = {}
    for name, items in dimensions.items():
        row: dict[str, float] = {"items": len(items)}
        if len(items) >= 2:
            alpha, n, k = cronbach_alpha(answers[items])
            lower, upper = feldt_interval(alpha, n, k, level)
            row.update(n=n, alpha=alpha, alpha_lower=lower, alpha_upper=upper)
        else:
            row.update(n=int(answers[items[0]].notna().sum()), alpha=np.nan, alpha_lower=np.nan,
                       alpha_upper=np.nan)
        if outer_loadings is not None:
            block_loadings = outer_loadings.loc[name].reindex(items).to_numpy()
            row.update(rho_c=composite_reliability(block_loadings), ave=average_variance_extracted(block_loadings))
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("dimension")
