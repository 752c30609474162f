"""The shipped discrete-time study, configs/donations.yml, end to end: BG/BB reproduces Fader, Hardie
& Shang (2010) in results.json, only the chapters that apply run, and every number in the report's
text traces to results.json."""

from __future__ import annotations

import json

import pytest

from analysis.core.paths import CONFIGS_DIR
from analysis.narrative.traceability import untraceable_numbers
from analysis.run.pipeline import run_study

CONFIG = CONFIGS_DIR / "donations.yml"


@pytest.fixture(scope="module")
def donations_run(tmp_path_factory):
    return run_study(CONFIG, out_dir=tmp_path_factory.mktemp("e2e") / "donations", quiet=True)


@pytest.mark.slow
def test_results_reproduce_the_published_bgbb_fit(donations_run):
    results = json.loads((donations_run / "results.json").read_text(encoding="utf-8"))
    fit = results["clv"]["bgbb"]
    # published_values.md (FHS 2010): α 1.204, β 0.750, γ 0.657, δ 2.783, LL −33,225.6, 11,104 donors
    assert {k: round(v, 3) for k, v in fit["params"].items()} == {
        "alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    assert round(fit["loglik"], 1) == -33225.6 and fit["n"] == 11104 and fit["converged"]
    assert all(se > 0 for se in fit["se"].values())
    assert results["study"]["period"] == "opportunity" and results["data"]["kind"] == "opportunity"
    # the chapters that need dates, amounts or tenure did not run
    assert not {"pareto", "retention", "segments", "case_study"} & set(results)
    assert sorted(p.name for p in (donations_run / "notebooks").glob("*.ipynb")) == ["03_clv_opportunity.ipynb"]


@pytest.mark.slow
def test_report_names_the_model_and_every_number_is_traceable(donations_run):
    results = json.loads((donations_run / "results.json").read_text(encoding="utf-8"))
    report = (donations_run / "report.qmd").read_text(encoding="utf-8")
    assert "discrete-time beta-geometric/beta-Bernoulli model (BG/BB; Fader, Hardie & Shang 2010)" in report
    # the SEs are this kit's delta-method errors (FHS 2010 print none), pinned at the printed digits
    assert "α = 1.204 (SE 0.069), β = 0.750 (SE 0.029), γ = 0.657 (SE 0.051), δ = 2.783 (SE 0.321)" in report
    assert "DERT" in report and "do not apply" in report
    assert untraceable_numbers(report, results) == []
    for figure in ("clv-period-transactions", "clv-p-alive", "clv-expected-matrix"):
        assert (donations_run / "figures" / f"{figure}.png").exists()
    assert (donations_run / "report.html").exists()
