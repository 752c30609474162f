"""BG/NBD: the beta-geometric/negative-binomial model of repeat buying.

While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α) (α a rate); after each
repeat purchase they drop out with probability p ~ Beta(a, b). With time-invariant covariates x_i
(Fader & Hardie 2007, section 3): α_i = α·exp(−γ₁ᵀx_i), a_i = a·exp(γ₂ᵀx_i), b_i = b·exp(γ₃ᵀx_i),
so a positive purchase coefficient raises the mean purchase rate r/α_i, and the formulas below hold
with each customer's parameters.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. Marketing Science 24(2), 275–284.
Fader, Hardie & Lee (2008). Computing P(alive) using the BG/NBD model (note 027, numerically stable
form of the likelihood).
Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD
and BG/NBD models (note 019).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1, polygamma
from scipy.stats import nbinom

from .base import (TransactionModel, TransactionResults, beta_geometric_count_pmf, on_distinct, on_distinct_pairs,
                   weighted_sum)


def _at(value, rows):
    """A parameter at the selected rows: itself when it is one value for all customers."""
    return value[rows] if np.ndim(value) else value


def bgnbd_loglik(params, x, t_x, T, distinct=None) -> np.ndarray:
    """Per-customer log-likelihood, FHL (2005a) eq. (6), combined with log-sum-exp; ``distinct``
    (see ``TransactionModel.distinct_columns``) computes the terms of x or T alone once per value.
    ``params`` may hold one value per customer (covariates; then without ``distinct``)."""
    r, alpha, a, b = params
    d = distinct or {}
    common = on_distinct(lambda v: gammaln(r + v) - gammaln(r) + r * np.log(alpha) - betaln(a, b), x, d.get("x"))
    alive = (on_distinct(lambda v: betaln(a, b + v), x, d.get("x"))
             - (r + x) * on_distinct(lambda v: np.log(alpha + v), T, d.get("T")))
    repeat = x > 0
    dropped = np.full_like(alive, -np.inf)
    dropped[repeat] = (betaln(_at(a, repeat) + 1, _at(b, repeat) + x[repeat] - 1)
                       - (r + x[repeat]) * np.log(_at(alpha, repeat) + t_x[repeat]))
    return common + np.logaddexp(alive, dropped)


class BetaGeo(TransactionModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a), optionally with covariates
    (``alpha:<col>`` on the purchase process, ``a:<col>`` and ``b:<col>`` on dropout; Fader &
    Hardie 2007); see :class:`TransactionModel`."""

    param_names = ("r", "alpha", "a", "b")
    loglik_function = staticmethod(bgnbd_loglik)
    covariate_effects: ClassVar = {"purchase": (("alpha", -1),), "dropout": (("a", 1), ("b", 1))}

    @staticmethod
    def individual_score(params, x, t_x, T):
        return bgnbd_score(params, x, t_x, T)

    @staticmethod
    def derivative_sums(params, x, t_x, T, weights, distinct, hessian):
        return beta_geometric_derivative_sums(params, x, t_x, T, weights, distinct, hessian, shift=0)


def bgnbd_score(params, x, t_x, T) -> np.ndarray:
    """Per-customer gradient of :func:`bgnbd_loglik` in (r, alpha, a, b): the common term plus
    the two branches weighted by their shares of the likelihood (d/dp ln B(p, q) = ψ(p) − ψ(p + q)).
    With per-customer parameters, the derivatives in each customer's own parameters."""
    r, alpha, a, b = params
    alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    dropped = np.full_like(alive, -np.inf)
    dropped[repeat] = (betaln(_at(a, repeat) + 1, _at(b, repeat) + x[repeat] - 1)
                       - (r + x[repeat]) * np.log(_at(alpha, repeat) + t_x[repeat]))
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


