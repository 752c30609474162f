"""Rendering: the Quarto path with a stub `quarto` that records its arguments, and the offline
pandoc + Typst path for real."""

from __future__ import annotations

import io
import json
import os
import re
import stat
from pathlib import Path

import numpy as np
import pytest

from analysis.core.paths import CONFIGS_DIR
from analysis.run.pipeline import run_study

QUICK = {"report.notebooks": ["01_data"]}

STUB = """#!/usr/bin/env python3
import json, pathlib, sys
log = pathlib.Path(sys.argv[0]).with_name("calls.jsonl")
with log.open("a") as handle:
    handle.write(json.dumps({"args": sys.argv[1:], "cwd": str(pathlib.Path.cwd())}) + "\\n")
if sys.argv[1:] == ["--version"]:
    print("1.6.40")
elif sys.argv[1] == "render":
    source = pathlib.Path(sys.argv[2])
    target = {"html": ".html", "typst": ".pdf"}[sys.argv[sys.argv.index("--to") + 1]]
    source.with_suffix(target).write_text("rendered by stub")
"""


@pytest.fixture()
def quarto_stub(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "quarto"
    stub.write_text(STUB)
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir / "calls.jsonl"


@pytest.mark.slow
def test_quarto_used_when_on_path(tmp_path, quarto_stub):
    run_dir = run_study(CONFIGS_DIR / "cdnow_sample.yml", out_dir=tmp_path / "run", quiet=True, overrides=QUICK)
    calls = [json.loads(line) for line in quarto_stub.read_text().splitlines()]
    renders = [c for c in calls if c["args"][0] == "render"]
    assert [c["args"] for c in renders] == [
        ["render", "report.qmd", "--to", "html"],
        ["render", "report.qmd", "--to", "typst"],
    ]
    assert all(Path(c["cwd"]).name.startswith(".run.partial-") for c in renders)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["renderer"] == "quarto 1.6.40"
    assert (run_dir / "report.html").read_text() == "rendered by stub"
    source = (run_dir / "report.qmd").read_text()
    assert "format:" in source and "typst:" in source and "{#fig-activity " in source


@pytest.fixture(scope="module")
def offline_run(cdnow_data_chapter_run):
    """The data chapter of configs/cdnow_sample.yml rendered by pandoc and Typst (tests/conftest.py;
    test_privacy.py reads the same run)."""
    return cdnow_data_chapter_run


@pytest.mark.slow
def test_offline_pdf_has_rendered_pages(offline_run):
    import pypdf
    import typst
    from PIL import Image

    reader = pypdf.PdfReader(offline_run / "report.pdf")
    assert len(reader.pages) >= 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Data and method" in text and "Contents" in text and "2,357" in text
    assert re.search(r"Figure\s+1", text), "figures are numbered with captions"
    pages = typst.compile(
        str(offline_run / "report.typ"), format="png", ppi=40, root=str(offline_run)
    )
    pages = pages if isinstance(pages, list) else [pages]
    for png in pages:
        image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
        assert (image < 200).mean() > 0.005, "a rendered page is blank"


@pytest.mark.slow
def test_offline_html_is_standalone_with_numbered_figures(offline_run):
    html = (offline_run / "report.html").read_text()
    assert 'id="TOC"' in html
    assert "Figure 1." in html and "Table 1." in html
    assert 'src="data:image/png;base64,' in html, "figures must be embedded"
    assert 'src="figures/' not in html
    manifest = json.loads((offline_run / "manifest.json").read_text())
    assert manifest["renderer"].startswith("pandoc")
    assert sorted(manifest["outputs"]) == ["report.html", "report.pdf"]


def test_a_wide_table_gets_columns_sized_by_their_content(tmp_path):
    """A pipe table wider than pandoc's 72 columns used to get relative column widths from its dash
    counts, which gave a number column less room than its numbers (they overprinted the next column
    of the model-comparison table in the PDF); the columns are now sized by their content."""
    from analysis.report.engines import render_document

    header = "| | Model | Log-likelihood | AIC | BIC | Converged | Holdout MAE (purchases per customer) | Holdout total error (share) |"
    rule = "|:--|:--|--:|--:|--:|:--|--:|--:|"
    row = "| bgnbd | BG/NBD | −9,582.4 | 19,172.9 | 19,195.9 | True | 0.785 | −0.121 |"
    assert len(header) > 72
    (tmp_path / "report.qmd").write_text(f"# Models\n\n{header}\n{rule}\n{row}\n\n: Model comparison\n", encoding="utf-8")
    outputs = render_document(tmp_path / "report.qmd", formats=["pdf"], renderer="pandoc")
    typst_source = (tmp_path / "report.typ").read_text(encoding="utf-8")
    table = typst_source[typst_source.index("= Models"):]  # the document's table, past the template
    columns = re.search(r"columns: *(\([^)]*\)|\d+)", table).group(1)
    assert "%" not in columns and "fr" not in columns, columns  # no relative widths: auto columns
    assert outputs["pdf"].stat().st_size > 0
