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

import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1
from scipy.stats import nbinom
from statsmodels.tools.numdiff import approx_fprime
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from . import exponential_dropout
from .base import (TransactionModel, TransactionResults, distinct_pairs, nbd_count_pmf_over_lifetime, on_distinct,
                   weighted_sum)


def _log_hyp2f1_c_is_a_plus_1(a, b, z):
    """log 2F1(a, b; a + 1; z) for 0 ≤ z < 1, via Euler's transformation
    2F1(a, b; c; z) = (1 − z)^(c−a−b) 2F1(c − a, c − b; c; z), whose series has bounded terms
    even when a and b grow with the purchase count (no overflow for large frequencies).

    scipy's hyp2f1 returns NaN for some large a near z = 1 (a = 300.8, b = 0.8, z = 0.9997: 300
    purchases, or s = 300 on the way to the exponential-dropout ridge); there the value is
    a · I of :func:`_euler_integral_rule` (2e-12 from mpmath)."""
    with np.errstate(invalid="ignore"):
        value = (1 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, a + 1 - b, a + 1, z))
    failed = np.isnan(value)
    if not failed.any():
        return value
    a, b, z, value = (np.array(np.broadcast_to(v, np.shape(value)), dtype=float) for v in (a, b, z, value))
    value[failed] = _euler_integral_rule(a[failed], b[failed], z[failed])[0] + np.log(a[failed])
    return value if value.ndim else float(value)


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


def _log_tail(p, q, alpha, beta, t):
    """log J(t) = log ∫_t^∞ (α+τ)^(−p) (β+τ)^(−q) dτ
    = log 2F1(p+q−1, u; p+q; |α−β|/(m+t)) − (p+q−1) log(m+t) − log(p+q−1), m = max(α, β) and u = q
    if α ≥ β else p (Fader & Hardie 2005, eq. 19: the likelihood's integral term is s(J(t_x) − J(T))
    with p = r + x, q = s + 1)."""
    a = p + q - 1
    if alpha >= beta:
        b, big = q, alpha
    else:
        b, big = p, beta
    return _log_hyp2f1_c_is_a_plus_1(a, b, abs(alpha - beta) / (big + t)) - a * np.log(big + t) - np.log(a)


