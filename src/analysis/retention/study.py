"""The retention chapter's analyses, for transaction logs and for contractual data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..chapters.readiness import MIN_CUSTOMERS  # the same limit validate applies
from ..core.errors import NotEstimable, not_estimable
from ..core.paths import RAW_DATA_DIR
from ..core.periods import PERIOD_DAYS, PERIODS_PER_YEAR
from ..data.transaction_log import MONEY, TransactionLog, as_log
from ..models.sbg import ShiftedBetaGeometric
from .churn import churn_durations, resolve_threshold, threshold_sensitivity
from .churn_model import fit_churn_model
from .cohorts import average_retention_curve, cohort_table
from .economics import retention_value
from .settings import RetentionSettings
from .survival import cox_model, kaplan_meier, kaplan_meier_by_group

FADER_HARDIE_2007 = RAW_DATA_DIR / "retention_cohorts" / "fader_hardie_2007.csv"


@dataclass
class RetentionStudy:
    results: dict[str, Any]
    km: dict[str, Any]
    km_groups: dict[str, Any] | None = None
    cox: dict[str, Any] | None = None
    churn_model: dict[str, Any] | None = None
    cohorts: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    sbg: dict[str, Any] = field(default_factory=dict)


def _km_summary(km: dict) -> dict:
    return {k: km[k] for k in ("median", "median_ci", "n", "events", "censored", "rmst")}


def _cox_summary(cox: dict) -> dict:
    if cox.get("status") == "not_estimable":
        return cox
    return {"status": "ok", "hazard_ratios": cox["table"].to_dict(orient="records"), "loglik": cox["loglik"],
            "n": cox["n"], "events": cox["events"], "ph_check": cox["ph_check"], "ph_global": cox.get("ph_global"),
            "concordance": cox.get("concordance"), "formula": cox["formula"],
            "dropped_covariates": cox["dropped_covariates"], "sample": cox.get("sample"),
            "method": cox["method"], "converged": cox["converged"], "methods_tried": cox["methods_tried"],
            "at_boundary": cox["at_boundary"]}


def _fit_cox(data: pd.DataFrame, duration: str, event: str, covariates: list[str], categorical: list[str]) -> dict:
    """The Cox model, or a not-estimable record when the data cannot support it (the chapter's
    Kaplan–Meier curves still stand)."""
    try:
        cox = cox_model(data, duration, event, covariates, categorical)
    except NotEstimable as exc:
        return not_estimable(exc.reason)
    cox.pop("fit")  # it holds the design matrix, sorted copies and residuals: GBs at millions of customers
    return cox


def _estimated(model: dict | None) -> dict | None:
    """A model's fit for the notebook's figures; None when there is none to draw."""
    return None if model is None or model.get("status") == "not_estimable" else model


# the churn classifier needs customers of both outcomes to learn from and to be judged on
MIN_CHURN_MODEL_CUSTOMERS = 20


P_ALIVE_BANDS = ["<25%", "25–50%", "50–75%", "≥75%"]


def _rule_by_p_alive(churned: np.ndarray, p_alive: np.ndarray) -> dict[str, dict[str, int]]:
    """Customers by the rule's verdict and P(alive) band (edges 0.25, 0.5, 0.75; a band includes its
    upper edge, the first also 0), counted with bincount: a crosstab of labels would build one Python
    string per customer."""
    known = ~np.isnan(p_alive)
    band = np.searchsorted([0.25, 0.5, 0.75], p_alive[known], side="left")
    counts = np.bincount(churned[known].astype(np.intp) * 4 + band, minlength=8).reshape(2, 4)
    present = counts.sum(axis=0) > 0
    table = {label: {b: int(c) for b, c, keep in zip(P_ALIVE_BANDS, counts[row], present) if keep}
             for row, label in ((1, "churned by the rule"), (0, "active (censored)")) if counts[row].sum()}
    return dict(sorted(table.items()))


def _fit_churn(train: pd.DataFrame, test: pd.DataFrame, features: list[str], label: str) -> dict:
    """The churn classifier, or a not-estimable record when either sample is too small or holds
    one outcome only (nothing to learn, or no AUC to judge it by)."""
    for part in (train, test):
        if len(part) < MIN_CHURN_MODEL_CUSTOMERS or part[label].nunique() < 2:
            return not_estimable("too few customers of each outcome to fit and test a churn model")
    return fit_churn_model(train, test, features, label)


def _churn_summary(model: dict) -> dict:
    if model.get("status") == "not_estimable":
        return model
    out = {k: v for k, v in model.items() if k != "calibration"}
    out["calibration"] = model["calibration"].to_dict(orient="records")
    return out


def run_retention_transactions(transactions: TransactionLog | pd.DataFrame, customers: pd.DataFrame,
                               settings: RetentionSettings, *, period: str, observation_end=None,
                               calibration_end=None) -> RetentionStudy:
    log = as_log(transactions)
    if len(customers) < MIN_CUSTOMERS:
        raise NotEstimable("too few customers for a survival analysis")
    end = pd.Timestamp(observation_end) if observation_end is not None else log.date_range[1]
    days = PERIOD_DAYS[period]
    threshold = resolve_threshold(log, settings.churn_threshold, settings.dormant_days, settings.gap_quantile)
    durations = churn_durations(customers, end, threshold, days)
    km = kaplan_meier(durations["duration"], durations["event"])
    cohort_month = month_labels(customers["first_purchase"])
    km_groups = kaplan_meier_by_group(durations["duration"], durations["event"], cohort_month)

    # Cox: first purchase value and acquisition cohort (and segment, when the data has one)
    first_value = log.first_per_customer("amount")
    data = durations.assign(log_first_value=np.log1p(customers["customer_id"].map(first_value).to_numpy()),
                            cohort=cohort_month)
    covariates, categorical = ["log_first_value", "cohort"], ["cohort"]
    if "segment" in log:
        first_segment = log.first_per_customer("segment")
        segment = customers["customer_id"].map(first_segment).fillna("(unknown)")
        common = segment.value_counts()
        segment = segment.where(segment.isin(common.index[:8]), "other")
        data["segment"] = segment.to_numpy()
        covariates.append("segment")
        categorical.append("segment")
    modelled = data  # a lifetime of 0 (one purchase day, then churned) is an event at time 0
    cox_sample = None
    if len(modelled) > settings.cox_max_customers:
        chosen = np.random.default_rng(0).choice(len(modelled), settings.cox_max_customers, replace=False)
        cox_sample = {"customers": settings.cox_max_customers, "of": len(modelled)}
        modelled = modelled.iloc[np.sort(chosen)]
    cox = _fit_cox(modelled, "duration", "event", covariates, categorical)
    if cox.get("status") != "not_estimable":
        cox["sample"] = cox_sample
    del data, modelled, first_value

    churn = None
    if calibration_end is not None and "frequency_cal" in customers:
        in_cal = customers["frequency_cal"].notna().to_numpy()
        cal = pd.DataFrame({
            "frequency_cal": customers["frequency_cal"].to_numpy(float, na_value=np.nan)[in_cal],
            "recency_cal": customers["recency_cal"].to_numpy(float)[in_cal],
            "log_monetary": np.log1p(customers["monetary_value_cal"].to_numpy(float)[in_cal]),
            "churned": (customers["frequency_holdout"].to_numpy(float, na_value=np.nan)[in_cal] == 0).astype(int),
        })
        cal["since_last"] = customers["T_cal"].to_numpy(float)[in_cal] - cal["recency_cal"].to_numpy()
        features = ["frequency_cal", "recency_cal", "since_last", "log_monetary"]
        rng = np.random.default_rng(0)
        test_mask = rng.random(len(cal)) < settings.test_share
        churn = _fit_churn(cal[~test_mask], cal[test_mask], features, "churned")
        if "p_alive" in customers and churn.get("status") != "not_estimable":
            # the BTYD model's P(alive) as a churn score on the same held-out customers
            from .churn_model import auc
            p_alive = customers["p_alive"].to_numpy(float)[in_cal][test_mask]
            churn["auc_p_alive_full_window"] = auc(-p_alive, cal.loc[test_mask, "churned"].to_numpy())
        del cal
    rule_vs_model = None
    if "p_alive" in customers:
        # the rule's verdict beside the CLV model's P(alive), customer by customer
        p_alive = customers["p_alive"].to_numpy()
        churned = durations["event"].to_numpy() == 1
        rule_vs_model = {
            "table": _rule_by_p_alive(churned, p_alive),
            "churned_with_low_p_alive": float(np.mean(p_alive[churned] < 0.5)) if churned.any() else None,
            "active_with_high_p_alive": float(np.mean(p_alive[~churned] >= 0.5)) if (~churned).any() else None,
        }
    cohorts = cohort_table(log, settings.cohort_months)
    curve = average_retention_curve(cohorts)
    cohort_record = {"average_curve": {str(k): v for k, v in curve.items()},
                     "month1": float(curve.get(1, np.nan)) if 1 in curve.index else None,
                     "n_cohorts": len(cohorts)}
    if cohorts.shape[1] < 2:  # every purchase in one calendar month: no cohort is seen come back
        cohorts, cohort_record = None, not_estimable(
            "all purchases fall in one month, so no cohort can be followed after its first month")
    sensitivity = threshold_sensitivity(customers, end, sorted({*settings.sensitivity_days, threshold}), days)

    # economics: yearly margin per active customer and the share of year-1 customers active in year 2
    retention_rate, mean_yearly_value = yearly_activity(log)
    annual_margin = settings.annual_margin or float(settings.margin_rate * mean_yearly_value)
    economics = (retention_value(annual_margin, retention_rate, settings.discount_rate, settings.acquisition_cost)
                 if retention_rate else None)
    results = {
        "setting": "non-contractual",
        "churn_rule": {"threshold_days": threshold, "rule": str(settings.churn_threshold),
                       "gap_quantile": settings.gap_quantile, "dormant_days": settings.dormant_days,
                       "share_churned": float(durations["event"].mean()),
                       "censored": int((durations["event"] == 0).sum())},
        "km": {**_km_summary(km), "period": period},
        "km_by_cohort": {"logrank": km_groups["logrank"],
                         "medians": {g: c["median"] for g, c in km_groups["curves"].items()}},
        "cox": _cox_summary(cox),
        "churn_model": _churn_summary(churn) if churn else None,
        "rule_vs_p_alive": rule_vs_model,
        "cohorts": cohort_record,
        "threshold_sensitivity": sensitivity.to_dict(orient="records"),
        "economics": economics,
    }
    return RetentionStudy(results=results, km=km, km_groups=km_groups, cox=_estimated(cox),
                          churn_model=_estimated(churn), cohorts=cohorts, sensitivity=sensitivity)


def fit_cohort_benchmark(path=FADER_HARDIE_2007, fit_years: int = 8) -> dict[str, Any]:
    """sBG on years 0–7 of the Fader & Hardie (2007) cohorts, projected to years 8–12 against the
    actual survivors and two constant-retention projections: the average rate over years 0–7 (an
    exponential survival curve, the kind of curve fit the paper warns against) and the last
    observed year's rate."""
    table = pd.read_csv(path)
    out = {}
    for cohort in [c for c in table.columns if c != "year"]:
        survivors = table[cohort].to_numpy(float)
        fit = ShiftedBetaGeometric(survivors[:fit_years]).fit()
        years = table["year"].to_numpy()
        average_rate = (survivors[fit_years - 1] / survivors[0]) ** (1 / (fit_years - 1))
        naive = survivors[0] * average_rate**years
        last_rate = survivors[fit_years - 1] / survivors[fit_years - 2]
        last = survivors[fit_years - 1] * last_rate ** (years - (fit_years - 1))
        projected = fit.project(years, survivors[0])
        holdout = years >= fit_years

        def mape(values):
            return float(np.mean(np.abs(values[holdout] / survivors[holdout] - 1)))

        out[cohort] = {
            **fit.to_dict(), "years": years.tolist(), "actual": survivors.tolist(),
            "projected": projected.tolist(), "naive": naive.tolist(),
            "holdout_mape_sbg": mape(projected), "holdout_mape_naive": mape(naive),
            "holdout_mape_last_rate": mape(last), "derl_10pct": fit.derl(0.10),
        }
    return out


