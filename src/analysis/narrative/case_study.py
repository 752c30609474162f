"""What works, failure modes and lessons, limitations, recommendations — the case study's close.

The claims and their numbers come from the ``case_study`` section of results.json (decided by
``analysis.narrative.claims``); this module only words them, in English or Chinese.
"""

from __future__ import annotations

from ..core.i18n import tr
from ..report.escape import escape_markdown
from .common import get, money, num, part_text, pct, period_name, pvalue

SECTIONS = (
    ("what_works", ("What works", "有效的做法")),
    ("lessons", ("Failure modes and lessons", "失败模式与教训")),
    ("limitations", ("Limitations", "局限性")),
    ("recommendations", ("Recommendations", "建议")),
)


def _text(claim: dict) -> str:
    v, i = claim["values"], claim["id"]
    if i == "not_estimable":
        return part_text(v)
    if i == "clv_forecast_holds":
        return tr(f"The {v['model']} model forecasts the holdout well: {num(v['predicted'])} repeat purchases expected "
                  f"against {num(v['actual'])} observed ({pct(v['error'])}), with a per-customer correlation of "
                  f"{num(v['correlation'], 2)} — its customer values can be used for targeting.",
                  f"{v['model']} 模型对验证期预测良好：预期重复购买 {num(v['predicted'])} 次，实际 {num(v['actual'])} 次"
                  f"（{pct(v['error'])}），客户层面相关系数 {num(v['correlation'], 2)}——其客户价值可用于精准营销。")
    if i == "churn_ranking_works":
        return tr(f"Ranking customers by churn risk works: AUC {num(v['auc'], 3)}, and the riskiest tenth churns "
                  f"{num(v['lift'], 2)} times as often as average.",
                  f"按流失风险对客户排序是有效的：AUC {num(v['auc'], 3)}，风险最高的十分之一客户流失率是平均水平的 "
                  f"{num(v['lift'], 2)} 倍。")
    if i == "sbg_projects":
        cohort = escape_markdown(v["cohort"].replace("_", " "))
        return tr(f"On Fader & Hardie's (2007) published {cohort} cohort (a benchmark, not this study's data), the sBG "
                  f"model projects five years ahead with a mean error of {pct(v['mape'])}, where a constant retention "
                  f"rate errs by {pct(v['naive'])}: the model this chapter fits to the tenures is one that projects well.",
                  f"在 Fader 和 Hardie（2007）公布的 {cohort} 批次上（基准数据，并非本研究的数据），sBG 模型向后预测五年的"
                  f"平均误差为 {pct(v['mape'])}，而恒定留存率方法误差为 {pct(v['naive'])}：本章对在网时长拟合的正是一个外推效果好的模型。")
    if i == "share_precise":
        return tr(f"The concentration is measured precisely: the top-20% share is {pct(v['share'])}, and the interval "
                  f"the report trusts is [{pct(v['low'])}, {pct(v['high'])}].",
                  f"集中度测量精确：前 20% 客户占比 {pct(v['share'])}，报告采用的区间为 [{pct(v['low'])}, {pct(v['high'])}]。")
    if i == "targeting_beats_even":
        return tr(f"Targeting pays: spending {money(v['spent'], 0)} class by class in order of return yields "
                  f"{money(v['gain'], 0)} of expected CLV gain ({money(v['per_dollar'])} per unit spent), {num(v['ratio'], 2)} "
                  f"times an even spread ({money(v['even'], 0)}).",
                  f"精准投入有回报：按回报顺序逐类投入 {money(v['spent'], 0)}，预期价值增量 {money(v['gain'], 0)}"
                  f"（每单位花费带来 {money(v['per_dollar'])}），是平均分配（{money(v['even'], 0)}）的 {num(v['ratio'], 2)} 倍。")
    if i == "targeting_still_loses":
        return tr(f"Targeting beats an even spread ({num(v['ratio'], 2)} times the gain) but still returns only "
                  f"{money(v['per_dollar'])} per unit spent at the assumed response rates: better targeting of a campaign that "
                  "does not pay back is not a reason to run it.",
                  f"精准投入优于平均分配（收益为其 {num(v['ratio'], 2)} 倍），但在假设的响应率下每单位花费仍只回收 "
                  f"{money(v['per_dollar'])}：对一个无法收回成本的活动，精准投入并不构成实施它的理由。")
    if i == "p_alive_worse_than_chance":
        return tr(f"P(alive) ranks the holdout's churners worse than chance (AUC {num(v['auc'], 3)}, below 0.5): customers "
                  "with no repeat purchase get a P(alive) of 1 from BG/NBD-type models, though many of them are gone. Do not "
                  "use P(alive) alone to pick whom to win back.",
                  f"存活概率对验证期流失者的排序比随机还差（AUC {num(v['auc'], 3)}，低于 0.5）：BG/NBD 类模型给没有重复购买的"
                  "客户存活概率 1，而其中许多人已经流失。不要仅凭存活概率挑选挽回对象。")
    if i == "churn_model_no_lift":
        return tr(f"The churn model's riskiest decile churns only {num(v['lift'], 2)} times as often as average (below 1, "
                  f"AUC {num(v['auc'], 3)}): its ranking does not find the churners and should not drive a campaign.",
                  f"流失模型风险最高的十分之一客户的流失率只是平均水平的 {num(v['lift'], 2)} 倍（低于 1，AUC {num(v['auc'], 3)}）："
                  "其排序找不到流失者，不应据此开展营销活动。")
    if i == "tail_undecided":
        return tr(f"Whether value per customer has a power-law tail cannot be told (Vuong's test p {pvalue(v['p_value'])}); "
                  f"if it does, its exponent {num(v['exponent'], 2)} means infinite variance, so the report's interval "
                  "spans both possibilities.",
                  f"无法判断客户价值是否具有幂律尾部（Vuong 检验 p {pvalue(v['p_value'])}）；若是，其指数 "
                  f"{num(v['exponent'], 2)} 意味着方差无限，因此报告的区间同时覆盖两种可能。")
    if i == "dependence_risk":
        return tr(f"Dependence on a few customers: the 10 largest hold {pct(v['share'], 2)} of all value.",
                  f"对少数客户的依赖：最大的 10 位客户占全部价值的 {pct(v['share'], 2)}。")
    if i == "top_does_not_stay_top":
        return tr(f"Top customers do not stay on top: only {pct(v['still_top'])} of one period's top 20% are top 20% in the "
                  f"next (they held {pct(v['earlier_share'])} of the first period's value and {pct(v['later_share'])} of the "
                  "next). A list of last period's best customers is a partly outdated list.",
                  f"头部客户不会一直是头部：某一时期前 20% 的客户中只有 {pct(v['still_top'])} 在下一时期仍属前 20%"
                  f"（他们占前一时期价值的 {pct(v['earlier_share'])}、下一时期的 {pct(v['later_share'])}）。"
                  "上一时期的最佳客户名单已部分过时。")
    if i == "unprofitable_tail":
        return tr(f"An unprofitable tail: under the assumed costs {pct(v['share'])} of customers lose money, "
                  f"{money(v['loss'], 0)} in all, and the whale curve peaks at {pct(v['peak'], 0)} of total profit.",
                  f"不盈利的长尾：在假设成本下 {pct(v['share'])} 的客户亏损，共计 {money(v['loss'], 0)}，"
                  f"鲸鱼曲线峰值为总利润的 {pct(v['peak'], 0)}。")
    if i == "window_changes_answer":
        return tr(f"The 80/20 answer depends on the window: {pct(v['monthly'])} in a typical month counting all customers, "
                  f"{pct(v['full'])} over the whole period. Quote a share only with its window and base.",
                  f"二八结论取决于窗口：计入所有客户时，典型月份为 {pct(v['monthly'])}，整个时期为 {pct(v['full'])}。"
                  "引用占比时必须注明窗口和客户基数。")
    if i == "holdout_bias":
        direction = tr("under" if v["error"] < 0 else "over", "低估" if v["error"] < 0 else "高估")
        return tr(f"Even the best model {direction}predicts the holdout by {pct(abs(v['error']))} ({v['model']}): "
                  "forecasts of totals need that margin.",
                  f"即使最好的模型（{v['model']}）也{direction}了验证期 {pct(abs(v['error']))}：总量预测需预留这一误差。")
    if i == "short_window":
        unit = period_name(v.get("period", "week"))
        return tr(f"The data cover {v['first']} to {v['last']}, with a holdout of {num(v['holdout'], 1)} {unit}s: "
                  "lifetimes longer than that are extrapolated by the models, not observed.",
                  f"数据覆盖 {v['first']} 至 {v['last']}，验证期 {num(v['holdout'], 1)} {unit}：更长的客户寿命是模型外推的，"
                  "并非观察所得。")
    if i == "snapshot":
        return tr(f"The {num(v['customers'])} contracts are read as if each customer had been followed from sign-up. If the "
                  "file is a snapshot of current customers and those who left recently (IBM's Telco sample flags churn "
                  "within the last month), customers who left before it are missing: Kaplan–Meier and sBG then describe "
                  "customers who survived to the snapshot, and early churn is understated.",
                  f"这 {num(v['customers'])} 份合约被视为从签约起持续跟踪的客户。如果数据是当前客户和近期流失客户的快照"
                  "（IBM 的 Telco 样本只标记最近一个月内的流失），更早流失的客户并不在数据中：Kaplan–Meier 和 sBG "
                  "描述的是存活到快照时点的客户，早期流失被低估。")
    if i == "data_quality":
        return tr(f"Cleaning set aside {num(v['quarantined'])} of {num(v['rows'])} rows ({pct(v['share'])}); the results "
                  "describe the rows kept, and the quarantine file (beside the run folder, not published) shows what was left out.",
                  f"数据清洗剔除了 {num(v['rows'])} 行中的 {num(v['quarantined'])} 行（{pct(v['share'])}）；结果描述的是保留的数据，"
                  "隔离文件列出了被剔除的内容。")
    if i == "heavy_tail":
        return tr(f"Value per customer has a heavy tail (survival exponent {num(v['exponent'], 2)}, below 2): averages and "
                  "normal-theory intervals are fragile, so the report uses the tail-aware interval.",
                  f"客户价值呈厚尾分布（生存指数 {num(v['exponent'], 2)}，小于 2）：均值与正态理论区间不稳健，"
                  "因此报告采用考虑厚尾的区间。")
    if i == "weakly_identified":
        return tr(f"Some model parameters are weakly identified (standard error above {pct(v['threshold'], 0)} of the "
                  "estimate): " + ", ".join(v["parameters"]) + ". Predictions are more robust than these single parameters.",
                  f"部分模型参数识别较弱（标准误超过估计值的 {pct(v['threshold'], 0)}）：" + "、".join(v["parameters"])
                  + "。预测结果比单个参数更稳健。")
    if i == "boundary_estimates":
        return tr("Some estimates sit at the edge of the parameter space (" + ", ".join(v["parameters"]) + "): in the "
                  "calibration window the data show almost no customers dropping out, so the dropout process is not "
                  "identified and the models behave as if nobody leaves; P(alive) and long-horizon values are optimistic.",
                  "部分估计值位于参数空间的边界（" + "、".join(v["parameters"]) + "）：校准期内几乎观察不到客户流失，"
                  "因此流失过程无法识别，模型表现得好像没有人离开；存活概率和长期价值因此偏乐观。")
    if i == "not_converged":
        return tr("These models did not converge and their numbers should not be used: " + ", ".join(v["models"]) + ".",
                  "以下模型未收敛，其结果不应使用：" + "、".join(v["models"]) + "。")
    if i == "churn_definition":
        return tr(f"Churn is a definition here, not an observation: between {num(v['shortest'])} and {num(v['longest'])} days "
                  f"of inactivity, the share counted as churned moves from {pct(v['high'])} to {pct(v['low'])}.",
                  f"这里的流失是一种定义而非观察：无活动阈值从 {num(v['shortest'])} 天到 {num(v['longest'])} 天，"
                  f"被计为流失的比例从 {pct(v['high'])} 变为 {pct(v['low'])}。")
    if i == "proportional_hazards":
        return tr(f"{num(v['violated'])} of {num(v['terms'])} Cox terms fail the proportional-hazards check: read those "
                  "hazard ratios as averages over time.",
                  f"Cox 模型 {num(v['terms'])} 个项中有 {num(v['violated'])} 个未通过比例风险检验：这些风险比应理解为随时间的平均值。")
    if i == "assumed_costs":
        return tr(f"Profit uses assumed costs (margin {pct(v['margin_rate'], 0)}, {money(v['cost_per_order'])} per order, "
                  f"{money(v['cost_per_customer_per_period'])} per customer and period), not the firm's accounts.",
                  f"利润使用的是假设成本（毛利率 {pct(v['margin_rate'], 0)}，每单 {money(v['cost_per_order'])}，每位客户每期 "
                  f"{money(v['cost_per_customer_per_period'])}），而非企业账目。")
    if i == "satisfaction_drives_repurchase":
        return tr(f"Satisfied customers buy again: each point of `{v['measure']}` multiplies the odds of a repeat purchase "
                  f"by {num(v['ratio'], 2)} (log-odds {num(v['coef'], 3)} [{num(v['low'], 3)}, {num(v['high'], 3)}], holding "
                  "past purchases fixed) — an association in survey data, not an experiment.",
                  f"满意的客户会再次购买：`{v['measure']}` 每提高一分，再次购买的几率乘以 {num(v['ratio'], 2)}"
                  f"（对数几率 {num(v['coef'], 3)} [{num(v['low'], 3)}, {num(v['high'], 3)}]，控制过去的购买）"
                  "——这是问卷数据中的关联，而非实验结果。")
    if i == "second_purchase_first":
        unit = period_name(v.get("period", "week"))
        window = num(v["active_within"], 0 if float(v["active_within"]).is_integer() else 1)
        return tr(f"The loyalty ladder's lowest step is its largest: {pct(v['one_time'])} of customers bought on one day "
                  f"only, and {pct(v['loyal'])} are loyal (at least {num(v['min_repeat'])} repeat purchase days and a "
                  f"purchase in the last {window} {unit}s). Winning the second purchase comes before any loyalty programme.",
                  f"忠诚度阶梯最低一级的客户最多：{pct(v['one_time'])} 的客户只在一天购买过，忠诚客户仅占 {pct(v['loyal'])}"
                  f"（至少 {num(v['min_repeat'])} 个重复购买日且最近 {window} 个{unit}内有购买）。促成第二次购买应先于任何忠诚度计划。")
    if i == "survey_simulated":
        return tr(f"The customer satisfaction survey ({num(v['respondents'])} respondents) is simulated: its link to "
                  "behaviour checks the method against a known truth and says nothing about these customers.",
                  f"客户满意度问卷（{num(v['respondents'])} 位受访者）是模拟的：其与购买行为的关联只是用已知真值检验方法，"
                  "并不说明这些客户的情况。")
    if i == "survey_bias":
        names = {"recency": ("recency", "最近购买时间"), "frequency": ("frequency", "购买频次"),
                 "monetary_value": ("mean spend", "平均消费额")}
        en = ", ".join(names.get(m, (m, m))[0] for m in v["measures"])
        zh = "、".join(names.get(m, (m, m))[1] for m in v["measures"])
        return tr(f"Survey respondents are not typical customers: the {num(v['respondents'])} who answered differ from the "
                  f"others in {en}, so satisfaction averages describe respondents, not the customer base.",
                  f"问卷受访者并非典型客户：作答的 {num(v['respondents'])} 位在{zh}上与其他客户不同，"
                  "因此满意度均值描述的是受访者，而非全部客户。")
    if i == "satisfaction_effect_unclear":
        return tr(f"The survey cannot tell whether satisfaction changes repurchase: the interval of its effect, "
                  f"[{num(v['low'], 3)}, {num(v['high'], 3)}] log-odds per point ({num(v['respondents'])} respondents), "
                  "contains zero.",
                  f"问卷无法判断满意度是否影响再次购买：其效应区间 [{num(v['low'], 3)}, {num(v['high'], 3)}]"
                  f"（每分对数几率，{num(v['respondents'])} 位受访者）包含零。")
    if i == "protect_core":
        clv = (tr(f" and {pct(v['clv_share'])} of predicted CLV", f"、预测价值的 {pct(v['clv_share'])}")
               if v.get("clv_share") is not None else "")
        return tr(f"Protect the {num(v['customers'])} core customers ({pct(v['value_share'])} of historical value{clv}) with "
                  "service and recognition rather than discounts: they already buy, and a discount mostly gives away margin.",
                  f"用服务和认可（而非折扣）保护 {num(v['customers'])} 位核心客户（历史价值的 {pct(v['value_share'])}{clv}）："
                  "他们本来就会购买，折扣主要是让出利润。")
    if i == "win_back_at_risk":
        clv = (tr(f", {pct(v['clv_share'])} of predicted CLV", f"，预测价值的 {pct(v['clv_share'])}")
               if v.get("clv_share") is not None else "")
        return tr(f"Reach the {num(v['customers'])} at-risk customers ({pct(v['value_share'])} of historical value{clv}) "
                  "before they fall dormant, while a contact can still change the outcome.",
                  f"在 {num(v['customers'])} 位风险客户（历史价值的 {pct(v['value_share'])}{clv}）进入休眠之前联系他们，"
                  "此时联系仍可能改变结果。")
    if i == "develop_potential":
        return tr(f"Develop the {num(v['customers'])} customers with low current but high potential value; they hold "
                  f"{pct(v['potential_share'])} of predicted value.",
                  f"发展 {num(v['customers'])} 位当前价值低但潜在价值高的客户；他们占预测价值的 {pct(v['potential_share'])}。")
    if i == "develop_cell_small":
        return tr(f"The {num(v['customers'])} customers with low current but high potential value hold only "
                  f"{pct(v['potential_share'])} of predicted value: a development programme has little to work with here.",
                  f"当前价值低但潜在价值高的 {num(v['customers'])} 位客户只占预测价值的 {pct(v['potential_share'])}："
                  "在这里开展客户发展计划的空间很小。")
    if i == "low_cost_reconsider":
        return tr(f"Serve the {num(v['customers'])} low-current, low-potential customers ({pct(v['current_share'])} of "
                  "current value) through low-cost channels only.",
                  f"对 {num(v['customers'])} 位当前价值和潜在价值都低的客户（当前价值的 {pct(v['current_share'])}）只使用低成本渠道。")
    if i == "keep_elastic":
        if v["customers"] == 1:
            return tr(f"Do not drop the one elastic customer: unprofitable so far, they are expected to return "
                      f"{money(v['value'])} net.", f"不要放弃这 1 位弹性客户：虽然目前不盈利，但预期未来净收益 {money(v['value'])}。")
        return tr(f"Do not drop the {num(v['customers'])} elastic customers: unprofitable so far, they are expected to "
                  f"return {money(v['value'])} net.",
                  f"不要放弃 {num(v['customers'])} 位弹性客户：虽然目前不盈利，但预期未来净收益 {money(v['value'])}。")
    if i == "invest_in_retention":
        extra = (tr(f" — compare with {money(v['acquisition'], 0)} to win a new customer.",
                    f"——对比获取一位新客户需要 {money(v['acquisition'], 0)}。") if v.get("acquisition") else tr(".", "。"))
        return tr(f"Each point of retention adds {money(v['gain'])} ({pct(v['share'])}) to a customer's value" + extra,
                  f"留存率每提高一个百分点，每位客户价值增加 {money(v['gain'])}（{pct(v['share'])}）" + extra)
    if i == "budget_plan":
        if v["per_dollar"] >= 1:
            result = tr(f"expected CLV gain {money(v['gain'], 0)}, {money(v['per_dollar'])} per unit spent.",
                        f"预期客户价值增量 {money(v['gain'], 0)}，每单位花费带来 {money(v['per_dollar'])}。")
            if v["spent"] < v["budget"] * (1 - 1e-9):
                return tr(f"Contacting every reachable customer costs only {money(v['spent'], 0)} of the "
                          f"{money(v['budget'], 0)} contact budget: spend that (targeting changes nothing when everyone "
                          f"reachable is contacted); " + result,
                          f"联系所有可联系的客户只需 {money(v['budget'], 0)} 联系预算中的 {money(v['spent'], 0)}："
                          "就花这部分（所有可联系的客户都被联系时，精准投入没有区别）；" + result)
            how = (tr("contacting every reachable customer", "联系所有可联系的客户") if v.get("same_as_even")
                   else tr("as in the plan above", "按上文方案"))
            return tr(f"Spend the {money(v['budget'], 0)} contact budget {how}: " + result,
                      f"{how}使用 {money(v['budget'], 0)} 的联系预算：" + result)
        if v["spent"] >= v["budget"] * (1 - 1e-9):
            return tr(f"At the assumed response rates a {money(v['budget'], 0)} campaign returns {money(v['per_dollar'])} "
                      "per unit spent: test the uplift on a small random sample before spending the budget.",
                      f"在假设的响应率下，{money(v['budget'], 0)} 的活动每单位花费只回收 {money(v['per_dollar'])}："
                      "投入预算前应先在小规模随机样本上检验提升效果。")
        return tr(f"At the assumed response rates, contacting every reachable customer costs {money(v['spent'], 0)} of the "
                  f"{money(v['budget'], 0)} budget and returns {money(v['per_dollar'])} per unit spent: test the uplift on a "
                  "small random sample before spending it.",
                  f"在假设的响应率下，联系所有可联系的客户需花费 {money(v['budget'], 0)} 预算中的 {money(v['spent'], 0)}，"
                  f"每单位花费只回收 {money(v['per_dollar'])}：投入前应先在小规模随机样本上检验提升效果。")
    return i


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    claims = get(results, "case_study")
    if not claims:
        return ""
    lines = []
    for key, (en, zh) in SECTIONS:
        items = claims.get(key) or []
        lines += [f"# {tr(en, zh)}", ""]
        if not items:
            lines.append(tr("*Nothing in this study's numbers supports a claim here.*", "*本研究的数据不支持此处的任何结论。*"))
        lines += [f"- {_text(claim)}" for claim in items]
        lines.append("")
    return "\n".join(lines)