def beta_geometric_derivative_sums(params, x, t_x, T, weights, distinct, hessian, shift=0):
    """Weighted sums over rows of the gradient and Hessian of the BG/NBD (``shift`` 0) or MBG/NBD
    (``shift`` 1) log-likelihood in (r, alpha, a, b).

    Both are ℓ = C + log(e^A + e^D): C = ln Γ(r+x) − ln Γ(r) + r ln α − ln B(a, b), the alive branch
    A = ln B(a, b+x+shift) − (r+x) ln(α+T) and the dropped one D = ln B(a+1, b+x+shift−1) −
    (r+x) ln(α+t_x) (BG/NBD: only when x > 0). With the branch shares w_A + w_D = 1,
    ∇ℓ = ∇C + w_A∇A + w_D∇D and ∇²ℓ = ∇²C + w_A∇²A + w_D∇²D + w_A w_D δδᵀ, δ = ∇A − ∇D (the
    derivative of the shares). Digamma and trigamma terms of x, and the logs of α + T and α + t_x,
    are computed once per distinct value (``distinct``: see ``TransactionModel.distinct_columns``),
    and the gradient's sums of a branch's terms are taken per distinct value of their variable.
    """
    r, alpha, a, b = params
    ux, ix = distinct["x"]
    uT, iT = distinct["T"]
    ut, it = distinct["t_x"]
    has_dropped = ux + shift > 0  # per distinct x
    b_dropped = np.where(has_dropped, b + ux + shift - 1, 1.0)  # unused (share 0) where there is no dropped branch
    log_uT, log_ut = np.log(alpha + uT), np.log(alpha + ut)
    rx = r + x
    alive = betaln(a, b + ux + shift)[ix] - rx * log_uT[iT]
    with np.errstate(invalid="ignore"):
        dropped = np.where(has_dropped, betaln(a + 1, b_dropped), -np.inf)[ix] - rx * log_ut[it]
    share_alive = expit(alive - dropped)
    w_alive = weights * share_alive
    w_dropped = weights - w_alive

    def per(index, values, size):
        return np.bincount(index, values, minlength=size)

    psi_abx = digamma(a + b + ux + shift)
    weight_x, alive_x = per(ix, weights, ux.size), per(ix, w_alive, ux.size)
    dropped_x = weight_x - alive_x
    alive_T, dropped_t = per(iT, w_alive, uT.size), per(it, w_dropped, ut.size)
    alive_purchases_T, dropped_purchases_t = per(iT, w_alive * rx, uT.size), per(it, w_dropped * rx, ut.size)
    inv_uT, inv_ut = 1 / (alpha + uT), 1 / (alpha + ut)
    n = weight_x.sum()
    dot = weighted_sum
    gradient = np.array([
        dot(weight_x, digamma(r + ux)) - n * (digamma(r) - np.log(alpha)) - dot(alive_T, log_uT)
        - dot(dropped_t, log_ut),
        n * r / alpha - dot(alive_purchases_T, inv_uT) - dot(dropped_purchases_t, inv_ut),
        n * (digamma(a + b) - digamma(a)) + dot(alive_x, digamma(a) - psi_abx) + dot(dropped_x, digamma(a + 1) - psi_abx),
        n * (digamma(a + b) - digamma(b)) + dot(alive_x, digamma(b + ux + shift) - psi_abx)
        + dot(dropped_x, digamma(b_dropped) - psi_abx),
    ])
    if not hessian:
        return gradient, None

    def trigamma(v):
        return polygamma(1, v)

    # δ = ∇A − ∇D per row; ψ(a) − ψ(a+1) = −1/a and ψ(b+x+shift) − ψ(b+x+shift−1) = 1/(b+x+shift−1)
    inv_T, inv_t = inv_uT[iT], inv_ut[it]
    delta = [log_ut[it] - log_uT[iT], rx * (inv_t - inv_T), np.full(x.shape, -1 / a), (1 / b_dropped)[ix]]
    both = w_alive * (1 - share_alive)
    tri_abx = trigamma(a + b + ux + shift)
    h = np.empty((4, 4))
    h[0, 0] = dot(weight_x, trigamma(r + ux) - trigamma(r))
    h[0, 1] = n / alpha - dot(alive_T, inv_uT) - dot(dropped_t, inv_ut)
    h[1, 1] = -n * r / alpha**2 + dot(alive_purchases_T, inv_uT**2) + dot(dropped_purchases_t, inv_ut**2)
    h[2, 2] = (n * (trigamma(a + b) - trigamma(a)) + alive_x.sum() * trigamma(a) + dropped_x.sum() * trigamma(a + 1)
               - dot(weight_x, tri_abx))
    h[2, 3] = n * trigamma(a + b) - dot(weight_x, tri_abx)
    h[3, 3] = (n * (trigamma(a + b) - trigamma(b)) + dot(alive_x, trigamma(b + ux + shift))
               + dot(dropped_x, trigamma(b_dropped)) - dot(weight_x, tri_abx))
    h[0, 2] = h[0, 3] = h[1, 2] = h[1, 3] = 0.0
    for j in range(4):
        for k in range(j, 4):
            h[j, k] += dot(both, delta[j] * delta[k])
            h[k, j] = h[j, k]
    return gradient, h


