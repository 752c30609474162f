"""The case-study report: the document source from results.json, figures and tables, escaping of
every text from data or config, fonts, and rendering to HTML and PDF (Quarto, or pandoc + Typst)."""

from .document import build_document
from .engines import available_renderer, render_document

__all__ = ["available_renderer", "build_document", "render_document"]
