"""The data and method chapter."""

from __future__ import annotations

from ..core.i18n import tr
from ..report.escape import code_span, escape_markdown
from .common import attachments, get, money, num, pct, period_name, see_figure, with_figure


def rule_text(reason: str) -> str:
    texts = {
        "missing_customer": tr("no customer id", "缺少客户编号"),
        "missing_date": tr("blank date", "日期为空"),
        "missing_amount": tr("blank amount", "金额为空"),
        "excluded_product": tr("excluded product code (postage, fees, adjustments)",
                               "排除的商品代码（邮费、手续费、调整项）"),
        "exact_duplicate": tr("exact duplicate of an earlier row", "与前一行完全重复"),
        "cancellation": tr("cancellation", "取消订单"),
        "cancellation_netted": tr("cancellation netted against the purchase it reverses",
                                  "取消行已与其冲销的购买相抵"),
        "cancellation_unmatched": tr("cancellation with no earlier matching purchase",
                                     "找不到对应早前购买的取消行"),
        "cancelled_in_full": tr("purchase cancelled in full", "被全部取消的购买"),
        "nonpositive_amount": tr("zero or negative amount", "金额为零或负数"),
        "outside_window": tr("outside the observation window", "在观察窗口之外"),
        "reduced_by_cancellation": tr("purchase reduced by a partial cancellation", "因部分取消而减少金额的购买"),
        "first_in_last_opportunity": tr("customer's first transaction in the last opportunity (none after it to model)",
                                        "客户的首次交易在最后一次机会中（其后没有可建模的机会）"),
        "merged_same_day": tr("merged into another purchase by the same customer on the same day",
                              "与同一客户同一天的其他购买合并"),
    }
    return texts.get(reason, reason)


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    data = get(results, "data", {})
    cleaning = get(results, "cleaning", {})
    study = get(results, "study", {})
    period = study.get("period", "week")
    period_zh = {"day": "天", "week": "周", "month": "月"}.get(period, period)
    lines = [tr("# Data and method", "# 数据与方法"), ""]
    source = escape_markdown(study["source"]) if study.get("source") else tr("the configured input file", "配置的输入文件")
    digest = str(study.get("input_sha256", ""))[:12]
    input_file = code_span(study.get("input_file", "?"))
    lines.append(tr(
        f"The study uses {source} (file {input_file}, sha256 `{digest}…`).",
        f"本研究使用 {source}（文件 {input_file}，sha256 `{digest}…`）。",
    ))
    if data.get("kind") == "contractual":
        tenure = data["tenure"]
        blanks = data.get("blank_covariates") or {}
        lines += [tr(
            f"Each of its {num(data['customers'])} rows is a customer with a tenure (median {num(tenure['median'])}, "
            f"longest {num(tenure['max'])} {period}s) and whether they have left: {num(data['churned'])} have "
            f"({pct(data['share_churned'])}); the others are still customers, so their tenure is right-censored. "
            f"{num(data['zero_tenure'])} customers have a tenure of zero and enter only the survival curves.",
            f"数据的 {num(data['customers'])} 行中，每行是一位客户，包含在网时长（中位数 {num(tenure['median'])}，"
            f"最长 {num(tenure['max'])} {period_name(period)}）以及是否已离开：{num(data['churned'])} 位已离开"
            f"（{pct(data['share_churned'])}）；其余仍是客户，其在网时长为右删失。{num(data['zero_tenure'])} 位客户的在网时长为零，"
            "只进入生存曲线。"), ""]
        for column, count in blanks.items():
            lines.append(tr(f"- {code_span(column)} is blank for {num(count)} customers (left out of the models that use it).",
                            f"- {code_span(column)} 有 {num(count)} 位客户为空（在使用该变量的模型中剔除）。"))
        lines += attachments(figures, tables)
        return "\n".join(lines)
    if data.get("kind") == "opportunity":
        lines += [_opportunity_text(data), ""]
        months = data.get("months_per_opportunity")
        if months:
            unit = {12: tr("calendar year", "日历年"), 6: tr("calendar half-year", "日历半年"),
                    3: tr("calendar quarter", "日历季度"), 1: tr("calendar month", "日历月")}[months]
            lines += [tr(
                f"The summary was built from a dated log of {num(cleaning.get('input_rows'))} rows: each {unit} is an "
                f"opportunity, and a customer's several transactions in one count once. {num(cleaning.get('kept_rows'))} "
                "rows were used" + ("; the others were dropped:" if cleaning.get("dropped") else "."),
                f"汇总由 {num(cleaning.get('input_rows'))} 行带日期的记录生成：每个{unit}是一次机会，客户在同一机会内的多次交易"
                f"计为一次。使用了 {num(cleaning.get('kept_rows'))} 行" + ("；其余剔除：" if cleaning.get("dropped") else "。")), ""]
            for reason, count in (cleaning.get("dropped") or {}).items():
                lines.append(tr(f"- {rule_text(reason)}: {num(count)} rows dropped",
                                f"- {rule_text(reason)}：剔除 {num(count)} 行"))
            lines.append("")
        lines += attachments(figures, tables)
        return "\n".join(lines)
    if data:
        lines.append(tr(
            f"After cleaning it holds {num(data.get('transactions'))} purchase days of "
            f"{num(data.get('customers'))} customers between {data.get('first_date')} and "
            f"{data.get('last_date')}{see_figure('activity')}, worth {money(data.get('total_value'))} in "
            f"all{see_figure('spend')}; {pct(data.get('share_one_time_buyers'))} of the customers bought on one day "
            f"only{see_figure('purchases')}.",
            f"清洗后共有 {num(data.get('customers'))} 位客户在 {data.get('first_date')} 至 "
            f"{data.get('last_date')} 期间的 {num(data.get('transactions'))} 个购买日{see_figure('activity')}，总金额 "
            f"{money(data.get('total_value'))}{see_figure('spend')}；{pct(data.get('share_one_time_buyers'))} 的客户只在"
            f"一天购买过{see_figure('purchases')}。",
        ))
    lines += ["", tr(
        f"Time is measured in {period}s. A customer's purchases on one day count as one purchase "
        "occasion, as in the published buy-till-you-die analyses; `frequency` is the number of "
        "repeat purchase days, `recency` the time from the first to the last purchase, `T` the time "
        "from the first purchase to the end of the window.",
        f"时间以{period_zh}为单位。与已发表的“购买直至流失”（BTYD）分析一致，同一客户同一天的多次购买计为一次；"
        "`frequency` 为重复购买的天数，`recency` 为首次到最后一次购买的时间，`T` 为首次购买到观察期末的时间。",
    )]
    cal = data.get("calibration")
    if cal:
        lines += ["", tr(
            f"Models are fitted on the calibration window ending {study.get('calibration_end')} and "
            f"checked on the {num(cal.get('duration_holdout'), 1)}-{period} holdout after it: "
            f"{num(cal.get('customers'))} customers made {num(cal.get('repeat_transactions'))} "
            f"repeat purchases in calibration ({num(cal.get('repeat_buyers'))} repeat buyers) and "
            f"{num(cal.get('holdout_transactions'))} in the holdout.",
            f"模型在截至 {study.get('calibration_end')} 的校准期内拟合，并在其后 "
            f"{num(cal.get('duration_holdout'), 1)} {period_zh}的验证期检验：{num(cal.get('customers'))} 位客户在校准期内"
            f"重复购买 {num(cal.get('repeat_transactions'))} 次（其中重复购买者 {num(cal.get('repeat_buyers'))} 位），"
            f"验证期内 {num(cal.get('holdout_transactions'))} 次。",
        )]
    if cleaning:
        lines += ["", tr("## Cleaning", "## 数据清洗"), "", with_figure(tr(
            f"Of {num(cleaning.get('input_rows'))} input rows, {num(cleaning.get('kept_rows'))} were "
            f"kept and {num(cleaning.get('quarantined_rows'))} set aside with their reason in the quarantine "
            "file, so that no row is lost. It holds raw customer ids, so it is kept beside the published run "
            "folder (`NAME.private/quarantine.csv.gz`), not in it.",
            f"在 {num(cleaning.get('input_rows'))} 行输入数据中，保留 {num(cleaning.get('kept_rows'))} 行，"
            f"另有 {num(cleaning.get('quarantined_rows'))} 行连同原因存入隔离文件，没有任何一行丢失。该文件含原始客户编号，"
            "因此保存在发布的运行文件夹之外（`NAME.private/quarantine.csv.gz`）。",
        ), "cleaning"), ""]
        for reason, count in cleaning.get("dropped", {}).items():
            lines.append(tr(f"- {rule_text(reason)}: {num(count)} rows dropped",
                            f"- {rule_text(reason)}：剔除 {num(count)} 行"))
        for reason, count in cleaning.get("changed", {}).items():
            lines.append(tr(f"- {rule_text(reason)}: {num(count)} rows (kept)",
                            f"- {rule_text(reason)}：{num(count)} 行（保留）"))
    lines += attachments(figures, tables)
    return "\n".join(lines)


