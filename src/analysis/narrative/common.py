"""Shared pieces of the report text: number formats, figure and table embedding.

Every number in the report is formatted here from a value in ``results.json``, so a test can
recompute the text from the JSON and compare. Text from data or config (a study's source, a column
name, a segment value, a table cell, a caption) goes into the markdown through
:func:`escape_markdown` or :func:`code_span` (``analysis.report.escape``), never as it is.
"""

from __future__ import annotations

import contextvars
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..clv.settings import MODEL_NAMES
from ..report.escape import escape_markdown, restore_formulas


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
    from ..core.i18n import tr

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
    from ..core.i18n import tr

    return {"day": tr("day", "天"), "week": tr("week", "周"), "month": tr("month", "个月"),
            "opportunity": tr("opportunity", "次机会")}.get(period, period)


# The Chinese text of each reason the analyses give for a chapter or model the data cannot support
# (analysis.core.errors.NotEstimable); a reason not listed here is shown in English.
NOT_ESTIMABLE_ZH = {
    "too few customers to measure how value is concentrated": "客户太少，无法衡量价值的集中程度",
    "no customer has a positive value, so no share of value can be measured": "没有客户的价值为正，无法衡量价值占比",
    "too few customers with a positive value to fit a power-law tail": "价值为正的客户太少，无法拟合幂律尾部",
    "all customers have the same value, so there is no tail to fit": "所有客户的价值相同，没有可拟合的尾部",
    "total profit is not positive, so the whale curve is undefined": "总利润不为正，鲸鱼曲线无定义",
    "no customer bought in the first half of the window, so persistence cannot be measured":
        "窗口前半段没有客户购买，无法衡量头部客户的持续性",
    "too few customers to fit a repeat-purchase model": "客户太少，无法拟合重复购买模型",
    "no customer made a first purchase before calibration_end": "在 calibration_end 之前没有客户首次购买",
    "nobody bought twice, so repeat-purchase models cannot be fitted": "没有客户购买过两次，无法拟合重复购买模型",
    "no repeat buyer has a positive spend, so the spend model cannot be fitted": "没有金额为正的重复购买者，无法拟合消费金额模型",
    "no repeat-purchase model gave finite estimates": "没有一个重复购买模型给出有限的估计值",
    "the holdout window after calibration_end is empty": "calibration_end 之后的验证期为空",
    "nobody bought in the holdout window, so the forecasts cannot be judged": "验证期内无人购买，无法检验预测",
    "too few customers for a survival analysis": "客户太少，无法进行生存分析",
    "all purchases fall in one month, so no cohort can be followed after its first month":
        "所有购买都在同一个月内，无法追踪任何获客批次首月之后的情况",
    "too few churns to fit a Cox model": "流失客户太少，无法拟合 Cox 模型",
    "no covariate varies between customers, so the Cox model has nothing to estimate": "协变量在客户之间没有差异，Cox 模型无可估计",
    "the Cox model's information matrix is singular": "Cox 模型的信息矩阵奇异",
    "the Cox model gave no finite estimates under any fitting method": "Cox 模型在所有拟合方法下都没有给出有限的估计值",
    "too few churns to check proportional hazards": "流失客户太少，无法检验比例风险假设",
    "all churns happen at the same time, so proportional hazards cannot be checked": "所有流失发生在同一时间，无法检验比例风险假设",
    "too few customers of each outcome to fit and test a churn model": "流失与未流失的客户太少，无法拟合和检验流失模型",
}
for _name in MODEL_NAMES.values():
    NOT_ESTIMABLE_ZH[f"the {_name} fit hit a singular matrix"] = f"{_name} 拟合遇到奇异矩阵"
    NOT_ESTIMABLE_ZH[f"the {_name} fit gave no finite estimates"] = f"{_name} 拟合没有给出有限的估计值"
    NOT_ESTIMABLE_ZH[f"the {_name} fit gave no finite estimates on the whole window"] = f"{_name} 在整个窗口上的拟合没有给出有限的估计值"
CHAPTER_NAMES = {
    "data": ("Data", "数据"), "pareto": ("80/20", "二八定律"), "clv": ("Customer lifetime value", "客户终身价值"),
    "retention": ("Retention", "客户保留"), "segments": ("Segments", "客户细分"), "case_study": ("Case study", "案例研究"),
}
PART_NAMES = {
    "tail": ("power-law tail", "幂律尾部"), "persistence": ("persistence of top customers", "头部客户的持续性"), "profit": ("whale curve", "鲸鱼曲线"),
    "holdout": ("holdout check", "验证期检验"), "cox": ("Cox model", "Cox 模型"),
    "ph_check": ("proportional-hazards check", "比例风险检验"), "cohorts": ("cohort retention", "获客批次留存"), "churn_model": ("churn model", "流失模型"),
    **{key: (name, name) for key, name in MODEL_NAMES.items()},
}


def is_not_estimable(record: Any) -> bool:
    """Whether a chapter's section or a model's result says the data cannot support it."""
    return isinstance(record, dict) and record.get("status") == "not_estimable"


def reason_text(reason: str) -> str:
    """A not-estimable reason in the report's language."""
    from ..core.i18n import tr

    required = reason.removeprefix("requires ")
    if required != reason:
        en, zh = CHAPTER_NAMES.get(required, (required, required))
        return tr(f"requires the {en} chapter, which was not estimable", f"需要“{zh}”一章，而该章无法估计")
    return tr(reason, NOT_ESTIMABLE_ZH.get(reason, reason))


def not_estimable_sentence(record: dict, what: tuple[str, str] | None = None) -> str:
    """``*Not estimable: <reason>.*``, or ``*The <what> is not estimable: <reason>.*``."""
    from ..core.i18n import tr

    reason = reason_text(record.get("reason", ""))
    if what is None:
        return tr(f"*Not estimable: {reason}.*", f"*无法估计：{reason}。*")
    return tr(f"*The {what[0]} is not estimable: {reason}.*", f"*{what[1]}无法估计：{reason}。*")


def not_estimable_parts(results: dict) -> list[dict[str, str]]:
    """Every chapter and model the data could not support, in chapter order: ``{"chapter", "part",
    "reason"}`` with ``part`` None for a whole chapter."""
    found = []
    for chapter in CHAPTER_NAMES:
        section = results.get(chapter)
        if not isinstance(section, dict):
            continue
        if is_not_estimable(section):
            found.append({"chapter": chapter, "part": None, "reason": section.get("reason", "")})
            continue
        for part, value in section.items():
            if is_not_estimable(value):
                found.append({"chapter": chapter, "part": part, "reason": value.get("reason", "")})
            elif isinstance(value, dict) and is_not_estimable(value.get("ph_check")):
                found.append({"chapter": chapter, "part": "ph_check", "reason": value["ph_check"].get("reason", "")})
    return found


def part_text(item: dict[str, str]) -> str:
    """``80/20 — whale curve: not estimable: <reason>`` in the report's language."""
    from ..core.i18n import tr

    chapter = CHAPTER_NAMES.get(item["chapter"], (item["chapter"], item["chapter"]))
    part = PART_NAMES.get(item["part"], (item["part"], item["part"])) if item["part"] else None
    reason = reason_text(item["reason"])
    if part is None:
        return tr(f"{chapter[0]}: not estimable: {reason}.", f"{chapter[1]}：无法估计：{reason}。")
    return tr(f"{chapter[0]} — {part[0]}: not estimable: {reason}.", f"{chapter[1]}——{part[1]}：无法估计：{reason}。")
