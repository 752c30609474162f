"""A churn classifier: statsmodels Logit, judged on data it was not fitted to."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.discrete.discrete_model import Logit
from statsmodels.tools.tools import add_constant


def auc(scores, labels) -> float:
    """Area under the ROC curve in its Mann–Whitney form: P(score of a positive > a negative),
    ties counting one half."""
    scores, labels = np.asarray(scores, float), np.asarray(labels, bool)
    ranks = stats.rankdata(scores)
    positives = labels.sum()
    negatives = labels.size - positives
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def calibration_table(scores, labels, bins: int = 10) -> pd.DataFrame:
    frame = pd.DataFrame({"score": scores, "label": np.asarray(labels, float)})
    frame["bin"] = pd.qcut(frame["score"].rank(method="first"), bins, labels=False) + 1
    return frame.groupby("bin").agg(predicted=("score", "mean"), observed=("label", "mean"),
                                    customers=("label", "size")).reset_index()


def fit_churn_model(train: pd.DataFrame, test: pd.DataFrame, features: list[str], label: str) -> dict[str, Any]:
    """Fit on ``train``, score ``test``: coefficients, AUC, calibration by decile, top-decile lift."""
    X_train = add_constant(train[features].astype(float), has_constant="add")
    X_test = add_constant(test[features].astype(float), has_constant="add")
    fit = Logit(train[label].astype(float), X_train).fit(disp=False, maxiter=200)
    scores = fit.predict(X_test).to_numpy()
    labels = test[label].to_numpy().astype(bool)
    calibration = calibration_table(scores, labels)
    top = calibration.iloc[-1]
    ci = fit.conf_int()
    coefficients = [
        {"term": name, "coefficient": float(fit.params[name]), "lower": float(ci.loc[name, 0]),
         "upper": float(ci.loc[name, 1]), "odds_ratio": float(np.exp(fit.params[name])),
         "p_value": float(fit.pvalues[name])}
        for name in fit.params.index
    ]
    return {
        "auc": auc(scores, labels), "train_auc": auc(fit.predict(X_train), train[label].to_numpy().astype(bool)),
        "coefficients": coefficients, "calibration": calibration,
        "top_decile_lift": float(top["observed"] / labels.mean()) if labels.mean() > 0 else None,
        "base_rate": float(labels.mean()), "n_train": len(train), "n_test": len(test),
        "converged": bool(fit.mle_retvals.get("converged", True)), "pseudo_r2": float(fit.prsquared),
    }
