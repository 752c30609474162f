"""The customer-lifetime-value chapter."""

from __future__ import annotations

from ..clv.settings import MODEL_NAMES as NAMES
from ..core.i18n import tr
from ..report.escape import escape_markdown
from . import clv_discrete
from .common import (
    attachments,
    get,
    is_not_estimable,
    money,
    not_estimable_sentence,
    num,
    pct,
    period_name,
    pvalue,
    see_figure,
    with_figure,
)

# the papers' order (results.json sorts keys)
ORDER = {"bgnbd": ("r", "alpha", "a", "b"), "paretonbd": ("r", "alpha", "s", "beta"),
         "mbgnbd": ("r", "alpha", "a", "b"), "gammagamma": ("p", "q", "gamma")}


def _params(fit: dict, model: str) -> str:
    limit = fit.get("dropout_limit") if "s" in (fit.get("at_boundary") or []) else None
    if limit:  # s → ∞ with s/β fixed: the estimate is the limit's common dropout rate μ = s/β
        return (f"r = {num(fit['params']['r'], 3)} (SE {num(fit['se'].get('r'), 3)}), "
                f"alpha = {num(fit['params']['alpha'], 3)} (SE {num(fit['se'].get('alpha'), 3)}), "
                f"s → ∞ with s/beta = mu = {num(limit['mu'], 4)} (SE {num(limit['se'], 4)})")
    names = [k for k in ORDER[model] if k in fit["params"]]
    return ", ".join(f"{k} = {num(fit['params'][k], 3)} (SE {num(fit['se'].get(k), 3)})" for k in names)


