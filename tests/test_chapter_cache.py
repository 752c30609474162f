"""The stage cache: what a stage wrote is restored byte for byte under the same key, a changed
input or setting is a miss, a damaged entry is a miss, the cache stays within its size limit; and
end to end on the CDNOW sample: an unchanged rerun reuses every stage and gives the same
results.json, HTML and PDF, a change to ``clv:`` reruns CLV and the chapters that require it only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from analysis import cli
from analysis.chapters import chapter
from analysis.core.config import load_config
from analysis.core.errors import ConfigError
from analysis.core.jsonio import write_json
from analysis.core.paths import CONFIGS_DIR
from analysis.run.cache import (
    CACHE_DIR_ENV,
    MAX_SIZE_ENV,
    Snapshotter,
    StageCache,
    chapter_key,
    config_material,
    data_stage_key,
    default_cache_dir,
    key_fingerprint,
    max_cache_size,
)
from analysis.run.pipeline import cache_requirements

CONFIG = CONFIGS_DIR / "cdnow_sample.yml"


# the cache location and its limit ---------------------------------------------------------------
def test_cache_location_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "named"))
    assert default_cache_dir() == tmp_path / "named"
    monkeypatch.delenv(CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "customer-analytics-kit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "customer-analytics-kit"


@pytest.mark.parametrize(("text", "size"), [("", 2 * 1024**3), ("2G", 2 * 1024**3), ("500M", 500 * 1024**2),
                                            ("1048576", 1048576), ("64KiB", 65536), ("0", 0)])
def test_size_limit_from_environment(monkeypatch, text, size):
    monkeypatch.setenv(MAX_SIZE_ENV, text)
    assert max_cache_size() == size


def test_bad_size_limit_is_a_config_error(monkeypatch):
    monkeypatch.setenv(MAX_SIZE_ENV, "lots")
    with pytest.raises(ConfigError, match="ANALYSIS_CACHE_MAX_SIZE"):
        max_cache_size()


def test_zero_limit_turns_the_cache_off(tmp_path):
    cache = StageCache(root=tmp_path / "cache", max_size=0)
    assert not cache.read and not cache.write


# a stage on a toy run folder ------------------------------------------------------------------------
def _folders(root: Path) -> tuple[Path, Path, Snapshotter]:
    run, private = root / "run", root / "private"
    for folder in (run / "sections", run / "figures", run / "tables", private):
        folder.mkdir(parents=True)
    write_json(run / "sections" / "study.json", {"name": "toy"})
    write_json(run / "figures" / "index.json", [{"name": "earlier", "chapter": "pareto"}])
    return run, private, Snapshotter({"run": run, "private": private})


def _toy_chapter(run: Path, private: Path, value: float = 1.5) -> dict:
    """Writes a section, a binary file, a private file, a figure record, and changes the study section."""
    write_json(run / "sections" / "toy.json", {"estimate": value})
    (run / "figures" / "toy.png").write_bytes(bytes(range(256)) * 10)
    (private / "ids.csv").write_text("raw_id\n17\n", encoding="utf-8")
    index = json.loads((run / "figures" / "index.json").read_text())
    write_json(run / "figures" / "index.json", [*index, {"name": "toy", "chapter": "toy"}])
    write_json(run / "sections" / "study.json", {"name": "toy", "toy_ran": True})
    return {"status": "ok"}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_miss_then_hit_restores_the_same_bytes(tmp_path):
    cache = StageCache(root=tmp_path / "cache", max_size=10**9)
    run, private, snapshots = _folders(tmp_path / "first")
    calls = []
    first = cache.stage("chapter", "toy", "k1", snapshots, lambda: calls.append(1) or _toy_chapter(run, private))
    assert (first.cache, first.value) == ("miss", {"status": "ok"})

    run2, private2, snapshots2 = _folders(tmp_path / "second")
    second = cache.stage("chapter", "toy", "k1", snapshots2, lambda: calls.append(2) or _toy_chapter(run2, private2))
    assert (second.cache, second.value, calls) == ("hit", {"status": "ok"}, [1])  # not computed again
    assert _tree(tmp_path / "second") == _tree(tmp_path / "first")
    assert second.record()["key"] == "k1" and second.record()["seconds"] >= 0


def test_another_key_is_a_miss(tmp_path):
    cache = StageCache(root=tmp_path / "cache", max_size=10**9)
    run, private, snapshots = _folders(tmp_path / "first")
    cache.stage("chapter", "toy", "k1", snapshots, lambda: _toy_chapter(run, private))
    run2, private2, snapshots2 = _folders(tmp_path / "second")
    again = cache.stage("chapter", "toy", "k2", snapshots2, lambda: _toy_chapter(run2, private2, value=2.5))
    assert again.cache == "miss"
    assert json.loads((run2 / "sections" / "toy.json").read_text()) == {"estimate": 2.5}


def test_no_cache_recomputes_and_replaces_the_entry(tmp_path):
    run, private, snapshots = _folders(tmp_path / "first")
    StageCache(root=tmp_path / "cache", max_size=10**9).stage(
        "chapter", "toy", "k1", snapshots, lambda: _toy_chapter(run, private))
    run2, private2, snapshots2 = _folders(tmp_path / "second")
    forced = StageCache(root=tmp_path / "cache", read=False, max_size=10**9).stage(
        "chapter", "toy", "k1", snapshots2, lambda: _toy_chapter(run2, private2, value=9.0))
    assert forced.cache == "miss"
    run3, _, snapshots3 = _folders(tmp_path / "third")
    hit = StageCache(root=tmp_path / "cache", max_size=10**9).stage(
        "chapter", "toy", "k1", snapshots3, lambda: pytest.fail("computed"))
    assert hit.cache == "hit"
    assert json.loads((run3 / "sections" / "toy.json").read_text()) == {"estimate": 9.0}


def test_a_stage_that_changed_another_stages_file_is_a_miss_when_that_file_differs(tmp_path):
    """toy changes study.json: restoring it over a different study.json would undo another stage's work."""
    cache = StageCache(root=tmp_path / "cache", max_size=10**9)
    run, private, snapshots = _folders(tmp_path / "first")
    cache.stage("chapter", "toy", "k1", snapshots, lambda: _toy_chapter(run, private))
    run2, private2, snapshots2 = _folders(tmp_path / "second")
    write_json(run2 / "sections" / "study.json", {"name": "renamed"})
    assert cache.stage("chapter", "toy", "k1", snapshots2, lambda: _toy_chapter(run2, private2)).cache == "miss"


