"""Gamma-Gamma model of spend per transaction.

A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, so their
mean spend is p/ν; fitted on repeat buyers' mean repeat-transaction value m and count x.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value curves for
customer base analysis. Journal of Marketing Research 42(4), 415–430.
Fader & Hardie (2013). The Gamma-Gamma model of monetary value (note 025).
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from .base import BTYDResults, LogScaleLikelihoodModel, weighted_sum


def gammagamma_loglik(params, x, m):
    p, q, gamma = params
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(gamma + m * x))


class GammaGamma(LogScaleLikelihoodModel):
    """Gamma-Gamma spend model; ``frequency`` > 0 and ``monetary_value`` > 0 are required."""

    param_names = ("p", "q", "gamma")

    def __init__(self, frequency, monetary_value, weights=None, compress=True, **kwargs):
        x, m = np.asarray(frequency, float), np.asarray(monetary_value, float)
        if np.any(x <= 0) or np.any(m <= 0):
            raise ValueError("GammaGamma needs repeat buyers only: frequency > 0 and monetary_value > 0")
        super().__init__({"frequency": x, "monetary_value": m}, weights, compress, **kwargs)

    def _loglik(self, params):
        # gammagamma_loglik with the gamma functions of x once per distinct frequency and the logs
        # of the data once per fit
        p, q, gamma = params
        ux, ix, log_mx = self._distinct_frequencies()
        x, m = self.data_columns["frequency"], self.data_columns["monetary_value"]
        px = p * x
        return ((gammaln(p * ux + q) - gammaln(p * ux))[ix] - gammaln(q) + q * np.log(gamma)
                + px * log_mx - np.log(m) - (px + q) * np.log(gamma + m * x))

    def _distinct_frequencies(self):
        """The distinct frequencies, each row's index into them, and log(m) + log(x) per row."""
        if getattr(self, "_distinct_x", None) is None:
            c = self.data_columns
            ux, ix = np.unique(c["frequency"], return_inverse=True)
            self._distinct_x = (ux, ix.ravel(), np.log(c["monetary_value"]) + np.log(c["frequency"]))
        return self._distinct_x

    def start_params_natural(self):
        mean = float(np.average(self.data_columns["monetary_value"], weights=self.freq_weights))
        return np.array([2.0, 3.0, mean])

    def _derivative_sums(self, params, hessian):
        """Weighted sums of the gradient and Hessian in (p, q, γ); the digamma and trigamma terms of
        x are computed once per distinct frequency (rows are distinct (x, m) pairs, x has few values)."""
        p, q, gamma = params
        ux, ix, log_mx = self._distinct_frequencies()
        x, w = self.data_columns["frequency"], self.freq_weights
        spend = self.data_columns["monetary_value"] * x
        weight_x = np.bincount(ix, w, minlength=ux.size)
        n = weight_x.sum()
        psi_pxq, psi_px = digamma(p * ux + q), digamma(p * ux)
        log_rate = np.log(gamma + spend)  # ln(γ + m x)
        shape = p * x + q
        dot = weighted_sum
        gradient = np.array([
            dot(weight_x * ux, psi_pxq - psi_px) + dot(w * x, log_mx - log_rate),
            dot(weight_x, psi_pxq) - n * (digamma(q) - np.log(gamma)) - dot(w, log_rate),
            n * q / gamma - dot(w, shape / (gamma + spend)),
        ])
        if not hessian:
            return gradient, None
        tri_pxq = polygamma(1, p * ux + q)
        inverse_rate = 1 / (gamma + spend)
        h = np.empty((3, 3))
        h[0, 0] = dot(weight_x * ux**2, tri_pxq - polygamma(1, p * ux))
        h[0, 1] = dot(weight_x * ux, tri_pxq)
        h[0, 2] = -dot(w * x, inverse_rate)
        h[1, 1] = dot(weight_x, tri_pxq) - n * polygamma(1, q)
        h[1, 2] = n / gamma - dot(w, inverse_rate)
        h[2, 2] = -n * q / gamma**2 + dot(w * shape, inverse_rate**2)
        return gradient, np.triu(h) + np.triu(h, 1).T

    def _score(self, params):
        p, q, gamma = params
        x, m = self.data_columns["frequency"], self.data_columns["monetary_value"]
        common = digamma(p * x + q)
        return np.column_stack([
            x * (common - digamma(p * x) + np.log(m) + np.log(x) - np.log(gamma + m * x)),
            common - digamma(q) + np.log(gamma) - np.log(gamma + m * x),
            q / gamma - (p * x + q) / (gamma + m * x),
        ])


class GammaGammaResults(BTYDResults):
    def expected_spend(self):
        """Mean spend per transaction of a new customer, pγ/(q − 1)."""
        p, q, gamma = self.params
        return p * gamma / (q - 1)

    def conditional_expected_spend(self, frequency, monetary_value):
        """E[M | x, m]: a weighted average of the population mean and the customer's own mean
        (FHL 2005b, eq. 5); customers with no repeat purchase get the population mean."""
        p, q, gamma = self.params
        x, m = np.asarray(frequency, float), np.asarray(monetary_value, float)
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * self.expected_spend() + weight * m


GammaGamma.natural_results = GammaGammaResults
