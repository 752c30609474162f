"""The ECSI mobile-phone model against reference values, weighting scheme by weighting scheme.

Sources (the values are in docs/ecsi_reference_values.md beside the published ones we looked for):

- SmartPLS 2.0.M3 on the same 250 x 24 ``mobi`` data (standardized items, initial weights 1, stop at
  1e-7), as stored by the semPLS package for its regression tests: cran/semPLS,
  ``tests/SmartPLS/results/ecsi/{centroid,factorial,pathWeighting}/`` (``pathCoefficients.txt``,
  ``outerWeights.txt``, ``crossLoadings.txt``; ``readMe.txt`` gives the settings). Monecke & Leisch
  (2012), "semPLS: Structural equation modeling using partial least squares", Journal of Statistical
  Software 48(3), Section 3, fit this model with ``wscheme = "centroid"`` and report that semPLS agrees
  with SmartPLS within the weights' tolerance; their printed tables could not be read here (see the doc).
- The path-weighting paths and weights are checked in test_pls.py::test_ecsi_equals_smartpls.

Tolerance: SmartPLS prints 8 decimals and stops when no weight changes by more than 1e-7, so 1e-7.
"""

from __future__ import annotations

import pytest

from analysis.models.pls import PLSPathModel

from .conftest import ECSI_BLOCKS, ECSI_PATHS

TOLERANCE = 1e-7

CENTROID_PATHS = {
    ('Complaints', 'Loyalty'): 0.07123241,
    ('Expectation', 'Quality'): 0.55724786,
    ('Expectation', 'Satisfaction'): 0.06442534,
    ('Expectation', 'Value'): 0.05078755,
    ('Image', 'Expectation'): 0.50470564,
    ('Image', 'Loyalty'): 0.19535971,
    ('Image', 'Satisfaction'): 0.17883348,
    ('Quality', 'Satisfaction'): 0.51254524,
    ('Quality', 'Value'): 0.55721686,
    ('Satisfaction', 'Complaints'): 0.52609731,
    ('Satisfaction', 'Loyalty'): 0.48347472,
    ('Value', 'Satisfaction'): 0.19181566,
}
FACTORIAL_PATHS = {
    ('Complaints', 'Loyalty'): 0.07031057,
    ('Expectation', 'Quality'): 0.55675903,
    ('Expectation', 'Satisfaction'): 0.06494365,
    ('Expectation', 'Value'): 0.05017810,
    ('Image', 'Expectation'): 0.50494314,
    ('Image', 'Loyalty'): 0.19581962,
    ('Image', 'Satisfaction'): 0.17859267,
    ('Quality', 'Satisfaction'): 0.51297470,
    ('Quality', 'Value'): 0.55776245,
    ('Satisfaction', 'Complaints'): 0.52585655,
    ('Satisfaction', 'Loyalty'): 0.48305917,
    ('Value', 'Satisfaction'): 0.19144526,
}