@pytest.mark.parametrize("damage", ["file", "missing", "meta", "truncated", "fields"])
def test_a_damaged_entry_is_a_miss(tmp_path, damage):
    cache = StageCache(root=tmp_path / "cache", max_size=10**9)
    run, private, snapshots = _folders(tmp_path / "first")
    cache.stage("chapter", "toy", "k1", snapshots, lambda: _toy_chapter(run, private))
    entry = next((tmp_path / "cache" / "entries").iterdir())
    stored = max((entry / "files").iterdir(), key=lambda p: p.stat().st_size)  # the figure
    if damage == "file":
        stored.write_bytes(b"\xff" + stored.read_bytes()[1:])  # same size, other content
    elif damage == "missing":
        stored.unlink()
    elif damage == "meta":
        (entry / "meta.json").write_text("{not json", encoding="utf-8")
    elif damage == "fields":  # valid JSON of another shape
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        (entry / "meta.json").write_text(json.dumps({**meta, "files": None}), encoding="utf-8")
    else:
        stored.write_bytes(stored.read_bytes()[:100])
    run2, private2, snapshots2 = _folders(tmp_path / "second")
    again = cache.stage("chapter", "toy", "k1", snapshots2, lambda: _toy_chapter(run2, private2))
    assert again.cache == "miss"
    assert _tree(tmp_path / "second") == _tree(tmp_path / "first")  # computed, no half-restored file left
    assert not list((tmp_path / "second").rglob("*.from-cache"))


