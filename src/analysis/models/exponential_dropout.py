"""NBD purchasing with exponential dropout common to all customers: the Pareto/NBD's limit.

While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α) (α a rate); every
customer's lifetime is Exponential(μ) with the same μ. It is the Pareto/NBD with s, β → ∞ and
s/β = μ fixed (the dropout rates' Gamma(s, β) then collapses onto μ), which is where the
Pareto/NBD's likelihood has its maximum when the data show no heterogeneity in dropout: there the
Pareto/NBD's own fit wanders along a ridge of growing s and β. Per customer (compare Fader &
Hardie 2005, eq. 19, with the gamma mixing over μ removed):

L = Γ(r+x) α^r / Γ(r) · [e^(−μT) / (α+T)^(r+x) + μ ∫_{t_x}^{T} e^(−μτ) (α+τ)^(−(r+x)) dτ],

and ∫_t^∞ e^(−μτ) (α+τ)^(−p) dτ = e^(μα) (α+t)^(1−p) E_p(μ(α+t)), E_p the generalised exponential
integral (Abramowitz & Stegun 1964, 5.1.4).

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they
and what will they do next? Management Science 33(1), 1–24.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
expressions.
Abramowitz, M. & Stegun, I. A. (1964). Handbook of mathematical functions, chapter 5; the
continued fraction of E_p as in Press et al. (2007), Numerical Recipes, 3rd ed., section 6.3.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, zeta
from scipy.stats import nbinom

from .base import (TransactionModel, TransactionResults, distinct_pairs, nbd_count_pmf_over_lifetime, on_distinct,
                   weighted_sum)

# the power series of E_p below is used for z ≤ 2.5, where 40 terms leave less than 2.5^41/41! ≈ 1e-33
_SERIES_MAX_Z = 2.5
_SERIES_TERMS = 40
# ζ(2), …, ζ(29): the Taylor coefficients of ln Γ(1 + ε) (A&S 6.1.33)
_ZETA = zeta(np.arange(2, 30))
# the continued fraction converges within 50 terms for z > 2.5 or p ≥ 30 (more for small z and p)
_CF_MIN_ORDER = 30.0
_CF_MAX_TERMS = 2000


def log_expint(p, z) -> np.ndarray:
    """log E_p(z) = log ∫_1^∞ e^(−zs) s^(−p) ds for real p > 0 and z > 0, accurate to ~1e-14.

    z > 2.5 or p ≥ 30: the continued fraction (modified Lentz); z ≤ 2.5 and p < 1.5: the power series
    E_p(z) = [Γ(1+ε) z^(−ε) − 1]/ε − Σ_{k≥1} (−z)^k / (k!(k+ε)), ε = 1 − p, written with expm1 so
    that it stays exact through ε = 0 (E_1); z ≤ 2.5 and 1.5 ≤ p < 30: upward recurrence
    E_{q+1}(z) = (e^(−z) − z E_q(z))/q from q = p − ⌊p − 0.5⌋ ∈ [0.5, 1.5) (z E_q(z) stays below
    e^(−z); the relative error grows by about z/(q − 1) a step, a factor below 100 in all).
    """
    p, z = np.broadcast_arrays(np.asarray(p, float), np.asarray(z, float))
    out = np.empty(p.shape)
    fraction = (z > _SERIES_MAX_Z) | (p >= _CF_MIN_ORDER)
    out[fraction] = _log_expint_fraction(p[fraction], z[fraction])
    small = ~fraction
    if small.any():
        ps, zs = p[small], z[small]
        steps = np.floor(np.maximum(ps - 0.5, 0)).astype(int)
        q = ps - steps
        value = _expint_series(q, zs)
        decay = np.exp(-zs)
        for _ in range(int(steps.max(initial=0))):
            going = steps > 0
            value = np.where(going, (decay - zs * value) / q, value)
            q = np.where(going, q + 1, q)
            steps = steps - 1
        out[small] = np.log(value)
    return out


def _expint_series(q, z):
    """E_q(z) for 0 < q < 1.5 and 0 < z ≤ 2.5 (power series about z = 0)."""
    eps = 1 - q
    log_z = np.log(z)
    # ln Γ(1+ε) near ε = 0 from its Taylor series −γε + Σ_{k≥2} ζ(k)(−ε)^k/k (A&S 6.1.33): 1 + ε
    # itself would round ε's last digits away
    near_one = np.abs(eps) < 0.2
    log_gamma = gammaln(1 + eps)
    series = -np.euler_gamma * eps
    power = -eps
    for k, zeta_k in enumerate(_ZETA, start=2):
        power = power * -eps
        series = series + zeta_k * power / k
    log_gamma = np.where(near_one, series, log_gamma)
    with np.errstate(invalid="ignore", divide="ignore"):
        head = np.where(eps != 0, np.expm1(log_gamma - eps * log_z) / np.where(eps == 0, 1, eps),
                        -np.euler_gamma - log_z)
    tail = np.zeros_like(z)
    term = np.ones_like(z)
    # terms until z^k/k! < 1e-18 at the largest z (at most _SERIES_TERMS)
    largest, terms, bound = float(z.max(initial=0)), 0, 1.0
    while terms < _SERIES_TERMS and bound > 1e-18:
        terms += 1
        bound *= largest / terms
    for k in range(1, terms + 1):
        term = term * (-z) / k
        tail += term / (k + eps)
    return head - tail


def _log_expint_fraction(p, z):
    """log E_p(z) from the continued fraction E_p(z) = e^(−z) / (z + p − 1·p/(z + p + 2 − 2(p+1)/(z + p + 4 − …)))."""
    if p.size == 0:
        return p.copy()
    tiny = 1e-300
    b = z + p
    c = np.full(b.shape, 1 / tiny)
    d = 1 / b
    h = d.copy()
    active = np.ones(b.shape, bool)
    for i in range(1, _CF_MAX_TERMS):
        an = -i * (p - 1 + i)
        b = b + 2
        d = 1 / (an * d + b)
        c = b + an / c
        delta = c * d
        h = np.where(active, h * delta, h)
        active &= np.abs(delta - 1) > 1e-16
        if not active.any():
            break
    return np.log(h) - z


def log_tail_integral(p, alpha, mu, t):
    """log ∫_t^∞ e^(−μτ) (α+τ)^(−p) dτ = μα + (1−p) log(α+t) + log E_p(μ(α+t))."""
    u = alpha + np.asarray(t, float)
    return mu * alpha + (1 - p) * np.log(u) + log_expint(p, mu * u)


def _log_dropped_integral(params, x, t_x, T, pairs=None):
    """log ∫_{t_x}^T e^(−μτ) (α+τ)^(−(r+x)) dτ, with the tail integral computed once per distinct
    (x, t) end point among the (x, t_x) and (x, T) of all rows (−inf when t_x = T)."""
    r, alpha, mu = params
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, float) for v in (x, t_x, T)))
    shape = x.shape
    x, t_x, T = x.ravel(), t_x.ravel(), T.ravel()
    if pairs is None:
        pairs = distinct_pairs(np.concatenate([x, x]), np.concatenate([t_x, T]))
    (px, pt), inverse = pairs
    at_pair = log_tail_integral(r + px, alpha, mu, pt)
    at_tx, at_T = at_pair[inverse[:x.size]], at_pair[inverse[x.size:]]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (at_tx + np.log1p(-np.exp(at_T - at_tx))).reshape(shape)


def exponential_dropout_loglik(params, x, t_x, T, distinct=None):
    """Per-row log-likelihood (see the module docstring); ``distinct`` as from
    ``ExponentialDropoutNBD.distinct_columns`` only saves work."""
    r, alpha, mu = params
    d = distinct or {}
    alive = -mu * T - (r + x) * on_distinct(lambda v: np.log(alpha + v), T, d.get("T"))
    dropped = np.log(mu) + _log_dropped_integral(params, x, t_x, T, d.get("end_points"))
    constant = on_distinct(lambda v: gammaln(r + v) - gammaln(r) + r * np.log(alpha), x, d.get("x"))
    return constant + np.logaddexp(alive, dropped)


class ExponentialDropoutNBD(TransactionModel):
    """NBD purchasing with one exponential dropout rate μ for all customers: the Pareto/NBD's limit
    as s, β → ∞ with s/β = μ (see the module docstring); parameters r, α, μ. No covariates."""

    param_names = ("r", "alpha", "mu")
    loglik_function = staticmethod(exponential_dropout_loglik)
    # BFGS's estimates are within 1e-5 of the optimum, relative, far inside the standard errors and
    # the 0.01 at which the Pareto/NBD compares log-likelihoods; numerical Hessians would double the cost
    newton_polish = False

    def start_params_natural(self):
        mean_T = max(float(np.average(self.data_columns["T"], weights=self.freq_weights)), 1.0)
        return np.array([0.5, mean_T / 4, 1 / mean_T])

    def distinct_columns(self):
        distinct = super().distinct_columns()
        if "end_points" not in distinct:
            c = self.data_columns
            distinct["end_points"] = distinct_pairs(np.concatenate([c["frequency"], c["frequency"]]),
                                                    np.concatenate([c["recency"], c["T"]]))
        return distinct


# predictions, as functions of (r, α, μ) so that the Pareto/NBD's results at the limit use them too

def probability_alive(r, alpha, mu, x, t_x, T):
    """P(alive | x, t_x, T): the alive branch's share of the likelihood."""
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    alive = -mu * T - (r + x) * np.log(alpha + T)
    dropped = np.log(mu) + _log_dropped_integral((r, alpha, mu), x, t_x, T)
    return 1.0 / (1.0 + np.exp(dropped - alive))


