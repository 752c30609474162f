"""The report's opening: five findings, each one sentence with its number."""

from __future__ import annotations

from ..core.i18n import tr
from ..report.escape import code_span, escape_markdown
from .common import get, interval, money, num, pct, period_name
from .retention import median_sentence


def _pareto(results: dict) -> str | None:
    p = get(results, "pareto")
    if not p or p.get("status") == "not_estimable":
        return None
    ci = (p.get("trusted_interval") or {}).get("ci") or p["top_share_ci"]
    q, share = pct(p["q"], 0), pct(p["top_share"])
    if p["tost"]["equivalent"]:
        return tr(f"The 80/20 rule holds: the top {q} of customers account for {share} of value (interval {interval(ci)}).",
                  f"二八定律成立：前 {q} 的客户贡献了 {share} 的价值（区间 {interval(ci)}）。")
    if ci[1] < 0.8:
        return tr(f"Value is less concentrated than 80/20: the top {q} of customers account for {share} (interval {interval(ci)}).",
                  f"价值集中度低于二八定律：前 {q} 的客户贡献了 {share}（区间 {interval(ci)}）。")
    if ci[0] > 0.8:
        return tr(f"Value is more concentrated than 80/20: the top {q} of customers account for {share} (interval {interval(ci)}).",
                  f"价值集中度高于二八定律：前 {q} 的客户贡献了 {share}（区间 {interval(ci)}）。")
    return tr(f"The top {q} of customers account for {share} of value (interval {interval(ci)}); the data cannot settle the 80/20 question.",
              f"前 {q} 的客户贡献了 {share} 的价值（区间 {interval(ci)}）；数据无法判定二八定律是否成立。")


