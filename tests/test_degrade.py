"""Chapters degrade, studies survive (issue 12): data that cannot support a chapter or a model is
recorded as ``not_estimable`` with its reason and the rest of the study is published (exit 0); a bug
still fails the run (exit 1)."""

from __future__ import annotations

import dataclasses
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import cli
from analysis.chapters import CHAPTERS, use_registry
from analysis.core.config import load_config
from analysis.core.errors import NotEstimable, StudyError, not_estimable
from analysis.core.i18n import set_language
from analysis.core.section import Section
from analysis.run import Run
from analysis.run.notebooks import not_estimable_reason
from analysis.run.pipeline import run_chapter
from odd_data import (
    CASES,
    SPARSE_CASES,
    VALUE_AND_WINDOW_CASES,
    assert_published_with_what_is_not_estimable,
    bought_once,
    ordinary_log,
    write_study,
)

# -- the contract, without notebooks ----------------------------------------------------------------


class _KernelError(Exception):
    """What papermill reports: only the class name and the message of the kernel's exception."""

    def __init__(self, ename, evalue):
        self.ename, self.evalue = ename, evalue


def test_not_estimable_is_told_from_a_bug_by_class_name():
    assert not_estimable_reason(_KernelError("NotEstimable", "too few churns to fit a Cox model")) == \
        "too few churns to fit a Cox model"
    assert not_estimable_reason(_KernelError("ZeroDivisionError", "division by zero")) is None
    assert not_estimable_reason(_KernelError("ValueError", "NotEstimable")) is None
    assert not issubclass(NotEstimable, StudyError)  # caught by the run, never an exit code


@pytest.fixture
def run(tmp_path):
    config = load_config(write_study(tmp_path / "in", "contract", ordinary_log(20)))
    return Run.create(tmp_path / "run", config)


def _notebook(name: str) -> Path:
    return Path(f"{name}.ipynb")


class _PartialPareto(Section):
    top_share: float


def test_chapter_that_finishes_is_ok(run):
    def execute():
        run.save_section("pareto", {"top_share": 0.5})

    # a made-up section of one key, declared as such (the kit's ParetoSection requires all its keys)
    table = tuple(dataclasses.replace(c, section=_PartialPareto) if c.name == "pareto" else c for c in CHAPTERS)
    with use_registry(table):
        assert run_chapter(run, _notebook("02_pareto"), execute) == {"status": "ok"}
    assert run.results["pareto"] == {"top_share": 0.5, "status": "ok"}


def test_not_estimable_chapter_is_recorded_and_replaces_a_partial_section(run):
    def execute():
        run.save_section("clv", {"half": "written"})
        raise NotEstimable("nobody bought twice, so repeat-purchase models cannot be fitted")

    record = run_chapter(run, _notebook("03_clv"), execute)
    expected = {"status": "not_estimable", "reason": "nobody bought twice, so repeat-purchase models cannot be fitted"}
    assert record == expected and run.results["clv"] == expected


def test_a_bug_propagates(run):
    def execute():
        return 1 / 0

    with pytest.raises(ZeroDivisionError):
        run_chapter(run, _notebook("02_pareto"), execute)
    assert "pareto" not in run.results


def test_dependent_chapter_is_not_run_when_its_prerequisite_is_not_estimable(run):
    run.save_section("data", not_estimable("too few customers"))
    calls = []
    record = run_chapter(run, _notebook("05_segments"), lambda: calls.append(1))
    assert calls == [] and record == {"status": "not_estimable", "reason": "requires data"}


# -- models degrade inside a chapter ------------------------------------------------------------------


