"""Shifted-beta-geometric (sBG) model of contractual retention.

Each customer renews each period with a constant probability 1 − θ until they churn; θ varies across
customers as Beta(α, β). Then P(T = t) = B(α + 1, β + t − 1) / B(α, β) and the survivor function is
S(t) = B(α, β + t) / B(α, β), so the aggregate retention rate (β + t − 1)/(α + β + t − 1) rises
over time as the customers likeliest to churn leave first.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of Interactive
Marketing 21(1), 76–90.
Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting: the perils
of ignoring heterogeneity. Marketing Science 29(1), 85–93 (discounted expected residual lifetime).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, hyp2f1

from .base import BTYDResults, LogScaleLikelihoodModel


def sbg_loglik(params, duration, churned):
    """log P(T = t) for churners, log S(t) for customers still active after t periods."""
    alpha, beta = params
    t = np.asarray(duration, float)
    churn = betaln(alpha + 1, beta + np.maximum(t, 1) - 1) - betaln(alpha, beta)
    alive = betaln(alpha, beta + t) - betaln(alpha, beta)
    return np.where(np.asarray(churned, bool), churn, alive)


def survivors_to_durations(survivors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cohort survivor counts n_0 … n_T → (duration, churned, count) rows: n_{t−1} − n_t customers
    churned in period t, and n_T are still active (censored) after T periods."""
    counts = np.asarray(survivors, float)
    if counts.ndim != 1 or counts.size < 2 or np.any(np.diff(counts) > 0) or np.any(counts < 0):
        raise ValueError("survivors must be a non-increasing sequence of at least two counts")
    periods = np.arange(1, counts.size)
    churners = counts[:-1] - counts[1:]
    duration = np.concatenate([periods, [counts.size - 1]])
    churned = np.concatenate([np.ones(periods.size), [0.0]])
    weight = np.concatenate([churners, [counts[-1]]])
    keep = weight > 0
    return duration[keep], churned[keep], weight[keep]


class ShiftedBetaGeometric(LogScaleLikelihoodModel):
    """sBG model, fitted to cohort survivor counts or to individual (tenure, churned) data.

    ``ShiftedBetaGeometric(survivors)``: counts alive at periods 0, 1, …, n (n_0 = cohort size).
    ``ShiftedBetaGeometric.from_durations(tenure, churned)``: tenure in whole periods; churned
    customers left after ``tenure`` periods, the others are right-censored there.
    """

    param_names = ("alpha", "beta")

    def __init__(self, survivors=None, *, duration=None, churned=None, weights=None, **kwargs):
        if survivors is not None:
            duration, churned, weights = survivors_to_durations(survivors)
            self.survivors = np.asarray(survivors, float)
        else:
            self.survivors = None
        duration = np.asarray(duration, float)
        churned = np.asarray(churned, float)
        if np.any(churned.astype(bool) & (duration < 1)):
            raise ValueError("a churned customer must have a tenure of at least one period")
        super().__init__({"duration": duration, "churned": churned}, weights, **kwargs)

    @classmethod
    def from_durations(cls, tenure, churned, weights=None) -> ShiftedBetaGeometric:
        return cls(duration=np.asarray(tenure, float), churned=np.asarray(churned, float), weights=weights)

    def _loglik(self, params):
        c = self.data_columns
        return sbg_loglik(params, c["duration"], c["churned"])


class ShiftedBetaGeometricResults(BTYDResults):
    def survival(self, t):
        """S(t): share of a new cohort still active after t periods."""
        alpha, beta = self.params
        t = np.asarray(t, float)
        return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))

    def retention_rate(self, t):
        """r(t) = S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1), for t ≥ 1."""
        alpha, beta = self.params
        t = np.asarray(t, float)
        return (beta + t - 1) / (alpha + beta + t - 1)

    def project(self, periods, cohort_size: float = 1.0):
        """Expected survivors at the given periods for a cohort of ``cohort_size``."""
        return cohort_size * self.survival(periods)

    def derl(self, discount_rate: float, survived: int = 0) -> float:
        """Discounted expected residual lifetime of a customer active after ``survived`` periods:
        Σ_k S(survived + k)/S(survived) / (1 + d)^k for k = 0, 1, … (the current period counts in
        full) = 2F1(1, β + n; α + β + n; 1/(1 + d)) (Fader & Hardie 2010)."""
        alpha, beta = self.params
        n = survived
        return float(hyp2f1(1.0, beta + n, alpha + beta + n, 1 / (1 + discount_rate)))


ShiftedBetaGeometric.natural_results = ShiftedBetaGeometricResults
