"""A study run, stage by stage: config → load → clean → summary → notebooks → results → report.

Everything is written into a temporary folder next to the target and moved into place only when
every stage has succeeded, so a failed run never leaves a half-written report behind.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..chapters import Chapter, chapter, chapter_of_notebook, plan_notebooks, registry
from ..core.config import StudyConfig, load_config, localised
from ..core.errors import ConfigError, NotEstimable, StudyError, not_estimable
from ..core.jsonio import index_file, read_json, to_jsonable, write_json
from ..core.paths import PACKAGE_DIR, REPORTS_DIR
from ..core.privacy import data_order, pseudonym_key, pseudonym_sql, pseudonymise, pseudonymise_in
from ..core.section import check_section
from ..report.engines import available_renderer, document_timestamp, render_document
from .cache import (
    STUDY_SECTION,
    Snapshotter,
    StageCache,
    StageResult,
    chapter_key,
    code_version,
    config_material,
    data_stage_key,
    key_fingerprint,
    key_of,
    render_key,
    sha256_of,
)
from .folder import Run
from .manifest import build_manifest, document_manifest, package_versions, sha256_file
from .notebooks import (
    StudyKernel,
    check_parameters,
    execute_notebook,
    import_statements,
    may_overlap,
    run_in_dependency_order,
)
from .safety import STAGING_MARKER, RunFolder

T = TypeVar("T")

# The data stages and the document are computed only on a cache miss, and what computes them
# (pandas, the narrative modules) is imported then: an all-cached rerun imports neither.


def load_transactions(data):  # the loader, imported when the data stage runs (tests replace it)
    from ..data.loading import load_transactions as load

    return load(data)

QUARANTINE = "quarantine.csv.gz"


class Progress:
    """One line per stage with the elapsed time, on stderr; silent when quiet."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.quiet, self.done = total, quiet, 0
        self.start = time.perf_counter()

    def stage(self, name: str, work: Callable[[], T]) -> T:
        self.done += 1
        number = self.done  # stages on two kernels overlap
        began = time.perf_counter()
        if not self.quiet:
            print(f"[{number}/{self.total}] {name} …", file=sys.stderr, flush=True)
        value = work()
        if not self.quiet:
            took, total = time.perf_counter() - began, time.perf_counter() - self.start
            how = "from the cache" if getattr(value, "cache", None) == "hit" else "done"
            print(f"[{number}/{self.total}] {name} {how} in {took:.1f}s ({total:.1f}s elapsed)",
                  file=sys.stderr, flush=True)
        return value

    def cached(self, names: list[str], seconds: float) -> None:
        """Stages restored from the cache: one line for all of them."""
        self.done += len(names)
        if not self.quiet:
            total = time.perf_counter() - self.start
            print(f"[{self.done}/{self.total}] {', '.join(names)}: from the cache in {seconds:.1f}s "
                  f"({total:.1f}s elapsed)", file=sys.stderr, flush=True)


def default_quiet() -> bool:
    return bool(os.environ.get("CI")) or not sys.stderr.isatty()


def runs_after(chapter_name: str) -> tuple[str, ...]:
    """The chapters whose notebooks must have finished before this chapter's notebook starts: those
    it requires or reads (registry); the others may run at the same time, on up to
    :func:`study_kernels` kernels."""
    entry = chapter(chapter_name)
    return entry.requires + tuple(c for c in entry.reads if c not in entry.requires)


# Above this many customers the chapters run one at a time unless ANALYSIS_KERNELS says otherwise:
# each kernel holds its own frames of the customers and its own DuckDB buffers. At 10^7
# transactions (950k customers) the two kernels together peaked at 2.9 GiB; at 10^8 (9.5M) the
# study peaked at 9.7 GiB, over the 6 GiB budget (issue 15).
SIDE_BY_SIDE_CUSTOMERS = 3_000_000


