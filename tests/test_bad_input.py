"""Bad input stops the run with a message naming file, column, row and value, exit code 2, and
nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analysis.cli import main

GOOD_ROWS = "customer,date,amount\nc1,2020-01-01,10.5\nc2,2020-01-03,4\nc1,2020-02-01,7\n"


def write_study(tmp_path: Path, csv_text: str, **overrides) -> Path:
    data_file = tmp_path / "log.csv"
    data_file.write_text(csv_text)
    config = {
        "name": "bad",
        "data": {"path": str(data_file), "columns": {"customer": "customer", "date": "date", "amount": "amount"}},
        "report": {"notebooks": ["01_data"], "formats": ["html"]},
    }
    for dotted, value in overrides.items():
        node = config
        *parents, leaf = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    path = tmp_path / "study.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_expecting_failure(tmp_path: Path, config: Path, capsys) -> str:
    out = tmp_path / "out"
    code = main(["run", str(config), "--out", str(out), "--quiet"])
    message = capsys.readouterr().err
    assert code == 2, message
    assert not out.exists(), "a failed run must leave no output folder"
    assert not list(tmp_path.glob(".out.partial-*")), "a failed run must leave no partial folder"
    return message


def test_missing_column(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, data__columns={"customer": "customer", "date": "date", "amount": "value"})
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "log.csv" in message and "column 'value'" in message and "'amount'" in message


def test_unparseable_date(tmp_path, capsys):
    rows = GOOD_ROWS + "c3,2020-13-45,5\n"
    message = run_expecting_failure(tmp_path, write_study(tmp_path, rows), capsys)
    assert "log.csv" in message and "column 'date'" in message and "row 4" in message
    assert "'2020-13-45'" in message


def test_date_format_mismatch_names_format(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, data__date_format="%Y%m%d")
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "row 1" in message and "%Y%m%d" in message and "'2020-01-01'" in message


def test_amount_of_wrong_type(tmp_path, capsys):
    rows = "customer,date,amount\nc1,2020-01-01,10\nc2,2020-01-02,ten dollars\n"
    message = run_expecting_failure(tmp_path, write_study(tmp_path, rows), capsys)
    assert "column 'amount'" in message and "row 2" in message and "'ten dollars'" in message


def test_empty_file(tmp_path, capsys):
    message = run_expecting_failure(tmp_path, write_study(tmp_path, ""), capsys)
    assert "log.csv" in message and "empty" in message


def test_header_only_file(tmp_path, capsys):
    message = run_expecting_failure(tmp_path, write_study(tmp_path, "customer,date,amount\n"), capsys)
    assert "log.csv" in message and "no data rows" in message


def test_missing_file(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, data__path=str(tmp_path / "nowhere.csv"))
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "nowhere.csv" in message and "not found" in message


def test_unknown_config_key(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, analysis__perod="week")
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "study.yml" in message and "unknown key 'analysis.perod'" in message


def test_config_value_of_wrong_type(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, analysis__period="fortnight")
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "'analysis.period'" in message and "'fortnight'" in message


def test_mistyped_notebook_parameter(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, notebook_parameters={"01_data": {"run_dri": "x"}})
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "01_data.ipynb" in message and "run_dri" in message


def test_parameters_for_a_notebook_not_run(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, notebook_parameters={"09_nothing": {"x": 1}})
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "09_nothing" in message


def test_validate_reports_bad_data_without_writing(tmp_path, capsys):
    rows = "customer,date,amount\nc1,yesterday,10\n"
    code = main(["validate", str(write_study(tmp_path, rows))])
    assert code == 2
    assert "row 1" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "study.yml"]


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]])
def test_help_documents_commands(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "run" in text and ("validate" in text or "--out" in text)


# --- issue 12: every bad value gets exit 2 and a message naming file, column, row and value ---

AMOUNT_ROWS = "customer,date,amount\nc1,2020-01-01,10\nc2,2020-01-02,{value}\nc1,2020-02-01,7\n"


@pytest.mark.parametrize("value, reason", [
    ("inf", "not a finite number"), ("-inf", "not a finite number"), ("Infinity", "not a finite number"),
    ("nan", "not a finite number"), ("NaN", "not a finite number"),
    ("1e300", "out of range"), ("-2e12", "out of range"),
])
def test_non_finite_or_huge_amount_stops_the_run(tmp_path, capsys, value, reason):
    # loading.MAX_ABS_NUMBER = 1e12; before issue 12, inf and 1e300 were DuckDB DECIMAL cast tracebacks
    # and -inf/nan were silently quarantined
    message = run_expecting_failure(tmp_path, write_study(tmp_path, AMOUNT_ROWS.format(value=value)), capsys)
    assert "log.csv" in message and "column 'amount'" in message and "row 2" in message
    assert f"'{value}'" in message and reason in message and "Traceback" not in message


def test_amount_at_the_bound_is_accepted(tmp_path, capsys):
    config = write_study(tmp_path, AMOUNT_ROWS.format(value="1e12"))
    assert main(["validate", str(config)]) == 0, capsys.readouterr().err


def test_unknown_date_format_directive(tmp_path, capsys):
    message = run_expecting_failure(tmp_path, write_study(tmp_path, GOOD_ROWS, data__date_format="%Q"), capsys)
    assert "study.yml" in message and "'data.date_format'" in message and "'%Q'" in message


def test_config_date_that_does_not_exist(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, analysis__observation_end="2020-02-30")
    # unquoted in YAML, as a user writes it: PyYAML's date constructor raised a bare ValueError
    config.write_text(config.read_text().replace("'2020-02-30'", "2020-02-30"))
    assert "observation_end: 2020-02-30\n" in config.read_text()
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "study.yml" in message and "'2020-02-30' is not a date" in message and "line " in message


def test_config_date_that_does_not_exist_quoted(tmp_path, capsys):
    config = write_study(tmp_path, GOOD_ROWS, analysis__calibration_end="2020-02-30")
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "'analysis.calibration_end'" in message and "'2020-02-30'" in message


def test_overlong_study_name(tmp_path, capsys):
    # config.MAX_NAME_LENGTH = 100: the name becomes a folder name (255-byte limit with its prefixes)
    message = run_expecting_failure(tmp_path, write_study(tmp_path, GOOD_ROWS, name="n" * 300), capsys)
    assert "'name'" in message and "300 characters" in message and "at most 100" in message


def test_name_of_100_characters_is_accepted(tmp_path, capsys):
    assert main(["validate", str(write_study(tmp_path, GOOD_ROWS, name="n" * 100))]) == 0, capsys.readouterr().err


def test_calibration_end_after_observation_end(tmp_path, capsys):
    # before issue 12 this failed after 100 s, in the last notebook
    config = write_study(tmp_path, GOOD_ROWS, analysis__calibration_end="2020-01-20",
                         analysis__observation_end="2020-01-10")
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "study.yml" in message and "calibration_end (2020-01-20) must be before observation_end (2020-01-10)" in message


WINDOW_ROWS = "customer,date,amount\nc1,2020-01-05,10\nc2,2020-01-03,4\nc1,2020-02-01,7\nc2,2020-03-01,2\n"


@pytest.mark.parametrize("key, value, expected, row, cell", [
    ("calibration_end", "2019-12-31", "calibration_end (2019-12-31) is before the first purchase (2020-01-03)",
     2, "2020-01-03"),
    ("calibration_end", "2020-03-01", "calibration_end (2020-03-01) is on or after the last purchase", 4, "2020-03-01"),
    ("calibration_end", "2021-01-01", "the holdout period holds no purchases", 4, "2020-03-01"),
    ("observation_end", "2019-06-30", "observation_end (2019-06-30) is before the first purchase", 2, "2020-01-03"),
    ("observation_start", "2020-03-02", "observation_start (2020-03-02) is after the last purchase", 4, "2020-03-01"),
])
def test_window_that_the_data_cannot_fill(tmp_path, capsys, key, value, expected, row, cell):
    # validate said 0 for these; run died in a chapter
    config = write_study(tmp_path, WINDOW_ROWS, **{f"analysis__{key}": value})
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "log.csv" in message and "column 'date'" in message and f"row {row}" in message
    assert expected in message and f"'{cell}'" in message


def test_date_in_2200_without_observation_end(tmp_path, capsys):
    rows = GOOD_ROWS + "c2,2200-01-03,5\n"
    message = run_expecting_failure(tmp_path, write_study(tmp_path, rows), capsys)
    assert "column 'date'" in message and "row 4" in message and "'2200-01-03'" in message
    assert "after today" in message and "observation_end" in message


def test_date_in_2200_with_observation_end_is_quarantined(tmp_path, capsys):
    rows = GOOD_ROWS + "c2,2200-01-03,5\n"
    code = main(["validate", str(write_study(tmp_path, rows, analysis__observation_end="2020-03-01"))])
    out = capsys.readouterr().out
    assert code == 0
    assert "dropped: outside_window" in out and "input rows                   4" in out
    assert "kept rows                    3" in out and "quarantined rows             1" in out


def test_date_beyond_what_pandas_can_hold(tmp_path, capsys):
    rows = GOOD_ROWS + "c2,9999-12-31,5\n"
    config = write_study(tmp_path, rows, analysis__observation_end="2020-03-01")
    message = run_expecting_failure(tmp_path, config, capsys)
    assert "row 4" in message and "'9999-12-31'" in message and "outside the supported range" in message


def test_latin1_file_names_the_line_and_byte(tmp_path, capsys):
    config = write_study(tmp_path, "")
    (tmp_path / "log.csv").write_bytes((GOOD_ROWS + "caf\u00e9,2020-01-02,5\n").encode("latin-1"))
    message = run_expecting_failure(tmp_path, config, capsys)
    # é is byte 0xE9; header 21 bytes + 3 rows (19 + 16 + 16) + "caf" = offset 75, line 5 = data row 4
    assert "not UTF-8" in message and "0xE9" in message and "byte offset 75" in message
    assert "row 4" in message and "line 5" in message and "Latin-1" in message


@pytest.mark.parametrize("extra, found", [(",extra", 4), ("", 2)])
def test_ragged_row_names_row_and_field_count(tmp_path, capsys, extra, found):
    rows = GOOD_ROWS + ("c3,2020-01-04,5" + extra if found == 4 else "c3,2020-01-04") + "\nc4,2020-01-05,1\n"
    message = run_expecting_failure(tmp_path, write_study(tmp_path, rows), capsys)
    # before: "input file has no data rows" (extra field) or the sniffer's message (missing field)
    assert "log.csv" in message and "row 4" in message and f"row has {found} fields, the header 3" in message


def test_duplicate_header_names_both_columns(tmp_path, capsys):
    rows = "customer,date,amount,amount\nc1,2020-01-01,10,3\nc1,2020-02-01,7,4\n"
    message = run_expecting_failure(tmp_path, write_study(tmp_path, rows), capsys)
    # before: DuckDB renamed the second to amount_1 and the run went on with the first
    assert "log.csv" in message and "two columns 'amount' (columns 3 and 4)" in message


def test_validate_names_unknown_config_key(tmp_path, capsys):
    code = main(["validate", str(write_study(tmp_path, GOOD_ROWS, clv__horizon=12))])
    assert code == 2 and "unknown key 'clv.horizon'" in capsys.readouterr().err


def test_validate_empty_and_header_only_files(tmp_path, capsys):
    assert main(["validate", str(write_study(tmp_path, ""))]) == 2
    assert "input file is empty" in capsys.readouterr().err
    assert main(["validate", str(write_study(tmp_path, "customer,date,amount\r\n"))]) == 2
    assert "no data rows" in capsys.readouterr().err


def summarize_csv(tmp_path: Path, config: Path, capsys) -> str:
    out = tmp_path / "customers.csv"
    code = main(["summarize", str(config), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    return out.read_text()


def test_lf_header_with_crlf_data_loads(tmp_path, capsys):
    # before: "Error when sniffing file", exit 2
    config = write_study(tmp_path, "")
    (tmp_path / "log.csv").write_bytes(b"customer,date,amount\nc1,2020-01-01,10.5\r\nc2,2020-01-03,4\r\n"
                                       b"c1,2020-02-01,7\r\n")
    lines = summarize_csv(tmp_path, config, capsys).splitlines()
    assert lines[1].startswith("c1,1,") and lines[2].startswith("c2,0,") and len(lines) == 3


def test_tab_padded_ids_are_one_customer(tmp_path, capsys):
    # before: "\tc1\t" and "c1" were two customers
    config = write_study(tmp_path, "customer,date,amount\n\tc1\t,2020-01-01,10\nc1,2020-02-01,7\n c2 ,2020-01-09,1\n")
    lines = summarize_csv(tmp_path, config, capsys).splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["c1", "c2"]
    assert lines[1].split(",")[1] == "1"  # c1: one repeat purchase day


def test_timezone_offsets_are_converted_not_dropped(tmp_path, capsys):
    # 2020-01-02T02:00+05:00 is 2020-01-01 21:00 UTC, the day of c1's first purchase: one purchase
    # day, not two (before: the offset was dropped and the purchase fell on 2020-01-02)
    config = write_study(tmp_path, "customer,date,amount\nc1,2020-01-01T08:00:00Z,10\n"
                                   "c1,2020-01-02T02:00:00+05:00,5\nc1,2020-01-08,1\n")
    lines = summarize_csv(tmp_path, config, capsys).splitlines()
    header, c1 = lines[0].split(","), lines[1].split(",")
    assert c1[header.index("n_transactions")] == "2" and c1[header.index("total_value")] == "16.0"
