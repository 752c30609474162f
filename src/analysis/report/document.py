"""The report source (`report.qmd`), assembled from results.json, figures and tables.

The same source renders with Quarto or with plain pandoc: it uses only pandoc markdown that both
read (a YAML header, figures with `{#fig-…}` labels, pipe tables with captions) and no code cells.
Pandoc reads YAML header values as markdown too, so the title from the config is escaped like all
other text from data or config (``analysis.report.escape``).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml

from ..chapters import Chapter, registry
from ..core.i18n import set_language, tr
from ..core.jsonio import read_index, read_json
from ..narrative import common as narrative_text  # a module: narrative.common imports render.escape
from .escape import escape_markdown


def _narrative_module(entry: Chapter):
    """The chapter's narrative module; one that fails to import stops the report (no chapter is
    dropped silently)."""
    return None if entry.narrative is None else importlib.import_module(entry.narrative)


def build_document(run_dir: Path, *, title: str, lang: str = "en") -> Path:
    """Write ``report.qmd`` in the run folder and return its path."""
    run_dir = Path(run_dir)
    set_language(lang)
    results = read_json(run_dir / "results.json")
    if (run_dir / "manifest.json").exists():
        results["_manifest"] = read_json(run_dir / "manifest.json")
    narrative_text.set_currency((results.get("study") or {}).get("currency"))
    narrative_text.set_period((results.get("study") or {}).get("period") or "week")
    figures = _index(run_dir, "figures")
    tables = _index(run_dir, "tables")
    for record in tables:
        record["file"] = str(run_dir / record["path"])
    front = {
        "title": escape_markdown(title),
        **title_page(results),
        "lang": "zh-CN" if lang == "zh" else "en",
        "toc": True,
        "number-sections": True,
        "format": {
            "html": {"embed-resources": True, "toc": True, "fig-cap-location": "bottom"},
            "typst": {"toc": True, "papersize": "a4", "output-file": "report.pdf"},
        },
        "execute": {"echo": False},
        # Typst: figures float to the top or bottom of a page instead of leaving half pages empty;
        # table cells are set ragged and unhyphenated (justified, a narrow header cell was spread
        # word by word across its width and cut as "pare-tonbd")
        "header-includes": ["`#set figure(placement: auto)`{=typst}",
                            "`#show table: set par(justify: false)`{=typst}",
                            "`#show table: set text(hyphenate: false)`{=typst}"],
    }
    if lang == "zh":
        from .fonts import cjk_font_name

        # Typst and the HTML page both fall back to the CJK font for Chinese text
        front["mainfont"] = cjk_font_name()
        front["format"]["typst"]["mainfont"] = cjk_font_name()
    parts = ["---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n"]
    for entry in registry():
        module = _narrative_module(entry)
        if module is None:
            continue
        name = entry.name
        chapter_figures = [r for r in figures if r["chapter"] == name]
        chapter_tables = [r for r in tables if r["chapter"] == name]
        text = module.chapter(results, chapter_figures, chapter_tables)
        if text and text.strip():
            if entry.new_page:  # so that no floating figure drifts into the next chapter
                parts.append("```{=typst}\n#pagebreak(weak: true)\n```\n")
            parts.append(text.rstrip() + "\n")
    path = run_dir / "report.qmd"
    path.write_text(narrative_text.resolve_figure_citations("\n".join(parts)), encoding="utf-8")
    return path


def kit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customer-analytics-kit")
    except PackageNotFoundError:
        return "unknown"


def title_page(results: dict[str, Any]) -> dict[str, Any]:
    """Subtitle (the configured one, else the data period), author and organisation from the config,
    the date of the run and the kit's version: the front matter pandoc and Quarto put on the title
    page."""
    study = results.get("study") or {}
    page = study.get("title_page") or {}
    data = results.get("data") or {}
    period = (tr(f"Data from {data['first_date']} to {data['last_date']}", f"数据期间：{data['first_date']} 至 {data['last_date']}")
              if data.get("first_date") and data.get("last_date") else None)
    page = {key: escape_markdown(value) for key, value in page.items() if value}  # config text is data
    subtitle = page.get("subtitle") or period or tr("A reproducible customer-analytics case study", "可复现的客户分析案例研究")
    run_date = str((results.get("_manifest") or {}).get("started", ""))[:10]
    made_with = tr(f"customer-analytics-kit {kit_version()}", f"customer-analytics-kit {kit_version()}")
    front: dict[str, Any] = {"subtitle": subtitle}
    authors = [a for a in (page.get("author"), page.get("organisation")) if a]
    if authors:
        front["author"] = authors
    front["date"] = (tr(f"Run of {run_date}", f"运行日期 {run_date}") if run_date else "") + (" · " if run_date else "") + made_with
    if page.get("subtitle") and period:
        front["abstract"] = period
    return front


def _index(run_dir: Path, kind: str) -> list[dict[str, Any]]:
    return read_index(run_dir / kind)
