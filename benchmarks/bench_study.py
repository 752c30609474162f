"""Whole studies, as a user runs them: ``python -m analysis run`` from start to exit, the kit against
the previous main (issue 14's reference: the commit before the chapter registry, kernel reuse and
cache), alternating runs in one sitting; then an unchanged rerun and a rerun after a change to
``clv:`` only (the stage cache), and the commands that must start fast (``--help``, ``validate``).

The reference is extracted with ``git archive`` into a temporary folder and run with its own source
on ``PYTHONPATH`` (its notebooks and data come with it). Cold runs of the kit get an empty cache.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import goal, progress

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# the main branch before issue 14's work (chapter registry, one kernel per study, stage cache)
REFERENCE_COMMIT = os.environ.get("BENCH_REFERENCE", "5268562")
STUDIES = {"cdnow_sample": 3.0, "cdnow": 2.5}  # config → issue 14's goal (reference / kit)
KEY = "5a" * 32


def _timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, check=False,
                          timeout=3600)
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return took


def _env(src: Path, cache: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(src), "ANALYSIS_PSEUDONYM_KEY": KEY}
    if cache is None:
        env["ANALYSIS_CACHE_MAX_SIZE"] = "0"
    else:
        env["ANALYSIS_CACHE_DIR"] = str(cache)
    return env


def _reference_tree(folder: Path) -> Path:
    archive = subprocess.run(["git", "archive", REFERENCE_COMMIT], cwd=ROOT, capture_output=True, check=True).stdout
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _rows_of_data(config: Path) -> int:
    import yaml

    path = ROOT / yaml.safe_load(config.read_text())["data"]["path"]
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


def run(sizes: list[int], repeats: int = 3) -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        reference = _reference_tree(tmp / "reference")
        for study, target in STUDIES.items():
            config = f"configs/{study}.yml"
            kit, ref = [], []
            for repeat in range(repeats):
                progress(f"study {study}: run {repeat + 1} of {repeats} (reference, then kit, cold cache)")
                ref.append(_timed(["-m", "analysis", "run", config, "--out", str(tmp / f"ref-{study}-{repeat}"),
                                   "--quiet"], _env(reference / "src", None), reference))
                kit.append(_timed(["-m", "analysis", "run", config, "--out", str(tmp / f"kit-{study}-{repeat}"),
                                   "--quiet"], _env(ROOT / "src", tmp / f"cache-{study}-{repeat}"), ROOT))
            kit_s, ref_s = statistics.median(kit), statistics.median(ref)
            n_rows = _rows_of_data(ROOT / config)
            rows.append({"benchmark": f"study {study}: python -m analysis run (cold)", "size": n_rows,
                         "unit": "transactions", "kit_s": kit_s, "reference": f"previous main ({REFERENCE_COMMIT})",
                         "reference_s": ref_s, "goal": goal(ref_s / kit_s, target, f"≥ {target}× the previous main"),
                         "note": f"kit runs {', '.join(f'{t:.1f}' for t in kit)} s; reference "
                                 f"{', '.join(f'{t:.1f}' for t in ref)} s"})
            # the stage cache: the last cold run's cache, an unchanged rerun and a clv-only change
            cache = tmp / f"cache-{study}-{repeats - 1}"
            reruns = [_timed(["-m", "analysis", "run", config, "--out", str(tmp / f"rerun-{study}-{i}"), "--quiet"],
                             _env(ROOT / "src", cache), ROOT) for i in range(repeats)]
            rerun_s = statistics.median(reruns)
            manifest = json.loads((tmp / f"rerun-{study}-0" / "manifest.json").read_text())
            hits = sum(r["cache"] == "hit" for r in manifest["chapters"].values())
            rows.append({"benchmark": f"study {study}: unchanged rerun", "size": n_rows, "unit": "transactions",
                         "kit_s": rerun_s, "reference": "the kit's cold run", "reference_s": kit_s,
                         "goal": goal(kit_s / rerun_s, 10, "≥ 10× faster than a cold run"),
                         "note": f"{hits} of {len(manifest['chapters'])} chapters from the cache"})
            changed = tmp / f"{study}-clv.yml"
            import yaml

            loaded = yaml.safe_load((ROOT / config).read_text())
            clv = loaded.setdefault("clv", {})
            clv["horizon_periods"] = 27 if clv.get("horizon_periods") == 26 else 26
            changed.write_text(yaml.safe_dump(loaded, allow_unicode=True), encoding="utf-8")
            clv_s = _timed(["-m", "analysis", "run", str(changed), "--out", str(tmp / f"clv-{study}"), "--quiet"],
                           _env(ROOT / "src", cache), ROOT)
            manifest = json.loads((tmp / f"clv-{study}" / "manifest.json").read_text())
            rerun = sorted(name for name, r in manifest["chapters"].items() if r["cache"] == "miss")
            rows.append({"benchmark": f"study {study}: rerun after a change to clv: only", "size": n_rows,
                         "unit": "transactions", "kit_s": clv_s, "reference": "the kit's cold run", "reference_s": kit_s,
                         "note": f"chapters computed again: {', '.join(rerun)}; the others from the cache"})
            for row in rows[-4:]:
                progress(f"  {json.dumps(row, ensure_ascii=False)}")
            for folder in tmp.glob(f"*-{study}-*"):
                shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else None

        env = _env(ROOT / "src", tmp / "cache-cli")
        helps = [_timed(["-m", "analysis", "--help"], env, ROOT) for _ in range(repeats)]
        rows.append({"benchmark": "python -m analysis --help", "size": 1, "unit": "command",
                     "kit_s": statistics.median(helps), "goal": "< 0.5 s: " + ("met" if statistics.median(helps) < 0.5
                                                                                else "MISSED")})
        floor, validate, check = [], [], []
        for _ in range(repeats):
            floor.append(_timed(["-c", "import duckdb, pandas"], env, ROOT))
            validate.append(_timed(["-m", "analysis", "validate", "configs/cdnow.yml"], env, ROOT))
            out = subprocess.run([sys.executable, "-c", CHECK_PROGRAM, "configs/cdnow.yml"], capture_output=True,
                                 text=True, env=env, cwd=ROOT, check=True).stdout
            check.append(json.loads(out.strip().splitlines()[-1])["inner_s"])
        bound = statistics.median(floor) + statistics.median(check)
        validate_s = statistics.median(validate)
        rows.append({"benchmark": "python -m analysis validate configs/cdnow.yml", "size": 69_659,
                     "unit": "transactions", "kit_s": validate_s,
                     "reference": "import duckdb, pandas + the data check", "reference_s": bound,
                     "goal": "≤ 1.5× the reference: " + ("met" if validate_s <= 1.5 * bound else "MISSED"),
                     "note": f"import duckdb, pandas {statistics.median(floor):.2f} s; data check in-process "
                             f"{statistics.median(check):.2f} s"})
    return rows


# the data check validate makes (load, clean, summary), timed inside one process
CHECK_PROGRAM = """
import json, sys, time
from analysis.core.config import load_config
from analysis.data.prepare import prepare_transactions
config = load_config(sys.argv[1])
began = time.perf_counter()
prepare_transactions(config)
print(json.dumps({"inner_s": time.perf_counter() - began}))
"""
