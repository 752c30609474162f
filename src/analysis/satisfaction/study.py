"""The satisfaction chapter's results, as plain data for ``results.json``.

:func:`survey_study` runs every survey analysis the settings allow (measurement; the PLS index when
paths are declared; drivers when a target, an overall item or a recommend item exists; the link to
behaviour when respondents carry customer ids and a customer summary is given);
:func:`loyalty_study` runs the behavioural loyalty analyses every study can show.
Each section says which sample it used.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import PerfectSeparationError

from ..core.privacy import pseudonymise
from ..models.pls import PLSPathModel
from .drivers import importance_performance, net_promoter_score, ordered_logit_drivers
from .intervals import wilson_interval
from .link import (
    churn_after_survey,
    churn_cox,
    join_survey,
    repeat_purchase_logit,
    respondent_comparison,
    satisfaction_loyalty_curve,
    share_by_level,
    value_by_level,
    value_regression,
)
from .loyalty import loyalty_ladder, repeat_purchase_rate, return_rates
from .measurement import (
    dimension_means,
    dimension_scores,
    item_means,
    reliability_table,
    top_box_shares,
)
from .settings import SurveySettings
from .simulate import simulate_survey
from .survey import SurveyTable, validate_survey

# Nunnally (1978): alpha of 0.7 or more is the usual floor for a scale used to compare groups.
RELIABILITY_FLOOR = 0.7
# the loyalty ladder's "recently active": a purchase within the last half year, in the summary's unit
HALF_YEAR = {"day": 182.0, "week": 26.0, "month": 6.0}
SIMULATED_SURVEY_FILE = "survey_simulated.csv"
# Reichheld (2003): answers 9-10 promote, 7-8 are passive, 0-6 detract
NPS_GROUPS = {"promoters": [9, 10], "passives": [7, 8], "detractors": [0, 6]}
CANCELLATION_REASONS = ("cancellation", "cancellation_netted", "cancellation_unmatched")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-ready records (index levels become fields; NaN becomes None)."""
    flat = frame.reset_index()
    flat.columns = [str(c) for c in flat.columns]
    return [{k: (None if isinstance(v, float) and np.isnan(v) else (v.item() if hasattr(v, "item") else v))
             for k, v in row.items()} for row in flat.to_dict(orient="records")]


