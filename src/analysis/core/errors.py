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


class SectionError(StudyError):
    """A chapter wrote a results section that its declared section model does not allow (an
    undeclared key, a value of the wrong type): a bug in the kit or in an added chapter, exit 1."""


class NotEstimable(Exception):
    """The data cannot support a model or a whole chapter: too few customers, nobody buying twice,
    all values equal, a model that diverges under every fallback.

    Not a :class:`StudyError`: the run catches it, records ``{"status": "not_estimable", "reason":
    ...}`` for the chapter (or the sub-model) and publishes the rest of the study. ``reason`` is one
    short English sentence, shown in the report (translated there when a translation exists).
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def not_estimable(reason: str) -> dict[str, str]:
    """The record of a chapter or sub-model that the data cannot support."""
    return {"status": "not_estimable", "reason": reason}
