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

from ..errors import NotEstimable, not_estimable
from ..periods import PERIOD_DAYS
from ..readiness import MIN_CUSTOMERS  # the same limit validate applies
from ..transaction_log import TransactionLog, as_log
from .bgnbd import BetaGeo
from .diagnostics import period_transactions, spend_independence
from .gammagamma import GammaGamma
from .mbgnbd import ModifiedBetaGeo
from .paretonbd import ParetoNBD
from .settings import ClvSettings
from .value import customer_lifetime_value, period_discount_rate

MODELS = {"bgnbd": BetaGeo, "paretonbd": ParetoNBD, "mbgnbd": ModifiedBetaGeo}
MODEL_NAMES = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD", "mbgnbd": "MBG/NBD"}


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
        if self.by_frequency is not None:
            out["holdout_by_frequency"] = self.by_frequency.reset_index().to_dict(orient="records")
        return out


def _fit_transactions(names, frequency, recency, T) -> tuple[dict[str, Any], dict[str, str]]:
    """Each model's fit, and the reason for each model that gives no finite estimates (the
    fallbacks of :meth:`~analysis.clv.base.LogScaleLikelihoodModel.fit` exhausted)."""
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
) -> ClvStudy:
    """Fit, validate and forecast; ``customers`` is the customer summary of CONTRACT.md."""
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
    }
    return ClvStudy(calibration_fits=calibration_fits, spend_fit=spend_fit, forecast_fits=forecast_fits,
                    predictions=predictions, comparison=comparison, recommended=recommended,
                    reason=reason, holdout=holdout, by_frequency=by_frequency, tracking=tracking,
                    summary=summary, diagnostics=diagnostics, not_estimable=failed)


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
