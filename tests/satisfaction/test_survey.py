"""Survey validation: bad answers stop the study with file, column, row and value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from analysis.core.errors import InputError
from analysis.satisfaction.settings import SurveySettings
from analysis.satisfaction.survey import validate_survey


def settings(path, **overrides):
    base = {"path": path, "scale": (1, 5), "dimensions": {"Service": ["s1", "s2"], "Price": ["p1", "p2"]},
            "missing_codes": [-99], "reverse_items": ["p2"], "recommend_item": "nps", "customer_id": "id"}
    base.update(overrides)
    return SurveySettings(**base)


def write(tmp_path, rows, name="survey.csv"):
    frame = pd.DataFrame(rows, columns=["id", "s1", "s2", "p1", "p2", "nps"])
    path = tmp_path / name
    if name.endswith(".xlsx"):
        frame.to_excel(path, index=False)
    elif name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


GOOD = [["c1", 5, 4, 2, 1, 9], ["c2", 3, -99, 4, 5, 6], ["c3", 1, 2, "", 3, 10]]


@pytest.mark.parametrize("name", ["survey.csv", "survey.xlsx", "survey.parquet"])
def test_reads_recodes_and_counts_missing(tmp_path, name):
    rows = GOOD if not name.endswith(".parquet") else [[r[0], *[np.nan if v == "" else v for v in r[1:]]] for r in GOOD]
    table = validate_survey(settings(write(tmp_path, rows, name)))
    answers = table.answers
    assert np.isnan(answers.loc[1, "s2"])                       # -99 is a declared missing code
    assert np.isnan(answers.loc[2, "p1"])                       # blank
    assert answers["p2"].tolist() == [5.0, 1.0, 3.0]            # reverse item: 1 + 5 - x
    assert table.missing["s2"] == 1 and table.missing_coded["s2"] == 1
    assert table.customer_ids.tolist() == ["c1", "c2", "c3"]


@pytest.mark.parametrize("bad_value, reason", [(6, "outside the answer scale"), (0, "outside the answer scale"),
                                               ("four", "not a number"), (-98, "outside the answer scale")])
def test_bad_answer_names_file_column_row_value(tmp_path, bad_value, reason):
    rows = [list(r) for r in GOOD]
    rows[1][3] = bad_value                                     # p1, second data row
    path = write(tmp_path, rows)
    with pytest.raises(InputError) as caught:
        validate_survey(settings(path))
    error = caught.value
    assert (error.file, error.column, error.row) == (str(path), "p1", 2)
    assert str(bad_value) == str(error.value)
    assert reason in str(error) and error.exit_code == 2


def test_recommend_item_uses_zero_to_ten(tmp_path):
    rows = [list(r) for r in GOOD]
    rows[2][5] = 11
    with pytest.raises(InputError, match="0-10") as caught:
        validate_survey(settings(write(tmp_path, rows)))
    assert caught.value.column == "nps" and caught.value.row == 3


def test_missing_column_blank_and_repeated_ids(tmp_path):
    with pytest.raises(InputError, match="missing") as caught:
        validate_survey(settings(write(tmp_path, GOOD), dimensions={"Service": ["s1", "s9"]}, reverse_items=[]))
    assert caught.value.column == "s9"
    rows = [list(r) for r in GOOD]
    rows[2][0] = "c1"
    with pytest.raises(InputError, match="twice") as caught:
        validate_survey(settings(write(tmp_path, rows)))
    assert caught.value.row == 3 and caught.value.value == "c1"
    rows[2][0] = ""
    with pytest.raises(InputError, match="blank") as caught:
        validate_survey(settings(write(tmp_path, rows)))
    assert caught.value.row == 3


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        validate_survey(settings(tmp_path / "none.csv"))


def test_settings_reject_inconsistent_declarations(tmp_path):
    with pytest.raises(ValidationError, match="more than one dimension"):
        settings(tmp_path, dimensions={"A": ["x", "y"], "B": ["y", "z"]}, reverse_items=[])
    with pytest.raises(ValidationError, match="not a dimension"):
        settings(tmp_path, paths=[("Service", "Loyalty")])
    with pytest.raises(ValidationError, match="min < max"):
        settings(tmp_path, scale=(5, 1))
    with pytest.raises(ValidationError, match="no dimension"):
        settings(tmp_path, reverse_items=["q7"])


def test_validates_the_ecsi_survey(ecsi_path):
    from .conftest import ECSI_BLOCKS
    table = validate_survey(SurveySettings(path=ecsi_path, scale=(1, 10), dimensions=ECSI_BLOCKS))
    assert table.respondents == 250 and int(table.missing.sum()) == 0


def test_declared_missing_labels(tmp_path):
    rows = [list(r) for r in GOOD]
    rows[0][2] = "n/a"
    path = write(tmp_path, rows)
    with pytest.raises(InputError, match="not a number") as caught:
        validate_survey(settings(path))
    assert (caught.value.column, caught.value.row, caught.value.value) == ("s2", 1, "n/a")
    table = validate_survey(settings(path, missing_labels=["n/a"]))
    assert np.isnan(table.answers.loc[0, "s2"]) and table.missing["s2"] == 2
