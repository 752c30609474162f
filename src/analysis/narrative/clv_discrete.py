"""The customer-lifetime-value chapter for discrete-time (opportunity) data: BG/BB.

Every sentence reads ``results["clv"]`` as written by :func:`analysis.clv.discrete.run_bgbb`
(``setting == "discrete"``).
"""

from __future__ import annotations

from ..core.i18n import tr
from .common import attachments, num, pct, pvalue, with_figure

PARAMETERS = ("alpha", "beta", "gamma", "delta")  # the paper's order
SYMBOLS = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ"}


def _estimates(fit: dict) -> str:
    return ", ".join(f"{SYMBOLS[k]} = {num(fit['params'][k], 3)} (SE {num(fit['se'].get(k), 3)})" for k in PARAMETERS)


def chapter(clv: dict, figures: list[dict], tables: list[dict]) -> str:
    fit, summary = clv["bgbb"], clv["summary"]
    lines = [tr("# Customer lifetime value", "# 客户终身价值"), "", tr(
        "Each customer either transacts or not at each of a fixed number of transaction opportunities, so the "
        "discrete-time beta-geometric/beta-Bernoulli model (BG/BB; Fader, Hardie & Shang 2010) describes them: "
        "while active, a customer transacts at each opportunity with probability p, which varies across customers "
        "as Beta(α, β); before each opportunity an active customer becomes inactive, unobserved, with probability θ, "
        f"distributed Beta(γ, δ). The model is fitted by maximum likelihood on all {num(summary['customers'])} "
        "customers: the data are a summary of one window, so there is no holdout to judge it on.",
        "每位客户在固定数量的交易机会中，每次机会要么交易、要么不交易，因此适用离散时间的 beta-几何/beta-伯努利模型"
        "（BG/BB；Fader、Hardie 和 Shang，2010）：客户活跃时，每次机会以概率 p 交易，p 在客户间服从 Beta(α, β)；"
        "每次机会之前，活跃客户以概率 θ 悄然流失，θ 服从 Beta(γ, δ)。模型以最大似然估计，使用全部 "
        f"{num(summary['customers'])} 位客户：数据是单一窗口的汇总，没有验证期可供检验。"),
        "", tr("## Estimates", "## 参数估计"), "", tr(
            f"- BG/BB: {_estimates(fit)}; log-likelihood {num(fit['loglik'], 1)}"
            + ("" if fit.get("converged") else " (did not converge)"),
            f"- BG/BB：{_estimates(fit)}；对数似然 {num(fit['loglik'], 1)}"
            + ("" if fit.get("converged") else "（未收敛）")),
        "", tr(
            f"An active customer transacts at an opportunity with probability {pct(summary['mean_transaction_probability'])} "
            f"on average (α/(α + β)), and becomes inactive before an opportunity with probability "
            f"{pct(summary['mean_churn_probability'])} on average (γ/(γ + δ)).",
            f"活跃客户在每次机会交易的平均概率为 {pct(summary['mean_transaction_probability'])}（α/(α + β)），"
            f"每次机会之前流失的平均概率为 {pct(summary['mean_churn_probability'])}（γ/(γ + δ)）。")]
    lines += _fit_sentence(clv)
    rate = summary["discount_rate_opportunity"]
    horizon = summary["horizon_opportunities"]
    lines += ["", tr("## What the customers are worth", "## 客户的价值"), "", with_figure(tr(
        f"After the last opportunity observed, the average customer is still active with probability "
        f"{pct(summary['mean_p_alive'])}. Over the next {num(horizon)} opportunities the "
        f"{num(summary['customers'])} customers are expected to make {num(summary['expected_transactions_total'])} "
        f"transactions (conditional expectations, eq. 13), against {num(summary['expected_transactions_new_customer'], 2)} "
        f"for a newly acquired customer over as many opportunities (eq. 8). Their discounted expected residual "
        f"transactions (DERT, eq. 15; discount rate {pct(rate)} per opportunity, "
        f"{pct(summary['discount_rate_annual'], 0)} a year) total {num(summary['total_dert'])}, "
        f"{num(summary['mean_dert'], 2)} per customer, and the top 20% of customers hold "
        f"{pct(summary['top20_share_of_dert'])} of them. The data hold no amounts, so value is stated in "
        "transactions: DERT times the margin of one transaction is a customer's expected residual lifetime value.",
        f"在观察到的最后一次机会之后，客户仍活跃的平均概率为 {pct(summary['mean_p_alive'])}。未来 {num(horizon)} 次机会中，"
        f"这 {num(summary['customers'])} 位客户预计交易 {num(summary['expected_transactions_total'])} 次（条件期望，式 13），"
        f"而一位新客户在同样多次机会中预计交易 {num(summary['expected_transactions_new_customer'], 2)} 次（式 8）。"
        f"其贴现预期剩余交易次数（DERT，式 15；每次机会贴现率 {pct(rate)}，年贴现率 "
        f"{pct(summary['discount_rate_annual'], 0)}）合计 {num(summary['total_dert'])}，人均 {num(summary['mean_dert'], 2)}，"
        f"前 20% 的客户占 {pct(summary['top20_share_of_dert'])}。数据不含金额，因此价值以交易次数表示："
        "DERT 乘以单次交易的毛利即为客户的预期剩余终身价值。"), "clv-p-alive")]
    lines += attachments(figures, tables)
    return "\n".join(lines)


def _fit_sentence(clv: dict) -> list[str]:
    """The period-transactions χ² (actual vs expected customers by number of repeat transactions)."""
    check = ((clv.get("diagnostics") or {}).get("period_transactions") or {}).get("bgbb")
    if not check:
        return []
    cells = len(check["pooled"])
    if check.get("p_value") is None:
        verdict = (f"with {num(cells)} cells and four parameters no degrees of freedom are left for a χ² test",
                   f"共 {num(cells)} 组、四个参数，χ² 检验没有剩余自由度")
        return ["", with_figure(tr(
            f"How many customers made 0, 1, 2, … repeat transactions, against the BG/BB expectation: {verdict[0]}.",
            f"重复交易 0、1、2……次的客户人数与 BG/BB 预期的比较：{verdict[1]}。"), "clv-period-transactions")]
    level = pct(check["level"], 0)
    rejected = check["p_value"] < check["level"]
    if rejected:
        meaning = ((f"the counts reject the model at the {level} level; with this many customers small misfits "
                    "are significant, so compare the counts themselves in the figure"),
                   f"在 {level} 水平上拒绝该模型；客户数量很多时，很小的偏差也会显著，请对照图中的人数本身")
    else:
        meaning = (f"the expected counts are consistent with the actual ones at the {level} level",
                   f"预期人数在 {level} 水平上与实际相符")
    return ["", with_figure(tr(
        f"How many customers made 0, 1, 2, … repeat transactions ({num(cells)} cells, those with fewer than "
        f"{num(check['min_expected'])} expected pooled), against the BG/BB expectation (eq. 7): χ² = {num(check['chisq'], 2)} on "
        f"{num(check['df'])} df (p {pvalue(check['p_value'])}): {meaning[0]}.",
        f"重复交易 0、1、2……次的客户人数（{num(cells)} 组，预期少于 {num(check['min_expected'])} 人的组合并）与 BG/BB 预期（式 7）的比较："
        f"χ² = {num(check['chisq'], 2)}，自由度 {num(check['df'])}（p {pvalue(check['p_value'])}）：{meaning[1]}。"),
        "clv-period-transactions")]
