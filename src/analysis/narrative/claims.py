"""What the study's numbers support: the case study's claims, decided from results.json.

Each claim is an id with the numbers it rests on; it is made only when its condition holds, so the
report says "80/20 holds" only when the test does not reject and the interval sits near 0.8, and
says what the data shows instead otherwise. The wording of each claim lives in
``analysis.narrative.case_study``; the decision lives here, and is saved in results.json.
"""

from __future__ import annotations

from typing import Any

from ..clv.settings import MODEL_NAMES
from .common import get, is_not_estimable, not_estimable_parts

# a holdout total within 10% counts as a forecast that works; beyond, the bias is a lesson
HOLDOUT_TOLERANCE = 0.10
# a standard error above 40% of the estimate marks a weakly identified parameter
WEAK_SE_RATIO = 0.4
# "top customers do not stay on top" needs fewer than half of them still on top
STILL_TOP_MAJORITY = 0.5
# a ranking is useful from an AUC of 0.7 (Hosmer & Lemeshow's "acceptable discrimination")
USEFUL_AUC = 0.7


def _claim(claim_id: str, **values: Any) -> dict[str, Any]:
    return {"id": claim_id, "values": values}


def what_works(r: dict) -> list[dict]:
    out = []
    clv = get(r, "clv", {})
    holdout = {} if is_not_estimable(clv.get("holdout")) else clv.get("holdout") or {}
    best = clv.get("recommended_model")
    if best and holdout and abs(holdout["total_error"][best]) <= HOLDOUT_TOLERANCE:
        out.append(_claim("clv_forecast_holds", model=MODEL_NAMES[best], error=holdout["total_error"][best],
                          actual=holdout["actual_total"], predicted=holdout["predicted_total"][best],
                          correlation=holdout["correlation"][best]))
    churn = get(r, "retention.churn_model") or {}
    if churn.get("auc", 0) >= USEFUL_AUC and (churn.get("top_decile_lift") or 0) > 1:
        out.append(_claim("churn_ranking_works", auc=churn["auc"], lift=churn["top_decile_lift"]))
    for name, fit in (get(r, "retention.sbg") or {}).items():
        if name != "individual" and fit.get("holdout_mape_sbg", 1) < 0.05:
            out.append(_claim("sbg_projects", cohort=name, mape=fit["holdout_mape_sbg"], naive=fit["holdout_mape_naive"]))
    p = get(r, "pareto", {})
    # the interval the report tells readers to trust, not whichever is narrowest
    ci = (p.get("trusted_interval") or {}).get("ci") or p.get("top_share_ci") if p else None
    if p and ci and (ci[1] - ci[0]) < 0.05:
        out.append(_claim("share_precise", share=p["top_share"], low=ci[0], high=ci[1],
                          interval=p.get("trusted_interval", {}).get("interval", "bootstrap (BCa)")))
    plan = get(r, "segments.allocation") or {}
    # targeting "pays" only when it beats the even spread AND returns more than it costs
    if (plan.get("gain_ratio") and plan["gain_ratio"] > 1.2 and not plan.get("same_as_even")
            and (plan.get("return_per_dollar") or 0) >= 1):
        out.append(_claim("targeting_beats_even", ratio=plan["gain_ratio"], gain=plan["expected_gain"],
                          even=plan["even_gain"], spent=plan.get("spent", plan["budget"]),
                          per_dollar=plan["return_per_dollar"]))
    link = _real_survey_link(r)
    repeat = {row["term"]: row for row in (link.get("repeat_logit") or {}).get("terms", [])}.get("satisfaction")
    # "satisfied customers buy again" only from a real survey, and only when the interval lies above zero
    if repeat and repeat["lower"] is not None and repeat["lower"] > 0:
        out.append(_claim("satisfaction_drives_repurchase", measure=link["repeat_logit"]["satisfaction"],
                          ratio=repeat["ratio"], low=repeat["lower"], high=repeat["upper"], coef=repeat["coef"]))
    return out


def _real_survey_link(r: dict) -> dict:
    """The satisfaction chapter's link to behaviour, when the survey is real (not simulated)."""
    survey = get(r, "satisfaction.survey") or {}
    return {} if survey.get("simulated") else survey.get("link") or {}


