"""Text from data or config made inert in every output the kit writes.

The report source is pandoc markdown, rendered to HTML and, through Typst, to PDF. A segment value,
a column name or a study title is data: it must read as the same characters in every output and
never as markup. Escaping it once, for markdown, is enough: with every ASCII punctuation
character backslash-escaped (pandoc's ``all_symbols_escapable``), pandoc parses the text as plain
``Str`` and its writers escape it for HTML (``<`` → ``&lt;``) and for Typst (``@`` → ``\\@``).
Without it, ``<img …>`` is a live tag, ``@name`` a Typst citation that stops the PDF, ``$x$``
math and ``\\textbf{a}`` raw TeX.

Table CSV files get their own treatment: a spreadsheet runs a cell that starts with ``=``, ``+``,
``-``, ``@``, tab or carriage return as a formula, so such text cells are written behind a single
quote (OWASP, "CSV Injection").
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

# Every ASCII punctuation character: pandoc markdown gives each a meaning somewhere (emphasis,
# code, links, citations, math, raw HTML, attributes, lists, headings, tables, smart quotes and
# dashes, sub/superscript, footnotes); escaped, each is a literal character.
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
# Line breaks would end a table row or start a heading or list; other control characters have no
# business in a report.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def escape_markdown(text: Any) -> str:
    """``text`` as pandoc markdown that renders to exactly its characters.

    Control characters and line breaks become one space each run; every ASCII punctuation
    character is backslash-escaped; everything else (letters, digits, Chinese, other Unicode)
    passes through: ``escape_markdown("@x <b>")`` is ``\\@x \\<b\\>`` (one backslash each).
    """
    flat = _CONTROL.sub(" ", str(text))
    return _PUNCTUATION.sub(r"\\\1", flat)


def code_span(text: Any) -> str:
    """``text`` as an inline code span, whatever backticks it holds (CommonMark/pandoc: the fence
    is one backtick longer than the longest run inside, padded with spaces)."""
    flat = _CONTROL.sub(" ", str(text))
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {flat} " if longest or flat.startswith(" ") or flat.endswith(" ") else flat
    return f"{fence}{padded}{fence}"


def neutralise_formula(value: Any) -> Any:
    """A text cell as written to CSV: behind a ``'`` when a spreadsheet would read it as a formula
    (or when it already starts with ``'``, so that :func:`restore_formula` is exact). Numbers
    and everything that is not text pass unchanged: ``-3.5`` stays a negative number."""
    if isinstance(value, str) and value.startswith((*FORMULA_START, _QUOTE)):
        return _QUOTE + value
    return value


def formula_guard_sql(text: str) -> str:
    """SQL for :func:`neutralise_formula` of a text column ``text`` (an SQL expression) of cells as
    read, where numbers are text too: a cell that parses as a number (``-3.5``, a negative amount)
    stays as it is, any other cell starting like a formula or with ``'`` goes behind a ``'``; so
    :func:`restore_formula` gives back every cell as read."""
    starts = ", ".join("'" + mark.replace("'", "''") + "'" for mark in (*FORMULA_START, _QUOTE))
    return (f"CASE WHEN left({text}, 1) IN ({starts}) AND TRY_CAST({text} AS DOUBLE) IS NULL "
            f"THEN '{_QUOTE * 2}' || {text} ELSE {text} END")


def restore_formula(value: Any) -> Any:
    """The inverse of :func:`neutralise_formula`, for reading a table CSV back."""
    if isinstance(value, str) and value.startswith(_QUOTE):
        return value[1:]
    return value


def _map_text(frame: pd.DataFrame, cell) -> pd.DataFrame:
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if column.dtype == object or isinstance(column.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            out.isetitem(position, column.astype(object).map(cell))
    out.columns = _map_labels(out.columns, cell)
    out.index = _map_labels(out.index, cell)
    return out


def _map_labels(labels: pd.Index, cell) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(cell(v) for v in t) for t in labels], names=labels.names)
    if labels.dtype != object and not isinstance(labels.dtype, (pd.StringDtype, pd.CategoricalDtype)):
        return labels
    return pd.Index([cell(v) for v in labels], name=cell(labels.name), dtype=object)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet: :func:`neutralise_formula` applied to
    every text cell, column name and index label."""
    return _map_text(frame, neutralise_formula)


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A table CSV as read back, with the formula guards of :func:`neutralise_formulas` removed."""
    return _map_text(frame, restore_formula)
