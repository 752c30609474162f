"""Kaplan–Meier curves, log-rank tests and Cox regression, with statsmodels.

Durations are right-censored: a customer still active at the end of observation contributes their
time so far with ``event = 0``; no one is dropped for being censored.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from .ph_test import proportional_hazards_test
from .survival_measures import concordance_index, restricted_mean_survival_time


def kaplan_meier(duration, event, alpha: float = 0.05) -> dict[str, Any]:
    """Survival curve with pointwise confidence band, median lifetime with its CI."""
    fit = SurvfuncRight(np.asarray(duration, float), np.asarray(event, int))
    band_lower, band_upper = _log_log_band(fit.surv_prob, fit.surv_prob_se, alpha)
    median = _median(fit, alpha)
    longest = float(np.max(duration)) if len(np.asarray(duration)) else 0.0
    # the restricted mean to the longest observed time (R's print.survfit default): the average time
    # a customer stays within the observed window, defined even when the median is not
    rmst = restricted_mean_survival_time(duration, event, longest, alpha) if longest > 0 else None
    return {
        "times": fit.surv_times, "survival": fit.surv_prob, "lower": band_lower, "upper": band_upper,
        "median": median["median"], "median_ci": median["ci"], "rmst": rmst,
        "n": len(np.asarray(duration)), "events": int(np.sum(event)),
        "censored": int(len(np.asarray(duration)) - np.sum(event)),
    }


def _log_log_band(surv, se, alpha):
    """Pointwise CI on the complementary log-log scale (stays inside [0, 1])."""
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(surv)
        theta = np.log(-log_s)
        se_theta = se / (surv * np.abs(log_s))
        lower = np.exp(-np.exp(theta + z * se_theta))
        upper = np.exp(-np.exp(theta - z * se_theta))
    lower = np.where(np.isfinite(lower), lower, surv)
    upper = np.where(np.isfinite(upper), upper, surv)
    return lower, upper


def _median(fit: SurvfuncRight, alpha: float) -> dict[str, Any]:
    if fit.surv_prob.size == 0 or fit.surv_prob.min() > 0.5:
        return {"median": None, "ci": [None, None]}
    median = float(fit.quantile(0.5))
    ci = [None, None]
    # the complementary log-log band first (Brookmeyer & Crowley 1982); the linear one when a
    # jump in the curve leaves the first without an answer
    for method in ("cloglog", "linear"):
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                lo, hi = fit.quantile_ci(0.5, alpha=alpha, method=method)
        except Exception:  # statsmodels raises when the band never crosses 0.5
            continue
        if np.isfinite(lo) and np.isfinite(hi):
            ci = [float(lo), float(hi)]
            break
    return {"median": median, "ci": ci}


def kaplan_meier_by_group(duration, event, groups, alpha: float = 0.05, min_size: int = 20) -> dict[str, Any]:
    """KM per group and the log-rank test of equal survival across groups."""
    labels = groups if isinstance(groups, pd.Categorical) else np.asarray(groups)
    frame = pd.DataFrame({"d": np.asarray(duration, float), "e": np.asarray(event, int), "g": labels})
    counts = frame["g"].value_counts()
    frame = frame[frame["g"].isin(counts.index[counts >= min_size])]
    curves = {str(g): kaplan_meier(part["d"], part["e"], alpha) for g, part in frame.groupby("g", sort=True)}
    logrank = None
    # groups without any event have no information for the test (and make it singular)
    with_events = frame.groupby("g")["e"].transform("sum") > 0
    tested = frame[with_events]
    groups = tested["g"].nunique()
    if groups > 1:
        try:
            # categorical codes follow the sorted labels, so the test sees the groups in the same order
            group_ids = (tested["g"].cat.codes if isinstance(tested["g"].dtype, pd.CategoricalDtype)
                         else tested["g"].astype(str)).to_numpy()
            statistic, p_value = survdiff(tested["d"].to_numpy(), tested["e"].to_numpy(), group_ids)
            logrank = {"statistic": float(statistic), "df": groups - 1, "p_value": float(p_value),
                       "groups_without_events": int(frame["g"].nunique() - groups)}
        except np.linalg.LinAlgError:
            logrank = None
    return {"curves": curves, "logrank": logrank}


def term_label(term: str) -> str:
    """A model term as a reader says it: ``C(Contract)[T.Two year]`` → ``Contract: Two year``."""
    match = re.fullmatch(r"C\((.+?)\)\[T\.(.+)\]", term)
    return f"{match.group(1)}: {match.group(2)}" if match else term


def cox_model(data: pd.DataFrame, duration: str, event: str, covariates: list[str],
              categorical: list[str], alpha: float = 0.05) -> dict[str, Any]:
    """Cox proportional hazards (Efron ties): hazard ratios with CIs, a PH check and Harrell's C.

    The PH check is the Grambsch & Therneau (1994) test of the scaled Schoenfeld residuals against
    1 − KM(t) per term and globally (:mod:`.ph_test`): a small p-value says the hazard ratio drifts
    over time. ``correlation`` is the residuals' correlation with that time scale.
    """
    data = data.copy()
    for column in categorical:
        if isinstance(data[column].dtype, pd.CategoricalDtype):
            data[column] = data[column].cat.remove_unused_categories()
        # levels with fewer than 5 events carry no information on their hazard and make the
        # information matrix singular: they are pooled into "other"
        events = data.groupby(column)[event].sum()
        rare = events.index[events < 5]
        if len(rare):
            data[column] = data[column].astype(str).where(~data[column].astype(str).isin(rare.astype(str)), "other")
    dropped: list[str] = []
    while True:
        terms = [f"C({c})" if c in categorical else c for c in covariates]
        formula = f"{duration} ~ " + " + ".join(terms)
        model = PHReg.from_formula(formula, data=data, status=data[event].to_numpy(), ties="efron")
        try:
            fit = model.fit()
            break
        except np.linalg.LinAlgError:
            # a singular information matrix: drop the last covariate and say so
            if len(covariates) == 1:
                raise
            dropped.append(covariates[-1])
            covariates = covariates[:-1]
    names = [term_label(name) for name in model.exog_names]
    ci = np.exp(fit.conf_int(alpha=alpha))
    table = pd.DataFrame({
        "term": names, "hazard_ratio": np.exp(fit.params), "lower": ci[:, 0], "upper": ci[:, 1],
        "p_value": fit.pvalues,
    })
    ph, ph_global = [], None
    try:
        ph_test = proportional_hazards_test(fit, transform="km")
    except ValueError:  # fewer than two events, or all at one time: nothing to test
        ph_test = None
    if ph_test is not None:
        ph = [{"term": name, "correlation": float(row["rho"]), "chisq": float(row["chisq"]),
               "p_value": float(row["p_value"])}
              for name, (_, row) in zip(names, ph_test.iloc[:-1].iterrows())]
        overall = ph_test.loc["GLOBAL"]
        ph_global = {"chisq": float(overall["chisq"]), "df": int(overall["df"]),
                     "p_value": float(overall["p_value"])}
    concordance = concordance_index(model.endog, model.status, model.exog @ fit.params)
    return {"table": table, "loglik": float(fit.llf), "n": int(model.endog.size),
            "events": int(np.sum(model.status)), "ph_check": ph, "ph_global": ph_global,
            "concordance": concordance, "formula": formula, "fit": fit, "dropped_covariates": dropped}
