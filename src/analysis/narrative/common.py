"""Shared pieces of the report text: number formats, figure and table embedding.

Every number in the report is formatted here from a value in ``results.json``, so a test can
recompute the text from the JSON and compare. Text from data or config (a study's source, a column
name, a segment value, a table cell, a caption) goes into the markdown through
:func:`escape_markdown` or :func:`code_span` (``analysis.render.escape``), never as it is.
"""

from __future__ import annotations

import contextvars
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
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


_currency: contextvars.ContextVar[str | None] = contextvars.ContextVar("report_currency", default=None)


def set_currency(symbol: str | None) -> None:
    """The symbol :func:`money` puts before amounts (``report.currency``); None: plain numbers."""
    _currency.set(symbol or None)


def currency_symbol() -> str | None:
    return _currency.get()


_period: contextvars.ContextVar[str] = contextvars.ContextVar("report_period", default="week")


def set_period(period: str) -> None:
    """The study's model period, for table headers with units."""
    _period.set(period)


def money(value: float | None, digits: int = 2) -> str:
    """An amount with the study's currency symbol, if it has one: ``$1,234.50``, ``−$3.00``,
    ``1,234.50`` (no currency configured)."""
    if value is None:
        return "n/a"
    sign = "−" if value < 0 else ""
    return f"{sign}{_currency.get() or ''}{abs(value):,.{digits}f}"


def pvalue(value: float | None) -> str:
    """A p-value as journals print it (APA): ``= 0.012``, ``= 0.43``, or ``< 0.001`` when smaller —
    never ``0.00e+00``."""
    if value is None:
        return "n/a"
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def pvalue_cell(value: float) -> str:
    """A p-value in a table: ``0.012``, or ``< 0.001``."""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


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
    if abs(value) >= 0.001 or value == 0:
        return f"{value:.3f}"
    # three significant digits in positional notation: a reader of a table should not need to
    # decode 1.23e-05
    return np.format_float_positional(value, precision=3, unique=False, fractional=False, trim="-")


def see_figure(name: str) -> str:
    """`` (Figure N)`` citing a figure of the report by number, resolved once the whole report is
    assembled (:func:`resolve_figure_citations`); nothing when the study has no such figure."""
    return f"\x00fig:{name}\x00"


def with_figure(sentence: str, name: str) -> str:
    """``sentence`` with a citation of figure ``name`` before its final full stop."""
    for stop in (".", "。"):
        if sentence.endswith(stop):
            return sentence[: -len(stop)] + see_figure(name) + stop
    return sentence + see_figure(name)


FIGURE_CITATION = re.compile(r"\x00fig:([\w-]+)\x00")
FIGURE_LABEL = re.compile(r"\{#fig-([\w-]+)[ }]")


def resolve_figure_citations(markdown: str) -> str:
    """Replace each :func:`see_figure` mark by " (Figure N)", N the figure's number in document order
    (the order in which pandoc's HTML filter, Typst and Quarto all number figures)."""
    from ..i18n import tr

    numbers = {label: i for i, label in enumerate(dict.fromkeys(FIGURE_LABEL.findall(markdown)), 1)}

    def cite(match: re.Match) -> str:
        number = numbers.get(match.group(1).replace("_", "-"))
        return tr(f" (Figure {number})", f"（图 {number}）") if number else ""

    return FIGURE_CITATION.sub(cite, markdown)


P_VALUE_COLUMNS = {"p_value", "p", "p_value_80", "p_value_80_holm", "pvalue", "p_value_holm"}


def figure_md(record: dict[str, Any]) -> str:
    """Embed a figure with its caption and a label, as Quarto and pandoc both read it."""
    label = "fig-" + record["name"].replace("_", "-")
    caption = escape_markdown(record["caption"])
    # 80% of the text width: a full-width chart is taller than the text it illustrates
    return f"![{caption}]({record['path']}){{#{label} width=80%}}\n"


def table_md(record: dict[str, Any], *, max_rows: int = 30) -> str:
    """A pipe table read from the saved CSV (``record["file"]``, absolute), with its caption."""
    path = Path(record.get("file", record["path"]))
    frame = restore_formulas(pd.read_csv(path, index_col=0 if record.get("index") else None))
    if len(frame) > max_rows:
        frame = frame.head(max_rows)
    shown = frame.astype(object).map(cell_text)
    from .columns import column_label
    for column in frame.columns:  # p-value columns as journals print them
        if str(column).lower().replace("-", "_") in P_VALUE_COLUMNS and pd.api.types.is_numeric_dtype(frame[column]):
            shown[column] = ["" if pd.isna(v) else pvalue_cell(v) for v in frame[column]]
    shown.columns = [escape_markdown(column_label(c, _period.get())) for c in shown.columns]
    shown.index = pd.Index([cell_text(name) for name in shown.index],
                           name=None if shown.index.name is None
                           else escape_markdown(column_label(shown.index.name, _period.get())))
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
    """The analysis period as a word in the report's language, in the form it takes after a number
    (``week`` → ``week`` / ``周``, ``month`` → ``month`` / ``个月``: "52 周", "12 个月", "30 天")."""
    from ..i18n import tr

    return {"day": tr("day", "天"), "week": tr("week", "周"), "month": tr("month", "个月"),
            "opportunity": tr("opportunity", "次机会")}.get(period, period)
