"""The CLV chapter with customer covariates, per-customer intervals and the alive path, end to end.

The simulated log has a customer attribute ``channel`` whose true effect is known: BG/NBD with
r = 0.8, α = 4 weeks, a = 0.8, b = 3 for channel "store" (the reference, 60% of customers) and
α·exp(−0.7) for "web" — web customers buy at exp(0.7) = 2.01 times the rate — and no effect on
dropout. 2,500 customers give the coefficient a standard error of about 0.06, so the 95% interval
must hold 0.7 and exclude 0, and the likelihood-ratio test must reject the model without it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.cli import main
from analysis.clv.study import illustrative_customers
from analysis.narrative.traceability import untraceable_numbers
from analysis.run.pipeline import run_study

TRUE = {"r": 0.8, "alpha": 4.0, "a": 0.8, "b": 3.0}
WEB_EFFECT = 0.7  # γ on α: α_web = α·exp(−γ)
START = dt.date(2020, 1, 6)
OBSERVATION_DAYS = 52 * 7


def simulated_log(n: int = 2500, seed: int = 7) -> pd.DataFrame:
    """Purchase days under BG/NBD (Fader, Hardie & Lee 2005a): Poisson purchasing at rate λ ~ Gamma(r, α_i),
    dropout with probability p ~ Beta(a, b) after each repeat purchase; first purchases over 12 weeks."""
    rng = np.random.default_rng(seed)
    channel = np.where(rng.random(n) < 0.6, "store", "web")
    alpha = TRUE["alpha"] * np.exp(-WEB_EFFECT * (channel == "web"))
    rate = rng.gamma(TRUE["r"], 1 / alpha)  # per week
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    first_day = rng.integers(0, 84, n)
    T = (OBSERVATION_DAYS - first_day) / 7
    rows = [(i, 0.0) for i in range(n)]
    clock, alive = np.zeros(n), np.ones(n, bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        clock[idx] += rng.exponential(1.0, idx.size) / rate[idx]
        bought = clock[idx] <= T[idx]
        alive[idx[~bought]] = False
        idx = idx[bought]
        rows += [(i, clock[i]) for i in idx]
        alive[idx[rng.random(idx.size) < p[idx]]] = False
    customer, weeks = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    day = first_day[customer] + np.floor(weeks * 7).astype(int)
    return pd.DataFrame({
        "customer_id": [f"c{i:05d}" for i in customer],
        "date": [(START + dt.timedelta(days=int(d))).isoformat() for d in day],
        "amount": np.round(rng.gamma(4.0, 5.0, customer.size) + 1, 2),
        "channel": channel[customer],
    })


def write_config(folder: Path, **clv) -> Path:
    config = {"name": "covariates", "seed": 3,
              "data": {"path": str(folder / "log.csv"),
                       "columns": {"customer": "customer_id", "date": "date", "amount": "amount", "segment": "channel"}},
              "analysis": {"period": "week", "observation_end": (START + dt.timedelta(days=OBSERVATION_DAYS)).isoformat()},
              "clv": {"models": ["bgnbd"], **clv},
              "report": {"formats": ["html"], "notebooks": ["03_clv"]}}
    path = folder / "study.yml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def covariate_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clv-covariates")
    simulated_log().to_csv(folder / "log.csv", index=False)
    config = write_config(folder, covariates={"columns": ["channel"]})
    return run_study(config, out_dir=folder / "run", quiet=True)


@pytest.mark.slow
def test_covariate_effect_recovered_and_lr_test_rejects(covariate_run):
    covariates = json.loads((covariate_run / "results.json").read_text())["clv"]["covariates"]
    effects = {e["parameter"]: e for e in covariates["effects"]}
    web = effects["alpha:channel[T.web]"]
    low, high = web["ci"]
    assert low < WEB_EFFECT < high, web
    assert low > 0 and web["effect"] == "raises" and web["on"] == "purchase rate"
    # no true effect on dropout: the 95% intervals of a and b should hold 0 (each fails 5% of seeds;
    # this seed is fixed)
    for name in ("a:channel[T.web]", "b:channel[T.web]"):
        assert effects[name]["ci"][0] < 0 < effects[name]["ci"][1], effects[name]
    assert covariates["pooling"]["channel"]["reference"] == "store"
    assert covariates["lr_test"]["df"] == 3 and covariates["lr_test"]["p_value"] < 1e-6
    assert covariates["lr_test"]["rejects"]
    text = (covariate_run / "report.qmd").read_text()
    assert "web raises the purchase rate" in text
    assert "the covariates improve the fit significantly at the 5% level" in text
    assert (covariate_run / "tables" / "clv-covariate-effects.csv").exists()
    assert (covariate_run / "figures" / "clv-covariate-effects.png").exists()


@pytest.mark.slow
def test_report_numbers_are_traceable(covariate_run):
    text = (covariate_run / "report.qmd").read_text()
    results = json.loads((covariate_run / "results.json").read_text())
    assert untraceable_numbers(text, results) == []


@pytest.mark.slow
def test_interval_columns(covariate_run):
    predictions = pd.read_parquet(covariate_run / "tables" / "predictions.parquet")
    point = predictions["expected_purchases"]
    lower, upper = predictions["expected_purchases_parameter_lower"], predictions["expected_purchases_parameter_upper"]
    assert (lower <= point + 1e-12).all() and (point <= upper + 1e-12).all()
    low, high = predictions["purchases_prediction_lower"], predictions["purchases_prediction_upper"]
    assert (low <= high).all() and (low >= 0).all()
    assert np.array_equal(low, np.round(low)) and np.array_equal(high, np.round(high))  # counts
    # the process varies far more than the estimate of its mean
    assert (high - low).median() > (upper - lower).median()
    # the covariates are published under pseudonymised ids
    customers = pd.read_parquet(covariate_run / "tables" / "customers.parquet")
    assert set(customers["cov_channel"]) == {"store", "web"}
    assert not customers["customer_id"].str.startswith("c").all()


def test_unknown_key_stops_with_exit_2(tmp_path, capsys):
    simulated_log(n=50).to_csv(tmp_path / "log.csv", index=False)
    pd.DataFrame({"id": ["c00000"], "region": ["north"]}).to_csv(tmp_path / "customers.csv", index=False)
    config = write_config(tmp_path, covariates={"path": str(tmp_path / "customers.csv"), "key": "customer",
                                                "columns": ["region"]})
    code = main(["run", str(config), "--out", str(tmp_path / "out"), "--quiet"])
    message = capsys.readouterr().err
    assert code == 2, message
    assert "customers.csv" in message and "'customer'" in message
    assert not (tmp_path / "out").exists()


def test_customers_without_a_row_stop_with_exit_2(tmp_path, capsys):
    simulated_log(n=50).to_csv(tmp_path / "log.csv", index=False)
    pd.DataFrame({"id": ["c00000", "c00001"], "region": ["north", "south"]}).to_csv(tmp_path / "customers.csv",
                                                                                   index=False)
    config = write_config(tmp_path, covariates={"path": str(tmp_path / "customers.csv"), "key": "id",
                                                "columns": ["region"]})
    code = main(["run", str(config), "--out", str(tmp_path / "out"), "--quiet"])
    message = capsys.readouterr().err
    assert code == 2, message
    assert "customers.csv" in message and "no row in the covariate table" in message and "c00002" in message


def test_unknown_log_column_stops_with_exit_2(tmp_path, capsys):
    simulated_log(n=50).to_csv(tmp_path / "log.csv", index=False)
    config = write_config(tmp_path, covariates={"columns": ["Country"]})
    code = main(["run", str(config), "--out", str(tmp_path / "out"), "--quiet"])
    message = capsys.readouterr().err
    assert code == 2, message
    assert "'Country'" in message and "data.columns.segment" in message


def test_illustrative_customers_rule():
    customers = pd.DataFrame({"customer_id": ["e", "d", "c", "b", "a"], "frequency": [0, 5, 5, 2, 1],
                              "recency": [0, 9, 9, 4, 3]})
    # most repeat purchases, ties by id; median frequency of repeat buyers (5, 5, 2, 1) is 3.5 → 3 →
    # the largest frequency at most 3 is 2: customer b
    assert illustrative_customers(customers) == {"frequent": "c", "typical": "b"}


class _WithoutCountLaw:
    """A fitted model as the chapter sees it, without ``prediction_interval`` (a model that has no
    count distribution), or with one that fails (``failing``)."""

    def __init__(self, fit, failing: bool = False):
        self._fit, self._failing = fit, failing

    def __getattr__(self, name):
        if name == "prediction_interval":
            if not self._failing:
                raise AttributeError(name)

            def fails(*args, **kwargs):
                raise ValueError("degenerate estimates")
            return fails
        return getattr(self._fit, name)


def test_customer_intervals_with_and_without_a_count_distribution():
    """BG/NBD and MBG/NBD get both intervals, the parameter interval bracketing the estimate and the
    prediction interval the wider (a count's own randomness against the estimate's), equal to the
    model's own exact ``prediction_interval``; a model without a count distribution, or whose
    distribution fails, keeps its parameter interval and an empty prediction interval, with the
    reason in ``prediction_failure``."""
    from analysis.clv import BetaGeo, ModifiedBetaGeo
    from analysis.clv.study import customer_intervals
    from analysis.models.simulate import simulate_bgnbd

    x, t_x, T = simulate_bgnbd(600, 0.5, 4.0, 0.8, 3.0, 30.0, seed=1)
    for model in (ModifiedBetaGeo, BetaGeo):
        fit = model(x, t_x, T).fit()
        columns, summary = customer_intervals(fit, 10, x, t_x, T, n_draws=40, seed=2)
        point = fit.conditional_expected_purchases(10, x, t_x, T)
        assert (columns["expected_purchases_parameter_lower"] <= point + 1e-12).all()
        assert (point <= columns["expected_purchases_parameter_upper"] + 1e-12).all()
        assert summary["prediction_interval"] is True and summary["prediction_failure"] is None
        exact = fit.prediction_interval(10, x, t_x, T, alpha=0.05)
        np.testing.assert_array_equal(columns["purchases_prediction_upper"], exact["upper"])
        assert summary["median_prediction_width"] > summary["median_parameter_width"]
        for failing, reason in ((False, "no count distribution"), (True, "the count distribution failed: degenerate")):
            columns, summary = customer_intervals(_WithoutCountLaw(fit, failing), 10, x, t_x, T, n_draws=40, seed=2)
            assert summary["prediction_interval"] is False and summary["prediction_failure"].startswith(reason)
            assert columns["purchases_prediction_lower"].isna().all()
            assert summary["median_prediction_width"] is None
            assert columns["expected_purchases_parameter_lower"].notna().all()


def test_alive_path_of_a_model_without_covariates_equals_the_results_method():
    """The adapter that gives MBG/NBD an alive path reproduces BG/NBD's own ``alive_path`` exactly."""
    from analysis.clv import BetaGeo
    from analysis.clv.study import _NoCovariates
    from analysis.models.base import TransactionResults
    from analysis.models.simulate import simulate_bgnbd

    fit = BetaGeo(*simulate_bgnbd(400, 0.5, 4.0, 0.8, 3.0, 30.0, seed=3)).fit()
    times, grid = [0.0, 2.0, 5.0, 6.0], np.linspace(0.0, 30.0, 7)
    adapted = TransactionResults.alive_path(_NoCovariates(fit), times, grid)
    pd.testing.assert_frame_equal(adapted, fit.alive_path(times, grid))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_interval_sentences_say_the_prediction_interval_is_exact(lang):
    """The report calls the prediction interval exact (it is no longer simulated), and names why it is
    missing when the model has no count distribution or computing it failed."""
    from analysis.core.i18n import set_language
    from analysis.narrative.clv import _interval_sentences

    set_language(lang)
    intervals = {"level": 0.95, "parameter_draws": 100, "prediction_method": "exact", "distinct_histories": 10,
                 "median_parameter_width": 0.008, "median_prediction_width": 3.0, "parameter_interval": True,
                 "prediction_interval": True, "prediction_failure": None, "held_at_estimate": []}
    summary = {"intervals": intervals, "horizon_periods": 52, "period": "week", "model": "paretonbd"}
    exact, simulated = ("exact", "simulat") if lang == "en" else ("精确", "模拟")
    for case in ({}, {"parameter_interval": False}):
        text = " ".join(_interval_sentences({**summary, "intervals": {**intervals, **case}}))
        assert exact in text and simulated not in text, text
    for failure, reason in (("no count distribution", ("has no count distribution", "没有购买次数分布")),
                            ("the count distribution failed: x", ("computing the count distribution", "分布失败"))):
        missing = {**intervals, "prediction_interval": False, "prediction_failure": failure,
                   "median_prediction_width": None}
        text = " ".join(_interval_sentences({**summary, "intervals": missing}))
        assert reason[0 if lang == "en" else 1] in text and simulated not in text, text
    set_language("en")
