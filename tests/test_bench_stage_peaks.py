"""benchmarks/bench_end_to_end.py's per-stage peak memory: each stage's peak is the largest sample of
the process tree inside the interval its "done in …s (…s elapsed)" line gives."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module():
    sys.path.insert(0, str(BENCHMARKS))  # the bench imports its sibling measure.py
    try:
        spec = importlib.util.spec_from_file_location("bench_end_to_end", BENCHMARKS / "bench_end_to_end.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def test_each_stage_gets_the_peak_sampled_while_it_ran():
    pytest.importorskip("psutil")
    # the CLI's clock starts 1 s after the trace's: the run ends at 10.0 s elapsed, the process at 11.5 s
    # of wall time, so the offset is 11.5 − 10.0 − 0.5 = 1.0 s
    stage_log = ("[1/3] load …\n[1/3] load done in 2.0s (2.0s elapsed)\n"
                 "[2/3] notebook 02_pareto done in 5.0s (8.0s elapsed)\n"
                 "[3/3] render done in 2.0s (10.0s elapsed)\n")
    # command GiB + children GiB: 1.0 during load (1–3 s), 4.5 (0.5 + 4.0) at 6 s inside 02 (4–9 s),
    # 0.9 during render (9–11 s, the 4.5 at 6 s is outside it)
    trace = ("seconds,command_gib,children_gib\n"
             "1.5,1.0,0.0\n2.5,0.8,0.0\n6.0,0.5,4.0\n8.5,0.5,1.0\n10.0,0.9,0.0\n")
    peaks = _module().stage_peaks(stage_log, trace, wall=11.5)
    assert peaks == [("load", 2.0, 1.0), ("notebook 02_pareto", 5.0, 4.5), ("render", 2.0, 0.9)]
