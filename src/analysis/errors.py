"""Errors that stop a study with a message a user can act on.

Every error about input names where the bad value was first seen: the file, the column, the row
(1-based, counting data rows after any header) and the value itself.
"""

from __future__ import annotations

from pathlib import Path


class StudyError(Exception):
    """Base class for errors that end a run with a clear message and a non-zero exit code."""

    exit_code = 1


class InputError(StudyError):
    """Bad input data or configuration: exit code 2."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
        value: object = None,
        has_value: bool | None = None,
    ):
        self.reason = message
        self.file = None if file is None else str(file)
        self.column = column
        self.row = row
        self.value = value
        where = []
        if self.file is not None:
            where.append(self.file)
        if column is not None:
            where.append(f"column '{column}'")
        if row is not None:
            where.append(f"row {row}")
        text = (": ".join([", ".join(where), message]) if where else message)
        if has_value if has_value is not None else value is not None:
            text += f" (value: {value!r})"
        super().__init__(text)


class ConfigError(InputError):
    """A configuration file that does not validate."""


class RenderError(StudyError):
    """The report could not be rendered."""

    exit_code = 3
