"""The chapters of a study, in one explicit, ordered registry.

A chapter is a results section of ``results.json`` and a chapter of the report. Most chapters are
computed by a parameterised notebook (one per kind of data they apply to) and worded by a narrative
module; a few (summary, reproducibility) are worded from the other chapters' results only. Adding a
chapter takes its folder (notebook, settings and section models, narrative module) and one line in
:data:`CHAPTERS`: the study config, the run order, the requirement checks, the cache keys and the
report all read this table.
"""

from __future__ import annotations

from .registry import (
    CHAPTERS,
    Chapter,
    chapter,
    chapter_of_notebook,
    chapters,
    notebooks_by_kind,
    plan_notebooks,
    registry,
    use_registry,
)

__all__ = ["CHAPTERS", "Chapter", "chapter", "chapter_of_notebook", "chapters", "notebooks_by_kind",
           "plan_notebooks", "registry", "use_registry"]
