"""Figures of the segments chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..core.i18n import tr
from ..segments.labels import cell_label, class_label
from ..segments.matrix import PLOT_MAX_CUSTOMERS
from . import apply_style


def value_matrix_caption(matrix_results: dict) -> str:
    shown, customers = matrix_results["plotted_customers"], matrix_results["customers"]
    moved = matrix_results.get("thresholds", {}).get("potential_quantile_cut") is not None
    lines = (tr("lines at the median of current value and at the potential cut, moved above the one-time buyers "
                "(see the text)", "直线为当前价值中位数和移至一次性购买者之上的潜在价值分界（见正文）")
             if moved else tr("lines at the medians", "直线为中位数"))
    if shown < customers:
        return tr(f"Current value × potential value: each dot a customer, {shown:,} of the {customers:,} drawn at "
                  f"random (seeded); {lines}.",
                  f"当前价值 × 潜在价值：每个点代表一位客户，从 {customers:,} 位中按固定种子随机抽取 {shown:,} 位；{lines}。")
    return tr(f"Current value × potential value: each dot a customer; {lines}.",
              f"当前价值 × 潜在价值：每个点代表一位客户；{lines}。")


def value_matrix(customers: pd.DataFrame, thresholds: dict) -> plt.Figure:
    apply_style()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    if len(customers) > PLOT_MAX_CUSTOMERS:
        customers = customers.sample(n=PLOT_MAX_CUSTOMERS, random_state=0)
    current = customers["total_value"].clip(lower=0.5)
    potential = customers["predicted_clv"].clip(lower=0.01)
    sns.scatterplot(x=current, y=potential, hue=customers["cell"].map(cell_label), s=6, alpha=0.4, linewidth=0, ax=ax)
    ax.set(xscale="log", yscale="log", xlabel=tr("current value (historical revenue)", "当前价值（历史收入）"),
           ylabel=tr("potential value (predicted CLV)", "潜在价值（预测客户终身价值）"))
    ax.axvline(thresholds["current"], color="black", lw=0.8)
    ax.axhline(max(thresholds["potential"], 0.01), color="black", lw=0.8)
    ax.legend(title="", markerscale=3)
    return fig


def classes(table: pd.DataFrame) -> plt.Figure:
    apply_style()
    frame = table.reset_index()
    frame["class"] = frame["class"].map(class_label)
    columns = {"share_customers": tr("customers", "客户"), "share_value": tr("historical value", "历史价值")}
    if "share_predicted_clv" in frame:
        columns["share_predicted_clv"] = tr("predicted CLV", "预测价值")
    long = frame.melt(id_vars="class", value_vars=list(columns), var_name="measure", value_name="share")
    long["measure"] = long["measure"].map(columns)
    fig, ax = plt.subplots(figsize=(7.5, 4))
    sns.barplot(data=long, x="class", y="share", hue="measure", ax=ax)
    ax.set(xlabel="", ylabel=tr("share", "占比"))
    ax.legend(title="")
    return fig


def rfm_heatmap(customers: pd.DataFrame) -> plt.Figure:
    apply_style()
    table = customers.pivot_table(index="R", columns="F", values="total_value", aggfunc="mean").sort_index(ascending=False)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    sns.heatmap(table, annot=True, fmt=".0f", cmap="Greens", ax=ax, cbar_kws={"label": tr("mean historical value", "平均历史价值")})
    ax.set(xlabel=tr("frequency score (5 = most purchases)", "频率得分（5 = 购买最多）"),
           ylabel=tr("recency score (5 = most recent)", "最近购买得分（5 = 最近）"))
    return fig


def allocation(plan: pd.DataFrame) -> plt.Figure:
    apply_style()
    frame = plan.reset_index()
    frame["class"] = frame["class"].map(class_label)
    long = frame.melt(id_vars="class", value_vars=["expected_gain", "even_gain"], var_name="plan", value_name="gain")
    long["plan"] = long["plan"].map({"expected_gain": tr("optimised", "优化分配"), "even_gain": tr("even spread", "平均分配")})
    fig, ax = plt.subplots(figsize=(7.5, 4))
    sns.barplot(data=long, x="class", y="gain", hue="plan", ax=ax)
    ax.set(xlabel="", ylabel=tr("expected CLV gain", "预期客户价值增量"))
    ax.legend(title="")
    return fig