def newton_breaking_cox_data() -> pd.DataFrame:
    """300 customers with a standard-normal covariate (weekly tenures, 70% churned) and three
    outliers at 50, such as a grocery's few very large first baskets, who churn in the first week:
    from zero, statsmodels' Newton steps overshoot and the fit comes back all-NaN."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    t = np.ceil(rng.exponential(10, 300))
    e = (rng.random(300) < 0.7).astype(int)
    x[:3], t[:3], e[:3] = 50.0, 1.0, 1
    return pd.DataFrame({"duration": t, "event": e, "first_value": x})


def test_cox_falls_back_from_a_diverging_newton_to_bfgs():
    from scipy.optimize import minimize_scalar
    from statsmodels.duration.hazard_regression import PHReg

    from analysis.retention.survival import cox_model

    data = newton_breaking_cox_data()
    model = PHReg.from_formula("duration ~ first_value", data=data, status=data["event"].to_numpy(), ties="efron")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        assert np.isnan(model.fit().params).all()  # the failure the fallback exists for
    cox = cox_model(data, "duration", "event", ["first_value"], [])
    assert cox["method"] == "bfgs" and cox["converged"]
    assert cox["methods_tried"] == [{"method": "newton", "outcome": "non-finite estimates"}]
    # the same maximum found independently: a bounded 1-D search of the partial likelihood
    best = minimize_scalar(lambda b: -model.loglike(np.array([b])), bounds=(-1, 1), method="bounded",
                           options={"xatol": 1e-9})
    assert np.log(cox["table"]["hazard_ratio"].iloc[0]) == pytest.approx(best.x, abs=1e-4)
    assert cox["loglik"] == pytest.approx(-best.fun, abs=1e-6)


def test_cox_is_not_estimable_without_churns_and_ph_check_without_enough_of_them():
    from analysis.retention.survival import cox_model

    data = newton_breaking_cox_data()
    with pytest.raises(NotEstimable, match="too few churns"):
        cox_model(data.assign(event=0), "duration", "event", ["first_value"], [])
    # five churns, all in the same week: the model fits, the PH check has no event times to rank
    few = data.assign(event=0)
    few.loc[:4, ["event", "duration"]] = [1, 3.0]
    cox = cox_model(few, "duration", "event", ["first_value"], [])
    assert cox["ph_check"] == {"status": "not_estimable",
                               "reason": "all churns happen at the same time, so proportional hazards cannot be checked"}


def test_whale_curve_of_unprofitable_customers_is_not_estimable_and_pareto_goes_on():
    from analysis.core.config import StudyConfig
    from analysis.data.summary import customer_summary
    from analysis.pareto import run_pareto

    log = ordinary_log()
    log["amount"] = 10.0  # every order of the same value: 30% margin of $10 < $2 per order + upkeep
    log["date"] = pd.to_datetime(log["date"])
    customers = customer_summary(log, period="week")
    settings = StudyConfig.model_validate({"name": "x", "data": {"path": "x.csv", "columns": {
        "customer": "customer_id", "date": "date", "amount": "amount"}}}).pareto
    study = run_pareto(log, customers, settings, np.random.default_rng(0))
    profit = study.results["profit"]
    assert profit["status"] == "not_estimable"
    assert profit["reason"] == "total profit is not positive, so the whale curve is undefined"
    assert profit["total_profit"] < 0 and study.whale is None
    # the concentration of value stands: 150 customers, top-20% share of value in (0.2, 1)
    assert study.results["n_customers"] == 150 and 0.2 < study.results["top_share"] < 1


def test_clv_without_repeat_buyers_is_not_estimable():
    from analysis.clv.settings import ClvSettings
    from analysis.clv.study import run_clv
    from analysis.data.summary import customer_summary

    log = bought_once()
    log["date"] = pd.to_datetime(log["date"])
    customers = customer_summary(log, period="week")
    with pytest.raises(NotEstimable, match="nobody bought twice"):
        run_clv(customers, log, ClvSettings(), period="week")


# -- the report says so ----------------------------------------------------------------------------------

NOT_ESTIMABLE_RESULTS = {
    "study": {"period": "week"},
    "pareto": {"status": "ok", "q": 0.2, "value_measure": "revenue", "n_customers": 150, "top_share": 0.5,
               "top_share_ci": [0.45, 0.55], "p_value_80": 0.001, "tost": {"equivalent": False, "p_value": 1.0, "margin": 0.05},
               "xy_point": 0.3, "gini": 0.4, "top10_customers_share": 0.1,
               "tail": not_estimable("too few customers with a positive value to fit a power-law tail"),
               "trusted_interval": {"interval": "bootstrap (BCa)", "ci": [0.45, 0.55], "reason": "r"},
               "profit": {**not_estimable("total profit is not positive, so the whale curve is undefined"),
                          "assumptions": {}, "total_profit": -5.0}},
    "clv": not_estimable("nobody bought twice, so repeat-purchase models cannot be fitted"),
    "segments": not_estimable("requires clv"),
}


def test_chapters_and_limitations_say_not_estimable_in_english_and_chinese():
    from analysis.narrative import case_study as close
    from analysis.narrative import claims as case_study
    from analysis.narrative import clv, pareto, segments, summary

    results = {**NOT_ESTIMABLE_RESULTS, "case_study": case_study.build(NOT_ESTIMABLE_RESULTS)}
    limitations = [c for c in results["case_study"]["limitations"] if c["id"] == "not_estimable"]
    assert [(c["values"]["chapter"], c["values"]["part"]) for c in limitations] == [
        ("pareto", "tail"), ("pareto", "profit"), ("clv", None), ("segments", None)]
    try:
        set_language("en")
        assert "*Not estimable: nobody bought twice, so repeat-purchase models cannot be fitted.*" in clv.chapter(results, [], [])
        text = pareto.chapter(results, [], [])
        assert "*The whale curve is not estimable: total profit is not positive, so the whale curve is undefined.*" in text
        assert "*The power-law tail is not estimable:" in text
        assert "requires the Customer lifetime value chapter, which was not estimable" in segments.chapter(results, [], [])
        closing = close.chapter(results, [], [])
        assert "- Customer lifetime value: not estimable: nobody bought twice" in closing.split("# Limitations")[1]
        assert "- 80/20 — whale curve: not estimable: total profit is not positive" in closing
        assert summary.findings(results)  # the 80/20 finding still stands
        set_language("zh")
        assert "*无法估计：没有客户购买过两次，无法拟合重复购买模型。*" in clv.chapter(results, [], [])
        assert "鲸鱼曲线无法估计：总利润不为正，鲸鱼曲线无定义" in pareto.chapter(results, [], [])
        assert "客户终身价值：无法估计：没有客户购买过两次" in close.chapter(results, [], []).split("# 局限性")[1]
    finally:
        set_language("en")


# -- whole studies on the data of issue 12 -----------------------------------------------------------------
# The cases (tests/odd_data.py) are split between two files so that both xdist workers run them: here
# the odd values and windows, in test_degrade_sparse.py the logs with too few customers or purchases.
def test_the_cases_are_split_between_the_two_files_without_loss():
    assert set(VALUE_AND_WINDOW_CASES) | set(SPARSE_CASES) == set(CASES)
    assert not set(VALUE_AND_WINDOW_CASES) & set(SPARSE_CASES)


@pytest.mark.slow
@pytest.mark.parametrize("case", VALUE_AND_WINDOW_CASES)
def test_odd_data_publishes_the_study_with_what_is_not_estimable(case, tmp_path, capsys):
    assert_published_with_what_is_not_estimable(case, tmp_path, capsys)


@pytest.mark.slow
def test_a_bug_in_a_chapter_still_fails_the_run(tmp_path, monkeypatch, capsys):
    """The 80/20 notebook with a division by zero injected before its analysis: exit 1, the error
    named, nothing published."""
    import dataclasses

    from analysis.chapters import CHAPTERS, use_registry
    from analysis.core.paths import NOTEBOOKS_DIR

    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, notebooks)
    pareto = notebooks / "02_pareto.ipynb"
    text = pareto.read_text(encoding="utf-8")
    assert text.count("study = run_pareto(") == 1
    pareto.write_text(text.replace("study = run_pareto(", "study = 1 / 0 or run_pareto("), encoding="utf-8")
    config = write_study(tmp_path / "in", "bug", ordinary_log())
    with use_registry(tuple(dataclasses.replace(c, notebook_dir=notebooks) for c in CHAPTERS)):
        code = cli.main(["run", str(config), "--out", str(tmp_path / "run"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "02_pareto.ipynb failed" in err and "ZeroDivisionError" in err
    assert not (tmp_path / "run").exists()


def test_cox_that_converges_under_no_method_says_so():
    """Outliers at 1000 instead of 50: the partial likelihood is so flat that no method ends at a
    maximum (Newton decrement above 1e-6); the best finite fit is kept, flagged, and the text warns."""
    from analysis.narrative.retention import _hr_sentence
    from analysis.retention.study import _cox_summary
    from analysis.retention.survival import cox_model

    data = newton_breaking_cox_data()
    data.loc[:2, "first_value"] = 1000.0
    cox = cox_model(data, "duration", "event", ["first_value"], [])
    assert not cox["converged"]
    assert [t["method"] for t in cox["methods_tried"]] == ["newton", "bfgs", "lbfgs", "nm"]
    assert cox["methods_tried"][0]["outcome"] == "non-finite estimates"
    assert np.isfinite(cox["loglik"]) and np.isfinite(cox["table"]["hazard_ratio"]).all()
    set_language("en")
    text = " ".join(_hr_sentence(_cox_summary({**cox, "sample": None})))
    assert "which did not converge: read the hazard ratios with caution" in text


def test_every_notebook_writes_its_chapter_section():
    """The opportunity-data CLV notebook writes (and is marked in) the ``clv`` section, not a
    ``clv_opportunity`` one; every shipped notebook has its section."""
    from pathlib import Path

    from analysis.chapters import notebooks_by_kind
    from analysis.run.pipeline import chapter_of

    assert chapter_of(Path("notebooks/03_clv_opportunity.ipynb")) == "clv"
    assert chapter_of(Path("notebooks/02_pareto.ipynb")) == "pareto"
    stems = {stem for kind in notebooks_by_kind().values() for stem in kind}
    assert {chapter_of(Path(f"{stem}.ipynb")) for stem in stems} == {
        "data", "pareto", "clv", "retention", "segments", "satisfaction", "case_study"}
