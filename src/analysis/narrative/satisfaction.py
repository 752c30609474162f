"""The satisfaction and loyalty chapter (客户满意度与忠诚度).

Every sentence is chosen by a rule on the numbers of the ``satisfaction`` section of results.json,
stated beside it: an effect is called positive only when its interval lies above zero, respondents
"differ" from non-respondents only when the test rejects at the chapter's level, a model that could
not be fitted is reported as not estimable with its reason. A simulated survey is labelled as such
at the top of the survey part.
"""

from __future__ import annotations

from ..core.i18n import language, tr
from ..satisfaction.catalogue import LOYALTY_LADDER, QUADRANTS, REASONS_ZH
from .common import attachments, get, interval, money, num, pct, period_name, pvalue, with_figure


def _label(table: dict[str, dict[str, str]], key: str) -> str:
    return table[key]["zh" if language() == "zh" else "en"]


def _reason(reason: str) -> str:
    """A not-estimable reason in the report's language."""
    return REASONS_ZH.get(reason, reason) if language() == "zh" else reason


def _bounds(row: dict, digits: int) -> str:
    return interval([row["lower"], row["upper"]], lambda v: num(v, digits))


def _sign(row: dict) -> int:
    """+1 when the interval lies above zero, -1 below, 0 when it contains zero (or is missing)."""
    if row.get("lower") is None or row.get("upper") is None:
        return 0
    return 1 if row["lower"] > 0 else -1 if row["upper"] < 0 else 0


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    s = get(results, "satisfaction")
    if not s:
        return ""  # the chapter's notebook did not run for this study
    lines = [tr("# Satisfaction and loyalty", "# 客户满意度与忠诚度"), ""]
    survey = s.get("survey")
    if survey is None:
        lines += [tr("No customer survey is configured for this study: loyalty is read from what customers did "
                     "(buying again), not from what they say.",
                     "本研究未配置客户满意度问卷：忠诚度仅从客户的购买行为（是否再次购买）读取，而非来自客户的主观评价。"), ""]
    lines += _loyalty(s["loyalty"])
    if survey is not None:
        lines += _survey(survey)
    lines += attachments(figures, tables)
    return "\n".join(lines)


def _loyalty(loyalty: dict) -> list[str]:
    lines = [tr("## Behavioural loyalty", "## 行为忠诚度"), ""]
    rate, rule = loyalty["repeat_rate"], loyalty["ladder_rule"]
    if rate["customers"]:
        lines.append(tr(
            f"{num(rate['repeat_customers'])} of {num(rate['customers'])} customers ({pct(rate['rate'])}, 95% interval "
            f"{interval([rate['lower'], rate['upper']])}) bought again after their first purchase day: the repeat-purchase "
            "rate.",
            f"{num(rate['customers'])} 位客户中有 {num(rate['repeat_customers'])} 位（{pct(rate['rate'])}，95% 区间 "
            f"{interval([rate['lower'], rate['upper']])}）在首次购买日之后再次购买，即重复购买率。"))
    window = rule["active_within"]
    window_text = num(window, 0 if float(window).is_integer() else 1)
    unit = period_name(rule.get("period", "week"))
    lines += ["", with_figure(tr(
        f"The loyalty ladder, by a stated rule: a loyal customer has at least {num(rule['min_repeat'])} repeat purchase "
        f"days and bought within the last {window_text} {unit}s of the log; a repeat buyer is any other customer who "
        "bought again; a one-time buyer never did.",
        f"忠诚度阶梯（规则明确）：忠诚客户至少有 {num(rule['min_repeat'])} 个重复购买日，且在数据最后 {window_text} 个{unit}内有购买；"
        "重复购买客户为其他再次购买的客户；一次性购买客户从未再次购买。"), "satisfaction-ladder"), ""]
    for row in loyalty["ladder"]:
        lines.append(tr(f"- {_label(LOYALTY_LADDER, row['step'])}: {num(row['customers'])} ({pct(row['share'])})",
                        f"- {_label(LOYALTY_LADDER, row['step'])}：{num(row['customers'])} 位（{pct(row['share'])}）"))
    largest = max(loyalty["ladder"], key=lambda row: row["customers"])
    if largest["step"] == "one_time" and largest["customers"] > 0:
        lines += ["", tr("The lowest step holds the most customers: the first task is a second purchase, before loyalty.",
                         "处于最低一级的客户最多：首要任务是促成第二次购买，然后才谈得上忠诚度。")]
    returns = loyalty.get("returns")
    lines.append("")
    if returns is None:
        lines.append(tr("No return or complaint rate is given: cleaning found no cancellation or return lines in this log.",
                        "未给出退货率或投诉率：数据清洗在本数据中未发现取消或退货记录。"))
    else:
        lines.append(tr(
            f"{num(returns['return_lines'])} of {num(returns['input_rows'])} input lines ({pct(returns['line_rate'], 2)}, "
            f"interval {interval([returns['line_lower'], returns['line_upper']], lambda v: pct(v, 2))}) were "
            "cancellations or returns: the return rate.",
            f"{num(returns['input_rows'])} 行原始记录中有 {num(returns['return_lines'])} 行（{pct(returns['line_rate'], 2)}，"
            f"区间 {interval([returns['line_lower'], returns['line_upper']], lambda v: pct(v, 2))}）为取消或退货，即退货率。"))
    return lines + [""]


