"""The same data give the same results.json: whatever the order of the input rows, the study's name,
the pseudonym key or Python's hash seed.

The fast tests feed the tie-breaking analyses (RFM scores and classes, the persistence of the top
20%) the same customers under other ids and in another row order, on data made of ties; the slow
test runs the CDNOW sample as given and with its rows shuffled, renamed, under another key and
another PYTHONHASHSEED, and compares the two results.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.core.paths import CONFIGS_DIR, PROJECT_ROOT
from analysis.core.privacy import pseudonym_key
from analysis.data.transaction_log import TransactionLog
from analysis.pareto.cost import CostModel
from analysis.pareto.windows import persistence
from analysis.run.cache import CACHE_DIR_ENV
from analysis.segments import run_segments
from analysis.segments.settings import SegmentSettings

# results.json fields that legitimately carry the study's name or describe the input file itself
# (a shuffled copy has another name and checksum); everything else must be identical
NAMED_FIELDS = {("study", "name"), ("study", "title"), ("study", "input_file"), ("study", "input_sha256"),
                ("study", "config_file")}


def _tied_customers(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Customers with few distinct values: most RFM and top-share boundaries fall inside ties."""
    rng = np.random.default_rng(seed)
    first = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 4, n) * 30, unit="D")
    n_transactions = rng.integers(1, 4, n)
    return pd.DataFrame({
        "first_purchase": first,
        "last_purchase": first + pd.to_timedelta((n_transactions - 1) * 60, unit="D"),
        "n_transactions": n_transactions,
        "total_value": rng.choice([10.0, 20.0, 35.5, 80.0], n) * n_transactions,
        "T": 52.0,
    })


def _relabelled(n: int, seed: int) -> pd.Series:
    """Other ids for the same customers (what another pseudonym key gives): random hex, so their
    string order is unrelated to the customers' order."""
    rng = np.random.default_rng(seed)
    return pd.Series([f"{v:012x}" for v in rng.integers(0, 2**48, n)], dtype="string")


def test_segments_do_not_depend_on_the_ids():
    base = _tied_customers()
    results = []
    for seed in (1, 2):
        customers = base.assign(customer_id=_relabelled(len(base), seed))
        study = run_segments(customers, SegmentSettings(), as_of="2021-06-30", cost=CostModel(), horizon_periods=52)
        results.append(json.dumps(study.results, sort_keys=True, default=str))
        scores = study.customers[["R", "F", "M", "customer_class"]].astype(str)
        results.append(scores.to_csv(index=False))
    assert results[0] == results[2] and results[1] == results[3]
    # the ties are real: a frequency of 1, 2 or 3 fills five quintiles only by breaking ties
    assert base["n_transactions"].nunique() == 3
    assert len(json.loads(results[0])["rfm"]["mean_value_by_F"]) == 5


def _tied_log(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(300):
        for _ in range(rng.integers(1, 5)):
            day = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 730)))
            rows.append({"customer_id": f"c{customer:03d}", "date": day, "amount": float(rng.choice([5.0, 10.0, 12.5]))})
    return pd.DataFrame(rows).groupby(["customer_id", "date"], as_index=False)["amount"].sum()


def test_persistence_does_not_depend_on_ids_or_row_order():
    frame = _tied_log()
    ids = frame["customer_id"].unique()
    other = dict(zip(ids, _relabelled(len(ids), 9), strict=True))
    shuffled = frame.assign(customer_id=frame["customer_id"].map(other)).sample(frac=1.0, random_state=4)
    ours = persistence(TransactionLog.from_frame(frame), q=0.2)
    theirs = persistence(TransactionLog.from_frame(shuffled.reset_index(drop=True)), q=0.2)
    pd.testing.assert_frame_equal(ours.pop("transition"), theirs.pop("transition"))
    assert ours == theirs  # exact: the shares are the same floats, not merely close
    # ties straddle the top-20% boundary, so a tie-break by id would have mattered
    assert ours["top_customers"] == round(0.2 * ours["customers"])


def _canonical(results: dict) -> dict:
    kept = json.loads(json.dumps(results))
    for section, field in NAMED_FIELDS:
        kept.get(section, {}).pop(field, None)
    return _without_pseudonyms(kept)


