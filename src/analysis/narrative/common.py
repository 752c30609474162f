"""Shared pieces of the report text: number formats, figure and table embedding.

Every number in the report is formatted here from a value in ``results.json``, so a test can
recompute the text from the JSON and compare. Text from data or config (a study's source, a column
name, a segment value, a table cell, a caption) goes into the markdown through
:func:`escape_markdown` or :func:`code_span` (``analysis.render.escape``), never as it is.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..render.escape import escape_markdown, restore_formulas


def get(results: dict, dotted: str, default: Any = None) -> Any:
    """``get(results, "pareto.top_share")``: a nested value, or ``default`` when absent."""
    node: Any = results
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def num(value: float | None, digits: int = 0) -> str:
    """A number with thousands separators: ``num(2357) == "2,357"``, ``num(0.2431, 3) == "0.243"``."""
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage: ``pct(0.8123) == "81.2%"``."""
    if value is None:
        return "n/a"
    return f"{100 * value:.{digits}f}%"


def money(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.{digits}f}"


def pvalue(value: float | None) -> str:
    """A p-value: ``= 0.0123``, or ``< 0.0001`` when smaller."""
    if value is None:
        return "n/a"
    return "< 0.0001" if value < 0.0001 else f"= {value:.4f}"


def interval(bounds: list[float] | None, formatter=pct) -> str:
    if not bounds or any(b is None for b in bounds):
        return "n/a"
    return f"[{formatter(bounds[0])}, {formatter(bounds[1])}]"


def cell_text(value: Any) -> str:
    """A table cell as markdown: thousands separators for large numbers, three decimals for small
    ones; text escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return escape_markdown(value)
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1:
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:.3f}" if abs(value) >= 0.001 else f"{value:.2e}"


def figure_md(record: dict[str, Any]) -> str:
    """Embed a figure with its caption and a label, as Quarto and pandoc both read it."""
    label = "fig-" + record["name"].replace("_", "-")
    caption = escape_markdown(record["caption"])
    return f"![{caption}]({record['path']}){{#{label}}}\n"


def table_md(record: dict[str, Any], *, max_rows: int = 30) -> str:
    """A pipe table read from the saved CSV (``record["file"]``, absolute), with its caption."""
    path = Path(record.get("file", record["path"]))
    frame = restore_formulas(pd.read_csv(path, index_col=0 if record.get("index") else None))
    if len(frame) > max_rows:
        frame = frame.head(max_rows)
    shown = frame.astype(object).map(cell_text)
    shown.columns = [cell_text(name) for name in shown.columns]
    shown.index = pd.Index([cell_text(name) for name in shown.index],
                           name=None if shown.index.name is None else cell_text(shown.index.name))
    text = shown.to_markdown(index=bool(record.get("index")), disable_numparse=True)
    label = "tbl-" + record["name"].replace("_", "-")
    return f"{text}\n\n: {escape_markdown(record['caption'])} {{#{label}}}\n"


def attachments(figures: list[dict[str, Any]], tables: list[dict[str, Any]]) -> list[str]:
    """A chapter's tables, then its figures, as markdown blocks."""
    blocks = [""]
    for record in tables:
        blocks += [table_md(record), ""]
    for record in figures:
        blocks += [figure_md(record), ""]
    return blocks


def missing(chapter: str, what: str) -> str:
    return f"*The {chapter} analysis did not produce {what} for this study.*\n"


def period_name(period: str) -> str:
    """The analysis period as a word in the report's language (``week`` → ``week``/``周``)."""
    from ..i18n import tr

    return {"day": tr("day", "天"), "week": tr("week", "周"), "month": tr("month", "月")}.get(period, period)

