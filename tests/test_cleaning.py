"""Cleaning rules: hand examples for each rule, and the quarantine identity on Online Retail."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.config import AnalysisSettings, CleaningSettings, DataSettings
from analysis.core.paths import CONFIGS_DIR
from analysis.data.cleaning import clean_transactions
from analysis.data.loading import LoadedTransactions, load_transactions


def loaded(rows: list[dict]) -> LoadedTransactions:
    frame = pd.DataFrame(rows)
    frame.insert(0, "_row", range(1, len(frame) + 1))
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    frame["customer_id"] = frame["customer_id"].astype("string")
    for column in ("invoice", "product"):
        if column in frame:
            frame[column] = frame[column].astype("string")
    raw = frame.astype("string")
    raw["_row"] = frame["_row"]
    return LoadedTransactions.from_frames(frame, raw, path="test.csv")


def test_cancellations_netted_partly_fully_and_unmatched():
    data = loaded([
        {"customer_id": "a", "date": "2020-01-01", "amount": 10.0, "invoice": "1", "product": "p"},
        {"customer_id": "a", "date": "2020-01-02", "amount": -4.0, "invoice": "C2", "product": "p"},
        {"customer_id": "b", "date": "2020-01-01", "amount": 5.0, "invoice": "3", "product": "q"},
        {"customer_id": "b", "date": "2020-01-03", "amount": -5.0, "invoice": "C4", "product": "q"},
        {"customer_id": "c", "date": "2020-01-03", "amount": -2.0, "invoice": "C5", "product": "r"},
        {"customer_id": None, "date": "2020-01-03", "amount": 2.0, "invoice": "6", "product": "r"},
        {"customer_id": "d", "date": "2020-01-04", "amount": 0.0, "invoice": "7", "product": "r"},
    ])
    result = clean_transactions(data, CleaningSettings(), AnalysisSettings())
    # a's purchase is reduced from 10 to 6; b's is cancelled in full; c's cancellation has no purchase
    assert result.transactions[["customer_id", "amount"]].values.tolist() == [["a", 6.0]]
    assert result.counts()["dropped"] == {
        "missing_customer": 1, "cancellation_netted": 2, "cancellation_unmatched": 1,
        "cancelled_in_full": 1, "nonpositive_amount": 1,
    }
    assert result.changed["reduced_by_cancellation"] == 1
    assert result.quarantine["reason"].tolist() == [
        "cancellation_netted", "cancelled_in_full", "cancellation_netted",
        "cancellation_unmatched", "missing_customer", "nonpositive_amount",
    ]
    assert result.input_rows == result.kept_rows + result.quarantined_rows


def test_drop_mode_duplicates_window_and_same_day_merge():
    data = loaded([
        {"customer_id": "a", "date": "2020-01-01 10:00", "amount": 1.0, "invoice": "1"},
        {"customer_id": "a", "date": "2020-01-01 10:00", "amount": 1.0, "invoice": "1"},  # duplicate
        {"customer_id": "a", "date": "2020-01-01 15:00", "amount": 2.0, "invoice": "2"},  # same day
        {"customer_id": "a", "date": "2020-01-02", "amount": -1.0, "invoice": "C3"},
        {"customer_id": "a", "date": "2020-03-01", "amount": 9.0, "invoice": "4"},  # after the window
    ])
    settings = CleaningSettings(cancellations="drop")
    result = clean_transactions(data, settings, AnalysisSettings(observation_end="2020-02-01"))
    assert result.transactions[["amount", "n_lines"]].values.tolist() == [[3.0, 2]]
    assert result.counts()["dropped"] == {"exact_duplicate": 1, "cancellation": 1, "outside_window": 1}
    assert result.changed["merged_same_day"] == 1
    assert result.input_rows == 5 == result.kept_rows + result.quarantined_rows


def test_duplicates_found_after_the_one_pass_on_merged_days_and_among_later_drops():
    # Duplicates are looked for among kept rows sharing a customer and day, and among rows a later
    # rule drops; a duplicate takes rule 4's reason even when a later rule would drop its first copy.
    data = loaded([
        {"customer_id": "a", "date": "2020-01-01", "amount": 4.0},   # kept, merged with the next
        {"customer_id": "a", "date": "2020-01-01", "amount": 4.0},   # duplicate of row 1
        {"customer_id": "a", "date": "2020-01-01", "amount": 4.0},   # duplicate of row 1
        {"customer_id": "a", "date": "2020-01-01", "amount": 6.0},   # same day, not a duplicate
        {"customer_id": "b", "date": "2020-01-03", "amount": -2.0},  # nonpositive
        {"customer_id": "b", "date": "2020-01-03", "amount": -2.0},  # duplicate of row 5
        {"customer_id": "b", "date": "2020-01-09", "amount": 5.0},   # a day of its own
        {"customer_id": None, "date": "2020-01-09", "amount": 5.0},  # missing customer, twice:
        {"customer_id": None, "date": "2020-01-09", "amount": 5.0},  # rule 1 comes first
    ])
    result = clean_transactions(data, CleaningSettings(), AnalysisSettings())
    # a's day: rows 1 and 4 (4 + 6); b: row 7 only
    assert result.transactions[["customer_id", "amount", "n_lines"]].values.tolist() == [["a", 10.0, 2], ["b", 5.0, 1]]
    assert result.counts()["dropped"] == {"missing_customer": 2, "exact_duplicate": 3, "nonpositive_amount": 1}
    assert result.quarantine.set_index("_row")["reason"].to_dict() == {
        2: "exact_duplicate", 3: "exact_duplicate", 5: "nonpositive_amount", 6: "exact_duplicate",
        8: "missing_customer", 9: "missing_customer"}
    assert result.changed["merged_same_day"] == 1
    assert result.input_rows == 9 == result.kept_rows + result.quarantined_rows


def test_zero_amounts_kept_when_configured():
    data = loaded([
        {"customer_id": "a", "date": "2020-01-01", "amount": 0.0},
        {"customer_id": "a", "date": "2020-01-05", "amount": 3.0},
    ])
    kept = clean_transactions(data, CleaningSettings(zero_amounts="keep"), AnalysisSettings())
    dropped = clean_transactions(data, CleaningSettings(), AnalysisSettings())
    assert len(kept.transactions) == 2 and len(dropped.transactions) == 1


@pytest.fixture(scope="module")
def online_retail_clean(shared_dataset):
    from analysis.core.config import load_config

    shared_dataset("online_retail/online_retail.csv.gz")
    config = load_config(CONFIGS_DIR / "online_retail.yml")
    return clean_transactions(load_transactions(config.data), config.cleaning, config.analysis)


def test_online_retail_quarantine_identity(online_retail_clean):
    result = online_retail_clean
    counts = result.counts()
    # shared/datasets/README.md: 541,909 invoice lines, 135,080 without a CustomerID
    assert counts["input_rows"] == 541_909
    assert counts["dropped"]["missing_customer"] == 135_080
    assert counts["input_rows"] == counts["kept_rows"] + counts["quarantined_rows"]
    assert counts["quarantined_rows"] == sum(counts["dropped"].values())
    assert result.quarantine["_row"].is_unique
    assert int(result.transactions["n_lines"].sum()) == counts["kept_rows"]
    # every cancellation line with an id is either netted or unmatched
    cancellations = counts["dropped"]["cancellation_netted"] + counts["dropped"]["cancellation_unmatched"]
    assert 0 < cancellations <= 9_288
    assert (result.transactions["amount"] > 0).all()


def test_duplicates_and_quarantine_of_a_scan_parsed_csv_are_as_read(tmp_path):
    # Issue 15: the CSV scan parses dates and amounts, so "4.5" and "4.50" parse alike; an exact
    # duplicate is still identical as written, and the quarantine holds the text as read.
    path = tmp_path / "log.csv"
    path.write_text("id,day,value\n"
                    "a,2020-01-01,4.5\n"     # 1
                    "a,2020-01-01,4.50\n"    # 2: same amount written differently, kept
                    "a,2020-01-01,4.5\n"     # 3: duplicate of row 1
                    "b,2020-01-02,-1.0\n"    # 4: nonpositive
                    "b,2020-01-03,2\n")
    data = load_transactions(DataSettings(path=path, columns={"customer": "id", "date": "day", "amount": "value"}))
    assert data.raw.typed == ("day", "value")
    result = clean_transactions(data, CleaningSettings(), AnalysisSettings())
    assert result.quarantine[["_row", "value", "reason"]].values.tolist() == [
        [3, "4.5", "exact_duplicate"], [4, "-1.0", "nonpositive_amount"]]
    # a's day: rows 1 and 2, 4.5 + 4.5
    assert result.transactions[["customer_id", "amount", "n_lines"]].values.tolist() == [["a", 9.0, 2], ["b", 2.0, 1]]


def test_the_quarantine_file_guards_formulas_and_keeps_every_cell_as_read(tmp_path):
    # a quarantine opened in a spreadsheet must not run a cell or a header as a formula; a negative
    # amount stays a number, and restore_formula gives back each cell as read
    from analysis.report.escape import restore_formula

    path = tmp_path / "log.csv"
    path.write_text('=cmd|"/C calc"!A0,day,value\n'
                    "=1+1,2020-01-01,-1.0\n"     # formula id, nonpositive amount
                    "@x,2020-01-02,-2\n"
                    "'quoted,2020-01-03,0\n"
                    "plain,2020-01-04,5\n", encoding="utf-8")
    settings = DataSettings(path=path, columns={"customer": '=cmd|"/C calc"!A0', "date": "day", "amount": "value"})
    result = clean_transactions(load_transactions(settings), CleaningSettings(), AnalysisSettings())
    result.write_quarantine(tmp_path / "q.csv.gz")
    written = pd.read_csv(tmp_path / "q.csv.gz", dtype=str, keep_default_na=False)
    assert list(written.columns) == ["_row", "'=cmd|\"/C calc\"!A0", "day", "value", "reason"]
    assert written.iloc[:, 1].tolist() == ["'=1+1", "'@x", "''quoted"]
    assert written["value"].tolist() == ["-1.0", "-2", "0"]
    assert [restore_formula(v) for v in written.iloc[:, 1]] == result.quarantine.iloc[:, 1].tolist()


def test_duplicates_that_read_alike_need_no_second_whole_scan(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("id,day,value\na,2020-01-01,4.5\na,2020-01-01,4.5\nb,2020-01-02,2\nb,2020-01-03,2\n")
    data = load_transactions(DataSettings(path=path, columns={"customer": "id", "date": "day", "amount": "value"}))
    result = clean_transactions(data, CleaningSettings(), AnalysisSettings())
    assert result.counts()["dropped"] == {"exact_duplicate": 1}
    views = data.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    assert ("raw_text",) not in views  # the input was not kept twice


def test_an_empty_quarantine_is_the_same_from_a_scan_parsed_csv(tmp_path, monkeypatch):
    from analysis.data import loading

    path = tmp_path / "log.csv"
    path.write_text("id,day,value\na,2020-01-01,4.5\nb,2020-01-02,2\n")
    columns = {"customer": "id", "date": "day", "amount": "value"}
    data = load_transactions(DataSettings(path=path, columns=columns))
    scanned = clean_transactions(data, CleaningSettings(), AnalysisSettings()).quarantine
    assert data.raw.typed and ("raw_text",) not in data.con.execute("SELECT view_name FROM duckdb_views()").fetchall()
    monkeypatch.setattr(loading, "_scan_types", lambda settings: {})
    as_text = clean_transactions(load_transactions(DataSettings(path=path, columns=columns)),
                                 CleaningSettings(), AnalysisSettings()).quarantine
    assert len(scanned) == 0
    pd.testing.assert_frame_equal(scanned, as_text)
