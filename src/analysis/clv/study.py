"""The CLV chapter's analysis: fit, validate on the holdout, compare, forecast value.

Models are fitted on the calibration window and judged on the holdout (FHL 2005a's design); the
recommended transaction model and the Gamma-Gamma spend model are then refitted on the whole
window to forecast each customer's purchases and lifetime value beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..chapters.readiness import MIN_CUSTOMERS  # the same limit validate applies
from ..core.errors import NotEstimable, not_estimable
from ..core.periods import PERIOD_DAYS
from ..data.transaction_log import TransactionLog, as_log
from ..models.base import TransactionResults
from ..models.bgnbd import BetaGeo
from ..models.gammagamma import GammaGamma
from ..models.mbgnbd import ModifiedBetaGeo
from ..models.paretonbd import ParetoNBD
from .customer_covariates import column_name
from .diagnostics import period_transactions, spend_independence
from .settings import MODEL_NAMES, ClvSettings
from .value import customer_lifetime_value, period_discount_rate

MODELS = {"bgnbd": BetaGeo, "paretonbd": ParetoNBD, "mbgnbd": ModifiedBetaGeo}


@dataclass
class ClvStudy:
    calibration_fits: dict[str, Any]
    spend_fit: Any
    forecast_fits: dict[str, Any]
    predictions: pd.DataFrame  # one row per customer
    comparison: pd.DataFrame
    recommended: str
    reason: str
    holdout: dict[str, Any] = field(default_factory=dict)
    by_frequency: pd.DataFrame | None = None
    tracking: pd.DataFrame | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    # models the data could not support, with the reason: they are left out of the comparison
    not_estimable: dict[str, str] = field(default_factory=dict)
    covariates: dict[str, Any] | None = None  # effects and likelihood-ratio test (clv.covariates)
    covariate_fit: Any = None
    alive_paths: dict[str, pd.DataFrame] = field(default_factory=dict)  # role → P(alive) history

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: fit.to_dict() for name, fit in self.calibration_fits.items()}
        out.update({name: not_estimable(reason) for name, reason in self.not_estimable.items()})
        out["gammagamma"] = self.spend_fit.to_dict()
        out["forecast_fits"] = {name: fit.to_dict() for name, fit in self.forecast_fits.items()}
        out["holdout"] = self.holdout
        out["model_comparison"] = self.comparison.reset_index().to_dict(orient="records")
        out["recommended_model"] = self.recommended
        out["recommended_model_name"] = MODEL_NAMES[self.recommended]
        out["recommendation_reason"] = self.reason
        out["summary"] = self.summary
        out["diagnostics"] = self.diagnostics
        if self.covariates is not None:
            out["covariates"] = self.covariates
        if self.by_frequency is not None:
            out["holdout_by_frequency"] = self.by_frequency.reset_index().to_dict(orient="records")
        return out


def _fit_transactions(names, frequency, recency, T) -> tuple[dict[str, Any], dict[str, str]]:
    """Each model's fit, and the reason for each model that gives no finite estimates (the
    fallbacks of :meth:`~analysis.models.base.LogScaleLikelihoodModel.fit` exhausted)."""
    fits, failed = {}, {}
    for name in names:
        try:
            fit = MODELS[name](frequency, recency, T).fit()
        except np.linalg.LinAlgError:
            failed[name] = f"the {MODEL_NAMES[name]} fit hit a singular matrix"
            continue
        if not (np.isfinite(fit.llf) and np.all(np.isfinite(fit.params.to_numpy()))):
            failed[name] = f"the {MODEL_NAMES[name]} fit gave no finite estimates"
            continue
        fits[name] = fit
    return fits, failed




CALIBRATION_COLUMNS = ["customer_id", "first_purchase", "frequency_cal", "recency_cal", "T_cal",
                       "monetary_value_cal", "frequency_holdout", "duration_holdout"]
CLV_COLUMNS = [*CALIBRATION_COLUMNS, "frequency", "recency", "T", "monetary_value"]


def clv_columns(settings: ClvSettings) -> list[str]:
    """The customer-summary columns the CLV study reads: with covariates, their ``cov_`` columns."""
    covariates = settings.covariates.columns if settings.covariates is not None else []
    return [*CLV_COLUMNS, *(column_name(c) for c in covariates)]


def _fit_spend(frequency, monetary_value):
    repeat = (np.asarray(frequency) > 0) & (np.asarray(monetary_value) > 0)
    return GammaGamma(np.asarray(frequency)[repeat], np.asarray(monetary_value)[repeat]).fit(), int(repeat.sum())


# two models whose per-customer absolute holdout errors do not differ at this level are a tie
PAIRED_TEST_LEVEL = 0.05


def choose_by_holdout(abs_errors: dict[str, np.ndarray], bic: dict[str, float]) -> tuple[str, dict[str, Any]]:
    """The model with the lowest mean absolute holdout error — unless others are indistinguishable from
    it by a paired t-test of the customers' absolute errors (their difference within noise), in which
    case the lowest BIC among the tied models decides. Returns the choice and how it was made."""
    best = min(abs_errors, key=lambda name: (float(np.mean(abs_errors[name])), bic[name]))
    p_values = {}
    for name, errors in abs_errors.items():
        if name == best:
            continue
        difference = errors - abs_errors[best]
        if not np.any(difference):
            p_values[name] = 1.0  # the same errors customer by customer
        else:
            p_values[name] = float(stats.ttest_rel(errors, abs_errors[best]).pvalue)
    tied = sorted([best] + [n for n, p in p_values.items() if not p < PAIRED_TEST_LEVEL], key=lambda n: (bic[n], n))
    chosen = tied[0]
    return chosen, {"rule": "indistinguishable" if len(tied) > 1 else "lowest_mae", "lowest_mae": best,
                    "tied": tied, "paired_p_values": p_values, "level": PAIRED_TEST_LEVEL}


def run_clv(
    customers: pd.DataFrame,
    transactions: TransactionLog | pd.DataFrame,
    settings: ClvSettings,
    *,
    period: str,
    calibration_end=None,
    seed: int = 0,
) -> ClvStudy:
    """Fit, validate and forecast; ``customers`` is the customer summary of CONTRACT.md (with the
    ``cov_`` columns of ``settings.covariates``, if any). ``seed`` drives the per-customer intervals."""
    if len(customers) < MIN_CUSTOMERS:
        raise NotEstimable("too few customers to fit a repeat-purchase model")
    has_holdout = calibration_end is not None and "frequency_cal" in customers
    holdout_record = None
    if has_holdout and not customers["frequency_cal"].notna().any():
        raise NotEstimable("no customer made a first purchase before calibration_end")
    if has_holdout and not (customers["duration_holdout"].dropna() > 0).any():
        # calibration_end at or after the end of observation: no holdout to judge the models on
        has_holdout = False
        holdout_record = not_estimable("the holdout window after calibration_end is empty")
    elif has_holdout and customers.loc[customers["frequency_cal"].notna(), "frequency_holdout"].sum() == 0:
        has_holdout = False
        holdout_record = not_estimable("nobody bought in the holdout window, so the forecasts cannot be judged")
    if has_holdout:
        # only the columns the holdout check uses: a copy of the whole summary costs GBs at 10^7 customers
        cal = customers.loc[customers["frequency_cal"].notna(), CALIBRATION_COLUMNS]
        x, t_x, T = (cal[c].astype(float).to_numpy() for c in ("frequency_cal", "recency_cal", "T_cal"))
        m = cal["monetary_value_cal"].astype(float).to_numpy()
    else:
        cal = customers
        x, t_x, T = (cal[c].astype(float).to_numpy() for c in ("frequency", "recency", "T"))
        m = cal["monetary_value"].astype(float).to_numpy()
    if not np.any(x > 0):
        raise NotEstimable("nobody bought twice, so repeat-purchase models cannot be fitted")
    if not np.any((x > 0) & (m > 0)):
        raise NotEstimable("no repeat buyer has a positive spend, so the spend model cannot be fitted")
    calibration_fits, failed = _fit_transactions(settings.models, x, t_x, T)
    if not calibration_fits:
        raise NotEstimable("no repeat-purchase model gave finite estimates")
    spend_fit, repeat_buyers = _fit_spend(x, m)

    diagnostics = {
        "period_transactions": {
            name: period_transactions(fit, x, T, max_count=settings.max_frequency_shown).to_dict()
            for name, fit in calibration_fits.items()},
        "spend_independence": spend_independence(x, m),
    }
    comparison = pd.DataFrame({
        name: {"model": MODEL_NAMES[name], "loglik": fit.llf, "aic": fit.aic, "bic": fit.bic,
               "converged": fit.converged}
        for name, fit in calibration_fits.items()
    }).T
    holdout: dict[str, Any] = {}
    by_frequency = tracking = None
    if has_holdout:
        duration = float(cal["duration_holdout"].iloc[0])
        actual = cal["frequency_holdout"].astype(float).to_numpy()
        holdout = {"actual_total": float(actual.sum()), "duration": duration, "predicted_total": {},
                   "mae": {}, "rmse": {}, "total_error": {}, "correlation": {}}
        grouped = pd.DataFrame({"frequency": np.minimum(x, settings.max_frequency_shown), "actual": actual})
        abs_errors = {}
        for name, fit in calibration_fits.items():
            predicted = fit.conditional_expected_purchases(duration, x, t_x, T)
            abs_errors[name] = np.abs(predicted - actual)
            grouped[name] = predicted
            holdout["predicted_total"][name] = float(predicted.sum())
            holdout["mae"][name] = float(np.mean(np.abs(predicted - actual)))
            holdout["rmse"][name] = float(np.sqrt(np.mean((predicted - actual) ** 2)))
            holdout["total_error"][name] = float(predicted.sum() / actual.sum() - 1)
            holdout["correlation"][name] = float(stats.pearsonr(predicted, actual)[0])
        by_frequency = grouped.groupby("frequency").agg(
            customers=("actual", "size"), actual=("actual", "mean"),
            **{name: (name, "mean") for name in calibration_fits},
        )
        by_frequency.index = [f"{int(i)}+" if i == settings.max_frequency_shown else str(int(i))
                              for i in by_frequency.index]
        by_frequency.index.name = "calibration_frequency"
        tracking = cumulative_tracking(cal, transactions, calibration_fits, period=period)
        comparison["holdout_mae"] = pd.Series(holdout["mae"])
        comparison["holdout_total_error"] = pd.Series(holdout["total_error"])
        candidates = comparison[comparison["converged"].astype(bool)]
        pool = candidates if len(candidates) else comparison
        recommended, holdout["model_choice"] = choose_by_holdout(
            {name: abs_errors[name] for name in pool.index}, pool["bic"].astype(float).to_dict())
        if holdout["model_choice"]["rule"] == "indistinguishable":
            reason = (f"the holdout cannot tell {', '.join(MODEL_NAMES[m] for m in holdout['model_choice']['tied'])} "
                      f"apart (paired test of per-customer absolute errors, p ≥ {PAIRED_TEST_LEVEL}), so the one "
                      "with the lowest BIC is used")
        else:
            reason = (f"lowest mean absolute error per customer in the holdout "
                      f"({holdout['mae'][recommended]:.3f} purchases), significantly below the others")
        if not len(candidates):
            reason += "; no model converged, so treat every forecast with caution"
    else:
        candidates = comparison[comparison["converged"].astype(bool)]
        recommended = str((candidates if len(candidates) else comparison).sort_values("bic").index[0])
        reason = "lowest BIC (no holdout period configured)"
        if holdout_record is not None:
            holdout = holdout_record
            reason = "lowest BIC (the holdout window is empty)"

    # forecast from fits on the whole window
    full_x, full_t, full_T = (customers[c].astype(float).to_numpy() for c in ("frequency", "recency", "T"))
    full_m = customers["monetary_value"].astype(float).to_numpy()
    forecast_fits, forecast_failed = _fit_transactions([recommended], full_x, full_t, full_T)
    if not forecast_fits:
        raise NotEstimable(forecast_failed[recommended] + " on the whole window")
    forecast_spend, _ = _fit_spend(full_x, full_m)
    forecast_fits["gammagamma"] = forecast_spend
    model = forecast_fits[recommended]
    horizon = settings.horizon_periods
    rate = period_discount_rate(settings.discount_rate, period)
    predictions = pd.DataFrame({
        "customer_id": customers["customer_id"].to_numpy(),
        "p_alive": model.probability_alive(full_x, full_t, full_T),
        "expected_purchases": model.conditional_expected_purchases(horizon, full_x, full_t, full_T),
        "expected_spend": forecast_spend.conditional_expected_spend(full_x, full_m),
        "predicted_clv": customer_lifetime_value(
            model, forecast_spend, full_x, full_t, full_T, full_m,
            horizon=horizon, discount_rate=rate, margin=settings.margin),
    })
    intervals, interval_summary = customer_intervals(
        model, horizon, full_x, full_t, full_T, n_draws=settings.interval_draws, seed=seed)
    predictions = pd.concat([predictions, intervals], axis=1)
    total = float(predictions["predicted_clv"].sum())
    low, high = total_clv_delta_interval(model, forecast_spend, full_x, full_t, full_T, full_m,
                                         horizon=horizon, discount_rate=rate, margin=settings.margin)
    ordered = np.sort(predictions["predicted_clv"].to_numpy())[::-1]
    top = int(np.ceil(0.2 * ordered.size))
    summary = {
        "model": recommended, "horizon_periods": horizon, "period": period,
        "discount_rate_annual": settings.discount_rate, "margin": settings.margin,
        "customers": len(predictions), "total_clv": total, "total_clv_ci": [low, high],
        "mean_clv": float(predictions["predicted_clv"].mean()),
        "median_clv": float(predictions["predicted_clv"].median()),
        "top20_share_of_clv": float(ordered[:top].sum() / ordered.sum()) if ordered.sum() > 0 else None,
        "expected_purchases_total": float(predictions["expected_purchases"].sum()),
        "mean_p_alive": float(predictions["p_alive"].mean()),
        "repeat_buyers_in_spend_fit": repeat_buyers,
        "intervals": interval_summary,
    }
    chosen = illustrative_customers(customers)
    paths = alive_paths(model, transactions, customers, chosen, period=period)
    summary["alive_path"] = {
        role: {"customer_id": customer, "frequency": int(customers.loc[customers["customer_id"] == customer, "frequency"].iloc[0]),
               "p_alive_end": float(paths[role]["p_alive"].iloc[-1]),
               "p_alive_lowest": float(paths[role]["p_alive"].min())}
        for role, customer in chosen.items()}
    covariates = covariate_fit = None
    if settings.covariates is not None:
        covariates, covariate_fit = covariate_effects(customers, settings, recommended, model)
    return ClvStudy(calibration_fits=calibration_fits, spend_fit=spend_fit, forecast_fits=forecast_fits,
                    predictions=predictions, comparison=comparison, recommended=recommended,
                    reason=reason, holdout=holdout, by_frequency=by_frequency, tracking=tracking,
                    summary=summary, diagnostics=diagnostics, not_estimable=failed, covariates=covariates,
                    covariate_fit=covariate_fit, alive_paths=paths)


# both intervals of each customer's expected purchases are 95% intervals
INTERVAL_LEVEL = 0.95
INTERVAL_COLUMNS = {
    "expected_purchases_parameter_lower": "parameter", "expected_purchases_parameter_upper": "parameter",
    "purchases_prediction_lower": "prediction", "purchases_prediction_upper": "prediction",
}


def customer_intervals(model, horizon, x, t_x, T, *, n_draws: int, seed: int = 0,
                       level: float = INTERVAL_LEVEL) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Two intervals per customer for the purchases in the next ``horizon`` periods, computed once
    per distinct history (x, t_x, T):

    - ``expected_purchases_parameter_lower/upper``: PARAMETER interval of the expected purchases, the
      spread of the expectation over ``n_draws`` draws of the parameters from their sampling
      distribution (how well the model is estimated);
    - ``purchases_prediction_lower/upper``: PREDICTION interval of the number of purchases the
      customer will make, the exact quantiles of the count's distribution given the history at the
      estimates (the purchasing process's own randomness; ``model.prediction_interval``); empty
      (NaN) for a model without that distribution or where it cannot be computed.

    Returns the columns (one row per customer) and their median widths."""
    rows = np.column_stack([x, t_x, T])
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    ux, ut, uT = unique.T
    alpha = 1 - level
    rng = np.random.default_rng(seed)
    # a parameter the data do not pin down (see poorly_determined) has no normal sampling distribution,
    # and draws along its flat direction give absurd intervals: it is held at its estimate
    held = poorly_determined(model)
    sampled = bool(np.all(np.isfinite(model.cov_log_params.to_numpy()))) and len(held) < model.params.size
    if sampled:
        parameter_draws = model.sample_params(n_draws, rng)
        for name in held:
            parameter_draws[:, model.params.index.get_loc(name)] = model.params[name]
        draws = np.vstack([model.with_params(params).conditional_expected_purchases(horizon, ux, ut, uT)
                           for params in parameter_draws])
        parameter_lower, parameter_upper = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
    else:  # no sampling distribution (a singular information matrix): no parameter interval
        parameter_lower = parameter_upper = np.full(len(unique), np.nan)
    exact = hasattr(model, "prediction_interval")
    failure = None if exact else "no count distribution"
    if exact:
        try:
            interval = model.prediction_interval(horizon, ux, ut, uT, alpha=alpha)
            prediction_lower, prediction_upper = interval["lower"].to_numpy(), interval["upper"].to_numpy()
        except ValueError as error:  # degenerate estimates whose count distribution cannot be computed
            exact, failure = False, f"the count distribution failed: {error}"
    if not exact:
        prediction_lower = prediction_upper = np.full(len(unique), np.nan)
    columns = pd.DataFrame({
        "expected_purchases_parameter_lower": parameter_lower[inverse],
        "expected_purchases_parameter_upper": parameter_upper[inverse],
        "purchases_prediction_lower": prediction_lower[inverse],
        "purchases_prediction_upper": prediction_upper[inverse],
    })
    parameter_width = columns["expected_purchases_parameter_upper"] - columns["expected_purchases_parameter_lower"]
    prediction_width = columns["purchases_prediction_upper"] - columns["purchases_prediction_lower"]
    summary = {
        "level": level, "parameter_draws": n_draws, "prediction_method": "exact",
        "distinct_histories": len(unique),
        "median_parameter_width": float(parameter_width.median()) if sampled else None,
        "median_prediction_width": float(prediction_width.median()) if exact else None,
        "mean_parameter_width": float(parameter_width.mean()) if sampled else None,
        "parameter_interval": sampled,
        "mean_prediction_width": float(prediction_width.mean()) if exact else None,
        "prediction_interval": exact, "prediction_failure": failure, "held_at_estimate": held,
    }
    return columns, summary


