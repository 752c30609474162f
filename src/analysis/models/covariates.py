"""Customer covariates as a numeric design matrix, the way statsmodels formulas build one.

Numeric columns are used as they are. Text, categorical and boolean columns are expanded to one
indicator per level with the first level dropped (treatment coding, as patsy does for ``C(col)``):
a column ``country`` with levels France, Germany, UK becomes ``country[T.Germany]`` and
``country[T.UK]``, each coefficient the effect relative to France. Levels are sorted, except for a
pandas ``Categorical``, whose declared order is kept. The levels found when fitting are kept, so the
same columns are built for new customers (whose levels must be among them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


@dataclass(frozen=True)
class CovariateDesign:
    """How each covariate column becomes design columns: ``levels[column]`` is None for a numeric
    column, else the column's levels (the first is the reference)."""

    columns: tuple[str, ...]
    levels: dict[str, tuple | None]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> CovariateDesign:
        frame = as_frame(frame)
        levels: dict[str, tuple | None] = {}
        for column in frame.columns:
            series = frame[column]
            _check_complete(series, column)
            if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
                raise ValueError(f"covariate column {column!r} holds dates ({series.dtype}): convert them to a "
                                 "number (e.g. days since a reference date) or to categories first")
            if not _is_categorical(series):
                levels[column] = None
            elif isinstance(series.dtype, pd.CategoricalDtype):
                levels[column] = tuple(level for level in series.cat.categories if (series == level).any())
            else:
                levels[column] = tuple(sorted(series.unique(), key=lambda v: (str(type(v)), v)))
        return cls(tuple(frame.columns), levels)

    @property
    def names(self) -> list[str]:
        """Design column names: ``col`` for a numeric column, ``col[T.level]`` per non-reference level."""
        names = []
        for column in self.columns:
            levels = self.levels[column]
            names += [column] if levels is None else [f"{column}[T.{level}]" for level in levels[1:]]
        return names

    def names_of(self, columns) -> list[str]:
        """The design column names built from the given covariate columns."""
        return CovariateDesign(tuple(columns), {c: self.levels[c] for c in columns}).names

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Design matrix (rows × ``len(names)``) of customers' covariates, with the fitted levels."""
        frame = as_frame(frame)
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise ValueError(f"covariates lack the column(s) {missing} the model was fitted with")
        blocks = []
        for column in self.columns:
            series = frame[column]
            _check_complete(series, column)
            levels = self.levels[column]
            if levels is None:
                if _is_categorical(series):
                    raise ValueError(f"covariate column {column!r} was numeric when fitted, now {series.dtype}")
                blocks.append(series.to_numpy(dtype=float)[:, None])
                continue
            values = series.to_numpy(dtype=object)
            unknown = pd.unique(values[~pd.Series(values).isin(levels).to_numpy()])
            if len(unknown):
                raise ValueError(f"covariate column {column!r} has level(s) {list(unknown)[:5]} not seen when "
                                 f"fitting (levels: {list(levels)})")
            blocks.append(np.column_stack([values == level for level in levels[1:]]).astype(float)
                          if len(levels) > 1 else np.zeros((len(values), 0)))
        return np.hstack(blocks) if blocks else np.zeros((len(frame), 0))


def as_frame(covariates) -> pd.DataFrame:
    frame = covariates if isinstance(covariates, pd.DataFrame) else pd.DataFrame(covariates)
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise ValueError(f"covariates have duplicated column(s) {duplicated}")
    return frame.reset_index(drop=True)


def _check_complete(series: pd.Series, column: str) -> None:
    missing = series.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ValueError(f"covariate column {column!r} has a missing value in row {row} "
                         f"({int(missing.sum())} missing in all)")
    if not _is_categorical(series):
        values = series.to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"covariate column {column!r} has the non-finite value {values[row]} in row {row}")