def test_entries_are_private_and_a_killed_write_leaves_no_entry(tmp_path):
    cache = StageCache(root=tmp_path / "cache", max_size=10**9)
    run, private, snapshots = _folders(tmp_path / "first")
    cache.stage("chapter", "toy", "k1", snapshots, lambda: _toy_chapter(run, private))
    entry = next((tmp_path / "cache" / "entries").iterdir())
    assert stat.S_IMODE(entry.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in entry.rglob("*") if p.is_file())
    # what a run killed while writing leaves behind: a folder in partial/ named with its (dead) pid
    leftover = tmp_path / "cache" / "partial" / "chapter-0123456789abcdef.999999999.0badc0de"
    (leftover / "files").mkdir(parents=True)
    assert [e["key"] for e in cache.list()] == ["k1"]
    cache.prune()
    assert not leftover.exists()


def test_least_recently_used_entries_are_evicted_beyond_the_limit(tmp_path):
    one_entry = 256 * 10 + 200  # the figure, the section and the private file of _toy_chapter, about
    cache = StageCache(root=tmp_path / "cache", max_size=10**9)
    for number, key in enumerate(["old", "used", "new"]):
        run, private, snapshots = _folders(tmp_path / key)
        cache.stage("chapter", "toy", key, snapshots,
                    lambda run=run, private=private, number=number: _toy_chapter(run, private, value=number))
        os.utime(tmp_path / "cache" / "entries" / f"chapter-{key}" / "meta.json", (1000 + number, 1000 + number))
    # "used" is read again: it becomes the most recently used
    run, private, snapshots = _folders(tmp_path / "reread")
    assert cache.stage("chapter", "toy", "used", snapshots, lambda: pytest.fail("computed")).cache == "hit"
    sizes = {e["key"]: e["bytes"] for e in cache.list()}
    assert all(size > one_entry // 2 for size in sizes.values())
    bounded = StageCache(root=tmp_path / "cache", max_size=sizes["used"] + sizes["new"])
    bounded.prune()
    assert sorted(e["key"] for e in bounded.list()) == ["new", "used"]
    assert bounded.size() <= bounded.max_size


def test_a_stage_larger_than_the_limit_is_not_stored(tmp_path):
    cache = StageCache(root=tmp_path / "cache", max_size=1000)
    run, private, snapshots = _folders(tmp_path / "first")
    cache.stage("chapter", "toy", "k1", snapshots, lambda: _toy_chapter(run, private))
    assert cache.list() == []


def test_cache_list_and_clear_commands(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    run, private, snapshots = _folders(tmp_path / "first")
    StageCache().stage("chapter", "toy", "a" * 64, snapshots, lambda: _toy_chapter(run, private))
    (tmp_path / "cache" / "mine.txt").write_text("not the kit's", encoding="utf-8")
    assert cli.main(["cache", "--list"]) == 0
    listed = capsys.readouterr().out
    assert f"stage cache {tmp_path / 'cache'}: 1 entries" in listed and "toy" in listed and "a" * 16 in listed
    assert cli.main(["cache", "--clear"]) == 0
    assert "removed 1 cached stage(s)" in capsys.readouterr().out
    assert StageCache().list() == []
    assert (tmp_path / "cache" / "mine.txt").exists()  # only the cache's own folders are removed
    with pytest.raises(SystemExit):
        cli.main(["cache"])  # --list or --clear is required


# the keys -----------------------------------------------------------------------------------------
def _keys(config, *, key: bytes | None = b"secret", digest: str = "0" * 64):
    material = config_material(config.to_json_dict(), {"data.path": digest})
    data = data_stage_key(material, input_sha256=digest, pseudonym=key_fingerprint(key), code="code")
    order = ["data", "pareto", "clv", "retention", "segments", "satisfaction", "case_study"]
    keys: dict[str, str] = {}
    for name in order:
        keys[name] = chapter_key(name, material, notebook_stem=name, data_key=data, code="code",
                                 settings_sections=chapter(name).settings_sections,
                                 required={r: "study" if r == "study" else keys.get(r)
                                           for r in cache_requirements(name)})
    return data, keys


def test_a_clv_setting_changes_clv_and_the_chapters_that_require_it_only(cdnow_sample_config):
    config = cdnow_sample_config
    data, keys = _keys(config)
    changed = config.model_copy(update={"clv": config.clv.model_copy(update={"horizon_periods": 26})})
    data2, keys2 = _keys(changed)
    assert data2 == data
    # the chapters that read CLV's results (registry: retention, segments, satisfaction, case study)
    assert {name for name in keys if keys[name] != keys2[name]} == {"clv", "retention", "segments", "satisfaction",
                                                                     "case_study"}


def test_data_settings_input_and_pseudonym_key_change_every_key(cdnow_sample_config):
    config = cdnow_sample_config
    data, keys = _keys(config)
    cleaning = config.model_copy(update={"cleaning": config.cleaning.model_copy(update={"merge_same_day": False})})
    for other in (_keys(cleaning), _keys(config, digest="1" * 64), _keys(config, key=b"another secret")):
        assert other[0] != data
        assert all(other[1][name] != keys[name] for name in keys)


def test_the_key_fingerprint_does_not_reveal_the_key():
    fingerprint = key_fingerprint(b"my-secret-key")
    assert fingerprint != key_fingerprint(b"my-secret-kez") and len(fingerprint) == 64
    assert "my-secret-key" not in fingerprint and b"my-secret-key".hex() not in fingerprint
    assert key_fingerprint(None) is None


def test_rendering_settings_do_not_change_chapter_keys(cdnow_sample_config):
    config = cdnow_sample_config
    _, keys = _keys(config)
    html_only = config.model_copy(update={"report": config.report.model_copy(update={"formats": ["html"]})})
    chinese = config.model_copy(update={"report": config.report.model_copy(update={"lang": "zh"})})
    assert _keys(html_only)[1] == keys
    assert all(_keys(chinese)[1][name] != keys[name] for name in keys)  # labels and captions change


def test_a_new_title_changes_no_chapter_key_but_through_the_study_section(cdnow_sample_config):
    """No notebook reads the title; the chapters that quote the study section (which holds it) key on
    that section's sha256 instead (``required["study"]``, the same here, so no key changes)."""
    config = cdnow_sample_config
    _, keys = _keys(config)
    assert _keys(config.model_copy(update={"title": "A retitled study"}))[1] == keys
    assert _keys(config.model_copy(update={"name": "another_name"}))[1] != keys  # the name is not exempt


def test_a_chapters_cache_requirements_come_from_the_registry():
    assert cache_requirements("clv") == ("data",)
    assert cache_requirements("segments") == ("data", "clv")
    assert set(cache_requirements("case_study")) == {"data", "pareto", "clv", "retention", "segments",
                                                      "satisfaction", "study"}


# end to end -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared_cache(cdnow_sample_run_cache):
    return cdnow_sample_run_cache


@pytest.fixture(scope="module")
def cold_run(cdnow_sample_run):
    """configs/cdnow_sample.yml run on an empty stage cache (shared_cache): the session's shared run
    (tests/conftest.py), which no other test file reruns against that cache."""
    return cdnow_sample_run


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def _cache_states(run: Path) -> dict[str, str]:
    manifest = _manifest(run)
    return {**{name: r["cache"] for name, r in manifest["chapters"].items()},
            **{f"stage:{name}": r["cache"] for name, r in manifest["stages"].items()}}


@pytest.mark.slow
def test_cold_run_misses_everywhere(cold_run):
    manifest = _manifest(cold_run)
    assert set(manifest["chapters"]) == {"data", "pareto", "clv", "retention", "segments", "satisfaction", "case_study"}
    assert set(_cache_states(cold_run).values()) == {"miss"}
    assert all(len(r["key"]) == 64 and r["seconds"] > 0 for r in manifest["chapters"].values())


@pytest.mark.slow
def test_unchanged_rerun_reuses_everything_byte_for_byte(cold_run, shared_cache, monkeypatch, tmp_path):
    from analysis.run.pipeline import run_study

    monkeypatch.setenv(CACHE_DIR_ENV, str(shared_cache))
    again = run_study(CONFIG, out_dir=tmp_path / "again", quiet=True)
    assert _cache_states(again) == {name: "hit" for name in _cache_states(again)}
    assert {n: r["key"] for n, r in _manifest(again)["chapters"].items()} == \
        {n: r["key"] for n, r in _manifest(cold_run)["chapters"].items()}
    for name in ("results.json", "report.html", "report.pdf", "report.qmd"):
        assert (again / name).read_bytes() == (cold_run / name).read_bytes(), name
    for folder in ("tables", "figures", "notebooks", "sections"):
        assert _tree(again / folder) == _tree(cold_run / folder), folder
    assert (again.parent / "again.private" / "quarantine.csv.gz").read_bytes() == \
        (cold_run.parent / f"{cold_run.name}.private" / "quarantine.csv.gz").read_bytes()


@pytest.mark.slow
def test_an_all_cached_rerun_imports_no_analysis_library(cold_run, shared_cache, tmp_path):
    """What makes an unchanged rerun fast: a fresh process that finds every stage cached copies the
    files and imports neither pandas, numpy, matplotlib nor the narrative modules."""
    import subprocess
    import sys

    out = tmp_path / "fresh"
    program = ("import sys; from analysis.cli import main; code = main(sys.argv[1:]); "
               "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'numpy', 'matplotlib', 'scipy', "
               "'statsmodels'}) + sorted(m for m in sys.modules if m.startswith('analysis.narrative'))); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", program, "run", str(CONFIG), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, CACHE_DIR_ENV: str(shared_cache)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert set(_cache_states(out).values()) == {"hit"}
    assert (out / "report.pdf").read_bytes() == (cold_run / "report.pdf").read_bytes()


@pytest.mark.slow
def test_a_new_title_renders_the_report_again(cold_run, shared_cache, monkeypatch, tmp_path, two_kernels):
    """A changed title is never served the cached report of the old one. Only the chapters that quote
    the study section (satisfaction, then case_study, which follows it) run again: one after the
    other, on one kernel, although two kernels are allowed."""
    from analysis.run.notebooks import StudyKernel
    from analysis.run.pipeline import run_study

    kernel_starts = []
    start = StudyKernel.start
    monkeypatch.setattr(StudyKernel, "start", lambda self, *a, **k: (kernel_starts.append(self), start(self, *a, **k)))
    monkeypatch.setenv(CACHE_DIR_ENV, str(shared_cache))
    retitled = run_study(CONFIG, out_dir=tmp_path / "retitled", quiet=True, overrides={"title": "A retitled study"})
    assert {name for name, state in _cache_states(retitled).items() if state == "miss"} == \
        {"satisfaction", "case_study", "stage:render"}
    assert len(kernel_starts) == 1
    assert "A retitled study" in (retitled / "report.qmd").read_text(encoding="utf-8")
    assert "A retitled study" not in (cold_run / "report.qmd").read_text(encoding="utf-8")


def test_the_reports_key_sees_the_manifest_but_its_timestamps_and_stage_records():
    """The report is rebuilt only on a miss, so its key must change with every manifest field the
    document may show (git state, versions, inputs, the run's date) and with none of those that
    differ between two runs of the same study (timestamps, stage records, the private folder's name)."""
    from analysis.run.manifest import document_manifest

    base = {"git": {"commit": "abc", "dirty": False}, "packages": {"pandas": "2.2"}, "inputs": {"log.csv": "0" * 64},
            "started": "2026-11-30T10:00:00+00:00", "finished": "2026-11-30T10:00:20+00:00",
            "chapters": {"clv": {"cache": "miss", "seconds": 3.0}}, "stages": {"data": {"cache": "miss"}},
            "outputs": [], "private_outputs": {"quarantine.csv.gz": "../a.private/quarantine.csv.gz"}}
    rerun = {**base, "started": "2026-11-30T18:00:00+00:00", "finished": "2026-11-30T18:00:02+00:00",
             "chapters": {"clv": {"cache": "hit", "seconds": 0.01}}, "stages": {"data": {"cache": "hit"}},
             "outputs": ["report.html"], "private_outputs": {"quarantine.csv.gz": "../b.private/quarantine.csv.gz"}}
    assert document_manifest(rerun) == document_manifest(base)
    for changed in ({"git": {"commit": "abd", "dirty": False}}, {"git": {"commit": "abc", "dirty": True}},
                    {"packages": {"pandas": "2.3"}}, {"inputs": {"log.csv": "1" * 64}},
                    {"started": "2026-12-01T10:00:00+00:00"}, {"python": "3.12.1"}):
        assert document_manifest({**base, **changed}) != document_manifest(base), changed


@pytest.mark.slow
def test_clv_change_reruns_clv_and_its_dependants_only(cold_run, shared_cache, monkeypatch, tmp_path, two_kernels):
    from analysis.run.pipeline import run_study

    monkeypatch.setenv(CACHE_DIR_ENV, str(shared_cache))
    changed = run_study(CONFIG, out_dir=tmp_path / "clv", quiet=True, overrides={"clv.horizon_periods": 26})
    states = _cache_states(changed)
    assert {name for name, state in states.items() if state == "miss"} == \
        {"clv", "retention", "segments", "satisfaction", "case_study", "stage:render"}
    assert states["data"] == states["pareto"] == states["stage:data"] == "hit"
    # the horizon reached the result: CLV was computed again, not restored
    results = json.loads((changed / "results.json").read_text())
    assert results["clv"] != json.loads((cold_run / "results.json").read_text())["clv"]
    assert load_config(CONFIG, {"clv.horizon_periods": 26}).clv.horizon_periods == 26


@pytest.mark.slow
def test_no_cache_and_a_changed_data_file(cold_run, shared_cache, monkeypatch, tmp_path):
    """Two short studies (the data chapter and the 80/20 chapter, HTML only) on the cache the cold run
    filled: with the same data they reuse its stages, with --no-cache they do not, and with one row
    less in the data file nothing is reused."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(shared_cache))
    raw = load_config(CONFIG).data.path
    short = tmp_path / "short.yml"
    text = CONFIG.read_text(encoding="utf-8").replace("data/raw/cdnow/CDNOW_sample.txt", str(raw))
    short.write_text(text + "  notebooks: [01_data, 02_pareto]\n  formats: [html]\n", encoding="utf-8")
    assert cli.main(["run", str(short), "--out", str(tmp_path / "same"), "--quiet"]) == 0
    # another config file (the study section names it) and HTML only: the chapters that do not read
    # the study section are reused, the report is rendered again
    assert _cache_states(tmp_path / "same") == {"data": "hit", "pareto": "hit", "stage:data": "hit",
                                                "stage:render": "miss"}
    assert cli.main(["run", str(short), "--out", str(tmp_path / "forced"), "--quiet", "--no-cache"]) == 0
    assert set(_cache_states(tmp_path / "forced").values()) == {"miss"}
    assert (tmp_path / "forced" / "results.json").read_bytes() == (tmp_path / "same" / "results.json").read_bytes()

    edited = tmp_path / "CDNOW_sample_edited.txt"
    edited.write_text("".join(raw.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    short.write_text(short.read_text(encoding="utf-8").replace(str(raw), str(edited)), encoding="utf-8")
    assert cli.main(["run", str(short), "--out", str(tmp_path / "edited"), "--quiet"]) == 0
    assert set(_cache_states(tmp_path / "edited").values()) == {"miss"}
    cleaning = json.loads((tmp_path / "edited" / "results.json").read_text())["cleaning"]
    assert cleaning["input_rows"] == 6919 - 1  # the published sample has 6,919 rows


def test_snapshot_skips_restore_temporaries_and_files_gone_before_they_are_hashed(tmp_path, monkeypatch):
    """A chapter restored from the cache beside a running one copies ``.<name>.from-cache`` files and
    renames them into place; a snapshot taken meanwhile must not fail on (or record) such a file.
    Seen in CI: FileNotFoundError on ``sections/.pareto.json.from-cache``."""
    import analysis.run.cache as cache_module

    run, _, snapshotter = _folders(tmp_path)
    (run / "sections" / "clv.json").write_text("{}")
    (run / "sections" / ".pareto.json.from-cache").write_text("{}")
    (run / "sections" / "segments.json").write_text("{}")
    real_sha = cache_module.sha256_of

    def vanishing(path, *args, **kwargs):
        if Path(path).name == "segments.json":  # renamed away after the listing
            raise FileNotFoundError(path)
        return real_sha(path, *args, **kwargs)

    monkeypatch.setattr(cache_module, "sha256_of", vanishing)
    assert sorted(snapshotter.take().files) == ["run/figures/index.json", "run/sections/clv.json",
                                                "run/sections/study.json"]
