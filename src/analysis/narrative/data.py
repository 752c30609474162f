"""The data and method chapter."""

from __future__ import annotations

from .common import figure_md, get, money, num, pct, table_md

RULE_TEXT = {
    "missing_customer": "no customer id",
    "missing_date": "blank date",
    "missing_amount": "blank amount",
    "excluded_product": "excluded product code (postage, fees, adjustments)",
    "exact_duplicate": "exact duplicate of an earlier row",
    "cancellation": "cancellation",
    "cancellation_netted": "cancellation netted against the purchase it reverses",
    "cancellation_unmatched": "cancellation with no earlier matching purchase",
    "cancelled_in_full": "purchase cancelled in full",
    "nonpositive_amount": "zero or negative amount",
    "outside_window": "outside the observation window",
    "reduced_by_cancellation": "purchase reduced by a partial cancellation",
    "merged_same_day": "merged into another purchase by the same customer on the same day",
}


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    data = get(results, "data", {})
    cleaning = get(results, "cleaning", {})
    study = get(results, "study", {})
    lines = ["# Data and method", ""]
    source = study.get("source") or "the configured input file"
    lines.append(
        f"The study uses {source} (file `{study.get('input_file', '?')}`, "
        f"sha256 `{str(study.get('input_sha256', ''))[:12]}…`)."
    )
    if data:
        lines.append(
            f"After cleaning it holds {num(data.get('transactions'))} purchase days of "
            f"{num(data.get('customers'))} customers between {data.get('first_date')} and "
            f"{data.get('last_date')}, worth {money(data.get('total_value'))} in all; "
            f"{pct(data.get('share_one_time_buyers'))} of the customers bought on one day only."
        )
    period = study.get("period", "week")
    lines += [
        "",
        f"Time is measured in {period}s. A customer's purchases on one day count as one purchase "
        "occasion, as in the published buy-till-you-die analyses; `frequency` is the number of "
        "repeat purchase days, `recency` the time from the first to the last purchase, `T` the time "
        "from the first purchase to the end of the window.",
    ]
    cal = data.get("calibration")
    if cal:
        lines += [
            "",
            f"Models are fitted on the calibration window ending {study.get('calibration_end')} and "
            f"checked on the {num(cal.get('duration_holdout'), 1)}-{period} holdout after it: "
            f"{num(cal.get('customers'))} customers made {num(cal.get('repeat_transactions'))} "
            f"repeat purchases in calibration ({num(cal.get('repeat_buyers'))} repeat buyers) and "
            f"{num(cal.get('holdout_transactions'))} in the holdout.",
        ]
    if cleaning:
        dropped = cleaning.get("dropped", {})
        lines += [
            "",
            "## Cleaning",
            "",
            f"Of {num(cleaning.get('input_rows'))} input rows, {num(cleaning.get('kept_rows'))} were "
            f"kept and {num(cleaning.get('quarantined_rows'))} set aside in `quarantine.csv.gz` "
            "with their reason, so that no row is lost.",
        ]
        lines.append("")
        if dropped:
            for reason, count in dropped.items():
                lines.append(f"- {RULE_TEXT.get(reason, reason)}: {num(count)} rows dropped")
        for reason, count in cleaning.get("changed", {}).items():
            lines.append(f"- {RULE_TEXT.get(reason, reason)}: {num(count)} rows (kept)")
    lines.append("")
    for record in tables:
        lines += [table_md(record), ""]
    for record in figures:
        lines += [figure_md(record), ""]
    return "\n".join(lines)
