"""Kaplan–Meier curves, log-rank tests and Cox regression, with statsmodels.

Durations are right-censored: a customer still active at the end of observation contributes their
time so far with ``event = 0``; no one is dropped for being censored.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import patsy.builtins
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from ..chapters.readiness import MIN_COX_EVENTS
from ..core.errors import NotEstimable, not_estimable
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


# statsmodels' default Newton steps can overshoot to all-NaN on a flat likelihood (many ties, a
# covariate nearly constant among events); the quasi-Newton and simplex methods then still find the
# maximum, as the CLV models' fits do (analysis.models.base)
COX_METHODS = ("newton", "bfgs", "lbfgs", "nm")
# the smallest number of churns for its proportional-hazards check (for the Cox model itself:
# readiness.MIN_COX_EVENTS, which validate applies too)
MIN_PH_EVENTS = 3


def fit_cox(model: PHReg, methods=COX_METHODS):
    """Fit a Cox model trying each method in turn; return the first fit that is finite and at a
    maximum, else the finite fit with the highest likelihood flagged ``converged: False``, with
    ``{"method", "converged", "tried"}``.

    Raises
    ------
    NotEstimable
        When no method gives finite estimates.
    np.linalg.LinAlgError
        When the information matrix is singular under every method (the caller drops a covariate).
    """
    tried: list[dict[str, Any]] = []
    singular = 0
    best = None  # the finite fit with the highest likelihood, should none converge
    for method in methods:
        options = {"maxiter": 20000} if method == "nm" else {"maxiter": 200}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with np.errstate(all="ignore"):
                    fit = model.fit(method=method, disp=False, **options)
                    bse = np.asarray(fit.bse, float)
        except np.linalg.LinAlgError:
            singular += 1
            tried.append({"method": method, "outcome": "singular information matrix"})
            continue
        params = np.asarray(fit.params, float)
        finite = bool(np.all(np.isfinite(params)) and np.all(np.isfinite(bse)) and np.isfinite(fit.llf))
        converged = finite and _at_maximum(model, params)
        if not finite:
            tried.append({"method": method, "outcome": "non-finite estimates"})
            continue
        if not converged:
            tried.append({"method": method, "outcome": "did not converge"})
            if best is None or fit.llf > best[0].llf:
                best = (fit, method)
            continue
        return fit, {"method": method, "converged": True, "tried": tried}
    if best is not None:
        return best[0], {"method": best[1], "converged": False, "tried": tried}
    if singular == len(methods):
        raise np.linalg.LinAlgError("singular information matrix under every method")
    raise NotEstimable("the Cox model gave no finite estimates under any fitting method")


def _at_maximum(model: PHReg, params: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether ``params`` maximise the partial likelihood: the Newton decrement g'(−H)⁻¹g (the
    expected gain in log-likelihood of one more Newton step) is below ``tol``. PHReg's results do
    not keep the optimiser's own flag."""
    with np.errstate(all="ignore"):
        score, hessian = model.score(params), model.hessian(params)
        try:
            decrement = float(score @ np.linalg.solve(-hessian, score))
        except np.linalg.LinAlgError:
            return False
    return bool(np.isfinite(decrement) and abs(decrement) < tol)


def ph_check(fit, model: PHReg, names: list[str]) -> tuple[list[dict[str, Any]] | dict[str, str], dict | None]:
    """The Grambsch & Therneau (1994) test of the scaled Schoenfeld residuals against 1 − KM(t), per
    term and globally (:mod:`.ph_test`), or a not-estimable record when too few churns, or churns
    all at one time, leave nothing to test."""
    if int(np.sum(model.status)) < MIN_PH_EVENTS:
        return not_estimable("too few churns to check proportional hazards"), None
    try:
        test = proportional_hazards_test(fit, transform="km")
    except ValueError:
        return not_estimable("all churns happen at the same time, so proportional hazards cannot be checked"), None
    rows = [{"term": name, "correlation": float(row["rho"]), "chisq": float(row["chisq"]),
             "p_value": float(row["p_value"])}
            for name, (_, row) in zip(names, test.iloc[:-1].iterrows())]
    overall = test.loc["GLOBAL"]
    return rows, {"chisq": float(overall["chisq"]), "df": int(overall["df"]), "p_value": float(overall["p_value"])}


