"""Time-invariant covariates in BG/NBD and Pareto/NBD (Fader & Hardie 2007, note 019): the model
without covariates is the special case γ = 0, simulated effects are recovered inside their 95%
intervals, and the likelihood-ratio test rejects a real effect and not a noise one."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.numdiff import approx_fprime

from analysis.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from analysis.models.bgnbd import bgnbd_loglik
from analysis.models.covariates import CovariateDesign
from analysis.models.paretonbd import paretonbd_loglik
from analysis.models.simulate import simulate_bgnbd, simulate_paretonbd
from analysis.retention import ShiftedBetaGeometric

# CDNOW-sample values (FHL 2005a; Schmittlein et al. 1987 via Fader & Hardie 2005) as the base
BGNBD_BASE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO_BASE = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


def customers(n, seed):
    """A binary (vip) and a standard-normal (age) covariate."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"vip": rng.integers(0, 2, n).astype(float), "age": rng.normal(size=n)})


def linear(frame, gamma):
    return frame["vip"].to_numpy() * gamma[0] + frame["age"].to_numpy() * gamma[1]


def simulate_bgnbd_with_covariates(frame, gammas, seed, T=None):
    """BG/NBD customers with α_i = α e^{−γ₁ᵀx}, a_i = a e^{γ₂ᵀx}, b_i = b e^{γ₃ᵀx}."""
    n = len(frame)
    base = BGNBD_BASE
    T = np.random.default_rng(seed + 1).uniform(30, 39, n) if T is None else T
    return simulate_bgnbd(n, base["r"], base["alpha"] * np.exp(-linear(frame, gammas["alpha"])),
                          base["a"] * np.exp(linear(frame, gammas["a"])),
                          base["b"] * np.exp(linear(frame, gammas["b"])), T=T, seed=seed)


def inside(results, truth, alpha=0.05):
    ci = results.conf_int(alpha)
    return {k: bool(ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"]) for k, v in truth.items()}


def check_recovery(fitted, truth):
    """Each true value inside its 95% interval, read jointly: all k inside their Bonferroni
    (5%/k) intervals, and at least k − 2 inside the plain 95% ones (all k inside jointly has
    probability near 0.95^k ≈ 0.6 for k = 10; at least k − 2 of 10, 0.99)."""
    k = len(truth)
    assert inside(fitted, truth, alpha=0.05 / k) == {name: True for name in truth}
    plain = inside(fitted, truth)
    assert sum(plain.values()) >= k - 2, plain


# --- keywords -------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda kw: BetaGeo([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], **kw),
    lambda kw: ParetoNBD([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], **kw),
    lambda kw: ModifiedBetaGeo([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], **kw),
    lambda kw: GammaGamma([1.0, 2.0], [3.0, 4.0], **kw),
    lambda kw: ShiftedBetaGeometric([10, 7, 5], **kw),
])
def test_unknown_keyword_is_an_error_naming_it(make):
    # issue 12: statsmodels' Model kept unknown keywords silently (BetaGeo(..., covariats=df) fitted
    # a model without covariates)
    with pytest.raises(TypeError, match="covariats"):
        make({"covariats": pd.DataFrame({"z": [0.0, 1.0]})})


def test_covariates_only_where_the_model_has_them():
    with pytest.raises(TypeError, match="covariates"):
        ModifiedBetaGeo([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], covariates=pd.DataFrame({"z": [0.0, 1.0]}))
    with pytest.raises(ValueError, match="purchase_covariates"):
        BetaGeo([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], purchase_covariates=["z"])
    with pytest.raises(ValueError, match="'w'"):
        BetaGeo([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], covariates=pd.DataFrame({"z": [0.0, 1.0]}),
                dropout_covariates=["w"])
    with pytest.raises(ValueError, match="3 rows for 2 customers"):
        BetaGeo([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], covariates=pd.DataFrame({"z": [0.0, 1.0, 2.0]}))
    with pytest.raises(ValueError, match="'z'.*row 1"):
        BetaGeo([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], covariates=pd.DataFrame({"z": [0.0, np.nan]}))


# --- design and parameter names -------------------------------------------------------------------

