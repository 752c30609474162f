"""The customer-lifetime-value chapter."""

from __future__ import annotations

from ..i18n import tr
from . import clv_discrete
from .common import attachments, get, money, num, pct, period_name, pvalue, with_figure

NAMES = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD", "mbgnbd": "MBG/NBD"}
# the papers' order (results.json sorts keys)
ORDER = {"bgnbd": ("r", "alpha", "a", "b"), "paretonbd": ("r", "alpha", "s", "beta"),
         "mbgnbd": ("r", "alpha", "a", "b"), "gammagamma": ("p", "q", "gamma")}


def _params(fit: dict, model: str) -> str:
    names = [k for k in ORDER[model] if k in fit["params"]]
    return ", ".join(f"{k} = {num(fit['params'][k], 3)} (SE {num(fit['se'].get(k), 3)})" for k in names)


def _reason_zh(holdout: dict, best: str) -> str:
    choice = holdout.get("model_choice") or {}
    if choice.get("rule") == "indistinguishable":
        return (f"验证期无法区分 {'、'.join(NAMES[m] for m in choice['tied'])}（客户绝对误差的配对检验 p ≥ {choice['level']}），"
                "因此选用 BIC 最低者")
    return f"验证期内每位客户的平均绝对误差最低（{num(holdout['mae'][best], 3)} 次），且显著低于其他模型"


def _holdout_miss(clv: dict, lang: str) -> str:
    """How far the recommended model missed the holdout total, when there is a holdout."""
    holdout, best = clv.get("holdout") or {}, clv.get("recommended_model")
    if not holdout or best not in holdout.get("total_error", {}):
        return ""
    miss = pct(abs(holdout["total_error"][best]))
    return f", which missed the holdout total by {miss}" if lang == "en" else f"（其验证期总量误差为 {miss}）"


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    clv = get(results, "clv")
    lines = [tr("# Customer lifetime value", "# 客户终身价值"), ""]
    if not clv:
        return ""  # the analysis does not apply to this study (or did not run)
    if clv.get("setting") == "discrete":  # opportunity data: BG/BB
        return clv_discrete.chapter(clv, figures, tables)
    period = get(results, "study.period", "week")
    unit = period_name(period)
    lines.append(tr(
        "Three buy-till-you-die models describe how often customers buy while they are active and "
        "when they silently stop: BG/NBD (Fader, Hardie & Lee 2005a), Pareto/NBD (Schmittlein, "
        "Morrison & Colombo 1987) and MBG/NBD (Batislam et al. 2007); the Gamma-Gamma model (Fader, "
        "Hardie & Lee 2005b) describes spend per purchase. All are fitted by maximum likelihood on "
        "the calibration window and judged on the holdout.",
        "三个“购买直至流失”（BTYD）模型刻画客户活跃时的购买频率以及何时悄然流失：BG/NBD（Fader、Hardie 和 Lee，2005a）、"
        "Pareto/NBD（Schmittlein、Morrison 和 Colombo，1987）和 MBG/NBD（Batislam 等，2007）；Gamma-Gamma 模型"
        "（Fader、Hardie 和 Lee，2005b）刻画每次购买的金额。所有模型均在校准期内以最大似然估计，并在验证期检验。",
    ))
    lines += ["", tr("## Estimates", "## 参数估计"), ""]
    for key in ("bgnbd", "paretonbd", "mbgnbd"):
        fit = clv.get(key)
        if fit:
            lines.append(tr(
                f"- {NAMES[key]}: {_params(fit, key)}; log-likelihood {num(fit['loglik'], 1)}"
                + ("" if fit.get("converged") else " (did not converge)"),
                f"- {NAMES[key]}：{_params(fit, key)}；对数似然 {num(fit['loglik'], 1)}"
                + ("" if fit.get("converged") else "（未收敛）"),
            ))
    gg = clv.get("gammagamma")
    if gg:
        lines.append(tr(
            f"- Gamma-Gamma, on {num(gg['n'])} repeat buyers: {_params(gg, 'gammagamma')}; log-likelihood {num(gg['loglik'], 2)}",
            f"- Gamma-Gamma（{num(gg['n'])} 位重复购买者）：{_params(gg, 'gammagamma')}；对数似然 {num(gg['loglik'], 2)}",
        ))
    lines += _diagnostic_sentences(clv)
    holdout = clv.get("holdout") or {}
    if holdout:
        best = clv["recommended_model"]
        lines += ["", tr("## How well the models predict the holdout", "## 模型对验证期的预测效果"), "", with_figure(tr(
            f"In the {num(holdout['duration'], 1)}-{period} holdout the calibration customers made "
            f"{num(holdout['actual_total'])} repeat purchases; the models expected "
            + ", ".join(f"{num(v)} ({NAMES[k]}, {pct(holdout['total_error'][k])})"
                        for k, v in holdout["predicted_total"].items())
            + f". {NAMES[best]} is recommended: {clv['recommendation_reason']}.",
            f"在 {num(holdout['duration'], 1)} {unit}的验证期内，校准期客户共重复购买 {num(holdout['actual_total'])} 次；"
            "各模型的预期为 "
            + "，".join(f"{num(v)}（{NAMES[k]}，{pct(holdout['total_error'][k])}）"
                       for k, v in holdout["predicted_total"].items())
            + f"。推荐 {NAMES[best]}：{_reason_zh(holdout, best)}。",
        ), "clv-tracking")]
    summary = clv.get("summary") or {}
    if summary:
        lines += ["", tr("## What the customers are worth", "## 客户的价值"), "", with_figure(tr(
            f"Refitted on the whole window, {NAMES.get(summary['model'], summary['model'])} with Gamma-Gamma "
            f"spend puts the next {num(summary['horizon_periods'])} {period}s of the "
            f"{num(summary['customers'])} customers at {money(summary['total_clv'], 0)} of margin "
            f"(95% interval {money(summary['total_clv_ci'][0], 0)} to {money(summary['total_clv_ci'][1], 0)} from the "
            f"uncertainty of the estimated parameters only — not from the model's own error{_holdout_miss(clv, 'en')}; "
            f"margin {pct(summary['margin'], 0)}, discount rate {pct(summary['discount_rate_annual'], 0)} a year). "
            f"The mean customer is worth {money(summary['mean_clv'])}, the median one {money(summary['median_clv'])}: "
            f"the top 20% of customers hold {pct(summary['top20_share_of_clv'])} of the predicted value, and the "
            f"average probability of still being active is {pct(summary['mean_p_alive'])}.",
            f"在整个观察期上重新拟合后，{NAMES.get(summary['model'], summary['model'])} 与 Gamma-Gamma 模型预测这 "
            f"{num(summary['customers'])} 位客户未来 {num(summary['horizon_periods'])} {unit}的毛利为 "
            f"{money(summary['total_clv'], 0)}（95% 区间 {money(summary['total_clv_ci'][0], 0)} 至 "
            f"{money(summary['total_clv_ci'][1], 0)}，仅反映参数估计的不确定性，不包括模型本身的误差{_holdout_miss(clv, 'zh')}；毛利率 {pct(summary['margin'], 0)}，年贴现率 "
            f"{pct(summary['discount_rate_annual'], 0)}）。客户价值均值为 {money(summary['mean_clv'])}，中位数为 "
            f"{money(summary['median_clv'])}：前 20% 的客户占预测价值的 {pct(summary['top20_share_of_clv'])}，"
            f"客户仍然活跃的平均概率为 {pct(summary['mean_p_alive'])}。",
        ), "clv-distribution")]
    lines += attachments(figures, tables)
    return "\n".join(lines)


