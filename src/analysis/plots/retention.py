"""Figures of the retention chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..core.i18n import tr
from . import apply_style, plain_text


def km_curves(km: dict, groups: dict | None, period: str, title_group: str | None = None) -> plt.Figure:
    """Kaplan–Meier survival with 95% bands, overall or by group."""
    apply_style()
    fig, ax = plt.subplots(figsize=(7, 4))
    curves = groups["curves"] if groups else {tr("all customers", "全部客户"): km}
    for i, (name, curve) in enumerate(curves.items()):
        ax.step(curve["times"], curve["survival"], where="post", color=f"C{i}", label=plain_text(name))
        ax.fill_between(curve["times"], curve["lower"], curve["upper"], step="post", color=f"C{i}", alpha=0.15)
    ax.axhline(0.5, color="grey", linestyle=":", lw=1)
    ax.set(xlabel=tr(f"{period}s since the first purchase", "自首次购买以来的时间"),
           ylabel=tr("share not yet churned", "尚未流失的比例"), ylim=(0, 1.02))
    ax.legend(title=title_group or "")
    return fig


def sbg_projection(benchmark: dict) -> plt.Figure:
    """sBG fitted to years 0–7, projected to 8–12, against actual survivors and a naive projection."""
    apply_style()
    fig, axes = plt.subplots(1, len(benchmark), figsize=(9, 3.8), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (cohort, fit) in zip(axes, benchmark.items()):
        years = np.asarray(fit["years"])
        ax.plot(years, fit["actual"], "o", color="black", ms=4, label=tr("actual", "实际"))
        ax.plot(years, fit["projected"], color="C0", label="sBG")
        ax.plot(years, fit["naive"], color="C3", linestyle="--", label=tr("average retention, constant", "平均留存率外推"))
        ax.axvspan(7.5, years.max() + 0.5, color="grey", alpha=0.1)
        ax.set(title=cohort.replace("_", " "), xlabel=tr("year", "年"))
    axes[0].set_ylabel(tr("survivors per 1,000", "每千人存活数"))
    axes[0].legend()
    fig.tight_layout()
    return fig


def cohort_heatmap(table: pd.DataFrame) -> plt.Figure:
    apply_style()
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.35 * len(table)))
    sns.heatmap(table.iloc[:, 1:], cmap="Blues", ax=ax, cbar_kws={"label": tr("share buying", "购买比例")},
                annot=len(table) <= 12 and table.shape[1] <= 20, fmt=".0%", annot_kws={"size": 7})
    ax.set(xlabel=tr("months since the first purchase", "首次购买后的月数"), ylabel=tr("acquisition month", "获客月份"))
    return fig


def hazard_ratios(table: pd.DataFrame) -> plt.Figure:
    apply_style()
    frame = table.sort_values("hazard_ratio")
    fig, ax = plt.subplots(figsize=(7, 0.6 + 0.35 * len(frame)))
    y = np.arange(len(frame))
    ax.errorbar(frame["hazard_ratio"], y, xerr=[frame["hazard_ratio"] - frame["lower"], frame["upper"] - frame["hazard_ratio"]],
                fmt="o", color="C0", capsize=3)
    ax.axvline(1, color="grey", linestyle=":")
    ax.set_xscale("log")
    ax.set_yticks(y, [plain_text(term) for term in frame["term"]])
    ax.set(xlabel=tr("hazard ratio (log scale), 95% CI", "风险比（对数刻度），95% 置信区间"))
    return fig


def churn_calibration(calibration: pd.DataFrame) -> plt.Figure:
    apply_style()
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot(calibration["predicted"], calibration["observed"], "o-", color="C0")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.set(xlabel=tr("predicted churn probability (decile mean)", "预测流失概率（十分位均值）"),
           ylabel=tr("observed churn share", "实际流失比例"), xlim=(0, 1), ylim=(0, 1))
    return fig


def threshold_sensitivity(table: pd.DataFrame) -> plt.Figure:
    apply_style()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(table["threshold_days"], table["share_churned"], "o-", color="C3")
    ax.set(xlabel=tr("days without a purchase that count as churn", "视为流失的无购买天数"),
           ylabel=tr("share of customers churned", "流失客户比例"), ylim=(0, 1))
    return fig
