"""Summaries of survival data and of a survival model's ranking: Harrell's concordance and the
restricted mean survival time.

References
----------
Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. & Rosati, R. A. (1982). Evaluating the yield
of medical tests. JAMA 247(18), 2543–2546.
Royston, P. & Parmar, M. K. B. (2013). Restricted mean survival time: an alternative to the hazard
ratio for the design and analysis of randomized trials with a time-to-event outcome. BMC Medical
Research Methodology 13, 152.
Klein, J. P. & Moeschberger, M. L. (2003). Survival Analysis, 2nd ed., section 4.5 (variance of the
restricted mean).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats


def _fenwick_counts(order_of_insertion: list[np.ndarray], queries: list[np.ndarray], size: int):
    """For each group, how many ranks inserted by earlier groups lie below, and equal to, each of
    its query ranks (a Fenwick tree over ranks 1..size: n log n in all). Each group's queries and
    insertions walk the tree together, one array step per level, so the Python work grows with the
    number of groups (distinct times) and log(size), not with the number of customers."""
    tree = np.zeros(size + 1, np.int64)

    def prefix(ranks):  # number of inserted ranks ≤ each rank (1-based); tree[0] stays 0
        total = np.zeros(ranks.size, np.int64)
        position = ranks.astype(np.int64)
        while position.any():
            total += tree[position]
            position -= position & -position
        return total

    below, equal = [], []
    for inserted, asked in zip(order_of_insertion, queries):
        asked = np.asarray(asked, np.int64)
        at_or_below, strictly_below = prefix(asked), prefix(asked - 1)
        below.append(strictly_below)
        equal.append(at_or_below - strictly_below)
        position = np.asarray(inserted, np.int64)
        while position.size:
            np.add.at(tree, position, 1)  # repeated ranks each count
            position = position + (position & -position)
            position = position[position <= size]
    return below, equal


def concordance_index(duration, event, risk_score) -> dict[str, Any]:
    """Harrell's C: of the comparable pairs, the share in which the customer with the higher risk
    score ends first (ties in the score count one half).

    A pair is comparable when the shorter time is an event; at equal times, an event and a censored
    time are comparable (the censored customer outlived the event), two events are not (R's
    ``survival::concordance`` convention). For a Cox model the risk score is the linear predictor.

    Returns
    -------
    dict with ``c``, ``concordant``, ``discordant``, ``tied_risk`` and ``comparable`` pair counts.
    """
    time = np.asarray(duration, float)
    status = np.asarray(event, int)
    risk = np.asarray(risk_score, float)
    if not (time.shape == status.shape == risk.shape) or time.ndim != 1:
        raise ValueError(f"duration, event and risk_score must be 1-D of one length: {time.shape}, "
                         f"{status.shape}, {risk.shape}")
    ranks = stats.rankdata(risk, method="dense").astype(np.int64)
    size = int(ranks.max()) if ranks.size else 0
    # walk the distinct times from the longest down: the tree holds everyone who lasted longer
    distinct_times = np.unique(time)[::-1]
    order = np.argsort(-time, kind="stable")
    starts = np.searchsorted(-time[order], -distinct_times, side="left")
    ends = np.append(starts[1:], time.size)
    groups = [order[s:e] for s, e in zip(starts, ends)]
    inserted = [ranks[g] for g in groups]
    asked = [ranks[g[status[g] == 1]] for g in groups]
    below, equal = _fenwick_counts(inserted, asked, size)
    concordant = discordant = tied = comparable = 0
    longer = 0
    for g, lower, same in zip(groups, below, equal):
        event_ranks = ranks[g[status[g] == 1]]
        censored_ranks = np.sort(ranks[g[status[g] == 0]])
        # comparable partners: everyone with a longer time, and the censored at this same time
        n_partners = longer + censored_ranks.size
        lower_here = lower + np.searchsorted(censored_ranks, event_ranks, side="left")
        same_here = same + (np.searchsorted(censored_ranks, event_ranks, side="right")
                            - np.searchsorted(censored_ranks, event_ranks, side="left"))
        # a higher risk score than the longer-lived partner is concordant
        concordant += int(lower_here.sum())
        tied += int(same_here.sum())
        discordant += int((n_partners - lower_here - same_here).sum())
        comparable += n_partners * event_ranks.size
        longer += g.size
    c = (concordant + 0.5 * tied) / comparable if comparable else float("nan")
    return {"c": float(c), "concordant": concordant, "discordant": discordant, "tied_risk": tied,
            "comparable": comparable}


def restricted_mean_survival_time(duration, event, horizon: float, alpha: float = 0.05) -> dict[str, Any]:
    """Area under the Kaplan–Meier curve from 0 to ``horizon``: the expected time survived within the
    horizon, with the Greenwood-based standard error

        Var = Σ_{t_k ≤ τ} A_k² d_k / (n_k (n_k − d_k)),   A_k = ∫_{t_k}^τ S(u) du

    (Klein & Moeschberger 2003, eq. 4.5.2) and a normal confidence interval.
    """
    time = np.asarray(duration, float)
    status = np.asarray(event, int)
    tau = float(horizon)
    if not tau > 0:
        raise ValueError(f"horizon must be > 0; got {horizon}")
    event_times, deaths = np.unique(time[status == 1], return_counts=True)
    at_risk = time.size - np.searchsorted(np.sort(time), event_times, side="left")
    survival = np.cumprod(1 - deaths / at_risk)
    within = event_times <= tau
    event_times, deaths, at_risk, survival = event_times[within], deaths[within], at_risk[within], survival[within]
    # S is 1 before the first event time and survival[k] from event_times[k] to the next step
    steps = np.concatenate([[0.0], event_times, [tau]])
    levels = np.concatenate([[1.0], survival])
    pieces = levels * np.diff(steps)
    rmst = float(pieces.sum())
    area_after = np.cumsum(pieces[::-1])[::-1][1:]  # A_k: the area from t_k to τ
    with np.errstate(divide="ignore", invalid="ignore"):
        # when all at risk die (n_k = d_k), S is 0 after t_k and so is A_k: no contribution
        terms = np.where(at_risk > deaths, area_after ** 2 * deaths / (at_risk * (at_risk - deaths)), 0.0)
    se = float(np.sqrt(terms.sum()))
    z = stats.norm.ppf(1 - alpha / 2)
    return {"rmst": rmst, "se": se, "ci": [rmst - z * se, rmst + z * se], "horizon": tau,
            "horizon_beyond_last_time": bool(tau > time.max()) if time.size else True}
