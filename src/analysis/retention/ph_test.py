"""The Grambsch–Therneau test of proportional hazards for a fitted Cox model.

Under proportional hazards the scaled Schoenfeld residual r*_k = β̂ + d·V̂·s_k at the k-th event
(s_k the Schoenfeld residual, d the number of events, V̂ the estimated covariance of β̂) has mean
β_j(t_k) ≈ β̂_j for every term j: a trend of r*_kj in a transform g(t) of time says the term's
hazard ratio drifts. The score test of β_j(t) = β_j + θ_j (g(t) − ḡ) in its one-step approximation
(Grambsch & Therneau 1994, eq. 5; R's ``cox.zph`` before survival 3.0, and lifelines'
``proportional_hazard_test``) gives per term

    T_j = (Σ_k (g_k − ḡ) r*_kj)² / (d · V̂_jj · Σ_k (g_k − ḡ)²),  χ²(1),

and globally T = u'V̂u · d / Σ_k (g_k − ḡ)² with u = Σ_k (g_k − ḡ) s_k, χ²(p).

References
----------
Grambsch, P. M. & Therneau, T. M. (1994). Proportional hazards tests and diagnostics based on
weighted residuals. Biometrika 81(3), 515–526.
Therneau, T. M. & Grambsch, P. M. (2000). Modeling Survival Data: Extending the Cox Model,
section 6.2. Springer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

TRANSFORMS = ("km", "rank", "identity", "log")


def _left_continuous_km(times: np.ndarray, status: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Kaplan–Meier survival just before each time in ``at`` (S(t−)), on all observations."""
    event_times, deaths = np.unique(times[status == 1], return_counts=True)
    at_risk = times.size - np.searchsorted(np.sort(times), event_times, side="left")
    survival_after = np.cumprod(1 - deaths / at_risk)
    before = np.searchsorted(event_times, at, side="left")  # event times strictly earlier than t
    return np.concatenate([[1.0], survival_after])[before]


def transformed_times(times, status, transform: str = "km") -> np.ndarray:
    """g(t) at each event (rows with status 1, in order): ``km`` 1 − S(t−) (R's default),
    ``rank`` the rank among event times (ties averaged), ``identity`` or ``log``."""
    times, status = np.asarray(times, float), np.asarray(status, int)
    event_times = times[status == 1]
    if transform == "km":
        return 1 - _left_continuous_km(times, status, event_times)
    if transform == "rank":
        return stats.rankdata(event_times)
    if transform == "identity":
        return event_times
    if transform == "log":
        return np.log(event_times)
    raise ValueError(f"transform must be one of {TRANSFORMS}; got {transform!r}")


def scaled_schoenfeld_residuals(results, transform: str = "km") -> pd.DataFrame:
    """One row per event: its time, g(time) and the scaled Schoenfeld residuals β̂ + d·V̂·s_k (one
    column per term), whose smoothed plot against g estimates β_j(t)."""
    model = results.model
    _check_supported(model)
    status = np.asarray(model.status, int)
    times = np.asarray(model.endog, float)
    events = status == 1
    schoenfeld = np.asarray(results.schoenfeld_residuals)[events]
    cov = np.asarray(results.cov_params())
    d = int(events.sum())
    scaled = np.asarray(results.params)[None, :] + d * schoenfeld @ cov
    frame = pd.DataFrame(scaled, columns=list(model.exog_names))
    frame.insert(0, "g", transformed_times(times, status, transform))
    frame.insert(0, "time", times[events])
    return frame


def proportional_hazards_test(results, transform: str = "km") -> pd.DataFrame:
    """Grambsch–Therneau test per term and globally, from a fitted statsmodels ``PHReg``.

    Parameters
    ----------
    results : statsmodels PHRegResults
        A fit without case weights or late entry.
    transform : {"km", "rank", "identity", "log"}
        The function of time the residuals are tested against (default ``km``, as in R).

    Returns
    -------
    DataFrame indexed by term and ``GLOBAL``, with ``rho`` (correlation of g with the scaled
    residual), ``chisq``, ``df`` and ``p_value``.
    """
    model = results.model
    _check_supported(model)
    status = np.asarray(model.status, int)
    events = status == 1
    d = int(events.sum())
    if d < 2:
        raise ValueError(f"the proportional-hazards test needs at least 2 events; the fit has {d}")
    schoenfeld = np.asarray(results.schoenfeld_residuals)[events]
    if not np.all(np.isfinite(schoenfeld)):
        raise ValueError("some events have no Schoenfeld residual (strata without a risk set)")
    cov = np.asarray(results.cov_params())
    g = transformed_times(np.asarray(model.endog, float), status, transform)
    centred = g - g.mean()
    spread = float(centred @ centred)
    if spread == 0:
        raise ValueError("all events share one transformed time: the test has no information")
    scaled = np.asarray(results.params)[None, :] + d * schoenfeld @ cov
    trend = centred @ (d * schoenfeld @ cov)  # Σ (g − ḡ) r*, per term (Σ (g − ḡ) β̂ = 0)
    per_term = trend ** 2 / (d * np.diag(cov) * spread)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.array([np.corrcoef(centred, scaled[:, j])[0, 1] for j in range(scaled.shape[1])])
    u = centred @ schoenfeld
    overall = float(u @ cov @ u) * d / spread
    k = schoenfeld.shape[1]
    return pd.DataFrame({
        "rho": np.append(rho, np.nan),
        "chisq": np.append(per_term, overall),
        "df": np.append(np.ones(k, int), k),
        "p_value": np.append(stats.chi2.sf(per_term, 1), stats.chi2.sf(overall, k)),
    }, index=pd.Index(list(model.exog_names) + ["GLOBAL"], name="term"))


def _check_supported(model) -> None:
    if getattr(model, "weights", None) is not None:
        raise ValueError("the proportional-hazards test is implemented for unweighted Cox fits only")
    entry = getattr(model, "entry", None)
    if entry is not None and np.any(np.asarray(entry) > 0):
        raise ValueError("the proportional-hazards test is implemented without late entry only")
