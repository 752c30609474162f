"""BG/BB: the beta-geometric/beta-Bernoulli model of discrete-time repeat transactions.

A customer has ``n`` transaction opportunities after the first. While alive, they transact at each
opportunity with probability p ~ Beta(α, β); at the start of each opportunity a living customer
becomes inactive with probability θ ~ Beta(γ, δ). The data are, per customer, the number of repeat
transactions ``x``, the opportunity of the last one ``t_x`` (0 when x = 0) and ``n``.

References
----------
Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time
noncontractual setting. Marketing Science 29(6), 1086–1108 (likelihood eq. 5, P(X(n) = x) eq. 7,
E[X(n)] eq. 8, P(alive) eq. 11, conditional expectation eq. 13, DERT eq. 15).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1, logsumexp

from .base import BTYDResults, LogScaleLikelihoodModel


def _check_data(x, t_x, n):
    x, t_x, n = (np.asarray(v, dtype=float) for v in (x, t_x, n))
    if not (x.shape == t_x.shape == n.shape):
        raise ValueError(f"frequency, recency and n_periods differ in length: {x.shape}, {t_x.shape}, {n.shape}")
    for name, values in (("frequency", x), ("recency", t_x), ("n_periods", n)):
        bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} must be a whole number ≥ 0; row {row} has {values[row]}")
    for message, bad in (("frequency > recency", x > t_x), ("recency > n_periods", t_x > n),
                         ("recency > 0 with frequency 0", (x == 0) & (t_x > 0)),
                         ("frequency ≥ 1 with recency < frequency", (x > 0) & (t_x < x))):
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"BG/BB data with {message}: row {row} has frequency {x[row]:g}, "
                             f"recency {t_x[row]:g}, n_periods {n[row]:g}")
    return x, t_x, n


def _log_alive_term(params, x, n):
    """log of B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ): alive through opportunity n."""
    alpha, beta, gamma, delta = params
    return (betaln(alpha + x, beta + n - x) - betaln(alpha, beta)
            + betaln(gamma, delta + n) - betaln(gamma, delta))


def bgbb_loglik(params, x, t_x, n) -> np.ndarray:
    """Per-customer log-likelihood, FHS (2010) eq. (5): alive through n, or inactive from
    opportunity t_x + i + 1, i = 0, …, n − t_x − 1."""
    alpha, beta, gamma, delta = params
    x, t_x, n = np.broadcast_arrays(*(np.asarray(v, float) for v in (x, t_x, n)))
    shape = x.shape
    x, t_x, n = x.ravel(), t_x.ravel(), n.ravel()
    alive = _log_alive_term(params, x, n)
    longest = int(np.max(n - t_x)) if x.size else 0
    i = np.arange(longest, dtype=float)[:, None]  # one row per i, one column per customer
    dropped = (betaln(alpha + x, beta + t_x - x + i) - betaln(alpha, beta)
               + betaln(gamma + 1, delta + t_x + i) - betaln(gamma, delta))
    dropped = np.where(i < n - t_x, dropped, -np.inf)
    return logsumexp(np.vstack([alive[None, :], dropped]), axis=0).reshape(shape)


class BetaGeoBetaBinom(LogScaleLikelihoodModel):
    """BG/BB model of discrete-time repeat transactions (Fader, Hardie & Shang 2010).

    Parameters
    ----------
    frequency : array_like
        Repeat transactions x in the n opportunities after the first transaction.
    recency : array_like
        Opportunity t_x of the last repeat transaction (0 when there is none).
    n_periods : array_like
        Number of transaction opportunities n after the first.
    weights : array_like, optional
        Frequency weights (customers per row), e.g. the counts of a (x, t_x, n) table.
    compress : bool
        Fit identical rows once, with their count as weight (default).
    """

    param_names = ("alpha", "beta", "gamma", "delta")

    def __init__(self, frequency, recency, n_periods, weights=None, compress=True, **kwargs):
        x, t_x, n = _check_data(frequency, recency, n_periods)
        if weights is not None and (np.any(~np.isfinite(np.asarray(weights, float)))
                                    or np.any(np.asarray(weights, float) < 0)):
            raise ValueError("weights must be finite and ≥ 0")
        super().__init__({"frequency": x, "recency": t_x, "n_periods": n}, weights, compress, **kwargs)

    def _loglik(self, params):
        c = self.data_columns
        return bgbb_loglik(params, c["frequency"], c["recency"], c["n_periods"])


class BetaGeoBetaBinomResults(BTYDResults):
    """BG/BB estimates and predictions (FHS 2010, eqs. 7, 8, 11, 13, 15)."""

    def _arrays(self, frequency, recency, n_periods):
        return (np.asarray(v, dtype=float) for v in (frequency, recency, n_periods))

    def _log_likelihood(self, x, t_x, n):
        return bgbb_loglik(self.params.to_numpy(), x, t_x, n)

    def expected_purchases(self, n):
        """E[X(n)]: expected transactions of a new customer in n opportunities (eq. 8)."""
        alpha, beta, gamma, delta = self.params
        n = np.asarray(n, dtype=float)
        return alpha / (alpha + beta) * delta / (gamma - 1) * (
            1 - np.exp(gammaln(gamma + delta) - gammaln(1 + delta) + gammaln(1 + delta + n) - gammaln(gamma + delta + n)))

    def probability_of_purchases(self, x, n):
        """P(X(n) = x): the probability of x transactions in n opportunities (eq. 7)."""
        alpha, beta, gamma, delta = self.params
        x, n = np.broadcast_arrays(np.asarray(x, float), np.asarray(n, float))
        log_choose = gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)
        alive = log_choose + _log_alive_term(self.params.to_numpy(), x, n)
        longest = int(np.max(n)) if n.size else 0
        i = np.arange(longest, dtype=float).reshape((-1,) + (1,) * x.ndim)  # i = x, …, n − 1
        with np.errstate(invalid="ignore"):
            dropped = (gammaln(i + 1) - gammaln(x + 1) - gammaln(i - x + 1)
                       + betaln(alpha + x, beta + i - x) - betaln(alpha, beta)
                       + betaln(gamma + 1, delta + i) - betaln(gamma, delta))
        dropped = np.where((i >= x) & (i < n), dropped, -np.inf)
        total = logsumexp(np.concatenate([alive[None], dropped]), axis=0)
        return np.where((x >= 0) & (x <= n), np.exp(total), 0.0)

    def probability_alive(self, frequency, recency, n_periods):
        """P(alive at opportunity n + 1 | x, t_x, n) (eq. 11)."""
        x, t_x, n = self._arrays(frequency, recency, n_periods)
        alpha, beta, gamma, delta = self.params
        log_alive_next = (betaln(alpha + x, beta + n - x) - betaln(alpha, beta)
                          + betaln(gamma, delta + n + 1) - betaln(gamma, delta))
        return np.exp(log_alive_next - self._log_likelihood(x, t_x, n))

    def conditional_expected_purchases(self, n_future, frequency, recency, n_periods):
        """E[X(n, n + n*) | x, t_x, n]: expected transactions in the next n* opportunities (eq. 13)."""
        x, t_x, n = self._arrays(frequency, recency, n_periods)
        alpha, beta, gamma, delta = self.params
        n_future = np.asarray(n_future, dtype=float)
        log_front = (betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
                     + np.log(delta) + gammaln(gamma + delta) - gammaln(1 + delta)
                     - self._log_likelihood(x, t_x, n))
        # δ/(γ − 1) times a bracket of the same sign as γ − 1 (γ < 1 is common: the donations' 0.657)
        bracket = (np.exp(gammaln(1 + delta + n) - gammaln(gamma + delta + n))
                   - np.exp(gammaln(1 + delta + n + n_future) - gammaln(gamma + delta + n + n_future)))
        return np.exp(log_front) * bracket / (gamma - 1)

    def discounted_expected_residual_transactions(self, discount_rate, frequency, recency, n_periods):
        """DERT(d | x, t_x, n): expected transactions from opportunity n + 1 on, each discounted by
        (1 + d)^−(t − n) (eq. 15):

        B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n+1)/(B(γ,δ)(1+d)) · 2F1(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L.
        """
        x, t_x, n = self._arrays(frequency, recency, n_periods)
        alpha, beta, gamma, delta = self.params
        d = float(discount_rate)
        if not d > 0:
            raise ValueError(f"discount_rate must be > 0 (the undiscounted sum diverges when γ ≤ 1); got {d}")
        log_front = (betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
                     + betaln(gamma, delta + n + 1) - betaln(gamma, delta) - np.log1p(d)
                     - self._log_likelihood(x, t_x, n))
        return np.exp(log_front) * hyp2f1(1.0, delta + n + 1, gamma + delta + n + 1, 1 / (1 + d))


BetaGeoBetaBinom.natural_results = BetaGeoBetaBinomResults
