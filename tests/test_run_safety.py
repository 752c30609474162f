"""Output safety: --out never destroys a user's files; a failed or killed run leaves nothing behind;
raw customer ids stay out of the publishable run folder; provenance lists the whole environment;
the PDF does not depend on the clock; the kernel's log does not reach the terminal.

Each case here was seen destroying files or misbehaving before (issue 12).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from analysis.cli import main
from analysis.core.errors import ConfigError
from analysis.core.paths import CONFIGS_DIR, PROJECT_ROOT, RAW_DATA_DIR
from analysis.report.engines import document_timestamp, render_document
from analysis.run import pipeline
from analysis.run.manifest import build_manifest, package_versions
from analysis.run.safety import (
    KIT_SIGNATURE,
    STAGING_MARKER,
    RunFolder,
    check_out_path,
    remove_stale_staging,
)

CONFIG = CONFIGS_DIR / "cdnow_sample.yml"
ROWS = "customer,date,amount\nc1,2020-01-01,10.5\nc2,2020-01-03,4\nc1,2020-02-01,7\n"


def write_study(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log.csv").write_text(ROWS)
    config = {"name": "tiny", "data": {"path": str(folder / "log.csv"),
                                       "columns": {"customer": "customer", "date": "date", "amount": "amount"}},
              "report": {"notebooks": ["01_data"], "formats": ["html"]}}
    path = folder / "study.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def fake_run_folder(folder: Path, *, note: str = "old") -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"kit": KIT_SIGNATURE, "outputs": []}))
    (folder / "report.html").write_text(note)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def run_cli(config: Path, out: Path, capsys) -> tuple[int, str]:
    code = main(["run", str(config), "--out", str(out), "--quiet"])
    return code, capsys.readouterr().err


# --out: what is refused, with exit 2, before any work ------------------------------------------


def test_foreign_folder_is_refused_and_untouched(tmp_path, capsys, monkeypatch):
    config = write_study(tmp_path / "study")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("a year of field notes")
    before = snapshot(notes)
    # "before any work": loading the data would fail this test
    monkeypatch.setattr(pipeline, "load_transactions", lambda *a, **k: pytest.fail("work started"))
    code, message = run_cli(config, notes, capsys)
    assert code == 2, message
    assert str(notes) in message and "not a run folder of this kit" in message
    assert snapshot(notes) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "study"]


def test_existing_file_is_refused(tmp_path, capsys):
    config = write_study(tmp_path / "study")
    existing = tmp_path / "results.txt"
    existing.write_text("mine")
    code, message = run_cli(config, existing, capsys)
    assert code == 2 and "existing file" in message and str(existing) in message
    assert existing.read_text() == "mine"


def test_folder_of_the_data_and_config_is_refused(tmp_path, capsys):
    config = write_study(tmp_path / "study")
    for out in (tmp_path / "study", tmp_path):  # the folder itself and a parent of it
        code, message = run_cli(config, out, capsys)
        assert code == 2, out
        assert "holds the data file" in message or "working folder" in message, message
    assert sorted(p.name for p in (tmp_path / "study").iterdir()) == ["log.csv", "study.yml"]


def test_config_folder_is_refused_even_when_the_data_is_elsewhere(tmp_path):
    config = write_study(tmp_path / "study")
    with pytest.raises(ConfigError, match="holds the config file"):
        check_out_path(tmp_path / "study", protected={"the config file": config})


def test_working_folder_and_its_parents_are_refused(tmp_path, capsys, monkeypatch):
    config = write_study(tmp_path / "study")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for out in (Path("."), Path(".."), work):
        code, message = run_cli(config, out, capsys)
        assert code == 2 and "working folder" in message, (out, message)


@pytest.mark.parametrize("out", [RAW_DATA_DIR / "cdnow", RAW_DATA_DIR / "new_run", RAW_DATA_DIR,
                                 PROJECT_ROOT / "data"])
def test_raw_data_is_refused(out):
    with pytest.raises(ConfigError, match="raw data is kept unchanged"):
        check_out_path(out, protected={})


def test_symbolic_link_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(ConfigError, match="symbolic link"):
        check_out_path(tmp_path / "link", protected={})


def test_manifest_of_another_tool_is_not_a_marker(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"name": "some web app", "kit": "another-kit"}))
    with pytest.raises(ConfigError, match="not a run folder of this kit"):
        check_out_path(other, protected={})


def test_foreign_private_folder_is_refused(tmp_path):
    (tmp_path / "run.private").mkdir()
    (tmp_path / "run.private" / "keys.txt").write_text("secret")
    with pytest.raises(ConfigError, match="private files"):
        check_out_path(tmp_path / "run", protected={})


def test_new_path_empty_folder_and_previous_run_are_accepted(tmp_path):
    (tmp_path / "empty").mkdir()
    fake_run_folder(tmp_path / "previous")
    for out in (tmp_path / "new" / "deeper", tmp_path / "empty", tmp_path / "previous"):
        check_out_path(out, protected={})


# replacing a previous run ----------------------------------------------------------------------


def publish_new_run(target: Path, *, with_private: bool) -> RunFolder:
    folder = RunFolder.prepare(target, protected={})
    folder.start()
    (folder.staging / "manifest.json").write_text(json.dumps({"kit": KIT_SIGNATURE}))
    (folder.staging / "report.html").write_text("new")
    if with_private:
        (folder.private_staging / "quarantine.csv.gz").write_bytes(b"ids")
    folder.publish()
    return folder


def test_previous_run_is_replaced_and_nothing_is_left_aside(tmp_path):
    fake_run_folder(tmp_path / "run")
    publish_new_run(tmp_path / "run", with_private=True)
    assert (tmp_path / "run" / "report.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run.private"]
    assert not (tmp_path / "run" / STAGING_MARKER).exists()
    private = json.loads((tmp_path / "run.private" / "private.json").read_text())
    assert private["kit"] == KIT_SIGNATURE and private["run_folder"] == "run"


def test_previous_private_folder_goes_with_the_run_it_belonged_to(tmp_path):
    publish_new_run(tmp_path / "run", with_private=True)
    publish_new_run(tmp_path / "run", with_private=False)  # e.g. contractual data: no quarantine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_folder_filled_while_the_run_worked_is_not_replaced(tmp_path):
    folder = RunFolder.prepare(tmp_path / "run", protected={})
    folder.start()
    (folder.staging / "manifest.json").write_text(json.dumps({"kit": KIT_SIGNATURE}))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="appeared while the run was working"):
        folder.publish()
    folder.discard()
    assert (tmp_path / "run" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# stale staging folders and failed runs -----------------------------------------------------------


def test_stale_staging_of_dead_processes_is_removed_and_nothing_else(tmp_path):
    pid = dead_pid()
    target = tmp_path / "run"
    stale = tmp_path / f".run.partial-{pid}"
    stale_private = tmp_path / f".run.private.partial-{pid}"
    for folder in (stale, stale_private):
        folder.mkdir()
        (folder / STAGING_MARKER).write_text(json.dumps({"kit": KIT_SIGNATURE, "pid": pid}))
    unmarked = tmp_path / f".run.partial-{dead_pid()}"  # a dead process, but not the kit's folder
    unmarked.mkdir()
    (unmarked / "data.csv").write_text("not ours")
    alive = tmp_path / f".run.partial-{os.getppid()}"  # the process that started pytest
    alive.mkdir()
    (alive / STAGING_MARKER).write_text(json.dumps({"kit": KIT_SIGNATURE}))
    empty = tmp_path / f".run.partial-{dead_pid()}"  # killed before it wrote its marker
    empty.mkdir()
    other_target = tmp_path / f".other.partial-{pid}"
    other_target.mkdir()
    (other_target / STAGING_MARKER).write_text(json.dumps({"kit": KIT_SIGNATURE}))
    try:
        os.kill(pid, 0)
        pytest.skip("the dead child's pid was reused already")
    except ProcessLookupError:
        pass
    removed = remove_stale_staging(target)
    assert sorted(removed) == sorted([stale, stale_private, empty])
    assert unmarked.exists() and alive.exists() and other_target.exists()


def test_failed_run_leaves_no_folder_it_created(tmp_path, monkeypatch):
    config = write_study(tmp_path / "study")

    def boom(*args, **kwargs):
        raise RuntimeError("the load stage failed")

    monkeypatch.setattr(pipeline, "load_transactions", boom)
    with pytest.raises(RuntimeError, match="load stage failed"):
        pipeline.run_study(config, out_dir=tmp_path / "new" / "nested" / "run", quiet=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study"]


def test_failed_run_keeps_parents_that_existed_and_the_previous_run(tmp_path, monkeypatch):
    config = write_study(tmp_path / "study")
    fake_run_folder(tmp_path / "reports" / "run", note="the previous report")
    monkeypatch.setattr(pipeline, "load_transactions", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        pipeline.run_study(config, out_dir=tmp_path / "reports" / "run", quiet=True)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["run"]
    assert (tmp_path / "reports" / "run" / "report.html").read_text() == "the previous report"


@pytest.mark.slow
def test_sigterm_removes_the_staging_folder_and_created_parents(tmp_path):
    out = tmp_path / "made" / "by" / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "analysis", "run", str(CONFIG), "--out", str(out), "--quiet"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
    )
    deadline = time.monotonic() + 120
    while not list((tmp_path / "made" / "by").glob(".run.partial-*/notebooks/*.ipynb")):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)  # while a notebook runs
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "terminated by SIGTERM" in err
    assert list(tmp_path.iterdir()) == []


# the publishable run folder and its provenance ---------------------------------------------------


def test_manifest_lists_every_installed_distribution():
    versions = package_versions()
    expected = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in importlib.metadata.distributions()}
    assert set(versions) == expected
    assert list(versions) == sorted(versions)
    assert len(versions) > 13  # it listed 13 named packages before
    assert versions["customer-analytics-kit"] and versions["numpy"] == importlib.metadata.version("numpy")


def test_manifest_marks_the_folder_and_records_only_the_location_of_private_files(tmp_path):
    data = tmp_path / "log.csv"
    data.write_text(ROWS)
    manifest = build_manifest(
        inputs={"log.csv": data}, config={}, started="s", finished="f", renderer="pandoc",
        renderer_version=None, outputs=[], private_outputs={"quarantine.csv.gz": "../run.private/quarantine.csv.gz"},
    )
    assert manifest["kit"] == KIT_SIGNATURE
    assert manifest["environment"] == package_versions()
    # the report shows the kit's declared dependencies (pyproject.toml), not the whole environment
    assert {"numpy", "pandas", "statsmodels", "duckdb", "papermill", "typst"} <= set(manifest["packages"])
    assert "pytest" not in manifest["packages"] and "pytest" in manifest["environment"]
    assert manifest["private_outputs"] == {"quarantine.csv.gz": "../run.private/quarantine.csv.gz"}


# the PDF does not depend on the clock -----------------------------------------------------------


def test_document_timestamp_is_the_observation_end_or_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert document_timestamp("1998-06-30") == dt.datetime(1998, 6, 30, tzinfo=dt.UTC)
    assert document_timestamp(dt.datetime(1998, 6, 30, 17, 5)) == dt.datetime(1998, 6, 30, tzinfo=dt.UTC)
    assert document_timestamp(None) == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert document_timestamp("1998-06-30") == dt.datetime(1970, 1, 2, tzinfo=dt.UTC)


def test_same_source_renders_the_same_pdf_twice(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    pdfs = []
    for attempt in ("first", "second"):
        folder = tmp_path / attempt
        folder.mkdir()
        source = folder / "report.qmd"
        source.write_text("---\ntitle: Tiny\n---\n\n# Data\n\nTwo customers, 3 purchases.\n")
        outputs = render_document(source, formats=["pdf", "html"], renderer="pandoc",
                                  timestamp=document_timestamp("1998-06-30"))
        pdfs.append(outputs["pdf"].read_bytes())
        if attempt == "first":
            time.sleep(1.1)  # the old timestamp had whole seconds
    assert pdfs[0] == pdfs[1]
    assert b"D:19980630000000" in pdfs[0]  # CreationDate from the data, not the clock


# the kernel's log stays out of the terminal -------------------------------------------------------


@pytest.mark.slow
def test_notebook_run_prints_no_kernel_log(tmp_path, capfd):
    import nbformat

    from analysis.run.notebooks import execute_notebook

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    parameters = nbformat.v4.new_code_cell("run_dir = ''")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell("x = 1 + 1")]
    source = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, source)
    for _ in range(3):  # the interrupt at shutdown is a race; give it a few chances
        execute_notebook(source, tmp_path / "out.ipynb", {"run_dir": "x"}, progress=False, cwd=tmp_path)
    err = capfd.readouterr().err
    # before: "[IPKernelApp] WARNING | Kernel is running over TCP without encryption" on every
    # start and, now and then, "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel"
    assert "IPKernelApp" not in err and "KeyboardInterrupt" not in err, err


# summarize --out ----------------------------------------------------------------------------------


def test_summarize_refuses_a_folder_the_data_file_and_raw_data(tmp_path, capsys):
    config = write_study(tmp_path / "study")
    data = tmp_path / "study" / "log.csv"
    cases = {
        str(tmp_path / "study"): "summarize writes one file",
        str(data.with_suffix(".csv")): "is the data file",
        str(RAW_DATA_DIR / "customers.parquet"): "raw data is kept unchanged",
        str(tmp_path / "customers.txt"): "must end in .parquet or .csv",
    }
    for out, expected in cases.items():
        code = main(["summarize", str(config), "--out", out])
        message = capsys.readouterr().err
        assert code == 2 and expected in message, (out, message)
    assert data.read_text() == ROWS
    assert not (RAW_DATA_DIR / "customers.parquet").exists()


def test_summarize_writes_the_file_and_no_partial(tmp_path, capsys):
    config = write_study(tmp_path / "study")
    out = tmp_path / "new" / "customers.csv"
    assert main(["summarize", str(config), "--out", str(out)]) == 0
    assert out.read_text().count("\n") == 3  # header and customers c1, c2
    assert sorted(p.name for p in out.parent.iterdir()) == ["customers.csv"]


def test_quarto_gets_the_same_date_through_source_date_epoch(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "quarto"
    stub.write_text("#!/usr/bin/env python3\nimport os, pathlib, sys\n"
                    "pathlib.Path(sys.argv[2]).with_suffix('.pdf').write_text(os.environ.get('SOURCE_DATE_EPOCH', ''))\n")
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    source = tmp_path / "report.qmd"
    source.write_text("# Data\n")
    outputs = render_document(source, formats=["pdf"], renderer="quarto",
                              timestamp=document_timestamp("1998-06-30"))
    assert outputs["pdf"].read_text() == "899164800"  # 1998-06-30T00:00:00Z
