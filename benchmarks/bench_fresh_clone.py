"""Fresh clone → ``make report``: what a new user waits for. The committed tree is cloned into a
temporary folder and ``make report`` builds the virtual environment (``.[dev]``) and runs the CDNOW
study there. pip's download cache is left as it is (a first-ever install also downloads about
300 MB). Also measured: the size of the new ``.venv``, how much ``make setup-spark`` adds, and
``make test`` in that clone after ``make setup-spark``, which is what CI runs (``.ci/run``) with the
shared datasets beside the clone, as CI has them. Skipped by ``--quick``.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from pathlib import Path

from harness import HERE, progress

REPOSITORY = HERE.parent


def _size_mib(folder: Path) -> float:
    return int(subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True,
                              check=True).stdout.split()[0]) / 1024


def run(sizes: list[int], repeats: int = 1) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench_fresh_clone_") as tmp:
        clone = Path(tmp) / "kit"
        subprocess.run(["git", "clone", "--quiet", str(REPOSITORY), str(clone)], check=True)
        progress("  fresh clone: make report (venv build, then the CDNOW study)")
        seconds = {}
        # `make report` would build the venv itself; `make setup` first only splits the time
        for target in ("setup", "report"):
            began = time.perf_counter()
            done = subprocess.run(["make", target], cwd=clone, capture_output=True, text=True, check=False)
            seconds[target] = time.perf_counter() - began
            if done.returncode != 0:
                raise RuntimeError(f"make {target} failed in a fresh clone: {done.stderr[-3000:]}")
        elapsed = seconds["setup"] + seconds["report"]
        venv_mib = _size_mib(clone / ".venv")
        progress("  fresh clone: make setup-spark (for the size of the Spark extra)")
        subprocess.run(["make", "setup-spark"], cwd=clone, check=True, capture_output=True)
        spark_mib = _size_mib(clone / ".venv")
        rows = [{"benchmark": "fresh clone → make report", "size": 1, "unit": "run", "kit_s": elapsed,
                 "goal": f"< 150 s: {'met' if elapsed < 150 else 'MISSED'}",
                 "note": f"one run: venv build {seconds['setup']:.0f} s + study {seconds['report']:.0f} s; "
                         f".venv {venv_mib:,.0f} MiB (.[dev]), {spark_mib:,.0f} MiB after make setup-spark"}]
        shared = REPOSITORY.parent / "shared"
        if not shared.is_dir():
            progress("  fresh clone: make test skipped (no ../shared beside the repository, which the tests read)")
            return rows
        (Path(tmp) / "shared").symlink_to(shared)
        progress("  fresh clone: make test (as CI runs it, Spark extra installed)")
        began = time.perf_counter()
        done = subprocess.run(["make", "test", "PYTEST_ARGS=-q -p no:cacheprovider"], cwd=clone,
                              capture_output=True, text=True, check=False)
        test_s = time.perf_counter() - began
        if done.returncode != 0:
            raise RuntimeError(f"make test failed in a fresh clone: {done.stdout[-3000:]}")
        summary = re.findall(r"^=*\s*(\d+ (?:passed|failed).*?)\s*=*$", done.stdout, flags=re.MULTILINE)
        rows.append({"benchmark": "fresh clone: make test (after make setup-spark, as CI)", "size": 1, "unit": "run",
                     "kit_s": test_s, "goal": f"< 300 s: {'met' if test_s < 300 else 'MISSED'}",
                     "note": f"one run: {summary[-1] if summary else 'no pytest summary line'}"})
    return rows
