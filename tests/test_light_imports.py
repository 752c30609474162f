"""Reading a config, and the `summarize` command, import no pandas, numpy, scipy, statsmodels or
matplotlib (issue 15: they cost about a second of every command; `summarize` and the data checks of
`validate` are DuckDB queries). Each check runs in a fresh interpreter, since this one has them all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis.data.prepare import clean, prepare_transactions, write_summary

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = "{'pandas', 'scipy', 'statsmodels', 'matplotlib', 'numpy'}"
REPORT_HEAVY = f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY}))"


def fresh_python(code: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("modules", [
    ["analysis.core.config"],
    # what validate and summarize import before the data is read, and the load/clean/summary stages
    ["analysis.cli", "analysis.core.config", "analysis.chapters", "analysis.data.prepare"],
])
def test_config_and_data_stages_import_no_pandas(modules, tmp_path):
    imports = "; ".join(f"import {name}" for name in modules)
    assert fresh_python(f"{imports}; import sys; {REPORT_HEAVY}", tmp_path) == "[]"


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_summarize_runs_without_pandas(suffix, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("customer,date,amount\nc1,2020-01-01,10\nc2,2020-01-03,4\nc1,2020-02-01,7\n")
    (tmp_path / "study.yml").write_text(
        "name: light\ndata:\n  path: log.csv\n  columns: {customer: customer, date: date, amount: amount}\n")
    out = tmp_path / f"customers{suffix}"
    code = ("import sys; from analysis.cli import main; "
            f"assert main(['summarize', 'study.yml', '--out', {str(out)!r}]) == 0; {REPORT_HEAVY}")
    assert fresh_python(code, tmp_path) == "[]"
    assert out.exists()


def test_validate_imports_no_model_or_plotting_library(tmp_path):
    """`validate` reads and checks the data (its readiness check works on a pandas frame) but fits and
    draws nothing: no scipy, statsmodels or matplotlib (issue 14)."""
    code = ("import sys; from analysis.cli import main; "
            f"assert main(['validate', {str(CONFIGS / 'cdnow_sample.yml')!r}]) == 0; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'statsmodels', 'matplotlib', 'seaborn', "
            "'pandas'}))")
    assert fresh_python(code, tmp_path) == "['pandas']"  # pandas: so that the check can see the import at all


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_summary_file_is_what_pandas_wrote_before(suffix, tmp_path, cdnow_sample_config):
    # The file written from DuckDB equals the DataFrame of the study path written by pandas (as
    # summarize wrote it before issue 15): same columns, types, values and row order. The CDNOW sample
    # study has a calibration window, so the nullable *_cal columns and duration_holdout are there.
    config = cdnow_sample_config
    customers = prepare_transactions(config).customers
    by_pandas, by_duckdb = tmp_path / f"pandas{suffix}", tmp_path / f"duckdb{suffix}"
    written = write_summary(clean(config), config, by_duckdb, suffix[1:])
    assert written == len(customers) == 2357  # the sample's customers (Fader, Hardie & Lee 2005a)
    if suffix == ".csv":
        customers.to_csv(by_pandas, index=False)
        assert by_duckdb.read_bytes() == by_pandas.read_bytes()
    else:
        customers.to_parquet(by_pandas, index=False)
        assert parquet_types(by_duckdb) == parquet_types(by_pandas)
        # pandas reads back the same DataFrame: values, dtypes (nullable Int64, string) and order
        assert pd.read_parquet(by_duckdb).equals(customers)
        assert pd.read_parquet(by_pandas).equals(customers)


def parquet_types(path: Path) -> list[tuple[str, str, str]]:
    """Each column's name, physical and logical Parquet type. DuckDB annotates a plain INT64 as a
    signed 64-bit integer, which it is anyway; and the Arrow schema pyarrow stores beside the types
    differs (pandas' ids are large_string, DuckDB's string, not null)."""
    schema = pq.ParquetFile(path).schema
    plain = {"Int(bitWidth=64, isSigned=true)": "None"}
    return [(column.name, column.physical_type, plain.get(str(column.logical_type), str(column.logical_type)))
            for column in schema]
