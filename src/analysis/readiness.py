"""Can the data support each chapter? One answer, used by ``validate`` and by the chapters.

`chapter_readiness` looks only at the customer summary (and the study config) and says, for each
analysis chapter, whether its model can be estimated: ``None`` when it can, else the reason, a
sentence a reader can act on. The thresholds below are the only place these limits are set, so
that ``python -m analysis validate`` predicts what ``run`` will do.

They are minimums for the estimators to be defined, not for the estimates to be precise: two
customers give a concentration curve and two repeat buyers a likelihood with a maximum, but the
intervals the chapters report are what tells a reader how little such data says.
"""

from __future__ import annotations

import pandas as pd

from .periods import PERIOD_DAYS

# Fewer customers than this and no chapter has a distribution to describe.
MIN_CUSTOMERS = 2
# BG/NBD, Pareto/NBD and MBG/NBD: repeat buyers in the calibration period (x > 0) identify the
# purchase rate's heterogeneity; one-time buyers (x = 0) identify dropout. Gamma-Gamma needs the
# same repeat buyers with a positive mean repeat spend (Fader, Hardie & Lee 2005b).
MIN_REPEAT_BUYERS = 2
MIN_ONE_TIME_BUYERS = 1
# Retention's survival models need at least one churn under the inactivity rule.
MIN_CHURN_EVENTS = 1

# The chapters `chapter_readiness` answers for, and the notebook of each.
CHAPTER_NOTEBOOKS = {
    "pareto": "02_pareto",
    "clv": "03_clv",
    "retention": "04_retention",
    "segments": "05_segments",
}


def chapter_readiness(customers: pd.DataFrame, config, *,
                      churn_threshold_days: int | None = None) -> dict[str, str | None]:
    """For each chapter, ``None`` when the data can support its model, else why not.

    Parameters
    ----------
    customers : DataFrame
        Transaction data: the customer summary of `analysis.summary.customer_summary` (with the
        ``*_cal`` columns when ``analysis.calibration_end`` is set). Contractual data: the contract
        table of `analysis.loading.load_contracts` (``tenure``, ``churned``).
    config : StudyConfig
        The study's config (its ``analysis``, ``pareto`` and ``retention`` sections are read).
    churn_threshold_days : int, optional
        The inactivity threshold the retention chapter will use (for ``churn_threshold: auto``
        it is a quantile of inter-purchase gaps, which the summary alone cannot give; pass
        `analysis.retention.churn.resolve_threshold`'s answer). When omitted with ``auto``, the
        check uses the largest threshold the rule can give (the longest recency), so it reports
        "no churn" only when there certainly is none.

    Returns
    -------
    dict
        ``{"pareto": ..., "clv": ..., "retention": ..., "segments": ...}`` for transaction data,
        ``{"retention": ...}`` for contractual data; each value ``None`` or a reason.
    """
    if config.data.kind == "contractual":
        return {"retention": _contract_retention(customers)}
    clv = _clv(customers, config)
    return {
        "pareto": _pareto(customers, config),
        "clv": clv,
        "retention": _retention(customers, config, churn_threshold_days),
        "segments": None if clv is None else f"it needs the CLV chapter, which is not estimable: {clv}",
    }


def _too_few_customers(n: int) -> str | None:
    if n < MIN_CUSTOMERS:
        return f"{n} customer{'s' if n != 1 else ''} after cleaning; at least {MIN_CUSTOMERS} are needed"
    return None


def _pareto(customers: pd.DataFrame, config) -> str | None:
    if reason := _too_few_customers(len(customers)):
        return reason
    total = float(customers["total_value"].sum())
    if not total > 0:
        return f"total customer value is {total:g}; concentration needs a positive total"
    cost = config.pareto.cost
    if cost.cost_column is None or cost.cost_column in customers:
        # the chapter draws the whale curve on profit whatever value_measure is chosen
        profit = float(cost.profit(customers).sum())
        if not profit > 0:
            return (f"total profit (margin {cost.margin_rate:g} × revenue − {cost.cost_per_order:g} per "
                    f"purchase day − {cost.cost_per_customer_per_period:g} per customer and period) is "
                    f"{profit:,.2f}; the whale curve needs it positive (see pareto.cost)")
    return None


def _clv(customers: pd.DataFrame, config) -> str | None:
    if config.analysis.calibration_end is not None and "frequency_cal" in customers:
        in_calibration = customers["frequency_cal"].notna()
        repeats = customers.loc[in_calibration, "frequency_cal"].astype("int64")
        spend = customers.loc[in_calibration, "monetary_value_cal"].astype(float)
        where = f"in the calibration period (to {config.analysis.calibration_end})"
    else:
        repeats, spend = customers["frequency"].astype("int64"), customers["monetary_value"].astype(float)
        where = "in the observation window"
    if reason := _too_few_customers(len(repeats)):
        return reason + f" {where}"
    repeat_buyers = int((repeats > 0).sum())
    if repeat_buyers < MIN_REPEAT_BUYERS:
        return (f"{repeat_buyers} customer{'s' if repeat_buyers != 1 else ''} bought more than once {where}; "
                f"the purchase models need at least {MIN_REPEAT_BUYERS}")
    one_time = int((repeats == 0).sum())
    if one_time < MIN_ONE_TIME_BUYERS:
        return (f"every customer bought again {where}; with no one-time buyers the dropout process "
                "cannot be estimated")
    paying = int(((repeats > 0) & (spend > 0)).sum())
    if paying < MIN_REPEAT_BUYERS:
        return (f"{paying} repeat buyer{'s' if paying != 1 else ''} with a positive repeat spend {where}; "
                f"the Gamma-Gamma spend model needs at least {MIN_REPEAT_BUYERS}")
    return None


def _retention(customers: pd.DataFrame, config, threshold_days: int | None) -> str | None:
    if reason := _too_few_customers(len(customers)):
        return reason
    settings = config.retention
    if threshold_days is None:
        if settings.churn_threshold == "dormant":
            threshold_days = settings.dormant_days
        elif settings.churn_threshold == "auto":
            # every gap is at most the longest recency; nobody bought twice: the dormant rule
            longest = float(customers["recency"].max()) * PERIOD_DAYS[config.analysis.period]
            threshold_days = int(longest) + 1 if (customers["frequency"] > 0).any() else settings.dormant_days
        else:
            threshold_days = int(settings.churn_threshold)
    end = pd.Timestamp(config.analysis.observation_end or customers["last_purchase"].max())
    days_silent = (end.normalize() - customers["last_purchase"].dt.normalize()).dt.days
    events = int((days_silent > threshold_days).sum())
    if events < MIN_CHURN_EVENTS:
        return (f"no customer has been silent for more than {threshold_days} days (the churn threshold) by "
                f"{end:%Y-%m-%d}, so there are no churn events to model")
    return None


def _contract_retention(contracts: pd.DataFrame) -> str | None:
    if reason := _too_few_customers(len(contracts)):
        return reason
    if int(contracts["churned"].sum()) < MIN_CHURN_EVENTS:
        return "no customer churned, so there are no churn events to model"
    return None
