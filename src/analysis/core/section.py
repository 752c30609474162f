"""Typed results sections: what each chapter writes to ``results.json``, declared beside the chapter.

A chapter's section is a pydantic model (:class:`Section`: every key declared, ``extra="forbid"``,
strict types) or a union of models told apart by a tag (a chapter with one shape per kind of data),
named in the chapter's registry line. The pipeline checks the section when the chapter's notebook
finishes, and every section again before it writes ``results.json``; a key that is not declared or
a value of the wrong type stops the run with a :class:`SectionError` naming the chapter, the key and
the value. Checking reads the section and writes nothing: ``results.json`` keeps its bytes.

A chapter the data cannot support has the section ``{"status": "not_estimable", "reason": ...}``
(:class:`NotEstimableSection`) whatever its model; a model inside a chapter that the data cannot
support is a :data:`NotEstimableRecord` in place of its result.

Imports pydantic only: the registry imports every section model. Section modules leave out
``from __future__ import annotations`` and build their schemas on first use (``defer_build``): with
string annotations pydantic compiles each one when the class is made, which doubled their import time.
"""

from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Discriminator, TypeAdapter, ValidationError

from .errors import SectionError

# a table saved with ``DataFrame.to_dict(orient="records")``: one dict per row, keyed by column
TableRecords = list[dict[str, Any]]


class Section(BaseModel):
    """The top-level keys of a chapter's section: each declared with its type (JSON types: a float
    field accepts a whole number, an int field no float and no bool). ``status`` is set by the
    pipeline once the notebook has finished."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    status: Literal["ok"]


class NotEstimableRecord(BaseModel):
    """A chapter or a model inside it that the data cannot support
    (:func:`analysis.core.errors.not_estimable`)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    status: Literal["not_estimable"]
    reason: str


class NotEstimableSection(NotEstimableRecord):
    """The whole section of a chapter that is not estimable (the pipeline replaces whatever the
    notebook saved before it stopped)."""


@cache
def tagged_by(key: str, default: str) -> Discriminator:
    """The discriminator of a section with one shape per kind of data: the shape is named by the
    section's ``key`` (``default`` when it has none, or is not a mapping)."""

    def tag(section: Any) -> str:
        return section.get(key, default) if isinstance(section, dict) else default

    return Discriminator(tag)


def _adapter(section: Any) -> TypeAdapter:
    return TypeAdapter(section)


def check_section(chapter: str, section: Any, data: Mapping[str, Any]) -> None:
    """Check a chapter's section (``data``, as read back from its JSON file) against its declared
    ``section`` type; a section that is not estimable is checked against :class:`NotEstimableSection`.

    Raises
    ------
    SectionError
        Naming the chapter, the first offending key (dotted, from the section's top) and its value.
    """
    not_estimable = isinstance(data, Mapping) and data.get("status") == "not_estimable"
    declared = NotEstimableSection if not_estimable else section
    try:
        _adapter(declared).validate_python(data, strict=True)
    except ValidationError as exc:
        raise SectionError(_message(chapter, declared, exc)) from None


def _message(chapter: str, declared: Any, exc: ValidationError) -> str:
    # a union member that does not apply (the not-estimable record beside a fit) explains least
    errors = sorted(exc.errors(include_url=False), key=lambda e: NotEstimableRecord.__name__ in e["loc"])
    error = errors[0]
    members = _members(declared)
    loc = error["loc"]
    name = members.get(loc[0], "") if loc else ""
    name = name or getattr(declared, "__name__", "section")
    key = _key(chapter, loc, members)
    value = _short(error.get("input"))
    others = {_key(chapter, e["loc"], members) for e in errors if NotEstimableRecord.__name__ not in e["loc"]} - {key}
    more = f"; also wrong: {', '.join(sorted(others))}" if others else ""
    if error["type"] == "extra_forbidden":
        return (f"chapter {chapter} wrote the key '{key}', which its section {name} does not declare "
                f"(value: {value}); declare it in the chapter's section model{more}")
    if error["type"] == "missing":
        return f"chapter {chapter} did not write the key '{key}', which its section {name} requires{more}"
    if error["type"] == "union_tag_invalid":
        context = error.get("ctx", {})
        return (f"chapter {chapter} wrote a section of no declared shape (tag {context.get('tag')!r}; "
                f"the shapes: {context.get('expected_tags')})")
    message = error["msg"][:1].lower() + error["msg"][1:]
    return f"chapter {chapter} wrote '{key}' = {value}: {message} (section {name}){more}"


def _key(chapter: str, loc: tuple, members: dict[str, str]) -> str:
    """The dotted key of an error's location, without the tag and the union members pydantic puts
    between the keys."""
    if loc and loc[0] in members:  # a tagged union names its member first
        loc = loc[1:]
    return ".".join([chapter, *(str(part) for part in loc if not _is_member_label(part))])


@cache
def _members(declared: Any) -> dict[str, str]:
    """The tags of a tagged union's members (``Annotated[Model, Tag("discrete")]``) and their model names."""
    members: dict[str, str] = {}
    for arg in get_args(declared):
        for member in get_args(arg) or (arg,):
            for meta in getattr(member, "__metadata__", ()):
                tag = getattr(meta, "tag", None)
                if isinstance(tag, str):
                    members[tag] = getattr(get_args(member)[0], "__name__", tag)
    return members


def _is_member_label(part: Any) -> bool:
    """A location step that names which member of a union was tried (``ModelFit``, ``int``,
    ``list[float]``), not a key: pydantic puts these between the keys."""
    if not isinstance(part, str):
        return False
    return part in _LABELS or "[" in part or part in _model_names()


_LABELS = frozenset({"int", "float", "str", "bool", "none", "list", "dict"})


def _model_names() -> frozenset[str]:
    names, pending = set(), [BaseModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            names.add(sub.__name__)
            pending.append(sub)
    return frozenset(names)


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