def study_kernels(customers: int | None = None) -> int:
    """How many notebook kernels a study may run at once: ``ANALYSIS_KERNELS``, else 2 (1 on a
    single core, or for more than :data:`SIDE_BY_SIDE_CUSTOMERS` customers). Chapters running side
    by side add up their memory; 1 runs one at a time."""
    default = 1 if customers is not None and customers > SIDE_BY_SIDE_CUSTOMERS else min(2, os.cpu_count() or 1)
    value = os.environ.get("ANALYSIS_KERNELS", str(default))
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"the environment variable ANALYSIS_KERNELS must be a whole number ≥ 1 (value: {value!r})")
    return int(value)


def _customer_count(staging: Path) -> int | None:
    """Rows of the customer summary the data stage wrote (or restored), from the Parquet footer."""
    path = staging / "tables" / "customers.parquet"
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    return pq.read_metadata(path).num_rows


def chapter_of(notebook: Path) -> str:
    """The results section a notebook writes: ``02_pareto`` → ``pareto``, ``03_clv_opportunity`` →
    ``clv`` (see :mod:`analysis.chapters`)."""
    return chapter_of_notebook(notebook.stem).name


def run_chapter(run: Run, notebook: Path, execute: Callable[[], None]) -> dict[str, Any]:
    """Run one chapter's notebook under the chapter contract and return its status record.

    A chapter that finishes is ``{"status": "ok"}``; one whose notebook raises
    :class:`~analysis.core.errors.NotEstimable` (the data cannot support it) is recorded as
    ``{"status": "not_estimable", "reason": ...}`` and the study goes on; so is a chapter whose
    required chapter was not estimable. Any other failure propagates: it is a bug. A chapter writes
    its own section and no other (checked here: a chapter that changed another's section is a bug),
    and its section as the registry declares it (:func:`analysis.core.section.check_section`).
    """
    entry = chapter_of_notebook(notebook.stem)
    chapter = entry.name
    sections = run.results
    for needed in entry.requires:
        if sections.get(needed, {}).get("status") == "not_estimable":
            record = not_estimable(f"requires {needed}")
            run.save_section(chapter, record)
            return record
    # sections that nothing may change while this chapter runs: those of the chapters it follows and
    # the data stages'; a chapter running side by side (on another kernel) writes its own meanwhile
    settled = _settled_sections(chapter)
    before = _section_fingerprints(run, settled)
    try:
        execute()
    except NotEstimable as exc:
        record = not_estimable(exc.reason)
        run.save_section(chapter, record)  # replaces whatever the chapter saved before it stopped
        return record
    finally:
        after = _section_fingerprints(run, settled)
        changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
        if changed:
            raise StudyError(f"notebook {notebook.name} (chapter {chapter}) wrote the section(s) {changed} of "
                             "other chapters; a chapter writes only its own section")
    if chapter in run.results:
        run.update_section(chapter, {"status": "ok"})
        check_section(chapter, entry.section_model(), run.results[chapter])
    return {"status": "ok"}


def check_sections(results: dict[str, Any]) -> None:
    """Every chapter's section in ``results`` against its declared model (those restored from the
    cache and those the pipeline writes itself, like the data section of a contractual table)."""
    for entry in registry():
        if entry.section is not None and entry.name in results:
            check_section(entry.name, entry.section_model(), results[entry.name])


def _settled_sections(chapter_name: str) -> Callable[[str], bool]:
    """Whether a section is settled while ``chapter_name`` runs: a section of no chapter (cleaning,
    study) or of a chapter it follows, directly or not."""
    followed, pending = set(), [chapter_name]
    while pending:
        for earlier in runs_after(pending.pop()):
            if earlier not in followed:
                followed.add(earlier)
                pending.append(earlier)
    chapter_names = {entry.name for entry in registry()}
    return lambda section: section in followed or section not in chapter_names


def _section_fingerprints(run: Run, settled: Callable[[str], bool]) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted((run.root / "sections").glob("*.json")) if settled(p.stem)}