def test_categorical_columns_expand_like_a_statsmodels_formula():
    frame = pd.DataFrame({"country": ["UK", "France", "Germany", "UK"], "spend": [1.0, 2.0, 3.0, 4.0],
                          "member": [True, False, True, True]})
    design = CovariateDesign.from_frame(frame)
    # patsy's treatment coding: sorted levels, the first (France; False) the reference
    assert design.names == ["country[T.Germany]", "country[T.UK]", "spend", "member[T.True]"]
    assert design.matrix(frame).tolist() == [[0, 1, 1, 1], [0, 0, 2, 0], [1, 0, 3, 1], [0, 1, 4, 1]]
    with pytest.raises(ValueError, match="Spain"):
        design.matrix(frame.assign(country=["Spain", "UK", "UK", "UK"]))
    ordered = frame.assign(country=pd.Categorical(frame["country"], categories=["UK", "France", "Germany"]))
    assert CovariateDesign.from_frame(ordered).names[:2] == ["country[T.France]", "country[T.Germany]"]


def test_parameter_names_and_process_selection():
    frame = pd.DataFrame({"country": ["UK", "France", "UK", "France"], "age": [30.0, 40.0, 50.0, 20.0]})
    x, t_x, T = [1.0, 0.0, 2.0, 3.0], [2.0, 0.0, 3.0, 4.0], [5.0, 5.0, 6.0, 6.0]
    both = BetaGeo(x, t_x, T, covariates=frame)
    assert both.param_names == ("r", "alpha", "a", "b", "alpha:country[T.UK]", "alpha:age", "a:country[T.UK]",
                                "a:age", "b:country[T.UK]", "b:age")
    chosen = ParetoNBD(x, t_x, T, covariates=frame, purchase_covariates=["age"], dropout_covariates=[])
    assert chosen.param_names == ("r", "alpha", "s", "beta", "alpha:age")


# --- the model without covariates as the special case ---------------------------------------------

@pytest.mark.parametrize("model, loglik, base", [(BetaGeo, bgnbd_loglik, BGNBD_BASE),
                                                 (ParetoNBD, paretonbd_loglik, PARETO_BASE)])