def _boundary_note(fit: dict) -> str:
    """Why a Pareto/NBD fit at the exponential-dropout limit is reported as that limit."""
    limit = fit.get("dropout_limit") if "s" in (fit.get("at_boundary") or []) else None
    if not limit:
        return ""
    return tr(
        f" — at the boundary s → ∞: the data show no spread in dropout rates between customers (the likelihood "
        f"keeps rising as s grows with s/beta fixed), so the fit is its limit, every customer dropping out at "
        f"rate mu = {num(limit['mu'], 4)} per period (Fader & Hardie's exponential-dropout special case)",
        f"——处于边界 s → ∞：数据显示客户之间的流失率没有差异（s 增大而 s/beta 固定时似然仍在上升），因此报告其极限："
        f"每位客户以相同的速率 mu = {num(limit['mu'], 4)}（每期）流失")


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
    if is_not_estimable(clv):
        return "\n".join(lines + [not_estimable_sentence(clv)]) + "\n"
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
        if is_not_estimable(fit):
            lines.append(tr(f"- {NAMES[key]}: ", f"- {NAMES[key]}：") + not_estimable_sentence(fit))
        elif fit:
            lines.append(tr(
                f"- {NAMES[key]}: {_params(fit, key)}; log-likelihood {num(fit['loglik'], 1)}"
                + ("" if fit.get("converged") else " (did not converge)"),
                f"- {NAMES[key]}：{_params(fit, key)}；对数似然 {num(fit['loglik'], 1)}"
                + ("" if fit.get("converged") else "（未收敛）"),
            ) + _boundary_note(fit))
    gg = clv.get("gammagamma")
    if gg:
        lines.append(tr(
            f"- Gamma-Gamma, on {num(gg['n'])} repeat buyers: {_params(gg, 'gammagamma')}; log-likelihood {num(gg['loglik'], 2)}",
            f"- Gamma-Gamma（{num(gg['n'])} 位重复购买者）：{_params(gg, 'gammagamma')}；对数似然 {num(gg['loglik'], 2)}",
        ))
    lines += _diagnostic_sentences(clv)
    holdout = clv.get("holdout") or {}
    if is_not_estimable(holdout):
        lines += ["", tr("## How well the models predict the holdout", "## 模型对验证期的预测效果"), "",
                  not_estimable_sentence(holdout, ("holdout check", "验证期检验"))]
        holdout = {}
    if holdout:
        best = clv["recommended_model"]
        lines += ["", tr("## How well the models predict the holdout", "## 模型对验证期的预测效果"), "", tr(
            f"In the {num(holdout['duration'], 1)}-{period} holdout the calibration customers made "
            f"{num(holdout['actual_total'])} repeat purchases{see_figure('clv-tracking-incremental')}; the models expected "
            + ", ".join(f"{num(v)} ({NAMES[k]}, {pct(holdout['total_error'][k])})"
                        for k, v in holdout["predicted_total"].items())
            + f"{see_figure('clv-tracking')}. {NAMES[best]} is recommended: {clv['recommendation_reason']}"
            + f"{see_figure('clv-holdout')}.",
            f"在 {num(holdout['duration'], 1)} {unit}的验证期内，校准期客户共重复购买 {num(holdout['actual_total'])} 次"
            f"{see_figure('clv-tracking-incremental')}；各模型的预期为 "
            + "，".join(f"{num(v)}（{NAMES[k]}，{pct(holdout['total_error'][k])}）"
                       for k, v in holdout["predicted_total"].items())
            + f"{see_figure('clv-tracking')}。推荐 {NAMES[best]}：{_reason_zh(holdout, best)}{see_figure('clv-holdout')}。",
        )]
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
        lines += _interval_sentences(summary)
        forecast_model = NAMES.get(summary["model"], summary["model"])
        lines += ["", tr(
            f"For any frequency and recency of a customer observed over the whole window, {forecast_model} gives the "
            f"purchases expected in the next {period}{see_figure('clv-expected-matrix')} and the probability that the "
            f"customer is still active{see_figure('clv-p-alive')}.",
            f"对观察了整个窗口的客户，{forecast_model} 按任意购买频率与最近购买时间给出下一{unit}的预期购买次数"
            f"{see_figure('clv-expected-matrix')}以及客户仍然活跃的概率{see_figure('clv-p-alive')}。")]
        lines += _alive_path_sentences(summary, period)
    lines += _covariate_sentences(clv.get("covariates"))
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
        out += ["", with_figure(tr(
            f"How many customers made 0, 1, 2, … repeat purchases in calibration ({num(cells)} cells, those with "
            f"fewer than 5 expected pooled), against the models' expectations: " + "; ".join(items)
            + f": {verdict_en}.",
            f"校准期内重复购买 0、1、2……次的客户人数（{num(cells)} 组，预期少于 5 人的组合并）与模型预期的比较："
            + "；".join(items_zh) + f"：{verdict_zh}。"), "clv-period-transactions")]
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


