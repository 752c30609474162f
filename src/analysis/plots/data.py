"""Figures of the data chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..core.i18n import tr
from . import apply_style


def spend_distribution(histogram: dict) -> plt.Figure:
    """``histogram`` as from :func:`analysis.data.describe.spend_histogram` (computed where the log lies)."""
    apply_style()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.stairs(histogram["counts"], histogram["edges"], fill=True, color="C0", alpha=0.6)
    ax.set_xscale("log")
    median = histogram["median"]
    if median is not None:
        ax.axvline(median, color="C3", linestyle="--", label=tr("median", "中位数") + f" {median:,.2f}")
        ax.legend()
    ax.set(xlabel=tr("value of a purchase day (log scale)", "单个购买日金额（对数刻度）"),
           ylabel=tr("purchase days", "购买日数"))
    return fig


def purchases_per_customer(customers: pd.DataFrame, cap: int = 15) -> plt.Figure:
    apply_style()
    counts = customers["n_transactions"].clip(upper=cap)
    table = counts.value_counts().sort_index()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    labels = [str(k) if k < cap else f"{cap}+" for k in table.index]
    sns.barplot(x=labels, y=table.to_numpy(), ax=ax, color="C0")
    ax.set(xlabel=tr("purchase days per customer", "每位客户的购买日数"), ylabel=tr("customers", "客户数"))
    return fig


def activity_over_time(per_period: pd.DataFrame, period: str) -> plt.Figure:
    apply_style()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(per_period.index, per_period["transactions"], color="C0")
    period_zh = {"day": "天", "week": "周", "month": "月"}.get(period, period)
    ax.set(xlabel=tr("date", "日期"), ylabel=tr(f"purchase days per {period}", f"每{period_zh}购买日数"))
    ax.set_ylim(bottom=0)
    fig.autofmt_xdate()
    return fig


def _cleaning_reasons(counts: dict) -> dict[str, int]:
    return {**counts["dropped"], **{f"{k} (kept)": v for k, v in counts["changed"].items()}}


def cleaning_rules_shown(counts: dict) -> int:
    """How many bars :func:`cleaning_bars` would draw (the report draws no chart of a single bar)."""
    return len(_cleaning_reasons(counts))


def cleaning_bars(counts: dict) -> plt.Figure:
    apply_style()
    reasons = _cleaning_reasons(counts)
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.4 * max(len(reasons), 1)))
    if reasons:
        names = list(reasons)
        sns.barplot(x=np.array(list(reasons.values())), y=names, ax=ax, color="C1", orient="h")
        for i, value in enumerate(reasons.values()):
            ax.text(value, i, f" {value:,}", va="center")
    ax.set(xlabel=tr("input rows", "输入行数"), ylabel="")
    return fig
