"""Shifted-beta-geometric model: published estimates, a hand-computed likelihood, equivalences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from analysis.core.paths import RAW_DATA_DIR
from analysis.models.sbg import survivors_to_durations
from analysis.retention import ShiftedBetaGeometric

COHORTS = pd.read_csv(RAW_DATA_DIR / "retention_cohorts" / "fader_hardie_2007.csv")


@pytest.mark.parametrize("cohort,alpha,beta", [("regular", 0.704, 1.182), ("high_end", 0.668, 3.806)])
def test_fader_hardie_2007_estimates(cohort, alpha, beta):
    # Fader & Hardie (2007), fitted to years 0-7 (published_values.md)
    res = ShiftedBetaGeometric(COHORTS[cohort].iloc[:8].to_numpy()).fit()
    assert list(res.params.index) == ["alpha", "beta"]
    assert res.params["alpha"] == pytest.approx(alpha, abs=5e-4)
    assert res.params["beta"] == pytest.approx(beta, abs=5e-4)
    assert res.converged and res.nobs == 1000


def test_projection_beats_constant_retention_on_years_8_to_12():
    from analysis.retention.study import fit_cohort_benchmark

    benchmark = fit_cohort_benchmark()
    # the paper's point: a constant retention rate fitted to years 0-7 projects badly, sBG well
    for fit in benchmark.values():
        assert fit["holdout_mape_sbg"] < 0.03
        assert fit["holdout_mape_naive"] > 3 * fit["holdout_mape_sbg"]
    # regular cohort, year 12: 173 actual survivors; sBG projects about 170
    assert benchmark["regular"]["projected"][12] == pytest.approx(173, abs=5)


def test_likelihood_by_hand_for_a_tiny_cohort():
    # 10 customers: 3 churn in period 1, 2 in period 2, 5 still active after 2 periods.
    # P(T=1) = B(a+1, b)/B(a, b) = a/(a+b); P(T=2) = a b /((a+b)(a+b+1)); S(2) = b(b+1)/((a+b)(a+b+1))
    a, b = 1.5, 2.5
    by_hand = (3 * np.log(a / (a + b)) + 2 * np.log(a * b / ((a + b) * (a + b + 1)))
               + 5 * np.log(b * (b + 1) / ((a + b) * (a + b + 1))))
    model = ShiftedBetaGeometric([10, 7, 5])
    assert model.loglike(np.log([a, b])) == pytest.approx(by_hand, rel=1e-12)
    assert survivors_to_durations([10, 7, 5])[2].tolist() == [3, 2, 5]


def test_individual_data_equals_cohort_data():
    survivors = COHORTS["regular"].iloc[:8].to_numpy()
    duration, churned, weight = survivors_to_durations(survivors)
    individual = ShiftedBetaGeometric.from_durations(np.repeat(duration, weight.astype(int)),
                                                     np.repeat(churned, weight.astype(int))).fit()
    cohort = ShiftedBetaGeometric(survivors).fit()
    assert individual.params.to_numpy() == pytest.approx(cohort.params.to_numpy(), rel=1e-6)
    assert individual.llf == pytest.approx(cohort.llf, rel=1e-9)


def test_derl_closed_form_equals_the_sum():
    res = ShiftedBetaGeometric(COHORTS["high_end"].iloc[:8].to_numpy()).fit()
    alpha, beta = res.params
    for survived in (0, 3):
        direct = sum(np.exp(betaln(alpha, beta + survived + k) - betaln(alpha, beta + survived)) / 1.1**k
                     for k in range(3_000))
        assert res.derl(0.10, survived) == pytest.approx(direct, rel=1e-8)
    # retention rates rise with tenure (heterogeneity sorts customers)
    assert np.all(np.diff(res.retention_rate(np.arange(1, 10))) > 0)
