"""Wall time and peak memory of a command, counting every process it starts.

``ru_maxrss`` of the children reports the largest single process, but a study runs the CLI and a
notebook kernel side by side; the peak that matters is their sum, sampled here every 0.2 s.
"""

from __future__ import annotations

import subprocess
import time

import psutil


def run_measured(command: list[str], *, interval: float = 0.2, trace: str | None = None,
                 **popen) -> tuple[float, float, int]:
    """(seconds, peak resident memory of the process tree in GiB, exit code); with ``trace``, a
    CSV of (seconds, GiB of the command itself, GiB of its children) is written there."""
    began = time.perf_counter()
    process = subprocess.Popen(command, **popen)
    root = psutil.Process(process.pid)
    peak, samples = 0, []
    while process.poll() is None:
        try:
            own, children = root.memory_info().rss, 0
            for member in root.children(recursive=True):
                try:
                    children += member.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, own + children)
            samples.append((time.perf_counter() - began, own / 2**30, children / 2**30))
        except psutil.Error:
            pass
        time.sleep(interval)
    if trace:
        with open(trace, "w") as out:
            out.write("seconds,command_gib,children_gib\n")
            out.writelines(f"{t:.1f},{a:.3f},{b:.3f}\n" for t, a, b in samples)
    return time.perf_counter() - began, peak / 2**30, process.returncode
