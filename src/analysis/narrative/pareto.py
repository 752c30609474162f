"""The 80/20 chapter: does the rule hold here, how sure are we, and what changes the answer."""

from __future__ import annotations

from ..i18n import tr
from .common import (
    attachments,
    get,
    interval,
    is_not_estimable,
    money,
    not_estimable_sentence,
    num,
    pct,
    pvalue,
)

MEASURES = {"revenue": ("revenue", "收入"), "purchases": ("purchases", "购买次数"), "profit": ("profit", "利润")}


def verdict(p: dict) -> str:
    """One sentence: holds, weaker, stronger, or undecided — only what the tests support."""
    share, ci = p["top_share"], p.get("trusted_interval", {}).get("ci") or p["top_share_ci"]
    q, margin = pct(p["q"], 0), pct(p["tost"]["margin"], 0)
    if p["tost"]["equivalent"]:
        return tr(f"Yes: the top {q} of customers hold {pct(share)} of the value, equivalent to 80% within ±{margin} "
                  f"(TOST p {pvalue(p['tost']['p_value'])}).",
                  f"是的：前 {q} 的客户占有 {pct(share)} 的价值，在 ±{margin} 范围内与 80% 等价（TOST p {pvalue(p['tost']['p_value'])}）。")
    if p["p_value_80"] < 0.05 and ci[1] < 0.8:
        return tr(f"No — value is less concentrated than 80/20: the top {q} hold {pct(share)} "
                  f"(interval {interval(ci)}), and a one-sided test rejects a share of 80% or more "
                  f"(p {pvalue(p['p_value_80'])}). The x/y point is {num(100 * (1 - p['xy_point']), 0)}/{num(100 * p['xy_point'], 0)}: "
                  f"the top {pct(p['xy_point'], 0)} of customers hold {pct(1 - p['xy_point'], 0)} of the value.",
                  f"否——价值的集中程度低于二八定律：前 {q} 的客户占 {pct(share)}（区间 {interval(ci)}），"
                  f"单侧检验拒绝“占比不低于 80%”（p {pvalue(p['p_value_80'])}）。x/y 点为 "
                  f"{num(100 * (1 - p['xy_point']), 0)}/{num(100 * p['xy_point'], 0)}：前 {pct(p['xy_point'], 0)} 的客户"
                  f"占有 {pct(1 - p['xy_point'], 0)} 的价值。")
    if ci[0] > 0.8:
        return tr(f"Value is more concentrated than 80/20: the top {q} hold {pct(share)} (interval {interval(ci)}).",
                  f"价值的集中程度高于二八定律：前 {q} 的客户占 {pct(share)}（区间 {interval(ci)}）。")
    return tr(f"The data cannot tell: the top {q} hold {pct(share)} with interval {interval(ci)}, which "
              "includes 80% but is too wide to show equivalence.",
              f"数据无法判断：前 {q} 的客户占 {pct(share)}，区间 {interval(ci)} 包含 80%，但过宽，无法证明等价。")


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    p = get(results, "pareto")
    lines = [tr("# Does the 80/20 rule hold?", "# 二八定律成立吗？"), ""]
    if not p:
        return ""  # the analysis does not apply to this study (or did not run)
    if is_not_estimable(p):
        return "\n".join(lines + [not_estimable_sentence(p)]) + "\n"
    en, zh = MEASURES.get(p["value_measure"], (p["value_measure"], p["value_measure"]))
    lines.append(tr(
        f"Value measure: {en} per customer over the whole window, {num(p['n_customers'])} customers.",
        f"价值度量：整个观察期内每位客户的{zh}，共 {num(p['n_customers'])} 位客户。"))
    lines += ["", verdict(p), ""]
    tail, trusted = p.get("tail", {}), p.get("trusted_interval", {})
    if is_not_estimable(tail):
        lines += ["", not_estimable_sentence(tail, ("power-law tail", "幂律尾部"))]
        tail = {}
    lines.append(tr(
        f"The Gini coefficient is {num(p['gini'], 3)}; the 10 largest customers hold {pct(p['top10_customers_share'], 2)} "
        f"of the value. For comparison, studies across many firms find the top 20% holding about 73% "
        f"(Kim, Singh & Winer 2017) or 67% (McCarthy & Winer 2019) of sales.",
        f"基尼系数为 {num(p['gini'], 3)}；最大的 10 位客户占 {pct(p['top10_customers_share'], 2)}。作为对照，"
        f"跨企业研究发现前 20% 的客户约占销售额的 73%（Kim、Singh 和 Winer，2017）或 67%（McCarthy 和 Winer，2019）。"))
    if tail:
        lines += ["", tr("## How sure: heavy tails", "## 把握有多大：厚尾"), "", tr(
            f"Above {money(tail['x_min'])} the values follow a power law with survival exponent "
            f"{num(tail['survival_exponent'], 2)} (Clauset, Shalizi & Newman 2009; {num(tail['n_tail'])} customers in the tail). "
            f"The interval to trust is the {trusted.get('interval')} one, {interval(trusted.get('ci'))}: {trusted.get('reason')}.",
            f"高于 {money(tail['x_min'])} 的价值服从幂律，生存指数为 {num(tail['survival_exponent'], 2)}"
            f"（Clauset、Shalizi 和 Newman，2009；尾部共 {num(tail['n_tail'])} 位客户）。应采用的区间为"
            f"{'考虑厚尾的自助法区间' if trusted.get('interval') == 'tail-aware bootstrap' else '自助法（BCa）区间'} "
            f"{interval(trusted.get('ci'))}。")]
    windows = p.get("windows") or []
    if windows:
        shortest, full = windows[0], windows[-1]
        lines += ["", tr("## What changes the answer: window and base", "## 影响结论的因素：窗口与客户基数"), "", tr(
            f"Measured month by month, the top 20% of that month's buyers hold {pct(shortest['share_buyers'])} on average; "
            f"counting every acquired customer, including those who bought nothing that month, {pct(shortest['share_all_customers'])}. "
            f"Over the full window the share is {pct(full['share_buyers'])}. The same data can be made to look like "
            "a strong or weak 80/20 by the choice of window.",
            f"按月测量时，当月购买者中前 20% 平均占 {pct(shortest['share_buyers'])}；若计入所有已获取客户（包括当月未购买者），"
            f"则为 {pct(shortest['share_all_customers'])}。在整个观察期内该比例为 {pct(full['share_buyers'])}。"
            "同样的数据，窗口选择不同，二八定律看起来可强可弱。")]
    pers = p.get("persistence") or {}
    if is_not_estimable(pers):
        lines += ["", not_estimable_sentence(pers, ("persistence of top customers", "头部客户的持续性"))]
    if pers.get("still_top") is not None:
        lines += ["", tr(
            f"Top customers do not stay top: of the top 20% before {pers['split']}, {pct(pers['still_top'])} are "
            f"still in the top 20% after it, and together they bring {pct(pers['second_half_share_of_first_top'])} "
            f"of the later value (they held {pct(pers['first_half_share'])} before): regression to the mean.",
            f"头部客户并不总是头部：{pers['split']} 之前的前 20% 客户中，只有 {pct(pers['still_top'])} 在之后仍属于前 20%，"
            f"他们贡献了之后 {pct(pers['second_half_share_of_first_top'])} 的价值（之前为 {pct(pers['first_half_share'])}）：均值回归。")]
    model = p.get("model_share")
    if model:
        lines += ["", tr(
            f"The fitted BG/NBD model (r = {num(model['r'], 3)}) implies that the top 20% of underlying purchase "
            f"rates account for {pct(model['top_share'])} of all purchasing — the concentration that would remain "
            "without the luck of who happened to buy in this window.",
            f"拟合的 BG/NBD 模型（r = {num(model['r'], 3)}）意味着潜在购买率最高的 20% 客户贡献全部购买的 "
            f"{pct(model['top_share'])}——这是剔除“谁恰好在此窗口购买”的偶然性后仍存在的集中度。")]
    profit = p.get("profit") or {}
    if is_not_estimable(profit):
        lines += ["", tr("## The profit view", "## 利润视角"), "", not_estimable_sentence(profit, ("whale curve", "鲸鱼曲线"))]
        profit = {}
    if profit:
        a = profit["assumptions"]
        lines += ["", tr("## The profit view", "## 利润视角"), "", tr(
            f"Assuming a gross margin of {pct(a['margin_rate'], 0)}, {money(a['cost_per_order'])} per order and "
            f"{money(a['cost_per_customer_per_period'])} per customer per period, the top 20% of customers earn "
            f"{pct(profit['top20_share'])} of the profit, {pct(profit['share_unprofitable'])} of customers are unprofitable "
            f"and cost {money(profit['lost_on_unprofitable'], 0)}, and the whale curve peaks at {pct(profit['peak'], 0)} of total profit "
            f"(Kaplan & Cooper: 150–300%). The least profitable 30% consume {pct(profit['bottom30_consumes'])} of the "
            "top 20%'s profit, against half in Sherden's 80/20/30 rule.",
            f"假设毛利率 {pct(a['margin_rate'], 0)}、每单成本 {money(a['cost_per_order'])}、每位客户每期成本 "
            f"{money(a['cost_per_customer_per_period'])}，前 20% 的客户贡献 {pct(profit['top20_share'])} 的利润，"
            f"{pct(profit['share_unprofitable'])} 的客户不盈利，共亏损 {money(profit['lost_on_unprofitable'], 0)}；"
            f"鲸鱼曲线峰值为总利润的 {pct(profit['peak'], 0)}（Kaplan 和 Cooper：150–300%）。利润最低的 30% 客户消耗了"
            f"前 20% 客户利润的 {pct(profit['bottom30_consumes'])}，而 Sherden 的 80/20/30 规则为一半。")]
    segments = p.get("segments") or []
    if segments:
        rejected = [s for s in segments if s["p_value_80_holm"] < 0.05]
        lines += ["", tr(
            f"Across {num(len(segments))} segments, the share falls significantly short of 80% in "
            f"{num(len(rejected))} after Holm's adjustment.",
            f"在 {num(len(segments))} 个细分中，经 Holm 校正后有 {num(len(rejected))} 个显著低于 80%。")]
    lines += attachments(figures, tables)
    return "\n".join(lines)
