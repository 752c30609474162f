"""Cached, incremental reruns: each stage of a study (the data stages, each chapter, the rendering)
is stored under a key of everything that decides what it writes, and a rerun restores it instead of
computing it again.

What a stage writes is found by comparing the run's staging folders before and after it runs: the
files it created or changed are copied into the cache (for a chapter, only its own: its section,
notebook, ``index-<chapter>.json`` files and the figures and tables they list, and the files it
declares; see ``analysis.run.pipeline.chapter_owns``). Restoring copies them back, so a run that
reuses every stage writes the same bytes a cold run writes.

A stage's key is the sha256 of a JSON document (:func:`key_of`) that the pipeline builds from
(see :mod:`analysis.run.pipeline`): the input file's sha256; the config sections that decide the data
(``data``, ``cleaning``, ``analysis``, ``engine``) with file paths replaced by their contents'
sha256; a fingerprint of the pseudonym key (HMAC-SHA256 of a fixed text under the key: it names the
key without revealing it, so tables pseudonymised under one key are never restored under another);
the chapter's own settings sections; the report language and the other report settings that are
not about rendering; the code (:func:`code_version`: every file of the kit's source tree, the
notebook, the installed packages' versions and Python's); and the keys of the chapters it requires.
The rendering's key is what the document is built from (every file of the run folder but the
manifest, the manifest's fields but its timestamps and stage records, the title and the language),
the renderer and the fonts: the document is built only on a miss, so a rerun that reuses
everything imports no pandas, numpy or narrative module.

Where the cache is (first match wins): ``$ANALYSIS_CACHE_DIR``; ``$XDG_CACHE_HOME/customer-analytics-kit``;
``~/.cache/customer-analytics-kit``. It is bounded by ``$ANALYSIS_CACHE_MAX_SIZE`` (bytes, or with a
``K``/``M``/``G`` suffix; default 2G): after each run the least recently used entries are removed
until it fits; ``0`` turns the cache off. An entry is written into ``partial/`` and renamed into
``entries/`` whole, so a killed run never leaves half an entry; an entry whose files are missing or
do not match their recorded sha256 is a miss (and is removed).

The cache never holds the pseudonym key. It does hold what a run writes: the pseudonymised tables,
and the quarantine file, whose rows carry the raw customer ids. Every folder of the cache is made
readable by its owner only (0700) and every file 0600.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import platform
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CACHE_DIR_ENV = "ANALYSIS_CACHE_DIR"
MAX_SIZE_ENV = "ANALYSIS_CACHE_MAX_SIZE"
DEFAULT_MAX_SIZE = 2 * 1024**3
# the layout and key format of an entry; a change orphans older entries (they are evicted in time)
FORMAT = 2  # 2: no shared index files (each chapter's index is a file of its own)
META = "meta.json"
TAG = "CACHEDIR.TAG"  # https://bford.info/cachedir/: backup tools skip the folder
TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
            "# the stage cache of customer-analytics-kit (python -m analysis cache --list)\n")
# files up to this size are hashed on every snapshot; larger ones once per (size, mtime, inode)
SMALL_FILE = 1 << 20


def default_cache_dir() -> Path:
    named = os.environ.get(CACHE_DIR_ENV)
    if named:
        return Path(named).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "customer-analytics-kit"


def max_cache_size() -> int:
    """The size limit in bytes from ``$ANALYSIS_CACHE_MAX_SIZE`` (``2G``, ``500M``, ``1048576``)."""
    from ..core.errors import ConfigError

    text = os.environ.get(MAX_SIZE_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_SIZE
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?", text, flags=re.IGNORECASE)
    if not match:
        raise ConfigError(f"{MAX_SIZE_ENV} must be a size such as 2G, 500M or 1048576", value=text)
    scale = 1024 ** " KMGT".index(match.group(2).upper() or " ")
    return int(float(match.group(1)) * scale)


# keys -----------------------------------------------------------------------------------------
def key_of(material: Any) -> str:
    """sha256 of the canonical JSON of ``material`` (sorted keys, no spacing choices)."""
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def key_fingerprint(key: bytes | None) -> str | None:
    """A name for the pseudonym key that does not reveal it: HMAC-SHA256(key, a fixed text)."""
    if key is None:
        return None
    return hmac.new(key, b"customer-analytics-kit stage cache", hashlib.sha256).hexdigest()


def code_version(source_root: Path, packages: Mapping[str, str], extra_files: Iterable[Path] = ()) -> str:
    """sha256 of the kit's code as it is on disk: every file under ``source_root`` except compiled
    bytecode (by relative path and content), ``extra_files`` (a notebook), the installed
    distributions' versions and the Python version. Any change to any of them changes every key.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(source_root).rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        digest.update(f"{path.relative_to(source_root).as_posix()}\0{sha256_of(path)}\n".encode())
    for path in extra_files:
        digest.update(f"{Path(path).name}\0{sha256_of(path)}\n".encode())
    digest.update(json.dumps(dict(sorted(packages.items())), sort_keys=True).encode())
    digest.update(platform.python_version().encode())
    return digest.hexdigest()