def findings(results: dict) -> list[str]:
    """Up to five findings for which this study has numbers, in the order of the chapters."""
    found: list[str] = []
    unit = period_name(get(results, "study.period", "week"))
    data = get(results, "data", {})
    if data.get("kind") == "contractual":
        # a snapshot: each customer's tenure so far and whether they have left (no purchase log)
        found.append(tr(
            f"The data are a snapshot of {num(data['customers'])} contracts: {num(data['churned'])} customers "
            f"({pct(data['share_churned'])}) have cancelled, the others are still customers and their lifetimes are "
            "censored at their current tenure.",
            f"数据是 {num(data['customers'])} 份合约的快照：{num(data['churned'])} 位客户（{pct(data['share_churned'])}）"
            "已解约，其余仍是客户，其寿命在当前在网时长处删失。"))
    elif data.get("kind") == "opportunity":
        found.append(tr(
            f"The data summarise {num(data['customers'])} customers over up to {num(data['periods_max'])} discrete "
            f"transaction opportunities; {pct(data['share_no_repeat'])} made no repeat transaction.",
            f"数据汇总了 {num(data['customers'])} 位客户在至多 {num(data['periods_max'])} 次离散交易机会中的交易；"
            f"{pct(data['share_no_repeat'])} 的客户没有重复交易。"))
    elif data:
        found.append(tr(
            f"The cleaned log holds {num(data.get('transactions'))} purchase days of {num(data.get('customers'))} "
            f"customers, and {pct(data.get('share_one_time_buyers'))} of them bought only once.",
            f"清洗后的记录包含 {num(data.get('customers'))} 位客户的 {num(data.get('transactions'))} 个购买日，"
            f"其中 {pct(data.get('share_one_time_buyers'))} 的客户只购买过一次。"))
    sentence = _pareto(results)
    if sentence:
        found.append(sentence)
    model, summary = get(results, "clv.recommended_model_name"), get(results, "clv.summary")
    if model and summary and get(results, "clv.setting") != "discrete":
        # how the model was chosen, as the CLV chapter decided it (clv.study.choose_by_holdout)
        rule = get(results, "clv.holdout.model_choice.rule")
        chosen = {
            "lowest_mae": (f"{model}, the model that best predicts the holdout,",
                           f"验证期预测最好的模型 {model}"),
            "indistinguishable": (f"{model} (the holdout cannot tell it from the other models; chosen by BIC)",
                                  f"{model}（验证期无法区分各模型，按 BIC 选择）"),
        }.get(rule, (f"{model} (chosen by BIC: there is no holdout to judge the models on)",
                     f"{model}（无验证期，按 BIC 选择）"))
        found.append(tr(
            f"{chosen[0]} puts the margin from existing customers over the next "
            f"{num(summary['horizon_periods'])} {unit}s at {money(summary['total_clv'], 0)}, and the top 20% of them hold "
            f"{pct(summary['top20_share_of_clv'])} of it.",
            f"{chosen[1]}估计现有客户未来 {num(summary['horizon_periods'])} {unit}的毛利为 "
            f"{money(summary['total_clv'], 0)}，其中前 20% 的客户占 {pct(summary['top20_share_of_clv'])}。"))
    discrete = get(results, "clv.summary") if get(results, "clv.setting") == "discrete" else None
    if discrete:
        found.append(tr(
            f"BG/BB (Fader, Hardie & Shang 2010) expects {num(discrete['expected_transactions_total'])} transactions from "
            f"these customers over the next {num(discrete['horizon_opportunities'])} opportunities; the average customer "
            f"is still active with probability {pct(discrete['mean_p_alive'])}.",
            f"BG/BB（Fader、Hardie 和 Shang，2010）预计这些客户在未来 {num(discrete['horizon_opportunities'])} 次机会中"
            f"交易 {num(discrete['expected_transactions_total'])} 次；客户仍活跃的平均概率为 {pct(discrete['mean_p_alive'])}。"))
    km = get(results, "retention.km")
    if km:
        if km.get("median") is None and km.get("events") is not None:
            found.append(tr(f"{num(km['events'])} of {num(km['n'])} customers have churned; more than half are still active "
                            "at the longest tenure observed.",
                            f"{num(km['n'])} 位客户中有 {num(km['events'])} 位已流失；在观察到的最长在网时长内，仍有一半以上客户活跃。"))
        else:
            found.append(median_sentence(km, unit))
    core = next((row for row in get(results, "segments.classes") or [] if row["name"] == "core"), None)
    if core and core["customers"]:  # a study of a handful of customers may have no core class
        clv = (tr(f" and {pct(core['share_predicted_clv'])} of predicted value", f"、预测价值的 {pct(core['share_predicted_clv'])}")
               if core.get("share_predicted_clv") is not None else "")
        found.append(tr(f"The {num(core['customers'])} core customers ({pct(core['share_customers'])}) hold "
                        f"{pct(core['share_value'])} of historical value{clv}.",
                        f"{num(core['customers'])} 位核心客户（{pct(core['share_customers'])}）占历史价值的 "
                        f"{pct(core['share_value'])}{clv}。"))
    groups = get(results, "retention.km_by_group") or {}
    medians = {g: m for g, m in (groups.get("medians") or {}).items() if m is not None}
    fastest = sorted(medians.items(), key=lambda item: item[1])[:2]
    # "churn fastest" needs one group strictly ahead of the others and a log-rank test that separates them
    separated = (groups.get("logrank") or {}).get("p_value", 1) < 0.05
    if fastest and fastest[0][1] > 0 and separated and (len(fastest) == 1 or fastest[0][1] < fastest[1][1]):
        group, median = fastest[0]
        column, value = code_span(groups["group"]), escape_markdown(group)
        found.append(tr(f"{column} = {value} customers churn fastest: half are gone within {num(median, 1)} {unit}s.",
                        f"{column} = {value} 的客户流失最快：一半在 {num(median, 1)} {unit}内流失。"))
    hazards = get(results, "retention.cox.hazard_ratios") or []
    if hazards and get(results, "retention.setting") == "contractual":
        strongest = max(hazards, key=lambda row: abs(__import__("math").log(row["hazard_ratio"])))
        term = escape_markdown(strongest["term"])
        found.append(tr(f"The strongest effect on churn is {term}: hazard ratio "
                        f"{num(strongest['hazard_ratio'], 2)} (95% CI {num(strongest['lower'], 2)}–{num(strongest['upper'], 2)}).",
                        f"对流失影响最大的是 {term}：风险比 {num(strongest['hazard_ratio'], 2)}"
                        f"（95% 置信区间 {num(strongest['lower'], 2)}–{num(strongest['upper'], 2)}）。"))
    econ = get(results, "retention.economics") or {}
    if econ.get("gain_per_customer") and get(results, "retention.setting") == "contractual":
        found.append(tr(f"One more point of yearly retention adds {money(econ['gain_per_customer'])} to a customer's value of "
                        f"{money(econ['clv'])}.",
                        f"年留存率每提高一个百分点，客户价值（{money(econ['clv'])}）增加 {money(econ['gain_per_customer'])}。"))
    churn = get(results, "retention.churn_model")
    if churn and churn.get("status") != "not_estimable" and len(found) < 5:
        found.append(tr(f"A churn model ranks customers by risk with an AUC of {num(churn['auc'], 3)}.",
                        f"流失模型按风险对客户排序的 AUC 为 {num(churn['auc'], 3)}。"))
    return found[:5]


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    items = findings(results)
    if not items:
        return ""
    heading = tr("# Summary", "# 摘要")
    return heading + "\n\n" + "\n".join(f"{i}. {text}" for i, text in enumerate(items, 1)) + "\n"