def _survey(survey: dict) -> list[str]:
    lines = [tr("## The customer survey", "## 客户满意度问卷"), ""]
    simulated = survey.get("simulated")
    if simulated:
        truth = simulated["truth"]
        lines += [tr(
            f"**Simulated survey.** These answers are not real: they were simulated (seed `{simulated['seed']}`) for "
            f"customers of this study, and so was the purchase after the survey that they are linked to. The true effect "
            f"of one point of overall satisfaction on the log-odds of buying again is {num(truth['satisfaction_effect'], 2)}, "
            "holding past purchase frequency fixed; the link analysis below must recover it.",
            f"**模拟问卷。** 以下回答并非真实数据：它们是为本研究的客户模拟生成的（随机种子 `{simulated['seed']}`），"
            f"与之关联的调查后购买行为同样是模拟的。在过去购买频次不变时，总体满意度每提高一分，再次购买的对数几率真实增加 "
            f"{num(truth['satisfaction_effect'], 2)}；下文的关联分析应当还原这一数值。"), ""]
    missing = survey.get("missing_total", 0)
    lines.append(tr(
        f"{num(survey['respondents'])} respondents answered (file `{survey['source']}`). "
        + ("No answer is missing." if not missing else
           f"{num(missing)} answers are missing (blank or a declared missing code); item means use every answer given, "
           "dimension means and α use respondents who answered every item of the dimension, the path model uses "
           "respondents who answered every item."),
        f"共 {num(survey['respondents'])} 位受访者作答（文件 `{survey['source']}`）。"
        + ("没有缺失回答。" if not missing else
           f"缺失回答 {num(missing)} 个（空白或声明的缺失代码）；题项均值使用所有已答数据，维度均值与 α 仅使用该维度全部作答的受访者，"
           "路径模型仅使用全部题项作答的受访者。")))
    lines += [""] + _measurement(survey)
    if survey.get("pls"):
        lines += _pls(survey)
    if survey.get("importance_performance"):
        lines += _ipma(survey["importance_performance"], survey.get("pls"))
    if survey.get("ordered_logit"):
        lines += _ordered(survey["ordered_logit"])
    if survey.get("nps"):
        lines += _nps(survey["nps"])
    lines += _link(survey)
    return lines


