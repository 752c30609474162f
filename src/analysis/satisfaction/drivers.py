"""Drivers of satisfaction and what to do about them.

- the importance-performance matrix (Martilla & James 1977) on a PLS path model, as in the
  ACSI/ECSI practice: importance = total effect of a driver on the target construct, performance =
  the driver's mean 0-100 index (Ringle & Sarstedt 2016 call this the importance-performance map);
- an ordered-logit driver model of an overall satisfaction item (McCullagh 1980);
- the Net Promoter Score with its interval (Reichheld 2003; Rocks 2016).

References
----------
Martilla, J. A. & James, J. C. (1977). Importance-performance analysis. Journal of Marketing
    41(1), 77-79.
Ringle, C. M. & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: the
    importance-performance map analysis. Industrial Management & Data Systems 116(9), 1865-1886.
McCullagh, P. (1980). Regression models for ordinal data. JRSS B 42(2), 109-142.
Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review 81(12), 46-54.
Rocks, B. (2016). Interval estimation for the "net promoter score". The American Statistician
    70(4), 365-372 (the multinomial variance of the NPS).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from .catalogue import QUADRANTS


def importance_performance(total_effects: pd.Series, index_means: pd.Series, target: str,
                           importance_cut: float | None = None,
                           performance_cut: float | None = None) -> pd.DataFrame:
    """The importance-performance matrix of the drivers of ``target``.

    Parameters
    ----------
    total_effects : Series indexed by (source, target)
        e.g. ``PLSPathResults.total_effects``; the drivers are the constructs with a total effect
        on ``target``.
    index_means : Series indexed by construct
        Performance: mean index score 0-100 (``PLSPathResults.index_means``).
    importance_cut, performance_cut : float, optional
        Where the quadrants split; default the mean importance and the mean performance of the
        drivers (the "data-centred" split of Martilla & James).

    Returns
    -------
    DataFrame indexed by driver: importance, performance, quadrant (a key of
    :data:`~analysis.satisfaction.catalogue.QUADRANTS`), and its English and Chinese labels.
    """
    effects = total_effects[total_effects.index.get_level_values("target") == target]
    if effects.empty:
        raise ValueError(f"no construct has an effect on {target!r}")
    drivers = [source for source, _ in effects.index]
    table = pd.DataFrame({"importance": effects.to_numpy(),
                          "performance": index_means.reindex(drivers).to_numpy()},
                         index=pd.Index(drivers, name="driver"))
    importance_cut = table["importance"].mean() if importance_cut is None else importance_cut
    performance_cut = table["performance"].mean() if performance_cut is None else performance_cut
    important = table["importance"] >= importance_cut
    performing = table["performance"] >= performance_cut
    table["quadrant"] = np.select(
        [important & ~performing, important & performing, ~important & ~performing],
        ["concentrate_here", "keep_up", "low_priority"], default="possible_overkill")
    table["label_en"] = table["quadrant"].map(lambda key: QUADRANTS[key]["en"])
    table["label_zh"] = table["quadrant"].map(lambda key: QUADRANTS[key]["zh"])
    table.attrs.update(importance_cut=float(importance_cut), performance_cut=float(performance_cut))
    return table


@dataclass(frozen=True)
class OrderedDriverResults:
    """An ordered-logit fit: coefficients (log odds of a higher answer per unit), odds ratios."""

    table: pd.DataFrame          # coef, std_error, z, p_value, lower, upper, odds_ratio
    thresholds: pd.Series        # the cut points on the latent scale
    nobs: int
    n_dropped: int
    loglike: float
    llr_pseudo_r2: float
    fit: object                  # the statsmodels results, for everything else


def ordered_logit_drivers(answers: pd.DataFrame, overall_item: str, drivers: list[str] | pd.DataFrame,
                          level: float = 0.95) -> OrderedDriverResults:
    """Ordered logit of an overall satisfaction item on driver scores (listwise deletion).

    P(overall <= c) = logistic(theta_c - x'beta) (McCullagh 1980): a positive coefficient
    raises the odds of a higher answer by exp(beta) per unit of the driver.

    Parameters
    ----------
    answers : DataFrame holding ``overall_item`` (and the driver columns if ``drivers`` is a list)
    drivers : the driver columns, or a DataFrame of driver scores aligned on ``answers``' index
        (e.g. dimension means or PLS scores).
    """
    predictors = answers[drivers] if isinstance(drivers, list) else drivers
    frame = pd.concat([answers[overall_item].rename("_overall"), predictors], axis=1)
    complete = frame.dropna()
    if complete["_overall"].nunique() < 3:
        raise ValueError(f"{overall_item!r} has fewer than three answered categories; no ordered model")
    outcome = pd.Series(pd.Categorical(complete["_overall"], ordered=True), index=complete.index)
    model = OrderedModel(outcome, complete.drop(columns="_overall"), distr="logit")
    fit = model.fit(method="bfgs", disp=False, maxiter=2000)
    names = list(predictors.columns)
    z = stats.norm.ppf(0.5 + level / 2)
    coef, se = fit.params[names], fit.bse[names]
    table = pd.DataFrame({"coef": coef, "std_error": se, "z": coef / se, "p_value": fit.pvalues[names],
                          "lower": coef - z * se, "upper": coef + z * se, "odds_ratio": np.exp(coef)})
    thresholds = model.transform_threshold_params(fit.params)[1:-1]
    cats = list(outcome.cat.categories)
    threshold_index = [f"{a:g}|{b:g}" for a, b in pairwise(cats)]
    return OrderedDriverResults(table.rename_axis("driver"), pd.Series(thresholds, index=threshold_index),
                                int(fit.nobs), len(frame) - len(complete), float(fit.llf),
                                float(fit.prsquared), fit)


@dataclass(frozen=True)
class NetPromoterScore:
    """NPS = share of promoters (9-10) minus share of detractors (0-6), in points (-100..100)."""

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float           # points
    std_error: float     # points
    lower: float
    upper: float


def net_promoter_score(recommend, level: float = 0.95) -> NetPromoterScore:
    """The Net Promoter Score of 0-10 likelihood-to-recommend answers, with a Wald interval.

    The promoter/passive/detractor counts are multinomial, so (Rocks 2016)
    Var(p_P - p_D) = (p_P(1 - p_P) + p_D(1 - p_D) + 2 p_P p_D)/n = (p_P + p_D - (p_P - p_D)^2)/n.
    Missing answers are left out; answers outside 0-10 raise.
    """
    values = np.asarray(recommend, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        raise ValueError("no likelihood-to-recommend answers")
    if values.min() < 0 or values.max() > 10:
        raise ValueError(f"likelihood to recommend must be on 0-10; found {values.min():g}..{values.max():g}")
    n = values.size
    promoters = int(np.sum(values >= 9))
    detractors = int(np.sum(values <= 6))
    share_p, share_d = promoters / n, detractors / n
    nps = share_p - share_d
    se = np.sqrt((share_p + share_d - nps ** 2) / n)
    z = stats.norm.ppf(0.5 + level / 2)
    return NetPromoterScore(n, promoters, n - promoters - detractors, detractors, 100 * nps, 100 * se,
                            100 * max(nps - z * se, -1.0), 100 * min(nps + z * se, 1.0))