def _without_pseudonyms(node):
    """Every ``customer_id`` value removed: a pseudonym changes with the key by design (the customer
    it names, chosen by the data, does not)."""
    if isinstance(node, dict):
        return {k: _without_pseudonyms(v) for k, v in node.items() if k != "customer_id"}
    if isinstance(node, list):
        return [_without_pseudonyms(v) for v in node]
    return node


def _start(config: dict, folder: Path, *, key: str, hash_seed: str) -> tuple[subprocess.Popen, Path]:
    """A study run in a fresh interpreter, started and not waited for (:func:`_finished`): the two
    runs of the slow test overlap, so the second core works when the other test files are done."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    # each run on its own empty stage cache: two runs at once never share one, and every stage is computed
    env = {**os.environ, "ANALYSIS_PSEUDONYM_KEY": key, "PYTHONHASHSEED": hash_seed, CACHE_DIR_ENV: str(folder / "cache"),
           "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    out = folder / "run"
    with open(folder / "stderr.txt", "wb") as stderr:  # a file, not a pipe: nobody reads it until the end
        process = subprocess.Popen([sys.executable, "-m", "analysis", "run", str(path), "--out", str(out), "--quiet",
                                    "--format", "html"], env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    return process, out


def _finished(started: tuple[subprocess.Popen, Path]) -> Path:
    process, out = started
    returncode = process.wait()
    assert returncode == 0, (out.parent / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-3000:]
    return out


@pytest.mark.slow
def test_shuffled_renamed_rekeyed_study_gives_the_same_results(request, tmp_path):
    config = yaml.safe_load((CONFIGS_DIR / "cdnow_sample.yml").read_text())
    source = PROJECT_ROOT / config["data"]["path"]
    config["data"]["path"] = str(source)
    # the original ran in this process: under the session's key file and this interpreter's hash seed
    # (random unless PYTHONHASHSEED is set); the other runs are fresh interpreters with other seeds
    key_one = pseudonym_key().decode()
    own_seed = os.environ.get("PYTHONHASHSEED")
    hash_seeds = [seed for seed in ("2", "3", "4") if seed != own_seed]

    lines = source.read_text().splitlines(keepends=True)
    np.random.default_rng(2).shuffle(lines)
    shuffled_file = tmp_path / "shuffled.txt"
    shuffled_file.write_text("".join(lines))
    changed = {**config, "name": "a_renamed_study", "data": {**config["data"], "path": str(shuffled_file)}}
    other_run = _start(changed, tmp_path / "changed", key="key two", hash_seed=hash_seeds[0])
    # the same key under another study name gives the same pseudonyms (checked below)
    renamed_run = _start({**config, "name": "renamed_only"}, tmp_path / "renamed", key=key_one,
                         hash_seed=hash_seeds[1])
    # asked for only now, so that its run (if no other test file did it yet) overlaps these two
    original = request.getfixturevalue("cdnow_sample_run")
    for process, _ in (other_run, renamed_run):
        process.wait()
    other, renamed = _finished(other_run), _finished(renamed_run)

    first = json.loads((original / "results.json").read_text())
    second = json.loads((other / "results.json").read_text())
    assert first["study"]["name"] == "cdnow_sample" and second["study"]["name"] == "a_renamed_study"
    assert first["study"]["input_sha256"] != second["study"]["input_sha256"]  # the rows did move
    assert json.dumps(_canonical(first), sort_keys=True) == json.dumps(_canonical(second), sort_keys=True)
    assert first["segments"]["rfm"] == second["segments"]["rfm"]  # issue 12's examples, named
    assert first["pareto"]["persistence"]["first_half_share"] == second["pareto"]["persistence"]["first_half_share"]

    # the same key under another study name gives the same pseudonyms
    ids = [pd.read_parquet(run / "tables" / "customers.parquet")["customer_id"] for run in (original, renamed, other)]
    assert ids[0].equals(ids[1]) and not ids[0].equals(ids[2])
    third = json.loads((renamed / "results.json").read_text())
    assert json.dumps(_canonical(first), sort_keys=True) == json.dumps(_canonical(third), sort_keys=True)
