"""Loading through DuckDB: formats, row numbers that point at the file's lines, typed columns."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from analysis.config import DataSettings
from analysis.errors import InputError
from analysis.loading import load_contracts, load_transactions

COLUMNS = {"customer": "id", "date": "day", "amount": "value"}


def settings(path, **extra) -> DataSettings:
    return DataSettings(path=path, columns=extra.pop("columns", COLUMNS), **extra)


def test_whitespace_file_skips_blank_lines_but_counts_them(tmp_path):
    path = tmp_path / "log.txt"
    path.write_text(" id  day value\n a 2020-01-01  1.5\n\n b 2020-01-02 2\n c 2020-01-0x 3\n")
    with pytest.raises(InputError) as error:
        load_transactions(settings(path))
    # data row 4 is the fifth line of the file: the blank line is counted
    assert error.value.row == 4 and error.value.value == "2020-01-0x" and error.value.column == "day"


def test_whitespace_wrong_field_count(tmp_path):
    path = tmp_path / "log.txt"
    path.write_text("id day value\na 2020-01-01 1\nb 2020-01-02\n")
    with pytest.raises(InputError, match="expected 3 fields") as error:
        load_transactions(settings(path))
    assert error.value.row == 2


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".tsv", ".parquet", ".xlsx"])
def test_formats_give_the_same_transactions(tmp_path, suffix):
    frame = pd.DataFrame({"id": ["a", "b", "a"], "day": ["2020-01-01", "2020-01-02", "2020-01-05"],
                          "value": ["1.5", "2", "3.25"]})
    path = tmp_path / f"log{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".csv.gz":
        with gzip.open(path, "wt") as handle:
            frame.to_csv(handle, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif suffix == ".parquet":
        typed = frame.assign(day=pd.to_datetime(frame["day"]), value=frame["value"].astype(float))
        typed.to_parquet(path)
    else:
        frame.to_excel(path, index=False)
    loaded = load_transactions(settings(path)).frame()
    assert loaded["_row"].tolist() == [1, 2, 3]
    assert loaded["customer_id"].tolist() == ["a", "b", "a"]
    assert loaded["amount"].tolist() == [1.5, 2.0, 3.25]
    assert loaded["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-01", "2020-01-02", "2020-01-05"]


def test_price_times_quantity_and_row_numbers_follow_the_file(shared_dataset):
    path = shared_dataset("online_retail/online_retail.csv.gz")
    config = DataSettings(path=path, columns={"customer": "CustomerID", "date": "InvoiceDate",
                                              "price": "UnitPrice", "quantity": "Quantity"})
    loaded = load_transactions(config).frame()
    expected = pd.read_csv(path, dtype=str)
    assert len(loaded) == len(expected) == 541_909
    # spot-check that DuckDB's row numbers are the file's data rows, in order
    for row in (1, 2, 100_000, 541_909):
        line = expected.iloc[row - 1]
        got = loaded.iloc[row - 1]
        assert got["_row"] == row
        assert got["amount"] == pytest.approx(float(line["UnitPrice"]) * float(line["Quantity"]))


def test_contracts_parse_numeric_text_with_blanks(shared_dataset):
    path = shared_dataset("telco_churn/Telco-Customer-Churn.csv")
    config = DataSettings(kind="contractual", path=path,
                          columns={"customer": "customerID", "tenure": "tenure", "churned": "Churn"},
                          covariates=["TotalCharges", "Contract"], churned_values=["Yes"])
    contracts = load_contracts(config)
    # shared/datasets/README.md: 7,043 customers, 1,869 churners, 11 blank TotalCharges
    assert len(contracts) == 7043 and contracts["churned"].sum() == 1869
    assert contracts["TotalCharges"].isna().sum() == 11
    assert contracts["TotalCharges"].dtype == "float64"
    assert set(contracts["Contract"]) == {"Month-to-month", "One year", "Two year"}
