"""The chapter registry: one table decides the config sections, the run order, the requirements and
the report; adding a chapter takes a folder and one line in it."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from pydantic import BaseModel, ConfigDict

from analysis.chapters import (
    CHAPTERS,
    Chapter,
    chapter,
    notebooks_by_kind,
    plan_notebooks,
    use_registry,
)
from analysis.chapters.registry import check_registry
from analysis.core.config import load_config, study_config_model
from analysis.core.errors import ConfigError, SectionError, StudyError
from analysis.core.paths import PROJECT_ROOT
from analysis.core.section import Section, check_section
from analysis.run.pipeline import run_chapter

LOG = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c", "c"],
                    "date": ["2020-01-01", "2020-02-01", "2020-01-05", "2020-01-02", "2020-03-01", "2020-04-01"],
                    "amount": [10.0, 12.0, 5.0, 7.0, 8.0, 9.0]})


def write_config(folder: Path, extra: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    LOG.to_csv(folder / "log.csv", index=False)
    config = {"name": "toy", "data": {"path": "log.csv", "columns": {"customer": "customer_id", "date": "date",
                                                                       "amount": "amount"}},
              "report": {"formats": ["html"], "renderer": "pandoc"}, **(extra or {})}
    path = folder / "study.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_every_chapter_runs_after_what_it_requires_or_reads():
    order = [entry.name for entry in CHAPTERS]
    for entry in CHAPTERS:
        for needed in entry.requires + entry.reads:
            assert order.index(needed) < order.index(entry.name), (entry.name, needed)
    assert notebooks_by_kind() == {
        "transactions": ("01_data", "02_pareto", "03_clv", "04_retention", "05_segments", "07_satisfaction",
                         "06_case_study"),
        "contractual": ("04_retention", "06_case_study"),
        "opportunity": ("03_clv_opportunity",),
    }


def test_a_registry_that_names_an_unknown_or_later_chapter_is_refused():
    with pytest.raises(ValueError, match="not registered before it"):
        check_registry((Chapter("a", requires=("b",)), Chapter("b")))
    with pytest.raises(ValueError, match="registered twice"):
        check_registry((Chapter("a"), Chapter("a")))
    with pytest.raises(ValueError, match="shares notebook"):
        check_registry((Chapter("a", notebooks={"transactions": "x"}), Chapter("b", notebooks={"contractual": "x"})))


def test_a_chapter_asked_for_alone_brings_what_it_requires():
    planned, pulled = plan_notebooks("transactions", ["05_segments"])
    assert [c.name for c in planned] == ["data", "segments"]
    assert pulled == ["data"]
    # by chapter name too; what a chapter only reads (segments reads clv) is not pulled in
    planned, pulled = plan_notebooks("transactions", ["segments", "02_pareto"])
    assert [c.name for c in planned] == ["data", "pareto", "segments"] and pulled == ["data"]
    planned, pulled = plan_notebooks("contractual", ["06_case_study"])
    assert [c.name for c in planned] == ["case_study"] and pulled == []  # contractual data has no data notebook
    with pytest.raises(ConfigError, match="neither a notebook nor a chapter"):
        plan_notebooks("transactions", ["08_nothing"])
    with pytest.raises(ConfigError, match="does not apply to contractual data"):
        plan_notebooks("contractual", ["02_pareto"])


def test_validate_names_an_unknown_chapter_before_reading_the_data(tmp_path, capsys):
    from analysis import cli

    config = write_config(tmp_path, {"report": {"notebooks": ["05_segmets"]}})
    assert cli.main(["validate", str(config)]) == 2
    assert "05_segmets" in capsys.readouterr().err


class ToySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    threshold: int = 2


class ToySection(Section):
    customers: int
    repeat_buyers: int


class LooseSection(Section):
    """Any keys: for the tests of the section-ownership rule, which write made-up sections."""

    model_config = ConfigDict(extra="allow")


def loose_sections(table: tuple[Chapter, ...] = CHAPTERS):
    return use_registry(tuple(dataclasses.replace(c, section=LooseSection) if c.section else c for c in table))


def test_the_config_has_a_strict_section_per_registered_settings_model(tmp_path):
    toy = Chapter("toy", notebooks={"transactions": "toy"}, section=ToySection, requires=("data",), settings="toy",
                  settings_model=ToySettings)
    table = CHAPTERS[:-1] + (toy, CHAPTERS[-1])
    with use_registry(table):
        model = study_config_model()
        assert list(model.model_fields)[-4:] == ["toy", "report", "engine", "notebook_parameters"]
        assert load_config(write_config(tmp_path / "a", {"toy": {"threshold": 3}})).toy.threshold == 3
        assert load_config(write_config(tmp_path / "b")).toy.threshold == 2  # defaults when absent
        with pytest.raises(ConfigError, match="unknown key 'toy.treshold'"):
            load_config(write_config(tmp_path / "c", {"toy": {"treshold": 3}}))
    # outside the swapped registry the section does not exist
    with pytest.raises(ConfigError, match="unknown key 'toy'"):
        load_config(write_config(tmp_path / "d", {"toy": {"threshold": 3}}))


class _FakeRun:
    def __init__(self, root: Path):
        self.root = root
        (root / "sections").mkdir(parents=True)

    @property
    def results(self):
        return {p.stem: json.loads(p.read_text()) for p in sorted((self.root / "sections").glob("*.json"))}

    def save_section(self, name, data):
        (self.root / "sections" / f"{name}.json").write_text(json.dumps(data))

    def update_section(self, name, data):
        self.save_section(name, {**self.results.get(name, {}), **data})


@loose_sections()
def test_a_chapter_that_writes_another_chapters_section_fails_the_run(tmp_path):
    run = _FakeRun(tmp_path)
    run.save_section("study", {"name": "x"})
    run.save_section("data", {"status": "ok"})
    run.save_section("clv", {"status": "ok", "x": 1})

    def writes_its_own():
        run.save_section("segments", {"n": 1})

    assert run_chapter(run, Path("05_segments.ipynb"), writes_its_own) == {"status": "ok"}
    assert run.results["segments"] == {"n": 1, "status": "ok"}

    def meddles():  # segments runs after clv (it reads it): clv's section is settled
        run.save_section("segments", {"n": 2})
        run.update_section("clv", {"x": 2})

    with pytest.raises(StudyError, match=r"wrote the section\(s\) \['clv'\]"):
        run_chapter(run, Path("05_segments.ipynb"), meddles)

    def writes_the_study_section():
        run.save_section("pareto", {})
        run.save_section("study", {"name": "y"})

    with pytest.raises(StudyError, match=r"\['study'\]"):
        run_chapter(run, Path("02_pareto.ipynb"), writes_the_study_section)


@loose_sections()
def test_a_chapter_running_side_by_side_may_write_its_own_section_meanwhile(tmp_path):
    """pareto and clv both follow only data, so they may run on two kernels at once: clv saving its
    section while pareto runs is not pareto writing it."""
    run = _FakeRun(tmp_path)
    run.save_section("data", {"status": "ok"})

    def pareto_while_clv_saves():
        run.save_section("pareto", {"top20_share": 0.5})
        run.save_section("clv", {"status": "ok"})  # stands for the other kernel

    assert run_chapter(run, Path("02_pareto.ipynb"), pareto_while_clv_saves) == {"status": "ok"}


def test_a_chapter_whose_requirement_is_not_estimable_is_not_estimable_without_running(tmp_path):
    run = _FakeRun(tmp_path)
    run.save_section("data", {"status": "not_estimable", "reason": "too few customers"})
    ran = []
    record = run_chapter(run, Path("05_segments.ipynb"), lambda: ran.append(1))
    assert record == {"status": "not_estimable", "reason": "requires data"} and not ran
    assert chapter("segments").reads == ("clv",)


# -- typed sections ---------------------------------------------------------------------------------------

TOY = Chapter("toy", notebooks={"transactions": "toy"}, section=ToySection, requires=("data",))


def _toy_run(tmp_path: Path, section: dict) -> dict:
    """The toy chapter's notebook stands for one that saves ``section``; the run's record of it."""
    run = _FakeRun(tmp_path)
    run.save_section("data", {"status": "ok"})
    with use_registry(CHAPTERS[:-1] + (TOY, CHAPTERS[-1])):
        return run_chapter(run, Path("toy.ipynb"), lambda: run.save_section("toy", section))


def test_a_section_as_declared_passes_and_keeps_its_bytes(tmp_path):
    assert _toy_run(tmp_path, {"customers": 3, "repeat_buyers": 2}) == {"status": "ok"}
    # what the chapter saved, with the status the pipeline adds, exactly as written (the check writes nothing)
    assert (tmp_path / "sections" / "toy.json").read_text() == '{"customers": 3, "repeat_buyers": 2, "status": "ok"}'


def test_a_key_the_section_does_not_declare_stops_the_run_naming_chapter_key_and_value(tmp_path):
    with pytest.raises(SectionError) as caught:
        _toy_run(tmp_path, {"customers": 3, "repeat_buyers": 2, "repeat_buyer": 2})
    assert str(caught.value) == ("chapter toy wrote the key 'toy.repeat_buyer', which its section ToySection does not "
                                 "declare (value: 2); declare it in the chapter's section model")
    assert caught.value.exit_code == 1  # a kit error (a bug in a chapter), told without a traceback by the CLI


@pytest.mark.parametrize("value", ["3", 3.0, True, None])
def test_a_value_of_the_wrong_type_stops_the_run_naming_chapter_key_and_value(tmp_path, value):
    # strict JSON types: an int field takes no string, no float (3.0), no bool and no null
    with pytest.raises(SectionError, match=rf"^chapter toy wrote 'toy\.customers' = {re.escape(repr(value))}: "):
        _toy_run(tmp_path, {"customers": value, "repeat_buyers": 2})


def test_a_missing_key_and_a_status_that_is_not_declared_stop_the_run(tmp_path):
    with pytest.raises(SectionError, match="did not write the key 'toy.repeat_buyers', which its section ToySection requires"):
        _toy_run(tmp_path / "a", {"customers": 3})
    with pytest.raises(SectionError, match=r"'toy\.status' = 'maybe'"):
        check_section("toy", ToySection, {"customers": 3, "repeat_buyers": 2, "status": "maybe"})


def test_a_not_estimable_section_is_checked_as_such():
    check_section("toy", ToySection, {"status": "not_estimable", "reason": "too few customers"})
    with pytest.raises(SectionError, match=r"'toy\.reason' = 3"):
        check_section("toy", ToySection, {"status": "not_estimable", "reason": 3})
    with pytest.raises(SectionError, match="'toy.customers', which its section NotEstimableSection does not declare"):
        check_section("toy", ToySection, {"status": "not_estimable", "reason": "x", "customers": 3})


def test_a_chapter_with_a_notebook_must_declare_its_section():
    with pytest.raises(ValueError, match="chapter 'toy' has a notebook but no section model"):
        check_registry(CHAPTERS + (dataclasses.replace(TOY, section=None),))
    assert all(c.section is not None for c in CHAPTERS if c.notebooks)


def test_a_chapter_of_several_shapes_is_checked_against_the_shape_its_tag_names():
    """The data section of a contractual table carries ``kind``; one of a log does not."""
    data = chapter("data").section_model()
    contracts = {"kind": "contractual", "customers": 4, "churned": 1, "share_churned": 0.25,
                 "tenure": {"mean": 2.0, "p10": 1.0, "p25": 1.0, "median": 2.0, "p75": 3.0, "p90": 3.0, "p99": 3.0,
                            "max": 3.0},
                 "zero_tenure": 0, "blank_covariates": {}}
    check_section("data", data, contracts)
    with pytest.raises(SectionError, match="'data.transactions', which its section ContractDataSection does not declare"):
        check_section("data", data, {**contracts, "transactions": 5})
    with pytest.raises(SectionError, match="section of no declared shape \\(tag 'survey'"):
        check_section("data", data, {**contracts, "kind": "survey"})


TOY_NARRATIVE = '''\
def chapter(results, figures, tables):
    toy = results.get("toy")
    if not toy:
        return ""
    return f"# Toy chapter\\n\\n{toy['repeat_buyers']} of {toy['customers']} customers bought on two days or more.\\n"
'''


TOY_SECTION = '''\
from analysis.core.section import Section


class ToySection(Section):
    customers: int
    repeat_buyers: int
'''


def _toy_notebook(path: Path) -> None:
    parameters = nbformat.v4.new_code_cell('run_dir = ""  # set by papermill')
    parameters.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "from analysis.run import Run\n"
        "run = Run.open(run_dir)\n"
        "customers = run.customers(['customer_id', 'n_transactions'])\n"
        "run.save_section('toy', {'customers': len(customers), "
        "'repeat_buyers': int((customers['n_transactions'] > 1).sum())})\n")
    notebook = nbformat.v4.new_notebook(cells=[parameters, body])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


@pytest.mark.slow
def test_adding_a_toy_chapter_takes_one_folder_and_one_registry_line(tmp_path):
    """A copy of the kit, one new folder under ``analysis/chapters/`` (notebook, section, narrative) and one
    new line in the registry: ``run`` executes the toy notebook (and the data chapter it requires),
    ``results.json`` has its section and the report its chapter. Nothing else is edited."""
    kit = tmp_path / "kit"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PROJECT_ROOT / "src" / "analysis", kit / "src" / "analysis", ignore=ignore)
    shutil.copytree(PROJECT_ROOT / "notebooks", kit / "notebooks", ignore=ignore)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", kit / "pyproject.toml")

    folder = kit / "src" / "analysis" / "chapters" / "toy"  # the one folder
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "narrative.py").write_text(TOY_NARRATIVE)
    (folder / "section.py").write_text(TOY_SECTION)
    _toy_notebook(folder / "toy.ipynb")

    registry = kit / "src" / "analysis" / "chapters" / "registry.py"
    text = registry.read_text()
    anchor = '    Chapter("reproducibility"'
    assert text.count(anchor) == 1
    line = ('    Chapter("toy", notebooks={"transactions": "toy"}, section="analysis.chapters.toy.section.ToySection", '
            'requires=("data",), narrative="analysis.chapters.toy.narrative", notebook_dir=CHAPTERS_DIR / "toy"),\n')
    registry.write_text(text.replace(anchor, line + anchor))  # the one line

    config = write_config(tmp_path / "study", {"report": {"formats": ["html"], "renderer": "pandoc",
                                                          "notebooks": ["toy"]}})
    env = {**os.environ, "PYTHONPATH": str(kit / "src"), "ANALYSIS_PSEUDONYM_KEY": "11" * 32}
    done = subprocess.run([sys.executable, "-m", "analysis", "run", str(config), "--out", str(tmp_path / "run"),
                           "--verbose"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "also running data" in done.stderr
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    # a and c bought on two days or more, b once
    assert results["toy"] == {"customers": 3, "repeat_buyers": 2, "status": "ok"}
    assert results["data"]["status"] == "ok" and "pareto" not in results
    assert sorted(p.name for p in (tmp_path / "run" / "notebooks").glob("*.ipynb")) == ["01_data.ipynb", "toy.ipynb"]
    html = (tmp_path / "run" / "report.html").read_text()
    assert "Toy chapter" in html and "2 of 3 customers bought on two days or more." in html


def _check_every_section(results: dict) -> None:
    """Every chapter section of a study's results.json passes its declared model, and each model
    refuses an undeclared key and a wrong status (so that the pass is not a model that takes anything)."""
    from analysis.run.pipeline import check_sections

    before = json.dumps(results, sort_keys=True)
    check_sections(results)
    assert json.dumps(results, sort_keys=True) == before  # the check leaves the results as they were
    for entry in CHAPTERS:
        if not entry.notebooks:
            continue
        assert entry.name in results, entry.name
        section = results[entry.name]
        assert section["status"] == "ok", (entry.name, section)
        with pytest.raises(SectionError, match=rf"^chapter {entry.name} wrote the key '{entry.name}\.undeclared'"):
            check_section(entry.name, entry.section_model(), {**section, "undeclared": 1})
        with pytest.raises(SectionError, match=rf"'{entry.name}\.status' = 1"):
            check_section(entry.name, entry.section_model(), {**section, "status": 1})


@pytest.mark.slow
def test_the_cdnow_sample_results_validate_against_every_section(cdnow_sample_run):
    _check_every_section(json.loads((cdnow_sample_run / "results.json").read_text()))


@pytest.mark.slow
def test_the_cdnow_results_validate_against_every_section(tmp_path):
    """The full CDNOW study (configs/cdnow.yml, 23,570 customers; about 90 s on 2 cores), HTML only."""
    from analysis.run.pipeline import run_study

    out = run_study(PROJECT_ROOT / "configs" / "cdnow.yml", out_dir=tmp_path / "cdnow", quiet=True,
                    overrides={"report.formats": ["html"]})
    _check_every_section(json.loads((out / "results.json").read_text()))


@pytest.mark.slow
def test_a_notebook_that_writes_an_undeclared_key_stops_the_run_with_a_message(tmp_path, capsys):
    """01_data with one key more than TransactionDataSection declares: exit 1, the chapter, key and
    value named on one line, no traceback, nothing published."""
    from analysis import cli
    from analysis.core.paths import NOTEBOOKS_DIR

    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, notebooks)
    data_notebook = notebooks / "01_data.ipynb"
    text = data_notebook.read_text(encoding="utf-8")
    line = "facts = describe.describe_transactions(log, customers)"
    assert text.count(line) == 1
    data_notebook.write_text(text.replace(line, "facts = {**describe.describe_transactions(log, customers), 'share_repeat': 0.5}"),
                             encoding="utf-8")
    config = write_config(tmp_path / "study", {"report": {"formats": ["html"], "renderer": "pandoc",
                                                          "notebooks": ["01_data"]}})
    with use_registry(tuple(dataclasses.replace(c, notebook_dir=notebooks) for c in CHAPTERS)):
        code = cli.main(["run", str(config), "--out", str(tmp_path / "run"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err == ("error: chapter data wrote the key 'data.share_repeat', which its section TransactionDataSection "
                   "does not declare (value: 0.5); declare it in the chapter's section model\n")
    assert not (tmp_path / "run").exists()