def survey_study(settings: SurveySettings, base: Path | None = None, summary: pd.DataFrame | None = None,
                 table: SurveyTable | None = None, repeat_column: str | None = "frequency_holdout",
                 no_repeat_reason: str | None = None, churn_within: float | None = None,
                 no_clv_reason: str | None = None) -> dict[str, Any]:
    """Every survey analysis the settings and data allow, as a dict of plain values.

    ``summary`` (the customer summary) enables the link section when ``settings.customer_id`` is
    set; repeat purchase is ``repeat_column`` > 0 (purchases after the calibration end, when the
    survey is taken there). For a simulated survey, merge ``SimulatedSurvey.outcome`` onto the
    summary and pass ``repeat_column="repeat_purchase"``: its truth is then what the logit estimates.
    ``churn_within`` is the churn rule's time without a purchase (None: no churn model);
    ``no_clv_reason`` says why the summary has no ``predicted_clv`` column when it has none.
    """
    table = (validate_survey(settings, base) if table is None else table).canonical()
    answers = table.answers
    level = settings.level
    results: dict[str, Any] = {
        "respondents": table.respondents,
        "missing_answers": {k: int(v) for k, v in table.missing.items()},
        "missing_coded": {k: int(v) for k, v in table.missing_coded.items()},
        "reversed_items": list(table.reversed_items),
        "missing_rule": "item means and top-box shares: pairwise; dimension means and alpha: listwise "
                        "within the dimension; PLS: listwise over all items",
    }
    results["item_means"] = _records(item_means(answers, settings.items, level))
    results["dimension_means"] = _records(dimension_means(answers, settings.dimensions, level))
    tops = {item: settings.bounds(item)[1] for item in settings.items}
    results["top_box"] = _records(top_box_shares(answers, settings.items, tops, settings.top_box, level))

    fit = None
    if settings.paths:
        scales = {item: settings.bounds(item) for item in settings.items}
        fit = PLSPathModel(answers, settings.dimensions, settings.paths, scale=scales).fit(
            bootstrap=settings.bootstrap, seed=settings.seed, level=level)
        paths = fit.path_table if fit.replicates is not None else fit.path_coefficients.to_frame("estimate")
        results["pls"] = {
            "n": fit.nobs, "dropped": fit.n_dropped, "iterations": fit.iterations,
            "scheme": "path", "mode": "A", "bootstrap": settings.bootstrap, "seed": settings.seed,
            "paths": _records(paths),
            "total_effects": _records(fit.total_effect_table if fit.replicates is not None
                                      else fit.total_effects.to_frame("estimate")),
            "r_squared": {k: float(v) for k, v in fit.r_squared.items()},
            "outer": _records(pd.concat([fit.outer_loadings, fit.outer_weights, fit.index_weights], axis=1)),
            "index": {k: float(v) for k, v in fit.index_means.items()},
        }
        results["reliability"] = _records(reliability_table(answers, settings.dimensions, fit.outer_loadings, level))
        if settings.target is not None:
            ipma = importance_performance(fit.total_effects, fit.index_means, settings.target)
            results["importance_performance"] = {"target": settings.target, **ipma.attrs,
                                                 "drivers": _records(ipma)}
    else:
        results["reliability"] = _records(reliability_table(answers, settings.dimensions, None, level))

    if settings.overall_item is not None:
        drivers = dimension_scores(answers, settings.dimensions)
        # the drivers are the other dimensions: not the overall item's own, nor the recommend item's (an outcome)
        outcomes = {settings.overall_item, settings.recommend_item}
        drivers = drivers.drop(columns=[c for c in drivers if outcomes & set(settings.dimensions[c])])
        try:
            ordered = ordered_logit_drivers(answers, settings.overall_item, drivers, level)
            results["ordered_logit"] = {"n": ordered.nobs, "dropped": ordered.n_dropped,
                                        "pseudo_r2": ordered.llr_pseudo_r2, "drivers": _records(ordered.table),
                                        "thresholds": {k: float(v) for k, v in ordered.thresholds.items()}}
        except ValueError as reason:
            results["ordered_logit"] = {"skipped": str(reason)}
    if settings.recommend_item is not None:
        try:
            nps = net_promoter_score(answers[settings.recommend_item], level)
            results["nps"] = {k: (float(v) if isinstance(v, float) else v) for k, v in nps.__dict__.items()}
        except ValueError as reason:
            results["nps"] = {"skipped": str(reason)}

    if settings.customer_id and summary is not None and table.customer_ids is not None:
        results["link"] = link_study(settings, table, summary, repeat_column, no_repeat_reason, churn_within,
                                     no_clv_reason)
    return results


