"""PLS path model: a reference implementation's numbers on the ECSI data, an independent
implementation written on the item correlation matrix, and the fixed-point equations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.models.pls import PLSPathModel

from .conftest import ECSI_BLOCKS, ECSI_PATHS


@pytest.fixture(scope="module")
def ecsi_fit(ecsi):
    return PLSPathModel(ecsi, ECSI_BLOCKS, ECSI_PATHS, scale=(1, 10)).fit()


# -- a published software reference ---------------------------------------------------------------
# seminr's estimate_pls on the mobi data (= ../shared's ECSI file), path weighting scheme, Quality in
# Mode B, all others Mode A; seminr's output as stored in the plspm-python test suite
# (GoogleCloudPlatform/plspm-python, tests/data/seminr-mobi-basic-paths.csv and
# seminr-mobi-basic-outer-model.csv, used by tests/test_regression_seminr.py::test_paths).
SEMINR_BASIC_PATHS = {
    ("Image", "Expectation"): 0.512876954138615,
    ("Expectation", "Loyalty"): 0.124534792831633,
    ("Quality", "Loyalty"): 0.405693671851465,
    ("Complaints", "Loyalty"): 0.176081956818542,
}
SEMINR_BASIC_WEIGHTS = {
    "IMAG1": 0.289315133055235, "IMAG2": 0.302049292567551, "IMAG3": 0.239056557053925,
    "IMAG4": 0.306197698970417, "IMAG5": 0.307935309510133,
    "CUEX1": 0.486195010983096, "CUEX2": 0.561419220295048, "CUEX3": 0.381323454524026,
    "PERQ1": 0.407033650980277, "PERQ2": 0.166397958325427, "PERQ3": 0.38465728634974,
    "PERQ4": 0.0740065406659367, "PERQ5": 0.0521512126128109, "PERQ6": -0.0862475048715799,
    "PERQ7": 0.247567714116287, "CUSCO": 1.0,
    "CUSL1": 0.455294149865501, "CUSL2": 0.117887757261553, "CUSL3": 0.658305669437138,
}
SEMINR_BASIC_LOADINGS = {
    "IMAG1": 0.738146832100829, "IMAG2": 0.628057636334134, "IMAG3": 0.584994323749385,
    "IMAG4": 0.755321624185593, "IMAG5": 0.73266724244498,
    "CUEX1": 0.750620088913199, "CUEX2": 0.760693713932964, "CUEX3": 0.545427204646342,
    "PERQ1": 0.848331559563572, "PERQ2": 0.613093727616285, "PERQ3": 0.840292545241395,
    "PERQ4": 0.654863987061899, "PERQ5": 0.670785747101997, "PERQ6": 0.610190554740549,
    "PERQ7": 0.802363177633337, "CUSCO": 1.0,
    "CUSL1": 0.817374915589384, "CUSL2": 0.205795369057261, "CUSL3": 0.916889001865127,
}


def test_matches_seminr_reference_with_a_mode_b_block(ecsi):
    blocks = {name: ECSI_BLOCKS[name] for name in ["Image", "Expectation", "Quality", "Complaints", "Loyalty"]}
    paths = [("Expectation", "Loyalty"), ("Quality", "Loyalty"), ("Image", "Expectation"), ("Complaints", "Loyalty")]
    fit = PLSPathModel(ecsi, blocks, paths, mode={"Quality": "B"}).fit()
    for pair, expected in SEMINR_BASIC_PATHS.items():
        assert fit.path_coefficients[pair] == pytest.approx(expected, abs=1e-6)
    weights = fit.outer_weights.droplevel("construct")
    loadings = fit.outer_loadings.droplevel("construct")
    for item, expected in SEMINR_BASIC_WEIGHTS.items():
        assert weights[item] == pytest.approx(expected, abs=1e-6)
    for item, expected in SEMINR_BASIC_LOADINGS.items():
        assert loadings[item] == pytest.approx(expected, abs=1e-6)


# seminr's estimate_pls (path weighting, Mode A) of Image, Expectation, Value -> Satisfaction on mobi,
# with bootstrap_model(nboot = 500, seed = 123): seminr's tests/fixtures/V_3_6_0/boot_report_paths.csv
# (columns "Original Est." and "Bootstrap SD"), written by its tests/testthat/test-bootstrap.R.
SEMINR_SATISFACTION_PATHS = {
    "Image": (0.447003896753384, 0.0569259275804892),
    "Expectation": (0.171830104491587, 0.0619900261088522),
    "Value": (0.316425319256027, 0.0717381375043804),
}


def test_matches_seminr_reference_satisfaction_model(ecsi):
    blocks = {name: ECSI_BLOCKS[name] for name in ["Image", "Expectation", "Value", "Satisfaction"]}
    paths = [(name, "Satisfaction") for name in SEMINR_SATISFACTION_PATHS]
    fit = PLSPathModel(ecsi, blocks, paths).fit()
    for name, (expected, _) in SEMINR_SATISFACTION_PATHS.items():
        assert fit.path_coefficients[(name, "Satisfaction")] == pytest.approx(expected, abs=1e-6)


@pytest.mark.slow
def test_bootstrap_standard_errors_agree_with_seminr(ecsi):
    """Different resampling streams, so only the Monte Carlo agreement can be checked: with 200 and
    500 replicates the two standard errors differ by about 5.5% (sd); we allow 20%."""
    blocks = {name: ECSI_BLOCKS[name] for name in ["Image", "Expectation", "Value", "Satisfaction"]}
    paths = [(name, "Satisfaction") for name in SEMINR_SATISFACTION_PATHS]
    table = PLSPathModel(ecsi, blocks, paths).fit(bootstrap=200, seed=123).path_table
    for name, (_, seminr_sd) in SEMINR_SATISFACTION_PATHS.items():
        assert table.loc[(name, "Satisfaction"), "std_error"] == pytest.approx(seminr_sd, rel=0.20)


# -- the full ECSI model -------------------------------------------------------------------------
# Our estimates (path weighting, Mode A, standardized items), printed to 3 decimals; the
# independent implementation below is the 1e-6 check, these guard against regressions.
ECSI_PATHS_3DP = {
    ("Image", "Expectation"): 0.505, ("Image", "Satisfaction"): 0.179, ("Image", "Loyalty"): 0.196,
    ("Expectation", "Quality"): 0.557, ("Expectation", "Value"): 0.050, ("Expectation", "Satisfaction"): 0.063,
    ("Quality", "Value"): 0.558, ("Quality", "Satisfaction"): 0.512, ("Value", "Satisfaction"): 0.195,
    ("Satisfaction", "Complaints"): 0.528, ("Satisfaction", "Loyalty"): 0.485, ("Complaints", "Loyalty"): 0.067,
}
ECSI_R2_3DP = {"Expectation": 0.255, "Quality": 0.310, "Value": 0.345, "Satisfaction": 0.681,
               "Complaints": 0.279, "Loyalty": 0.457}


def test_ecsi_estimates(ecsi_fit):
    for pair, expected in ECSI_PATHS_3DP.items():
        assert round(ecsi_fit.path_coefficients[pair], 3) == pytest.approx(expected, abs=1e-12), pair
    for name, expected in ECSI_R2_3DP.items():
        assert round(ecsi_fit.r_squared[name], 3) == pytest.approx(expected, abs=1e-12), name
    # the single-item block has loading and weight 1
    assert ecsi_fit.outer_loadings[("Complaints", "CUSCO")] == pytest.approx(1.0, abs=1e-12)
    # CUSL2 (propensity to switch) is the ECSI data's known weak item
    assert ecsi_fit.outer_loadings[("Loyalty", "CUSL2")] < 0.3


def _independent_pls(correlation: np.ndarray, block_of: np.ndarray, adjacency: np.ndarray, tol: float = 1e-12):
    """Lohmöller's algorithm in matrix form on the item correlation matrix alone: W is items x
    constructs with zeros off the blocks, the construct correlation is W' R W."""
    n_items, n_constructs = len(block_of), adjacency.shape[0]
    mask = np.zeros((n_items, n_constructs))
    mask[np.arange(n_items), block_of] = 1.0
    weights = mask.copy()
    weights /= np.sqrt(np.diag(weights.T @ correlation @ weights))
    for _ in range(1000):
        construct_corr = weights.T @ correlation @ weights
        inner = np.zeros((n_constructs, n_constructs))
        for j in range(n_constructs):
            preds = np.flatnonzero(adjacency[:, j])
            succs = np.flatnonzero(adjacency[j, :])
            if preds.size:
                inner[preds, j] = np.linalg.solve(construct_corr[np.ix_(preds, preds)], construct_corr[preds, j])
            inner[succs, j] = construct_corr[succs, j]
        updated = mask * (correlation @ weights @ inner)      # Mode A: cov(x_h, Z_j) for h in block j
        updated /= np.sqrt(np.diag(updated.T @ correlation @ updated))
        done = np.max(np.abs(updated - weights)) < tol
        weights = updated
        if done:
            break
    construct_corr = weights.T @ correlation @ weights
    paths = np.zeros((n_constructs, n_constructs))
    for j in range(n_constructs):
        preds = np.flatnonzero(adjacency[:, j])
        if preds.size:
            paths[preds, j] = np.linalg.solve(construct_corr[np.ix_(preds, preds)], construct_corr[preds, j])
    loadings = (correlation @ weights * mask).sum(axis=1)
    return weights.sum(axis=1), paths, loadings