def plan_chapters(config: StudyConfig, *, quiet: bool = True) -> list[tuple[Chapter, Path]]:
    """The chapters this study runs, in order, each with its notebook. A chapter asked for in
    ``report.notebooks`` brings the chapters it requires (said on stderr unless quiet)."""
    kind = config.data.kind
    planned, pulled = plan_notebooks(kind, config.report.notebooks)
    if pulled and not quiet:
        print(f"report.notebooks: also running {', '.join(pulled)}, required by the chapters asked for",
              file=sys.stderr, flush=True)
    paths = [(entry, entry.notebook(kind)) for entry in planned]
    for entry, path in paths:
        if not path.exists():
            raise ConfigError(f"chapter {entry.name}: its notebook {path} does not exist", file=path)
    unknown = sorted(set(config.notebook_parameters) - {path.stem for _, path in paths})
    if unknown:
        raise ConfigError(f"notebook_parameters names notebook(s) {unknown} that this run does not execute")
    return paths


def cache_requirements(chapter_name: str) -> tuple[str, ...]:
    """What a chapter's cached result depends on besides the data and its settings: the chapters it
    follows (their keys) and, for the chapters that quote the study's facts, the study section."""
    quotes_study = chapter_name in ("satisfaction", "case_study")
    return runs_after(chapter_name) + ((STUDY_SECTION,) if quotes_study else ())


def chapter_owns(chapter_name: str, run_root: Path) -> Callable[[str], bool]:
    """Whether a file a chapter's run changed is the chapter's (what its cache entry keeps); another
    chapter may be writing beside it on a second kernel. In ``figures/`` and ``tables/`` a chapter owns
    what its own indexes list (complete once it has finished) and the files it declares; elsewhere
    everything but the sections, notebooks and declared files of the other chapters. Asked once the
    chapter has finished (its indexes are read on the first question)."""
    entry = chapter(chapter_name)
    own: set[str] = set()

    def read_own() -> None:
        own.update(f"run/{path}" for path in entry.files)
        for kind in ("figures", "tables"):
            index = index_file(run_root / kind, chapter_name)
            own.add(f"run/{kind}/{index.name}")
            own.update(f"run/{record['path']}" for record in (read_json(index) if index.exists() else [])
                       if record.get("path"))

    foreign = set()
    for other in registry():
        if other.name != chapter_name:
            foreign.add(f"run/sections/{other.name}.json")
            foreign.update(f"run/notebooks/{stem}.ipynb" for stem in other.notebooks.values())
            foreign.update(f"run/{path}" for path in other.files)

    def owns(name: str) -> bool:
        if not own:
            read_own()
        if name in own:
            return True
        if name.startswith(("run/figures/", "run/tables/")):
            return False
        return name not in foreign

    return owns