def lessons(r: dict) -> list[dict]:
    out = []
    p = get(r, "pareto", {})
    if p:
        if p["top10_customers_share"] >= 0.05:
            out.append(_claim("dependence_risk", share=p["top10_customers_share"]))
        pers = p.get("persistence") or {}
        if (pers.get("still_top") is not None and pers["still_top"] < STILL_TOP_MAJORITY
                and pers.get("first_half_share") is not None and pers.get("second_half_share_of_first_top") is not None
                and round(pers["second_half_share_of_first_top"], 3) < round(pers["first_half_share"], 3)):
            out.append(_claim("top_does_not_stay_top", still_top=pers["still_top"],
                              later_share=pers["second_half_share_of_first_top"], earlier_share=pers["first_half_share"]))
        profit = p.get("profit") or {}
        if profit.get("share_unprofitable", 0) >= 0.1:
            out.append(_claim("unprofitable_tail", share=profit["share_unprofitable"], loss=profit["lost_on_unprofitable"],
                              peak=profit["peak"]))
        windows = p.get("windows") or []
        if len(windows) > 1 and abs(windows[0]["share_all_customers"] - windows[-1]["share_buyers"]) >= 0.1:
            out.append(_claim("window_changes_answer", monthly=windows[0]["share_all_customers"], full=windows[-1]["share_buyers"]))
    clv = get(r, "clv", {})
    holdout = {} if is_not_estimable(clv.get("holdout")) else clv.get("holdout") or {}
    best = clv.get("recommended_model")
    if best and holdout and abs(holdout["total_error"][best]) > HOLDOUT_TOLERANCE:
        out.append(_claim("holdout_bias", model=MODEL_NAMES[best], error=holdout["total_error"][best]))
    churn = get(r, "retention.churn_model") or {}
    if churn.get("auc_p_alive_full_window") is not None and churn["auc_p_alive_full_window"] < 0.5:
        out.append(_claim("p_alive_worse_than_chance", auc=churn["auc_p_alive_full_window"]))
    if churn.get("top_decile_lift") is not None and churn["top_decile_lift"] < 1:
        out.append(_claim("churn_model_no_lift", lift=churn["top_decile_lift"], auc=churn["auc"]))
    plan = get(r, "segments.allocation") or {}
    if (plan.get("gain_ratio") and plan["gain_ratio"] > 1.2 and not plan.get("same_as_even")
            and plan.get("return_per_dollar") is not None and plan["return_per_dollar"] < 1):
        out.append(_claim("targeting_still_loses", ratio=plan["gain_ratio"], per_dollar=plan["return_per_dollar"]))
    loyalty = get(r, "satisfaction.loyalty") or {}
    ladder = {row["step"]: row for row in loyalty.get("ladder") or []}
    # the ladder's lowest step holds more customers than each of the others
    if ladder.get("one_time") and all(ladder["one_time"]["customers"] > row["customers"]
                                      for step, row in ladder.items() if step != "one_time"):
        rule = loyalty["ladder_rule"]
        out.append(_claim("second_purchase_first", one_time=ladder["one_time"]["share"],
                          loyal=ladder.get("loyal", {}).get("share", 0.0), min_repeat=rule["min_repeat"],
                          active_within=rule["active_within"], period=rule.get("period", "week")))
    return out


