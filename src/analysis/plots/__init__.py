"""Figures: one module per chapter; each function returns a matplotlib Figure."""

from __future__ import annotations

import seaborn as sns

PALETTE = "deep"


def apply_style() -> None:
    """The house style for every figure (called by each figure function); in a Chinese report the
    CJK font is put back after seaborn resets the fonts."""
    from ..core.i18n import language

    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    if language() == "zh":
        from ..report.fonts import use_cjk_in_matplotlib

        use_cjk_in_matplotlib()


def plain_text(value) -> str:
    """Text from data as matplotlib draws it literally: an unescaped ``$`` starts mathtext (``$x$``
    renders as math, ``$\\textbf{a}$`` stops the figure)."""
    return str(value).replace("$", r"\$")
