"""The report's opening: what the study found, one sentence and one number per finding."""

from __future__ import annotations

from ..i18n import tr
from .common import get, interval, money, num, pct


def findings(results: dict) -> list[str]:
    """Findings for which this study has numbers, in the order of the report's chapters."""
    found: list[str] = []
    data = get(results, "data", {})
    if data:
        found.append(tr(
            f"The cleaned log holds {num(data.get('transactions'))} purchase days of "
            f"{num(data.get('customers'))} customers, and {pct(data.get('share_one_time_buyers'))} "
            "of them bought only once.",
            f"清洗后的记录包含 {num(data.get('customers'))} 位客户的 {num(data.get('transactions'))} 个购买日，"
            f"其中 {pct(data.get('share_one_time_buyers'))} 的客户只购买过一次。",
        ))
    share = get(results, "pareto.top_share")
    if share is not None:
        q = pct(get(results, "pareto.q"), 0)
        ci = interval(get(results, "pareto.top_share_ci"))
        found.append(tr(
            f"The top {q} of customers account for {pct(share)} of "
            f"{get(results, 'pareto.value_measure', 'value')} (95% interval {ci}).",
            f"前 {q} 的客户贡献了 {pct(share)} 的价值（95% 区间 {ci}）。",
        ))
    model = get(results, "clv.recommended_model_name")
    total = get(results, "clv.summary.total_clv")
    if model and total is not None:
        found.append(tr(
            f"The recommended lifetime-value model ({model}) puts the customer base's expected "
            f"future value at {money(total, 0)}.",
            f"推荐的客户终身价值模型（{model}）估计现有客户的预期未来价值为 {money(total, 0)}。",
        ))
    median = get(results, "retention.km.median")
    if median is not None:
        found.append(tr(
            f"Half of the customers are lost within {num(median, 1)} periods (Kaplan–Meier median).",
            f"一半客户在 {num(median, 1)} 个周期内流失（Kaplan–Meier 中位数）。",
        ))
    return found


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    items = findings(results)
    if not items:
        return ""
    heading = tr("# Summary", "# 摘要")
    return heading + "\n\n" + "\n".join(f"{i}. {text}" for i, text in enumerate(items, 1)) + "\n"
