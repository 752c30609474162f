"""Dirty logs and configs never crash the kit: exit 0, or exit 2 with a message (issue 12).

Hypothesis writes small transaction logs with hostile ids (empty, blank, unicode, HTML, formula
and citation prefixes), dates valid, invalid, far out or with offsets, amounts negative, zero,
huge, non-finite or text, and configs with random windows, periods and unknown keys; each goes
through ``analysis.cli.main(["validate", ...])`` and ``main(["summarize", ...])``. Asserted:

- the exit code is 0 or 2 and never an uncaught exception (a traceback fails the test);
- exit 2 comes with one ``error: ...`` message on stderr;
- when cleaning ran (validate exit 0), ``input rows = kept rows + quarantined rows``;
- validate and summarize agree (both 0 with as many customers, or both 2 with the same message).

CI runs 30 derandomised examples (about 0.3 s each, two commands of DuckDB and pydantic set-up;
10-20 s in all); ``FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py`` runs a longer random search.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analysis.cli import main

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)

HOSTILE = ["", " ", "\t", "\u00a0", '"><img src=x onerror=alert(1)>', "=cmd|' /C calc'!A0", "+1", "-1",
           "@instagram", "$x$", "\\textbf{a}", "<script>", "客户", "ʻokina", "a,b", 'say "hi"', "line\nbreak",
           "\u202eevil", "NULL", "None", "0", "a\rb"]
FIRST_DAY, LAST_DAY = dt.date(2019, 6, 1), dt.date(2021, 6, 1)


def mostly(usual, rare, rare_in_ten: int = 1):
    """``usual`` nine times in ten (by default), else ``rare``: most examples must reach cleaning."""
    return one_in_ten(rare_in_ten).flatmap(lambda is_rare: rare if is_rare else usual)


def one_in_ten(times: int = 1):
    """True ``times`` in ten; the False entries come first, the ones hypothesis tries and shrinks to."""
    return st.sampled_from([False] * (10 - times) + [True] * times)


days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
ids = mostly(st.sampled_from(["c1", "c2", "c3", "c4", "c5"]),
             st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), rare_in_ten=2)
# blanks and dates outside a window are quarantined; the rest stop the run
dates = mostly(
    st.one_of(days.map(str), days.map(lambda d: f"{d}T23:30:00+05:00"), days.map(lambda d: f"{d}T01:00:00Z")),
    st.sampled_from(["", " ", "2020-13-45", "2020-02-30", "yesterday", "2200-01-01", "1899-12-30", "9999-12-31",
                     "20200101", "0001-01-01"]), rare_in_ten=1)
amounts = mostly(
    st.one_of(st.floats(min_value=-50, max_value=1e4, allow_nan=False).map(lambda x: f"{x:.2f}"),
              st.integers(min_value=0, max_value=500).map(str), st.sampled_from(["0", "-5", "", "1e12"])),
    st.sampled_from(["1e13", "1e300", "-1e300", "inf", "-inf", "nan", "NaN", "Infinity", "ten", " ", "1,5",
                     "$3", "0x10"]), rare_in_ten=1)
rows = st.lists(st.tuples(ids, dates, amounts), min_size=0, max_size=14)


@st.composite
def configs(draw) -> dict:
    analysis = {"period": draw(mostly(st.sampled_from(["day", "week", "month"]), st.just("fortnight")))}
    # a window in order most of the time, any order (or a date that does not exist) sometimes
    window = sorted(draw(st.lists(st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2022, 1, 1)),
                                  min_size=3, max_size=3)))
    if draw(one_in_ten()):
        window = draw(st.permutations(window))
    for key, day in zip(("observation_start", "calibration_end", "observation_end"), window):
        if draw(st.sampled_from([False, False, True])):
            analysis[key] = draw(mostly(st.just(str(day)), st.just("2020-02-30"), rare_in_ten=1))
    config = {
        "name": draw(mostly(st.just("fuzz"), st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=120)),
                            rare_in_ten=2)),
        "data": {"path": "log.csv", "columns": {"customer": "customer", "date": "date", "amount": "amount"}},
        "cleaning": {"zero_amounts": draw(st.sampled_from(["keep", "drop"]))},
        "analysis": analysis,
    }
    if draw(one_in_ten()):
        section = draw(st.sampled_from(["analysis", "cleaning", "data"]))
        config[section][draw(st.sampled_from(["perod", "windw", "extra"]))] = 1
    if draw(one_in_ten()):
        config["data"]["date_format"] = draw(st.sampled_from(["%Y-%m-%d", "%Q", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S%z"]))
    return config


def write_log(folder: Path, log_rows: list[tuple[str, str, str]], ragged: bool, crlf: bool) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["customer", "date", "amount"])
    for row in log_rows:
        writer.writerow(row + (("x",) if ragged and row is log_rows[-1] else ()))
    (folder / "log.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def count(text: str, label: str) -> int:
    return int(re.search(rf"^  {label}\s+([\d,]+)$", text, re.MULTILINE).group(1).replace(",", ""))


@pytest.mark.slow
@FUZZ
@given(log_rows=rows, config=configs(), ragged=mostly(st.just(False), st.just(True)), crlf=st.booleans())
def test_dirty_input_gives_exit_0_or_a_message(log_rows, config, ragged, crlf):
    with tempfile.TemporaryDirectory(prefix="analysis-fuzz-") as name:
        folder = Path(name)
        write_log(folder, log_rows, ragged and bool(log_rows), crlf)
        config_path = folder / "study.yml"
        text = yaml.safe_dump(config, allow_unicode=True)
        # window dates unquoted, as a user types them (so 2020-02-30 reaches YAML's date parser)
        config_path.write_text(re.sub(r"'(\d{4}-\d\d-\d\d)'", r"\1", text), encoding="utf-8")

        code, out, err = call(["validate", str(config_path)])
        assert code in (0, 2), err
        reason = re.sub(r"\s+", " ", err.split(": ", 2)[-1])[:40] if code else "ok"
        event(f"validate exit {code}: {reason}")  # shown by --hypothesis-show-statistics
        if code == 2:
            assert err.startswith("error: ") and "Traceback" not in err, err
        else:
            assert err == "" or "Traceback" not in err
            input_rows = count(out, "input rows")
            assert input_rows == len(log_rows)
            assert input_rows == count(out, "kept rows") + count(out, "quarantined rows")

        summary = folder / "customers.csv"
        summarize_code, _, summarize_err = call(["summarize", str(config_path), "--out", str(summary)])
        assert summarize_code == code, (err, summarize_err)
        if code == 2:
            assert summarize_err == err and not summary.exists()
        else:
            with summary.open(newline="", encoding="utf-8") as handle:
                assert sum(1 for _ in csv.reader(handle)) - 1 == count(out, "customers")
