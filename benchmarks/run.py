"""Run the benchmarks and write benchmarks/results.md (``make bench``; ``make bench BENCH_ARGS=--quick``).

A plain run measures every goal (the whole-process benchmarks at 10^6 and 10^7, the end to end also
at 10^8, the fresh clone with ``make test``) and puts a Goals table first; ``--all`` adds the
benchmarks that have no goal.

Each benchmarks/bench_*.py has ``run(sizes, repeats) -> list[dict]``. Whole-process rows carry
``benchmark, size, unit, kit_s`` and, where there is one, ``reference, reference_s`` (medians of
alternating fresh-process runs, see harness.py), ``floor_s`` (bare DuckDB), ``kit_inner_s,
reference_inner_s`` (the core call alone, in-process) and ``goal`` (issue 15's target, met or
missed). Rows marked ``in_process`` (``ours_s``, ``reference_s``, ``ratio``) time a function inside
one process and are listed apart. Absolute times depend on the machine and its load; the ratios,
measured in one sitting, are the result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the benchmark modules import harness

# whole-process comparisons first, then the scale and in-process ones; fresh_clone builds a venv
ORDER = ["study", "summary", "clv", "paretonbd", "end_to_end", "fresh_clone", "correctness", "pareto", "engines"]
# a plain `make bench` measures every goal of issues 14 and 15 (the whole-process benchmarks, at the
# sizes the goals name); the correctness, 80/20 and engine records have no goal and run with --all
GOALS = ["study", "summary", "clv", "paretonbd", "end_to_end", "fresh_clone"]
GOAL_SIZES = "1000000,10000000"
QUICK = ["summary", "clv", "paretonbd"]


# read before any benchmark adds its own load
LOAD_AT_START = os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def machine() -> str:
    import numpy

    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    load = "" if LOAD_AT_START is None else f", load average at the start {LOAD_AT_START:.1f}"
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}){memory}, "
            f"Python {platform.python_version()}, numpy {numpy.__version__}{load}")


def _seconds(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _ratio(numerator, denominator) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return ""
    return f"{numerator / denominator:.2f}×"


def whole_process_table(rows: list[dict]) -> list[str]:
    header = ("| benchmark | size | kit (s) | reference | reference (s) | ratio (reference / kit) "
              "| DuckDB floor (s) | kit / floor | in-process kit (s) | in-process reference (s) "
              "| in-process ratio | goal | note |")
    lines = [header,
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for row in rows:
        lines.append("| " + " | ".join([
            row["benchmark"], f"{row['size']:,} {row.get('unit', '')}".strip(), _seconds(row["kit_s"]),
            row.get("reference", ""), _seconds(row.get("reference_s")), _ratio(row.get("reference_s"), row["kit_s"]),
            _seconds(row.get("floor_s")), _ratio(row["kit_s"], row.get("floor_s")),
            _seconds(row.get("kit_inner_s")), _seconds(row.get("reference_inner_s")),
            _ratio(row.get("reference_inner_s"), row.get("kit_inner_s")), row.get("goal", ""), row.get("note", ""),
        ]) + " |")
    return lines


def goals_table(rows: list[dict]) -> list[str]:
    """Every row that carries a goal, with its measured figure: the first thing a reader checks."""
    lines = ["| goal | benchmark | size | kit (s) | reference (s) | ratio (reference / kit) | kit / floor |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        if not row.get("goal"):
            continue
        lines.append("| " + " | ".join([
            row["goal"], row["benchmark"], f"{row['size']:,} {row.get('unit', '')}".strip(), _seconds(row["kit_s"]),
            _seconds(row.get("reference_s")), _ratio(row.get("reference_s"), row["kit_s"]),
            _ratio(row["kit_s"], row.get("floor_s")),
        ]) + " |")
    return lines


def in_process_table(rows: list[dict]) -> list[str]:
    lines = ["| benchmark | size | ours (s) | reference | reference (s) | ratio (reference / ours) | note |",
             "|---|---:|---:|---|---:|---:|---|"]
    for row in rows:
        ref_s, ratio = row.get("reference_s"), row.get("ratio")
        lines.append(
            f"| {row['benchmark']} | {row['size']:,} | {row['ours_s']:.3f} | {row.get('reference', '')} | "
            f"{'' if ref_s is None else f'{ref_s:.3f}'} | {'' if ratio is None else f'{ratio:.1f}×'} | "
            f"{row.get('note', '')} |")
    return lines


def report(rows: list[dict], command: str) -> str:
    whole = [row for row in rows if not row.get("in_process")]
    inner = [row for row in rows if row.get("in_process")]
    method = ("Whole processes: every figure is the wall time of a fresh interpreter from start to exit "
              "(imports, reading the file, checking, cleaning and writing included), the median of "
              "alternating runs (reference, kit, floor, …) in one sitting. The DuckDB floor is a bare "
              "query that reads the file and groups by customer and day, then customer, computing "
              "frequency, recency, T and monetary value with no checks. The in-process columns time "
              "the core call alone (a log or summary already in memory).")
    lines = ["# Benchmark results", "",
             f"`{command}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine()}.", "",
             method, ""]
    if any(row.get("goal") for row in whole):
        verdicts = re.findall(r": (met|MISSED|not measured)\b", " ; ".join(row.get("goal", "") for row in whole))
        unmeasured = verdicts.count("not measured")
        tally = (f"{verdicts.count('met')} goals met, {verdicts.count('MISSED')} missed"
                 + (f", {unmeasured} not measured" if unmeasured else "")
                 + " (one row may carry two goals; the full rows follow).")
        lines += ["## Goals", "", tally, ""]
        lines += goals_table(whole) + ["", "## All whole-process rows", ""]
    if whole:
        lines += whole_process_table(whole) + [""]
    if inner:
        lines += ["## Scale and in-process benchmarks", "",
                  "Timed inside one process (not whole processes); kept for the scaling record.", ""]
        lines += in_process_table(inner) + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=ORDER, help="run only bench_<name>.py (repeatable)")
    parser.add_argument("--sizes", default=GOAL_SIZES,
                        help="comma-separated sizes (transactions or customers, per benchmark; the end to end "
                             "also runs 10^8 unless BENCH_END_TO_END_MAX says otherwise)")
    parser.add_argument("--all", action="store_true",
                        help="also the benchmarks without a goal: " + ", ".join(n for n in ORDER if n not in GOALS))
    parser.add_argument("--repeats", type=int, default=3, help="fresh-process runs of each contender (median)")
    parser.add_argument("--quick", action="store_true",
                        help=f"check the harness: 10^5 only, {', '.join(QUICK)}; printed, results.md kept")
    parser.add_argument("--out", type=Path, help="where to write the table (default benchmarks/results.md)")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    names = args.only or (ORDER if args.all else GOALS)
    if args.quick:
        sizes = [100_000]
        names = [name for name in names if name in QUICK]
    rows = []
    for name in names:
        path = HERE / f"bench_{name}.py"
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"running {path.name} …", file=sys.stderr, flush=True)
        rows += module.run(sizes, repeats=args.repeats)
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(rows, command.strip())
    print(text)
    # only a full run replaces results.md; a partial one is printed (or written to --out)
    partial = args.quick or args.only or args.sizes != parser.get_default("sizes")
    target = args.out or (None if partial else HERE / "results.md")
    if target is not None:
        target.write_text(text)
        print(f"written to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
