"""The report's opening: what the study found, one sentence and one number per finding."""

from __future__ import annotations

from .common import get, interval, money, num, pct


def findings(results: dict) -> list[str]:
    """Findings for which this study has numbers, in the order of the report's chapters."""
    found: list[str] = []
    data = get(results, "data", {})
    if data:
        found.append(
            f"The cleaned log holds {num(data.get('transactions'))} purchase days of "
            f"{num(data.get('customers'))} customers, and {pct(data.get('share_one_time_buyers'))} "
            "of them bought only once."
        )
    share = get(results, "pareto.top_share")
    if share is not None:
        found.append(
            f"The top {pct(get(results, 'pareto.q'), 0)} of customers account for {pct(share)} of "
            f"{get(results, 'pareto.value_measure', 'value')} "
            f"(95% interval {interval(get(results, 'pareto.top_share_ci'))})."
        )
    model = get(results, "clv.recommended_model")
    total = get(results, "clv.summary.total_clv")
    if model and total is not None:
        found.append(
            f"The recommended lifetime-value model ({model}) puts the customer base's expected "
            f"future value at {money(total, 0)}."
        )
    median = get(results, "retention.km.median")
    if median is not None:
        found.append(f"Half of the customers are lost within {num(median, 1)} periods (Kaplan–Meier median).")
    return found


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    items = findings(results)
    if not items:
        return ""
    return "# Summary\n\n" + "\n".join(f"{i}. {text}" for i, text in enumerate(items, 1)) + "\n"
