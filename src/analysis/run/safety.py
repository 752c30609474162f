"""Where a run may write, and how it replaces a previous run without ever destroying a user's files.

A run folder is recognised by its ``manifest.json`` carrying the kit's signature
(``{"kit": "customer-analytics-kit", ...}``). ``--out`` may name a new path, an empty folder, or a
previous run folder of the kit; anything else is refused with exit code 2 before any work starts:
an existing file, a non-empty folder that is not a run folder, the working folder, the folder of
the data file or of the config (or a parent of any of them), and anything under ``data/raw``.

A run writes into staging folders beside the target, ``.NAME.partial-PID`` for the run folder and
``.NAME.private.partial-PID`` for the files that hold raw customer ids (the quarantine). Each
staging folder gets a marker file first, so that the kit only ever deletes folders it made. On
success the previous run is renamed aside (``.NAME.replaced-PID``), the new one renamed into place,
and only then the old one deleted. On failure the staging folders and any parent folders the run
created are removed. Staging folders of processes that no longer exist (killed with ``kill -9``)
are removed at the next run to the same target.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import ConfigError
from ..core.paths import RAW_DATA_DIR

KIT_SIGNATURE = "customer-analytics-kit"
RUN_MARKER = "manifest.json"  # written by the pipeline with {"kit": KIT_SIGNATURE}
PRIVATE_MARKER = "private.json"
STAGING_MARKER = ".kit-staging.json"
PRIVATE_SUFFIX = ".private"


def kit_signature() -> dict[str, str]:
    """The fields that mark a folder as the kit's (merged into manifest.json and the other markers)."""
    return {"kit": KIT_SIGNATURE}


def _has_signature(path: Path) -> bool:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(content, dict) and content.get("kit") == KIT_SIGNATURE


def is_run_folder(folder: Path) -> bool:
    """A real folder (not a link) holding a ``manifest.json`` with the kit's signature."""
    return folder.is_dir() and not folder.is_symlink() and _has_signature(folder / RUN_MARKER)


def is_private_folder(folder: Path) -> bool:
    return folder.is_dir() and not folder.is_symlink() and _has_signature(folder / PRIVATE_MARKER)


def _is_staging_folder(folder: Path) -> bool:
    return folder.is_dir() and not folder.is_symlink() and (
        _has_signature(folder / STAGING_MARKER) or _has_signature(folder / RUN_MARKER)
        or _has_signature(folder / PRIVATE_MARKER)
    )


def _is_empty_folder(folder: Path) -> bool:
    return folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir())


def _absolute(path: Path) -> Path:
    """The absolute path with ``..`` and links of its parent resolved, but not the last component
    (so that a link named by ``--out`` is seen as a link)."""
    path = Path(os.path.abspath(path))
    return path.parent.resolve() / path.name


def _is_same_or_ancestor(candidate: Path, of: Path) -> bool:
    return candidate == of or candidate in of.parents


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _check_slot(path: Path, what: str, *, is_kits: Callable[[Path], bool]) -> None:
    if path.is_symlink():
        raise ConfigError(f"{what} is a symbolic link; name the real folder instead", file=path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{what} is an existing file, not a folder; --out names the run folder "
                          "to create (a new path, an empty folder or a previous run)", file=path)
    if path.is_dir() and not _is_empty_folder(path) and not is_kits(path):
        raise ConfigError(
            f"{what} is a folder that is not empty and is not a run folder of this kit (it has no "
            f"{RUN_MARKER if is_kits is is_run_folder else PRIVATE_MARKER} with \"kit\": "
            f"\"{KIT_SIGNATURE}\"); nothing was written. Choose a new folder, or move its "
            "contents away yourself", file=path,
        )


