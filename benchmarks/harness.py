"""Whole-process timing: each measurement is a fresh interpreter, started, run and exited.

A user feels a command from start to exit: interpreter start-up, imports, reading the file,
cleaning and writing the result all count. Every contender here is a small Python program run with
``subprocess`` (``python -c PROGRAM ARGS``); the wall time of the whole process is the figure that
matters. The program may also print one JSON line ``{"inner_s": …}``: the time of the core call
alone, measured inside the same process (the in-process column, which leaves imports and loading
out and so flatters whoever spends more time there).

Contenders are run alternately (A, B, C, A, B, C, …) in one sitting, so that a slow minute of a
shared machine falls on all of them; the median of the runs is reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


@dataclass
class Timings:
    """Every run of one contender: wall seconds of the process and, when it reported one, the
    seconds of its core call."""

    wall: list[float] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)

    @property
    def wall_s(self) -> float:
        return statistics.median(self.wall)

    @property
    def inner_s(self) -> float | None:
        return statistics.median(self.inner) if self.inner else None


def run_process(program: str, *args: str, timeout: float = 3600) -> tuple[float, float | None]:
    """(wall seconds, inner seconds or None) of ``python -c program args`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", program, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"benchmark process failed (exit {done.returncode}): {done.stderr[-3000:]}")
    inner = None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            inner = json.loads(line).get("inner_s")
            break
    return wall, inner


def alternate(contenders: dict[str, tuple[str, list[str]]], repeats: int) -> dict[str, Timings]:
    """Run every contender ``repeats`` times, round-robin: {name: (program, args)} → {name: Timings}.
    ``{run}`` in an argument becomes the run's number (so that no run overwrites another's output)."""
    timings = {name: Timings() for name in contenders}
    for repeat in range(repeats):
        for name, (program, args) in contenders.items():
            wall, inner = run_process(program, *(arg.replace("{run}", str(repeat)) for arg in args))
            timings[name].wall.append(wall)
            if inner is not None:
                timings[name].inner.append(inner)
    return timings


def goal(ratio: float | None, target: float, text: str) -> str:
    """'≥ 3× lifetimes: met' or '… missed'."""
    if ratio is None:
        return f"{text}: not measured"
    return f"{text}: {'met' if ratio >= target else 'MISSED'}"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
