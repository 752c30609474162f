"""The 80/20 chapter: does the rule hold here, how sure are we, and what changes the answer."""

from __future__ import annotations

from ..core.i18n import tr
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
    with_figure,
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


def tail_sentence(tail: dict, trusted: dict) -> str:
    """The tail's verdict as the kit's own test gives it (power law, lognormal or cannot tell), and
    which interval that makes the one to trust."""
    fit = tr(f"Above {money(tail['x_min'])} ({num(tail['n_tail'])} customers) the best power-law fit has survival exponent "
             f"{num(tail['survival_exponent'], 2)} (Clauset, Shalizi & Newman 2009)",
             f"高于 {money(tail['x_min'])}（{num(tail['n_tail'])} 位客户）的最佳幂律拟合的生存指数为 "
             f"{num(tail['survival_exponent'], 2)}（Clauset、Shalizi 和 Newman，2009）")
    verdict = tail.get("verdict", "cannot tell")
    vuong = tail.get("lognormal_p_value")
    test = tr(f"Vuong's test against a lognormal, p {pvalue(vuong)}", f"与对数正态分布的 Vuong 检验 p {pvalue(vuong)}")
    if verdict == "power law":
        said = tr(f"; the power law fits the tail better than a lognormal ({test}).",
                  f"；幂律对尾部的拟合优于对数正态分布（{test}）。")
    elif verdict == "lognormal":
        said = tr(f", but a lognormal fits the tail better ({test}): the values do not follow a power law.",
                  f"，但对数正态分布拟合得更好（{test}）：这些价值并不服从幂律。")
    else:
        said = tr(f"; whether the tail is a power law or a lognormal cannot be told from these data ({test}).",
                  f"；数据无法判断尾部是幂律还是对数正态分布（{test}）。")
    rule, ci = trusted.get("rule"), interval(trusted.get("ci"))
    trust = {
        "finite_variance": tr(f" With an exponent of 2 or more the variance is finite, so the bootstrap (BCa) interval "
                              f"{ci} holds.",
                              f"指数不小于 2 时方差有限，因此自助法（BCa）区间 {ci} 成立。"),
        "lognormal_tail": tr(f" A lognormal tail has finite variance, so the bootstrap (BCa) interval {ci} holds.",
                             f"对数正态尾部的方差有限，因此自助法（BCa）区间 {ci} 成立。"),
        "power_law_tail": tr(f" An exponent below 2 means infinite variance: resampling the observed customers "
                             f"understates how large the largest can be, so the interval to trust redraws the tail "
                             f"from the fitted power law: {ci}.",
                             f"指数小于 2 意味着方差无限：对已观察客户重抽样会低估最大客户可能的规模，因此应采用从拟合的幂律"
                             f"重新抽取尾部的区间：{ci}。"),
        "tail_undecided": tr(f" If it is a power law its exponent below 2 means infinite variance, and the bootstrap "
                             f"interval would be too narrow; the interval to trust spans the bootstrap (BCa) and the "
                             f"tail-aware ones: {ci}.",
                             f"若为幂律，小于 2 的指数意味着方差无限，自助法区间会过窄；因此应采用同时覆盖自助法（BCa）区间与"
                             f"考虑厚尾的区间的范围：{ci}。"),
    }.get(rule, "")
    return with_figure(fit + said + trust, "pareto-tail")


