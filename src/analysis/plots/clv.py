"""Figures of the customer-lifetime-value chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..clv.settings import MODEL_NAMES
from ..core.i18n import tr
from . import apply_style, curve_vertices, plain_text

MODEL_LABELS = MODEL_NAMES


def tracking(frame: pd.DataFrame, calibration_periods: float | None, period: str) -> plt.Figure:
    """Cumulative repeat purchases: actual vs each model's expectation."""
    apply_style()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ax.plot(frame["period"], frame["actual"], color="black", lw=2, label=tr("actual", "实际"))
    for name in [c for c in frame.columns if c in MODEL_LABELS]:
        ax.plot(frame["period"], frame[name], lw=1.4, linestyle="--", label=MODEL_LABELS[name])
    if calibration_periods:
        ax.axvline(calibration_periods, color="grey", linestyle=":", lw=1)
        ax.text(calibration_periods, ax.get_ylim()[1] * 0.05, " " + tr("holdout →", "验证期 →"), color="grey")
    ax.set(xlabel=tr(f"{period}s since the first acquisition", "自首次获客以来的时间"),
           ylabel=tr("cumulative repeat purchases", "累计重复购买次数"))
    ax.legend()
    return fig


def holdout_by_frequency(by_frequency: pd.DataFrame) -> plt.Figure:
    apply_style()
    long = by_frequency.drop(columns="customers").reset_index().melt(
        id_vars="calibration_frequency", var_name="source", value_name="mean")
    long["source"] = long["source"].map(lambda s: MODEL_LABELS.get(s, tr("actual", "实际")))
    fig, ax = plt.subplots(figsize=(7.5, 4))
    sns.barplot(data=long, x="calibration_frequency", y="mean", hue="source", ax=ax)
    ax.set(xlabel=tr("repeat purchases in calibration", "校准期重复购买次数"),
           ylabel=tr("mean purchases in the holdout", "验证期平均购买次数"))
    ax.legend(title="")
    return fig


def _matrix(results, kind: str, max_frequency: int, max_recency: float, T: float):
    frequency = np.arange(0, max_frequency + 1)
    recency = np.linspace(0, max_recency, 40)
    x, t_x = np.meshgrid(frequency, recency)
    t_x = np.where(x == 0, 0, t_x)
    if kind == "p_alive":
        values = results.probability_alive(x, t_x, np.full_like(t_x, T, dtype=float))
    else:
        values = results.conditional_expected_purchases(1.0, x, t_x, np.full_like(t_x, T, dtype=float))
    return frequency, recency, values


def frequency_recency_matrix(results, *, T: float, kind: str, period: str, max_frequency: int = 20) -> plt.Figure:
    """Expected purchases next period, or P(alive), over frequency × recency for a customer of age T."""
    apply_style()
    frequency, recency, values = _matrix(results, kind, max_frequency, T, T)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    mesh = ax.pcolormesh(frequency, recency, values, shading="nearest", cmap="viridis")
    label = tr("P(alive)", "存活概率 P(alive)") if kind == "p_alive" else tr(
        f"expected purchases next {period}", "下一期预期购买次数")
    fig.colorbar(mesh, ax=ax, label=label)
    ax.set(xlabel=tr("repeat purchases (frequency)", "重复购买次数（frequency）"),
           ylabel=tr(f"{period}s from first to last purchase (recency)", "首次到最后一次购买的时间（recency）"))
    ax.grid(False)
    return fig


def clv_distribution(predicted_clv: np.ndarray) -> plt.Figure:
    """Distribution of predicted CLV and its Lorenz curve."""
    apply_style()
    values = np.sort(np.asarray(predicted_clv, float))
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
    # customers expected to be worth less than a cent are left out of the histogram (not the curve);
    # 40 bins evenly spaced in log, as seaborn's histplot(log_scale=True) makes them, counted by numpy
    # (seaborn's own path takes seconds at 10^6 customers)
    shown = values[values >= 0.01]
    if shown.size:
        left.hist(shown, bins=10 ** np.histogram_bin_edges(np.log10(shown), bins=40), color="C2", alpha=0.75,
                  edgecolor="white", linewidth=0.5)
    left.set_xscale("log")
    left.set(xlabel=tr("predicted CLV (log scale)", "预测的客户终身价值（对数刻度）"), ylabel=tr("customers", "客户数"))
    share_customers = np.concatenate([[0], np.arange(1, values.size + 1) / values.size])
    cumulative = np.concatenate([[0], np.cumsum(values[::-1]) / values.sum()])
    drawn = curve_vertices(share_customers.size)
    right.plot(share_customers[drawn], cumulative[drawn], color="C2")
    right.plot([0, 1], [0, 1], color="grey", linestyle=":")
    right.axvline(0.2, color="grey", lw=0.8)
    right.set(xlabel=tr("share of customers, highest CLV first", "客户占比（按预测价值从高到低）"),
              ylabel=tr("share of predicted CLV", "预测价值占比"))
    fig.tight_layout()
    return fig