def _measurement(survey: dict) -> list[str]:
    level = pct(survey["level"], 0)
    reliability = {row["dimension"]: row for row in survey["reliability"]}
    lines = [tr(f"Mean answer per dimension on its items' scale ({level} intervals), and its reliability:",
                f"各维度的平均回答（按其题项量表，{level} 区间）及信度："), ""]
    for row in survey["dimension_means"]:
        r = reliability.get(row["dimension"], {})
        if r.get("alpha") is None:
            quality = tr("single item, so no Cronbach's α", "单一题项，无法计算 Cronbach's α")
        else:
            alpha_bounds = interval([r["alpha_lower"], r["alpha_upper"]], lambda v: num(v, 2))
            quality = tr(f"Cronbach's α {num(r['alpha'], 2)} {alpha_bounds}, composite reliability "
                         f"{num(r['rho_c'], 2)}, AVE {num(r['ave'], 2)}",
                         f"Cronbach's α {num(r['alpha'], 2)} {alpha_bounds}，组合信度 {num(r['rho_c'], 2)}，"
                         f"平均方差抽取量 {num(r['ave'], 2)}")
        lines.append(tr(f"- {row['dimension']}: {num(row['mean'], 2)} {_bounds(row, 2)}; {quality}",
                        f"- {row['dimension']}：{num(row['mean'], 2)} {_bounds(row, 2)}；{quality}"))
    floor = survey["reliability_floor"]
    multi = [r for r in survey["reliability"] if r.get("alpha") is not None]
    weak = [r["dimension"] for r in multi if r["alpha"] < floor]
    if multi:
        lines += ["", tr(f"Below the usual floor of α = {num(floor, 2)}: {', '.join(weak)}; their scores carry more noise."
                         if weak else f"Every multi-item dimension reaches the usual floor of α = {num(floor, 2)}.",
                         f"低于常用标准 α = {num(floor, 2)} 的维度：{'、'.join(weak)}；其得分噪声较大。"
                         if weak else f"所有多题项维度均达到常用标准 α = {num(floor, 2)}。")]
    return lines + [""]


def _pls(survey: dict) -> list[str]:
    pls = survey["pls"]
    lines = [tr("## Satisfaction index (PLS path model)", "## 满意度指数（PLS 路径模型）"), ""]
    scale = survey["index_scale"]
    if pls["bootstrap"]:
        sampling = tr(f"{num(pls['bootstrap'])} bootstrap resamples (seed `{pls['seed']}`) give the intervals",
                      f"区间由 {num(pls['bootstrap'])} 次自助重抽样得到（随机种子 `{pls['seed']}`）")
    else:
        sampling = tr("no bootstrap was run, so the paths have no intervals", "未进行自助重抽样，路径系数没有区间")
    lines.append(tr(
        f"The path model, as behind the ACSI and ECSI indices, is estimated by PLS (path weighting scheme, Mode A) on "
        f"{num(pls['n'])} respondents with every item answered ({num(pls['dropped'])} left out); {sampling}. "
        f"Each construct's index is its weighted item mean rescaled to {num(scale[0])}–{num(scale[1])}:",
        f"路径模型（ACSI/ECSI 指数所用方法）以 PLS 估计（路径加权方案，Mode A），样本为全部题项作答的 {num(pls['n'])} 位受访者"
        f"（剔除 {num(pls['dropped'])} 位）；{sampling}。各构念指数为题项加权均值换算到 {num(scale[0])}–{num(scale[1])}："))
    lines.append("")
    for construct, value in pls["index"].items():
        r2 = pls["r_squared"].get(construct)
        explained = tr(f", R² {num(r2, 3)}", f"，R² {num(r2, 3)}") if r2 is not None else ""
        lines.append(tr(f"- {construct}: index {num(value, 1)}{explained}", f"- {construct}：指数 {num(value, 1)}{explained}"))
    lines += ["", tr("Structural paths:", "结构路径："), ""]
    for row in pls["paths"]:
        name = f"{row['source']} → {row['target']}"
        if "lower" not in row:
            lines.append(tr(f"- {name}: {num(row['estimate'], 3)}", f"- {name}：{num(row['estimate'], 3)}"))
            continue
        verdict = {1: tr("positive", "显著为正"), -1: tr("negative", "显著为负"),
                   0: tr("not distinguishable from zero", "与零无显著差异")}[_sign(row)]
        lines.append(tr(f"- {name}: {num(row['estimate'], 3)} {_bounds(row, 3)}, {verdict}",
                        f"- {name}：{num(row['estimate'], 3)} {_bounds(row, 3)}，{verdict}"))
    return lines + [""]