def persistence_sentence(pers: dict) -> str:
    """Do last period's top customers stay on top, and does their share fall (regression to the mean)?
    Each half of the sentence has its own precondition on the numbers it cites."""
    still, before, after = pers["still_top"], pers["first_half_share"], pers["second_half_share_of_first_top"]
    stay = (tr(f"Top customers do not all stay on top: of the top 20% before {pers['split']}, only {pct(still)} are still "
               "in the top 20% after it",
               f"头部客户并非都能保持头部：{pers['split']} 之前的前 20% 客户中，只有 {pct(still)} 在之后仍属于前 20%")
            if still < 0.5 else
            tr(f"Most top customers stay on top: of the top 20% before {pers['split']}, {pct(still)} are still in the top "
               "20% after it",
               f"多数头部客户保持头部：{pers['split']} 之前的前 20% 客户中，有 {pct(still)} 在之后仍属于前 20%"))
    if before is None or after is None:  # nobody's value in one half: no share to compare
        share = tr(".", "。")
    elif round(after, 3) < round(before, 3):
        share = tr(f"; together they bring {pct(after)} of the later value, down from {pct(before)} before: regression "
                   "to the mean, so a list of last period's best customers overstates their future weight.",
                   f"；他们贡献之后 {pct(after)} 的价值，低于之前的 {pct(before)}：均值回归，"
                   "因此上一时期的最佳客户名单会高估他们未来的份额。")
    elif round(after, 3) > round(before, 3):
        share = tr(f"; together they bring {pct(after)} of the later value, up from {pct(before)} before: no regression "
                   "to the mean here.",
                   f"；他们贡献之后 {pct(after)} 的价值，高于之前的 {pct(before)}：此处没有均值回归。")
    else:
        share = tr(f"; they bring {pct(after)} of the later value, as before.",
                   f"；他们贡献之后 {pct(after)} 的价值，与之前相同。")
    return stay + share


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
    lines += ["", with_figure(verdict(p), "pareto-lorenz")]
    if p.get("bootstrap_se") is not None:
        lines.append(with_figure(tr(
            f"Resampling the customers, the share's bootstrap standard error is {num(100 * p['bootstrap_se'], 2)} "
            "percentage points.",
            f"对客户重抽样，该占比的自助法标准误为 {num(100 * p['bootstrap_se'], 2)} 个百分点。"), "pareto-bootstrap"))
    lines.append("")
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
        lines += ["", tr("## How sure: heavy tails", "## 把握有多大：厚尾"), "", tail_sentence(tail, trusted)]
    windows = p.get("windows") or []
    if windows:
        shortest, full = windows[0], windows[-1]
        lines += ["", tr("## What changes the answer: window and base", "## 影响结论的因素：窗口与客户基数"), "", with_figure(tr(
            f"Measured month by month, the top 20% of that month's buyers hold {pct(shortest['share_buyers'])} on average; "
            f"counting every acquired customer, including those who bought nothing that month, {pct(shortest['share_all_customers'])}. "
            f"Over the full window the share is {pct(full['share_buyers'])}. The same data can be made to look like "
            "a strong or weak 80/20 by the choice of window.",
            f"按月测量时，当月购买者中前 20% 平均占 {pct(shortest['share_buyers'])}；若计入所有已获取客户（包括当月未购买者），"
            f"则为 {pct(shortest['share_all_customers'])}。在整个观察期内该比例为 {pct(full['share_buyers'])}。"
            "同样的数据，窗口选择不同，二八定律看起来可强可弱。"), "pareto-windows")]
    pers = p.get("persistence") or {}
    if is_not_estimable(pers):
        lines += ["", not_estimable_sentence(pers, ("persistence of top customers", "头部客户的持续性"))]
    if pers.get("still_top") is not None:
        lines += ["", with_figure(persistence_sentence(pers), "pareto-persistence")]
    model = (results.get("clv") or {}).get("pareto_model_share")  # written by the CLV chapter when it ran
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
        lines += ["", tr("## The profit view", "## 利润视角"), "", with_figure(tr(
            f"Assuming a gross margin of {pct(a['margin_rate'], 0)}, {money(a['cost_per_order'])} per order and "
            f"{money(a['cost_per_customer_per_period'])} per customer per period, the top 20% of customers earn "
            f"{pct(profit['top20_share'])} of the profit, {pct(profit['share_unprofitable'])} of customers are unprofitable "
            f"and cost {money(profit['lost_on_unprofitable'], 0)}, and the whale curve peaks at {pct(profit['peak'], 0)} of total profit "
            f"(Kaplan & Cooper: 150–300%). The least profitable 30% consume {pct(profit['bottom30_consumes'])} of the "
            "profit the top 20% earn, against half in Sherden's 80/20/30 rule.",
            f"假设毛利率 {pct(a['margin_rate'], 0)}、每单成本 {money(a['cost_per_order'])}、每位客户每期成本 "
            f"{money(a['cost_per_customer_per_period'])}，前 20% 的客户贡献 {pct(profit['top20_share'])} 的利润，"
            f"{pct(profit['share_unprofitable'])} 的客户不盈利，共亏损 {money(profit['lost_on_unprofitable'], 0)}；"
            f"鲸鱼曲线峰值为总利润的 {pct(profit['peak'], 0)}（Kaplan 和 Cooper：150–300%）。利润最低的 30% 客户消耗了"
            f"前 20% 客户利润的 {pct(profit['bottom30_consumes'])}，而 Sherden 的 80/20/30 规则为一半。"), "pareto-whale")]
    segments = p.get("segments") or []
    if segments:
        rejected = [s for s in segments if s["p_value_80_holm"] < 0.05]
        lines += ["", tr(
            f"Across {num(len(segments))} segments, the share falls significantly short of 80% in "
            f"{num(len(rejected))} after Holm's adjustment.",
            f"在 {num(len(segments))} 个细分中，经 Holm 校正后有 {num(len(rejected))} 个显著低于 80%。")]
    lines += attachments(figures, tables)
    return "\n".join(lines)