def test_equals_an_independent_matrix_implementation(ecsi, ecsi_fit):
    constructs = list(ECSI_BLOCKS)
    items = [item for name in constructs for item in ECSI_BLOCKS[name]]
    block_of = np.array([constructs.index(name) for name in constructs for _ in ECSI_BLOCKS[name]])
    adjacency = np.zeros((7, 7), bool)
    for source, target in ECSI_PATHS:
        adjacency[constructs.index(source), constructs.index(target)] = True
    correlation = np.corrcoef(ecsi[items].to_numpy(float), rowvar=False)
    weights, paths, loadings = _independent_pls(correlation, block_of, adjacency)
    for (source, target), value in ecsi_fit.path_coefficients.items():
        assert value == pytest.approx(paths[constructs.index(source), constructs.index(target)], abs=1e-6)
    assert np.max(np.abs(ecsi_fit.outer_weights.to_numpy() - weights)) < 1e-6
    assert np.max(np.abs(ecsi_fit.outer_loadings.to_numpy() - loadings)) < 1e-6


def test_fixed_point_equations_hold(ecsi, ecsi_fit):
    """At the solution: Mode A weights are proportional to cov(x, inner proxy) and path
    coefficients are OLS of the scores (here via statsmodels)."""
    scores = ecsi_fit.scores
    constructs = list(ECSI_BLOCKS)
    correlation = scores.T @ scores / len(scores)
    for name in constructs:
        preds = [s for s, t in ECSI_PATHS if t == name]
        succs = [t for s, t in ECSI_PATHS if s == name]
        inner = pd.Series(0.0, index=scores.index)
        if preds:
            beta = np.linalg.solve(correlation.loc[preds, preds], correlation.loc[preds, name])
            inner += scores[preds].to_numpy() @ beta
        for succ in succs:
            inner += correlation.loc[name, succ] * scores[succ]
        items = ecsi.loc[scores.index, ECSI_BLOCKS[name]]
        standardized = (items - items.mean()) / items.std(ddof=0)
        direction = standardized.T @ inner / len(inner)
        again = direction / np.sqrt(np.mean((standardized @ direction) ** 2))
        assert np.max(np.abs(again.to_numpy() - ecsi_fit.outer_weights[name].to_numpy())) < 1e-6
        if preds:
            ols = sm.OLS(scores[name], scores[preds]).fit()
            for pred in preds:
                assert ecsi_fit.path_coefficients[(pred, name)] == pytest.approx(ols.params[pred], abs=1e-10)
            assert ecsi_fit.r_squared[name] == pytest.approx(ols.rsquared, abs=1e-10)