def expected_purchases(r, alpha, mu, t):
    """E[X(t)] for a new customer: mean rate r/α times the expected time alive in (0, t], (1 − e^(−μt))/μ."""
    t = np.asarray(t, float)
    return r / alpha * -np.expm1(-mu * t) / mu


def expected_purchases_while_alive(r, alpha, mu, t, x, T):
    """E[Y(t) | x, T, alive at T]: the posterior mean rate (r+x)/(α+T) times (1 − e^(−μt))/μ (the
    memoryless lifetime)."""
    x, T, t = (np.asarray(v, float) for v in (x, T, t))
    return (r + x) / (alpha + T) * -np.expm1(-mu * t) / mu


def probability_of_purchases(r, alpha, mu, x, t, nodes: int = 96):
    """P(X(t) = x) for a new customer: alive at t with x purchases, NB(x; r, α/(α+t)) e^(−μt), or
    dropped at τ < t after x purchases, ∫_0^t μ e^(−μτ) NB(x; r, α/(α+τ)) dτ (Gauss–Legendre with
    ``nodes`` points; the integrand is smooth and bounded)."""
    x, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(t, float))
    alive = np.exp(nbinom.logpmf(x, r, alpha / (alpha + t)) - mu * t)
    unit, weight = np.polynomial.legendre.leggauss(nodes)
    tau = (t[..., None] / 2) * (unit + 1)  # nodes on (0, t)
    density = mu * np.exp(-mu * tau) * nbinom.pmf(x[..., None], r, alpha / (alpha + tau))
    dropped = (t / 2) * (density @ weight)
    return alive + dropped