def _diagnostic_sentences(clv: dict) -> list[str]:
    """The period-transactions χ² per model and the Gamma-Gamma independence check, as sentences."""
    diagnostics = clv.get("diagnostics") or {}
    out: list[str] = []
    fits = diagnostics.get("period_transactions") or {}
    tested = {k: v for k, v in fits.items() if v.get("p_value") is not None}
    if tested:
        items = [f"{NAMES[k]} χ² = {num(v['chisq'], 2)} on {num(v['df'])} df (p {pvalue(v['p_value'])})"
                 for k, v in tested.items()]
        items_zh = [f"{NAMES[k]} χ² = {num(v['chisq'], 2)}，自由度 {num(v['df'])}（p {pvalue(v['p_value'])}）"
                    for k, v in tested.items()]
        rejected = [NAMES[k] for k, v in tested.items() if v["p_value"] < 0.05]
        cells = len(next(iter(tested.values()))["table"])
        verdict_en = ("each model's expected counts are consistent with the actual ones at the 5% level"
                      if not rejected else f"the counts reject {', '.join(rejected)} at the 5% level")
        verdict_zh = ("各模型的预期人数在 5% 水平上与实际相符" if not rejected
                      else f"在 5% 水平上拒绝 {'、'.join(rejected)}")
        out += ["", tr(
            f"How many customers made 0, 1, 2, … repeat purchases in calibration ({num(cells)} cells, those with "
            f"fewer than 5 expected pooled), against the models' expectations: " + "; ".join(items)
            + f": {verdict_en}.",
            f"校准期内重复购买 0、1、2……次的客户人数（{num(cells)} 组，预期少于 5 人的组合并）与模型预期的比较："
            + "；".join(items_zh) + f"：{verdict_zh}。")]
    spend = diagnostics.get("spend_independence") or {}
    if spend.get("spearman") is not None:
        lower, upper = spend["spearman_ci"]
        meaning = {
            "independent": (
                ("spend per purchase does not depend materially on how often a customer buys, as the "
                 "Gamma-Gamma model assumes"),
                "每次购买金额与购买频次基本无关，符合 Gamma-Gamma 模型的假设"),
            "dependent": (
                ("spend per purchase moves with purchase frequency, against the Gamma-Gamma model's "
                 "assumption: its spend forecasts for frequent buyers are biased"),
                "每次购买金额随购买频次变化，违背 Gamma-Gamma 模型的假设：其对高频客户的金额预测有偏"),
            "cannot tell": (
                "the data cannot tell whether spend depends on purchase frequency",
                "数据无法判断购买金额是否依赖于购买频次"),
        }[spend["verdict"]]
        out.append(tr(
            f"Among the {num(spend['n'])} repeat buyers, the rank correlation of purchase frequency and mean spend "
            f"is {num(spend['spearman'], 2)} (95% interval {num(lower, 2)} to {num(upper, 2)}; Pearson "
            f"{num(spend['pearson'], 2)}): {meaning[0]}.",
            f"在 {num(spend['n'])} 位重复购买者中，购买频次与平均金额的秩相关为 {num(spend['spearman'], 2)}"
            f"（95% 区间 {num(lower, 2)} 至 {num(upper, 2)}；Pearson {num(spend['pearson'], 2)}）：{meaning[1]}。"))
    return out
