"""Rendering the case-study report: the document source, then HTML and PDF."""

from .document import build_document
from .engines import available_renderer, render_document

__all__ = ["available_renderer", "build_document", "render_document"]