def _ipma(ipma: dict, pls: dict | None) -> list[str]:
    lines = [tr("## Importance–performance analysis", "## 重要性–绩效分析"), "", with_figure(tr(
        f"Importance is each driver's total effect on {ipma['target']}, performance its index; the quadrants split at "
        f"the mean importance ({num(ipma['importance_cut'], 3)}) and the mean performance "
        f"({num(ipma['performance_cut'], 1)}).",
        f"重要性为各驱动因素对 {ipma['target']} 的总效应，绩效为其指数；象限以平均重要性（{num(ipma['importance_cut'], 3)}）"
        f"和平均绩效（{num(ipma['performance_cut'], 1)}）划分。"), "satisfaction-ipma"), ""]
    for row in ipma["drivers"]:
        lines.append(tr(
            f"- {row['driver']}: {_label(QUADRANTS, row['quadrant'])} (importance {num(row['importance'], 3)}, "
            f"performance {num(row['performance'], 1)})",
            f"- {row['driver']}：{_label(QUADRANTS, row['quadrant'])}（重要性 {num(row['importance'], 3)}，"
            f"绩效 {num(row['performance'], 1)}）"))
    performance = [row["performance"] for row in ipma["drivers"]]
    lines += ["", tr(f"Performance spans {num(min(performance), 1)} to {num(max(performance), 1)} on the index: the "
                     "quadrants rank the drivers, they do not by themselves show that the gaps matter.",
                     f"各驱动因素的绩效指数介于 {num(min(performance), 1)} 与 {num(max(performance), 1)} 之间："
                     "象限只是排序，本身并不说明差距是否重要。")]
    # "improve first" needs the importance to be above average beyond sampling error: its bootstrap
    # interval (when there is one) lies above the importance cut
    effects = {(row["source"], row["target"]): row for row in pls.get("total_effects", [])} if pls else {}
    first, tentative = [], []
    for row in ipma["drivers"]:
        if row["quadrant"] != "concentrate_here":
            continue
        effect = effects.get((row["driver"], ipma["target"]), {})
        (first if effect.get("lower") is not None and effect["lower"] > ipma["importance_cut"] else tentative).append(row)
    if first:
        names = [row["driver"] for row in first]
        lines.append(tr(f"Improve first: {', '.join(names)} — performing below average, with an importance whose interval "
                        "lies above the average importance.",
                        f"优先改进：{'、'.join(names)}——绩效低于平均，且其重要性的区间高于平均重要性。"))
    for row in tentative:
        effect = effects.get((row["driver"], ipma["target"]))
        if effect is not None and effect.get("lower") is not None:
            bounds = _bounds(effect, 3)
            lines.append(tr(f"{row['driver']} falls in \"{_label(QUADRANTS, 'concentrate_here')}\", but its importance "
                            f"interval {bounds} reaches below the average importance: a tentative priority.",
                            f"{row['driver']} 位于“{_label(QUADRANTS, 'concentrate_here')}”，但其重要性区间 {bounds} "
                            "延伸至平均重要性以下：只是暂定的优先项。"))
        else:
            lines.append(tr(f"{row['driver']} falls in \"{_label(QUADRANTS, 'concentrate_here')}\" (no bootstrap, so its "
                            "importance has no interval): a tentative priority.",
                            f"{row['driver']} 位于“{_label(QUADRANTS, 'concentrate_here')}”（未进行自助重抽样，重要性没有区间）："
                            "只是暂定的优先项。"))
    if not first and not tentative:
        lines.append(tr("No driver is both more important and performing worse than the average driver.",
                        "没有驱动因素同时具有高于平均的重要性和低于平均的绩效。"))
    return lines + [""]


def _ordered(ordered: dict) -> list[str]:
    lines = [tr("## Drivers of overall satisfaction", "## 总体满意度的驱动因素"), ""]
    if "skipped" in ordered:
        return lines + [tr(f"The ordered logit of overall satisfaction is not estimable: {ordered['skipped']}.",
                           f"总体满意度的有序 logit 模型无法估计：{ordered['skipped']}。"), ""]
    lines += [tr(f"Ordered logit of the overall rating on the dimension scores ({num(ordered['n'])} respondents, "
                 f"McFadden pseudo-R² {num(ordered['pseudo_r2'], 3)}); coefficients are log-odds of a higher rating per point:",
                 f"总体评分对各维度得分的有序 logit 模型（{num(ordered['n'])} 位受访者，McFadden 伪 R² "
                 f"{num(ordered['pseudo_r2'], 3)}）；系数为每提高一分时更高评分的对数几率："), ""]
    for row in ordered["drivers"]:
        verdict = {1: tr("raises the odds of a higher rating", "提高获得更高评分的几率"),
                   -1: tr("lowers the odds of a higher rating", "降低获得更高评分的几率"),
                   0: tr("no detectable effect", "无可检测的影响")}[_sign(row)]
        lines.append(tr(f"- {row['driver']}: {num(row['coef'], 3)} {_bounds(row, 3)}, {verdict}",
                        f"- {row['driver']}：{num(row['coef'], 3)} {_bounds(row, 3)}，{verdict}"))
    return lines + [""]


