"""Loading through DuckDB: formats, row numbers that point at the file's lines, typed columns."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from analysis.core.config import DataSettings
from analysis.core.errors import InputError
from analysis.data.loading import load_contracts, load_transactions

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
    expected = pd.read_csv(path, dtype=str, usecols=["UnitPrice", "Quantity"])  # the two columns checked
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


# --- issue 12: what the loader accepts and how it says what it refuses ---

def test_dates_with_offsets_are_converted_to_utc(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("id,day,value\n"
                    "a,2020-01-02T01:00:00+05:00,1\n"   # 2020-01-01 20:00 UTC: the day changes
                    "a,2020-01-02T01:00:00Z,1\n"        # UTC already
                    "a,2020-01-02 01:00:00,1\n"         # no offset: taken as UTC
                    "a,2020-01-01T22:30:00-03:00,1\n"   # 2020-01-02 01:30 UTC
                    "a,2020-07-01 02:00:00 Europe/Paris,1\n"  # summer time, UTC+2: 2020-07-01 00:00 UTC
                    "a,2020-01-01T10:00:00.5,1\n")  # fractional seconds, no offset
    dates = load_transactions(settings(path)).frame()["date"].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert dates == ["2020-01-01 20:00", "2020-01-02 01:00", "2020-01-02 01:00", "2020-01-02 01:30",
                     "2020-07-01 00:00", "2020-01-01 10:00"]


def test_date_format_with_offset_is_converted_to_utc(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("id,day,value\na,02/01/2020 01:00 +0500,1\n")
    loaded = load_transactions(settings(path, date_format="%d/%m/%Y %H:%M %z")).frame()
    assert loaded["date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2020-01-01 20:00"]


def test_tabs_and_line_breaks_around_values_are_trimmed(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('id,day,value\n\ta \t,\t2020-01-01 ,\t1.5\t\n" a\r\n",2020-01-02,2\n')
    loaded = load_transactions(settings(path)).frame()
    assert loaded["customer_id"].tolist() == ["a", "a"] and loaded["amount"].tolist() == [1.5, 2.0]


@pytest.mark.parametrize("header_end, data_end", [("\n", "\r\n"), ("\r\n", "\n"), ("\r\n", "\r\n")])
def test_header_and_data_line_endings_may_differ(tmp_path, header_end, data_end):
    path = tmp_path / "log.csv"
    path.write_bytes(("id,day,value" + header_end + data_end.join(["a,2020-01-01,1", "b,2020-01-02,2"])
                      + data_end).encode())
    loaded = load_transactions(settings(path)).frame()
    assert loaded["_row"].tolist() == [1, 2] and loaded["amount"].tolist() == [1.0, 2.0]
    assert loaded["customer_id"].tolist() == ["a", "b"]


def test_mixed_line_endings_within_the_data(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"id,day,value\na,2020-01-01,1\r\nb,2020-01-02,2\nc,2020-01-03,3\r\n")
    loaded = load_transactions(settings(path)).frame()
    assert loaded["customer_id"].tolist() == ["a", "b", "c"] and loaded["amount"].tolist() == [1.0, 2.0, 3.0]


def test_ragged_row_after_mixed_line_endings_is_still_named(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"id,day,value\na,2020-01-01,1\r\nb,2020-01-02,2\nc,2020-01-03,3,4\r\n")
    with pytest.raises(InputError, match="row has 4 fields, the header 3") as error:
        load_transactions(settings(path))
    assert error.value.row == 3


def test_non_utf8_byte_far_into_the_file(tmp_path):
    # past the loader's 1 MiB reading chunk, with a valid 3-byte character cut by the chunk's edge
    rows = ["id,day,value"] + [f"c{i:06d},2020-01-01,1" for i in range(60_000)]
    text = "\n".join(rows) + "\n"
    padding = (1 << 20) - len(text.encode()) - 1
    text += "x" * padding + "\u20ac,2020-01-01,1\n"  # € = E2 82 AC, split after its first byte
    data = text.encode() + b"b\xe9,2020-01-02,1\n"
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match="byte 0xE9") as error:
        load_transactions(settings(path))
    assert error.value.row == 60_002 and f"byte offset {len(data) - 15}" in str(error.value)


def test_duplicate_names_in_whitespace_and_excel_headers(tmp_path):
    text = tmp_path / "log.txt"
    text.write_text("id day value value\na 2020-01-01 1 2\n")
    with pytest.raises(InputError, match="two columns 'value' \\(columns 3 and 4\\)"):
        load_transactions(settings(text))
    book = tmp_path / "log.xlsx"
    pd.DataFrame([["id", "day", "value", "value "], ["a", "2020-01-01", "1", "2"]]).to_excel(
        book, index=False, header=False)
    with pytest.raises(InputError, match="two columns 'value' \\(columns 3 and 4\\)"):
        load_transactions(settings(book))


def test_typed_parquet_amounts_are_checked_too(tmp_path):
    path = tmp_path / "log.parquet"
    pd.DataFrame({"id": ["a", "b"], "day": pd.to_datetime(["2020-01-01", "2020-01-02"]),
                  "value": [1.0, float("inf")]}).to_parquet(path)
    with pytest.raises(InputError, match="not a finite number") as error:
        load_transactions(settings(path))
    assert error.value.row == 2 and error.value.column == "value"


def test_ragged_row_without_header_names_data_names(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("a,2020-01-01,1\nb,2020-01-02,2,3\n")
    with pytest.raises(InputError, match=r"row has 4 fields, data.names 3 \(line 2") as error:
        load_transactions(settings(path, header=False, names=["id", "day", "value"]))
    assert error.value.row == 2 and error.value.value == "b,2020-01-02,2,3"


def test_lone_carriage_return_inside_a_quoted_field(tmp_path):
    # found by tests/test_fuzz.py: DuckDB's parser stopped ("invalid state") on this LF file
    path = tmp_path / "log.csv"
    path.write_bytes(b'id,day,value\na,2020-01-01,1\n"b\rc",2020-01-02,2\n')
    assert load_transactions(settings(path)).frame()["customer_id"].tolist() == ["a", "b\rc"]


def test_carriage_return_outside_quotes_is_named(tmp_path):
    # found by tests/test_fuzz.py (Python's csv writer leaves "0\r" unquoted): was "cannot read as csv"
    path = tmp_path / "log.csv"
    path.write_bytes(b"id,day,value\na,2020-01-01,1\n0\r,2020-01-02,2\n")
    with pytest.raises(InputError, match=r"line 3 holds a carriage return \(CR\)") as error:
        load_transactions(settings(path))
    assert error.value.row == 2 and error.value.value == "0\r,2020-01-02,2"


# --- issue 15: dates and numbers parsed by the CSV scan; the text path when the scan refuses one ---

ODD_DATES = ["2020-01-01T10:00:00Z", "2020-01-01 23:00+05:00", "2020-01-01 23:00-05:00",
             "2020-01-01 10:00 Europe/Paris", "2020-1-1", "2020/01/01", "2020-01-01 ", " 2020-01-01",
             "2020-01-01\t", "2020-01-01 BC", "2020-01-01Z", "infinity", "epoch", "0001-01-01", "1899-12-31",
             "2262-01-01", "2020-02-30", "2020-01-01 24:00", "2020-01-01 10:00:00.123456789", "01/02/2020", " "]
ODD_AMOUNTS = [" 12.5", "12.5 ", "\t5", "1e3", "+5", ".5", "5.", "1_000", "1__0", "inf", "nan", "1e400",
               "1e13", "-0", "0x1F", "1,5", "$5", "4.9e-324", " "]


def _outcome(path):
    """What loading gives: (columns the scan parsed, the typed rows), or the error's message."""
    try:
        loaded = load_transactions(settings(path))
    except InputError as error:
        return str(error)
    return loaded.raw.typed, loaded.frame()


