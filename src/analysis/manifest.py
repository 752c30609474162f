"""Provenance of a run: what went in, which code and packages made it, how it was rendered."""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import Any

from .project import PROJECT_ROOT

PACKAGES = (
    "numpy", "pandas", "scipy", "statsmodels", "duckdb", "pyarrow", "matplotlib", "seaborn",
    "papermill", "pydantic", "typst", "pypandoc-binary", "powerlaw",
)


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
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


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
) -> dict[str, Any]:
    return {
        "inputs": {name: sha256_file(path) for name, path in inputs.items()},
        "input_paths": {name: str(path) for name, path in inputs.items()},
        "config": config,
        "packages": package_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": git_state(),
        "started": started,
        "finished": finished,
        "renderer": renderer if renderer_version is None else f"{renderer} {renderer_version}",
        "outputs": outputs,
    }
