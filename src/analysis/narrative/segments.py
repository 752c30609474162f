"""The segments and priorities chapter."""

from __future__ import annotations

from ..i18n import tr
from ..plots.segments import cell_label, class_label
from .common import attachments, get, is_not_estimable, money, not_estimable_sentence, num, pct


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    s = get(results, "segments")
    lines = [tr("# Segments and priorities", "# 客户细分与优先级"), ""]
    if not s:
        return ""  # the analysis does not apply to this study (or did not run)
    if is_not_estimable(s):
        return "\n".join(lines + [not_estimable_sentence(s)]) + "\n"
    rules = s["rules"]
    lines.append(tr(
        f"Every customer is placed in one class by rules applied in order (as of {s['as_of']}): lost (no purchase for "
        f"{num(rules['lost_days'])} days and P(alive) below {pct(rules['lost_p_alive'], 0)}), dormant (no purchase for "
        f"{num(rules['dormant_days'])} days), at risk (P(alive) below {pct(rules['at_risk_p_alive'], 0)}, or silent for "
        f"{num(rules['at_risk_gap_factor'], 1)} times their usual gap), core (top {pct(rules['core_share'], 0)} by value), "
        f"potential (top {pct(rules['potential_share'], 0)} by predicted CLV), and active (the rest).",
        f"每位客户按顺序应用的规则归入一个类别（截至 {s['as_of']}）：流失客户（{num(rules['lost_days'])} 天无购买且存活概率低于 "
        f"{pct(rules['lost_p_alive'], 0)}）、休眠客户（{num(rules['dormant_days'])} 天无购买）、风险客户（存活概率低于 "
        f"{pct(rules['at_risk_p_alive'], 0)}，或沉默时间超过其通常购买间隔的 {num(rules['at_risk_gap_factor'], 1)} 倍）、"
        f"核心客户（价值前 {pct(rules['core_share'], 0)}）、潜力客户（预测价值前 {pct(rules['potential_share'], 0)}）"
        "及活跃客户（其余）。"))
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
    matrix = s.get("matrix")
    if matrix:
        lines += ["", tr("## Current value × potential value", "## 当前价值 × 潜在价值矩阵"), "", tr(
            f"Splitting at the median of historical value ({money(matrix['thresholds']['current'])}) and of predicted CLV "
            f"({money(matrix['thresholds']['potential'])}) gives the course's four cells:",
            f"以历史价值中位数（{money(matrix['thresholds']['current'])}）和预测价值中位数"
            f"（{money(matrix['thresholds']['potential'])}）划分，得到课程中的四个象限："), ""]
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
        lines += ["", tr("## Where to spend a contact budget", "## 联系预算的分配"), "", tr(
            f"*Assumptions (from the config, not estimated):* cost per contact and expected uplift of each class's "
            f"predicted CLV as listed in the table. With a budget of {money(plan['budget'], 0)}, filling the classes "
            f"with the highest gain per dollar first yields an expected gain of {money(plan['expected_gain'], 0)}, "
            f"{num(plan['gain_ratio'], 2)} times what spreading the budget evenly would ({money(plan['even_gain'], 0)}).",
            f"*假设（来自配置，并非估计）：*各类客户的单次联系成本和预测价值提升比例见表。预算为 {money(plan['budget'], 0)} 时，"
            f"优先投入单位成本收益最高的类别，预期收益 {money(plan['expected_gain'], 0)}，是平均分配"
            f"（{money(plan['even_gain'], 0)}）的 {num(plan['gain_ratio'], 2)} 倍。")]
        if plan.get("return_per_dollar") is not None and plan["return_per_dollar"] < 1:
            lines.append(tr(
                f"Even so, each dollar returns only {money(plan['return_per_dollar'])} of CLV at these assumptions: "
                "a campaign pays back only if the uplifts are larger than assumed.",
                f"即便如此，在这些假设下每投入一美元只带来 {money(plan['return_per_dollar'])} 的客户价值：只有当提升幅度高于假设时，"
                "营销活动才能收回成本。"))
    lines += attachments(figures, tables)
    return "\n".join(lines)
