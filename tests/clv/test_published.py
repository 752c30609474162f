"""The published CDNOW estimates, reproduced from the raw transaction file through the project's
own loading, cleaning and summary (tests/conftest.py: cdnow_sample_summary).

Values from ../shared/reference/published_values.md; tolerances from the published rounding."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from analysis.models.bgnbd import bgnbd_loglik


@pytest.fixture(scope="module")
def calibration(cdnow_sample_summary):
    s = cdnow_sample_summary
    return (s["frequency_cal"].astype(float).to_numpy(), s["recency_cal"].to_numpy(),
            s["T_cal"].to_numpy(), s["monetary_value_cal"].to_numpy())


def test_bgnbd_fader_hardie_lee_2005a(calibration):
    x, t_x, T, _ = calibration
    res = BetaGeo(x, t_x, T).fit()
    # FHL (2005a): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    assert res.params.round(3).to_dict() == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert res.llf == pytest.approx(-9582.4, abs=0.05)
    # Hessian standard errors: r 0.0126, alpha 0.378, a 0.186, b 0.705
    assert np.abs(res.bse.to_numpy() - [0.0126, 0.378, 0.186, 0.705]).max() <= 5e-4
    assert res.converged and res.nobs == 2357
    assert list(res.params.index) == ["r", "alpha", "a", "b"]


def test_paretonbd_schmittlein_morrison_colombo(calibration):
    x, t_x, T, _ = calibration
    res = ParetoNBD(x, t_x, T).fit()
    # r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669 (weakly identified, SE ≈ 6.2); LL = -9595.0
    assert np.all(np.abs(res.params.to_numpy() - [0.553, 10.578, 0.606, 11.669]) <= [5e-4, 5e-4, 5e-4, 5e-3])
    assert res.llf == pytest.approx(-9595.0, abs=0.05)
    assert res.bse["beta"] == pytest.approx(6.2, abs=0.05)


def test_gammagamma_fader_hardie_lee_2005b(calibration):
    x, _, _, m = calibration
    repeat = x > 0
    assert repeat.sum() == 946
    res = GammaGamma(x[repeat], m[repeat]).fit()
    # p = 6.25, q = 3.74, gamma = 15.44; LL = -4055.92 on the 946 repeat buyers
    assert np.all(np.abs(res.params.to_numpy() - [6.25, 3.74, 15.44]) <= 0.005)
    assert res.llf == pytest.approx(-4055.92, abs=0.005)
    assert res.nobs == 946


def test_mbgnbd_fits_and_is_close_to_bgnbd(calibration):
    x, t_x, T, _ = calibration
    mbg, bg = ModifiedBetaGeo(x, t_x, T).fit(), BetaGeo(x, t_x, T).fit()
    assert mbg.converged
    # nested-ish alternatives on the same data: log-likelihoods within a few points
    assert abs(mbg.llf - bg.llf) < 5


def test_hardie_note_027_stability_vector():
    # BG/NBD one-customer log-likelihood at r=0.25, alpha=4, a=0.8, b=2.5, T=40
    values = bgnbd_loglik((0.25, 4.0, 0.8, 2.5), np.array([0.0, 200.0]), np.array([0.0, 38.0]), np.array([40.0, 40.0]))
    assert values[0] == pytest.approx(-0.59947382, abs=1e-8)
    assert values[1] == pytest.approx(100.7957, abs=5e-5)


def test_weights_give_the_same_fit(calibration):
    x, t_x, T, _ = calibration
    compressed = BetaGeo(x, t_x, T).fit()
    uncompressed = BetaGeo(x, t_x, T, compress=False).fit()
    rows = np.column_stack([x, t_x, T])
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    weighted = BetaGeo(*unique.T, weights=counts, compress=False).fit()
    for other in (uncompressed, weighted):
        assert other.params.to_numpy() == pytest.approx(compressed.params.to_numpy(), rel=1e-4)
        assert other.bse.to_numpy() == pytest.approx(compressed.bse.to_numpy(), rel=1e-3)
        assert other.llf == pytest.approx(compressed.llf, abs=1e-6)
        assert other.nobs == 2357 and other.bic == pytest.approx(compressed.bic, abs=1e-5)


def test_analytic_scores_match_numerical_gradients(calibration):
    from statsmodels.tools.numdiff import approx_fprime

    x, t_x, T, m = calibration
    for model, at in ((BetaGeo(x, t_x, T), [0.3, 4.0, 0.8, 2.5]),
                      (GammaGamma(x[x > 0], m[x > 0]), [6.0, 3.5, 15.0])):
        point = np.log(at)
        numerical = approx_fprime(point, model.loglike, centered=True)
        assert model.score(point) == pytest.approx(numerical, rel=1e-5, abs=1e-4)
