"""The synthetic log generator reproduces the BG/NBD expectation it is built on."""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1

from analysis.simulate import TruePurchasing, simulate_transactions
from analysis.summary import customer_summary


def bgnbd_expected_repeats(t: float, r: float, alpha: float, a: float, b: float) -> float:
    # Fader, Hardie & Lee (2005a), eq. (9)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def test_mean_repeat_purchases_match_bgnbd_expectation():
    truth = TruePurchasing(r=0.5, alpha=6.0, a=1.2, b=2.5, period_days=7.0)
    log = simulate_transactions(60_000, purchasing=truth, acquisition_days=1, observation_days=365, seed=3)
    # purchases merged by day, as the summary does: with these rates, same-day repeats are rare
    summary = customer_summary(log, period="week", observation_end="2020-12-31")
    t = 365 / 7
    expected = bgnbd_expected_repeats(t, truth.r, truth.alpha, truth.a, truth.b)
    observed = summary["frequency"].mean()
    standard_error = summary["frequency"].std() / np.sqrt(len(summary))
    assert abs(observed - expected) < 4 * standard_error + 0.01 * expected, (observed, expected)


def test_seeded_and_reproducible():
    first = simulate_transactions(1000, seed=7)
    second = simulate_transactions(1000, seed=7)
    assert first.equals(second)
    assert (first["amount"] > 0).all()
