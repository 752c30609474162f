"""Paths built from one project root."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/analysis


def _find_root() -> Path:
    for candidate in PACKAGE_DIR.parents:
        if (candidate / "pyproject.toml").exists() and (candidate / "notebooks").is_dir():
            return candidate
    return Path.cwd()


PROJECT_ROOT = _find_root()
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
CONFIGS_DIR = PROJECT_ROOT / "configs"
REPORTS_DIR = PROJECT_ROOT / "reports"
RAW_DATA_DIR = PROJECT_ROOT / "data" / "raw"