def link_study(settings: SurveySettings, table: SurveyTable, summary: pd.DataFrame,
               repeat_column: str | None = "frequency_holdout", no_repeat_reason: str | None = None,
               churn_within: float | None = None, no_clv_reason: str | None = None) -> dict[str, Any]:
    """Respondents joined to the log: survey bias, then satisfaction -> repeat purchase, churn, spend
    and CLV (each part says why when it cannot be estimated)."""
    survey = table.answers.assign(customer_id=table.customer_ids.to_numpy())
    # the satisfaction measure: the overall item when there is one, else the target dimension's mean
    if settings.overall_item is not None:
        survey["satisfaction"] = table.answers[settings.overall_item]
        measure = settings.overall_item
    elif settings.target is not None:
        survey["satisfaction"] = dimension_scores(table.answers, settings.dimensions)[settings.target]
        measure = f"mean of {settings.target}"
    else:
        survey["satisfaction"], measure = np.nan, None
    summary = summary.assign(customer_id=summary["customer_id"].astype(str))
    joined = join_survey(summary, survey)
    behaviour = [c for c in ("recency", "frequency", "monetary_value") if c in summary]
    if joined.empty:
        return {"respondents_joined": 0, "respondents_unmatched": joined.attrs["unmatched"],
                "skipped": "no respondent's customer id is in the transaction log"}
    section: dict[str, Any] = {
        "respondents_joined": len(joined), "respondents_unmatched": joined.attrs["unmatched"],
        "respondent_comparison": _records(respondent_comparison(summary, joined["customer_id"], behaviour)),
    }
    # past behaviour drives both satisfaction and what customers do next: every model controls for it
    joined["log_frequency"] = np.log1p(joined["frequency"])
    no_measure = "the survey has neither an overall item nor a target dimension to measure satisfaction"
    if measure is None or not joined["satisfaction"].notna().any():
        section["repeat_logit"] = {"skipped": no_measure}
    elif repeat_column is None or repeat_column not in joined:
        section["repeat_logit"] = {"skipped": no_repeat_reason or f"no column {repeat_column!r} of purchases after the survey"}
    elif joined[repeat_column].gt(0).nunique() < 2:
        section["repeat_logit"] = {"skipped": "every joined respondent has the same outcome (all or none bought again)"}
    else:
        joined["repeat_purchase"] = (joined[repeat_column] > 0).astype(int)
        try:
            fit = repeat_purchase_logit(joined, "repeat_purchase", "satisfaction", ["log_frequency"], settings.level)
        except (np.linalg.LinAlgError, PerfectSeparationError) as reason:
            section["repeat_logit"] = {"skipped": f"the logit cannot be fitted: {reason}"}
        else:
            section["repeat_logit"] = {"satisfaction": measure, "outcome": f"{repeat_column} > 0",
                                       "controls": ["log(1 + frequency)"], "n": fit.nobs, "dropped": fit.n_dropped,
                                       "terms": _records(fit.table)}
            if settings.overall_item is not None:
                section["loyalty_curve"] = _records(
                    satisfaction_loyalty_curve(joined, "repeat_purchase", settings.overall_item, settings.level))
    if measure is None:
        section["churn"] = {"skipped": no_measure}
    else:
        section["churn"] = churn_study(joined, measure, settings.overall_item, churn_within, settings.level)
    section["values"] = {
        "spend_after": _spend_after(joined, measure, settings, repeat_column),
        "clv": (value_study(joined, "predicted_clv", measure, settings.overall_item, settings.level)
                if "predicted_clv" in joined and joined["predicted_clv"].notna().any()
                else {"skipped": no_clv_reason or "the CLV chapter wrote no per-customer CLV for this study"}),
    }
    return section


def churn_study(joined: pd.DataFrame, measure: str, level_column: str | None, churn_within: float | None,
                level: float) -> dict[str, Any]:
    """Churn after the survey by satisfaction: the dormancy rule of :func:`~.link.churn_after_survey`
    (no purchase in the last ``churn_within`` periods of the log), a Cox model of the time from the
    survey to churn on satisfaction and log(1 + past frequency), and the churned share per level."""
    if churn_within is None or not {"T_cal", "T_end", "recency_end"} <= set(joined):
        return {"skipped": "the study has no calibration end, so no time after the survey is observed"}
    follow_up = float((joined["T_end"] - joined["T_cal"]).max())
    rule = {"threshold": churn_within, "follow_up": follow_up}
    if churn_within >= follow_up:
        return {"rule": rule, "skipped": "the log does not run longer after the survey than the churn rule's "
                                         "time without a purchase, so no churn after the survey can be seen"}
    frame = joined.join(churn_after_survey(joined, churn_within)).dropna(subset=["satisfaction"])
    events = int(frame["churned"].sum())
    if events == 0 or events == len(frame):
        return {"rule": rule, "n": len(frame), "churned": events,
                "skipped": "every joined respondent has the same churn outcome (all or none churned)"}
    try:
        fit = churn_cox(frame, "duration", "churned", "satisfaction", ["log_frequency"], level)
    except (np.linalg.LinAlgError, ValueError) as reason:
        return {"rule": rule, "skipped": f"the Cox model cannot be fitted: {reason}"}
    terms = fit.table.assign(ratio_lower=np.exp(fit.table["lower"]), ratio_upper=np.exp(fit.table["upper"]))
    if not np.isfinite(terms.loc["satisfaction", ["coef", "lower", "upper"]].to_numpy(float)).all():
        return {"rule": rule, "skipped": "the Cox model gives no finite estimate of the satisfaction effect"}
    result = {"rule": rule, "satisfaction": measure, "controls": ["log(1 + frequency)"], "n": fit.nobs,
              "dropped": fit.n_dropped, "churned": int(frame["churned"].sum()), "terms": _records(terms)}
    if level_column is not None:
        result["by_level"] = _records(share_by_level(frame, "churned", level_column, level, count_name="churned"))
    return result