# a restored file is copied to ".<name>" + this suffix and renamed into place
RESTORE_SUFFIX = ".from-cache"


# what a stage wrote --------------------------------------------------------------------------
@dataclass
class Snapshot:
    """The files under a set of folders, relative name → sha256 (names are ``<root>/<path>``)."""

    files: dict[str, str]


class Snapshotter:
    """Snapshots of named folders; a large file is hashed again only when its size, modification
    time or inode changed (a Parquet table of millions of rows is not read twice per chapter)."""

    def __init__(self, roots: Mapping[str, Path], ignore: Iterable[str] = ()):
        self.roots = dict(roots)
        self.ignore = set(ignore)
        self._memo: dict[tuple[str, int, int, int], str] = {}

    def take(self) -> Snapshot:
        files: dict[str, str] = {}
        for label, root in self.roots.items():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                relative = path.relative_to(root).as_posix()
                if relative in self.ignore or _is_restore_temporary(path):
                    continue
                name = f"{label}/{relative}"
                try:
                    files[name] = self._hash(name, path)
                except FileNotFoundError:
                    # renamed or removed between the listing and the hash by a stage running beside
                    # this one (a cache restore renames its temporaries into place): not there now
                    continue
        return Snapshot(files=files)

    def _hash(self, name: str, path: Path) -> str:
        stat = path.stat()
        if stat.st_size <= SMALL_FILE:
            return sha256_of(path)
        memo_key = (name, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if memo_key not in self._memo:
            self._memo[memo_key] = sha256_of(path)
        return self._memo[memo_key]

    def path_of(self, name: str) -> Path:
        label, relative = name.split("/", 1)
        return self.roots[label] / relative


def _is_restore_temporary(path: Path) -> bool:
    """A file :meth:`StageCache.restore` is copying into place (``.<name>.from-cache``)."""
    return path.name.startswith(".") and path.name.endswith(RESTORE_SUFFIX)


@dataclass
class StageResult:
    """How one stage went: from the cache or computed, its key and its wall time."""

    cache: str  # "hit" | "miss"
    key: str
    seconds: float
    value: Any = None

    def record(self) -> dict[str, Any]:
        return {"cache": self.cache, "key": self.key, "seconds": round(self.seconds, 3)}


@dataclass
class Stage:
    """A stage between :meth:`StageCache.begin` and :meth:`StageCache.finish`."""

    kind: str
    name: str
    key: str
    snapshotter: Snapshotter
    began: float
    cache: str = "miss"
    value: Any = None
    seconds: float = 0.0
    before: Snapshot | None = None
    owns: Callable[[str], bool] | None = None


@dataclass
class StageCache:
    """The cache folder: ``entries/<kind>-<key>/`` with ``meta.json`` and ``files/``.

    ``read`` false (``run --no-cache``) recomputes every stage and replaces its entry; ``write``
    false leaves the cache untouched (``ANALYSIS_CACHE_MAX_SIZE=0``).
    """

    root: Path = field(default_factory=default_cache_dir)
    read: bool = True
    write: bool = True
    max_size: int = field(default_factory=max_cache_size)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        if self.max_size <= 0:
            self.read = self.write = False

    @property
    def entries(self) -> Path:
        return self.root / "entries"

    @property
    def partial(self) -> Path:
        return self.root / "partial"

    # one stage -------------------------------------------------------------------------------
    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is there to restore (it may still turn out damaged: a miss then)."""
        return self.read and (self._entry(kind, key) / META).exists()

    def begin(self, kind: str, name: str, key: str, snapshotter: Snapshotter,
              owns: Callable[[str], bool] | None = None) -> Stage:
        """Restore stage ``name`` from the entry under ``key`` (``stage.cache == "hit"``, its value in
        ``stage.value``), or note the folders' state so that :meth:`finish` can store what the stage
        then writes."""
        stage = Stage(kind=kind, name=name, key=key, snapshotter=snapshotter, began=time.perf_counter(), owns=owns)
        if self.read:
            restored = self.restore(kind, key, snapshotter)
            if restored is not None:
                stage.cache, stage.value = "hit", restored["value"]
                stage.seconds = time.perf_counter() - stage.began
                return stage
        stage.before = snapshotter.take()
        return stage

    def finish(self, stage: Stage, value: Any = None) -> StageResult:
        """After a miss: store what the stage wrote and ``value`` (JSON) under its key."""
        result = StageResult(stage.cache, stage.key, time.perf_counter() - stage.began, value)
        if stage.cache == "hit":
            return StageResult("hit", stage.key, stage.seconds, stage.value)
        if self.write:
            after = stage.snapshotter.take()
            self.store(stage.kind, stage.name, stage.key, stage.snapshotter, stage.before, after, value,
                       owns=stage.owns)
        return result

    def stage(self, kind: str, name: str, key: str, snapshotter: Snapshotter, compute: Callable[[], Any],
              owns: Callable[[str], bool] | None = None) -> StageResult:
        """:meth:`begin`, and on a miss ``compute()`` (it returns the stage's JSON value) and :meth:`finish`.
        ``owns``: which changed files are the stage's, when another stage runs beside it."""
        begun = self.begin(kind, name, key, snapshotter, owns)
        if begun.cache == "hit":
            return self.finish(begun)
        return self.finish(begun, compute())

    def _entry(self, kind: str, key: str) -> Path:
        return self.entries / f"{kind}-{key}"

    def restore(self, kind: str, key: str, snapshotter: Snapshotter) -> dict[str, Any] | None:
        """Copy an entry's files into the staging folders; None (a miss) when there is no entry,
        it is damaged, or the folders are not in the state the stage started from."""
        entry = self._entry(kind, key)
        try:
            meta = json.loads((entry / META).read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT or meta.get("key") != key or meta.get("kind") != kind:
                raise ValueError("another format or key")
            files, numbers = dict(meta["files"]), dict(meta["numbers"])
            preconditions, removed = dict(meta["preconditions"]), list(meta["removed"])
        except (OSError, ValueError, KeyError, TypeError):
            if entry.exists():
                self._remove(entry)
            return None
        current = snapshotter.take()
        # the folders must hold what they held when the stage ran, in every file it wrote or removed
        # (absent: None): a stage that changed another stage's file is valid only on that file
        for name, digest in preconditions.items():
            if current.files.get(name) != digest:
                return None
        placed: list[tuple[Path, Path]] = []
        try:
            for name, expected in sorted(files.items()):
                target = snapshotter.path_of(name)
                partial = target.with_name(f".{target.name}{RESTORE_SUFFIX}")
                target.parent.mkdir(parents=True, exist_ok=True)
                placed.append((partial, target))
                if _copy_checked(entry / "files" / str(numbers[name]), partial) != expected:
                    raise ValueError(f"{name} does not match its sha256")
        except (OSError, ValueError, KeyError, TypeError):
            for partial, _ in placed:
                partial.unlink(missing_ok=True)
            self._remove(entry)
            return None
        for partial, target in placed:
            os.replace(partial, target)
        for name in removed:
            snapshotter.path_of(name).unlink(missing_ok=True)
        os.utime(entry / META)  # least recently used is evicted first
        return meta

    def store(
        self, kind: str, name: str, key: str, snapshotter: Snapshotter, before: Snapshot, after: Snapshot,
        value: Any, owns: Callable[[str], bool] | None = None,
    ) -> bool:
        """Write what the stage changed as a new entry; False when it cannot be cached."""
        mine = owns or (lambda name: True)
        changed = sorted(n for n, digest in after.files.items() if before.files.get(n) != digest and mine(n))
        removed = sorted(n for n in set(before.files) - set(after.files) if mine(n))
        size = sum(snapshotter.path_of(n).stat().st_size for n in changed)
        if size > self.max_size:
            return False
        meta = {
            "format": FORMAT, "kind": kind, "name": name, "key": key, "value": value,
            "files": {n: after.files[n] for n in changed},
            "numbers": {n: number for number, n in enumerate(changed)},
            "preconditions": {n: before.files.get(n) for n in [*changed, *removed]},
            "removed": removed, "bytes": size,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        building = self.partial / f"{kind}-{key[:16]}.{os.getpid()}.{secrets.token_hex(4)}"
        try:
            self._prepare_root()
            _private_dir(building)
            _private_dir(building / "files")
            for n in changed:
                copied = _copy_checked(snapshotter.path_of(n), building / "files" / str(meta["numbers"][n]))
                if copied != after.files[n]:  # changed since the snapshot: not what the stage wrote
                    raise ValueError(n)
            _write_private(building / META, json.dumps(meta, sort_keys=True, indent=1) + "\n")
            self._publish(building, self._entry(kind, key))
        except (OSError, ValueError):
            shutil.rmtree(building, ignore_errors=True)
            return False
        return True

    def _publish(self, building: Path, target: Path) -> None:
        if target.exists():  # run --no-cache, or a damaged entry: the fresh one replaces it
            self._remove(target)
        os.rename(building, target)

    def _prepare_root(self) -> None:
        for folder in (self.root, self.entries, self.partial):
            _private_dir(folder)
        tag = self.root / TAG
        if not tag.exists():
            _write_private(tag, TAG_TEXT)

    def _remove(self, entry: Path) -> None:
        """Rename an entry out of ``entries/`` first, so nobody reads it half deleted."""
        self.partial.mkdir(parents=True, exist_ok=True)
        doomed = self.partial / f"removed-{entry.name}.{os.getpid()}.{secrets.token_hex(4)}"
        try:
            os.rename(entry, doomed)
        except OSError:
            return
        shutil.rmtree(doomed, ignore_errors=True)

    def list(self) -> list[dict[str, Any]]:
        """Every entry, most recently used first: kind, name, key, bytes, last_used."""
        listed = []
        if not self.entries.is_dir():
            return listed
        for entry in self.entries.iterdir():
            try:
                meta = json.loads((entry / META).read_text(encoding="utf-8"))
                used = (entry / META).stat().st_mtime
            except (OSError, ValueError):
                continue
            listed.append({"kind": meta.get("kind"), "name": meta.get("name"), "key": meta.get("key"),
                           "bytes": _folder_size(entry), "last_used": used, "path": entry})
        return sorted(listed, key=lambda e: -e["last_used"])

    def size(self) -> int:
        return sum(e["bytes"] for e in self.list())

    def prune(self) -> list[Path]:
        """Remove the least recently used entries until the cache fits its limit, and what killed
        runs left in ``partial/`` (by processes that no longer exist); return what was removed."""
        removed = []
        if self.partial.is_dir():
            for leftover in self.partial.iterdir():
                match = re.search(r"\.(\d+)\.[0-9a-f]{8}$", leftover.name)
                if match and not _pid_alive(int(match.group(1))):
                    shutil.rmtree(leftover, ignore_errors=True)
        entries = self.list()
        total = sum(e["bytes"] for e in entries)
        for entry in reversed(entries):  # oldest first
            if total <= self.max_size:
                break
            self._remove(entry["path"])
            total -= entry["bytes"]
            removed.append(entry["path"])
        return removed

    def clear(self) -> int:
        """Remove every entry (only the cache's own folders); return how many there were."""
        count = len(list(self.entries.iterdir())) if self.entries.is_dir() else 0
        for folder in (self.entries, self.partial):
            if folder.is_dir():
                shutil.rmtree(folder)
        return count


def _copy_checked(source: Path, target: Path, chunk: int = 1 << 20) -> str:
    """Copy ``source`` to a new file ``target`` (mode 0600) and return the sha256 of what was copied."""
    digest = hashlib.sha256()
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(source, "rb") as reader, os.fdopen(descriptor, "wb") as writer:
        while block := reader.read(chunk):
            digest.update(block)
            writer.write(block)
    return digest.hexdigest()


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# the keys of a study's stages -------------------------------------------------------------------
# the section the pipeline writes (name, title, input file, config file, window); the chapters that
# quote it list it among their cache requirements (analysis.run.pipeline.cache_requirements)
STUDY_SECTION = "study"
# config sections that decide the data stages; report keys that only decide the rendering
DATA_SECTIONS = ("data", "cleaning", "analysis", "engine")
RENDER_ONLY_REPORT_KEYS = ("formats", "renderer", "notebooks")
# top-level config keys no notebook reads: the title reaches the chapters only through the study
# section, whose sha256 is in the keys of the chapters that quote it (pipeline.cache_requirements)
STUDY_SECTION_ONLY_KEYS = ("title",)


def config_material(config: dict[str, Any], file_digests: Mapping[str, str]) -> dict[str, Any]:
    """The resolved config as JSON with each input file's path replaced by its sha256
    (``file_digests`` maps a dotted key such as ``data.path`` to the digest): a moved file is the
    same input, an edited one another."""
    material = json.loads(json.dumps(config, default=str))
    for dotted, digest in file_digests.items():
        node = material
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.get(part) or {}
        if leaf in node:
            node[leaf] = {"sha256": digest}
    return material


def data_stage_key(material: dict[str, Any], *, input_sha256: str, pseudonym: str | None, code: str) -> str:
    """Load, clean, summarise: the input, the data settings, the covariate table joined to the
    summary (``clv.covariates``), whether and under which key ids are pseudonymised."""
    return key_of({
        "format": FORMAT, "stage": "data", "input": input_sha256, "code": code, "pseudonym": pseudonym,
        "sections": {s: material.get(s) for s in DATA_SECTIONS},
        "covariates": (material.get("clv") or {}).get("covariates"),
        "show_customer_ids": material["report"].get("show_customer_ids"),
    })


def chapter_key(
    name: str, material: dict[str, Any], *, notebook_stem: str, data_key: str, code: str,
    required: Mapping[str, str | None], settings_sections: tuple[str, ...],
) -> str:
    """One chapter: the data stage's key, the config less other chapters' own sections, the
    rendering-only report settings and the title, its own sections, its notebook's parameters, and the keys of
    the chapters it requires (None for one this run does not execute; the study section's sha256
    for ``"study"``)."""
    from ..chapters import registry

    others = {section for entry in registry() for section in entry.settings_sections}
    own = settings_sections
    shared = {k: v for k, v in material.items()
              if k not in others and k not in ("report", "notebook_parameters", *STUDY_SECTION_ONLY_KEYS)}
    report = {k: v for k, v in material["report"].items() if k not in RENDER_ONLY_REPORT_KEYS}
    return key_of({
        "format": FORMAT, "stage": "chapter", "chapter": name, "notebook": notebook_stem, "code": code,
        "data": data_key, "shared": shared, "report": report,
        "own": {s: material.get(s) for s in own},
        "parameters": material.get("notebook_parameters", {}).get(notebook_stem, {}),
        "required": dict(sorted(required.items())),
    })


def render_key(*, run_files: Mapping[str, str], manifest: Mapping[str, Any], title: str, lang: str, renderer: str,
               renderer_version: str | None, formats: list[str], fonts: list[str], timestamp: str,
               code: str) -> str:
    """Rendering: what the document is built from (the run folder's files by sha256, the stable part
    of the manifest, the title and the language), the renderer and its version, the fonts (path,
    size, modification time) and the date written into the PDF. The document itself is built only
    on a miss, so an all-cached rerun never imports the narrative modules."""
    font_files = []
    for font in fonts:
        for path in sorted(Path(font).rglob("*")) if Path(font).is_dir() else [Path(font)]:
            if path.is_file():
                stat = path.stat()
                font_files.append([str(path), stat.st_size, stat.st_mtime_ns])
    return key_of({
        "format": FORMAT, "stage": "render", "run_files": dict(sorted(run_files.items())), "manifest": manifest,
        "title": title, "lang": lang, "renderer": renderer, "renderer_version": renderer_version,
        "formats": sorted(formats), "fonts": font_files, "timestamp": timestamp, "code": code,
    })