def _log_tail_and_order_derivatives(p, q, alpha, beta, t):
    """log J(t) of :func:`_log_tail` and its derivatives ∂log J/∂p and ∂log J/∂q.

    With u = (m+t)/(m+τ), J(t) = (m+t)^(−a) I, I = ∫₀¹ u^(a−1) (1 − z u)^(−b) du, with a = p + q − 1,
    z = |α−β|/(m+t) and b the exponent of the smaller of α, β (q if α ≥ β, else p): Euler's integral
    for 2F1(a, b; a+1; z)/a (DLMF 15.6.1). For z ≤ ``SERIES_MAX_Z`` Euler's transformation
    (DLMF 15.8.1) gives I = (1 − z)^(1−b) F/a, F = 2F1(1, e; c; z) = Σₙ (e)ₙ/(c)ₙ zⁿ with
    c = a + 1 = p + q and e = c − b (p if α ≥ β, else q), whose terms are positive and fall at least
    as fast as zⁿ: F and its derivatives in e and c are summed term by term (:func:`_euler_series`).
    Nearer 1 that series needs hundreds to thousands of terms (one rate several times the other: the
    way to the exponential-dropout ridge), and the integral is taken by a fixed double-exponential rule
    (:func:`_euler_integral_rule`) whose derivatives in a and b are those of the rule's sum; its
    log I is checked against the hypergeometric function's (the likelihood's), and a pair where
    they differ by more than ``RULE_TOLERANCE`` gets Richardson-extrapolated central differences in
    the order instead (:func:`_order_difference`; not met in the tests).

    Returns
    -------
    log_j, d_log_j_dp, d_log_j_dq : arrays of the shape of ``p`` and ``t`` broadcast; log_j is the
    hypergeometric function's where the rule was used.

    References
    ----------
    NIST Digital Library of Mathematical Functions, 15.6.1 (Euler's integral) and 15.8.1 (Euler's
    transformation); Takahasi, H. & Mori, M. (1974). Double exponential formulas for numerical
    integration. Publ. RIMS Kyoto Univ. 9(3), 721–741; Fader & Hardie (2005), eq. 19.
    """
    p, t = np.broadcast_arrays(np.asarray(p, float), np.asarray(t, float))
    q = np.array(np.broadcast_to(np.asarray(q, float), p.shape))
    p = np.array(p)
    a = p + q - 1
    alpha_larger = alpha >= beta
    big = alpha if alpha_larger else beta
    b = q if alpha_larger else p
    z = abs(alpha - beta) / (big + t)
    log_big_t = np.log(big + t)
    # d log I/da and d log I/db; ∂a/∂p = ∂a/∂q = 1, and b is q if α ≥ β, else p
    log_j, d_a, d_b = np.empty_like(z), np.empty_like(z), np.empty_like(z)
    by_series = z <= SERIES_MAX_Z
    if by_series.any():
        zs = z[by_series]
        series, d_e_and_c, d_c = _euler_series(a[by_series] + 1 - b[by_series], a[by_series] + 1, zs)
        log_one_minus_z = np.log1p(-zs)
        log_j[by_series] = (1 - b[by_series]) * log_one_minus_z + np.log(series) - np.log(a[by_series])
        # F depends on a through c (and through e = c − b), on b through e alone
        d_a[by_series] = d_e_and_c / series - 1 / a[by_series]
        d_b[by_series] = -log_one_minus_z - (d_e_and_c - d_c) / series
    by_rule = np.flatnonzero(~by_series)
    log_j[by_rule], d_a[by_rule], d_b[by_rule] = _euler_integral_rule(a[by_rule], b[by_rule], z[by_rule])
    likelihood_log_i = _log_hyp2f1_c_is_a_plus_1(a[by_rule], b[by_rule], z[by_rule]) - np.log(a[by_rule])
    off = by_rule[~(np.abs(log_j[by_rule] - likelihood_log_i) <= RULE_TOLERANCE)]
    log_j[by_rule] = likelihood_log_i
    log_j -= a * log_big_t
    d_p = -log_big_t + d_a + (0 if alpha_larger else d_b)
    d_q = -log_big_t + d_a + (d_b if alpha_larger else 0)
    if off.size:
        d_p[off] = _order_difference(lambda h: _log_tail(p[off] + h, q[off], alpha, beta, t[off]))
        d_q[off] = _order_difference(lambda h: _log_tail(p[off], q[off] + h, alpha, beta, t[off]))
    return log_j, d_p, d_q


def _euler_integral_rule(a, b, z):
    """log I, ∂log I/∂a and ∂log I/∂b of I = ∫₀¹ u^(a−1) (1 − z u)^(−b) du by an exp-sinh rule.

    With u = e^(−y/a), I = (1/a) ∫₀^∞ e^(−y) g^(−b) dy, g = 1 − z e^(−y/a) = (1 − z) − z expm1(−y/a)
    (a sum of two positive parts: no cancellation as z → 1), and with y = exp((π/2) sinh τ) the
    double-exponential rule of Takahasi & Mori (1974) in τ. Its nodes are evenly spaced in log y
    near 0, where g^(−b) falls from (1 − z)^(−b) on the scale y ≈ a(1 − z)/b, whatever that scale;
    they end where e^(−y) is negligible. The nodes do not depend on a and b, so the derivatives are
    exactly those of the rule's sum: weighted means of the integrand's log-derivatives,
    b z e^(−y/a) y/(a² g) in a (besides −1/a) and −log g in b. Against mpmath: 2e-12 relative or
    better for 0.7 ≤ z ≤ 1 − 1e-5, 0.05 ≤ b ≤ 301, b − 1 ≤ a ≤ 312 (tests/clv/test_paretonbd_orders.py).
    """
    a, b, z = (np.asarray(v, float) for v in (a, b, z))
    log_i, d_a, d_b = np.empty_like(z), np.empty_like(z), np.empty_like(z)
    fine = z > RULE_FINE_Z
    for chosen, stride in ((fine, 1), (~fine, 2)):
        if chosen.any():
            log_i[chosen], d_a[chosen], d_b[chosen] = _exp_sinh_sum(a[chosen], b[chosen], z[chosen], stride)
    return log_i, d_a, d_b


