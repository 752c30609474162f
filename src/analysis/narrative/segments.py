"""The segments and priorities chapter."""

from __future__ import annotations

from ..core.i18n import tr
from ..segments.labels import cell_label, class_label
from .common import (
    attachments,
    get,
    is_not_estimable,
    money,
    not_estimable_sentence,
    num,
    pct,
    see_figure,
    with_figure,
)


def budget_sentence(plan: dict) -> str:
    """The contact-budget plan, with what it can actually spend, whether it differs from an even
    spread, and whether it pays back — each said only when the numbers say so."""
    budget, spent = plan["budget"], plan.get("spent", plan["budget"])
    text = tr("*Assumptions (from the config, not estimated):* cost per contact and expected uplift of each class's "
              "predicted CLV as listed in the table. ",
              "*假设（来自配置，并非估计）：*各类客户的单次联系成本和预测价值提升比例见表。")
    if not plan.get("budget_used_up", True):
        text += tr(f"The budget is {money(budget, 0)}, but contacting every reachable customer costs only "
                   f"{money(spent, 0)}: the plan spends that. ",
                   f"预算为 {money(budget, 0)}，但联系所有可联系的客户只需 {money(spent, 0)}：方案只花费这部分。")
    if plan.get("same_as_even"):
        text += tr(f"Every reachable customer is contacted, so the plan is the same as an even spread: expected gain "
                   f"{money(plan['expected_gain'], 0)}.",
                   f"所有可联系的客户都被联系，因此方案与平均分配相同：预期收益 {money(plan['expected_gain'], 0)}。")
    elif plan.get("gain_ratio") is not None:
        text += tr(f"Filling the classes with the highest gain per unit spent first yields an expected gain of "
                   f"{money(plan['expected_gain'], 0)}, {num(plan['gain_ratio'], 2)} times what spreading the same "
                   f"spend evenly would ({money(plan['even_gain'], 0)}).",
                   f"优先投入单位成本收益最高的类别，预期收益 {money(plan['expected_gain'], 0)}，是同样花费平均分配"
                   f"（{money(plan['even_gain'], 0)}）的 {num(plan['gain_ratio'], 2)} 倍。")
    per_dollar = plan.get("return_per_dollar")
    if per_dollar is not None and per_dollar < 1:
        text += tr(f" Each unit spent returns only {money(per_dollar)} of CLV at these assumptions: the campaign does not "
                   "pay back unless the uplifts are larger than assumed.",
                   f"在这些假设下每投入一单位只带来 {money(per_dollar)} 的客户价值：除非提升幅度高于假设，否则活动无法收回成本。")
    elif per_dollar is not None:
        text += tr(f" Each unit spent returns {money(per_dollar)} of CLV at these assumptions.",
                   f"在这些假设下每投入一单位带来 {money(per_dollar)} 的客户价值。")
    return text


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    s = get(results, "segments")
    lines = [tr("# Segments and priorities", "# 客户细分与优先级"), ""]
    if not s:
        return ""  # the analysis does not apply to this study (or did not run)
    if is_not_estimable(s):
        return "\n".join(lines + [not_estimable_sentence(s)]) + "\n"
    rules = s["rules"]
    lines.append(with_figure(tr(
        f"Every customer is placed in one class by rules applied in order (as of {s['as_of']}): lost (no purchase for "
        f"{num(rules['lost_days'])} days and P(alive) below {pct(rules['lost_p_alive'], 0)}), dormant (no purchase for "
        f"{num(rules['dormant_days'])} days), at risk (P(alive) below {pct(rules['at_risk_p_alive'], 0)}, or silent for "
        f"{num(rules['at_risk_gap_factor'], 1)} times their usual gap), core (top {pct(rules['core_share'], 0)} by value), "
        f"potential (top {pct(rules['potential_share'], 0)} by predicted CLV); the rest are active.",
        f"每位客户按顺序应用的规则归入一个类别（截至 {s['as_of']}）：流失客户（{num(rules['lost_days'])} 天无购买且存活概率低于 "
        f"{pct(rules['lost_p_alive'], 0)}）、休眠客户（{num(rules['dormant_days'])} 天无购买）、风险客户（存活概率低于 "
        f"{pct(rules['at_risk_p_alive'], 0)}，或沉默时间超过其通常购买间隔的 {num(rules['at_risk_gap_factor'], 1)} 倍）、"
        f"核心客户（价值前 {pct(rules['core_share'], 0)}）、潜力客户（预测价值前 {pct(rules['potential_share'], 0)}）"
        "；其余为活跃客户。"), "segments-classes"))
    if not s.get("uses_clv_model") and is_not_estimable(get(results, "clv")):
        lines += ["", tr("*The value matrix and the contact plan need the predictions of the Customer lifetime value "
                         "chapter, which was not estimable: the classes here use purchase history only.*",
                         "*价值矩阵与联系预算方案需要“客户终身价值”一章的预测，而该章无法估计：此处的客户类别仅依据购买历史。*")]
    lines.append("")
    for row in s["classes"]:
        clv = (tr(f", {pct(row['share_predicted_clv'])} of predicted CLV", f"，预测价值的 {pct(row['share_predicted_clv'])}")
               if row.get("share_predicted_clv") is not None else "")
        lines.append(tr(
            f"- {class_label(row['name'])}: {num(row['customers'])} customers ({pct(row['share_customers'])}), "
            f"{pct(row['share_value'])} of historical value{clv}",
            f"- {class_label(row['name'])}：{num(row['customers'])} 位客户（{pct(row['share_customers'])}），"
            f"历史价值的 {pct(row['share_value'])}{clv}"))
    if any(record.get("name") == "segments-rfm" for record in figures):
        lines += ["", with_figure(tr(
            "Scored by recency and frequency quintiles (RFM; 5 = most recent, most frequent), the mean historical value "
            "of each cell shows where the value sits.",
            "按最近购买与购买频率的五分位打分（RFM；5 = 最近、最频繁），各格的平均历史价值显示价值集中在哪里。"),
            "segments-rfm")]
    matrix = s.get("matrix")
    if matrix:
        cuts = matrix["thresholds"]
        lines += ["", tr("## Current value × potential value", "## 当前价值 × 潜在价值矩阵"), ""]
        if cuts.get("potential_quantile_cut") is None:
            lines.append(tr(
                f"Splitting at the median of historical value ({money(cuts['current'])}) and of predicted CLV "
                f"({money(cuts['potential'])}) gives the course's four cells:",
                f"以历史价值中位数（{money(cuts['current'])}）和预测价值中位数"
                f"（{money(cuts['potential'])}）划分，得到课程中的四个象限："))
        else:
            lines.append(tr(
                f"Splitting at the median of historical value ({money(cuts['current'])}) and at {money(cuts['potential'])} "
                f"of predicted CLV gives the course's four cells. The median of predicted CLV "
                f"({money(cuts['potential_quantile_cut'])}) fell inside the {num(cuts['one_time_customers'])} one-time "
                f"buyers, whose predicted values ({money(cuts['one_time_range'][0])} to {money(cuts['one_time_range'][1])}) "
                "differ only by when they bought; the cut is moved above them so that all of them count as low "
                "potential rather than being split by acquisition date:",
                f"以历史价值中位数（{money(cuts['current'])}）和预测价值 {money(cuts['potential'])} 划分，得到课程中的四个象限。"
                f"预测价值中位数（{money(cuts['potential_quantile_cut'])}）落在 {num(cuts['one_time_customers'])} 位一次性购买者之中，"
                f"他们的预测价值（{money(cuts['one_time_range'][0])} 至 {money(cuts['one_time_range'][1])}）只因购买时间不同而不同；"
                "因此将分界移到他们之上，使他们都计为低潜力，而不是按获客日期被拆开："))
        lines[-1] = lines[-1][:-1] + see_figure("segments-matrix") + lines[-1][-1]
        lines.append("")
        strategies = {"keep": tr("keep and reward", "保持并奖励"), "develop": tr("develop", "重点发展"),
                      "maintain": tr("maintain at low cost", "低成本维持"),
                      "reconsider": tr("reconsider before investing", "投入前重新考虑")}
        for cell in matrix["cells"]:
            lines.append(tr(
                f"- {cell_label(cell['cell'])} ({strategies[cell['cell']]}): {num(cell['customers'])} customers, "
                f"{pct(cell['share_current'])} of current and {pct(cell['share_potential'])} of potential value",
                f"- {cell_label(cell['cell'])}（{strategies[cell['cell']]}）：{num(cell['customers'])} 位客户，"
                f"占当前价值的 {pct(cell['share_current'])}、潜在价值的 {pct(cell['share_potential'])}"))
    elastic = s.get("elastic")
    if elastic:
        lines += ["", tr(
            f"Elastic customers — unprofitable so far under the cost model but expected to earn more than they cost: "
            f"{num(elastic['customers'])} of the {num(elastic['unprofitable_customers'])} unprofitable customers, with "
            f"{money(elastic['future_net_value'])} of expected net value at stake.",
            f"弹性客户——在成本模型下目前不盈利、但预期未来收益高于成本：{num(elastic['unprofitable_customers'])} 位不盈利客户中有 "
            f"{num(elastic['customers'])} 位，涉及预期净价值 {money(elastic['future_net_value'])}。")]
    plan = s.get("allocation")
    if plan:
        lines += ["", tr("## Where to spend a contact budget", "## 联系预算的分配"), "",
                  with_figure(budget_sentence(plan), "segments-allocation")]
    lines += attachments(figures, tables)
    return "\n".join(lines)