def _interval_sentences(summary: dict) -> list[str]:
    """Which per-customer interval is which, with their median widths."""
    intervals = summary.get("intervals")
    if not intervals:
        return []
    level = pct(intervals["level"], 0)
    horizon = num(summary["horizon_periods"])
    unit = summary["period"]
    parameter, prediction = intervals["median_parameter_width"], intervals["median_prediction_width"]
    model = NAMES.get(summary["model"], summary["model"])
    if not intervals.get("parameter_interval", True):
        return ["", tr(
            f"The fit of {model} has no usable sampling distribution (its information matrix is singular), so the "
            "predictions table leaves each customer's parameter interval empty"
            + ("." if not intervals.get("prediction_interval", True) else
               f"; the {level} prediction interval of the purchases in the next {horizon} {unit}s "
               "(`purchases_prediction_lower` to `purchases_prediction_upper`), computed exactly from the "
               f"distribution of each customer's count at the estimates, has a median width of {num(prediction, 1)} "
               "purchases."),
            f"{model} 的拟合没有可用的抽样分布（信息矩阵奇异），因此预测表中每位客户的参数区间留空"
            + ("。" if not intervals.get("prediction_interval", True) else
               f"；未来 {horizon} {period_name(unit)}购买次数的 {level} 预测区间（`purchases_prediction_lower` 至 "
               "`purchases_prediction_upper`，由参数估计值下每位客户购买次数的分布精确计算）"
               f"中位宽度为 {num(prediction, 1)} 次。"))]
    if not intervals.get("prediction_interval", True):
        return ["", tr(
            f"Each customer's expected purchases in the next {horizon} {unit}s carry a {level} parameter interval in "
            f"the predictions table (`expected_purchases_parameter_lower` to `expected_purchases_parameter_upper`): "
            f"the spread of the expectation over {num(intervals['parameter_draws'])} draws of the model's parameters "
            f"from their sampling distribution{_held(intervals)}, median width {num(parameter, 3)} purchases. "
            "It says how precisely "
            f"the model is estimated, not how many purchases a customer will make; "
            + (f"{model} has no count distribution here" if intervals.get("prediction_failure") == "no count distribution"
               else f"computing the count distribution of {model} at these estimates failed")
            + ", so the prediction interval of the count is left empty.",
            f"每位客户未来 {horizon} {period_name(unit)}的预期购买次数在预测表中带有 {level} 参数区间"
            f"（`expected_purchases_parameter_lower` 至 `expected_purchases_parameter_upper`）：模型参数按其抽样分布抽取 "
            f"{num(intervals['parameter_draws'])} 次{_held(intervals)}后预期值的分布范围，中位宽度 {num(parameter, 3)} 次。它反映模型估计的精度，"
            f"而非客户实际的购买次数；"
            + (f"{model} 在此没有购买次数分布" if intervals.get("prediction_failure") == "no count distribution"
               else f"在这些估计值下计算 {model} 的购买次数分布失败")
            + "，因此计数的预测区间留空。")]
    return ["", tr(
        f"Each customer's forecast of purchases in the next {horizon} {unit}s carries two {level} intervals in "
        f"the predictions table. The parameter interval (`expected_purchases_parameter_lower` to "
        f"`expected_purchases_parameter_upper`) is the spread of the *expected* purchases over "
        f"{num(intervals['parameter_draws'])} draws of the model's parameters from their sampling distribution"
        f"{_held(intervals)}: it says how precisely the model is estimated, and its median width is {num(parameter, 3)} purchases. "
        f"The prediction interval (`purchases_prediction_lower` to `purchases_prediction_upper`) is the range "
        "of purchases the customer may actually make, the exact quantiles of the distribution of their count "
        f"given their history at the estimates; its median width is "
        f"{num(prediction, 1)} purchases. Use the second to say what one customer will do; the first only "
        "bounds the average.",
        f"每位客户未来 {horizon} {period_name(unit)}购买次数的预测在预测表中带有两个 {level} 区间。参数区间"
        f"（`expected_purchases_parameter_lower` 至 `expected_purchases_parameter_upper`）是模型参数按其抽样分布"
        f"抽取 {num(intervals['parameter_draws'])} 次{_held(intervals)}后*预期*购买次数的分布范围，反映模型估计的精度，其中位宽度为 "
        f"{num(parameter, 3)} 次。预测区间（`purchases_prediction_lower` 至 `purchases_prediction_upper`）是在参数"
        "估计值下、给定客户历史时其实际购买次数分布的精确分位数范围，其中位宽度为 "
        f"{num(prediction, 1)} 次。判断单个客户的行为应使用后者；前者只限定平均值。")]


def _held(intervals: dict) -> str:
    held = intervals.get("held_at_estimate") or []
    if not held:
        return ""
    return tr(f" ({', '.join(held)} held at the estimate: the data do not pin "
              + ("them" if len(held) > 1 else "it") + " down — at the edge of the range or with a standard error "
              "spanning orders of magnitude)",
              f"（{'、'.join(held)} 固定为估计值：数据无法确定它，处于取值边界或标准误跨越数个数量级）")


# a path whose lowest P(alive) is at least this shows no dropout worth the name
ALWAYS_ALIVE = 0.999