CENTROID_WEIGHTS = {
    'CUEX1': 0.52282271, 'CUEX2': 0.46806824, 'CUEX3': 0.44989729, 'CUSA1': 0.37718684, 'CUSA2': 0.38156707,
    'CUSA3': 0.44105872, 'CUSCO': 1.00000000, 'CUSL1': 0.45046794, 'CUSL2': 0.13133992, 'CUSL3': 0.65948149,
    'IMAG1': 0.29813185, 'IMAG2': 0.26233656, 'IMAG3': 0.21987218, 'IMAG4': 0.32782296, 'IMAG5': 0.32492101,
    'PERQ1': 0.21364542, 'PERQ2': 0.14346701, 'PERQ3': 0.19943921, 'PERQ4': 0.17811594, 'PERQ5': 0.18083905,
    'PERQ6': 0.18050324, 'PERQ7': 0.21436270, 'PERV1': 0.48582034, 'PERV2': 0.59776530,
}
FACTORIAL_WEIGHTS = {
    'CUEX1': 0.52090762, 'CUEX2': 0.47378907, 'CUEX3': 0.44585601, 'CUSA1': 0.37788083, 'CUSA2': 0.38247081,
    'CUSA3': 0.43950908, 'CUSCO': 1.00000000, 'CUSL1': 0.45553653, 'CUSL2': 0.12559574, 'CUSL3': 0.65632685,
    'IMAG1': 0.30113984, 'IMAG2': 0.25986939, 'IMAG3': 0.21780805, 'IMAG4': 0.32862476, 'IMAG5': 0.32467429,
    'PERQ1': 0.21333116, 'PERQ2': 0.14477854, 'PERQ3': 0.19981851, 'PERQ4': 0.17953152, 'PERQ5': 0.17862778,
    'PERQ6': 0.17921848, 'PERQ7': 0.21525464, 'PERV1': 0.48331535, 'PERV2': 0.60017870,
}
PATH_WEIGHTING_LOADINGS = {
    'CUEX1': 0.77076718, 'CUEX2': 0.69124548, 'CUEX3': 0.60781262, 'CUSA1': 0.79241243, 'CUSA2': 0.84702146,
    'CUSA3': 0.85669268, 'CUSCO': 1.00000000, 'CUSL1': 0.82041320, 'CUSL2': 0.20202172, 'CUSL3': 0.91543628,
    'IMAG1': 0.74520807, 'IMAG2': 0.59920038, 'IMAG3': 0.57635896, 'IMAG4': 0.76876167, 'IMAG5': 0.74445242,
    'PERQ1': 0.80317813, 'PERQ2': 0.63814644, 'PERQ3': 0.78374692, 'PERQ4': 0.76947974, 'PERQ5': 0.75472136,
    'PERQ6': 0.77464331, 'PERQ7': 0.77986483, 'PERV1': 0.90221120, 'PERV2': 0.93962478,
}

# Complaints has one item, so its score is CUSCO itself and SmartPLS's cross-loading of CUSCO on
# Satisfaction is the construct correlation: the path Satisfaction -> Complaints (its only predictor)
# and, squared, Complaints' R^2 (path weighting: crossLoadings.txt, row CUSCO, column Satisfaction).
SMARTPLS_CUSCO_SATISFACTION = 0.52806625

SCHEMES = {"centroid": (CENTROID_PATHS, CENTROID_WEIGHTS), "factorial": (FACTORIAL_PATHS, FACTORIAL_WEIGHTS)}


@pytest.fixture(scope="module")
def fits(ecsi):
    return {scheme: PLSPathModel(ecsi, ECSI_BLOCKS, ECSI_PATHS, scheme=scheme).fit()
            for scheme in ("path", "centroid", "factorial")}


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_other_weighting_schemes_equal_smartpls(fits, scheme):
    expected_paths, expected_weights = SCHEMES[scheme]
    fit = fits[scheme]
    assert set(fit.path_coefficients.index) == set(expected_paths)
    for pair, expected in expected_paths.items():
        assert fit.path_coefficients[pair] == pytest.approx(expected, abs=TOLERANCE), (scheme, pair)
    weights = fit.outer_weights.droplevel("construct")
    for item, expected in expected_weights.items():
        assert weights[item] == pytest.approx(expected, abs=TOLERANCE), (scheme, item)


def test_schemes_differ_by_more_than_the_tolerance(fits):
    """The comparison can tell the schemes apart: centroid and path weighting differ by far more
    than 1e-7 on Complaints -> Loyalty (SmartPLS: 0.07123241 against 0.06692607)."""
    pair = ("Complaints", "Loyalty")
    assert abs(fits["centroid"].path_coefficients[pair] - fits["path"].path_coefficients[pair]) > 1e-3


def test_path_weighting_loadings_and_complaints_r_squared_equal_smartpls(fits):
    fit = fits["path"]
    loadings = fit.outer_loadings.droplevel("construct")
    for item, expected in PATH_WEIGHTING_LOADINGS.items():
        assert loadings[item] == pytest.approx(expected, abs=TOLERANCE), item
    assert fit.path_coefficients[("Satisfaction", "Complaints")] == pytest.approx(SMARTPLS_CUSCO_SATISFACTION,
                                                                                 abs=TOLERANCE)
    assert fit.r_squared["Complaints"] == pytest.approx(SMARTPLS_CUSCO_SATISFACTION ** 2, abs=2 * TOLERANCE)
