"""Provenance of a run: what went in, which code and packages made it, how it was rendered."""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

from ..core.paths import PROJECT_ROOT
from .safety import kit_signature

KIT_DISTRIBUTION = "customer-analytics-kit"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file; of a folder of Parquet parts, the sha256 of its parts' names and digests."""
    path = Path(path)
    if path.is_dir():
        listing = "".join(f"{part.name}  {sha256_file(part)}\n" for part in sorted(path.glob("*.parquet")))
        return hashlib.sha256(listing.encode("utf-8")).hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Every distribution installed in this environment, name → version, sorted by name.

    Names are normalised as in PEP 503 (``Foo_Bar`` and ``foo-bar`` are one project); when the
    same project is found twice on the path (an editable install beside a copy), the first one on
    ``sys.path`` is the one Python imports, so that one is recorded.
    """
    versions: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        # an installed wheel's folder is <name>-<version>.dist-info: reading it is ~100x faster
        # than parsing every METADATA file (a third of a second with 300 packages)
        folder = getattr(distribution, "_path", None)
        named = _DIST_INFO.match(folder.name) if folder is not None else None
        if named:
            versions.setdefault(_normalise(named.group(1)), named.group(2))
            continue
        name = distribution.metadata["Name"]
        if not name:
            continue
        versions.setdefault(_normalise(name), distribution.version)
    return dict(sorted(versions.items()))


_DIST_INFO = re.compile(r"^([A-Za-z0-9._]+)-([^-]+)\.dist-info$")


def dependency_versions(environment: dict[str, str]) -> dict[str, str]:
    """The installed versions of the kit's own dependencies (from its package metadata, without
    optional extras): the short list the report shows. Without the kit's metadata (run from a
    source tree that was never installed), the whole environment."""
    try:
        requirements = importlib.metadata.requires(KIT_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return dict(environment)
    names = {_normalise(re.match(r"[A-Za-z0-9._-]+", r).group(0)) for r in requirements if ";" not in r}
    return {name: version for name, version in environment.items() if name in names}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def build_manifest(
    *,
    inputs: dict[str, Path],
    config: dict[str, Any],
    started: str,
    finished: str,
    renderer: str,
    renderer_version: str | None,
    outputs: list[str],
    private_outputs: dict[str, str] | None = None,
    chapters: dict[str, dict[str, Any]] | None = None,
    stages: dict[str, dict[str, Any]] | None = None,
    environment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The run's provenance: ``packages`` holds the kit's dependencies, ``environment`` every
    installed distribution, each with its version. Its ``kit`` field marks the folder as a run of this kit, which is
    what allows a later run to replace it (see :mod:`analysis.run.safety`).

    ``private_outputs`` maps a file kept beside the run folder (it holds raw customer ids) to its
    location relative to the run folder; only the location is recorded, never the content.

    ``chapters`` (by results section) and ``stages`` (``data``, ``render``) say how each stage went:
    ``{"cache": "hit" | "miss", "key": …, "seconds": …}`` (see :mod:`analysis.run.cache`).
    """
    environment = package_versions() if environment is None else environment
    return {
        **kit_signature(),
        "kit_version": _kit_version(),
        "inputs": {name: sha256_file(path) for name, path in inputs.items()},
        "input_paths": {name: str(path) for name, path in inputs.items()},
        "config": config,
        "packages": dependency_versions(environment),
        "environment": environment,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": git_state(),
        "started": started,
        "finished": finished,
        "renderer": renderer if renderer_version is None else f"{renderer} {renderer_version}",
        "outputs": outputs,
        "private_outputs": dict(sorted((private_outputs or {}).items())),
        "chapters": dict(chapters or {}),
        "stages": dict(stages or {}),
    }


def _kit_version() -> str | None:
    try:
        return importlib.metadata.version(KIT_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


# manifest fields that differ between two runs of the same study, or with the run folder's name
# (the document uses none of them)
VOLATILE_MANIFEST_KEYS = frozenset({"started", "finished", "outputs", "private_outputs", "chapters", "stages"})


def document_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The part of ``manifest`` the report may show, as the report's cache key sees it: every field but
    those that differ between two runs of the same study (:data:`VOLATILE_MANIFEST_KEYS`), and the
    run's date (the title page shows it)."""
    stable = {key: value for key, value in manifest.items() if key not in VOLATILE_MANIFEST_KEYS}
    stable["run_date"] = str(manifest.get("started", ""))[:10]
    return stable
