"""The chapter registry: which chapters a study has, in which order, computed by which notebook,
configured by which settings, and depending on which other chapters.

Nothing here imports an analysis: settings and section models are small pydantic classes,
notebooks are files, and a chapter's narrative module is named (imported when the report is
written, and an import error there stops the run instead of dropping the chapter).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..clv.section import ClvSection
from ..clv.settings import ClvSettings
from ..core.errors import ConfigError
from ..core.paths import NOTEBOOKS_DIR
from ..data.section import DataSection
from ..pareto.section import ParetoSection
from ..pareto.settings import ParetoSettings
from ..retention.section import RetentionSection
from ..retention.settings import RetentionSettings
from ..satisfaction.section import SatisfactionSection
from ..satisfaction.settings import SurveySettings
from ..segments.section import SegmentsSection
from ..segments.settings import SegmentSettings
from .case_study.section import CaseStudySection

KINDS = ("transactions", "contractual", "opportunity")
# a chapter added to the kit lives in its own folder here (notebook, settings, section, narrative)
CHAPTERS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Chapter:
    """One chapter: a results section of ``results.json`` and a chapter of the report.

    Parameters
    ----------
    name : str
        The results section the chapter writes (it writes no other) and its report chapter.
    section : type or str, optional
        What the chapter writes to its results section: a pydantic model of its keys
        (:class:`analysis.core.section.Section`), or a tagged union of such models, one per shape;
        or, for a chapter in its own folder, the model's dotted path
        (``"analysis.chapters.toy.section.ToySection"``, imported when first checked, as the
        narrative module is). Checked when the notebook finishes and before ``results.json`` is
        written. Required for a chapter with a notebook; None for a chapter worded from the others'
        results.
    notebooks : mapping of str to str
        For each kind of data the chapter applies to, the stem of the notebook that computes it.
        Empty for a chapter worded from the other chapters' results (it has no section of its own).
    requires : tuple of str
        Chapters that must have run, and be estimable, for this one to be: they run first, a run
        asking for this chapter alone runs them too, and when one of them is not estimable neither
        is this chapter.
    reads : tuple of str
        Chapters whose results this one uses when they are there (it runs after them when both run,
        and its cached result depends on theirs), but does without.
    settings : str, optional
        The key of the chapter's own section in the study config, validated by ``settings_model``.
    settings_model : pydantic model class, optional
    settings_required : bool
        False: the section may be absent (``None`` in the config), and the chapter reads that as
        "not configured" (the survey); True: absent means the model's defaults.
    uses_settings : tuple of str
        Other config sections the chapter reads (they are part of its cache key).
    narrative : str, optional
        The module (dotted path) whose ``chapter(results, figures, tables)`` words it in the report.
    new_page : bool
        In the PDF the chapter starts on a new page, so that no floating figure drifts into the next.
    notebook_dir : Path
        Where the notebooks are.
    files : tuple of str
        Files the chapter writes in the run folder besides its section, notebook, figures and tables
        (relative paths): its cache entry keeps them even when another chapter runs beside it.
    """

    name: str
    notebooks: Mapping[str, str] = field(default_factory=dict)
    section: Any = None
    requires: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    settings: str | None = None
    settings_model: type[BaseModel] | None = None
    settings_required: bool = True
    uses_settings: tuple[str, ...] = ()
    narrative: str | None = None
    new_page: bool = False
    notebook_dir: Path = NOTEBOOKS_DIR
    files: tuple[str, ...] = ()

    def notebook(self, kind: str) -> Path | None:
        stem = self.notebooks.get(kind)
        return None if stem is None else self.notebook_dir / f"{stem}.ipynb"

    def section_model(self) -> Any:
        """The declared section type (a dotted path imported here)."""
        if not isinstance(self.section, str):
            return self.section
        module, _, name = self.section.rpartition(".")
        return getattr(importlib.import_module(module), name)

    @property
    def settings_sections(self) -> tuple[str, ...]:
        """Every config section the chapter reads, its own first."""
        own = (self.settings,) if self.settings else ()
        return own + tuple(s for s in self.uses_settings if s != self.settings)


# Report order. Notebooks run in this order too, which puts every chapter after those it requires or
# reads (checked by tests/test_chapters.py).
CHAPTERS: tuple[Chapter, ...] = (
    Chapter("summary", narrative="analysis.narrative.summary"),
    Chapter("data", notebooks={"transactions": "01_data"}, section=DataSection, narrative="analysis.narrative.data"),
    Chapter("pareto", notebooks={"transactions": "02_pareto"}, section=ParetoSection, requires=("data",), settings="pareto",
            settings_model=ParetoSettings, uses_settings=("analysis",), narrative="analysis.narrative.pareto",
            new_page=True),
    Chapter("clv", notebooks={"transactions": "03_clv", "opportunity": "03_clv_opportunity"}, section=ClvSection,
            requires=("data",), settings="clv", settings_model=ClvSettings, uses_settings=("analysis", "pareto"),
            narrative="analysis.narrative.clv", new_page=True, files=("tables/predictions.parquet",)),
    Chapter("retention", notebooks={"transactions": "04_retention", "contractual": "04_retention"}, section=RetentionSection,
            requires=("data",), reads=("clv",), settings="retention", settings_model=RetentionSettings, uses_settings=("analysis",),
            narrative="analysis.narrative.retention", new_page=True),
    Chapter("segments", notebooks={"transactions": "05_segments"}, section=SegmentsSection, requires=("data",), reads=("clv",),
            settings="segments", settings_model=SegmentSettings, uses_settings=("analysis", "pareto", "clv"),
            narrative="analysis.narrative.segments", new_page=True),
    Chapter("satisfaction", notebooks={"transactions": "07_satisfaction"}, section=SatisfactionSection,
            requires=("data",), reads=("clv",), settings="survey", settings_model=SurveySettings, settings_required=False, uses_settings=("analysis",),
            narrative="analysis.narrative.satisfaction", new_page=True, files=("tables/survey_simulated.csv",)),
    Chapter("case_study", notebooks={"transactions": "06_case_study", "contractual": "06_case_study"},
            section=CaseStudySection, requires=("data",), reads=("pareto", "clv", "retention", "segments", "satisfaction"),
            uses_settings=("analysis",), narrative="analysis.narrative.case_study", new_page=True),
    Chapter("reproducibility", narrative="analysis.narrative.reproducibility"),
)

_active: tuple[Chapter, ...] = CHAPTERS


def registry() -> tuple[Chapter, ...]:
    """The chapters in force (the kit's :data:`CHAPTERS` unless a test swapped them)."""
    return _active


@contextlib.contextmanager
def use_registry(chapter_table: tuple[Chapter, ...]) -> Iterator[None]:
    """Run with another chapter table in this process (tests; a notebook kernel still sees
    :data:`CHAPTERS`)."""
    global _active
    check_registry(chapter_table)
    previous, _active = _active, tuple(chapter_table)
    try:
        yield
    finally:
        _active = previous


def chapters(kind: str | None = None) -> tuple[Chapter, ...]:
    """The registered chapters, or those with a notebook for ``kind`` of data."""
    return tuple(c for c in registry() if kind is None or kind in c.notebooks)


def chapter(name: str) -> Chapter:
    for candidate in registry():
        if candidate.name == name:
            return candidate
    raise KeyError(f"no chapter named {name!r}; the chapters are {[c.name for c in registry()]}")


def chapter_of_notebook(stem: str) -> Chapter:
    """The chapter a notebook computes (``03_clv_opportunity`` → clv)."""
    for candidate in registry():
        if stem in candidate.notebooks.values():
            return candidate
    raise KeyError(f"no chapter is computed by a notebook named {stem!r}")


def notebooks_by_kind() -> dict[str, tuple[str, ...]]:
    """The notebooks a study runs by default, in order, for each kind of data."""
    return {kind: tuple(c.notebooks[kind] for c in chapters(kind)) for kind in KINDS}


def plan_notebooks(kind: str, wanted: list[str] | None) -> tuple[list[Chapter], list[str]]:
    """The chapters to run, in order, and the names of those added because a wanted one requires them.

    ``wanted`` names notebooks (``05_segments``) or chapters (``segments``); None means every chapter
    with a notebook for ``kind``. An unknown name, or one that does not apply to this kind of data,
    is a :class:`~analysis.core.errors.ConfigError`.
    """
    applicable = chapters(kind)
    if wanted is None:
        return list(applicable), []
    chosen: set[str] = set()
    for name in wanted:
        match = [c for c in registry() if name == c.name or name in c.notebooks.values()]
        if not match:
            known = sorted({stem for c in registry() for stem in c.notebooks.values()})
            raise ConfigError(f"report.notebooks names '{name}', which is neither a notebook nor a chapter of the kit "
                              f"(notebooks: {known})", value=name)
        if kind not in match[0].notebooks:
            raise ConfigError(f"report.notebooks names '{name}', which does not apply to {kind} data "
                              f"(it applies to: {sorted(match[0].notebooks)})", value=name)
        chosen.add(match[0].name)
    pulled: list[str] = []
    pending = list(chosen)
    while pending:
        for needed in chapter(pending.pop()).requires:
            if needed not in chosen and kind in chapter(needed).notebooks:
                chosen.add(needed)
                pulled.append(needed)
                pending.append(needed)
    return [c for c in applicable if c.name in chosen], sorted(pulled)


def check_registry(chapter_table: tuple[Chapter, ...]) -> None:
    """A registry is usable when names are unique, every requirement is a chapter listed earlier,
    no two chapters share a notebook or a settings key, and every chapter with a notebook declares
    its section."""
    seen: set[str] = set()
    notebooks: set[str] = set()
    settings: set[str] = set()
    for entry in chapter_table:
        if entry.name in seen:
            raise ValueError(f"chapter {entry.name!r} is registered twice")
        for needed in entry.requires + entry.reads:
            if needed not in seen:
                raise ValueError(f"chapter {entry.name!r} requires or reads {needed!r}, which is not registered before it")
        stems = set(entry.notebooks.values())
        if stems & notebooks:
            raise ValueError(f"chapter {entry.name!r} shares notebook(s) {sorted(stems & notebooks)} with another")
        if entry.settings:
            if entry.settings in settings:
                raise ValueError(f"chapter {entry.name!r} shares settings key {entry.settings!r} with another")
            if entry.settings_model is None:
                raise ValueError(f"chapter {entry.name!r} has a settings key but no settings model")
            settings.add(entry.settings)
        seen.add(entry.name)
        notebooks |= stems
    for entry in chapter_table:
        if entry.notebooks and entry.section is None:
            raise ValueError(f"chapter {entry.name!r} has a notebook but no section model (what it writes to results.json)")


check_registry(CHAPTERS)
