"""Figures: one module per chapter; each function returns a matplotlib Figure."""

from __future__ import annotations

import seaborn as sns

PALETTE = "deep"


def apply_style() -> None:
    """The house style for every figure (called once per process by the figure functions)."""
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
