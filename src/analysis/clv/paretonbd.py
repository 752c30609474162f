"""Pareto/NBD: Poisson purchasing while alive, exponential lifetimes, gamma heterogeneity in both.

Purchase rate λ ~ Gamma(r, α), dropout rate μ ~ Gamma(s, β) (α, β rates). With time-invariant
covariates x_i (Fader & Hardie 2007, section 2): λ ~ Gamma(r, α·exp(−γ₁ᵀx_i)) and
μ ~ Gamma(s, β·exp(−γ₂ᵀx_i)), so positive coefficients raise the mean purchase and dropout rates;
the formulas below hold with each customer's α_i and β_i.

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they
and what will they do next? Management Science 33(1), 1–24.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
expressions (likelihood eq. 19, P(alive) eq. 20, conditional expectation eq. 21).
Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD
and BG/NBD models (note 019).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1
from scipy.stats import nbinom

from .base import TransactionModel, TransactionResults, distinct_pairs, on_distinct


def _log_hyp2f1_c_is_a_plus_1(a, b, z):
    """log 2F1(a, b; a + 1; z) for 0 ≤ z < 1, via Euler's transformation
    2F1(a, b; c; z) = (1 − z)^(c−a−b) 2F1(c − a, c − b; c; z), whose series has bounded terms
    even when a and b grow with the purchase count (no overflow for large frequencies)."""
    return (1 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, a + 1 - b, a + 1, z))


def _log_a0(params, x, t_x, T, pairs=None):
    """log of the integral term A0 of the likelihood (Fader & Hardie 2005, eq. 19).

    Each end point's term depends on (x, t) only, and the hypergeometric function is most of the
    likelihood's cost: it is evaluated once per distinct (x, t) pair among the (x, t_x) and (x, T)
    of all rows (``pairs``: ``distinct_pairs`` of those, computed here when not given).
    """
    r, alpha, s, beta = params
    if np.ndim(alpha) or np.ndim(beta):
        return _log_a0_per_customer(r, alpha, s, beta, x, t_x, T)
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, float) for v in (x, t_x, T)))
    shape = x.shape
    x, t_x, T = x.ravel(), t_x.ravel(), T.ravel()
    (px, pt), inverse = pairs if pairs is not None else end_point_pairs(x, t_x, T)
    a = r + s + px
    if alpha >= beta:
        b, big = s + 1, alpha
        z = (alpha - beta) / (alpha + pt)
    else:
        b, big = r + px, beta
        z = (beta - alpha) / (beta + pt)
    at_pair = _log_hyp2f1_c_is_a_plus_1(a, b, z) - a * np.log(big + pt)
    at_tx, at_T = at_pair[inverse[:x.size]], at_pair[inverse[x.size:]]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (at_tx + np.log1p(-np.exp(at_T - at_tx))).reshape(shape)  # log(e^at_tx − e^at_T); −inf when t_x = T


def _log_a0_per_customer(r, alpha, s, beta, x, t_x, T):
    """:func:`_log_a0` with each customer's own α and β (covariates), row by row."""
    x, t_x, T, alpha, beta = np.broadcast_arrays(*(np.asarray(v, float) for v in (x, t_x, T, alpha, beta)))
    a = r + s + x
    alpha_larger = alpha >= beta
    b = np.where(alpha_larger, s + 1, r + x)
    big = np.where(alpha_larger, alpha, beta)
    gap = np.abs(alpha - beta)

    def at(t):
        return _log_hyp2f1_c_is_a_plus_1(a, b, gap / (big + t)) - a * np.log(big + t)

    at_tx, at_T = at(t_x), at(T)
    with np.errstate(divide="ignore", invalid="ignore"):
        return at_tx + np.log1p(-np.exp(at_T - at_tx))


def end_point_pairs(x, t_x, T):
    return distinct_pairs(np.concatenate([x, x]), np.concatenate([t_x, T]))


def paretonbd_loglik(params, x, t_x, T, distinct=None):
    """Per-row log-likelihood (Fader & Hardie 2005, eq. 19); ``distinct`` (see
    ``ParetoNBD.distinct_columns``: the columns' distinct values and the end-point pairs) only
    saves work. ``params`` may hold one α and β per customer (covariates; then without ``distinct``)."""
    r, alpha, s, beta = params
    d = distinct or {}
    log_a0 = _log_a0(params, x, t_x, T, d.get("end_points"))
    alive = (-(r + x) * on_distinct(lambda v: np.log(alpha + v), T, d.get("T"))
             - s * on_distinct(lambda v: np.log(beta + v), T, d.get("T")))
    dropped = np.log(s) - on_distinct(lambda v: np.log(r + s + v), x, d.get("x")) + log_a0
    constant = on_distinct(lambda v: gammaln(r + v) - gammaln(r) + r * np.log(alpha) + s * np.log(beta), x, d.get("x"))
    return constant + np.logaddexp(alive, dropped)


