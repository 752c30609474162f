"""The whole study on the CDNOW 1/10 sample: outputs, published counts, provenance, and
byte-identical results.json across two runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.core.paths import CONFIGS_DIR
from analysis.run.pipeline import run_study

CONFIG = CONFIGS_DIR / "cdnow_sample.yml"

@pytest.fixture(scope="module")
def full_run(cdnow_sample_run):
    return cdnow_sample_run


@pytest.mark.slow
def test_outputs_written(full_run):
    for name in ("report.html", "report.pdf", "results.json", "manifest.json",
                 "config.json", "report.qmd"):
        assert (full_run / name).stat().st_size > 0, name
    # the quarantine holds raw customer ids: beside the run folder, never in it
    assert not (full_run / "quarantine.csv.gz").exists()
    assert (full_run.parent / "cdnow_sample.private" / "quarantine.csv.gz").stat().st_size > 0
    executed = sorted(p.name for p in (full_run / "notebooks").glob("*.ipynb"))
    assert "01_data.ipynb" in executed
    assert len(list((full_run / "figures").glob("*.png"))) >= 4
    assert not list(full_run.parent.glob(".*.partial-*"))


@pytest.mark.slow
def test_published_counts_in_results(full_run):
    results = json.loads((full_run / "results.json").read_text())
    data, cleaning = results["data"], results["cleaning"]
    # Fader, Hardie & Lee (2005a): 2,357 customers; 2,457 calibration and 1,882 holdout repeat purchases
    assert data["customers"] == 2357
    assert data["transactions"] == 6696
    assert data["calibration"]["repeat_transactions"] == 2457
    assert data["calibration"]["holdout_transactions"] == 1882
    assert cleaning["input_rows"] == cleaning["kept_rows"] + cleaning["quarantined_rows"] == 6919
    customers = pd.read_parquet(full_run / "tables" / "customers.parquet")
    assert len(customers) == 2357 and int(customers["frequency_cal"].sum()) == 2457


@pytest.mark.slow
def test_customer_ids_are_pseudonymised(full_run):
    customers = pd.read_parquet(full_run / "tables" / "customers.parquet")
    raw_ids = set(pd.read_csv(CONFIG.parent.parent / "data/raw/cdnow/CDNOW_sample.txt", sep=r"\s+",
                              header=None, dtype=str)[0])
    assert not set(customers["customer_id"]) & raw_ids
    assert customers["customer_id"].str.fullmatch(r"[0-9a-f]{16}").all()


@pytest.mark.slow
def test_manifest(full_run):
    manifest = json.loads((full_run / "manifest.json").read_text())
    # sha256 of CDNOW_sample.txt from shared/datasets/SHA256SUMS
    assert manifest["inputs"]["CDNOW_sample.txt"].startswith("6fae10155c0b0ba3")
    assert manifest["config"]["name"] == "cdnow_sample"
    assert {"pandas", "statsmodels", "duckdb"} <= set(manifest["packages"])
    assert "commit" in manifest["git"] and "dirty" in manifest["git"]
    assert manifest["renderer"].split()[0] in {"pandoc", "quarto"}
    assert manifest["started"] <= manifest["finished"]
    assert manifest["kit"] == "customer-analytics-kit"  # the mark that lets a rerun replace it
    assert manifest["private_outputs"] == {"quarantine.csv.gz": "../cdnow_sample.private/quarantine.csv.gz"}


def _kept_kernel_pid() -> int | None:
    import threading

    from analysis.run import notebooks as execution

    kept = execution._kept_kernels.get(threading.get_ident())
    return None if kept is None else kept[0].provisioner.process.pid


@pytest.mark.slow
def test_results_are_byte_identical_across_runs(full_run, tmp_path, monkeypatch):
    """The rerun runs on a kernel an earlier study of this process kept (ANALYSIS_KEEP_KERNEL=1),
    the shared run on a new one: the outputs are the same bytes all the same."""
    from analysis.run.notebooks import KEEP_KERNEL_ENV, StudyKernel

    monkeypatch.setenv(KEEP_KERNEL_ENV, "1")
    warm = StudyKernel()  # the kernel this worker keeps, or a new one that is then kept
    warm.start(tmp_path)
    warm.release()
    kept = _kept_kernel_pid()
    again = run_study(CONFIG, out_dir=tmp_path / "again", quiet=True)
    assert kept is not None and _kept_kernel_pid() == kept  # the study ran on it and kept it again
    # the PDF's CreationDate was the run's finish time, so two runs' PDFs differed
    for name in ("results.json", "report.html", "report.pdf"):
        assert (again / name).read_bytes() == (full_run / name).read_bytes(), name


@pytest.mark.slow
def test_executed_notebooks_show_figures_and_point_at_their_run_folder(full_run):
    """Issue 13: a student opening an executed notebook sees its figures inline, and its run_dir is
    its own run folder (relative: ".."), not the staging folder it ran in."""
    import json

    notebook = json.loads((full_run / "notebooks" / "02_pareto.ipynb").read_text())
    outputs = [o for cell in notebook["cells"] if cell["cell_type"] == "code" for o in cell.get("outputs", [])]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3
    source = "".join("".join(cell["source"]) for cell in notebook["cells"])
    assert 'run_dir = ".."' in source and ".partial-" not in source
