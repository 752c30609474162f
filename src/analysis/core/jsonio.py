"""Writing results as canonical JSON, so that the same run gives the same bytes."""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from pathlib import Path
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON types; NaN and inf become None."""
    # a value can only be a numpy or pandas object once that library is imported: a process that
    # writes plain JSON (an all-cached rerun) never pays for importing them here
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if np is not None and isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if pd is not None and isinstance(value, pd.Series):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, bool) or (np is not None and isinstance(value, np.bool_)):
        return bool(value)
    if isinstance(value, int) or (np is not None and isinstance(value, np.integer)):
        return int(value)
    if isinstance(value, float) or (np is not None and isinstance(value, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is None or (pd is not None and (value is pd.NA or value is pd.NaT)):
        return None
    if pd is not None and isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value if isinstance(value, str) else str(value)


def dumps(data: Any) -> str:
    return json.dumps(to_jsonable(data), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` at once (through a file beside it): notebooks running at the same
    time on two kernels read each other's sections, never half of one."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}-{threading.get_ident()}")
    try:
        partial.write_text(dumps(data), encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def index_file(folder: Path, chapter: str) -> Path:
    """A chapter's index of its figures (or tables) in ``folder``: one file per chapter, so that
    chapters running at the same time never rewrite the same file."""
    return folder / f"index-{chapter}.json"


def read_index(folder: Path) -> list[dict[str, Any]]:
    """The records of every chapter's index in ``folder``, chapter by chapter (by name), each
    chapter's in the order it saved them."""
    return [record for path in sorted(folder.glob("index-*.json")) for record in read_json(path)]