class BetaGeoResults(TransactionResults):
    """BG/NBD estimates and predictions (FHL 2005a, eqs. 9–11). Every prediction takes the
    customers' ``covariates=`` (one row each) when the model was fitted with covariates."""

    def expected_purchases(self, t, *, covariates=None):
        """E[X(t)]: expected repeat purchases of a new customer in a period of length t."""
        r, alpha, a, b = self.customer_params(covariates)
        t = np.asarray(t, dtype=float)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))

    def _log_odds_dropped(self, frequency, recency, T, covariates=None):
        x = np.asarray(frequency, float)
        r, alpha, a, b = self.customer_params(covariates, n=x.size if covariates is not None else None)
        with np.errstate(divide="ignore"):
            odds = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (
                np.log(alpha + np.asarray(T, float)) - np.log(alpha + np.asarray(recency, float)))
        return np.where(x > 0, odds, -np.inf)

    def probability_alive(self, frequency, recency, T, *, covariates=None):
        """P(alive | x, t_x, T) (FHL 2008, note 021)."""
        return 1.0 / (1.0 + np.exp(self._log_odds_dropped(frequency, recency, T, covariates)))

    def expected_purchases_while_alive(self, t, frequency, T, *, compress: bool = True, covariates=None):
        """E[Y(t) | x, T, alive]: FHL (2005a) eq. (10) without its P(alive) factor. With ``compress``
        and a scalar ``t``, evaluated once per distinct (x, T) pair (the same values)."""
        r, alpha, a, b = self.customer_params(covariates)
        t = np.asarray(t, dtype=float)

        def while_alive(x, T):
            z = t / (alpha + T + t)
            log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
            bracket = 1 - np.exp(log_ratio) * hyp2f1(r + x, b + x, a + b + x - 1, z)
            return (a + b + x - 1) / (a - 1) * bracket

        # one hypergeometric function per distinct (x, T), which customers share by the thousand
        # (not with covariates: then each customer has their own parameters)
        if compress and t.ndim == 0 and covariates is None:
            return on_distinct_pairs(while_alive, frequency, T)
        return while_alive(np.asarray(frequency, float), np.asarray(T, float))

    def conditional_expected_purchases(self, t, frequency, recency, T, *, covariates=None):
        """E[Y(t) | x, t_x, T]: expected purchases in the next t periods (FHL 2005a, eq. 10)."""
        return (self.expected_purchases_while_alive(t, frequency, T, covariates=covariates)
                * self.probability_alive(frequency, recency, T, covariates=covariates))

    def simulate_future_purchases(self, t, frequency, recency, T, *, covariates=None, n_sims: int = 2000,
                                  seed=0) -> np.ndarray:
        """Draws (``n_sims`` × customers) of each customer's purchases in (T, T + t] given their
        history, at the estimates: alive with probability P(alive); if alive, λ | data ~
        Gamma(r + x, α + T) and p | data ~ Beta(a, b + x) (the alive branch of FHL 2005a eq. 6 times
        the priors); then Poisson purchasing at rate λ with dropout after each purchase with
        probability p, so the count is min(N, G), N ~ Poisson(λt), G ~ Geometric(p) on 1, 2, …"""
        x, t_x, T = (np.asarray(v, float) for v in (frequency, recency, T))
        r, alpha, a, b = self.customer_params(covariates, n=x.size if covariates is not None else None)
        rng = np.random.default_rng(seed)
        shape = (n_sims, x.size)
        alive = rng.random(shape) < self.probability_alive(x, t_x, T, covariates=covariates)
        rate = rng.gamma(r + x, 1.0 / (alpha + T), shape)
        dropout = rng.beta(a, b + x, shape)
        return np.where(alive, np.minimum(rng.poisson(rate * float(t)), rng.geometric(dropout)), 0)

    def alive_count_pmf(self, t, frequency, T, params, max_count: int) -> np.ndarray:
        """P(n purchases in (T, T + t] | x, T, alive at T), n = 0..``max_count`` (customers × counts):
        a new customer's P(X(t) = n) (FHL 2005a, eq. 8) at the posterior parameters given alive,
        λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x) (see :meth:`simulate_future_purchases`);
        ``params`` one array per parameter, one value per customer."""
        r, alpha, a, b = params
        x, T = np.asarray(frequency, float), np.asarray(T, float)
        return beta_geometric_count_pmf(r + x, alpha + T, a, b + x, float(t), max_count)

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