def test_scores_are_standardized_and_total_effects_sum_chains(ecsi_fit):
    scores = ecsi_fit.scores
    assert np.allclose(scores.mean(), 0, atol=1e-12)
    assert np.allclose((scores ** 2).mean(), 1, atol=1e-12)
    p = ecsi_fit.path_coefficients
    # Image -> Loyalty: direct + via Satisfaction + via Satisfaction -> Complaints + via Expectation ...
    direct_and_chains = (
        p[("Image", "Loyalty")]
        + p[("Image", "Satisfaction")] * (p[("Satisfaction", "Loyalty")]
                                         + p[("Satisfaction", "Complaints")] * p[("Complaints", "Loyalty")])
    )
    via_expectation = p[("Image", "Expectation")] * ecsi_fit.total_effects[("Expectation", "Loyalty")]
    assert ecsi_fit.total_effects[("Image", "Loyalty")] == pytest.approx(direct_and_chains + via_expectation, abs=1e-12)


def test_index_scores_follow_the_acsi_rescaling(ecsi, ecsi_fit):
    """index = sum w~_h (x_h - 1)/9 * 100, w~ = (w_h / s_h) normalised to sum 1."""
    items = ECSI_BLOCKS["Satisfaction"]
    raw = ecsi[items]
    unstandardized = ecsi_fit.outer_weights["Satisfaction"].to_numpy() / raw.std(ddof=0).to_numpy()
    normalised = unstandardized / unstandardized.sum()
    expected = ((raw - 1) / 9 * 100).to_numpy() @ normalised
    assert np.allclose(ecsi_fit.index_scores["Satisfaction"].to_numpy(), expected, atol=1e-10)
    assert -1e-9 <= ecsi_fit.index_scores.min().min() and ecsi_fit.index_scores.max().max() <= 100 + 1e-9
    assert ecsi_fit.index_means["Satisfaction"] == pytest.approx(expected.mean(), abs=1e-10)