@pytest.mark.parametrize("column, value", [("day", v) for v in ODD_DATES] + [("value", v) for v in ODD_AMOUNTS])
def test_scan_parses_values_as_the_text_path_does(tmp_path, monkeypatch, column, value):
    # Oracle: the text path (every column read as text, parsed in SQL), the only path before issue 15.
    # Whatever the CSV scan accepts it must parse to the same value; what it refuses takes the text
    # path, whose rows or message are then the same too.
    import csv

    from analysis.data import loading

    row = {"id": "b", "day": "2020-01-02", "value": "2"} | {column: value}
    path = tmp_path / "log.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "day", "value"])
        writer.writeheader()
        writer.writerows([{"id": "a", "day": "2020-01-01", "value": "1"}, row])
    scanned = _outcome(path)
    monkeypatch.setattr(loading, "_scan_types", lambda settings: {})
    as_text = _outcome(path)
    if isinstance(as_text, str):
        assert scanned == as_text
    else:
        assert as_text[0] == () and not isinstance(scanned, str)
        pd.testing.assert_frame_equal(scanned[1], as_text[1])


def test_a_plain_csv_is_parsed_by_the_scan(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("id,day,value\na,2020-01-01,1.5\nb,2020-01-02T03:00:00+04:00,2\n")
    loaded = load_transactions(settings(path))
    assert loaded.raw.typed == ("day", "value")
    frame = loaded.frame()
    assert frame["date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2020-01-01 00:00", "2020-01-01 23:00"]
    assert frame["amount"].tolist() == [1.5, 2.0]