# a positive parameter whose log has a standard error above this is known only to within a factor
# of exp(2 × 1.96 × 3) ≈ 10^5 at 95%: the data do not determine it
LOG_SE_UNDETERMINED = 3.0


def poorly_determined(results) -> list[str]:
    """The positive parameters the data do not pin down: at the edge of their range
    (``at_boundary``, e.g. a → 0 when the data show no dropout), or with a log-scale standard error
    above ``LOG_SE_UNDETERMINED`` or none at all."""
    k = len(type(results.model).param_names)
    se = np.sqrt(np.abs(np.diag(results.cov_log_params.to_numpy())))[:k]
    names = list(results.params.index[:k])
    return [name for name, error in zip(names, se)
            if name in results.at_boundary or not np.isfinite(error) or error > LOG_SE_UNDETERMINED]


# the processes a coefficient acts on, and what a positive coefficient does (Fader & Hardie 2007):
# α_i = α·exp(−γᵀx) raises the mean purchase rate r/α_i; Pareto/NBD β_i = β·exp(−γᵀx) raises the mean
# dropout rate s/β_i; BG/NBD a_i = a·exp(γᵀx) raises, b_i = b·exp(γᵀx) lowers the mean dropout
# probability a_i/(a_i + b_i)
EFFECT_MEANING = {
    ("bgnbd", "alpha"): ("purchase rate", 1), ("bgnbd", "a"): ("dropout probability", 1),
    ("bgnbd", "b"): ("dropout probability", -1),
    ("paretonbd", "alpha"): ("purchase rate", 1), ("paretonbd", "beta"): ("dropout rate", 1),
}
OTHER_LEVEL = "other"
LR_TEST_LEVEL = 0.05