def run_study(
    config_path: str | Path,
    *,
    out_dir: str | Path | None = None,
    quiet: bool | None = None,
    overrides: dict[str, Any] | None = None,
    use_cache: bool = True,
) -> Path:
    """Run a whole study and return the run folder.

    Each stage (the data stages, each chapter, the rendering) is restored from the stage cache when
    nothing it depends on changed (:mod:`analysis.run.cache`); ``use_cache=False`` recomputes
    every stage and replaces its cached entry.
    """
    started = dt.datetime.now(dt.UTC)
    quiet = default_quiet() if quiet is None else quiet
    config_path = Path(config_path)
    config = load_config(config_path, overrides)
    target = Path(out_dir) if out_dir else REPORTS_DIR / config.name
    # refuse a target the run must not replace before any work starts
    folder = RunFolder.prepare(target, protected={"the data file": config.data.path,
                                                  "the config file": config_path})
    planned = plan_chapters(config, quiet=quiet)
    notebooks = [path for _, path in planned]
    covariate_table = None
    if config.clv.covariates is not None:  # bad covariates stop the run here
        from ..clv.customer_covariates import read_covariate_table

        covariate_table = read_covariate_table(config, config_path)
    cache = StageCache(read=use_cache)
    packages = package_versions()
    code = code_version(PACKAGE_DIR, packages)
    for notebook in notebooks:  # a mistyped parameter stops the run before anything is written
        check_parameters(notebook, {"run_dir": "", **config.notebook_parameters.get(notebook.stem, {})})
    kernels = study_kernels()
    progress = Progress(total=3 + len(notebooks) + 1, quiet=quiet)

    staging = folder.staging
    private_files: dict[str, str] = {}
    kernel = StudyKernel()  # one kernel runs every notebook of the study (two when chapters may overlap)
    preload = import_statements(notebooks)
    try:
        folder.start()
        run = Run.create(staging, config)
        snapshots = Snapshotter({"run": staging, "private": folder.private_staging}, ignore={STAGING_MARKER})
        input_sha = sha256_file(config.data.path)
        # the secret key never enters the run folder (see analysis.core.privacy), nor the cache
        key = None if config.report.show_customer_ids else pseudonym_key()
        material = config_material(config.to_json_dict(), _input_digests(config, config_path, input_sha))
        data_key = data_stage_key(material, input_sha256=input_sha, pseudonym=key_fingerprint(key), code=code)
        chapters: dict[str, dict[str, Any]] = {}
        study = {
            "name": config.name,
            "title": localised(config.title, config.report.lang) or config.name,
            "kind": config.data.kind,
            "source": localised(config.data.source, config.report.lang),
            "input_file": config.data.path.name,
            "input_sha256": input_sha,
            "config_file": _display_path(config_path),
            "period": config.analysis.period,
            "calibration_end": config.analysis.calibration_end,
            "observation_end": config.analysis.observation_end,
            "lang": config.report.lang,
            "currency": config.report.currency,
            "title_page": {key: localised(getattr(config.report, key), config.report.lang)
                           for key in ("subtitle", "author", "organisation")},
        }
        data_stage = cache.begin("data", "data", data_key, snapshots)
        if data_stage.cache == "miss" and notebooks:
            # it boots and imports what the notebooks use while the data is prepared
            kernel.start(cwd=staging / "notebooks", preload=preload)
        if data_stage.cache == "hit":
            progress.cached(["load", "clean", "customer summary"], data_stage.seconds)
            study.update(data_stage.value)
        elif config.data.kind == "transactions":
            from ..clv.customer_covariates import attach_covariates
            from ..data.cleaning import clean_transactions
            from ..data.prepare import check_not_empty, summarize

            loaded = progress.stage("load", lambda: load_transactions(config.data))
            cleaning = progress.stage(
                "clean", lambda: clean_transactions(loaded, config.cleaning, config.analysis)
            )
            check_not_empty(cleaning, config)
            customers = progress.stage("customer summary", lambda: summarize(cleaning, config))
            # joined on the raw ids, which never reach the run folder
            customers = attach_covariates(customers, covariate_table, config, con=cleaning.con, log_table=cleaning.table)
            # raw customer ids: beside the run folder, never in it (see run_folder_safety)
            cleaning.write_quarantine(folder.private_staging / QUARANTINE)
            if config.report.show_customer_ids:
                cleaning.write_transactions(staging / "tables" / "transactions.parquet")
            else:
                cleaning.write_transactions(
                    staging / "tables" / "transactions.parquet", customer_id=pseudonym_sql(key)
                )
                customers["customer_id"] = pseudonymise_in(cleaning.con, customers["customer_id"], key)
            customers = data_order(customers)  # the analyses' tie-breaks and the published order
            run.save_data(customers, "customers")
            run.save_section("cleaning", cleaning.counts())
            study["observation_end"] = study["observation_end"] or customers["last_purchase"].max()
            # the notebooks read the tables just written; release DuckDB's buffers (up to its memory
            # limit) and the summary before they start, or this process holds them through the run
            del customers, loaded
            cleaning.con.close()
            del cleaning
            gc.collect()
        elif config.data.kind == "opportunity":
            from ..data.opportunity import describe_opportunities, load_opportunity_data

            table, counts = progress.stage("load", lambda: load_opportunity_data(config.data, config.analysis))
            progress.stage("clean", lambda: None)
            progress.stage("customer summary", lambda: None)
            if not config.report.show_customer_ids and "customer" in config.data.columns:
                table = table.assign(customer_id=pseudonymise(table["customer_id"], key))
            run.save_data(table.drop(columns="_row"), "opportunities")
            run.save_section("cleaning", counts)
            run.save_section("data", describe_opportunities(table, config.data))
            study["period"] = "opportunity"
        else:
            from ..data.describe import describe_contracts
            from ..data.loading import load_contracts

            contracts = progress.stage("load", lambda: load_contracts(config.data))
            progress.stage("clean", lambda: None)
            progress.stage("customer summary", lambda: None)
            if not config.report.show_customer_ids:
                contracts = contracts.assign(customer_id=pseudonymise(contracts["customer_id"], key))
            # the analyses see the same rows in the same order whatever the order of the input
            # file, the ids or the key
            contracts = data_order(contracts)
            run.save_data(contracts.drop(columns="_row"), "contracts")
            run.save_section("cleaning", {"input_rows": len(contracts), "kept_rows": len(contracts),
                                          "quarantined_rows": 0, "dropped": {}, "changed": {}})
            run.save_section("data", describe_contracts(contracts, config.data.covariates))
        # what the data decide about the study, restored with the data stage's files on a hit
        stages = {"data": cache.finish(data_stage, {"observation_end": to_jsonable(study["observation_end"]),
                                                    "period": study["period"]}).record()}
        # the quarantine holds raw customer ids: beside the run folder, never in it (see run_folder_safety)
        private_files = {p.name: folder.private_location(p.name) for p in sorted(folder.private_staging.iterdir())
                         if p.name != STAGING_MARKER}
        run.save_section("study", study)
        study_sha = sha256_of(staging / "sections" / "study.json")

        chapter_keys: dict[str, str] = {}
        for entry_, notebook in planned:  # in registry order: a chapter's requirements come first
            chapter_keys[entry_.name] = chapter_key(
                entry_.name, material, notebook_stem=notebook.stem, data_key=data_key,
                code=key_of([code, sha256_of(notebook)]), settings_sections=entry_.settings_sections,
                required={name: study_sha if name == STUDY_SECTION else chapter_keys.get(name)
                          for name in cache_requirements(entry_.name)},
            )
        # the notebooks whose chapters are not in the cache: only these need a kernel. A second
        # kernel (its start and imports cost about as much as a small chapter) is started only
        # when two of them may run at the same time; a restored chapter takes no kernel time
        to_execute = [n for n in notebooks if not cache.has("chapter", chapter_keys[chapter_of(n)])]
        all_cached = not to_execute
        if to_execute:  # (reading the count imports pyarrow, which an all-cached rerun does without)
            kernels = study_kernels(_customer_count(staging))  # one above SIDE_BY_SIDE_CUSTOMERS
        run_after = {entry.name: runs_after(entry.name) for entry, _ in planned}
        if not may_overlap(notebooks, run_after, chapter_of, among=to_execute):
            kernels = 1
        if not kernel.started and not all_cached:
            kernel.start(cwd=staging / "notebooks", preload=preload)

        def run_notebook(notebook: Path, on: StudyKernel) -> None:
            # the executed notebook lives in <run>/notebooks/ and names its run folder relative to
            # itself, so it still points at its own run folder once the staging folder is renamed
            parameters = {"run_dir": "..", **config.notebook_parameters.get(notebook.stem, {})}
            chapter = chapter_of(notebook)

            def execute() -> None:
                if not on.started:  # every chapter looked cached, but this entry could not be restored
                    on.start(cwd=staging / "notebooks", preload=preload)
                execute_notebook(notebook, staging / "notebooks" / notebook.name, parameters, progress=not quiet,
                                 cwd=staging / "notebooks", kernel=on)

            outcome = progress.stage(
                f"notebook {notebook.stem}",
                lambda: cache.stage(
                    "chapter", chapter, chapter_keys[chapter], snapshots, lambda: run_chapter(run, notebook, execute),
                    owns=chapter_owns(chapter, staging),
                ),
            )
            chapters[chapter] = outcome.record()
            record = outcome.value
            if record["status"] == "not_estimable" and not quiet:
                print(f"chapter {chapter} not estimable: {record['reason']}", file=sys.stderr, flush=True)

        run_in_dependency_order(notebooks, run_after, chapter_of, run_notebook, kernel, kernels=kernels,
                                preload=preload)
        kernel.release()  # its memory is free before the report is rendered (unless it is kept)
        chapters = {entry.name: chapters[entry.name] for entry, _ in planned if entry.name in chapters}

        results = run.results
        check_sections(results)
        write_json(staging / "results.json", results)

        renderer = available_renderer(config.report.renderer)
        renderer_version = _renderer_version(renderer)
        title = localised(config.title, config.report.lang) or f"Customer analytics: {config.name}"

        def manifest(outputs: list[str]) -> dict[str, Any]:
            return build_manifest(
                inputs={config.data.path.name: config.data.path, "config": config_path,
                        **({"survey": config.survey.path} if config.survey and config.survey.path else {})},
                config=config.to_json_dict(), started=started.isoformat(),
                finished=dt.datetime.now(dt.UTC).isoformat(), renderer=renderer,
                renderer_version=renderer_version, outputs=outputs, private_outputs=private_files,
                chapters=chapters, stages=stages, environment=packages,
            )

        write_json(staging / "manifest.json", manifest([]))

        def render_report() -> StageResult:
            # the document is a function of the run folder's files, the stable part of the manifest
            # (its timestamps but the run's date, and its stage records, change in every run), the
            # title and the language; it is built only when that key misses
            stable_manifest = document_manifest(read_json(staging / "manifest.json"))
            run_files = {name: digest for name, digest in snapshots.take().files.items()
                         if name.startswith("run/") and name != "run/manifest.json"}
            timestamp, fonts = document_timestamp(study["observation_end"]), _font_paths(config)
            entry = render_key(
                run_files=run_files, manifest=stable_manifest, title=title, lang=config.report.lang, renderer=renderer, renderer_version=renderer_version, formats=list(config.report.formats),
                fonts=fonts, timestamp=timestamp.isoformat(), code=code,
            )

            def build_and_render() -> dict[str, str]:
                from ..report.document import build_document

                source = build_document(staging, title=title, lang=config.report.lang)
                return {fmt: path.name for fmt, path in render_document(
                    source, formats=list(config.report.formats), renderer=renderer, timestamp=timestamp,
                    font_paths=fonts,
                ).items()}

            return cache.stage("render", "render", entry, snapshots, build_and_render)

        rendered = progress.stage("render", render_report)
        stages["render"] = rendered.record()
        write_json(staging / "manifest.json", manifest(sorted(rendered.value.values())))

        folder.publish()
    except BaseException:
        kernel.shutdown()
        folder.discard()
        raise
    try:
        cache.prune()
    except OSError:  # a cache that cannot be tidied never fails a run that succeeded
        pass
    return target