def _exp_sinh_sum(a, b, z, stride):
    """:func:`_euler_integral_rule` on every ``stride``-th node (its step times ``stride``)."""
    a, b, z = a[:, None], b[:, None], z[:, None]
    y = EXP_SINH_Y[::stride]
    log_weight = EXP_SINH_LOG_WEIGHT[::stride] + np.log(stride)
    scaled = y / a
    decay_minus_one = np.expm1(-scaled)
    g = (1 - z) - z * decay_minus_one
    log_g = np.log(g)
    log_terms = log_weight - y - b * log_g
    top = log_terms.max(axis=1, keepdims=True)
    shares = np.exp(log_terms - top)
    total = shares.sum(axis=1, keepdims=True)
    shares /= total
    log_i = top[:, 0] + np.log(total[:, 0]) - np.log(a[:, 0])
    d_a = -1 / a[:, 0] + b[:, 0] * (shares * (z * (1 + decay_minus_one) * scaled / (a * g))).sum(axis=1)
    d_b = -(shares * log_g).sum(axis=1)
    return log_i, d_a, d_b


def _euler_series(e, c, z):
    """F = Σₙ tₙ, tₙ = (e)ₙ/(c)ₙ zⁿ (2F1(1, e; c; z), 0 < e < c, 0 ≤ z ≤ ``SERIES_MAX_Z``), and
    Σₙ tₙ Σ_{k<n} (1/(e+k) − 1/(c+k)) = ∂F/∂e + ∂F/∂c and −Σₙ tₙ Σ_{k<n} 1/(c+k) = ∂F/∂c
    (∂(e)ₙ/∂e = (e)ₙ Σ_{k<n} 1/(e+k), Abramowitz & Stegun 6.1.22 and 6.3.5), summed until the
    remainder, bounded by a geometric series of ratio z, is below 1e-16 of F (at most about 120
    terms at z = 0.7). The loop runs over the entries still summing."""
    e, c, z = (np.asarray(v, float) for v in (e, c, z))
    total = np.ones_like(z)
    d_e_and_c = np.zeros_like(z)
    d_c = np.zeros_like(z)
    todo = np.flatnonzero(z > 0)
    term = np.ones(todo.size)
    e_and_c_sum = np.zeros(todo.size)  # Σ_{k<n} (1/(e+k) − 1/(c+k))
    c_sum = np.zeros(todo.size)        # Σ_{k<n} 1/(c+k)
    te, tc, tz = e[todo], c[todo], z[todo]
    # the remainder after term n is below tₙ ((1 + Σ)/(1 − z) + 1/((e + n)(1 − z)²)), Σ the
    # running sums above (each grows by less than 1/(e + k) a term; the terms fall like zᵏ)
    gap = 1 - tz
    for n in range(SERIES_TERM_LIMIT):
        if not todo.size:
            break
        e_and_c_sum += 1 / (te + n) - 1 / (tc + n)
        c_sum += 1 / (tc + n)
        term *= tz * (te + n) / (tc + n)
        total[todo] += term
        d_e_and_c[todo] += term * e_and_c_sum
        d_c[todo] -= term * c_sum
        done = term * ((1 + e_and_c_sum + c_sum) / gap + 1 / ((te + n + 1) * gap * gap)) <= 1e-16 * total[todo]
        if done.any():
            keep = ~done
            todo, term, e_and_c_sum, c_sum = todo[keep], term[keep], e_and_c_sum[keep], c_sum[keep]
            te, tc, tz, gap = te[keep], tc[keep], tz[keep], gap[keep]
    total[todo] = np.nan  # not finite inputs (the loop ends well before the limit otherwise)
    return total, d_e_and_c, d_c