def _nps(nps: dict) -> list[str]:
    lines = [tr("## Net Promoter Score", "## 净推荐值"), ""]
    if "skipped" in nps:
        return lines + [tr(f"The Net Promoter Score is not estimable: {nps['skipped']}.",
                           f"净推荐值无法计算：{nps['skipped']}。"), ""]
    bounds = interval([nps["lower"], nps["upper"]], lambda v: num(v, 1))
    verdict = {1: tr("more promoters than detractors", "推荐者多于贬损者"),
               -1: tr("more detractors than promoters", "贬损者多于推荐者"),
               0: tr("promoters and detractors cannot be told apart in number", "推荐者与贬损者人数无显著差异")}[_sign(nps)]
    g = {name: "–".join(num(v) for v in bounds) for name, bounds in nps["groups"].items()}
    lines.append(tr(
        f"Net Promoter Score {num(nps['nps'], 1)} points {bounds}: {num(nps['promoters'])} promoters "
        f"({g['promoters']}), {num(nps['passives'])} passives ({g['passives']}) and {num(nps['detractors'])} detractors "
        f"({g['detractors']}) of {num(nps['n'])}; {verdict}.",
        f"净推荐值 {num(nps['nps'], 1)} 分 {bounds}：{num(nps['n'])} 位中推荐者（{g['promoters']} 分）{num(nps['promoters'])} 位，"
        f"被动者（{g['passives']} 分）{num(nps['passives'])} 位，贬损者（{g['detractors']} 分）{num(nps['detractors'])} 位；{verdict}。"))
    return lines + [""]


def _link(survey: dict) -> list[str]:
    link = survey.get("link")
    lines = [tr("## From satisfaction to behaviour", "## 从满意度到购买行为"), ""]
    if not link:
        return []
    if "respondent_comparison" not in link:
        return lines + [tr(f"Not estimable: {_reason(link['skipped'])}.", f"无法估计：{_reason(link['skipped'])}。"), ""]
    lines.append(tr(
        f"{num(link['respondents_joined'])} respondents join the transaction log ({num(link['respondents_unmatched'])} "
        "ids not found). Their behaviour is read as of the survey:",
        f"{num(link['respondents_joined'])} 位受访者可与交易记录匹配（{num(link['respondents_unmatched'])} 个编号未找到）。"
        "其购买行为按调查时点读取："))
    lines.append("")
    alpha = 1 - survey["level"]
    names = {"recency": tr("recency", "最近购买时间"), "frequency": tr("frequency", "购买频次"),
             "monetary_value": tr("mean spend", "平均消费额")}
    differ = []
    for row in link["respondent_comparison"]:
        name = names.get(row["measure"], row["measure"])
        means = tr(f"mean {num(row['respondents'], 2)} against {num(row['non_respondents'], 2)}, Welch p {pvalue(row['p_value'])}",
                   f"均值 {num(row['respondents'], 2)} 对 {num(row['non_respondents'], 2)}，Welch 检验 p {pvalue(row['p_value'])}")
        if row["p_value"] is not None and row["p_value"] < alpha:
            differ.append(name)
            lines.append(tr(f"- {name}: respondents differ from non-respondents ({means})",
                            f"- {name}：受访者与未受访者存在差异（{means}）"))
        else:
            lines.append(tr(f"- {name}: no detectable difference ({means})", f"- {name}：无可检测的差异（{means}）"))
    lines += ["", tr(f"The survey is biased in {', '.join(differ)}: its averages describe respondents, not all customers."
                     if differ else "No detectable survey bias in these measures.",
                     f"问卷在{'、'.join(differ)}上存在偏差：其均值描述的是受访者，而非全部客户。"
                     if differ else "在这些指标上未发现可检测的问卷偏差。"), ""]

    lines += _repeat(link, survey.get("simulated"))
    lines += _churn(link.get("churn"), survey.get("simulated"))
    values = link.get("values") or {}
    lines += _value(values.get("spend_after"), "spend_after", None)
    lines += _value(values.get("clv"), "clv", survey.get("simulated"))
    return lines


