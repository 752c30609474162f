"""Text from data and config is data in every output: never HTML, never Typst, never a formula.

The unit tests send escaped strings through the real pandoc and compare what a reader sees with
the string itself; the end-to-end tests run a small study whose segment values and title are the
hostile strings of issue 12, in English and in Chinese, and read report.html, report.pdf (text
extracted with pypdf) and the table CSV files.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.narrative.common import cell_text, figure_md, table_md
from analysis.report.escape import (
    code_span,
    escape_markdown,
    neutralise_formula,
    neutralise_formulas,
    restore_formula,
    restore_formulas,
)

IMG = '"><img src=x onerror=alert(document.domain)>'
SCRIPT = "<script>alert(1)</script>"
HOSTILE = [IMG, SCRIPT, "@instagram", "$x$", r"\textbf{a}", "=1+2", "-2+3", "顾客 <b>粗体</b>",
           "*bold* _it_ `code` [link](http://x) {#id} ~sub~ ^sup^", "1. not a list", "# not a heading",
           "a | b", "<!-- comment -->", "{{< include x >}}", "::: div", "-- --- ... \"q\" 'q'", "x\\", "\\"]


def _pandoc(markdown: str, to: str) -> str:
    import pypandoc

    return pypandoc.convert_text(markdown, to, format="markdown", extra_args=["--wrap=none"])


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_reads_as_itself_after_pandoc(text):
    plain = _pandoc(f"Before {escape_markdown(text)} after.", "plain").strip()
    assert plain == f"Before {text} after."
    html = _pandoc(f"Before {escape_markdown(text)} after.", "html5")
    assert not re.search(r"<(img|script|b|span|a|code|em|strong|sub|sup|div|h1|ol|li|math)\b", html)


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_is_literal_in_typst(text):
    typst_source = _pandoc(f"Before {escape_markdown(text)} after.", "typst")
    assert "#cite" not in typst_source and not re.search(r"(?<!\\)@instagram", typst_source)
    assert "$x$" not in typst_source  # a Typst equation would be $x$ unescaped


def test_line_breaks_and_controls_become_spaces():
    assert escape_markdown("a\nb\r\n\tc") == "a b c"
    assert escape_markdown("顾客") == "顾客"  # only ASCII punctuation is escaped
    assert escape_markdown(12) == "12"


def test_code_span_holds_any_backticks():
    import html as html_module

    for text in ["plain", "a`b", "``x``", "$x$ <b>", "name|with pipe"]:
        html = _pandoc(f"File {code_span(text)}.", "html5")
        spans = re.findall(r"<code>(.*?)</code>", html)
        assert [html_module.unescape(span) for span in spans] == [text]


def test_formula_cells_are_neutralised_and_restored():
    # OWASP "CSV Injection": cells starting with = + - @ tab CR go behind a single quote
    assert [neutralise_formula(v) for v in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'q", "ok", "顾客"]] == \
        ["'=1+2", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "''q", "ok", "顾客"]
    assert neutralise_formula(-3.5) == -3.5 and neutralise_formula(-2) == -2  # numbers stay numbers
    for value in ["=1+2", "'q", "''", "ok", -1.0]:
        assert restore_formula(neutralise_formula(value)) == value
    frame = pd.DataFrame({"category": pd.Categorical(["=x", "y"]), "text": pd.array(["@a", None], dtype="string"),
                          "number": [-1.0, 2.0]})
    safe = neutralise_formulas(frame)
    assert safe["category"].tolist() == ["'=x", "y"] and safe["text"].tolist()[0] == "'@a"
    assert safe["number"].tolist() == [-1.0, 2.0] and frame["category"].tolist() == ["=x", "y"]  # a copy


def test_table_csv_has_no_formula_cells_and_the_report_shows_the_values(tmp_path):
    frame = pd.DataFrame({"segment": ["=HYPERLINK(\"http://x\")", "@instagram", "-5", IMG, "a | b"],
                          "=cmd": [-1.5, 2.0, -3.0, 4.0, 5.0]}, index=pd.Index(["+a", "b", "c", "d", "e"], name="-idx"))
    from analysis.run import Run

    run = Run(root=tmp_path, config=None)  # save_table needs only the folder
    (tmp_path / "tables").mkdir()
    record = run.save_table(frame, "hostile", caption=f"Caption {SCRIPT}", chapter="pareto", index=True)
    with open(tmp_path / "tables" / "hostile.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _is_number(c))]
    assert rows[0] == ["'-idx", "segment", "'=cmd"]
    assert rows[1] == ["'+a", "'=HYPERLINK(\"http://x\")", "-1.5"]  # the negative number is left alone
    back = restore_formulas(pd.read_csv(tmp_path / "tables" / "hostile.csv", index_col=0))
    assert back["segment"].tolist() == frame["segment"].tolist() and back.index.tolist() == frame.index.tolist()
    markdown = table_md({**record, "file": str(tmp_path / record["path"])})
    plain = _pandoc(markdown, "plain")
    for value in ["=HYPERLINK(\"http://x\")", "@instagram", "+a", "=cmd", "-idx", IMG, SCRIPT, "a | b"]:
        assert value in plain
    assert "'=" not in plain
    assert "<img" not in _pandoc(markdown, "html5") and "<script" not in _pandoc(markdown, "html5")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_figure_caption_and_cells_are_escaped():
    assert figure_md({"name": "x", "path": "figures/x.png", "caption": f"{IMG}\n@a"}).startswith(
        "![\\\"\\>\\<img src\\=x onerror\\=alert\\(document\\.domain\\)\\> \\@a](figures/x.png)")
    assert cell_text("$x$") == "\\$x\\$" and cell_text(-1234.5) == "-1,234.5"


# ---- end to end: a study whose data and config carry the hostile strings -----------------------

SEGMENTS = [IMG, "@instagram", "$x$", r"\textbf{a}", "=1+2", "顾客 <b>"]
TITLE = f"{SCRIPT} @title $y$ 标题"


def _hostile_study(folder: Path, lang: str) -> Path:
    rng = np.random.default_rng(12)
    rows = []
    for customer in range(240):
        segment = SEGMENTS[customer % len(SEGMENTS)]
        for _ in range(1 + rng.poisson(2)):
            day = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 700)))
            rows.append({"customer": f"c{customer:04d}", "day": day.date().isoformat(),
                         "amount": round(float(rng.lognormal(3, 1)), 2), "channel": segment})
    data = folder / "hostile.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    config = {
        "name": f"hostile_{lang}", "title": TITLE, "seed": 1,
        "data": {"path": str(data), "format": "csv",
                 "columns": {"customer": "customer", "date": "day", "amount": "amount", "segment": "channel"},
                 "source": f"a file from {IMG} and @source"},
        "analysis": {"period": "week"},
        "report": {"lang": lang, "notebooks": ["01_data", "02_pareto"], "renderer": "pandoc"},
    }
    path = folder / f"hostile_{lang}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["en", "zh"])
def hostile_run(request, tmp_path_factory):
    from analysis.run.pipeline import run_study

    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    return run_study(_hostile_study(folder, request.param), out_dir=folder / "run", quiet=True)


@pytest.mark.slow
def test_html_holds_no_tag_from_data(hostile_run):
    html = re.sub(r"\s+", " ", (hostile_run / "report.html").read_text(encoding="utf-8"))  # pandoc wraps lines
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(document.domain)&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title, shown as text
    assert "\\textbf{a}" in html and "顾客 &lt;b&gt;" in html
    assert 'class="math' not in html and "<cite" not in html  # no $x$ math, no @citation


@pytest.mark.slow
def test_pdf_compiles_and_shows_the_strings(hostile_run):
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(hostile_run / "report.pdf").pages)
    flat = re.sub(r"\s+", "", re.sub(r"-\n", "", text))  # Typst breaks and hyphenates lines anywhere
    values = ["@instagram", "$x$", "\\textbf{a}", "<script>alert(1)</script>", "onerror=alert(document.domain)>", "=1+2"]
    lang = json.loads((hostile_run / "results.json").read_text())["study"]["lang"]
    if lang == "zh":  # the English report has no CJK font (the Chinese one falls back to it)
        values += ["顾客<b>", "标题"]
    for value in values:
        assert re.sub(r"\s+", "", value) in flat, value


@pytest.mark.slow
def test_run_folder_csv_cells_are_not_formulas(hostile_run):
    segments = (hostile_run / "tables" / "pareto-segments.csv").read_text(encoding="utf-8")
    assert "'=1+2" in segments and "\n=1+2" not in segments and ",=1+2" not in segments
    for path in (hostile_run / "tables").glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                assert not [c for c in row if c[:1] in ("=", "+", "@", "\t", "\r")
                            or (c[:1] == "-" and not _is_number(c))], (path.name, row)