def _alive_path_sentences(summary: dict, period: str) -> list[str]:
    """The P(alive) histories of the illustrative customers, each citing its figure."""
    chosen = summary.get("alive_path") or {}
    if not chosen:
        return []
    described = {
        "frequent": tr("the customer with the most repeat purchases", "重复购买次数最多的客户"),
        "typical": tr("a typical repeat buyer (the median number of repeat purchases, then the median recency)",
                      "一位典型的重复购买者（重复购买次数取中位数，再取最近购买时间的中位数）"),
    }
    parts_en, parts_zh = [], []
    for role, item in chosen.items():
        figure = see_figure(f"clv-alive-path-{role}")
        customer = escape_markdown(item["customer_id"])
        if item["p_alive_lowest"] >= ALWAYS_ALIVE:
            path_en = f"P(alive) never falls below {pct(item['p_alive_lowest'])}"
            path_zh = f"存活概率始终不低于 {pct(item['p_alive_lowest'])}"
        elif item["p_alive_lowest"] < item["p_alive_end"]:
            path_en = (f"P(alive) fell as low as {pct(item['p_alive_lowest'])} between purchases and ends at "
                       f"{pct(item['p_alive_end'])}")
            path_zh = f"两次购买之间存活概率最低降至 {pct(item['p_alive_lowest'])}，观察期末为 {pct(item['p_alive_end'])}"
        else:  # silent since the last purchase long enough to be at the lowest now
            path_en = f"P(alive) is at its lowest, {pct(item['p_alive_end'])}, at the end of observation"
            path_zh = f"存活概率在观察期末降至最低点 {pct(item['p_alive_end'])}"
        parts_en.append(f"{described[role]}, customer {customer}, made {num(item['frequency'])} repeat purchases; "
                        f"{path_en}{figure}")
        parts_zh.append(f"{described[role]}（客户 {customer}）重复购买 {num(item['frequency'])} 次；{path_zh}{figure}")
    if all(item["p_alive_lowest"] >= ALWAYS_ALIVE for item in chosen.values()):
        lead_en = "The model sees practically no dropout, so P(alive) stays near 1 whatever the silence: "
        lead_zh = "模型几乎看不到流失，因此无论沉默多久存活概率都接近 1："
    else:
        lead_en = ("P(alive) drops while a customer is silent, and more steeply the more often they used to buy, and "
                   "jumps back up with each purchase: ")
        lead_zh = "客户沉默期间存活概率下降（过去购买越频繁，下降越快），每次购买后回升："
    return ["", tr(lead_en + "; ".join(parts_en) + ".", lead_zh + "；".join(parts_zh) + "。")]


