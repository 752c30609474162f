"""BG/NBD: the beta-geometric/negative-binomial model of repeat buying.

While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α) (α a rate); after each
repeat purchase they drop out with probability p ~ Beta(a, b).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. Marketing Science 24(2), 275–284.
Fader, Hardie & Lee (2008). Computing P(alive) using the BG/NBD model (note 027, numerically stable
form of the likelihood).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1
from scipy.stats import nbinom

from .base import BTYDResults, TransactionModel, on_distinct, on_distinct_pairs


def bgnbd_loglik(params, x, t_x, T, distinct=None) -> np.ndarray:
    """Per-customer log-likelihood, FHL (2005a) eq. (6), combined with log-sum-exp; ``distinct``
    (see ``TransactionModel.distinct_columns``) computes the terms of x or T alone once per value."""
    r, alpha, a, b = params
    d = distinct or {}
    common = on_distinct(lambda v: gammaln(r + v) - gammaln(r) + r * np.log(alpha) - betaln(a, b), x, d.get("x"))
    alive = (on_distinct(lambda v: betaln(a, b + v), x, d.get("x"))
             - (r + x) * on_distinct(lambda v: np.log(alpha + v), T, d.get("T")))
    repeat = x > 0
    dropped = np.full_like(alive, -np.inf)
    dropped[repeat] = betaln(a + 1, b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    return common + np.logaddexp(alive, dropped)


class BetaGeo(TransactionModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a); see :class:`TransactionModel`."""

    param_names = ("r", "alpha", "a", "b")
    loglik_function = staticmethod(bgnbd_loglik)

    def _score(self, params):
        c = self.data_columns
        return bgnbd_score(params, c["frequency"], c["recency"], c["T"])


def bgnbd_score(params, x, t_x, T) -> np.ndarray:
    """Per-customer gradient of :func:`bgnbd_loglik` in (r, alpha, a, b): the common term plus
    the two branches weighted by their shares of the likelihood (d/dp ln B(p, q) = ψ(p) − ψ(p + q))."""
    r, alpha, a, b = params
    alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    dropped = np.full_like(alive, -np.inf)
    dropped[repeat] = betaln(a + 1, b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    w_alive = np.exp(alive - np.logaddexp(alive, dropped))
    w_dropped = 1 - w_alive
    psi_abx = digamma(a + b + x)
    b_minus = np.where(repeat, b + x - 1, 1.0)  # unused where x = 0 (weight 0)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w_alive * np.log(alpha + T) - w_dropped * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * (w_alive / (alpha + T) + w_dropped / (alpha + t_x))
    d_a = (-(digamma(a) - digamma(a + b)) + w_alive * (digamma(a) - psi_abx)
           + w_dropped * (digamma(a + 1) - psi_abx))
    d_b = (-(digamma(b) - digamma(a + b)) + w_alive * (digamma(b + x) - psi_abx)
           + w_dropped * (digamma(b_minus) - psi_abx))
    return np.column_stack([d_r, d_alpha, d_a, d_b])


class BetaGeoResults(BTYDResults):
    """BG/NBD estimates and predictions (FHL 2005a, eqs. 9–11)."""

    def expected_purchases(self, t):
        """E[X(t)]: expected repeat purchases of a new customer in a period of length t."""
        r, alpha, a, b = self.params
        t = np.asarray(t, dtype=float)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))

    def _log_odds_dropped(self, frequency, recency, T):
        r, alpha, a, b = self.params
        x = np.asarray(frequency, float)
        with np.errstate(divide="ignore"):
            odds = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (
                np.log(alpha + np.asarray(T, float)) - np.log(alpha + np.asarray(recency, float)))
        return np.where(x > 0, odds, -np.inf)

    def probability_alive(self, frequency, recency, T):
        """P(alive | x, t_x, T) (FHL 2008, note 021)."""
        return 1.0 / (1.0 + np.exp(self._log_odds_dropped(frequency, recency, T)))

    def expected_purchases_while_alive(self, t, frequency, T, *, compress: bool = True):
        """E[Y(t) | x, T, alive]: FHL (2005a) eq. (10) without its P(alive) factor. With ``compress``
        and a scalar ``t``, evaluated once per distinct (x, T) pair (the same values)."""
        r, alpha, a, b = self.params
        t = np.asarray(t, dtype=float)

        def while_alive(x, T):
            z = t / (alpha + T + t)
            log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
            bracket = 1 - np.exp(log_ratio) * hyp2f1(r + x, b + x, a + b + x - 1, z)
            return (a + b + x - 1) / (a - 1) * bracket

        # one hypergeometric function per distinct (x, T), which customers share by the thousand
        if compress and t.ndim == 0:
            return on_distinct_pairs(while_alive, frequency, T)
        return while_alive(np.asarray(frequency, float), np.asarray(T, float))

    def conditional_expected_purchases(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T]: expected purchases in the next t periods (FHL 2005a, eq. 10)."""
        return self.expected_purchases_while_alive(t, frequency, T) * self.probability_alive(frequency, recency, T)

    def probability_of_purchases(self, x, t):
        """P(X(t) = x): the probability that a new customer makes x repeat purchases in a period of
        length t (FHL 2005a, eq. 8); the negative binomial's pmf and tail from scipy (no cancellation)."""
        r, alpha, a, b = self.params
        x, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(t, float))
        stay = alpha / (alpha + t)
        still_alive = np.exp(betaln(a, b + x) - betaln(a, b) + nbinom.logpmf(x, r, stay))
        with np.errstate(invalid="ignore"):
            dropped = np.exp(betaln(a + 1, b + x - 1) - betaln(a, b)) * nbinom.sf(x - 1, r, stay)
        return still_alive + np.where(x > 0, dropped, 0.0)


BetaGeo.natural_results = BetaGeoResults
