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
from scipy.special import digamma, gammaln

from .base import BTYDResults, LogScaleLikelihoodModel


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
        c = self.data_columns
        return gammagamma_loglik(params, c["frequency"], c["monetary_value"])

    def start_params_natural(self):
        mean = float(np.average(self.data_columns["monetary_value"], weights=self.freq_weights))
        return np.array([2.0, 3.0, mean])

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