# where the series gives way to the rule (about 120 terms at most below it; the rule's 144 nodes
# are cheaper than the series' loop beyond)
SERIES_MAX_Z = 0.7
SERIES_TERM_LIMIT = 2000
# exp-sinh nodes τ = k·h (Takahasi & Mori 1974): y = exp((π/2) sinh τ) from 1e-22 (below every
# scale of the integrand met: a(1 − z)/b with 1 − z ≥ 1e-5) to 96 (e^(−y) below 1e-41); the step
# 1/24 (144 nodes) is needed for z > RULE_FINE_Z with large b, every other node (step 1/12)
# is as accurate (1e-12) up to there
EXP_SINH_STEP = 1 / 24
EXP_SINH_NODES = np.arange(-100, 44) * EXP_SINH_STEP
EXP_SINH_Y = np.exp(np.pi / 2 * np.sinh(EXP_SINH_NODES))
EXP_SINH_LOG_WEIGHT = np.log(EXP_SINH_Y * np.pi / 2 * np.cosh(EXP_SINH_NODES) * EXP_SINH_STEP)
RULE_FINE_Z = 0.99
# the rule's log I may differ from the hypergeometric function's by this much before a pair falls
# back to differences (scipy's hyp2f1 itself is off by 1e-11 at a = 63.5, b = 4, z = 0.906, where the
# rule agrees with mpmath to 1e-15; a rule that failed would be off by far more)
RULE_TOLERANCE = 1e-9
# step in the orders p and q for that fallback: Richardson-extrapolated central differences with
# steps h and h/2, whose error, O(h⁴) plus the hypergeometric function's rounding over h, is
# about 1e-10 per end point
ORDER_STEP = 2e-3


def _order_difference(log_tail_at):
    """d/dp of a smooth function of an order p from ``log_tail_at(shift)`` (the function at p + shift)."""
    def central(h):
        return (log_tail_at(h) - log_tail_at(-h)) / (2 * h)

    return (4 * central(ORDER_STEP / 2) - central(ORDER_STEP)) / 3


