"""benchmarks/run.py's report: the goals table lists every row with a goal and counts each verdict,
including rows that carry two goals (the summary at 10^7)."""

import importlib.util
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _report_module():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_goals_are_listed_and_counted():
    rows = [
        {"benchmark": "summary", "size": 10_000_000, "unit": "transactions", "kit_s": 4.0, "reference_s": 20.0,
         "floor_s": 2.5, "goal": "≥ 10× lifetimes: MISSED; ≤ 2× the DuckDB floor: met"},
        {"benchmark": "end to end", "size": 10**8, "unit": "transactions", "kit_s": 700.0,
         "goal": "< 600 s: MISSED; peak < 6 GiB: met"},
        {"benchmark": "fit", "size": 10**6, "kit_s": 1.0, "goal": "≥ 2× lifetimes: not measured"},
        {"benchmark": "no goal here", "size": 1, "kit_s": 1.0},
    ]
    text = _report_module().report(rows, "python benchmarks/run.py")
    goals = text.split("## Goals", 1)[1].split("## All whole-process rows", 1)[0]
    assert "2 goals met, 2 missed, 1 not measured" in goals
    assert "| ≥ 10× lifetimes: MISSED; ≤ 2× the DuckDB floor: met | summary | 10,000,000 transactions | 4.00 | 20.00 | 5.00× | 1.60× |" in goals
    assert "no goal here" not in goals
    assert "| no goal here |" in text.split("## All whole-process rows", 1)[1]


def test_no_goals_section_without_goals():
    text = _report_module().report([{"benchmark": "engines", "size": 1, "kit_s": 1.0}], "x")
    assert "## Goals" not in text and "| engines |" in text