def covariate_frame(customers: pd.DataFrame, settings: ClvSettings) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The covariates of ``settings.covariates`` from the summary's ``cov_`` columns. A text column
    keeps its ``top_levels`` most frequent levels (ties: in code-point order) and pools the others as
    "other"; its most frequent level is the reference of the treatment coding. Returns the frame and,
    per column, its levels and what was pooled."""
    frame, pooling = pd.DataFrame(index=range(len(customers))), {}
    k = settings.covariates.top_levels
    for covariate in settings.covariates.columns:
        series = customers[column_name(covariate)].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            frame[covariate] = series.astype(float)
            pooling[covariate] = {"kind": "numeric", "mean": float(series.mean())}
            continue
        values = series.astype(str)
        counts = values.value_counts()
        ranked = sorted(counts.index, key=lambda level: (-counts[level], level))
        kept = ranked[:k]
        pooled = ranked[k:]
        other = OTHER_LEVEL
        while other in kept:
            other = f"{other} levels"
        values = values.where(values.isin(kept), other)
        categories = kept + ([other] if pooled else [])
        frame[covariate] = pd.Categorical(values, categories=categories)
        pooling[covariate] = {
            "kind": "categorical", "levels": len(ranked), "kept": [str(v) for v in kept],
            "reference": str(kept[0]), "pooled_levels": len(pooled),
            "pooled_customers": int(counts[pooled].sum()) if pooled else 0, "other_label": other if pooled else None,
            "top_levels": k,
        }
    return frame, pooling


def _readable(design_name: str) -> str:
    """``Country[T.France]`` → ``Country = France``; a numeric column keeps its name."""
    if "[T." in design_name and design_name.endswith("]"):
        column, level = design_name[:-1].split("[T.", 1)
        return f"{column} = {level}"
    return design_name


def covariate_effects(customers: pd.DataFrame, settings: ClvSettings, recommended: str, without) -> tuple[dict, Any]:
    """The recommended model (BG/NBD when it is MBG/NBD, which has no covariate form) refitted on the
    whole window with the covariates: each coefficient with its 95% interval and what it does, and the
    likelihood-ratio test against the same model without them (``without``, when it is that model)."""
    name = recommended if recommended in ("bgnbd", "paretonbd") else "bgnbd"
    x, t_x, T = (customers[c].astype(float).to_numpy() for c in ("frequency", "recency", "T"))
    frame, pooling = covariate_frame(customers, settings)
    restricted = without if name == recommended else MODELS[name](x, t_x, T).fit()
    # when the model without covariates puts a dropout parameter at the edge of its range (the data
    # show no dropout), dropout effects are not identified: the covariates act on purchasing only
    dropout_targets = {target for target, _ in MODELS[name].covariate_effects["dropout"]}
    no_dropout = sorted(dropout_targets & set(poorly_determined(restricted)))
    fit = MODELS[name](x, t_x, T, covariates=frame, dropout_covariates=[] if no_dropout else None).fit()
    lr = fit.lr_test(restricted)
    ci = fit.conf_int()
    effects = []
    for parameter in fit.params.index[fit.model.n_positive:]:
        target, design_name = parameter.split(":", 1)
        on, sign = EFFECT_MEANING[(name, target)]
        estimate = float(fit.params[parameter])
        if parameter in fit.fixed:
            lower = upper = None
            effect = "not identified"
        else:
            lower, upper = float(ci.loc[parameter, "lower"]), float(ci.loc[parameter, "upper"])
            # a direction only when the interval excludes 0
            effect = "unclear" if not lower * upper > 0 else ("raises" if sign * estimate > 0 else "lowers")
        entry = {"parameter": parameter, "term": _readable(design_name), "target": target, "on": on,
                 "estimate": estimate, "se": None if parameter in fit.fixed else float(fit.bse[parameter]),
                 "ci": None if lower is None else [lower, upper], "effect": effect}
        if on != "dropout probability":  # a rate: the multiplier exp(γ) of the mean rate
            entry["rate_ratio"] = float(np.exp(estimate))
            entry["rate_ratio_ci"] = None if lower is None else [float(np.exp(lower)), float(np.exp(upper))]
        effects.append(entry)
    result = {
        "model": name, "model_name": MODEL_NAMES[name], "recommended": recommended,
        "substituted": name != recommended, "columns": list(settings.covariates.columns),
        "processes": ["purchase"] if no_dropout else ["purchase", "dropout"], "dropout_at_boundary": no_dropout,
        "source": "table" if settings.covariates.path is not None else "transaction log",
        "pooling": pooling, "effects": effects, "fit": fit.to_dict(),
        "lr_test": {"statistic": lr.statistic, "df": lr.df, "p_value": lr.p_value, "level": LR_TEST_LEVEL,
                    "rejects": bool(lr.p_value < LR_TEST_LEVEL)},
        "loglik_without": restricted.llf, "converged": fit.converged,
    }
    return result, fit


def effects_table(covariates: dict) -> pd.DataFrame:
    """The covariate effects as a table for the report."""
    rows = []
    for effect in covariates["effects"]:
        low, high = effect["ci"] or (np.nan, np.nan)
        rows.append({"parameter": effect["parameter"], "term": effect["term"], "acts on": effect["on"],
                     "estimate": effect["estimate"], "std err": effect["se"], "[0.025": low, "0.975]": high,
                     "effect": effect["effect"]})
    return pd.DataFrame(rows)


def illustrative_customers(customers: pd.DataFrame) -> dict[str, str]:
    """Customers whose P(alive) history the report draws, chosen by a data rule: ``frequent``, the
    customer with the most repeat purchases, and ``typical``, among the repeat buyers with the median
    number of repeat purchases (rounded down) the one with the median recency; ties by (pseudonymised)
    id. Empty without repeat buyers."""
    repeat = customers.loc[customers["frequency"] > 0, ["customer_id", "frequency", "recency"]]
    if repeat.empty:
        return {}
    by_frequency = repeat.sort_values(["frequency", "customer_id"], ascending=[False, True], kind="stable")
    frequent = str(by_frequency["customer_id"].iloc[0])
    median = np.floor(np.median(repeat["frequency"].to_numpy()))
    level = repeat[repeat["frequency"] == repeat["frequency"][repeat["frequency"] <= median].max()]
    level = level.sort_values(["recency", "customer_id"], kind="stable")
    typical = str(level["customer_id"].iloc[(len(level) - 1) // 2])
    chosen = {"frequent": frequent}
    if typical != frequent:
        chosen["typical"] = typical
    return chosen


def alive_paths(model, transactions: TransactionLog | pd.DataFrame, customers: pd.DataFrame, chosen: dict[str, str],
                *, period: str, points: int = 400) -> dict[str, pd.DataFrame]:
    """The P(alive) history (``alive_path``) of each chosen customer, in periods since their first
    purchase, up to the end of observation."""
    log = as_log(transactions)
    days = PERIOD_DAYS[period]
    paths = {}
    for role, customer in chosen.items():
        dates = log.con.execute("SELECT DISTINCT date FROM log WHERE customer_id = $id ORDER BY date",
                                {"id": customer}).df()["date"]
        times = ((dates - dates.iloc[0]).dt.days / days).to_numpy(dtype=float)
        age = float(customers.loc[customers["customer_id"] == customer, "T"].iloc[0])
        grid = np.linspace(0.0, age, points)
        if hasattr(model, "alive_path"):
            paths[role] = model.alive_path(times, grid)
        else:  # MBG/NBD: the same path from its P(alive), which takes no covariates
            paths[role] = TransactionResults.alive_path(_NoCovariates(model), times, grid)
    return paths


class _NoCovariates:
    """A model's ``probability_alive`` as ``TransactionResults.alive_path`` calls it."""

    def __init__(self, results):
        self.results = results

    def probability_alive(self, frequency, recency, T, covariates=None):
        return self.results.probability_alive(frequency, recency, T)