def value_study(joined: pd.DataFrame, value: str, measure: str | None, level_column: str | None,
                level: float) -> dict[str, Any]:
    """A value per customer (spend after the survey, CLV) by satisfaction: mean per level and the
    regression of log(1 + value) on satisfaction holding log(1 + past frequency) fixed."""
    if measure is None:
        return {"skipped": "the survey has neither an overall item nor a target dimension to measure satisfaction"}
    result: dict[str, Any] = {"measure": value}
    if level_column is not None:
        result["by_level"] = _records(value_by_level(joined, level_column, [value], level).droplevel("measure"))
    frame = joined.dropna(subset=["satisfaction", value])
    if len(frame) < 10 or frame["satisfaction"].nunique() < 2:
        result["regression"] = {"skipped": "fewer than ten respondents with a value, or a single satisfaction level"}
        return result
    fit = value_regression(frame, value, "satisfaction", ["log_frequency"], level)
    terms = fit.table.assign(change=fit.table["ratio"] - 1, change_lower=np.exp(fit.table["lower"]) - 1,
                             change_upper=np.exp(fit.table["upper"]) - 1)
    result["regression"] = {"scale": "log(1 + value)", "controls": ["log(1 + frequency)"], "errors": "HC1",
                            "n": fit.nobs, "dropped": fit.n_dropped, "terms": _records(terms)}
    return result


def _spend_after(joined: pd.DataFrame, measure: str | None, settings: SurveySettings,
                 repeat_column: str | None) -> dict[str, Any]:
    """Spend after the survey (holdout purchase days x their mean value), only when the purchases
    after the survey are the log's own: a simulated repeat purchase has no amount."""
    if repeat_column != "frequency_holdout" or "monetary_value_holdout" not in joined:
        reason = ("the purchase after a simulated survey is simulated and has no amount"
                  if repeat_column == "repeat_purchase" else "no spend after the survey is observed")
        return {"skipped": reason}
    joined["spend_after"] = joined["frequency_holdout"] * joined["monetary_value_holdout"].fillna(0.0)
    return value_study(joined, "spend_after", measure, settings.overall_item, settings.level)


def loyalty_study(summary: pd.DataFrame, transactions: pd.DataFrame | None = None, min_repeat: int = 2,
                  active_within: float = 26.0) -> dict[str, Any]:
    """Repeat-purchase rate, the loyalty ladder under its stated rule, return rates when returns exist."""
    ladder = loyalty_ladder(summary, min_repeat, active_within)
    return {
        "repeat_rate": repeat_purchase_rate(summary),
        "ladder_rule": {"min_repeat": min_repeat, "active_within": active_within},
        "ladder": _records(ladder),
        "returns": None if transactions is None else return_rates(transactions),
    }