def _repeat(link: dict, simulated: dict | None) -> list[str]:
    """Buying again: the logit's verdict by its interval, then the satisfaction-loyalty curve."""
    logit = link.get("repeat_logit", {})
    if "skipped" in logit:
        return [tr(f"The effect of satisfaction on buying again is not estimable: {_reason(logit['skipped'])}.",
                   f"满意度对再次购买的影响无法估计：{_reason(logit['skipped'])}。"), ""]
    lines = []
    term = {row["term"]: row for row in logit["terms"]}["satisfaction"]
    lines.append(tr(
        f"Logit of buying again (`{logit['outcome']}`) on satisfaction (`{logit['satisfaction']}`), holding "
        f"log(1 + past frequency) fixed, {num(logit['n'])} respondents: {num(term['coef'], 3)} {_bounds(term, 3)} "
        f"log-odds per point (odds ratio {num(term['ratio'], 2)}).",
        f"再次购买（`{logit['outcome']}`）对满意度（`{logit['satisfaction']}`）的 logit 模型，控制 log(1 + 过去购买频次)，"
        f"{num(logit['n'])} 位受访者：每分 {num(term['coef'], 3)} {_bounds(term, 3)} 对数几率（几率比 {num(term['ratio'], 2)}）。"))
    sign = _sign(term)
    if sign > 0:
        lines.append(tr("More satisfied customers are more likely to buy again: the interval lies above zero.",
                        "满意度越高的客户越可能再次购买：区间完全大于零。"))
    elif sign < 0:
        lines.append(tr("More satisfied customers are less likely to buy again: the interval lies below zero.",
                        "满意度越高的客户反而越不可能再次购买：区间完全小于零。"))
    else:
        lines.append(tr("No detectable effect of satisfaction on buying again: the interval contains zero.",
                        "未发现满意度对再次购买的可检测影响：区间包含零。"))
    if simulated:
        truth = simulated["truth"]["satisfaction_effect"]
        if term["lower"] <= truth <= term["upper"]:
            lines.append(tr(f"The interval contains the simulated truth, {num(truth, 2)}: the analysis recovers the known effect.",
                            f"区间包含模拟的真实值 {num(truth, 2)}：分析还原了已知效应。"))
        else:
            lines.append(tr(f"The interval misses the simulated truth, {num(truth, 2)}: the analysis does not recover the "
                            "known effect in this draw.",
                            f"区间未包含模拟的真实值 {num(truth, 2)}：本次抽样中分析未能还原已知效应。"))
    else:
        lines.append(tr("This is an association in observational data; satisfaction is not randomised.",
                        "这是观察数据中的关联，满意度并非随机分配。"))
    curve = link.get("loyalty_curve")
    if curve and len(curve) >= 2:
        level_name = _level_name(curve[0], ("n", "repeat", "share", "lower", "upper"))
        low, high = curve[0], curve[-1]
        lines += ["", with_figure(tr(
            f"The satisfaction–loyalty curve: {pct(low['share'])} of respondents rating {num(low[level_name])} bought again, "
            f"against {pct(high['share'])} of those rating {num(high[level_name])}.",
            f"满意度–忠诚度曲线：评分为 {num(low[level_name])} 的受访者中 {pct(low['share'])} 再次购买，"
            f"评分为 {num(high[level_name])} 的受访者中为 {pct(high['share'])}。"), "satisfaction-curve")]
    return lines + [""]


def _level_name(row: dict, others: tuple[str, ...]) -> str:
    """The satisfaction level's column in a by-level record (the overall item's name)."""
    return next(k for k in row if k not in others)


def _ratio_bounds(row: dict) -> str:
    return interval([row["ratio_lower"], row["ratio_upper"]], lambda v: num(v, 2))