def incremental_tracking(frame: pd.DataFrame, calibration_periods: float | None, period: str) -> plt.Figure:
    """Repeat purchases in each period (the differences of the cumulative tracking): actual vs each
    model's expectation (FHL 2005a, Figure 4)."""
    apply_style()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    per_period = frame.set_index("period").diff().fillna(frame.set_index("period").iloc[:1])
    ax.plot(per_period.index, per_period["actual"], color="black", lw=1.6, label=tr("actual", "实际"))
    for name in [c for c in per_period.columns if c in MODEL_LABELS]:
        ax.plot(per_period.index, per_period[name], lw=1.4, linestyle="--", label=MODEL_LABELS[name])
    if calibration_periods:
        ax.axvline(calibration_periods, color="grey", linestyle=":", lw=1)
    ax.set(xlabel=tr(f"{period}s since the first acquisition", "自首次获客以来的时间"),
           ylabel=tr(f"repeat purchases per {period}", "每期重复购买次数"))
    ax.legend()
    return fig


def period_transactions(tables: dict[str, list[dict]], xlabel: str | None = None) -> plt.Figure:
    """Customers by number of repeat purchases in calibration: actual and each model's expectation
    (FHL 2005a, Figure 2); ``tables`` as in results.json ``clv.diagnostics.period_transactions``."""
    apply_style()
    first = next(iter(tables.values()))["table"]
    frame = pd.DataFrame({"purchases": [row["purchases"] for row in first],
                          tr("actual", "实际"): [row["actual"] for row in first]})
    for name, result in tables.items():
        frame[MODEL_LABELS.get(name, name)] = [row["expected"] for row in result["table"]]
    long = frame.melt(id_vars="purchases", var_name="source", value_name="customers")
    fig, ax = plt.subplots(figsize=(7.5, 4))
    sns.barplot(data=long, x="purchases", y="customers", hue="source", ax=ax)
    ax.set(xlabel=xlabel or tr("repeat purchases in calibration", "校准期重复购买次数"),
           ylabel=tr("customers", "客户数"))
    ax.legend(title="")
    return fig


def alive_path(path: pd.DataFrame, *, period: str, observation_end: float | None = None) -> plt.Figure:
    """A customer's P(alive) through time (``TransactionResults.alive_path``), purchases marked."""
    apply_style()
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ax.plot(path["time"], path["p_alive"], color="C0", lw=1.6)
    purchase_times = path["time"][path["purchases"].diff() > 0]
    for time in purchase_times:
        ax.axvline(time, color="grey", lw=0.6, linestyle=":")
    ax.plot(purchase_times, np.ones(len(purchase_times)) * 1.02, "v", color="C3", ms=5,
            label=tr("repeat purchase", "重复购买"))
    if observation_end is not None:
        ax.axvline(observation_end, color="black", lw=0.8)
    ax.set(xlabel=tr(f"{period}s", "时间"), ylabel=tr("P(alive)", "存活概率 P(alive)"), ylim=(0, 1.06))
    ax.legend(loc="lower left")
    return fig


def covariate_effects(effects: list[dict]) -> plt.Figure:
    """Covariate coefficients with their 95% intervals, one row each, grouped by the parameter they
    act on (``ClvStudy.covariates["effects"]``); the line at 0 is no effect."""
    apply_style()
    shown = [e for e in effects if e["ci"] is not None]
    fig, ax = plt.subplots(figsize=(7.5, 0.8 + 0.32 * max(len(shown), 1)))
    labels = [plain_text(f"{e['target']}: {e['term']}") for e in shown]
    positions = np.arange(len(shown))[::-1]
    estimates = np.array([e["estimate"] for e in shown])
    lower = np.array([e["ci"][0] for e in shown])
    upper = np.array([e["ci"][1] for e in shown])
    colours = ["C3" if e["effect"] != "unclear" else "grey" for e in shown]
    ax.errorbar(estimates, positions, xerr=[estimates - lower, upper - estimates], fmt="none", ecolor=colours, lw=1.2)
    ax.scatter(estimates, positions, c=colours, s=14, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(positions, labels)
    ax.set(xlabel=tr("coefficient γ (95% interval)", "系数 γ（95% 区间）"))
    return fig