def behaviour_at_survey(customers: pd.DataFrame) -> tuple[pd.DataFrame, str | None, str | None]:
    """The customer summary as of the survey, the column counting purchases after it, and why there
    is none.

    With a calibration end the survey is placed there: recency, frequency, T and value are those of
    the calibration window (customers who first bought later are left out: they could not have
    answered), and buying again means ``frequency_holdout`` > 0; ``recency_end`` and ``T_end`` keep the
    whole log's recency and age (churn after the survey). Without one, the survey is placed at
    the end of the log and no purchase after it is observed.
    """
    if "frequency_cal" in customers:
        at = customers.dropna(subset=["frequency_cal"])
        # the whole log's recency and age stay beside them: churn after the survey is read from them
        at = at.assign(recency_end=at["recency"], T_end=at["T"], frequency=at["frequency_cal"],
                       recency=at["recency_cal"], T=at["T_cal"], monetary_value=at["monetary_value_cal"])
        return at.reset_index(drop=True), "frequency_holdout", None
    return customers, None, "the study has no calibration end, so no purchase after the survey is observed"


def cancellation_rate(cleaning: dict[str, Any] | None, level: float = 0.95) -> dict[str, Any] | None:
    """Share of the input lines that cleaning recognised as cancellations or returns (by the invoice
    prefix), with its Wilson interval; None when there are none (the clean log holds purchases only:
    negative amounts never reach the analyses)."""
    if not cleaning:
        return None
    dropped = cleaning.get("dropped", {})
    lines = int(sum(dropped.get(reason, 0) for reason in CANCELLATION_REASONS))
    rows = int(cleaning.get("input_rows", 0))
    if lines == 0 or rows == 0:
        return None
    lower, upper = wilson_interval(lines, rows, level)
    return {"input_rows": rows, "return_lines": lines, "line_rate": lines / rows, "line_lower": lower,
            "line_upper": upper}


# the behaviour columns that order customers for a simulated survey's draws (see below)
DRAW_ORDER = ("frequency", "recency", "T", "monetary_value", "recency_end", "T_end", "frequency_holdout",
              "monetary_value_holdout")


def _simulate_in_behaviour_order(at_survey: pd.DataFrame, seed: int, effect: float):
    """:func:`simulate_survey` with customers in the order of their behaviour, then their id.

    A run that hides customer ids publishes keyed pseudonyms (:mod:`analysis.core.privacy`), and each
    installation has its own key: drawing in the order of the pseudonyms would give every machine a
    different survey. In behaviour order the draws go to the same customers everywhere; customers
    tied on every column are interchangeable in every analysis, so which of them gets which draw
    changes no result.
    """
    columns = [c for c in DRAW_ORDER if c in at_survey]
    ordered = at_survey.sort_values([*columns, "customer_id"], kind="stable", na_position="last")
    position = pd.Series([f"{i:012d}" for i in range(len(ordered))], index=ordered.index)
    frame = ordered.assign(draw_order=position)
    draw = simulate_survey(frame, seed, id_column="draw_order", satisfaction_effect=effect)
    ids = dict(zip(frame["draw_order"], frame["customer_id"].astype(str)))
    survey = draw.survey.assign(draw_order=draw.survey["draw_order"].map(ids)).rename(columns={"draw_order": "customer_id"})
    outcome = draw.outcome.assign(draw_order=draw.outcome["draw_order"].map(ids)).rename(
        columns={"draw_order": "customer_id"})
    return replace(draw, survey=survey, outcome=outcome)


def clv_missing_reason(customers: pd.DataFrame, clv: dict[str, Any] | None) -> str | None:
    """Why the customer summary has no per-customer CLV (None when it has one)."""
    if "predicted_clv" in customers and customers["predicted_clv"].notna().any():
        return None
    if clv is None:
        return "the CLV chapter (03_clv) has not run for this study, so there is no per-customer CLV"
    if clv.get("status") == "not_estimable":
        return "CLV is not estimable for this study (the CLV chapter says why)"
    return "the CLV chapter wrote no per-customer CLV for this study"