def test_bootstrap_is_seeded_and_byte_identical(ecsi):
    model = PLSPathModel(ecsi, ECSI_BLOCKS, ECSI_PATHS)
    first = model.fit(bootstrap=20, seed=7)
    # the same respondents in another row order give the same bytes
    again = PLSPathModel(ecsi.sample(frac=1.0, random_state=1), ECSI_BLOCKS, ECSI_PATHS).fit(
        bootstrap=20, seed=7)
    assert first.path_table.to_csv() == again.path_table.to_csv()
    assert first.total_effect_table.to_csv() == again.total_effect_table.to_csv()
    other = model.fit(bootstrap=20, seed=8)
    assert first.path_table.to_csv() != other.path_table.to_csv()
    table = first.path_table
    assert (table["lower"] <= table["upper"]).all() and (table["std_error"] > 0).all()
    # Satisfaction -> Loyalty is clearly positive on this data: its interval excludes 0
    assert table.loc[("Satisfaction", "Loyalty"), "lower"] > 0
    assert "Path coefficients" in first.summary()


def test_listwise_deletion_is_counted(ecsi):
    holed = ecsi.copy()
    holed.loc[[3, 10], "PERQ2"] = np.nan
    fit = PLSPathModel(holed, ECSI_BLOCKS, ECSI_PATHS).fit()
    assert fit.nobs == 248 and fit.n_dropped == 2


def test_rejects_a_cycle_and_an_unknown_block(ecsi):
    with pytest.raises(ValueError, match="cycle"):
        PLSPathModel(ecsi, ECSI_BLOCKS, [*ECSI_PATHS, ("Loyalty", "Image")])
    with pytest.raises(ValueError, match="no block"):
        PLSPathModel(ecsi, ECSI_BLOCKS, [("Image", "Price")])