class ParetoNBD(TransactionModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), optionally with covariates
    (``alpha:<col>`` on the purchase rate, ``beta:<col>`` on the dropout rate; Fader & Hardie 2007);
    see :class:`TransactionModel`."""

    param_names = ("r", "alpha", "s", "beta")
    loglik_function = staticmethod(paretonbd_loglik)
    covariate_effects: ClassVar = {"purchase": (("alpha", -1),), "dropout": (("beta", -1),)}

    def start_params_natural(self):
        mean_T = max(float(np.average(self.data_columns["T"], weights=self.freq_weights)), 1.0)
        return self._with_zero_coefficients(np.array([0.5, mean_T / 4, 0.5, mean_T / 2]))

    def distinct_columns(self):
        distinct = super().distinct_columns()
        if "end_points" not in distinct:
            c = self.data_columns
            distinct["end_points"] = end_point_pairs(c["frequency"], c["recency"], c["T"])
        return distinct


class ParetoNBDResults(TransactionResults):
    """Pareto/NBD estimates and predictions. Every prediction takes the customers' ``covariates=``
    (one row each) when the model was fitted with covariates."""

    def expected_purchases(self, t, *, covariates=None):
        """E[X(t)] for a new customer (Schmittlein et al. 1987, eq. 17)."""
        r, alpha, s, beta = self.customer_params(covariates)
        t = np.asarray(t, float)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))

    def probability_alive(self, frequency, recency, T, *, covariates=None):
        """P(alive | x, t_x, T) (Fader & Hardie 2005, eq. 20)."""
        x, t_x, T = (np.asarray(v, float) for v in (frequency, recency, T))
        params = self.customer_params(covariates, n=x.size if covariates is not None else None)
        r, alpha, s, beta = params
        log_a0 = _log_a0(params if covariates is not None else self.params.to_numpy(), x, t_x, T)
        log_odds = (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T) + log_a0)
        return 1.0 / (1.0 + np.exp(log_odds))

    def expected_purchases_while_alive(self, t, frequency, T, *, compress: bool = True, covariates=None):
        # compress: accepted for the common signature; this closed form costs no special function
        r, alpha, s, beta = self.customer_params(covariates)
        x, T = np.asarray(frequency, float), np.asarray(T, float)
        t = np.asarray(t, float)
        return (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))

    def conditional_expected_purchases(self, t, frequency, recency, T, *, covariates=None):
        """E[Y(t) | x, t_x, T] (Fader & Hardie 2005, eq. 21)."""
        return (self.expected_purchases_while_alive(t, frequency, T, covariates=covariates)
                * self.probability_alive(frequency, recency, T, covariates=covariates))

    def simulate_future_purchases(self, t, frequency, recency, T, *, covariates=None, n_sims: int = 2000,
                                  seed=0) -> np.ndarray:
        """Draws (``n_sims`` × customers) of each customer's purchases in (T, T + t] given their
        history, at the estimates: alive with probability P(alive); if alive, λ | data ~
        Gamma(r + x, α + T) and μ | data ~ Gamma(s, β + T) (the alive branch of Fader & Hardie 2005
        eq. 19 times the priors), a remaining lifetime τ ~ Exponential(μ) (memoryless), and
        Poisson(λ·min(τ, t)) purchases."""
        x, t_x, T = (np.asarray(v, float) for v in (frequency, recency, T))
        r, alpha, s, beta = self.customer_params(covariates, n=x.size if covariates is not None else None)
        rng = np.random.default_rng(seed)
        shape = (n_sims, x.size)
        alive = rng.random(shape) < self.probability_alive(x, t_x, T, covariates=covariates)
        rate = rng.gamma(r + x, 1.0 / (alpha + T), shape)
        lifetime = rng.exponential(1.0, shape) / rng.gamma(s, 1.0 / (beta + T), shape)
        return np.where(alive, rng.poisson(rate * np.minimum(lifetime, float(t))), 0)

    def probability_of_purchases(self, x, t):
        """P(X(t) = x) for a new customer (Fader & Hardie 2006, note 012, eq. 4): alive at t with x
        purchases, or dead at τ < t after x purchases. With m = max(α, β) and u = r + x if α < β,
        else s + 1 (the 2F1 argument the note picks so that it lies in [0, 1)):

        NB(x) (β/(β+t))^s + α^r β^s B(r+x, s+1)/B(r, s) · [2F1(r+s, u; r+s+x+1; |α−β|/m) / m^(r+s)
        − Σ_{i≤x} Γ(r+s+i)/(Γ(r+s) i!) t^i 2F1(r+s+i, u; r+s+x+1; |α−β|/(m+t)) / (m+t)^(r+s+i)].
        """
        r, alpha, s, beta = self.params
        x, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(t, float))
        alive = np.exp(nbinom.logpmf(x, r, alpha / (alpha + t)) + s * (np.log(beta) - np.log(beta + t)))
        big = max(alpha, beta)
        u = s + 1 if alpha >= beta else r + x
        c = r + s + x + 1
        # α^r β^s / m^(r+s) and α^r β^s t^i / (m+t)^(r+s+i) as products of ratios below 1
        front = r * np.log(alpha / big) + s * np.log(beta / big)
        bracket = np.exp(front) * hyp2f1(r + s, u, c, abs(alpha - beta) / big)
        for i in range(int(np.max(x)) + 1 if x.size else 0):
            with np.errstate(divide="ignore", invalid="ignore"):
                log_term = (gammaln(r + s + i) - gammaln(r + s) - gammaln(i + 1)
                            + r * np.log(alpha / (big + t)) + s * np.log(beta / (big + t))
                            + i * (np.log(t) - np.log(big + t)))
            term = np.exp(log_term) * hyp2f1(r + s + i, u, c, abs(alpha - beta) / (big + t))
            bracket = bracket - np.where(i <= x, np.nan_to_num(term), 0.0)
        dead = np.exp(gammaln(r + x) + gammaln(s + 1) - gammaln(r + s + x + 1) - betaln(r, s)) * bracket
        return np.where(x >= 0, alive + np.maximum(dead, 0.0), 0.0)


ParetoNBD.natural_results = ParetoNBDResults