def total_clv_delta_interval(model, spend, x, t_x, T, m, *, horizon, discount_rate, margin,
                             level: float = 0.95) -> tuple[float, float]:
    """Delta-method interval of the total CLV over the parameters of both models (log scale),
    with a central-difference gradient."""
    rows = np.unique(np.column_stack([x, t_x, T, m]), axis=0, return_counts=True)
    (ux, ut, uT, um), counts = rows[0].T, rows[1]

    def total(log_transaction, log_spend):
        tm, sm = _clone(model, np.exp(log_transaction)), _clone(spend, np.exp(log_spend))
        return float(np.sum(counts * customer_lifetime_value(
            tm, sm, ux, ut, uT, um, horizon=horizon, discount_rate=discount_rate, margin=margin)))

    theta = np.concatenate([model.log_params.to_numpy(), spend.log_params.to_numpy()])
    k = model.log_params.size
    cov = np.zeros((theta.size, theta.size))
    cov[:k, :k] = model.cov_log_params.to_numpy()
    cov[k:, k:] = spend.cov_log_params.to_numpy()
    gradient = np.empty(theta.size)
    for j in range(theta.size):
        step = np.zeros(theta.size)
        step[j] = 1e-4
        up, down = theta + step, theta - step
        gradient[j] = (total(up[:k], up[k:]) - total(down[:k], down[k:])) / 2e-4
    centre = total(theta[:k], theta[k:])
    se = float(np.sqrt(gradient @ cov @ gradient))
    z = stats.norm.ppf(0.5 + level / 2)
    return centre - z * se, centre + z * se


