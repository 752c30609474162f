"""Run every benchmarks/bench_*.py and write benchmarks/results.md.

Each module has ``run(sizes) -> list[dict]`` returning rows with ``benchmark, size, ours_s,
reference, reference_s, ratio`` (reference time / our time, measured in the same run) and an
optional ``note``. Absolute times depend on the machine; the ratios are the result.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    import numpy

    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}){memory}, "
            f"Python {platform.python_version()}, numpy {numpy.__version__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="run only bench_<name>.py")
    parser.add_argument("--sizes", default="100000,1000000,10000000",
                        help="comma-separated log sizes (transactions or customers, per benchmark)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for path in sorted(HERE.glob("bench_*.py")):
        if args.only and path.stem != f"bench_{args.only}":
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"running {path.name} …", file=sys.stderr, flush=True)
        rows += module.run(sizes)
    lines = ["# Benchmark results", "", f"Machine: {machine()}", "",
             "| benchmark | size | ours (s) | reference | reference (s) | ratio (reference / ours) | note |",
             "|---|---:|---:|---|---:|---:|---|"]
    for row in rows:
        ref_s = row.get("reference_s")
        ratio = row.get("ratio")
        lines.append(
            f"| {row['benchmark']} | {row['size']:,} | {row['ours_s']:.3f} | {row.get('reference', '')} | "
            f"{'' if ref_s is None else f'{ref_s:.3f}'} | {'' if ratio is None else f'{ratio:.1f}×'} | "
            f"{row.get('note', '')} |"
        )
    target = HERE / ("results.md" if not args.only else f"results_{args.only}.md")
    target.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