def chapter_study(customers: pd.DataFrame, settings: SurveySettings | None, *, period: str = "week",
                  folder: Path | None = None, key: bytes | None = None,
                  cleaning: dict[str, Any] | None = None, clv: dict[str, Any] | None = None) -> dict[str, Any]:
    """The satisfaction chapter's results: behavioural loyalty always, the survey when configured.

    Parameters
    ----------
    customers : the run's customer summary (``Run.customers()``), ids as the run publishes them
    settings : the ``survey:`` section, or None
    period : the summary's time unit (the ladder's activity window is half a year in that unit)
    folder : where a simulated survey's answers are written (the run's ``tables/``)
    key : the run's pseudonym key when it hides customer ids (:func:`analysis.core.privacy.pseudonym_key`):
        the survey's ids are hashed the same way (:func:`analysis.core.privacy.pseudonymise`) so that
        they join the summary
    cleaning : the run's ``cleaning`` section (cancellation counts for the return rate)
    clv : the run's ``clv`` section, None when the CLV chapter has not run: CLV by satisfaction reads
        the ``predicted_clv`` column it adds to ``customers``, and says why when there is none
    """
    active_within = HALF_YEAR[period]
    loyalty = loyalty_study(customers, None, active_within=active_within)
    loyalty["ladder_rule"]["period"] = period
    loyalty["returns"] = cancellation_rate(cleaning)
    results: dict[str, Any] = {"loyalty": loyalty, "survey": None}
    if settings is None:
        return results

    at_survey, repeat_column, no_repeat = behaviour_at_survey(customers)
    # a canonical row order: sums over customers (the respondent comparison) do not depend on the input's
    at_survey = (at_survey.assign(customer_id=at_survey["customer_id"].astype(str))
                 .sort_values("customer_id", kind="stable").reset_index(drop=True))
    simulated = None
    if settings.simulate is not None:
        if folder is None:
            raise ValueError("a simulated survey needs a folder to write its answers to")
        draw = _simulate_in_behaviour_order(at_survey, settings.simulate.seed, settings.simulate.effect)
        path = Path(folder) / SIMULATED_SURVEY_FILE
        draw.survey.to_csv(path, index=False)
        settings = settings.model_copy(update={"path": path})
        at_survey = at_survey.merge(draw.outcome.astype({"customer_id": str}), on="customer_id", how="left")
        repeat_column, no_repeat = "repeat_purchase", None
        # the answers depend on the log only through past frequency (simulate.py): holding it fixed, the
        # true effect of satisfaction on what the log shows (churn, CLV) is zero
        simulated = {"seed": settings.simulate.seed, "truth": draw.truth, "customers": len(at_survey),
                     "outcome": "simulated purchase after the survey (repeat_purchase)",
                     "effect_on_logged_behaviour": 0.0}
    table = validate_survey(settings)
    if key is not None and simulated is None and table.customer_ids is not None:
        table = SurveyTable(table.answers, pseudonymise(table.customer_ids, key).astype(str).rename("customer_id"),
                            table.path, table.missing, table.missing_coded, table.reversed_items)
    survey = survey_study(settings, table=table, summary=at_survey if settings.customer_id else None,
                          repeat_column=repeat_column, no_repeat_reason=no_repeat, churn_within=active_within,
                          no_clv_reason=clv_missing_reason(customers, clv))
    churn_rule = (survey.get("link") or {}).get("churn", {}).get("rule")
    if churn_rule is not None:
        churn_rule["period"] = period
    survey["source"] = Path(settings.path).name
    survey["simulated"] = simulated
    survey["reliability_floor"] = RELIABILITY_FLOOR
    survey["missing_total"] = int(sum(survey["missing_answers"].values()))
    survey["index_scale"] = [0, 100]
    if survey.get("nps") and "skipped" not in survey["nps"]:
        survey["nps"]["groups"] = NPS_GROUPS
    survey["level"] = settings.level
    if not settings.customer_id:
        survey["link"] = {"skipped": "the survey has no customer id column, so answers cannot be joined to purchases"}
    results["survey"] = survey
    return results