def _truth_check(contains: bool, effect: tuple[str, str]) -> str:
    """The simulated survey's second check: its answers depend on the log only through past
    frequency (analysis.satisfaction.simulate), so holding that fixed the true effect on what the
    log shows is none; ``effect`` names that null value (English, Chinese)."""
    if contains:
        return tr(f"The simulated answers depend on the log only through past frequency, so the true value is "
                  f"{effect[0]}: the interval contains it.",
                  f"模拟回答仅通过过去购买频次与交易记录相关，因此真实值为{effect[1]}：区间包含该值。")
    return tr(f"The simulated answers depend on the log only through past frequency, so the true value is "
              f"{effect[0]}: the interval misses it, as a 95% interval does in about one draw of twenty.",
              f"模拟回答仅通过过去购买频次与交易记录相关，因此真实值为{effect[1]}：区间未包含该值"
              "（95% 区间约每二十次抽样有一次如此）。")


def _churn(churn: dict | None, simulated: dict | None) -> list[str]:
    """Churn after the survey: the rule, the Cox hazard ratio and its verdict by its interval
    (below 1: satisfied respondents churn later; above 1: sooner; containing 1: cannot tell)."""
    if not churn:
        return []
    if "skipped" in churn:
        return [tr(f"Churn by satisfaction is not estimable: {_reason(churn['skipped'])}.",
                   f"按满意度分析的客户流失无法估计：{_reason(churn['skipped'])}。"), ""]
    rule = churn["rule"]
    unit = period_name(rule.get("period", "week"))
    term = {row["term"]: row for row in churn["terms"]}["satisfaction"]
    lines = [tr(
        f"Churn after the survey, by the ladder's activity window: a respondent has churned when the log ends more than "
        f"{num(rule['threshold'])} {unit}s after their last purchase ({num(rule['follow_up'])} {unit}s of log follow "
        f"the survey); {num(churn['churned'])} of {num(churn['n'])} respondents did. A Cox model of the time from the "
        f"survey to the last purchase of those who churned, on satisfaction (`{churn['satisfaction']}`) holding "
        f"log(1 + past frequency) fixed, gives a hazard ratio of {num(term['ratio'], 2)} {_ratio_bounds(term)} per point.",
        f"调查后的客户流失（按忠诚度阶梯的活跃窗口）：若交易记录结束时距受访者最后一次购买已超过 {num(rule['threshold'])} 个{unit}，"
        f"即视为流失（调查后共有 {num(rule['follow_up'])} 个{unit}的记录）；{num(churn['n'])} 位受访者中 "
        f"{num(churn['churned'])} 位流失。以满意度（`{churn['satisfaction']}`）为协变量、控制 log(1 + 过去购买频次) 的 "
        f"Cox 模型（从调查到流失者最后一次购买的时间）给出每分风险比 {num(term['ratio'], 2)} {_ratio_bounds(term)}。")]
    if term["ratio_upper"] < 1:
        lines.append(tr("More satisfied respondents churn later: the interval lies below 1.",
                        "满意度越高的受访者流失越晚：区间完全小于 1。"))
    elif term["ratio_lower"] > 1:
        lines.append(tr("More satisfied respondents churn sooner: the interval lies above 1.",
                        "满意度越高的受访者反而流失越早：区间完全大于 1。"))
    else:
        lines.append(tr("No evidence that satisfaction changes churn: the interval contains 1, so these data cannot "
                        "tell whether satisfied respondents churn later, sooner or alike.",
                        "没有证据表明满意度影响客户流失：区间包含 1，这些数据无法判断满意的受访者流失得更晚、更早还是相同。"))
    if simulated:
        lines.append(_truth_check(term["ratio_lower"] <= 1 <= term["ratio_upper"],
                                  ("a hazard ratio of 1 (no effect)", "风险比 1（无影响）")))
    by_level = churn.get("by_level")
    if by_level and len(by_level) >= 2:
        level_name = _level_name(by_level[0], ("n", "churned", "share", "lower", "upper"))
        low, high = by_level[0], by_level[-1]
        lines += ["", with_figure(tr(
            f"Churned share: {pct(low['share'])} {interval([low['lower'], low['upper']])} of respondents rating "
            f"{num(low[level_name])}, {pct(high['share'])} {interval([high['lower'], high['upper']])} of those rating "
            f"{num(high[level_name])}, not adjusted for past purchases.",
            f"流失比例：评分为 {num(low[level_name])} 的受访者为 {pct(low['share'])} {interval([low['lower'], low['upper']])}，"
            f"评分为 {num(high[level_name])} 的为 {pct(high['share'])} {interval([high['lower'], high['upper']])}，未控制过去的购买。"),
            "satisfaction-behaviour")]
    return lines + [""]


