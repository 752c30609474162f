"""Behavioural loyalty read from the transaction log alone (every study, survey or not).

- repeat-purchase rate: share of customers with at least one repeat purchase day (``frequency``
  >= 1 in the customer summary), with its Wilson interval;
- the loyalty ladder (Raphel & Raphel 1995; Christopher, Payne & Ballantyne 1991), with the rule
  stated by its two parameters:

  * one-time buyer: no repeat purchase (``frequency == 0``);
  * loyal customer: at least ``min_repeat`` repeat purchases *and* a purchase within the last
    ``active_within`` periods of the window (``T - recency <= active_within``);
  * repeat buyer: every other customer with a repeat purchase;

- return rate, when the log holds returns (negative amounts, or a flag): share of lines, of value
  and of customers with a return.

References
----------
Raphel, M. & Raphel, N. (1995). *Up the Loyalty Ladder*. HarperBusiness.
Christopher, M., Payne, A. & Ballantyne, D. (1991). *Relationship Marketing*. Butterworth-Heinemann.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import LOYALTY_LADDER
from .intervals import wilson_interval


def repeat_purchase_rate(summary: pd.DataFrame, level: float = 0.95) -> dict[str, float]:
    """Share of customers with ``frequency`` >= 1, with its Wilson interval."""
    n = len(summary)
    repeaters = int((summary["frequency"] >= 1).sum())
    lower, upper = wilson_interval(repeaters, n, level)
    return {"customers": n, "repeat_customers": repeaters, "rate": repeaters / n if n else np.nan,
            "lower": lower, "upper": upper}


def loyalty_ladder(summary: pd.DataFrame, min_repeat: int = 2, active_within: float = 26.0) -> pd.DataFrame:
    """Customers on each step of the ladder under the stated rule (see the module docstring).

    Parameters
    ----------
    min_repeat : repeat purchases needed to count as loyal (default 2, i.e. three purchase days)
    active_within : periods (the summary's unit) since the last purchase within which a loyal
        customer must have bought (default 26: half a year in weeks)

    Returns
    -------
    DataFrame indexed by step (one_time, repeat, loyal): customers, share, English and Chinese
    labels; ``attrs`` holds the rule's parameters and ``step`` of each customer is in
    :func:`loyalty_step`.
    """
    steps = loyalty_step(summary, min_repeat, active_within)
    counts = steps.value_counts().reindex(list(LOYALTY_LADDER), fill_value=0)
    table = pd.DataFrame({"customers": counts, "share": counts / max(len(summary), 1)})
    table["label_en"] = [LOYALTY_LADDER[key]["en"] for key in table.index]
    table["label_zh"] = [LOYALTY_LADDER[key]["zh"] for key in table.index]
    table.index.name = "step"
    table.attrs.update(min_repeat=min_repeat, active_within=active_within)
    return table


def loyalty_step(summary: pd.DataFrame, min_repeat: int = 2, active_within: float = 26.0) -> pd.Series:
    """Each customer's step: one_time, repeat or loyal."""
    if min_repeat < 1:
        raise ValueError("min_repeat must be at least 1")
    frequency = summary["frequency"]
    active = (summary["T"] - summary["recency"]) <= active_within
    step = np.select([frequency == 0, (frequency >= min_repeat) & active], ["one_time", "loyal"], default="repeat")
    return pd.Series(step, index=summary.index, name="step")


def return_rates(transactions: pd.DataFrame, is_return: pd.Series | None = None,
                 amount: str = "amount", customer: str = "customer_id", level: float = 0.95) -> dict[str, float] | None:
    """Share of lines, of gross value and of customers with a return; None when there are none.

    A return is a line with ``is_return`` true, by default a negative ``amount``. The value share
    is returned value / gross purchased value (both positive sums).
    """
    flags = transactions[amount] < 0 if is_return is None else is_return.astype(bool)
    if not flags.any():
        return None
    lines, returned_lines = len(transactions), int(flags.sum())
    values = transactions[amount].abs()
    customers = transactions[customer].nunique()
    returning = transactions.loc[flags, customer].nunique()
    line_lower, line_upper = wilson_interval(returned_lines, lines, level)
    customer_lower, customer_upper = wilson_interval(returning, customers, level)
    return {
        "lines": lines, "return_lines": returned_lines, "line_rate": returned_lines / lines,
        "line_lower": line_lower, "line_upper": line_upper,
        "value_rate": float(values[flags].sum() / values[~flags].sum()) if (~flags).any() else np.nan,
        "customers": customers, "returning_customers": returning, "customer_rate": returning / customers,
        "customer_lower": customer_lower, "customer_upper": customer_upper,
    }