def paretonbd_gradient_sum(params, x, t_x, T, weights, distinct) -> np.ndarray:
    """Weighted sum over rows of the gradient of :func:`paretonbd_loglik` in (r, α, s, β).

    ℓ = C + log(e^A + e^D) with C = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β, the alive branch
    A = −(r+x) ln(α+T) − s ln(β+T) and the dropped one D = ln s + ln(J(t_x) − J(T)) (see
    :func:`_log_tail`), so ∇ℓ = ∇C + w_A ∇A + w_D ∇D with the branches' shares w. The derivatives of
    log J at each distinct end point (x, t): in α and β exact, ∂J/∂α = −p J_(p+1) and ∂J/∂β =
    −q J_(q+1) (differentiating under the integral); in r and s (the hypergeometric function's
    parameters) its series differentiated term by term (:func:`_log_tail_and_order_derivatives`).
    """
    r, alpha, s, beta = params
    ux, ix = distinct["x"]
    uT, iT = distinct["T"]
    (px, pt), inverse = distinct["end_points"]
    p, q = r + px, s + 1
    log_j, d_log_j_dr, d_log_j_ds = _log_tail_and_order_derivatives(p, q, alpha, beta, pt)
    pair_gradient = np.column_stack([
        d_log_j_dr,
        -p * np.exp(_log_tail(p + 1, q, alpha, beta, pt) - log_j),
        d_log_j_ds,
        -q * np.exp(_log_tail(p, q + 1, alpha, beta, pt) - log_j),
    ])
    at_tx, at_T = inverse[:x.size], inverse[x.size:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.exp(log_j[at_T] - log_j[at_tx])  # J(T)/J(t_x) ≤ 1; 1 when t_x = T (no dropped branch)
        log_integral = log_j[at_tx] + np.log1p(-ratio)
    log_alpha_T, log_beta_T = np.log(alpha + uT), np.log(beta + uT)
    alive = -(r + x) * log_alpha_T[iT] - s * log_beta_T[iT]
    dropped = np.log(s) + log_integral
    w_alive = weights * expit(alive - dropped)
    w_dropped = weights - w_alive
    # d log(J(t_x) − J(T)) = (∇log J(t_x) − ratio ∇log J(T)) / (1 − ratio), weighted by the dropped share
    with np.errstate(divide="ignore", invalid="ignore"):
        dropped_weight = np.where(ratio < 1, w_dropped / (1 - ratio), 0.0)
    # (summed per distinct end point first: a weighted count per pair, then one small product)
    pairs = log_j.size
    log_integral_gradient = weighted_sum(np.bincount(at_tx, dropped_weight, minlength=pairs)
                                         - np.bincount(at_T, dropped_weight * ratio, minlength=pairs), pair_gradient)
    # the alive branch's terms are functions of T: its weights summed per distinct T
    weight_x = np.bincount(ix, weights, minlength=ux.size)
    n = weight_x.sum()
    alive_T = np.bincount(iT, w_alive, minlength=uT.size)
    alive_purchases_T = np.bincount(iT, w_alive * (r + x), minlength=uT.size)
    dot = weighted_sum
    return np.array([
        dot(weight_x, digamma(r + ux)) - n * (digamma(r) - np.log(alpha)) - dot(alive_T, log_alpha_T),
        n * r / alpha - dot(alive_purchases_T, 1 / (alpha + uT)),
        n * np.log(beta) - dot(alive_T, log_beta_T) + (n - alive_T.sum()) / s,
        n * s / beta - s * dot(alive_T, 1 / (beta + uT)),
    ]) + log_integral_gradient


def paretonbd_derivative_sums(params, x, t_x, T, weights, distinct, hessian):
    """The gradient sum of :func:`paretonbd_gradient_sum` and, when ``hessian``, the Hessian as its
    central-difference derivative (symmetrised): 8 gradients, each one pass over the rows."""
    params = np.asarray(params, dtype=float)
    gradient = paretonbd_gradient_sum(params, x, t_x, T, weights, distinct)
    if not hessian:
        return gradient, None
    matrix = approx_fprime(params, lambda at: paretonbd_gradient_sum(at, x, t_x, T, weights, distinct),
                           centered=True)
    return gradient, (matrix + matrix.T) / 2


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
    derivative_sums = staticmethod(paretonbd_derivative_sums)
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

    def fit(self, start_params=None, method: str = "bfgs", maxiter: int = 2000, disp: bool = False, **kwargs):
        """Maximum likelihood (see :meth:`LogScaleLikelihoodModel.fit`), watching for the
        exponential-dropout ridge (models without covariates).

        When the data show no heterogeneity in dropout, the likelihood rises towards s, β → ∞ with
        s/β fixed, where the Pareto/NBD becomes NBD purchasing with one exponential dropout rate
        μ = s/β for all (:class:`~analysis.models.exponential_dropout.ExponentialDropoutNBD`), and the
        hypergeometric terms grow slow and then fail along the way. So once an iterate has
        s > ``RIDGE_WATCH_S``, or the fit does not converge, the limit model is fitted and the fit
        is reported at that boundary (``results.dropout_limit``; ``at_boundary`` ["s"]) when

        - the limit's fit converged,
        - the boundary is a maximum in the direction of heterogeneity: the derivative of the
          log-likelihood in κ = 1/s (the squared coefficient of variation of the dropout rates) at
          κ = 0, ``heterogeneity_score``, is not positive, and
        - the best Pareto/NBD log-likelihood met is not above the limit's by more than
          ``LIMIT_LOGLIK_TOLERANCE``.

        Otherwise the Pareto/NBD fit goes on from where the watch stopped it (an interior maximum at
        a large s). A fit that converges with s ≤ ``RIDGE_WATCH_S`` is returned as it is.
        """
        if self.design is not None or "callback" in kwargs:
            return super().fit(start_params, method, maxiter, disp, **kwargs)

        def watch(free_params, *args):
            if self.expand(free_params)[2] > np.log(RIDGE_WATCH_S):
                raise _ReachedRidge(np.array(free_params, dtype=float))

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                results = super().fit(start_params, method, maxiter, disp, callback=watch, **kwargs)
            if results.converged:
                return results
            stop = results.fitted.params
        except _ReachedRidge as reached:
            results, stop = None, reached.log_params
        at_limit = self._fit_at_dropout_limit(stop)
        if at_limit is not None:
            return at_limit
        # not the boundary: an interior maximum beyond the watch, or a fit that failed either way
        if results is None:
            results = super().fit(self.to_natural(self.expand(stop)), method, maxiter, disp, **kwargs)
        elif not results.converged:
            warnings.warn(f"ParetoNBD did not converge: {results.fitted.mle_retvals}; estimates are unreliable",
                          ConvergenceWarning, stacklevel=2)
        return results

    def _fit_at_dropout_limit(self, stop) -> ParetoNBDResults | None:
        """The fit at the exponential-dropout boundary, started from the Pareto/NBD's iterate ``stop``
        (free parameters, log scale), or None when the boundary is not the maximum (see :meth:`fit`)."""
        r, alpha, s, beta = self.to_natural(self.expand(stop))
        c = self.data_columns
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            limit_model = exponential_dropout.ExponentialDropoutNBD(c["frequency"], c["recency"], c["T"],
                                                                    weights=self.freq_weights, compress=False)
            limit = limit_model.fit(start_params=[r, alpha, s / beta])
        with np.errstate(all="ignore"):
            pareto_loglik = self.loglike(stop)
        score = limit.heterogeneity_score()
        if not (limit.converged and score <= 0 and not pareto_loglik > limit.llf + LIMIT_LOGLIK_TOLERANCE):
            return None
        return ParetoNBDResults.at_dropout_limit(self, limit, pareto_loglik, float(s), score)


# the dropout rates' shape s above which the fit watches for the exponential-dropout ridge (their
# coefficient of variation 1/√s is then below 32%; the hypergeometric terms slow down as s grows)
RIDGE_WATCH_S = 10.0
# the limit is as good as the Pareto/NBD when the Pareto/NBD's best log-likelihood is not higher by more
LIMIT_LOGLIK_TOLERANCE = 0.01
# the shape reported at the boundary (s → ∞), with β = s/μ: large enough that every Pareto/NBD
# quantity equals the limit's to within 1e-6 relative, and flagged in ``at_boundary``
S_AT_LIMIT = 1e6


class _ReachedRidge(Exception):
    """Raised by the fit's watch: an iterate with s > RIDGE_WATCH_S (its free log-parameters)."""

    def __init__(self, log_params):
        super().__init__("s > RIDGE_WATCH_S")
        self.log_params = log_params


class ParetoNBDResults(TransactionResults):
    """Pareto/NBD estimates and predictions. Every prediction takes the customers' ``covariates=``
    (one row each) when the model was fitted with covariates.

    At the exponential-dropout boundary (``dropout_limit`` is then a dict: μ = s/β, its standard
    error and interval, the log-likelihoods compared), s is reported as ``S_AT_LIMIT`` with no
    standard error, β = s/μ, and every prediction is the limit model's with μ = s/β.
    """

    dropout_limit: dict | None = None

    @classmethod
    def at_dropout_limit(cls, model, limit, pareto_loglik: float, s_at_stop: float,
                         heterogeneity_score: float) -> ParetoNBDResults:
        """The Pareto/NBD's results at s → ∞ from the fit of the limit model ``limit`` (r, α, μ):
        log β = log s − log μ, so log β has log μ's variance and the opposite covariances."""
        results = object.__new__(cls)
        names = list(model.param_names)
        r, alpha, mu = limit.params.to_numpy()
        results.model, results.fitted, results.fixed = model, limit.fitted, []
        results.limit = limit
        results.params = pd.Series([r, alpha, S_AT_LIMIT, S_AT_LIMIT / mu], index=names)
        results.log_params = pd.Series(np.log(results.params.to_numpy()), index=names)
        # d log(r, α, s, β) / d log(r, α, μ), s held at S_AT_LIMIT
        to_pareto = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, -1]], dtype=float)
        cov = to_pareto @ limit.cov_log_params.to_numpy() @ to_pareto.T
        results.cov_log_params = pd.DataFrame(cov, index=names, columns=names)
        se = results.params.to_numpy() * np.sqrt(np.abs(np.diag(cov)))
        se[2] = np.nan  # s is not estimated: it is at the edge of its range
        results.bse = pd.Series(se, index=names)
        results.llf, results.nobs, results.k_free = limit.llf, limit.nobs, limit.k_free
        results.aic, results.bic = limit.aic, limit.bic
        results.at_boundary = ["s"]
        results.converged = limit.converged
        interval = limit.conf_int().loc["mu"]
        results.dropout_limit = {
            "mu": float(mu), "se": float(limit.bse["mu"]), "ci": [float(interval["lower"]), float(interval["upper"])],
            "loglik_limit": float(limit.llf),
            "loglik_pareto_nbd": float(pareto_loglik) if np.isfinite(pareto_loglik) else None,
            "s_pareto_nbd": s_at_stop, "heterogeneity_score": float(heterogeneity_score),
            "tolerance": LIMIT_LOGLIK_TOLERANCE, "s_reported": S_AT_LIMIT,
        }
        return results

    def _limit_params(self):
        r, alpha, s, beta = self.params.to_numpy()
        return r, alpha, s / beta

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        intervals = super().conf_int(alpha)
        if self.dropout_limit is not None:
            intervals.loc["s"] = np.nan
        return intervals

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self.dropout_limit is not None:
            out["ci"]["s"] = None
            out["dropout_limit"] = dict(self.dropout_limit)
        return out

    def summary(self) -> str:
        text = super().summary()
        if self.dropout_limit is None:
            return text
        limit = self.dropout_limit
        return text + (f"\n\nat the exponential-dropout boundary s → ∞ (reported as s = {S_AT_LIMIT:g}, β = s/μ): "
                       f"μ = s/β = {limit['mu']:.6g} (SE {limit['se']:.3g}); log-likelihood of the limit "
                       f"{limit['loglik_limit']:.4f}, best Pareto/NBD met {limit['loglik_pareto_nbd']} at "
                       f"s = {limit['s_pareto_nbd']:.4g}")

    def expected_purchases(self, t, *, covariates=None):
        """E[X(t)] for a new customer (Schmittlein et al. 1987, eq. 17)."""
        if self.dropout_limit is not None:
            return exponential_dropout.expected_purchases(*self._limit_params(), t)
        r, alpha, s, beta = self.customer_params(covariates)
        t = np.asarray(t, float)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))

    def probability_alive(self, frequency, recency, T, *, covariates=None):
        """P(alive | x, t_x, T) (Fader & Hardie 2005, eq. 20)."""
        x, t_x, T = (np.asarray(v, float) for v in (frequency, recency, T))
        if self.dropout_limit is not None:
            return exponential_dropout.probability_alive(*self._limit_params(), x, t_x, T)
        params = self.customer_params(covariates, n=x.size if covariates is not None else None)
        r, alpha, s, beta = params
        if covariates is not None:
            log_a0 = _log_a0(params, x, t_x, T)
        else:
            log_a0 = _log_a0(self.params.to_numpy(), x, t_x, T, self._end_point_pairs(x, t_x, T))
        log_odds = (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T) + log_a0)
        return 1.0 / (1.0 + np.exp(log_odds))

    def _end_point_pairs(self, x, t_x, T):
        """``end_point_pairs`` of three equal-length columns, kept on the model for the next call
        with the same columns: the parameter draws of the customer intervals (``with_params`` copies
        share the model) evaluate P(alive) on the same histories a hundred times, and hashing the
        pairs costs as much as the hypergeometric terms. None (``_log_a0`` computes them) for other
        shapes."""
        if not (x.ndim == 1 and x.shape == t_x.shape == T.shape):
            return None
        memo = getattr(self.model, "_end_point_memo", None)
        if memo is not None and all(np.array_equal(kept, new) for kept, new in zip(memo[0], (x, t_x, T))):
            return memo[1]
        pairs = end_point_pairs(x, t_x, T)
        self.model._end_point_memo = ((x.copy(), t_x.copy(), T.copy()), pairs)
        return pairs

    def expected_purchases_while_alive(self, t, frequency, T, *, compress: bool = True, covariates=None):
        # compress: accepted for the common signature; this closed form costs no special function
        if self.dropout_limit is not None:
            return exponential_dropout.expected_purchases_while_alive(*self._limit_params(), t, frequency, T)
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
        if self.dropout_limit is not None:
            return exponential_dropout.simulate_future_purchases(*self._limit_params(), t, x, t_x, T, n_sims, seed)
        r, alpha, s, beta = self.customer_params(covariates, n=x.size if covariates is not None else None)
        rng = np.random.default_rng(seed)
        shape = (n_sims, x.size)
        alive = rng.random(shape) < self.probability_alive(x, t_x, T, covariates=covariates)
        rate = rng.gamma(r + x, 1.0 / (alpha + T), shape)
        lifetime = rng.exponential(1.0, shape) / rng.gamma(s, 1.0 / (beta + T), shape)
        return np.where(alive, rng.poisson(rate * np.minimum(lifetime, float(t))), 0)

    def alive_count_pmf(self, t, frequency, T, params, max_count: int) -> np.ndarray:
        """P(n purchases in (T, T + t] | x, T, alive at T), n = 0..``max_count`` (customers × counts).

        Given alive, λ ~ Gamma(r + x, α + T) and μ ~ Gamma(s, β + T) (the alive branch of Fader &
        Hardie 2005, eq. 19, times the priors), and the remaining lifetime is exponential given μ:
        mixed over μ, Lomax, P(τ > u) = ((β+T)/(β+T+u))^s. So the count is a new customer's at
        (r + x, α + T, s, β + T): P(τ > t)·NB(n; t) + ∫₀ᵗ f(u) NB(n; u) du
        (:func:`~analysis.models.base.nbd_count_pmf_over_lifetime`). ``params`` one array per
        parameter, one value per customer."""
        x, T = np.asarray(frequency, float), np.asarray(T, float)
        if self.dropout_limit is not None:
            return exponential_dropout.alive_count_pmf(*self._limit_params(), t, x, T, max_count)
        r, alpha, s, beta = params
        posterior_alpha, posterior_beta = alpha + T, beta + T
        shape, dropout_scale = s[:, None], posterior_beta[:, None]

        def survival(u):
            return np.exp(-shape * np.log1p(u / dropout_scale))

        def density(u):
            return shape / (dropout_scale + u) * survival(u)

        return nbd_count_pmf_over_lifetime(r + x, posterior_alpha, float(t), max_count, survival, density,
                                           scale=np.minimum(posterior_alpha, posterior_beta))

    def probability_of_purchases(self, x, t):
        """P(X(t) = x) for a new customer (Fader & Hardie 2006, note 012, eq. 4): alive at t with x
        purchases, or dead at τ < t after x purchases. With m = max(α, β) and u = r + x if α < β,
        else s + 1 (the 2F1 argument the note picks so that it lies in [0, 1)):

        NB(x) (β/(β+t))^s + α^r β^s B(r+x, s+1)/B(r, s) · [2F1(r+s, u; r+s+x+1; |α−β|/m) / m^(r+s)
        − Σ_{i≤x} Γ(r+s+i)/(Γ(r+s) i!) t^i 2F1(r+s+i, u; r+s+x+1; |α−β|/(m+t)) / (m+t)^(r+s+i)].
        """
        if self.dropout_limit is not None:
            return exponential_dropout.probability_of_purchases(*self._limit_params(), x, t)
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
