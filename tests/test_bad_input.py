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
