"""The retention chapter."""

from __future__ import annotations

from ..core.i18n import tr
from ..report.escape import escape_markdown
from .common import (
    attachments,
    get,
    interval,
    is_not_estimable,
    money,
    not_estimable_sentence,
    num,
    pct,
    period_name,
    pvalue,
    with_figure,
)


def _hr_sentence(cox: dict) -> list[str]:
    if is_not_estimable(cox):
        return [not_estimable_sentence(cox, ("Cox model", "Cox 模型"))]
    rows = sorted(cox["hazard_ratios"], key=lambda r: r["p_value"])[:3]
    items = [f"{r['term']}: HR {num(r['hazard_ratio'], 2)} [{num(r['lower'], 2)}, {num(r['upper'], 2)}]"
             for r in rows]
    if cox.get("dropped_covariates"):
        dropped = ", ".join(cox["dropped_covariates"])
        items.append(tr(f"dropped for a singular fit: {dropped}", f"因拟合奇异而剔除：{dropped}"))
    ph = [] if is_not_estimable(cox["ph_check"]) else cox["ph_check"]
    violated = [r["term"] for r in ph if r["p_value"] is not None and r["p_value"] < 0.01]
    out = [tr(f"The Cox model's effects ({num(cox['n'])} customers, {num(cox['events'])} churns), the most "
              "significant first: " + "; ".join(items) + ".",
              f"Cox 模型的效应（{num(cox['n'])} 位客户，{num(cox['events'])} 次流失），按显著性排序：" + "；".join(items) + "。")]
    if cox.get("method") not in (None, "newton"):
        method = {"bfgs": "BFGS", "lbfgs": "L-BFGS", "nm": "Nelder–Mead"}.get(cox["method"], cox["method"])
        out.append(tr(f"Newton's method failed on this data; the Cox model was fitted with {method}"
                      + ("." if cox.get("converged") else ", which did not converge: read the hazard ratios with caution."),
                      f"牛顿法在此数据上失败；Cox 模型改用 {method} 拟合"
                      + ("。" if cox.get("converged") else "，但未收敛：解读风险比时应谨慎。")))
    if cox.get("at_boundary"):
        terms = ", ".join(cox["at_boundary"])
        out.append(tr(f"The hazard ratios of {terms} run off to the edge of the parameter space (churn is perfectly "
                      "separated by them): only their direction is informative.",
                      f"{terms} 的风险比趋于参数空间边界（它们将流失完全分开）：只有方向有参考意义。"))
    if is_not_estimable(cox["ph_check"]):
        out.append(not_estimable_sentence(cox["ph_check"], ("proportional-hazards check", "比例风险检验")))
    sample = cox.get("sample")
    if sample:
        out.append(tr(f"The Cox model is fitted on a seeded random sample of {num(sample['customers'])} of the "
                      f"{num(sample['of'])} customers (setting retention.cox_max_customers); the survival curves "
                      "use every customer.",
                      f"Cox 模型基于 {num(sample['of'])} 位客户中按固定种子随机抽取的 {num(sample['customers'])} 位拟合"
                      "（设置 retention.cox_max_customers）；生存曲线使用全部客户。"))
    if violated:
        out.append(tr(f"The proportional-hazards check flags {num(len(violated))} of {num(len(cox['ph_check']))} terms "
                      "(Schoenfeld residuals trend with time, p < 0.01): their hazard ratios are averages over time, "
                      "and a stratified model is the safer reading.",
                      f"比例风险检验标出 {num(len(cox['ph_check']))} 个项中的 {num(len(violated))} 个（Schoenfeld 残差随时间变化，"
                      "p < 0.01）：这些风险比是随时间的平均值，分层模型更为稳妥。"))
    overall = cox.get("ph_global")
    if overall:
        holds = overall["p_value"] >= 0.01
        out.append(tr(
            f"Over all terms together, the Grambsch–Therneau test gives χ² = {num(overall['chisq'], 1)} on "
            f"{num(overall['df'])} degrees of freedom (p {pvalue(overall['p_value'])}): "
            + ("no evidence that the hazard ratios change with time." if holds
               else "the hazard ratios as a whole change with time."),
            f"所有项合并的 Grambsch–Therneau 检验：χ² = {num(overall['chisq'], 1)}，自由度 {num(overall['df'])}"
            f"（p {pvalue(overall['p_value'])}）："
            + ("没有证据表明风险比随时间变化。" if holds else "风险比整体上随时间变化。")))
    concordance = cox.get("concordance")
    if concordance and concordance.get("comparable"):
        out.append(tr(
            f"Harrell's concordance of the model's risk score is {num(concordance['c'], 3)}: of "
            f"{num(concordance['comparable'])} comparable pairs of customers, the one the model ranks riskier "
            f"churned first in {pct(concordance['c'])} (ties counted half; 0.5 is chance).",
            f"模型风险得分的 Harrell 一致性指数为 {num(concordance['c'], 3)}：在 {num(concordance['comparable'])} 对"
            f"可比较的客户中，模型判定风险更高者先流失的比例为 {pct(concordance['c'])}（平局计一半；0.5 为随机水平）。"))
    return out