def _input_digests(config: StudyConfig, config_path: Path, input_sha: str) -> dict[str, str]:
    """sha256 of each input file by its dotted config key: the data, the survey, the covariate table."""
    from ..core.config import resolve_path

    digests = {"data.path": input_sha}
    if config.survey is not None and getattr(config.survey, "path", None) is not None:
        digests["survey.path"] = sha256_file(config.survey.path)
    covariates = config.clv.covariates
    if covariates is not None and covariates.path is not None:
        digests["clv.covariates.path"] = sha256_file(resolve_path(covariates.path, config_path.resolve().parent))
    return digests


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _renderer_version(renderer: str) -> str | None:
    if renderer == "pandoc":
        import pypandoc

        return pypandoc.get_pandoc_version()
    import subprocess

    try:
        return subprocess.run(["quarto", "--version"], capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None


def _font_paths(config: StudyConfig) -> list[str]:
    """The CJK font for every report: a Chinese report needs it, and an English one may quote Chinese
    data (a segment or product name), which Typst draws with it as a fallback."""
    from ..core.errors import StudyError
    from ..report.fonts import typst_font_paths

    if config.report.lang == "zh":
        return typst_font_paths()  # a missing font stops a Chinese report with its own message
    try:
        return typst_font_paths()
    except StudyError:
        return []
