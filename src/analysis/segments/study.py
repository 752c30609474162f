"""The segmentation chapter: RFM, classes, the value matrix, elastic customers, a budget plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..pareto.cost import CostModel
from .allocation import allocate, sensitivity
from .classes import assign_classes, class_table
from .elastic import elastic_customers, summarize_elastic
from .matrix import PLOT_MAX_CUSTOMERS, matrix_table, value_matrix
from .rfm import rfm_scores
from .settings import SegmentSettings


@dataclass
class SegmentStudy:
    results: dict[str, Any]
    customers: pd.DataFrame  # with RFM, class, cell
    classes: pd.DataFrame
    matrix: pd.DataFrame
    thresholds: dict
    allocation: dict
    sensitivity: pd.DataFrame


def run_segments(customers: pd.DataFrame, settings: SegmentSettings, *, as_of, cost: CostModel,
                 horizon_periods: int) -> SegmentStudy:
    frame = customers.copy(deep=False)  # new columns only; a deep copy costs GBs at millions of customers
    # the tie-break of every ranking below: the customer's place in the summary, which the pipeline
    # orders by the customers' data (privacy.data_order): customers still tied are identical in all
    # their data, so no score, class or count depends on the key, the ids or the input row order
    ranks = np.arange(len(frame))
    rfm = rfm_scores(frame, as_of, ranks)
    frame[["R", "F", "M"]] = rfm[["R", "F", "M"]].to_numpy()
    frame["customer_class"] = assign_classes(frame, as_of, settings, ranks)
    classes = class_table(frame, frame["customer_class"])
    has_model = "predicted_clv" in frame
    results: dict[str, Any] = {
        "as_of": pd.Timestamp(as_of).date().isoformat(), "customers": len(frame),
        "rules": settings.model_dump(exclude={"responses", "budget"}),
        "classes": classes.reset_index().rename(columns={"class": "name"}).to_dict(orient="records"),
        "rfm": {"mean_value_by_R": frame.groupby("R")["total_value"].mean().to_dict(),
                "mean_value_by_F": frame.groupby("F")["total_value"].mean().to_dict()},
        "uses_clv_model": has_model,
    }
    matrix = pd.DataFrame()
    thresholds: dict = {}
    plan: dict = {}
    table = pd.DataFrame()
    if has_model:
        cells, thresholds = value_matrix(frame["total_value"], frame["predicted_clv"], settings.matrix_split,
                                         one_time=(frame["n_transactions"] == 1).to_numpy() if "n_transactions" in frame else None)
        frame["cell"] = cells.array
        matrix = matrix_table(frame["total_value"], frame["predicted_clv"], cells)
        results["matrix"] = {"thresholds": thresholds,
                             "cells": matrix.reset_index().to_dict(orient="records"),
                             "customers": len(frame), "plotted_customers": min(len(frame), PLOT_MAX_CUSTOMERS)}
        profit = cost.profit(frame)
        elastic = elastic_customers(frame, profit, cost_per_order=cost.cost_per_order,
                                    cost_per_period=cost.cost_per_customer_per_period, horizon_periods=horizon_periods)
        frame["elastic"] = elastic["elastic"].to_numpy()
        results["elastic"] = summarize_elastic(elastic)
        plan = allocate(classes, settings.responses, settings.budget)
        table = sensitivity(classes, settings.responses, settings.budget)
        results["allocation"] = {
            "budget": plan["budget"], "spent": plan["spent"], "expected_gain": plan["expected_gain"],
            "even_gain": plan["even_gain"], "gain_ratio": plan["gain_ratio"],
            "return_per_dollar": plan["return_per_dollar"], "classes_that_pay_back": plan["classes_that_pay_back"],
            "same_as_even": plan["same_as_even"], "budget_used_up": plan["budget_used_up"],
            "plan": plan["plan"].reset_index().to_dict(orient="records"),
            "assumptions": {k: v.model_dump() for k, v in settings.responses.items()},
            "sensitivity": table.to_dict(orient="records"),
        }
    return SegmentStudy(results=results, customers=frame, classes=classes, matrix=matrix, thresholds=thresholds,
                        allocation=plan, sensitivity=table)