def check_out_path(target: Path, *, protected: dict[str, Path]) -> None:
    """Refuse, with :class:`ConfigError` (exit 2), a target the run must not replace.

    ``protected`` maps a description ("the data file", "the config file") to a path: the target
    may be neither the folder holding it nor any parent of that folder.
    """
    target = _absolute(Path(target))
    private = private_folder_for(target)
    cwd = Path.cwd().resolve()
    if _is_same_or_ancestor(target, cwd):
        raise ConfigError("is the working folder or a parent of it; a run replaces its target "
                          "folder, so name a new folder such as reports/NAME", file=target)
    raw = RAW_DATA_DIR.resolve()
    if _is_same_or_ancestor(target, raw) or raw in target.parents:
        raise ConfigError(f"is in or above {raw}, where the raw data is kept unchanged; name a "
                          "folder elsewhere, such as reports/NAME", file=target)
    for description, path in protected.items():
        path = Path(path).resolve()
        holder = path if path.is_dir() else path.parent
        for slot in (target, private):
            if _is_same_or_ancestor(slot, holder):
                raise ConfigError(f"is the folder that holds {description} ({path}) or a parent of "
                                  "it; a run replaces its target folder, so name a new folder",
                                  file=slot)
    _check_slot(target, "--out", is_kits=is_run_folder)
    _check_slot(private, "the folder for private files beside the run folder",
                is_kits=is_private_folder)
    existing = next((p for p in [target.parent, *target.parent.parents] if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise ConfigError("cannot hold a run folder: a part of the path is a file", file=existing)
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError("cannot be written (no permission)", file=existing)


def private_folder_for(target: Path) -> Path:
    """The folder beside a run folder for files that must not be published (raw customer ids)."""
    return target.with_name(target.name + PRIVATE_SUFFIX)


_STALE_NAME = r"^\.{name}(?:{private})?\.(?:partial|replaced)-(\d+)$"


def remove_stale_staging(target: Path) -> list[Path]:
    """Remove the staging and set-aside folders of dead runs to ``target``; return what was removed.

    Only folders named as the kit names them next to ``target``, whose process no longer exists,
    and that carry one of the kit's markers (or are empty) are removed.
    """
    parent = target.parent
    if not parent.is_dir():
        return []
    pattern = re.compile(_STALE_NAME.format(name=re.escape(target.name),
                                            private=re.escape(PRIVATE_SUFFIX)))
    removed = []
    for candidate in sorted(parent.iterdir()):
        match = pattern.match(candidate.name)
        if not match or _pid_alive(int(match.group(1))):
            continue
        if _is_empty_folder(candidate):  # killed between creating it and writing its marker
            candidate.rmdir()
        elif _is_staging_folder(candidate):
            shutil.rmtree(candidate, ignore_errors=True)
        else:
            continue
        removed.append(candidate)
    return removed


@dataclass
class RunFolder:
    """The target of one run, its staging folders, and the folders this run created.

    ``prepare`` checks the target (before any work); ``start`` creates the staging folders;
    ``publish`` moves them into place; ``discard`` removes everything this run created.
    """

    target: Path
    staging: Path = field(init=False)
    private_staging: Path = field(init=False)
    created_parents: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.target = _absolute(Path(self.target))
        pid = os.getpid()
        self.staging = self.target.parent / f".{self.target.name}.partial-{pid}"
        self.private_staging = self.target.parent / f".{self.target.name}{PRIVATE_SUFFIX}.partial-{pid}"

    @property
    def private(self) -> Path:
        return private_folder_for(self.target)

    @classmethod
    def prepare(cls, target: str | Path, *, protected: dict[str, Path]) -> RunFolder:
        check_out_path(Path(target), protected=protected)
        return cls(Path(target))

    def start(self) -> None:
        missing = [p for p in [self.target.parent, *self.target.parent.parents] if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            self.created_parents.append(folder)
        remove_stale_staging(self.target)
        for folder in (self.staging, self.private_staging):
            if _is_staging_folder(folder):  # this process's own, from an earlier run in it
                shutil.rmtree(folder)
            folder.mkdir()
            (folder / STAGING_MARKER).write_text(
                json.dumps({**kit_signature(), "pid": os.getpid(), "target": str(self.target)}) + "\n",
                encoding="utf-8",
            )

    def private_location(self, name: str) -> str:
        """Where a private file will be, relative to the run folder (for the manifest)."""
        return f"../{self.private.name}/{name}"

    def publish(self) -> Path:
        """Move the private files, then the run folder, into place; return the run folder."""
        has_private = any(p.name != STAGING_MARKER for p in self.private_staging.iterdir())
        if has_private:
            (self.private_staging / PRIVATE_MARKER).write_text(json.dumps(
                {**kit_signature(), "run_folder": self.target.name,
                 "note": "files that hold raw customer ids, for your own audit; do not publish"},
                indent=2) + "\n", encoding="utf-8")
            _replace(self.private_staging, self.private, is_kits=is_private_folder)
        else:
            shutil.rmtree(self.private_staging)
            # a previous run's quarantine does not belong to the run that replaces it
            if is_private_folder(self.private):
                shutil.rmtree(self.private)
        if not is_run_folder(self.staging):
            raise RuntimeError(f"{self.staging} has no {RUN_MARKER} with the kit's signature")
        _replace(self.staging, self.target, is_kits=is_run_folder)
        self.created_parents.clear()
        return self.target

    def discard(self) -> None:
        """Remove the staging folders and the parent folders this run created (if still empty)."""
        for folder in (self.staging, self.private_staging):
            if _is_staging_folder(folder):
                shutil.rmtree(folder, ignore_errors=True)
        for folder in reversed(self.created_parents):
            try:
                folder.rmdir()
            except OSError:  # no longer empty: someone else put something there
                break
        self.created_parents.clear()


def _replace(staging: Path, target: Path, *, is_kits: Callable[[Path], bool]) -> None:
    """Rename ``staging`` to ``target``; a previous kit folder there is renamed aside first and
    deleted only once the new one is in place. Anything else at ``target`` stops the move."""
    aside = None
    if target.is_symlink() or (target.exists() and not (_is_empty_folder(target) or is_kits(target))):
        # checked before the run started; something was put there while it ran
        raise ConfigError("appeared while the run was working and is not a run folder of this kit; "
                          "the run was not moved into place", file=target)
    (staging / STAGING_MARKER).unlink(missing_ok=True)
    if _is_empty_folder(target):
        target.rmdir()
    elif target.exists():
        aside = target.with_name(f".{target.name}.replaced-{os.getpid()}")
        target.rename(aside)
    try:
        staging.rename(target)
    except BaseException:
        if aside is not None:
            aside.rename(target)
        raise
    if aside is not None:
        shutil.rmtree(aside)