def test_zero_coefficients_give_the_model_without_covariates_row_by_row(model, loglik, base):
    frame = customers(400, seed=1)
    x, t_x, T = simulate_bgnbd(400, *BGNBD_BASE.values(), T=39.0, seed=2)
    with_covariates = model(x, t_x, T, covariates=frame, compress=False)
    params = np.concatenate([list(base.values()), np.zeros(len(with_covariates.param_names) - 4)])
    expected = loglik(np.array(list(base.values())), x, t_x, T)
    assert np.allclose(with_covariates._loglik(params), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
def test_all_zero_covariates_fit_equals_the_model_without(calibration_cdnow, model):
    x, t_x, T = calibration_cdnow
    plain = model(x, t_x, T).fit()
    zeros = pd.DataFrame({"z": np.zeros(x.size), "country": ["UK"] * x.size})
    with pytest.warns(UserWarning, match="not identified"):
        covariate_model = model(x, t_x, T, covariates=zeros)
    fitted = covariate_model.fit()
    base = list(plain.params.index)
    assert np.allclose(fitted.params[base].to_numpy(), plain.params.to_numpy(), rtol=1e-8, atol=0)
    assert fitted.llf == pytest.approx(plain.llf, abs=1e-8)
    assert np.allclose(fitted.bse[base].to_numpy(), plain.bse.to_numpy(), rtol=1e-5)
    coefficients = [name for name in fitted.params.index if name not in base]
    assert coefficients == [f"{p}:z" for p in base if p in ("alpha", "a", "b", "beta")]
    assert (fitted.params[coefficients] == 0).all() and fitted.fixed == coefficients
    assert fitted.converged and fitted.aic == pytest.approx(plain.aic, abs=1e-7)


@pytest.fixture(scope="module")
def calibration_cdnow(cdnow_sample_summary):
    s = cdnow_sample_summary
    return (s["frequency_cal"].astype(float).to_numpy(), s["recency_cal"].to_numpy(), s["T_cal"].to_numpy())


# --- gradient -------------------------------------------------------------------------------------

def test_bgnbd_analytic_score_with_covariates_equals_numerical():
    frame = customers(300, seed=3)
    x, t_x, T = simulate_bgnbd(300, *BGNBD_BASE.values(), T=39.0, seed=4)
    model = BetaGeo(x, t_x, T, covariates=frame)
    point = np.array([np.log(0.3), np.log(4.0), np.log(0.7), np.log(2.2), 0.3, -0.2, 0.1, 0.2, -0.4, 0.05])
    numerical = approx_fprime(point, model.loglike, centered=True)
    assert np.allclose(model.score(point), numerical, rtol=1e-5, atol=1e-4)


# --- recovery -------------------------------------------------------------------------------------

BGNBD_GAMMAS = {"alpha": (0.5, -0.3), "a": (0.4, 0.0), "b": (-0.3, 0.2)}


def test_bgnbd_recovers_covariate_effects_10000_customers():
    # over 8 other seeds of 20,000 customers the estimates averaged alpha:vip 0.490, alpha:age
    # −0.292, a:vip 0.440, a:age 0.008, b:vip −0.249, b:age 0.224 (truth below): no visible bias
    frame = customers(10_000, seed=10)
    x, t_x, T = simulate_bgnbd_with_covariates(frame, BGNBD_GAMMAS, seed=11)
    fitted = BetaGeo(x, t_x, T, covariates=frame).fit()
    truth = dict(BGNBD_BASE)
    for target, (vip, age) in BGNBD_GAMMAS.items():
        truth[f"{target}:vip"], truth[f"{target}:age"] = vip, age
    assert fitted.converged
    check_recovery(fitted, truth)


@pytest.mark.slow
def test_paretonbd_recovers_covariate_effects_10000_customers():
    frame = customers(10_000, seed=20)
    gammas = {"alpha": (0.5, -0.3), "beta": (-0.4, 0.3)}
    base = PARETO_BASE
    x, t_x, T = simulate_paretonbd(10_000, base["r"], base["alpha"] * np.exp(-linear(frame, gammas["alpha"])),
                                   base["s"], base["beta"] * np.exp(-linear(frame, gammas["beta"])), T=39.0, seed=21)
    fitted = ParetoNBD(x, t_x, T, covariates=frame).fit()
    truth = dict(base)
    for target, (vip, age) in gammas.items():
        truth[f"{target}:vip"], truth[f"{target}:age"] = vip, age
    assert fitted.converged
    check_recovery(fitted, truth)


# --- likelihood-ratio test ------------------------------------------------------------------------

def test_likelihood_ratio_test_of_a_covariate():
    frame = customers(4000, seed=30)
    x, t_x, T = simulate_bgnbd_with_covariates(frame, {"alpha": (0.6, 0.0), "a": (0.0, 0.0), "b": (0.0, 0.0)},
                                               seed=31)
    without = BetaGeo(x, t_x, T).fit()
    # only "vip" acts (on purchasing); "age" is pure noise; each tested on the purchase process
    noise = BetaGeo(x, t_x, T, covariates=frame[["age"]], dropout_covariates=[]).fit()
    real = BetaGeo(x, t_x, T, covariates=frame[["vip"]], dropout_covariates=[]).fit()
    null = noise.lr_test(without)
    effect = real.lr_test(without)
    assert null.df == 1 and effect.df == 1
    assert null.statistic == pytest.approx(2 * (noise.llf - without.llf))
    assert null.p_value > 0.05
    # α_vip = 0.6 (purchase rate × 1.8 for half the customers): an overwhelming effect
    assert effect.p_value < 1e-6 and effect.statistic > 30
    with pytest.raises(ValueError, match="not nested"):
        without.lr_test(real)
    other_data = BetaGeo(x[:-1], t_x[:-1], T[:-1]).fit()
    with pytest.raises(ValueError, match="different data"):
        real.lr_test(other_data)


# --- predictions with covariates ------------------------------------------------------------------

@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
def test_predictions_use_each_customers_parameters(model):
    frame = customers(600, seed=40)
    x, t_x, T = simulate_bgnbd_with_covariates(frame, BGNBD_GAMMAS, seed=41, T=np.full(600, 39.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model(x, t_x, T, covariates=frame).fit()
        plain = model(x, t_x, T).fit()
    for i in (0, 5, 17):
        # the customer's own α_i etc. in the model without covariates gives the same predictions
        own = plain.with_params([np.ravel(v)[0] for v in fitted.customer_params(frame.iloc[[i]])])
        args = (x[i:i + 1], t_x[i:i + 1], T[i:i + 1])
        row = frame.iloc[[i]]
        assert fitted.probability_alive(*args, covariates=row) == pytest.approx(own.probability_alive(*args), rel=1e-12)
        assert fitted.conditional_expected_purchases(10.0, *args, covariates=row) == pytest.approx(
            own.conditional_expected_purchases(10.0, *args), rel=1e-12)
        assert fitted.expected_purchases(10.0, covariates=row) == pytest.approx(own.expected_purchases(10.0), rel=1e-12)
    with pytest.raises(ValueError, match="covariates="):
        fitted.probability_alive(x, t_x, T)
    with pytest.raises(ValueError, match="without covariates"):
        plain.probability_alive(x, t_x, T, covariates=frame)


def test_clv_with_covariates_equals_the_customers_own_parameters():
    from analysis.clv.value import customer_lifetime_value

    frame = customers(300, seed=50)
    x, t_x, T = simulate_bgnbd_with_covariates(frame, BGNBD_GAMMAS, seed=51, T=np.full(300, 39.0))
    fitted = BetaGeo(x, t_x, T, covariates=frame).fit()
    spend = GammaGamma([1.0, 2.0, 3.0, 5.0], [20.0, 30.0, 25.0, 40.0]).fit()
    m = np.full(300, 30.0)
    options = {"horizon": 12, "discount_rate": 0.01, "margin": 0.3}
    values = customer_lifetime_value(fitted, spend, x, t_x, T, m, covariates=frame, **options)
    plain = BetaGeo(x, t_x, T).fit()
    for i in (0, 7):
        own = plain.with_params([np.ravel(v)[0] for v in fitted.customer_params(frame.iloc[[i]])])
        assert values[i] == pytest.approx(customer_lifetime_value(own, spend, x[i:i + 1], t_x[i:i + 1], T[i:i + 1],
                                                                  m[i:i + 1], **options)[0], rel=1e-12)


def test_identical_rows_compress_with_their_covariates():
    # weekly data and a two-level covariate: customers sharing (x, t_x, T, country) are one row
    frame = pd.DataFrame({"country": np.where(np.random.default_rng(60).random(2000) < 0.5, "UK", "France")})
    x, t_x, T = simulate_bgnbd(2000, *BGNBD_BASE.values(), T=39.0, seed=61)
    t_x = np.round(t_x)
    compressed = BetaGeo(x, t_x, T, covariates=frame)
    row_by_row = BetaGeo(x, t_x, T, covariates=frame, compress=False)
    rows = pd.DataFrame({"x": x, "t_x": t_x, "country": frame["country"]}).drop_duplicates()
    assert len(compressed.freq_weights) == len(rows) < 2000 and compressed.nobs == 2000
    params = np.array([0.25, 4.0, 0.8, 2.4, 0.3, 0.2, -0.1])
    assert compressed.loglike(compressed.to_free(compressed.to_fitting(params))) == pytest.approx(
        row_by_row.loglike(row_by_row.to_free(row_by_row.to_fitting(params))), rel=1e-12)
    a, b = compressed.fit(), row_by_row.fit()
    assert np.allclose(a.params, b.params, rtol=1e-6) and a.llf == pytest.approx(b.llf, abs=1e-6)


def test_covariate_units_do_not_matter():
    # the optimiser works on standardised covariates: income in cents or in millions gives the same
    # fit, with the coefficient rescaled (unstandardised, a scale of 10^5 stopped BFGS short)
    rng = np.random.default_rng(70)
    income = rng.normal(size=2000)
    x, t_x, T = simulate_bgnbd(2000, 0.243, 4.414 * np.exp(-0.4 * income), 0.793, 2.426, T=39.0, seed=71)
    fits = {scale: BetaGeo(x, t_x, T, covariates=pd.DataFrame({"income": 50 * scale + income * scale}),
                           dropout_covariates=[]).fit() for scale in (1.0, 1e5)}
    assert all(fit.converged for fit in fits.values())
    assert fits[1e5].llf == pytest.approx(fits[1.0].llf, abs=1e-6)
    assert fits[1e5].params["alpha:income"] * 1e5 == pytest.approx(fits[1.0].params["alpha:income"], rel=1e-6)
    assert fits[1e5].bse["alpha:income"] * 1e5 == pytest.approx(fits[1.0].bse["alpha:income"], rel=1e-4)