def run_retention_contractual(contracts: pd.DataFrame, settings: RetentionSettings, covariates: list[str],
                              *, period: str, rng: np.random.Generator) -> RetentionStudy:
    """Contractual data: tenure in whole periods and a churn flag; non-churners are censored."""
    covariates = settings.covariates or covariates
    data = contracts.copy()
    numeric = [c for c in covariates if pd.api.types.is_numeric_dtype(data[c])]
    categorical = settings.categorical or [c for c in covariates if c not in numeric]
    # covariates with missing values: rows are kept for survival curves and dropped from models, counted
    complete = data[covariates].notna().all(axis=1)
    km = kaplan_meier(data["tenure"], data["churned"])
    group = categorical[0] if categorical else None
    km_groups = kaplan_meier_by_group(data["tenure"], data["churned"], data[group]) if group else None
    model_data = data[complete & (data["tenure"] > 0)].copy()
    cox = _fit_cox(model_data, "tenure", "churned", covariates, categorical)
    sbg = ShiftedBetaGeometric.from_durations(data["tenure"].round(), data["churned"]).fit()
    months = np.arange(0, int(data["tenure"].max()) + 25)
    design = pd.get_dummies(model_data[covariates], columns=categorical, drop_first=True, dtype=float)
    design["tenure"] = model_data["tenure"]
    design["churned"] = model_data["churned"]
    features = [c for c in design.columns if c != "churned"]
    test_mask = rng.random(len(design)) < settings.test_share
    churn = _fit_churn(design[~test_mask], design[test_mask], features, "churned")
    benchmark = fit_cohort_benchmark() if FADER_HARDIE_2007.exists() else {}
    rate = float(data.loc[data["tenure"] > 0, "churned"].sum() / data["tenure"].sum())  # churn per period
    monthly_margin = settings.margin_rate * float(data[numeric[0]].mean()) if numeric else None
    economics = None
    if monthly_margin:
        yearly_retention = (1 - rate) ** PERIODS_PER_YEAR[period]
        economics = retention_value(monthly_margin * PERIODS_PER_YEAR[period], yearly_retention,
                                    settings.discount_rate, settings.acquisition_cost)
    results = {
        "setting": "contractual",
        "km": {**_km_summary(km), "period": period},
        "km_by_group": ({"group": group, "logrank": km_groups["logrank"],
                         "medians": {g: c["median"] for g, c in km_groups["curves"].items()}} if km_groups else None),
        "cox": _cox_summary(cox),
        "excluded_from_models": int((~complete | (data["tenure"] <= 0)).sum()),
        "sbg": {"individual": {**sbg.to_dict(), "derl_10pct": sbg.derl(per_period_rate(0.10, period)),
                               "derl": {"yearly_rate": 0.10, "per_period_rate": per_period_rate(0.10, period),
                                        "unit": period},
                               "projection": {str(m): float(v) for m, v in zip(months[::6], sbg.survival(months[::6]))}},
                **benchmark},
        "churn_model": _churn_summary(churn),
        "economics": economics,
    }
    return RetentionStudy(results=results, km=km, km_groups=km_groups, cox=_estimated(cox),
                          churn_model=_estimated(churn), sbg={"individual": sbg, "months": months, "benchmark": benchmark})