def _categorical_term(data, contrast=None, levels=None):
    """patsy's ``C()`` for the Cox formula, except that a pandas Categorical column with the default
    coding is handed to patsy as it is: patsy then takes the same levels (the categories, in their
    order) and codes straight from it, where inside ``C()``'s box it looks each row up in Python
    (seconds at a million customers). The design matrix and its column names (``C(col)[T.level]``)
    are the same."""
    if contrast is None and levels is None and isinstance(getattr(data, "dtype", None), pd.CategoricalDtype):
        return data
    return patsy.builtins.C(data, contrast, levels)


def cox_model(data: pd.DataFrame, duration: str, event: str, covariates: list[str],
              categorical: list[str], alpha: float = 0.05) -> dict[str, Any]:
    """Cox proportional hazards (Efron ties): hazard ratios with CIs, a PH check and Harrell's C.

    The fit tries Newton, BFGS, L-BFGS and Nelder–Mead in turn (:func:`fit_cox`) and reports the
    method that worked and whether it converged. The PH check is the Grambsch & Therneau (1994) test
    of the scaled Schoenfeld residuals against 1 − KM(t) per term and globally (:mod:`.ph_test`): a
    small p-value says the hazard ratio drifts over time. ``correlation`` is the residuals'
    correlation with that time scale.

    Raises
    ------
    NotEstimable
        Too few churns, or no finite fit under any method.

    References
    ----------
    Grambsch, P. M. & Therneau, T. M. (1994). Proportional hazards tests and diagnostics based on
    weighted residuals. Biometrika 81(3), 515–526.
    """
    events = int(np.sum(data[event])) if len(data) else 0
    if events < MIN_COX_EVENTS:
        raise NotEstimable("too few churns to fit a Cox model")
    data = data.copy()
    for column in categorical:
        if isinstance(data[column].dtype, pd.CategoricalDtype):
            data[column] = data[column].cat.remove_unused_categories()
        # levels with fewer than 5 events carry no information on their hazard and make the
        # information matrix singular: they are pooled into "other"
        level_events = data.groupby(column, observed=True)[event].sum()
        rare = level_events.index[level_events < 5]
        if len(rare):
            data[column] = data[column].astype(str).where(~data[column].astype(str).isin(rare.astype(str)), "other")
    # a covariate with one value has no effect to estimate (and an empty design column)
    covariates = [c for c in covariates if data[c].nunique(dropna=True) > 1]
    if not covariates:
        raise NotEstimable("no covariate varies between customers, so the Cox model has nothing to estimate")
    dropped: list[str] = []
    while True:
        terms = [f"C({c})" if c in categorical else c for c in covariates]
        formula = f"{duration} ~ " + " + ".join(terms)
        model = PHReg.from_formula(formula, data=data, status=data[event].to_numpy(), ties="efron",
                                   eval_env={"C": _categorical_term})
        try:
            fit, how = fit_cox(model)
            break
        except np.linalg.LinAlgError:
            # a singular information matrix: drop the last covariate and say so
            if len(covariates) == 1:
                raise NotEstimable("the Cox model's information matrix is singular") from None
            dropped.append(covariates[-1])
            covariates = covariates[:-1]
    names = [term_label(name) for name in model.exog_names]
    ci = np.exp(fit.conf_int(alpha=alpha))
    table = pd.DataFrame({
        "term": names, "hazard_ratio": np.exp(fit.params), "lower": ci[:, 0], "upper": ci[:, 1],
        "p_value": fit.pvalues,
    })
    ph, ph_global = ph_check(fit, model, names)
    concordance = concordance_index(model.endog, model.status, model.exog @ np.asarray(fit.params))
    return {"table": table, "loglik": float(fit.llf), "n": int(model.endog.size),
            "events": int(np.sum(model.status)), "ph_check": ph, "ph_global": ph_global,
            "concordance": concordance, "formula": formula,
            "fit": fit, "dropped_covariates": dropped, "method": how["method"], "converged": how["converged"],
            "methods_tried": how["tried"],
            # a hazard ratio beyond e^±10 is a coefficient running off to infinity (monotone likelihood)
            "at_boundary": [name for name, coef in zip(names, np.asarray(fit.params)) if abs(coef) > 10]}