def test_the_0_100_rescaled_data_give_the_same_model(ecsi, ecsi_fit):
    """Some publications use the items rescaled to 0-100 ((x - 1)/9 * 100, plspm's `mobile`), others
    the 1-10 answers (semPLS/seminr's `mobi`): a linear rescaling of every item leaves the
    standardized PLS estimates and the 0-100 index unchanged, so both report the same model."""
    items = [item for block in ECSI_BLOCKS.values() for item in block]
    rescaled = ecsi.copy()
    rescaled[items] = (ecsi[items] - 1) / 9 * 100
    fit = PLSPathModel(rescaled, ECSI_BLOCKS, ECSI_PATHS, scale=(0, 100)).fit()
    assert np.max(np.abs(fit.path_coefficients - ecsi_fit.path_coefficients)) < 1e-9
    assert np.max(np.abs(fit.outer_loadings - ecsi_fit.outer_loadings)) < 1e-9
    assert np.max(np.abs(fit.index_means - ecsi_fit.index_means)) < 1e-9


# -- SmartPLS on the full ECSI model ---------------------------------------------------------------
# SmartPLS 2.0.M3 on the mobi data (path weighting scheme, Mode A, standardized data, initial weights
# 1, stop at 1e-7), as stored by the semPLS package for its regression tests
# (cran/semPLS, tests/SmartPLS/results/ecsi/pathWeighting/pathCoefficients.txt and outerWeights.txt;
# Monecke & Leisch 2012, "semPLS: Structural equation modeling using partial least squares", Journal
# of Statistical Software 48(3)). The model is the ECSI mobile-phone model of Tenenhaus, Esposito
# Vinzi, Chatelin & Lauro (2005).
SMARTPLS_PATHS = {
    ("Image", "Expectation"): 0.50491393, ("Image", "Satisfaction"): 0.17873950, ("Image", "Loyalty"): 0.19575534,
    ("Expectation", "Quality"): 0.55674896, ("Expectation", "Value"): 0.04998839,
    ("Expectation", "Satisfaction"): 0.06252287, ("Quality", "Value"): 0.55830438,
    ("Quality", "Satisfaction"): 0.51202394, ("Value", "Satisfaction"): 0.19476510,
    ("Satisfaction", "Complaints"): 0.52806625, ("Satisfaction", "Loyalty"): 0.48547762,
    ("Complaints", "Loyalty"): 0.06692607,
}
SMARTPLS_WEIGHTS = {
    ("Expectation", "CUEX1"): 0.52118068, ("Expectation", "CUEX2"): 0.47367966, ("Expectation", "CUEX3"): 0.44563424,
    ("Satisfaction", "CUSA1"): 0.36486486, ("Satisfaction", "CUSA2"): 0.38315604, ("Satisfaction", "CUSA3"): 0.45096120,
    ("Complaints", "CUSCO"): 1.0, ("Loyalty", "CUSL1"): 0.46066473, ("Loyalty", "CUSL2"): 0.11426953,
    ("Loyalty", "CUSL3"): 0.65431059, ("Image", "IMAG1"): 0.30131215, ("Image", "IMAG2"): 0.25969115,
    ("Image", "IMAG3"): 0.21792305, ("Image", "IMAG4"): 0.32850357, ("Image", "IMAG5"): 0.32468141,
    ("Quality", "PERQ1"): 0.21317504, ("Quality", "PERQ2"): 0.14472169, ("Quality", "PERQ3"): 0.20001771,
    ("Quality", "PERQ4"): 0.17939947, ("Quality", "PERQ5"): 0.17863569, ("Quality", "PERQ6"): 0.17912074,
    ("Quality", "PERQ7"): 0.21548153, ("Value", "PERV1"): 0.47928245, ("Value", "PERV2"): 0.60405602,
}


def test_ecsi_equals_smartpls(ecsi_fit):
    """Path coefficients and outer weights to 1e-7 (SmartPLS prints 8 decimals and stops when the
    weights change by less than 1e-7; the largest difference is 7e-9)."""
    for pair, expected in SMARTPLS_PATHS.items():
        assert ecsi_fit.path_coefficients[pair] == pytest.approx(expected, abs=1e-7), pair
    for pair, expected in SMARTPLS_WEIGHTS.items():
        assert ecsi_fit.outer_weights[pair] == pytest.approx(expected, abs=1e-7), pair
