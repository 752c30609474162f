"""The report's language: English or Simplified Chinese.

Text is written in place as ``tr("English", "中文")`` so that both versions of a sentence sit side by
side and carry the same numbers. The language is set once per process (a run's notebooks, or the
report builder) from ``report.lang``. The Chinese vocabulary follows the CRM course: 二八定律
(80/20 rule), 客户终身价值 (customer lifetime value), 客户细分 (segmentation), 核心客户 (core
customers), 潜力客户 (potential customers), 休眠客户 (dormant customers), 流失 (churn),
当前价值/潜在价值矩阵 (current × potential value matrix), 弹性客户 (elastic customers).
"""

from __future__ import annotations

import contextvars

LANGUAGES = ("en", "zh")
_language: contextvars.ContextVar[str] = contextvars.ContextVar("report_language", default="en")


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}; choose one of {LANGUAGES}")
    _language.set(lang)
    if lang == "zh":
        from ..report.fonts import use_cjk_in_matplotlib

        use_cjk_in_matplotlib()


def language() -> str:
    return _language.get()


def tr(en: str, zh: str) -> str:
    """The text in the current language."""
    return zh if _language.get() == "zh" else en
