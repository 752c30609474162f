"""Figures of the satisfaction and loyalty chapter, drawn from the chapter's results (``results.json``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..core.i18n import language, tr
from ..satisfaction.catalogue import LOYALTY_LADDER, QUADRANTS
from . import apply_style


def _label(table: dict[str, dict[str, str]], key: str) -> str:
    return table[key]["zh" if language() == "zh" else "en"]


def importance_performance(ipma: dict) -> plt.Figure:
    """Importance (total effect on the target) against performance (0-100 index), quadrant lines at the cuts."""
    apply_style()
    drivers = pd.DataFrame(ipma["drivers"])
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for quadrant, group in drivers.groupby("quadrant", sort=True):
        ax.scatter(group["importance"], group["performance"], s=60, label=_label(QUADRANTS, quadrant))
    for row in drivers.itertuples():
        ax.annotate(str(row.driver), (row.importance, row.performance), textcoords="offset points", xytext=(6, 4))
    ax.axvline(ipma["importance_cut"], color="black", lw=0.8)
    ax.axhline(ipma["performance_cut"], color="black", lw=0.8)
    ax.set(xlabel=tr(f"importance (total effect on {ipma['target']})", f"重要性（对 {ipma['target']} 的总效应）"),
           ylabel=tr("performance (index, 0-100)", "绩效（指数，0–100）"))
    ax.legend(title="", loc="best")
    return fig


def loyalty_ladder(loyalty: dict) -> plt.Figure:
    """Share of customers on each step of the loyalty ladder."""
    apply_style()
    ladder = pd.DataFrame(loyalty["ladder"])
    labels = [_label(LOYALTY_LADDER, step) for step in ladder["step"]]
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    bars = ax.barh(labels, 100 * ladder["share"], color=["#c44e52", "#dd8452", "#55a868"][:len(ladder)])
    ax.bar_label(bars, labels=[f"{c:,}" for c in ladder["customers"]], padding=3)
    ax.invert_yaxis()
    ax.set(xlabel=tr("share of customers (%)", "客户占比（%）"), ylabel="")
    return fig


def loyalty_curve(curve: list[dict], level_name: str) -> plt.Figure:
    """Share buying again at each satisfaction level, with Wilson intervals."""
    apply_style()
    frame = pd.DataFrame(curve)
    x = frame[level_name].to_numpy(float)
    share = 100 * frame["share"].to_numpy(float)
    error = np.vstack([share - 100 * frame["lower"].to_numpy(float), 100 * frame["upper"].to_numpy(float) - share])
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.errorbar(x, share, yerr=error, marker="o", capsize=4)
    ax.set_xticks(x)
    ax.set(xlabel=tr(f"satisfaction ({level_name})", f"满意度（{level_name}）"),
           ylabel=tr("bought again after the survey (%)", "调查后再次购买（%）"), ylim=(0, 100))
    return fig


def behaviour_panels(link: dict) -> list[tuple[str, list[dict]]]:
    """The by-level tables the behaviour figure shows, in order: churned share, spend after the
    survey, predicted CLV (each only when the chapter has it)."""
    values = link.get("values") or {}
    panels = [("churn", (link.get("churn") or {}).get("by_level")),
              ("spend_after", (values.get("spend_after") or {}).get("by_level")),
              ("clv", (values.get("clv") or {}).get("by_level"))]
    return [(kind, rows) for kind, rows in panels if rows]


def behaviour_by_level(link: dict, level_name: str) -> plt.Figure:
    """Churned share (Wilson intervals), mean spend after the survey and mean predicted CLV (t
    intervals) at each satisfaction level, one panel each."""
    apply_style()
    panels = behaviour_panels(link)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels) + 0.6, 3.8), squeeze=False)
    labels = {"churn": tr("churned after the survey (%)", "调查后流失（%）"),
              "spend_after": tr("mean spend after the survey", "调查后平均消费额"),
              "clv": tr("mean predicted CLV", "平均预测客户终身价值")}
    for ax, (kind, rows) in zip(axes[0], panels):
        frame = pd.DataFrame(rows)
        x = frame[level_name].to_numpy(float)
        centre = frame["share" if kind == "churn" else "mean"].to_numpy(float)
        lower, upper = frame["lower"].to_numpy(float), frame["upper"].to_numpy(float)
        scale = 100.0 if kind == "churn" else 1.0
        error = np.vstack([centre - lower, upper - centre]) * scale
        ax.errorbar(x, centre * scale, yerr=np.nan_to_num(error), marker="o", capsize=4)
        ax.set_xticks(x)
        ax.set(xlabel=tr(f"satisfaction ({level_name})", f"满意度（{level_name}）"), ylabel=labels[kind])
        if kind == "churn":
            ax.set_ylim(0, 100)
        else:
            ax.set_ylim(bottom=0)
    fig.tight_layout()
    return fig


def path_table(pls: dict) -> pd.DataFrame:
    """The structural paths as a table: estimate and, with a bootstrap, its error and interval."""
    frame = pd.DataFrame(pls["paths"])
    frame.insert(0, "path", frame.pop("source") + " → " + frame.pop("target"))
    return frame.set_index("path").round(3)
