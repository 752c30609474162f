"""Discrete-time (opportunity) data: the config kind, the loader's row-level checks, the BG/BB
study's summaries against computations on expanded rows, and the chapter's traceability."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from analysis.chapters import notebooks_by_kind
from analysis.clv.discrete import pattern_table, run_bgbb
from analysis.clv.settings import ClvSettings
from analysis.core.config import AnalysisSettings, DataSettings, load_config
from analysis.core.errors import ConfigError, InputError
from analysis.core.paths import PROJECT_ROOT
from analysis.data.opportunity import (
    describe_opportunities,
    load_opportunities,
    opportunities_from_log,
)
from analysis.narrative import clv as clv_chapter
from analysis.narrative import data as data_chapter
from analysis.narrative import summary as summary_chapter
from analysis.narrative.traceability import untraceable_numbers

DONATIONS = PROJECT_ROOT / "data" / "raw" / "donations" / "donations_1995_cohort.csv"
COLUMNS = {"frequency": "frequency", "recency": "recency", "periods": "periods", "weight": "weights"}


def _settings(path, columns=COLUMNS) -> DataSettings:
    return DataSettings(kind="opportunity", path=path, columns=columns)


@pytest.fixture(scope="module")
def donations():
    return load_opportunities(_settings(DONATIONS))


@pytest.fixture(scope="module")
def study(donations):
    return run_bgbb(donations, ClvSettings())


def test_config_roles(tmp_path):
    with pytest.raises(ValueError, match=r"data.columns must map .*'periods'.*or customer and date"):
        DataSettings(kind="opportunity", path=DONATIONS, columns={"frequency": "f", "recency": "r"})
    with pytest.raises(ValueError, match="unknown column role"):
        DataSettings(kind="opportunity", path=DONATIONS, columns={**COLUMNS, "amount": "a"})
    with pytest.raises(ValueError, match="either summarised .* or a dated log"):
        DataSettings(kind="opportunity", path=DONATIONS, columns={**COLUMNS, "date": "d"})
    config = tmp_path / "study.yml"
    config.write_text(f"name: x\ndata: {{kind: opportunity, path: {DONATIONS}, columns: {{frequency: frequency, "
                      "recency: recency, periods: periods}, opportunities_per_year: 0}\n")
    with pytest.raises(ConfigError, match="opportunities_per_year"):
        load_config(config)
    config.write_text(f"name: x\ndata: {{kind: opportunity, path: {DONATIONS}, columns: {{frequency: frequency, "
                      "recency: recency, periods: periods}}\nanalysis: {calibration_end: 1999-12-31}\n")
    with pytest.raises(ConfigError, match="no holdout"):
        load_config(config)
    assert notebooks_by_kind()["opportunity"] == ("03_clv_opportunity",)


def test_loader_reads_the_published_table(donations):
    # 22 patterns, 11,104 donors, 6 opportunities (FHS 2010; the datasets README)
    assert len(donations) == 22 and donations["weight"].sum() == 11104
    assert set(donations["periods"]) == {6}
    facts = describe_opportunities(donations)
    assert facts["customers"] == 11104 and facts["share_no_repeat"] == pytest.approx(3464 / 11104)
    # transacted in 2001 (t_x = 6): the (x, 6, 6) rows 129 + 234 + 357 + 512 + 728 + 1203
    assert facts["share_active_last"] == pytest.approx(3163 / 11104)


def test_loader_is_independent_of_row_order(tmp_path, donations):
    shuffled = pd.read_csv(DONATIONS).sample(frac=1, random_state=3)
    path = tmp_path / "shuffled.csv"
    shuffled.to_csv(path, index=False)
    again = load_opportunities(_settings(path))
    pd.testing.assert_frame_equal(again.drop(columns=["_row", "customer_id"]),
                                  donations.drop(columns=["_row", "customer_id"]))


@pytest.mark.parametrize("row, message, column, value", [
    ("2,1,6,5", "frequency exceeds recency", "frequency", "2.0"),
    ("1,7,6,5", "recency exceeds periods", "recency", "7.0"),
    ("0,3,6,5", "recency is above 0 with no repeat", "recency", "3.0"),
    ("1.5,2,6,5", "whole number", "frequency", "1.5"),
    ("1,2,6,-1", "weight must be", "weights", "-1.0"),
    ("1,2,x,4", "not a number", "periods", "x"),
])
def test_bad_rows_name_file_column_row_value(tmp_path, row, message, column, value):
    path = tmp_path / "bad.csv"
    path.write_text("frequency,recency,periods,weights\n0,0,6,10\n1,1,6,4\n" + row + "\n")
    with pytest.raises(InputError, match=message) as raised:
        load_opportunities(_settings(path))
    text = str(raised.value)
    assert "bad.csv" in text and column in text and "row 3" in text and value in text


def test_customer_ids_and_unit_weights(tmp_path):
    path = tmp_path / "donors.csv"
    path.write_text("id,x,tx,n\nb,1,2,4\na,0,0,4\nc,2,2,3\n")
    table = load_opportunities(_settings(path, {"customer": "id", "frequency": "x", "recency": "tx", "periods": "n"}))
    assert table["customer_id"].tolist() == ["a", "b", "c"] and table["weight"].tolist() == [1.0, 1.0, 1.0]
    path.write_text("id,x,tx,n\nb,1,2,4\nb,0,0,4\n")
    with pytest.raises(InputError, match="more than one row"):
        load_opportunities(_settings(path, {"customer": "id", "frequency": "x", "recency": "tx", "periods": "n"}))


def test_study_reproduces_fader_hardie_shang_2010(study):
    # published_values.md: α 1.204, β 0.750, γ 0.657, δ 2.783, LL −33,225.6
    fit = study.to_dict()["bgbb"]
    assert [round(fit["params"][k], 3) for k in ("alpha", "beta", "gamma", "delta")] == [1.204, 0.750, 0.657, 2.783]
    assert round(fit["loglik"], 1) == -33225.6 and fit["n"] == 11104


def test_summary_equals_sums_over_expanded_customers(donations, study):
    """Weighted totals against the same quantities on one row per donor (an independent route; the
    weighted fit equals the expanded one, tests/clv/test_bgbb.py)."""
    rows = donations.loc[donations.index.repeat(donations["weight"].astype(int))]
    x, t_x, n = (rows[c].to_numpy(float) for c in ("frequency", "recency", "periods"))
    fit, summary = study.fit, study.summary
    expected = fit.conditional_expected_purchases(5, x, t_x, n)
    assert summary["expected_transactions_total"] == pytest.approx(expected.sum(), rel=1e-5)
    assert summary["mean_p_alive"] == pytest.approx(fit.probability_alive(x, t_x, n).mean(), rel=1e-5)
    dert = np.sort(fit.discounted_expected_residual_transactions(0.10, x, t_x, n))[::-1]
    assert summary["total_dert"] == pytest.approx(dert.sum(), rel=1e-5)
    top = int(np.floor(0.2 * dert.size))  # 11,104 × 0.2 = 2,220.8: the pattern split takes 0.8 of a donor
    assert summary["top20_share_of_dert"] == pytest.approx((dert[:top].sum() + 0.8 * dert[top]) / dert.sum(), rel=1e-5)
    # mean probabilities of the mixing distributions: α/(α+β), γ/(γ+δ)
    assert summary["mean_transaction_probability"] == pytest.approx(1.2035 / (1.2035 + 0.7497), abs=1e-4)
    assert summary["mean_churn_probability"] == pytest.approx(0.6567 / (0.6567 + 2.7834), abs=1e-4)


def test_discount_rate_per_opportunity(donations):
    # quarterly opportunities: 10% a year is 1.1^(1/4) − 1 = 2.411% per opportunity
    quarterly = run_bgbb(donations, ClvSettings(), opportunities_per_year=4)
    assert quarterly.summary["discount_rate_opportunity"] == pytest.approx(0.024114, abs=1e-6)
    assert quarterly.summary["total_dert"] > run_bgbb(donations, ClvSettings()).summary["total_dert"]


def test_pattern_table(study):
    table = pattern_table(study.predictions)
    assert len(table) == 22 and table["customers"].sum() == 11104
    # the (6, 6, 6) donors: P(alive) is the same for every t_x = n pattern (FHS 2010, eq. 11)
    assert table.loc[(6, 6, 6), "p_alive"] == pytest.approx(table.loc[(6, 1, 6), "p_alive"])


def test_chapters_are_traceable_and_name_the_model(donations, study):
    results = {"study": {"period": "opportunity", "source": "donations", "input_file": "d.csv",
                         "input_sha256": "0" * 64},
               "data": describe_opportunities(donations), "clv": study.to_dict()}
    text = "\n".join(module.chapter(results, [], []) for module in (summary_chapter, data_chapter, clv_chapter))
    assert "discrete-time beta-geometric/beta-Bernoulli model (BG/BB; Fader, Hardie & Shang 2010)" in text
    assert "α = 1.204 (SE 0.069)" in text and "log-likelihood -33,225.6" in text
    assert "do not apply" in text and "Time is measured in" not in text
    assert untraceable_numbers(text, results) == []


def test_shipped_donations_match_their_checksum():
    # data/raw/donations/SHA256SUMS, equal to ../shared/datasets/SHA256SUMS (82c25f26…)
    digest, name = (DONATIONS.parent / "SHA256SUMS").read_text().split()
    assert name == DONATIONS.name and digest.startswith("82c25f26")
    assert hashlib.sha256(DONATIONS.read_bytes()).hexdigest() == digest


LOG_COLUMNS = {"customer": "donor", "date": "day"}


def _log_settings(path, per_year=1) -> DataSettings:
    return DataSettings(kind="opportunity", path=path, columns=LOG_COLUMNS, opportunities_per_year=per_year)


def test_log_by_hand(tmp_path):
    path = tmp_path / "log.csv"
    # a: 2000 (twice: one opportunity), 2002; b: 2001 only; c: first in 2003, the last opportunity
    path.write_text("donor,day\na,2000-03-01\nb,2001-01-01\na,2000-07-01\na,2002-05-05\nc,2003-02-02\n")
    table, counts = opportunities_from_log(_log_settings(path), AnalysisSettings())
    assert table[["customer_id", "frequency", "recency", "periods"]].values.tolist() == [
        ["a", 1.0, 2.0, 3.0], ["b", 0.0, 0.0, 2.0]]
    assert counts["dropped"] == {"first_in_last_opportunity": 1} and counts["kept_rows"] == 4
    # quarters: a buys in 2000Q1, 2000Q3, 2002Q2 and is observed to 2003Q1: x 2, t_x 9, n 12
    quarterly, _ = opportunities_from_log(_log_settings(path, 4), AnalysisSettings())
    assert quarterly.iloc[0][["frequency", "recency", "periods"]].tolist() == [2.0, 9.0, 12.0]
    # a window ending 2002-12-31 drops c's row; a is then observed for 2 opportunities
    windowed, counts = opportunities_from_log(_log_settings(path), AnalysisSettings(observation_end="2002-12-31"))
    assert windowed.iloc[0][["frequency", "recency", "periods"]].tolist() == [1.0, 2.0, 2.0]
    assert counts["dropped"] == {"outside_window": 1}
    with pytest.raises(ConfigError, match="one of"):
        opportunities_from_log(_log_settings(path, 3), AnalysisSettings())
    path.write_text("donor,day\na,2000-03-01\nb,\n")
    with pytest.raises(InputError, match="date is blank") as raised:
        opportunities_from_log(_log_settings(path), AnalysisSettings())
    assert "row 2" in str(raised.value)


def test_log_of_the_donations_reproduces_the_published_fit(tmp_path, donations):
    """The donations table written out as a dated log (a first gift in 1995, each repeat year a gift in
    June, and a second December gift in the last year to be counted once) gives back the same
    patterns, hence FHS (2010)'s α 1.204, β 0.750, γ 0.657, δ 2.783."""
    rows = []
    donor = 0
    for pattern in donations.itertuples():
        years = range(int(pattern.recency) - int(pattern.frequency) + 1, int(pattern.recency) + 1)
        for _ in range(int(pattern.weight)):
            donor += 1
            rows.append((f"d{donor:05d}", "1995-06-01"))
            rows += [(f"d{donor:05d}", f"{1995 + year}-06-15") for year in years]
            rows += [(f"d{donor:05d}", f"{1995 + year}-12-01") for year in years[-1:]]
    path = tmp_path / "gifts.csv"
    pd.DataFrame(rows[::-1], columns=["donor", "day"]).to_csv(path, index=False)
    table, counts = opportunities_from_log(_log_settings(path), AnalysisSettings(observation_end="2001-12-31"))
    assert len(table) == 11104 and counts["dropped"] == {}
    patterns = table.groupby(["frequency", "recency", "periods"])["weight"].sum()
    expected = donations.set_index(["frequency", "recency", "periods"])["weight"].sort_index()
    pd.testing.assert_series_equal(patterns, expected, check_names=False)
    fit = run_bgbb(table, ClvSettings()).fit
    assert fit.params.round(3).tolist() == [1.204, 0.750, 0.657, 2.783]


def test_bad_opportunity_file_exits_2_before_any_output(tmp_path, capsys):
    from analysis.cli import main

    path = tmp_path / "bad.csv"
    path.write_text("frequency,recency,periods,weights\n0,0,6,10\n3,2,6,4\n")
    config = tmp_path / "study.yml"
    config.write_text(f"name: bad\ndata: {{kind: opportunity, path: {path}, columns: {{frequency: frequency, "
                      "recency: recency, periods: periods, weight: weights}}\n")
    out = tmp_path / "run"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 2
    message = capsys.readouterr().err
    assert "bad.csv" in message and "frequency" in message and "row 2" in message and "3.0" in message
    assert not out.exists()


def test_validate_on_opportunity_data(capsys):
    """validate reads opportunity data with its own loader (it used to send it to the transaction
    loader and crash with a KeyError)."""
    from analysis.cli import main

    assert main(["validate", "configs/donations.yml"]) == 0
    out = capsys.readouterr().out
    assert "11,104 customers over 6 opportunities" in out and "chapter clv: will run" in out
