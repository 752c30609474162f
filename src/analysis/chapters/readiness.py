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

from ..core.periods import PERIOD_DAYS

# Fewer customers than this and the 80/20, CLV and retention chapters are not estimable (the
# chapters import this constant, so validate and run apply the same limit).
MIN_CUSTOMERS = 10
# BG/NBD, Pareto/NBD and MBG/NBD need a repeat buyer in the calibration period (x > 0) to identify
# the purchase rate; Gamma-Gamma needs one with a positive mean repeat spend (Fader, Hardie & Lee
# 2005b). These are the chapter's own conditions (clv.study.run_clv).
MIN_REPEAT_BUYERS = 1
# The Cox model needs this many churns under the inactivity rule (retention.survival imports it);
# with fewer the retention chapter still runs, its Cox model is reported as not estimable.
MIN_COX_EVENTS = 5



def chapter_readiness(customers: pd.DataFrame, config) -> dict[str, str | None]:
    """For each chapter, ``None`` when the data can support its model, else why not.

    Parameters
    ----------
    customers : DataFrame
        Transaction data: the customer summary of `analysis.data.summary.customer_summary` (with the
        ``*_cal`` columns when ``analysis.calibration_end`` is set). Contractual data: the contract
        table of `analysis.data.loading.load_contracts` (``tenure``, ``churned``).
    config : StudyConfig
        The study's config (its ``analysis``, ``pareto`` and ``retention`` sections are read).

    Returns
    -------
    dict
        ``{"pareto": ..., "clv": ..., "retention": ..., "segments": ...}`` for transaction data,
        ``{"retention": ...}`` for contractual data; each value ``None`` or a reason.
    """
    if config.data.kind == "contractual":
        return {"retention": _too_few_customers(len(customers))}
    clv = _clv(customers, config)
    return {
        "pareto": _too_few_customers(len(customers)) or _positive_total(customers),
        "clv": clv,
        "retention": _too_few_customers(len(customers)),
        # the segments chapter runs without the CLV predictions when that chapter is not estimable
        "segments": None,
    }


def part_readiness(customers: pd.DataFrame, config, *,
                   churn_threshold_days: int | None = None) -> dict[str, list[str]]:
    """Parts of a chapter that will be reported as not estimable while the chapter runs: the whale
    curve without a positive total profit, the Cox model with too few churns. ``churn_threshold_days``
    is the inactivity threshold the retention chapter will use (for ``churn_threshold: auto`` a
    quantile of inter-purchase gaps, which the summary alone cannot give: pass
    `analysis.retention.churn.resolve_threshold`'s answer); without it, ``auto`` is checked with the
    largest threshold the rule can give (the longest recency)."""
    if config.data.kind == "contractual":
        events = int(customers["churned"].sum())
        return {"retention": [_too_few_churns(events, "")] if events < MIN_COX_EVENTS else []}
    notes = {"pareto": [], "retention": []}
    if (reason := _whale_curve(customers, config)) is not None:
        notes["pareto"].append(reason)
    if (reason := _churn_events(customers, config, churn_threshold_days)) is not None:
        notes["retention"].append(reason)
    return notes


def _too_few_customers(n: int) -> str | None:
    if n < MIN_CUSTOMERS:
        return f"{n} customer{'s' if n != 1 else ''} after cleaning; at least {MIN_CUSTOMERS} are needed"
    return None


def _positive_total(customers: pd.DataFrame) -> str | None:
    total = float(customers["total_value"].sum())
    if not total > 0:
        return f"total customer value is {total:g}; concentration needs a positive total"
    return None


def _whale_curve(customers: pd.DataFrame, config) -> str | None:
    cost = config.pareto.cost
    if cost.cost_column is None or cost.cost_column in customers:
        profit = float(cost.profit(customers).sum())
        if not profit > 0:
            return (f"whale curve: total profit (margin {cost.margin_rate:g} × revenue − {cost.cost_per_order:g} per "
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
    paying = int(((repeats > 0) & (spend > 0)).sum())
    if paying < MIN_REPEAT_BUYERS:
        return (f"{paying} repeat buyer{'s' if paying != 1 else ''} with a positive repeat spend {where}; "
                f"the Gamma-Gamma spend model needs at least {MIN_REPEAT_BUYERS}")
    return None


def _churn_events(customers: pd.DataFrame, config, threshold_days: int | None) -> str | None:
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
    if events < MIN_COX_EVENTS:
        return _too_few_churns(events, f" (silent for more than {threshold_days} days by {end:%Y-%m-%d})")
    return None


def _too_few_churns(events: int, rule: str) -> str:
    return (f"Cox model: {events} churn{'s' if events != 1 else ''}{rule}; the Cox model needs at least "
            f"{MIN_COX_EVENTS}")


