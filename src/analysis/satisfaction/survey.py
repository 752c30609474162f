"""Read a satisfaction survey and check it as strictly as the transaction log.

Every answer must be a number on its item's scale, a declared missing code or missing label (read
as missing), or blank (missing). Anything else stops the study with an :class:`~analysis.core.errors.InputError` naming
the file, the column, the row (1-based, counting data rows after the header) and the value.
Reverse-scored items are recoded as ``scale_min + scale_max - x`` after the check, so that a high
answer means a favourable opinion in every item.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import InputError
from .settings import SurveySettings

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xls": "xlsx", ".parquet": "parquet"}


@dataclass(frozen=True)
class SurveyTable:
    """A validated survey: answers as floats (NaN where missing), reverse items recoded."""

    answers: pd.DataFrame          # one row per respondent, the item columns (and overall/recommend)
    customer_ids: pd.Series | None
    path: Path
    missing: pd.Series             # per column: answers read as missing (blank or a missing code)
    missing_coded: pd.Series       # per column: of which declared missing codes
    reversed_items: tuple[str, ...]

    @property
    def respondents(self) -> int:
        return len(self.answers)

    def canonical(self) -> SurveyTable:
        """The same survey with its rows in a canonical order (by customer id when there is one,
        else by the answers, missing last), so that every result is the same, to the last bit,
        whatever the order of the file's rows."""
        if self.customer_ids is not None:
            order = self.customer_ids.sort_values(kind="stable").index
        else:
            order = self.answers.sort_values(list(self.answers.columns), kind="stable", na_position="last").index
        ids = None if self.customer_ids is None else self.customer_ids.loc[order].reset_index(drop=True)
        return SurveyTable(self.answers.loc[order].reset_index(drop=True), ids, self.path, self.missing,
                           self.missing_coded, self.reversed_items)


def read_table(path: Path, fmt: str = "auto") -> pd.DataFrame:
    """The survey file as text cells (so that a bad value is reported as written)."""
    if not path.exists():
        raise InputError("survey file not found", file=path)
    if fmt == "auto":
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise InputError("cannot tell the survey's format from its suffix; set survey.format",
                             file=path, value=path.suffix)
    try:
        if fmt == "csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif fmt == "xlsx":
            frame = pd.read_excel(path, dtype=object)
        else:
            frame = pd.read_parquet(path)
    except Exception as exc:  # the reader's own message, with the file it concerns
        raise InputError(f"cannot read as {fmt}: {str(exc).splitlines()[0]}", file=path) from exc
    if frame.empty:
        raise InputError("survey file has no data rows", file=path)
    return frame


def _as_numbers(cells: pd.Series, path: Path, missing_labels: frozenset[str] = frozenset()) -> pd.Series:
    """Cells as floats; blank or a missing label -> NaN; the first cell that is not a number raises."""
    if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        return cells.astype(float)
    text = cells.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
    text = text.where(~text.isin(missing_labels), "")
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numbers.isna() & (text != "")
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"not a number ({int(bad.sum())} such rows)", file=path, column=str(cells.name),
                         row=position + 1, value=cells.iloc[position])
    return numbers.astype(float)


def validate_survey(settings: SurveySettings, base: Path | None = None) -> SurveyTable:
    """Read ``settings.path`` (relative to ``base``) and validate every answer.

    Raises
    ------
    InputError
        A column is missing; an answer is not a number, is outside its item's scale (and is not a
        declared missing code); a customer id is blank or repeated.
    """
    path = Path(settings.path)
    if base is not None and not path.is_absolute():
        path = Path(base) / path
    frame = read_table(path, settings.format)
    frame.columns = [str(c) for c in frame.columns]
    answer_columns = list(settings.items)
    for extra in (settings.overall_item, settings.recommend_item):
        if extra is not None and extra not in answer_columns:
            answer_columns.append(extra)
    for column in [*answer_columns, *([settings.customer_id] if settings.customer_id else [])]:
        if column not in frame.columns:
            raise InputError("survey column is missing", file=path, column=column)

    missing_codes = np.array(settings.missing_codes, dtype=float)
    missing_labels = frozenset(label.strip() for label in settings.missing_labels)
    answers, missing, coded = {}, {}, {}
    for column in answer_columns:
        values = _as_numbers(frame[column], path, missing_labels)
        is_code = values.isin(missing_codes) if missing_codes.size else pd.Series(False, index=values.index)
        lo, hi = settings.bounds(column)
        outside = values.notna() & ~is_code & ((values < lo) | (values > hi))
        if outside.any():
            position = int(np.flatnonzero(outside.to_numpy())[0])
            raise InputError(f"outside the answer scale {lo:g}-{hi:g} and not a declared missing code "
                             f"({int(outside.sum())} such rows)", file=path, column=column, row=position + 1,
                             value=frame[column].iloc[position])
        values = values.mask(is_code)
        if column in settings.reverse_items:
            values = lo + hi - values
        answers[column] = values
        missing[column] = int(values.isna().sum())
        coded[column] = int(is_code.sum())

    customer_ids = None
    if settings.customer_id:
        ids = frame[settings.customer_id]
        text = ids.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
        blank = text == ""
        if blank.any():
            position = int(np.flatnonzero(blank.to_numpy())[0])
            raise InputError("customer id is blank", file=path, column=settings.customer_id,
                             row=position + 1, value=ids.iloc[position], has_value=True)
        repeated = text.duplicated(keep="first")
        if repeated.any():
            position = int(np.flatnonzero(repeated.to_numpy())[0])
            raise InputError("customer id answers the survey twice", file=path, column=settings.customer_id,
                             row=position + 1, value=ids.iloc[position])
        customer_ids = text.rename("customer_id")

    return SurveyTable(
        answers=pd.DataFrame(answers, index=frame.index),
        customer_ids=customer_ids,
        path=path,
        missing=pd.Series(missing, name="missing"),
        missing_coded=pd.Series(coded, name="missing_coded"),
        reversed_items=tuple(settings.reverse_items),
    )
