"""Satisfaction -> behaviour, when survey respondents carry the customer ids of the transaction log.

The survey is a snapshot; behaviour is read from the log *after* it (with a calibration end, the
``*_holdout`` columns of the customer summary). Each function returns data and states its sample:

- :func:`repeat_purchase_logit`: logit of buying again on satisfaction (statsmodels ``Logit``);
- :func:`satisfaction_loyalty_curve`: repeat-purchase share per satisfaction level (Wilson);
- :func:`churn_cox`: Cox model of time to churn with satisfaction as a covariate (``PHReg``), on
  the durations of :func:`churn_after_survey` (time from the survey to churn);
- :func:`share_by_level`: share with an outcome (churned, bought again) per level (Wilson);
- :func:`value_by_level`: spend or CLV per satisfaction level (t intervals);
- :func:`value_regression`: log(1 + value) on satisfaction and controls (OLS, HC1 errors), the
  value difference per point of satisfaction holding past purchases fixed;
- :func:`respondent_comparison`: do respondents differ from non-respondents in recency, frequency
  and value? (Welch's t test or Mann-Whitney) — the survey's bias, stated rather than hidden.

References
----------
Anderson, E. W. & Sullivan, M. W. (1993). The antecedents and consequences of customer
    satisfaction for firms. Marketing Science 12(2), 125-143.
Mittal, V. & Kamakura, W. A. (2001). Satisfaction, repurchase intent, and repurchase behavior.
    Journal of Marketing Research 38(1), 131-142.
Cox, D. R. (1972). Regression models and life-tables. JRSS B 34(2), 187-220.
Welch, B. L. (1947). The generalization of "Student's" problem when several different population
    variances are involved. Biometrika 34(1-2), 28-35.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.discrete.discrete_model import Logit
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from .intervals import t_interval, wilson_interval


def join_survey(summary: pd.DataFrame, survey: pd.DataFrame, on: str = "customer_id") -> pd.DataFrame:
    """Respondents with their customer summary (inner join on the customer id, compared as text).

    ``attrs["unmatched"]`` counts respondents whose id is not in the log.
    """
    left = summary.assign(**{on: summary[on].astype(str)})
    right = survey.assign(**{on: survey[on].astype(str)})
    joined = right.merge(left, on=on, how="inner", validate="one_to_one")
    joined.attrs["unmatched"] = int(len(right) - len(joined))
    return joined.sort_values(on, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class LinkFit:
    """A fitted link model: its coefficient table and sample."""

    table: pd.DataFrame          # coef, std_error, p_value, lower, upper, and exp(coef) as ratio
    nobs: int
    n_dropped: int
    fit: object                  # the statsmodels results


def _design(joined: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return joined[columns].astype(float)


def repeat_purchase_logit(joined: pd.DataFrame, outcome: str, satisfaction: str,
                          controls: list[str] | tuple[str, ...] = (), level: float = 0.95) -> LinkFit:
    """Logit P(outcome = 1) = logistic(b0 + b1 satisfaction + controls'g); rows with a missing value
    are dropped. ``exp(b1)`` (column ``ratio``) is the odds ratio per unit of satisfaction."""
    columns = [satisfaction, *controls]
    frame = joined[[outcome, *columns]].dropna()
    y = frame[outcome].astype(float)
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise ValueError(f"{outcome!r} must be 0/1")
    fit = Logit(y, add_constant(_design(frame, columns), has_constant="add")).fit(disp=False)
    return LinkFit(_table(fit, level), int(fit.nobs), len(joined) - len(frame), fit)


def _table(fit, level: float) -> pd.DataFrame:
    interval = fit.conf_int(alpha=1 - level)
    table = pd.DataFrame({"coef": fit.params, "std_error": fit.bse, "p_value": fit.pvalues,
                          "lower": interval[0], "upper": interval[1]})
    table["ratio"] = np.exp(table["coef"])
    return table.rename_axis("term")


def satisfaction_loyalty_curve(joined: pd.DataFrame, outcome: str, level_column: str,
                               level: float = 0.95) -> pd.DataFrame:
    """Share with ``outcome`` = 1 at each satisfaction level, with Wilson intervals."""
    return share_by_level(joined, outcome, level_column, level, count_name="repeat")


def share_by_level(joined: pd.DataFrame, outcome: str, level_column: str, level: float = 0.95,
                   count_name: str = "events") -> pd.DataFrame:
    """Respondents (``n``), those with ``outcome`` = 1 (``count_name``) and their share at each
    satisfaction level, with Wilson intervals."""
    rows = {}
    for value, group in joined.dropna(subset=[level_column, outcome]).groupby(level_column, sort=True):
        hits, n = int(group[outcome].sum()), len(group)
        lower, upper = wilson_interval(hits, n, level)
        rows[value] = {"n": n, count_name: hits, "share": hits / n, "lower": lower, "upper": upper}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(level_column)


def churn_after_survey(joined: pd.DataFrame, threshold: float, survey_age: str = "T_cal",
                       recency: str = "recency_end", age: str = "T_end") -> pd.DataFrame:
    """Time from the survey to churn, under the dormancy rule of the retention chapter
    (:mod:`analysis.retention.churn`), on each customer's own clock (time since the first purchase):

    - the survey is at ``survey_age`` (the calibration end), the log ends at ``age``, the last
      purchase in the whole log is at ``recency``;
    - churned when the log ends more than ``threshold`` after the last purchase (``age - recency >
      threshold``); the customer's buying ended at the last purchase, so the duration is the time
      from the survey to it, zero when there was none after the survey;
    - otherwise censored at the end of the log (``age - survey_age``).
    """
    after_survey = (joined[recency] - joined[survey_age]).clip(lower=0.0)
    churned = (joined[age] - joined[recency]) > threshold
    duration = np.where(churned, after_survey, joined[age] - joined[survey_age])
    return pd.DataFrame({"duration": duration, "churned": churned.astype(int)}, index=joined.index)


def churn_cox(joined: pd.DataFrame, duration: str, event: str, satisfaction: str,
              controls: list[str] | tuple[str, ...] = (), level: float = 0.95) -> LinkFit:
    """Cox proportional hazards of churn on satisfaction (Breslow ties); ``ratio`` is the hazard
    ratio per unit. A hazard ratio below 1 means satisfied customers churn later."""
    columns = [satisfaction, *controls]
    frame = joined[[duration, event, *columns]].dropna()
    fit = PHReg(frame[duration].astype(float), _design(frame, columns), status=frame[event].astype(int),
                ties="breslow").fit()
    interval = fit.conf_int(alpha=1 - level)
    table = pd.DataFrame({"coef": fit.params, "std_error": fit.bse, "p_value": fit.pvalues,
                          "lower": interval[:, 0], "upper": interval[:, 1]}, index=pd.Index(columns, name="term"))
    table["ratio"] = np.exp(table["coef"])
    return LinkFit(table, len(frame), len(joined) - len(frame), fit)


def value_by_level(joined: pd.DataFrame, level_column: str, value_columns: list[str],
                   level: float = 0.95) -> pd.DataFrame:
    """Mean (t interval) and median of each value column (spend, CLV, ...) per satisfaction level."""
    rows = []
    for value, group in joined.dropna(subset=[level_column]).groupby(level_column, sort=True):
        for column in value_columns:
            n, mean, se, lower, upper = t_interval(group[column], level)
            rows.append({level_column: value, "measure": column, "n": n, "mean": mean, "std_error": se,
                         "lower": lower, "upper": upper, "median": float(group[column].median())})
    return pd.DataFrame(rows).set_index([level_column, "measure"])


def value_regression(joined: pd.DataFrame, value: str, satisfaction: str,
                     controls: list[str] | tuple[str, ...] = (), level: float = 0.95) -> LinkFit:
    """OLS of log(1 + value) on satisfaction and controls, heteroskedasticity-robust (HC1) errors.

    Spend and CLV are skewed and often zero: on the log(1 + value) scale a coefficient b is,
    approximately, a relative difference of exp(b) - 1 per point of satisfaction (column
    ``ratio`` holds exp(b)). Rows with a missing value are dropped; negative values are refused.
    """
    columns = [satisfaction, *controls]
    frame = joined[[value, *columns]].dropna()
    if (frame[value] < 0).any():
        raise ValueError(f"{value!r} has negative values: log(1 + value) is not defined")
    fit = OLS(np.log1p(frame[value].astype(float)), add_constant(_design(frame, columns), has_constant="add")
                 ).fit(cov_type="HC1")
    return LinkFit(_table(fit, level), int(fit.nobs), len(joined) - len(frame), fit)


def respondent_comparison(summary: pd.DataFrame, respondent_ids, columns=("recency", "frequency", "monetary_value"),
                          test: str = "welch", id_column: str = "customer_id", level: float = 0.95) -> pd.DataFrame:
    """Respondents against non-respondents on each behaviour column.

    ``test="welch"``: difference of means (respondents - non-respondents) with Welch's interval
    and p-value; ``test="mannwhitney"``: difference of medians with the Mann-Whitney U test's
    p-value (two-sided) and no interval.
    """
    if test not in ("welch", "mannwhitney"):
        raise ValueError("test must be 'welch' or 'mannwhitney'")
    responded = summary[id_column].astype(str).isin(pd.Index(respondent_ids).astype(str))
    rows = {}
    for column in columns:
        a = summary.loc[responded, column].dropna().to_numpy(float)
        b = summary.loc[~responded, column].dropna().to_numpy(float)
        row = {"n_respondents": a.size, "n_non_respondents": b.size}
        if test == "welch":
            result = stats.ttest_ind(a, b, equal_var=False)
            interval = result.confidence_interval(confidence_level=level)
            row.update(respondents=a.mean(), non_respondents=b.mean(), difference=a.mean() - b.mean(),
                       lower=interval.low, upper=interval.high, statistic=result.statistic, p_value=result.pvalue)
        else:
            result = stats.mannwhitneyu(a, b, alternative="two-sided")
            row.update(respondents=float(np.median(a)), non_respondents=float(np.median(b)),
                       difference=float(np.median(a) - np.median(b)), lower=np.nan, upper=np.nan,
                       statistic=result.statistic, p_value=result.pvalue)
        rows[column] = row
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("measure")
    table.attrs["test"] = test
    return table
