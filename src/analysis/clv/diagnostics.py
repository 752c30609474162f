"""Diagnostics of a fitted transaction model: does it describe the calibration data, does it track
the holdout, and does the spend model's key assumption hold?

* :func:`period_transactions`: actual and expected numbers of customers with 0, 1, 2, …, k+ repeat
  purchases in calibration, expected = Σ_i P(X(T_i) = x), with a χ² goodness-of-fit test
  (FHL 2005a, Figure 2).
* :func:`tracking`: cumulative and incremental repeat purchases per period, actual and expected
  (FHL 2005a, Figures 3 and 4).
* :func:`holdout_conditional_expectations`: the sum of conditional expectations over the holdout
  against the actual total, overall and by calibration frequency (FHL 2005a, Figure 5).
* :func:`spend_independence`: the Gamma-Gamma model's assumption that spend per transaction is
  independent of the number of transactions (FHL 2005b; Fader & Hardie 2013, note 025).

Every model with ``probability_of_purchases(x, t)`` and ``expected_purchases(t)`` works: BG/NBD,
MBG/NBD, Pareto/NBD and BG/BB (with t the number of opportunities).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. Marketing Science 24(2), 275–284.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value curves for
customer base analysis. Journal of Marketing Research 42(4), 415–430.
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value (note 025).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

SPEND_VERDICTS = ("independent", "dependent", "cannot tell")


@dataclass
class PeriodTransactions:
    """Actual and expected customers per repeat-purchase count, and the χ² test on pooled cells."""

    table: pd.DataFrame  # purchases (label), actual, expected
    pooled: pd.DataFrame  # the cells the test uses (adjacent cells with expected < min_expected merged)
    chisq: float
    df: int
    p_value: float | None  # None when no degrees of freedom are left

    def to_dict(self) -> dict:
        return {"table": self.table.to_dict(orient="records"), "pooled": self.pooled.to_dict(orient="records"),
                "chisq": self.chisq, "df": self.df, "p_value": self.p_value}


def _counts_by_length(T, weights=None):
    """Distinct observation lengths and the customers at each (probabilities are computed once per length)."""
    lengths = pd.Series(np.asarray(T, float))
    if weights is None:  # a hash count: no copy of a weight column at 10^8 customers
        grouped = lengths.value_counts(sort=False).sort_index().astype(float)
    else:
        grouped = pd.Series(np.asarray(weights, float)).groupby(lengths, sort=True).sum()
    return grouped.index.to_numpy(float), grouped.to_numpy(float)


def expected_count_table(results, T, max_count: int = 7, weights=None) -> np.ndarray:
    """Expected customers with 0, 1, …, max_count − 1 and ≥ max_count repeat purchases: Σ_i P(X(T_i) = x),
    the last cell the remainder (so the cells sum to the number of customers)."""
    lengths, customers = _counts_by_length(T, weights)
    x = np.arange(max_count, dtype=float)[:, None]
    probabilities = results.probability_of_purchases(x, lengths[None, :])
    expected = probabilities @ customers
    return np.append(expected, customers.sum() - expected.sum())


def _pool(actual: np.ndarray, expected: np.ndarray, labels: list[str], min_expected: float):
    """Merge adjacent cells from the top down until each holds an expected count ≥ min_expected;
    a short remainder at the bottom joins its upper neighbour."""
    cells: list[list[int]] = []
    current: list[int] = []
    for index in range(len(expected) - 1, -1, -1):
        current.insert(0, index)
        if expected[current].sum() >= min_expected:
            cells.insert(0, current)
            current = []
    if current:
        if cells:
            cells[0] = current + cells[0]
        else:
            cells = [current]
    return pd.DataFrame({
        "purchases": [labels[c[0]] if len(c) == 1 else f"{labels[c[0]]}–{labels[c[-1]]}" for c in cells],
        "actual": [float(actual[c].sum()) for c in cells],
        "expected": [float(expected[c].sum()) for c in cells],
    })


def period_transactions(results, frequency, T, *, max_count: int = 7, weights=None,
                        min_expected: float = 5.0) -> PeriodTransactions:
    """Actual vs expected customers with 0, 1, …, ``max_count``+ repeat purchases in calibration,
    and Pearson's χ² on cells pooled to expected counts ≥ ``min_expected``, with
    df = cells − 1 − (number of model parameters)."""
    x = np.asarray(frequency, float)
    labels = [str(k) for k in range(max_count)] + [f"{max_count}+"]
    cells = np.minimum(x, max_count).astype(np.intp)
    actual = np.bincount(cells, weights=None if weights is None else np.asarray(weights, float),
                         minlength=max_count + 1).astype(float)
    expected = expected_count_table(results, T, max_count, weights)
    table = pd.DataFrame({"purchases": labels, "actual": actual, "expected": expected})
    pooled = _pool(actual, expected, labels, min_expected)
    chisq = float(np.sum((pooled["actual"] - pooled["expected"]) ** 2 / pooled["expected"]))
    df = len(pooled) - 1 - len(results.params)
    p_value = float(stats.chi2.sf(chisq, df)) if df > 0 else None
    return PeriodTransactions(table=table, pooled=pooled, chisq=chisq, df=df, p_value=p_value)


def tracking(results, first_purchase, repeat_purchase_times, *, n_periods: int,
             calibration_end: float | None = None) -> pd.DataFrame:
    """Repeat purchases per period since a common origin, actual and expected, cumulative and
    incremental.

    Parameters
    ----------
    first_purchase : array_like
        Each customer's first purchase, in model time units since the origin.
    repeat_purchase_times : array_like
        The times of all these customers' repeat purchases, same units and origin.
    n_periods : int
        Periods 1, …, n_periods are reported (period k ends at time k).
    calibration_end : float, optional
        Marks the rows whose period ends after it as ``holdout``.

    The expectation at time t is Σ_i E[X(t − s_i)] over customers whose first purchase s_i < t
    (a new customer's expectation: the model is not told what anyone did).
    """
    starts = pd.Series(np.asarray(first_purchase, float)).value_counts().sort_index()
    ends = np.arange(1, n_periods + 1, dtype=float)
    expected = np.zeros_like(ends)
    for start, customers in starts.items():
        expected += customers * results.expected_purchases(np.clip(ends - start, 0, None))
    times = np.sort(np.asarray(repeat_purchase_times, float))
    actual = np.searchsorted(times, ends, side="right").astype(float)
    frame = pd.DataFrame({
        "period": np.arange(1, n_periods + 1),
        "actual_cumulative": actual, "expected_cumulative": expected,
        "actual_incremental": np.diff(np.concatenate([[0.0], actual])),
        "expected_incremental": np.diff(np.concatenate([[0.0], expected])),
    })
    if calibration_end is not None:
        frame["holdout"] = ends > calibration_end
    return frame


def holdout_conditional_expectations(results, frequency, recency, T, holdout_frequency, duration, *,
                                     max_count: int = 7) -> dict:
    """Σ_i E[Y(duration) | x_i, t_x_i, T_i] against the actual holdout purchases, overall and by
    calibration frequency 0, 1, …, max_count+ (means per customer)."""
    x = np.asarray(frequency, float)
    holdout = np.asarray(holdout_frequency, float)
    expected = np.asarray(results.conditional_expected_purchases(duration, x, recency, T), float)
    group = np.minimum(x, max_count).astype(int)
    by_frequency = pd.DataFrame({"group": group, "actual": holdout, "expected": expected}).groupby("group").agg(
        customers=("actual", "size"), actual=("actual", "mean"), expected=("expected", "mean")).reset_index()
    by_frequency.insert(0, "frequency", [str(g) if g < max_count else f"{max_count}+" for g in by_frequency["group"]])
    actual_total, expected_total = float(holdout.sum()), float(expected.sum())
    return {
        "duration": float(duration), "actual_total": actual_total, "expected_total": expected_total,
        "relative_error": expected_total / actual_total - 1 if actual_total > 0 else None,
        "by_frequency": by_frequency.drop(columns="group"),
    }


def spend_independence(frequency, monetary_value, *, negligible: float = 0.3, alpha: float = 0.05,
                       min_customers: int = 20) -> dict:
    """Correlation of the number of repeat purchases and the mean spend per repeat purchase among
    repeat buyers, with a verdict on the Gamma-Gamma independence assumption.

    The verdict reads the Spearman correlation's confidence interval (Fisher z with the
    Fieller–Hartley–Pearson variance 1.06/(n − 3); rank correlation because spend is skewed):
    ``independent`` when the whole interval lies inside ±``negligible`` (an association too weak to
    move the conditional spend; FHL 2005b accept CDNOW's 0.11), ``dependent`` when the interval
    excludes 0 but not values beyond ±``negligible``, ``cannot tell`` otherwise (the interval
    holds both 0 and a non-negligible correlation) or with fewer than ``min_customers`` repeat buyers.
    """
    x = np.asarray(frequency, float)
    m = np.asarray(monetary_value, float)
    repeat = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[repeat], m[repeat]
    n = int(x.size)
    out: dict = {"n": n, "negligible": negligible, "pearson": None, "pearson_p_value": None,
                 "spearman": None, "spearman_p_value": None, "spearman_ci": None, "verdict": "cannot tell"}
    if n < 3 or np.ptp(x) == 0 or np.ptp(m) == 0:
        return out
    pearson = stats.pearsonr(x, m)
    spearman = stats.spearmanr(x, m)
    z = np.arctanh(np.clip(spearman.statistic, -0.999999, 0.999999))
    half_width = stats.norm.ppf(1 - alpha / 2) * np.sqrt(1.06 / (n - 3)) if n > 3 else np.inf
    lower, upper = float(np.tanh(z - half_width)), float(np.tanh(z + half_width))
    out.update({"pearson": float(pearson.statistic), "pearson_p_value": float(pearson.pvalue),
                "spearman": float(spearman.statistic), "spearman_p_value": float(spearman.pvalue),
                "spearman_ci": [lower, upper]})
    if n < min_customers:
        return out
    if -negligible < lower and upper < negligible:
        out["verdict"] = "independent"
    elif lower > 0 or upper < 0:
        out["verdict"] = "dependent"
    return out