def _opportunity_text(data: dict) -> str:
    """Discrete-time data (``analysis.data.opportunity.describe_opportunities``): what a row is, and the
    chapters that cannot apply to a summary without dates, amounts or tenure."""
    if data["periods_min"] == data["periods_max"]:
        span_en, span_zh = f"{num(data['periods_max'])} opportunities", f"{num(data['periods_max'])} 次机会"
    else:
        span_en = f"{num(data['periods_min'])} to {num(data['periods_max'])} opportunities"
        span_zh = f"{num(data['periods_min'])} 至 {num(data['periods_max'])} 次机会"
    return tr(
        f"The data are discrete-time: after their first transaction, each customer either transacted or not at each "
        f"of {span_en}. The summary's {num(data['rows'])} rows cover {num(data['customers'])} customers by `frequency` (the "
        "opportunities with a repeat transaction), `recency` (the opportunity of the last one) and `periods` (the "
        f"opportunities observed). They made {num(data['repeat_transactions'])} repeat transactions; "
        f"{pct(data['share_no_repeat'])} made none, and {pct(data['share_active_last'])} transacted at the last "
        "opportunity. Opportunity data carry no amounts and no contract tenure, so the chapters on the 80/20 "
        "rule, retention and churn, and segments do not apply to them and are not run.",
        f"数据为离散时间数据：首次交易之后，每位客户在 {span_zh}中每次要么交易、要么不交易。汇总的 {num(data['rows'])} 行"
        f"涵盖 {num(data['customers'])} 位客户：`frequency`（有重复交易的机会数）、`recency`（最后一次交易所在的机会）"
        f"和 `periods`（观察到的机会数）。他们共重复交易 {num(data['repeat_transactions'])} 次；"
        f"{pct(data['share_no_repeat'])} 的客户没有重复交易，{pct(data['share_active_last'])} 在最后一次机会交易。"
        "机会数据不含金额或合约在网时长，因此二八定律、客户保留与流失以及客户细分各章不适用，未运行。")
