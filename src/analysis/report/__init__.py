"""The case-study report: the document source from results.json, figures and tables, escaping of
every text from data or config, fonts, and rendering to HTML and PDF (Quarto, or pandoc + Typst)."""

from __future__ import annotations

from ..core.lazy_exports import lazy_exports

# what the package exports and the module that defines it, imported on first use (lazy_exports):
# rendering a cached document needs the engines, not the narrative modules the document imports
_EXPORTS = {
    "available_renderer": "engines",
    "build_document": "document",
    "render_document": "engines",
}
__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
