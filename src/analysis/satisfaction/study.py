"""The satisfaction chapter's results, as plain data for ``results.json``.

:func:`survey_study` runs every survey analysis the settings allow (measurement; the PLS index when
paths are declared; drivers when a target, an overall item or a recommend item exists; the link to
behaviour when respondents carry customer ids and a customer summary is given);
:func:`loyalty_study` runs the behavioural loyalty analyses every study can show.
Each section says which sample it used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .drivers import importance_performance, net_promoter_score, ordered_logit_drivers
from .link import (
    join_survey,
    repeat_purchase_logit,
    respondent_comparison,
    satisfaction_loyalty_curve,
)
from .loyalty import loyalty_ladder, repeat_purchase_rate, return_rates
from .measurement import (
    dimension_means,
    dimension_scores,
    item_means,
    reliability_table,
    top_box_shares,
)
from .pls import PLSPathModel
from .settings import SurveySettings
from .survey import SurveyTable, validate_survey


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-ready records (index levels become fields; NaN becomes None)."""
    flat = frame.reset_index()
    flat.columns = [str(c) for c in flat.columns]
    return [{k: (None if isinstance(v, float) and np.isnan(v) else (v.item() if hasattr(v, "item") else v))
             for k, v in row.items()} for row in flat.to_dict(orient="records")]


def survey_study(settings: SurveySettings, base: Path | None = None, summary: pd.DataFrame | None = None,
                 table: SurveyTable | None = None, repeat_column: str = "frequency_holdout") -> dict[str, Any]:
    """Every survey analysis the settings and data allow, as a dict of plain values.

    ``summary`` (the customer summary) enables the link section when ``settings.customer_id`` is
    set; repeat purchase is ``repeat_column`` > 0 (purchases after the calibration end, when the
    survey is taken there). For a simulated survey, merge ``SimulatedSurvey.outcome`` onto the
    summary and pass ``repeat_column="repeat_purchase"``: its truth is then what the logit estimates.
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
        drivers = drivers.drop(columns=[c for c in drivers if settings.overall_item in settings.dimensions[c]])
        try:
            ordered = ordered_logit_drivers(answers, settings.overall_item, drivers, level)
            results["ordered_logit"] = {"n": ordered.nobs, "dropped": ordered.n_dropped,
                                        "pseudo_r2": ordered.llr_pseudo_r2, "drivers": _records(ordered.table),
                                        "thresholds": {k: float(v) for k, v in ordered.thresholds.items()}}
        except ValueError as reason:
            results["ordered_logit"] = {"skipped": str(reason)}
    if settings.recommend_item is not None:
        nps = net_promoter_score(answers[settings.recommend_item], level)
        results["nps"] = {k: (float(v) if isinstance(v, float) else v) for k, v in nps.__dict__.items()}

    if settings.customer_id and summary is not None and table.customer_ids is not None:
        results["link"] = link_study(settings, table, summary, repeat_column)
    return results


def link_study(settings: SurveySettings, table: SurveyTable, summary: pd.DataFrame,
               repeat_column: str = "frequency_holdout") -> dict[str, Any]:
    """Respondents joined to the log: survey bias, then satisfaction -> repeat purchase."""
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
    section: dict[str, Any] = {
        "respondents_joined": len(joined), "respondents_unmatched": joined.attrs["unmatched"],
        "respondent_comparison": _records(respondent_comparison(summary, joined["customer_id"], behaviour)),
    }
    if repeat_column in joined and joined["satisfaction"].notna().any():
        joined["repeat_purchase"] = (joined[repeat_column] > 0).astype(int)
        # past behaviour drives both satisfaction and repurchase: control for it
        joined["log_frequency"] = np.log1p(joined["frequency"])
        fit = repeat_purchase_logit(joined, "repeat_purchase", "satisfaction", ["log_frequency"], settings.level)
        section["repeat_logit"] = {"satisfaction": measure, "outcome": f"{repeat_column} > 0",
                                   "controls": ["log(1 + frequency)"], "n": fit.nobs, "dropped": fit.n_dropped,
                                   "terms": _records(fit.table)}
        if settings.overall_item is not None:
            section["loyalty_curve"] = _records(
                satisfaction_loyalty_curve(joined, "repeat_purchase", settings.overall_item, settings.level))
    return section


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
