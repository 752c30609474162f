"""MBG/NBD: the BG/NBD with a possible dropout right after the first purchase too.

References
----------
Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of
models for customer base analysis. International Journal of Research in Marketing 24(3), 201–209.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. Marketing Science 24(2), 275–284 (eq. 8: P(X(t) = x)).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1
from scipy.stats import nbinom

from .base import TransactionModel, TransactionResults, beta_geometric_count_pmf, on_distinct, on_distinct_pairs
from .bgnbd import beta_geometric_derivative_sums


def mbgnbd_loglik(params, x, t_x, T, distinct=None):
    """Per-row log-likelihood; ``distinct`` (see ``TransactionModel.distinct_columns``) computes the
    terms of one variable once per distinct value, with the same result."""
    r, alpha, a, b = params
    d = distinct or {}
    common = on_distinct(lambda v: gammaln(r + v) - gammaln(r) + r * np.log(alpha) - betaln(a, b), x, d.get("x"))
    alive = (on_distinct(lambda v: betaln(a, b + v + 1), x, d.get("x"))
             - (r + x) * on_distinct(lambda v: np.log(alpha + v), T, d.get("T")))
    dropped = (on_distinct(lambda v: betaln(a + 1, b + v), x, d.get("x"))
               - (r + x) * on_distinct(lambda v: np.log(alpha + v), t_x, d.get("t_x")))
    return common + np.logaddexp(alive, dropped)


class ModifiedBetaGeo(TransactionModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007); see :class:`TransactionModel`."""

    param_names = ("r", "alpha", "a", "b")
    loglik_function = staticmethod(mbgnbd_loglik)

    @staticmethod
    def derivative_sums(params, x, t_x, T, weights, distinct, hessian):
        # the BG/NBD's two branches with b + x + 1 for b + x (a dropout chance at the first purchase too)
        return beta_geometric_derivative_sums(params, x, t_x, T, weights, distinct, hessian, shift=1)


class ModifiedBetaGeoResults(TransactionResults):
    """MBG/NBD estimates and predictions (no covariates: ``covariates=`` is accepted for the common
    signature of :class:`TransactionResults` and must be None)."""

    def expected_purchases(self, t, *, covariates=None):
        r, alpha, a, b = self.customer_params(covariates)
        t = np.asarray(t, float)
        return b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))

    def probability_alive(self, frequency, recency, T, *, covariates=None):
        r, alpha, a, b = self.customer_params(covariates)
        x, t_x, T = (np.asarray(v, float) for v in (frequency, recency, T))
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return 1.0 / (1.0 + np.exp(log_odds))

    def expected_purchases_while_alive(self, t, frequency, T, *, compress: bool = True, covariates=None):
        r, alpha, a, b = self.customer_params(covariates)
        t = np.asarray(t, float)

        def while_alive(x, T):
            z = t / (alpha + T + t)
            bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x + 1, a + b + x, z)
            return (a + b + x) / (a - 1) * bracket

        if compress and t.ndim == 0:
            return on_distinct_pairs(while_alive, frequency, T)
        return while_alive(np.asarray(frequency, float), np.asarray(T, float))

    def conditional_expected_purchases(self, t, frequency, recency, T, *, covariates=None):
        return (self.expected_purchases_while_alive(t, frequency, T, covariates=covariates)
                * self.probability_alive(frequency, recency, T, covariates=covariates))

    def alive_count_pmf(self, t, frequency, T, params, max_count: int) -> np.ndarray:
        """P(n purchases in (T, T + t] | x, T, alive at T), n = 0..``max_count`` (customers × counts).

        Alive at T, the customer survived x + 1 dropout chances (at time 0 and after each repeat
        purchase): the alive branch of the likelihood, B(a, b + x + 1)/B(a, b) (α+T)^−(r+x), gives
        λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x + 1). From T on a chance comes only after each
        purchase (the one at time 0 is past), so the count is the BG/NBD's min(N, G) at those
        parameters (Fader, Hardie & Lee 2005a, eq. 8). ``params`` one array per parameter."""
        r, alpha, a, b = params
        x, T = np.asarray(frequency, float), np.asarray(T, float)
        return beta_geometric_count_pmf(r + x, alpha + T, a, b + x + 1, float(t), max_count)

    def simulate_future_purchases(self, t, frequency, recency, T, *, covariates=None, n_sims: int = 2000,
                                  seed=0) -> np.ndarray:
        """Draws (``n_sims`` × customers) of each customer's purchases in (T, T + t] given their
        history: alive with P(alive); if alive, λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x + 1);
        then min(N, G), N ~ Poisson(λt), G ~ Geometric(p) on 1, 2, … (the check of
        :meth:`alive_count_pmf`)."""
        x, t_x, T = (np.asarray(v, float) for v in (frequency, recency, T))
        r, alpha, a, b = self.customer_params(covariates)
        rng = np.random.default_rng(seed)
        shape = (n_sims, x.size)
        alive = rng.random(shape) < self.probability_alive(x, t_x, T)
        rate = rng.gamma(r + x, 1.0 / (alpha + T), shape)
        dropout = rng.beta(a, b + x + 1, shape)
        return np.where(alive, np.minimum(rng.poisson(rate * float(t)), rng.geometric(dropout)), 0)

    def probability_of_purchases(self, x, t):
        """P(X(t) = x) for a new customer. Given λ and p, x purchases and survival of all x + 1
        dropout chances (the first at time 0), or x purchases by t and dropout at the x-th:
        (1 − p)^(x+1) P(N(t) = x) + p (1 − p)^x P(N(t) ≥ x); mixed over Beta(a, b) and Gamma(r, α)
        as in FHL (2005a, eq. 8)."""
        r, alpha, a, b = self.params
        x, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(t, float))
        stay = alpha / (alpha + t)
        still_alive = np.exp(betaln(a, b + x + 1) - betaln(a, b) + nbinom.logpmf(x, r, stay))
        dropped = np.exp(betaln(a + 1, b + x) - betaln(a, b)) * nbinom.sf(x - 1, r, stay)
        return still_alive + dropped


ModifiedBetaGeo.natural_results = ModifiedBetaGeoResults
