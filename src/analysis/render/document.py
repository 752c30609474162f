"""The report source (`report.qmd`), assembled from results.json, figures and tables.

The same source renders with Quarto or with plain pandoc: it uses only pandoc markdown that both
read (a YAML header, figures with `{#fig-…}` labels, pipe tables with captions) and no code cells.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml

from ..i18n import set_language, tr
from ..results import read_json

CHAPTERS = ("summary", "data", "pareto", "clv", "retention", "segments", "satisfaction", "case_study", "reproducibility")


def _chapter_module(name: str):
    try:
        return importlib.import_module(f"analysis.narrative.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"analysis.narrative.{name}":
            return None
        raise


def build_document(run_dir: Path, *, title: str, lang: str = "en") -> Path:
    """Write ``report.qmd`` in the run folder and return its path."""
    run_dir = Path(run_dir)
    set_language(lang)
    results = read_json(run_dir / "results.json")
    if (run_dir / "manifest.json").exists():
        results["_manifest"] = read_json(run_dir / "manifest.json")
    figures = _index(run_dir, "figures")
    tables = _index(run_dir, "tables")
    for record in tables:
        record["file"] = str(run_dir / record["path"])
    front = {
        "title": title,
        "subtitle": tr("A reproducible customer-analytics case study", "可复现的客户分析案例研究"),
        "lang": "zh-CN" if lang == "zh" else "en",
        "toc": True,
        "number-sections": True,
        "format": {
            "html": {"embed-resources": True, "toc": True, "fig-cap-location": "bottom"},
            "typst": {"toc": True, "papersize": "a4", "output-file": "report.pdf"},
        },
        "execute": {"echo": False},
    }
    if lang == "zh":
        from ..fonts import cjk_font_name

        # Typst and the HTML page both fall back to the CJK font for Chinese text
        front["mainfont"] = cjk_font_name()
        front["format"]["typst"]["mainfont"] = cjk_font_name()
    parts = ["---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n"]
    for name in CHAPTERS:
        module = _chapter_module(name)
        if module is None:
            continue
        chapter_figures = [r for r in figures if r["chapter"] == name]
        chapter_tables = [r for r in tables if r["chapter"] == name]
        text = module.chapter(results, chapter_figures, chapter_tables)
        if text and text.strip():
            parts.append(text.rstrip() + "\n")
    path = run_dir / "report.qmd"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _index(run_dir: Path, kind: str) -> list[dict[str, Any]]:
    path = run_dir / kind / "index.json"
    return read_json(path) if path.exists() else []