def alive_count_pmf(r, alpha, mu, t, x, T, max_count: int) -> np.ndarray:
    """P(n purchases in (T, T + t] | x, T, alive at T), n = 0..``max_count`` (customers × counts):
    λ | alive ~ Gamma(r + x, α + T) and a remaining lifetime ~ Exponential(μ) (memoryless), so a new
    customer's law (:func:`probability_of_purchases`) at (r + x, α + T, μ)."""
    x, T = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(T, float))
    rate = np.broadcast_to(np.asarray(mu, float), x.shape)[:, None]

    def survival(u):
        return np.exp(-rate * u)

    def density(u):
        return rate * np.exp(-rate * u)

    posterior_alpha = np.broadcast_to(alpha + T, x.shape)
    return nbd_count_pmf_over_lifetime(np.broadcast_to(r + x, x.shape), posterior_alpha, float(t), max_count,
                                       survival, density, scale=posterior_alpha)


def simulate_future_purchases(r, alpha, mu, t, x, t_x, T, n_sims, seed):
    """Draws (``n_sims`` × customers) of purchases in (T, T + t]: alive with P(alive); if alive,
    λ | data ~ Gamma(r + x, α + T), a remaining lifetime ~ Exponential(μ) (memoryless), and
    Poisson(λ·min(lifetime, t)) purchases."""
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    rng = np.random.default_rng(seed)
    shape = (n_sims, x.size)
    alive = rng.random(shape) < probability_alive(r, alpha, mu, x, t_x, T)
    rate = rng.gamma(r + x, 1.0 / (alpha + T), shape)
    lifetime = rng.exponential(1.0 / mu, shape)
    return np.where(alive, rng.poisson(rate * np.minimum(lifetime, float(t))), 0)