def median_sentence(km: dict, unit: str, *, with_ci: bool = False) -> str:
    """The Kaplan–Meier median lifetime in words: beyond the data, zero (half the customers never
    bought again), or a number of periods."""
    median = km.get("median")
    if median is None:
        return tr("More than half of the customers are still active at the longest observed tenure, so the "
                  "median lifetime is beyond the data.",
                  "在观察到的最长在网时长内仍有一半以上的客户活跃，因此中位寿命超出了数据范围。")
    if median == 0:
        return tr("At least half of the customers never bought again after their first purchase day and count as churned "
                  f"under the inactivity rule: the Kaplan–Meier median lifetime is 0 {unit}s.",
                  f"至少一半的客户在首个购买日之后再也没有购买，按无活动规则计为流失：Kaplan–Meier 中位寿命为 0 {unit}。")
    ci = (tr(f", 95% CI {interval(km['median_ci'], lambda v: num(v, 1))}",
             f"，95% 置信区间 {interval(km['median_ci'], lambda v: num(v, 1))}") if with_ci and km.get("median_ci") else "")
    return tr(f"Half of the customers are lost within {num(median, 1)} {unit}s (Kaplan–Meier median{ci}).",
              f"一半客户在 {num(median, 1)} {unit}内流失（Kaplan–Meier 中位数{ci}）。")


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    r = get(results, "retention")
    lines = [tr("# Retention and churn", "# 客户保留与流失"), ""]
    if not r:
        return ""  # the analysis does not apply to this study (or did not run)
    if is_not_estimable(r):
        return "\n".join(lines + [not_estimable_sentence(r)]) + "\n"
    unit = period_name(r["km"].get("period", "week"))
    km = r["km"]
    if r["setting"] == "non-contractual":
        rule = r["churn_rule"]
        lines.append(with_figure(tr(
            f"Customers of a shop do not cancel; they stop buying. Here a customer counts as churned after "
            f"{num(rule['threshold_days'])} days without a purchase (the {pct(rule['gap_quantile'], 0)} quantile of the gaps "
            f"between purchases; the course's dormant-account rule would use {num(rule['dormant_days'])} days). "
            f"By that rule {pct(rule['share_churned'])} of the customers have churned; {num(rule['censored'])} are "
            "still within the threshold and are treated as censored, not as lost.",
            f"商店的客户不会主动取消，他们只是不再购买。本研究将 {num(rule['threshold_days'])} 天无购买的客户视为流失"
            f"（购买间隔的 {pct(rule['gap_quantile'], 0)} 分位数；课程中的休眠客户规则为 {num(rule['dormant_days'])} 天）。"
            f"按此规则 {pct(rule['share_churned'])} 的客户已流失；另有 {num(rule['censored'])} 位客户仍在阈值之内，"
            "作为删失处理，而不计为流失。"), "retention-threshold"))
    else:
        lines.append(tr(
            f"Contracts end explicitly: {num(km['events'])} of {num(km['n'])} customers have churned; the other "
            f"{num(km['censored'])} are still customers and are censored at their current tenure.",
            f"合同关系的终止是明确的：{num(km['n'])} 位客户中有 {num(km['events'])} 位已流失；其余 {num(km['censored'])} "
            "位仍是客户，在当前在网时长处删失。"))
    agreement = r.get("rule_vs_p_alive")
    if agreement and agreement.get("churned_with_low_p_alive") is not None:
        lines.append(tr(
            f"The rule and the CLV model mostly agree: {pct(agreement['churned_with_low_p_alive'])} of the customers the "
            f"rule counts as churned have a P(alive) below 50%, and {pct(agreement['active_with_high_p_alive'])} of those "
            "it still counts as active have a P(alive) of 50% or more.",
            f"流失规则与客户终身价值模型大体一致：规则判定为流失的客户中有 {pct(agreement['churned_with_low_p_alive'])} 的存活概率"
            f"低于 50%，仍判定为活跃的客户中有 {pct(agreement['active_with_high_p_alive'])} 的存活概率不低于 50%。")
            if agreement["churned_with_low_p_alive"] >= 0.5 and (agreement["active_with_high_p_alive"] or 0) >= 0.5 else tr(
            f"The rule and the CLV model often disagree: only {pct(agreement['churned_with_low_p_alive'])} of the customers "
            f"the rule counts as churned have a P(alive) below 50%, and {pct(agreement['active_with_high_p_alive'])} of those "
            "it counts as active have a P(alive) of 50% or more; the rule's threshold is a choice, the model's estimate "
            "uses each customer's own purchase rhythm.",
            f"流失规则与客户终身价值模型常有分歧：规则判定为流失的客户中只有 {pct(agreement['churned_with_low_p_alive'])} "
            f"的存活概率低于 50%，判定为活跃的客户中有 {pct(agreement['active_with_high_p_alive'])} 的存活概率不低于 50%；"
            "规则的阈值是人为选择，而模型的估计利用了每位客户自身的购买节奏。"))
    lines.append("")
    lines.append(with_figure(median_sentence(km, unit, with_ci=True), "retention-km"))
    rmst = km.get("rmst")
    if rmst:
        horizon = num(rmst["horizon"], 0 if float(rmst["horizon"]).is_integer() else 1)
        lines.append(tr(
            f"Within the {horizon} {unit}s observed, a customer stays {num(rmst['rmst'], 1)} {unit}s "
            f"on average (restricted mean survival time, the area under the Kaplan–Meier curve; 95% CI "
            f"{interval(rmst['ci'], lambda v: num(v, 1))}).",
            f"在观察到的 {horizon} {unit}内，客户平均留存 {num(rmst['rmst'], 1)} {unit}"
            f"（限制平均生存时间，即 Kaplan–Meier 曲线下的面积；95% 置信区间 {interval(rmst['ci'], lambda v: num(v, 1))}）。"))
    group = r.get("km_by_group") or r.get("km_by_cohort")
    if group and group.get("logrank"):
        lr = group["logrank"]
        across = escape_markdown(group["group"]) if group.get("group") else None
        lines.append(tr(f"A log-rank test of equal survival across {across or 'acquisition cohorts'} gives "
                        f"χ² = {num(lr['statistic'], 1)} on {num(lr['df'])} df, p {pvalue(lr['p_value'])}.",
                        f"各组（{across or '获客批次'}）生存相同的 log-rank 检验：χ² = {num(lr['statistic'], 1)}，"
                        f"自由度 {num(lr['df'])}，p {pvalue(lr['p_value'])}。"))
    cohorts_record = r.get("cohorts") or {}
    if not is_not_estimable(cohorts_record) and cohorts_record.get("month1") is not None:
        lines.append(with_figure(tr(
            f"Across the {num(cohorts_record['n_cohorts'])} monthly acquisition cohorts, {pct(cohorts_record['month1'])} of "
            "a cohort's customers bought again, on average, in the calendar month after the one of their first purchase.",
            f"各月获客批次中，平均有 {pct(cohorts_record['month1'])} 的客户在首次购买所在月份的下一个日历月再次购买"
            f"（{num(cohorts_record['n_cohorts'])} 个批次）。"), "retention-cohorts"))
    lines += [""] + [with_figure(text, "retention-cox") if i == 0 else text for i, text in enumerate(_hr_sentence(r["cox"]))]
    model = r.get("churn_model")
    if is_not_estimable(model):
        lines += ["", not_estimable_sentence(model, ("churn model", "流失模型"))]
        model = None
    if model:
        lines += ["", with_figure(tr(
            f"A logistic churn model, fitted on {num(model['n_train'])} customers and scored on {num(model['n_test'])} "
            f"others, reaches an AUC of {num(model['auc'], 3)}; the decile it ranks riskiest churns "
            f"{num(model['top_decile_lift'], 2)} times as often as the average customer, against a base rate of "
            f"{pct(model['base_rate'])}.",
            f"逻辑回归流失模型在 {num(model['n_train'])} 位客户上拟合、在另外 {num(model['n_test'])} 位客户上评估，AUC 为 "
            f"{num(model['auc'], 3)}；模型认为风险最高的十分之一客户的流失率是平均水平的 {num(model['top_decile_lift'], 2)} 倍"
            f"，基准流失率为 {pct(model['base_rate'])}。"), "retention-churn-calibration")]
        if model["top_decile_lift"] < 1:
            lines.append(tr("The riskiest decile churns less often than average: the model's ranking does not find the "
                            "churners.", "风险最高的十分之一客户流失率反而低于平均水平：模型的排序找不到流失者。"))
        if model.get("auc_p_alive_full_window") is not None:
            auc_p = model["auc_p_alive_full_window"]
            lines.append(tr(f"Ranking the same customers by the CLV model's P(alive) gives an AUC of {num(auc_p, 3)}"
                            + (" — worse than chance: customers without a repeat purchase get a P(alive) of 1 from "
                               "BG/NBD-type models, though many of them are gone." if auc_p < 0.5 else
                               " (P(alive) is computed from the whole window, holdout included, so this comparison "
                               "flatters it)."),
                            f"按客户终身价值模型的存活概率对同一批客户排序，AUC 为 {num(auc_p, 3)}"
                            + ("——比随机还差：BG/NBD 类模型给没有重复购买的客户存活概率 1，而其中许多人已经流失。" if auc_p < 0.5 else
                               "（存活概率使用了包括验证期在内的整个窗口，因此这一比较对它有利）。")))
    if is_not_estimable(r.get("cohorts")):
        lines += ["", not_estimable_sentence(r["cohorts"], ("cohort retention", "获客批次留存"))]
    sbg = r.get("sbg") or {}
    cohorts = {k: v for k, v in sbg.items() if k != "individual"}
    if sbg.get("individual"):
        fit = sbg["individual"]
        derl = fit.get("derl") or {"yearly_rate": 0.10, "per_period_rate": 0.10, "unit": "year"}
        rate = tr(f"{pct(derl['yearly_rate'], 0)} a year ({pct(derl['per_period_rate'], 2)} a {unit})",
                  f"年贴现率 {pct(derl['yearly_rate'], 0)}（每{unit} {pct(derl['per_period_rate'], 2)}）")
        lines += ["", tr(
            f"The shifted-beta-geometric model (Fader & Hardie 2007) fitted to the tenures gives alpha = "
            f"{num(fit['params']['alpha'], 3)}, beta = {num(fit['params']['beta'], 3)}: each customer has their own churn "
            f"probability per {unit}, the riskiest leave first, and so the retention rate rises with tenure. A new "
            f"customer's discounted expected lifetime at {rate} is {num(fit['derl_10pct'], 1)} {unit}s.",
            f"对在网时长拟合的移位贝塔几何（sBG）模型（Fader 和 Hardie，2007）得到 alpha = {num(fit['params']['alpha'], 3)}，"
            f"beta = {num(fit['params']['beta'], 3)}：每位客户每{unit}有各自的流失概率，风险最高的客户最先离开，因此留存率随在网时长上升。"
            f"按{rate}，新客户的贴现预期寿命为 {num(fit['derl_10pct'], 1)} {unit}。")]
    if cohorts:
        lines.append("")
    for position, (name, fit) in enumerate(cohorts.items()):
        bullet = tr(
            f"- Fader & Hardie's {name.replace('_', ' ')} cohort: alpha = {num(fit['params']['alpha'], 3)}, beta = "
            f"{num(fit['params']['beta'], 3)} from years 0–7; years 8–12 are projected with a mean error of "
            f"{pct(fit['holdout_mape_sbg'])}, against {pct(fit['holdout_mape_naive'])} for the average retention rate of "
            f"years 0–7 held constant ({pct(fit['holdout_mape_last_rate'])} for the last year's rate held constant).",
            f"- Fader 和 Hardie 的 {name.replace('_', ' ')} 批次：由第 0–7 年估计 alpha = {num(fit['params']['alpha'], 3)}，"
            f"beta = {num(fit['params']['beta'], 3)}；第 8–12 年的预测平均误差为 {pct(fit['holdout_mape_sbg'])}，"
            f"以第 0–7 年平均留存率外推为 {pct(fit['holdout_mape_naive'])}（以最后一年留存率外推为 "
            f"{pct(fit['holdout_mape_last_rate'])}）。")
        lines.append(with_figure(bullet, "retention-sbg") if position == 0 else bullet)
    econ = r.get("economics")
    if econ:
        lines += ["", tr(
            f"What retention is worth: with a yearly margin of {money(econ['annual_margin'])} per active customer and "
            f"{pct(econ['retention'])} of customers retained from one year to the next, a customer is worth "
            f"{money(econ['clv'])} (margin multiple r/(1 + i − r) at {pct(econ['discount_rate'], 0)}); one more point of "
            f"retention adds {money(econ['gain_per_customer'])} per customer ({pct(econ['gain_share'])})."
            + (f" Against an acquisition cost of {money(econ['acquisition_cost'], 0)}, keeping a customer is the cheaper way "
               f"to hold value: a new one nets {money(econ['clv_net_of_acquisition'])}." if econ.get("acquisition_cost") else ""),
            f"留存的价值：每位活跃客户每年毛利 {money(econ['annual_margin'])}，年留存率 {pct(econ['retention'])}，"
            f"则一位客户价值 {money(econ['clv'])}（贴现率 {pct(econ['discount_rate'], 0)} 下的毛利乘数 r/(1 + i − r)）；"
            f"留存率每提高一个百分点，每位客户增加 {money(econ['gain_per_customer'])}（{pct(econ['gain_share'])}）。"
            + (f"与 {money(econ['acquisition_cost'], 0)} 的获客成本相比，保留客户是更便宜的选择：一位新客户的净值为 "
               f"{money(econ['clv_net_of_acquisition'])}。" if econ.get("acquisition_cost") else ""))]
    lines += attachments(figures, tables)
    return "\n".join(lines)