def _clone(results, params):
    clone = object.__new__(type(results))
    clone.__dict__.update(results.__dict__)
    clone.params = pd.Series(params, index=results.params.index)
    return clone


def cumulative_tracking(cal: pd.DataFrame, transactions: TransactionLog | pd.DataFrame, fits: dict, *,
                        period: str) -> pd.DataFrame:
    """Actual and expected cumulative repeat purchases of the calibration customers, per period
    since the earliest first purchase (FHL 2005a, Figure 3)."""
    log = as_log(transactions)
    days = PERIOD_DAYS[period]
    start = cal["first_purchase"].min()
    end = log.date_range[1]
    n_periods = int(np.ceil((end - start).days / days))
    grid = np.arange(1, n_periods + 1, dtype=float)
    log.register("calibration_customers", cal[["customer_id"]])
    # repeat purchase days of the calibration customers, counted per day since the start
    per_day = log.con.execute("""
        WITH firsts AS (SELECT customer_id, min(date) AS first FROM log GROUP BY customer_id)
        SELECT date_diff('day', $start, date) AS day, count(*) AS n
        FROM log JOIN firsts USING (customer_id) SEMI JOIN calibration_customers USING (customer_id)
        WHERE date > first GROUP BY day ORDER BY day""", {"start": start.to_pydatetime()}).df()
    log.con.unregister("calibration_customers")
    before = np.concatenate([[0], np.cumsum(per_day["n"].to_numpy())])
    actual = before[np.searchsorted(per_day["day"].to_numpy() / days, grid, side="left")].astype(float)
    offsets = ((cal["first_purchase"] - start).dt.days / days).value_counts()
    frame = pd.DataFrame({"period": grid, "actual": actual})
    for name, fit in fits.items():
        expected = np.zeros_like(grid)
        for offset, count in offsets.items():
            since = np.clip(grid - offset, 0, None)
            expected += count * fit.expected_purchases(since)
        frame[name] = expected
    return frame