class ExponentialDropoutNBDResults(TransactionResults):
    """Estimates and predictions of the exponential-dropout NBD (the Pareto/NBD's limit)."""

    def probability_alive(self, frequency, recency, T, *, covariates=None):
        r, alpha, mu = self.customer_params(covariates)
        return probability_alive(r, alpha, mu, frequency, recency, T)

    def expected_purchases(self, t, *, covariates=None):
        r, alpha, mu = self.customer_params(covariates)
        return expected_purchases(r, alpha, mu, t)

    def expected_purchases_while_alive(self, t, frequency, T, *, compress: bool = True, covariates=None):
        r, alpha, mu = self.customer_params(covariates)
        return expected_purchases_while_alive(r, alpha, mu, t, frequency, T)

    def conditional_expected_purchases(self, t, frequency, recency, T, *, covariates=None):
        return (self.expected_purchases_while_alive(t, frequency, T, covariates=covariates)
                * self.probability_alive(frequency, recency, T, covariates=covariates))

    def heterogeneity_score(self, step: float = 1e-3) -> float:
        """The derivative of the Pareto/NBD log-likelihood in κ = 1/s at κ = 0 (this model), at these
        estimates: positive when letting the dropout rates vary across customers (μ_i ~ Gamma(s, s/μ),
        variance κμ²) raises the likelihood, so that the Pareto/NBD's maximum is not at this boundary.

        E[L(μ_i)] = L(μ) + ½κμ²L''(μ) + O(κ²), so the derivative is Σ ½ μ²L''/L over customers; with
        f(m) = log L(μe^m), μ²L''/L = f'' − f' + f'², from central differences in m (``step``)."""
        model = self.model
        r, alpha, mu = self.params.to_numpy()
        at = [model._loglik(np.array([r, alpha, mu * np.exp(m)])) for m in (-step, 0.0, step)]
        slope = (at[2] - at[0]) / (2 * step)
        curvature = (at[2] - 2 * at[1] + at[0]) / step**2
        return float(weighted_sum(model.freq_weights, 0.5 * (curvature - slope + slope**2)))

    def probability_of_purchases(self, x, t):
        r, alpha, mu = self.params
        return probability_of_purchases(r, alpha, mu, x, t)

    def alive_count_pmf(self, t, frequency, T, params, max_count: int) -> np.ndarray:
        """See :func:`alive_count_pmf`; ``params`` one array per parameter, one value per customer."""
        r, alpha, mu = params
        return alive_count_pmf(r, alpha, mu, t, frequency, T, max_count)

    def simulate_future_purchases(self, t, frequency, recency, T, *, covariates=None, n_sims: int = 2000,
                                  seed=0) -> np.ndarray:
        r, alpha, mu = self.customer_params(covariates)
        return simulate_future_purchases(r, alpha, mu, t, frequency, recency, T, n_sims, seed)


ExponentialDropoutNBD.natural_results = ExponentialDropoutNBDResults