def _covariate_sentences(covariates: dict | None) -> list[str]:
    """The covariate effects whose 95% interval excludes 0, and the likelihood-ratio verdict."""
    if not covariates:
        return []
    model = covariates["model_name"]
    lr = covariates["lr_test"]
    lines = ["", tr("## What the customers' attributes change", "## 客户属性的影响"), ""]
    pooled = [(column, info) for column, info in covariates["pooling"].items()
              if info["kind"] == "categorical" and info["pooled_levels"]]
    pooled_en = "".join(
        f" {escape_markdown(column)} has {num(info['levels'])} levels: the {num(info['top_levels'])} most frequent are "
        f"kept and the other {num(info['pooled_levels'])} ({num(info['pooled_customers'])} customers) pooled as "
        f"\"{escape_markdown(info['other_label'])}\"." for column, info in pooled)
    pooled_zh = "".join(
        f"{escape_markdown(column)} 共有 {num(info['levels'])} 个水平：保留最常见的 {num(info['top_levels'])} 个，其余 "
        f"{num(info['pooled_levels'])} 个（{num(info['pooled_customers'])} 位客户）合并为“{escape_markdown(info['other_label'])}”。"
        for column, info in pooled)
    references = [f"{escape_markdown(column)} = {escape_markdown(info['reference'])}"
                  for column, info in covariates["pooling"].items() if info["kind"] == "categorical"]
    substituted_en = (f" The recommended {NAMES[covariates['recommended']]} has no covariate form, so {model} is used."
                      if covariates["substituted"] else "")
    substituted_zh = (f"推荐的 {NAMES[covariates['recommended']]} 没有协变量形式，因此使用 {model}。"
                      if covariates["substituted"] else "")
    columns = ", ".join(escape_markdown(c) for c in covariates["columns"])
    verdict_en = ("the covariates improve the fit significantly at the 5% level" if lr["rejects"]
                  else "the covariates do not improve the fit significantly at the 5% level")
    verdict_zh = "在 5% 水平上协变量显著改善了拟合" if lr["rejects"] else "在 5% 水平上协变量未显著改善拟合"
    boundary = ", ".join(covariates.get("dropout_at_boundary") or [])
    if boundary:
        verb = "are" if len(covariates["dropout_at_boundary"]) > 1 else "is"
        processes_en = (f"the purchase process only (without them, {model}'s {boundary} {verb} not pinned down by the "
                        "data — at the edge of its range or with a standard error spanning orders of magnitude — so "
                        "effects on dropout cannot be estimated)")
        processes_zh = (f"购买过程（不含协变量时 {model} 的 {boundary} 无法由数据确定——处于取值边界或标准误跨越数个数量级——"
                        "因此无法估计对流失的影响）")
    else:
        processes_en, processes_zh = "the purchase and the dropout process", "购买与流失过程"
    lines.append(with_figure(tr(
        f"{model} was refitted on the whole window with the customers' {columns} acting on {processes_en} "
        f"(Fader & Hardie 2007).{substituted_en}{pooled_en}"
        + (f" Effects are relative to {', '.join(references)}." if references else "")
        + f" Against the same model without them, the likelihood-ratio test gives χ² = {num(lr['statistic'], 2)} "
        f"on {num(lr['df'])} df (p {pvalue(lr['p_value'])}): {verdict_en}.",
        f"在整个观察期上以客户的 {columns} 作用于{processes_zh}重新拟合 {model}（Fader 和 Hardie，2007）。{substituted_zh}"
        f"{pooled_zh}" + (f"影响相对于 {'、'.join(references)}。" if references else "")
        + f"与不含协变量的同一模型相比，似然比检验 χ² = {num(lr['statistic'], 2)}，自由度 {num(lr['df'])}"
        f"（p {pvalue(lr['p_value'])}）：{verdict_zh}。"), "clv-covariate-effects"))
    clear = [e for e in covariates["effects"] if e["effect"] in ("raises", "lowers")]
    unclear = [e for e in covariates["effects"] if e["effect"] == "unclear"]
    on_zh = {"purchase rate": "购买率", "dropout rate": "流失率", "dropout probability": "流失概率"}
    if clear:
        items_en, items_zh = [], []
        for effect in clear:
            term = escape_markdown(effect["term"])
            ratio = ""
            if "rate_ratio" in effect:
                low, high = effect["rate_ratio_ci"]
                ratio = f" (× {num(effect['rate_ratio'], 2)}, 95% interval {num(low, 2)} to {num(high, 2)})"
            else:
                low, high = effect["ci"]
                ratio = f" (γ = {num(effect['estimate'], 3)}, 95% interval {num(low, 3)} to {num(high, 3)})"
            items_en.append(f"{term} {effect['effect']} the {effect['on']}{ratio}")
            items_zh.append(f"{term} {'提高' if effect['effect'] == 'raises' else '降低'}{on_zh[effect['on']]}{ratio}")
        lines.append(tr(
            "Effects whose 95% interval excludes 0: " + "; ".join(items_en)
            + (f". The other {num(len(unclear))} intervals include 0: no direction can be told." if unclear else "."),
            "95% 区间不含 0 的影响：" + "；".join(items_zh)
            + (f"。其余 {num(len(unclear))} 个区间包含 0，无法判断方向。" if unclear else "。")))
    else:
        lines.append(tr(f"Every one of the {num(len(unclear))} effects' 95% intervals includes 0: no attribute has a "
                        "direction the data can tell.",
                        f"全部 {num(len(unclear))} 个影响的 95% 区间都包含 0：数据无法判断任何属性的影响方向。"))
    if not covariates.get("converged", True):
        lines.append(tr("The covariate fit did not converge: treat these effects with caution.",
                        "协变量模型未收敛：请谨慎看待这些影响。"))
    return lines