def per_period_rate(yearly_rate: float, period: str) -> float:
    """A yearly discount rate as the equivalent rate per model period: (1 + d)^(1/k) − 1 for k periods
    a year (10% a year is 0.80% a month, not 10% a month)."""
    return float((1 + yearly_rate) ** (1 / PERIODS_PER_YEAR[period]) - 1)


def yearly_activity(log: TransactionLog) -> tuple[float | None, float]:
    """Share of the customers active in the first year (365 days from the first purchase day in
    the log) who are active again in the second, and the mean value per active customer-year.
    The share is None unless the log covers both years completely (730 days): a second "year" of
    a few days would count almost nobody as retained."""
    start, end = (d.to_pydatetime() for d in log.date_range)
    complete_years = (end - start).days + 1 >= 2 * 365
    years, year0, both, mean_value = log.con.execute(f"""
        WITH yearly AS (
            SELECT customer_id, date_diff('day', $start, date) // 365 AS year, sum({MONEY}) AS value
            FROM log GROUP BY ALL)
        SELECT count(DISTINCT year), count(*) FILTER (WHERE year = 0),
               (SELECT count(*) FROM (SELECT customer_id FROM yearly WHERE year = 0
                                      INTERSECT SELECT customer_id FROM yearly WHERE year = 1)),
               avg(value) FILTER (WHERE year < $complete)::DOUBLE
        FROM yearly""", {"start": start, "complete": 2 if complete_years else 1}).fetchall()[0]
    return (both / year0 if complete_years and years > 1 and year0 else None), float(mean_value)


def month_labels(dates: pd.Series) -> pd.Categorical:
    """Each date's month as "YYYY-MM", categorical: millions of customers share a few dozen labels
    (as Python strings they would cost about 60 bytes per customer)."""
    month = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy()
    codes, months = pd.factorize(month, sort=True)
    return pd.Categorical.from_codes(codes, categories=[f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months])