VALUE_NAMES = {
    "spend_after": (("spend after the survey", "调查后的消费额"),
                    ("Mean spend after the survey", "调查后的平均消费额")),
    "clv": (("predicted CLV", "预测客户终身价值"),
            ("Mean predicted CLV (the CLV chapter's forecast from the end of the log)",
             "平均预测客户终身价值（客户终身价值一章自数据末尾起的预测）")),
}


def _value(value: dict | None, kind: str, simulated: dict | None) -> list[str]:
    """Spend or CLV by satisfaction: means of the lowest and highest level, then the regression of
    log(1 + value) holding past frequency fixed, its verdict by the interval of the change per point."""
    if not value:
        return []
    (name_en, name_zh), (mean_en, mean_zh) = VALUE_NAMES[kind]
    if "skipped" in value:
        return [tr(f"No {name_en} by satisfaction: {_reason(value['skipped'])}.",
                   f"未给出按满意度划分的{name_zh}：{_reason(value['skipped'])}。"), ""]
    lines = []
    by_level = value.get("by_level")
    if by_level and len(by_level) >= 2:
        level_name = _level_name(by_level[0], ("n", "mean", "std_error", "lower", "upper", "median"))
        low, high = by_level[0], by_level[-1]
        sentence = tr(
            f"{mean_en}: {money(low['mean'])} {interval([low['lower'], low['upper']], money)} for respondents "
            f"rating {num(low[level_name])}, {money(high['mean'])} {interval([high['lower'], high['upper']], money)} for those "
            f"rating {num(high[level_name])}, not adjusted for past purchases.",
            f"{mean_zh}：评分为 {num(low[level_name])} 的受访者为 {money(low['mean'])} "
            f"{interval([low['lower'], low['upper']], money)}，评分为 {num(high[level_name])} 的为 {money(high['mean'])} "
            f"{interval([high['lower'], high['upper']], money)}，未控制过去的购买。")
        lines.append(with_figure(sentence, "satisfaction-behaviour"))
    regression = value.get("regression", {})
    if "skipped" in regression:
        lines.append(tr(f"The {name_en} per point of satisfaction is not estimable: {_reason(regression['skipped'])}.",
                        f"满意度每分对应的{name_zh}差异无法估计：{_reason(regression['skipped'])}。"))
        return lines + [""]
    term = {row["term"]: row for row in regression["terms"]}["satisfaction"]
    bounds = interval([term["change_lower"], term["change_upper"]])
    lines.append(tr(
        f"Holding log(1 + past frequency) fixed, each point of satisfaction goes with {pct(term['change'])} {bounds} "
        f"{name_en} ({num(regression['n'])} respondents; regression of log(1 + value), robust errors).",
        f"控制 log(1 + 过去购买频次) 后，满意度每提高一分，{name_zh}变化 {pct(term['change'])} {bounds}"
        f"（{num(regression['n'])} 位受访者；log(1 + 值) 回归，稳健标准误）。"))
    if term["change_lower"] > 0:
        lines.append(tr(f"More satisfied respondents have a higher {name_en}: the interval lies above zero.",
                        f"满意度越高的受访者{name_zh}越高：区间完全大于零。"))
    elif term["change_upper"] < 0:
        lines.append(tr(f"More satisfied respondents have a lower {name_en}: the interval lies below zero.",
                        f"满意度越高的受访者{name_zh}反而越低：区间完全小于零。"))
    else:
        lines.append(tr(f"No evidence that {name_en} differs with satisfaction once past purchases are held fixed: "
                        "the interval contains zero.",
                        f"控制过去的购买后，没有证据表明{name_zh}随满意度变化：区间包含零。"))
    if simulated:
        lines.append(_truth_check(term["change_lower"] <= 0 <= term["change_upper"],
                                  ("a change of zero (no effect)", "零（无影响）")))
    return lines + [""]
