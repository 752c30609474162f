"""Figures of the 80/20 chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..core.i18n import tr
from ..pareto.measures import lorenz_curve
from . import apply_style, curve_vertices, log_spaced_ranks

# the tail figure draws at most this many customers: the largest TAIL_TOP all, the others at ranks
# evenly spaced in log (the figure's vertical axis), which overlap on the page anyway
TAIL_POINTS = 10_000
TAIL_TOP = 1_000


def lorenz(values, share: float, q: float = 0.2) -> plt.Figure:
    """Lorenz curve drawn from the top (share of value held by the top p of customers)."""
    apply_style()
    p, curve = lorenz_curve(values)
    top_p, top_value = 1 - p[::-1], 1 - curve[::-1]
    drawn = curve_vertices(top_p.size)
    top_p, top_value = top_p[drawn], top_value[drawn]
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot(top_p, top_value, color="C0", lw=2, label=tr("this data", "本数据"))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label=tr("equal value", "完全均等"))
    ax.plot([0, 0.2, 1], [0, 0.8, 1], color="C3", linestyle="--", lw=1, label=tr("exact 80/20", "严格二八"))
    ax.scatter([q], [share], color="C0", zorder=3)
    ax.annotate(f"{100 * q:.0f}% → {100 * share:.1f}%", (q, share), textcoords="offset points", xytext=(10, -15))
    ax.set(xlabel=tr("share of customers, most valuable first", "客户占比（价值从高到低）"),
           ylabel=tr("share of value", "价值占比"), xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right")
    return fig


def bootstrap(replicates: np.ndarray, tail_replicates: np.ndarray | None, share: float) -> plt.Figure:
    apply_style()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    sns.histplot(replicates, stat="density", bins=50, ax=ax, color="C0", alpha=0.5,
                 label=tr("bootstrap", "自助法"))
    if tail_replicates is not None:
        sns.histplot(tail_replicates, stat="density", bins=50, ax=ax, color="C1", alpha=0.5,
                     label=tr("tail-aware bootstrap", "考虑厚尾的自助法"))
    ax.axvline(share, color="black", lw=1)
    ax.axvline(0.8, color="C3", linestyle="--", lw=1, label="0.8")
    ax.set(xlabel=tr("top-20% share", "前 20% 客户的价值占比"), ylabel=tr("density", "密度"))
    ax.legend()
    return fig


def tail(values, x_min: float, survival_exponent: float) -> plt.Figure:
    """Complementary CDF on log-log axes with the fitted Pareto tail; above ``TAIL_POINTS`` positive
    values, a sample of the customers is drawn (see :func:`tail_points_drawn`)."""
    apply_style()
    x = np.sort(np.asarray(values, float))
    x = x[x > 0]
    ccdf = 1 - np.arange(x.size) / x.size
    drawn = x.size - 1 - log_spaced_ranks(x.size, TAIL_POINTS, TAIL_TOP)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(x[drawn], ccdf[drawn], ".", ms=2, color="C0", label=tr("customers", "客户"))
    grid = np.geomspace(x_min, x.max(), 50)
    at_min = np.mean(x >= x_min)
    ax.loglog(grid, at_min * (grid / x_min) ** (-survival_exponent), color="C3",
              label=tr(f"Pareto tail, exponent {survival_exponent:.2f}", f"帕累托尾部，指数 {survival_exponent:.2f}"))
    ax.axvline(x_min, color="grey", linestyle=":", lw=1)
    ax.set(xlabel=tr("value per customer", "每位客户的价值"), ylabel=tr("share of customers with at least x", "价值不低于 x 的客户占比"))
    ax.legend()
    return fig


def tail_points_drawn(values) -> tuple[int, int]:
    """How many customers the tail figure draws, of how many with a positive value."""
    positive = int(np.count_nonzero(np.asarray(values, float) > 0))
    return log_spaced_ranks(positive, TAIL_POINTS, TAIL_TOP).size, positive


def windows(table: pd.DataFrame) -> plt.Figure:
    apply_style()
    frame = table.copy()
    frame["window"] = frame["window_months"].astype(str)
    long = frame.melt(id_vars="window", value_vars=["share_buyers", "share_all_customers"],
                      var_name="base", value_name="share")
    long["base"] = long["base"].map({"share_buyers": tr("buyers in the window", "窗口内的购买者"),
                                     "share_all_customers": tr("all customers acquired", "所有已获取客户")})
    fig, ax = plt.subplots(figsize=(7, 3.8))
    sns.barplot(data=long, x="window", y="share", hue="base", ax=ax)
    ax.axhline(0.8, color="C3", linestyle="--", lw=1)
    ax.set(xlabel=tr("window length (months)", "窗口长度（月）"), ylabel=tr("top-20% share", "前 20% 客户的价值占比"),
           ylim=(0, 1))
    ax.legend(title="")
    return fig


def persistence_heatmap(transition: pd.DataFrame) -> plt.Figure:
    apply_style()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    sns.heatmap(transition, annot=True, fmt=".0%", cmap="Blues", cbar=False, ax=ax)
    ax.set(xlabel=tr("quintile in the second half (1 = top)", "后半期五分位（1 = 最高）"),
           ylabel=tr("quintile in the first half", "前半期五分位"))
    return fig


def whale(cumulative_share: np.ndarray) -> plt.Figure:
    apply_style()
    n = cumulative_share.size
    drawn = curve_vertices(n)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot((drawn + 1) / n, 100 * np.asarray(cumulative_share)[drawn], color="C2", lw=2)
    ax.axhline(100, color="grey", linestyle=":")
    ax.axhspan(150, 300, color="C1", alpha=0.1, label=tr("Kaplan & Cooper: peak at 150–300%", "Kaplan & Cooper：峰值 150–300%"))
    ax.set(xlabel=tr("share of customers, most profitable first", "客户占比（利润从高到低）"),
           ylabel=tr("cumulative profit, % of total", "累计利润占总利润的百分比"))
    ax.legend(loc="lower center")
    return fig