def limitations(r: dict) -> list[dict]:
    out = []
    data = get(r, "data", {})
    if data.get("kind") == "contractual":
        out.append(_claim("snapshot", customers=data["customers"], churned=data["churned"]))
    if data.get("calibration"):
        out.append(_claim("short_window", first=data["first_date"], last=data["last_date"],
                          holdout=data["calibration"]["duration_holdout"], period=get(r, "study.period", "week")))
    cleaning = get(r, "cleaning", {})
    if cleaning.get("quarantined_rows"):
        out.append(_claim("data_quality", quarantined=cleaning["quarantined_rows"], rows=cleaning["input_rows"],
                          share=cleaning["quarantined_rows"] / cleaning["input_rows"]))
    tail = get(r, "pareto.tail") or {}
    if tail.get("infinite_variance") and tail.get("verdict") == "power law":
        out.append(_claim("heavy_tail", exponent=tail["survival_exponent"]))
    elif tail.get("infinite_variance") and tail.get("verdict") == "cannot tell":
        out.append(_claim("tail_undecided", exponent=tail["survival_exponent"], p_value=tail.get("lognormal_p_value")))
    clv = get(r, "clv", {})
    weak = []
    for model in ("bgnbd", "paretonbd", "mbgnbd", "gammagamma"):
        fit = clv.get(model) or {}
        for name, value in (fit.get("params") or {}).items():
            se = (fit.get("se") or {}).get(name)
            if se is not None and value > 0 and se / value > WEAK_SE_RATIO:
                weak.append(f"{MODEL_NAMES[model]} {name}")
    if weak:
        out.append(_claim("weakly_identified", parameters=weak, threshold=WEAK_SE_RATIO))
    boundary = [f"{MODEL_NAMES[m]} {name}" for m in ("bgnbd", "paretonbd", "mbgnbd") if clv.get(m)
                for name in clv[m].get("at_boundary", [])]
    if boundary:
        out.append(_claim("boundary_estimates", parameters=boundary))
    unconverged = [MODEL_NAMES.get(m, m) for m in ("bgnbd", "paretonbd", "mbgnbd")
                   if clv.get(m) and not is_not_estimable(clv[m]) and not clv[m]["converged"]]
    if unconverged:
        out.append(_claim("not_converged", models=unconverged))
    sensitivity = get(r, "retention.threshold_sensitivity") or []
    if sensitivity:
        shares = [row["share_churned"] for row in sensitivity]
        out.append(_claim("churn_definition", low=min(shares), high=max(shares),
                          shortest=sensitivity[0]["threshold_days"], longest=sensitivity[-1]["threshold_days"]))
    ph = get(r, "retention.cox.ph_check") or []
    ph = [] if is_not_estimable(ph) else [row for row in ph if row["p_value"] is not None]
    violated = [row for row in ph if row["p_value"] < 0.01]
    if violated:
        out.append(_claim("proportional_hazards", violated=len(violated), terms=len(ph)))
    if get(r, "pareto.profit.assumptions"):
        out.append(_claim("assumed_costs", **get(r, "pareto.profit.assumptions")))
    survey = get(r, "satisfaction.survey") or {}
    if survey.get("simulated"):
        out.append(_claim("survey_simulated", respondents=survey["respondents"]))
    comparison = (survey.get("link") or {}).get("respondent_comparison") or []
    biased = [row["measure"] for row in comparison
              if row.get("p_value") is not None and row["p_value"] < 1 - survey.get("level", 0.95)]
    if biased:
        out.append(_claim("survey_bias", measures=biased, respondents=survey["link"]["respondents_joined"]))
    link = _real_survey_link(r)
    repeat = {row["term"]: row for row in (link.get("repeat_logit") or {}).get("terms", [])}.get("satisfaction")
    if repeat and repeat["lower"] is not None and repeat["lower"] <= 0 <= repeat["upper"]:
        out.append(_claim("satisfaction_effect_unclear", low=repeat["lower"], high=repeat["upper"],
                          respondents=link["repeat_logit"]["n"]))
    return out


def recommendations(r: dict) -> list[dict]:
    out = []
    classes = {row["name"]: row for row in get(r, "segments.classes") or []}
    if classes.get("core", {}).get("customers"):
        core = classes["core"]
        out.append(_claim("protect_core", customers=core["customers"], value_share=core["share_value"],
                          clv_share=core.get("share_predicted_clv")))
    if classes.get("at_risk", {}).get("customers"):
        risk = classes["at_risk"]
        out.append(_claim("win_back_at_risk", customers=risk["customers"], clv_share=risk.get("share_predicted_clv"),
                          value_share=risk["share_value"]))
    cells = {row["cell"]: row for row in get(r, "segments.matrix.cells") or []}
    if cells.get("develop"):
        develop = cells["develop"]
        # a development campaign needs something to develop: a tenth of predicted value or more
        out.append(_claim("develop_potential" if develop["share_potential"] >= 0.1 else "develop_cell_small",
                          customers=develop["customers"], potential_share=develop["share_potential"]))
    if cells.get("reconsider"):
        out.append(_claim("low_cost_reconsider", customers=cells["reconsider"]["customers"],
                          current_share=cells["reconsider"]["share_current"]))
    elastic = get(r, "segments.elastic") or {}
    if elastic.get("customers"):
        out.append(_claim("keep_elastic", customers=elastic["customers"], value=elastic["future_net_value"]))
    econ = get(r, "retention.economics") or {}
    if econ.get("gain_per_customer"):
        out.append(_claim("invest_in_retention", gain=econ["gain_per_customer"], share=econ["gain_share"],
                          acquisition=econ.get("acquisition_cost")))
    plan = get(r, "segments.allocation") or {}
    if plan.get("return_per_dollar") is not None:
        out.append(_claim("budget_plan", budget=plan["budget"], spent=plan.get("spent", plan["budget"]),
                          gain=plan["expected_gain"], per_dollar=plan["return_per_dollar"],
                          same_as_even=bool(plan.get("same_as_even")),
                          paying=plan.get("classes_that_pay_back", [])))
    return out


def build(results: dict) -> dict[str, list[dict]]:
    # a chapter the data could not support is left out of every claim and named among the limitations
    estimable = {name: section for name, section in results.items() if not is_not_estimable(section)}
    not_estimable = [_claim("not_estimable", **part) for part in not_estimable_parts(results)]
    return {"what_works": what_works(estimable), "lessons": lessons(estimable),
            "limitations": not_estimable + limitations(estimable), "recommendations": recommendations(estimable)}
