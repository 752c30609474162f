"""Pseudonyms are HMAC-SHA256 under a secret key that never reaches a run folder.

Oracles: the HMAC-SHA256 test vectors of RFC 4231 (section 4) and Python's ``hmac`` module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import stat

import duckdb
import pandas as pd
import pytest

from analysis.core.errors import ConfigError
from analysis.core.paths import PROJECT_ROOT
from analysis.core.privacy import (
    KEY_ENV,
    KEY_FILE_ENV,
    PSEUDONYM_LENGTH,
    pseudonym_key,
    pseudonym_sql,
    pseudonymise,
    pseudonymise_in,
)


@pytest.fixture()
def clean_env(monkeypatch, tmp_path):
    """No key in the environment; the XDG config folder in tmp_path."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "customer-analytics-kit" / "pseudonym.key"


def _sql(key: bytes, message: str, length: int = 64) -> str:
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"customer_id": [message]}))
    return con.execute(f"SELECT {pseudonym_sql(key, length=length)} FROM t").fetchone()[0]


def test_duckdb_hmac_matches_rfc_4231():
    # RFC 4231, test case 2 (a short key) and test case 6 (a key longer than the 64-byte block)
    assert _sql(b"Jefe", "what do ya want for nothing?") == \
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert _sql(b"\xaa" * 131, "Test Using Larger Than Block-Size Key - Hash Key First") == \
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"


def test_python_and_duckdb_pseudonyms_equal_an_independent_hmac():
    key = b"k'ey"
    ids = pd.Series(["12", "007", "a'b", "顾客", "12"], name="customer_id")
    expected = [hmac.new(key, i.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH] for i in ids]
    assert pseudonymise(ids, key).tolist() == expected
    assert pseudonymise_in(duckdb.connect(), ids, key).tolist() == expected
    assert pseudonymise(ids, b"other key").tolist() != expected


def test_key_file_created_once_with_owner_only_permissions(clean_env):
    path = clean_env
    key = pseudonym_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64 and int(path.read_text(), 16) >= 0  # 32 random bytes, hex
    assert key == path.read_text().strip().encode()
    assert pseudonym_key() == key  # reused, not replaced
    assert sorted(p.name for p in path.parent.iterdir()) == ["pseudonym.key"]  # no partial file left


def test_environment_key_wins_and_key_file_can_be_moved(clean_env, monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_ENV, "from the environment")
    assert pseudonym_key() == b"from the environment"
    assert not clean_env.exists()
    monkeypatch.delenv(KEY_ENV)
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "elsewhere" / "my.key"))
    key = pseudonym_key()
    assert (tmp_path / "elsewhere" / "my.key").read_text().strip().encode() == key
    assert not clean_env.exists()


def test_empty_key_file_is_a_config_error(clean_env):
    clean_env.parent.mkdir(parents=True)
    clean_env.write_text("\n")
    with pytest.raises(ConfigError, match="pseudonym key file is empty"):
        pseudonym_key()


@pytest.mark.slow
def test_run_folder_never_holds_the_key_and_ids_are_keyed(cdnow_data_chapter_run, data_chapter_key):
    # the data chapter of configs/cdnow_sample.yml run under ANALYSIS_PSEUDONYM_KEY = data_chapter_key
    # (tests/conftest.py; test_render.py reads the same run)
    key, run_dir = data_chapter_key, cdnow_data_chapter_run
    block = key.encode().ljust(64, b"\0")
    secrets = [key, bytes(b ^ 0x36 for b in block).hex(), bytes(b ^ 0x5C for b in block).hex()]
    for path in run_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in content, path
    raw = pd.read_csv(PROJECT_ROOT / "data/raw/cdnow/CDNOW_sample.txt", sep=r"\s+", header=None, dtype=str)[0]
    expected = [hmac.new(key.encode(), i.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH] for i in sorted(set(raw))]
    customers = pd.read_parquet(run_dir / "tables" / "customers.parquet")
    # every customer's pseudonym, in the order of the customers' data (privacy.data_order), not of their ids
    assert sorted(customers["customer_id"]) == sorted(expected)
    assert customers["customer_id"].tolist() != expected
    log_ids = set(pd.read_parquet(run_dir / "tables" / "transactions.parquet")["customer_id"])
    assert log_ids == set(expected)
    for name in ("results.json", "manifest.json"):
        text = (run_dir / name).read_text()
        assert "salt" not in text and key not in text
    assert json.loads((run_dir / "results.json").read_text())["study"]["name"] == "cdnow_sample"


def test_data_order_depends_on_the_data_only():
    """Published tables are ordered by their data, not by raw id: the order reveals nothing about
    the ids, and rows that still tie are identical in every analysed column."""
    import pandas as pd

    from analysis.core.privacy import data_order

    frame = pd.DataFrame({"customer_id": ["1", "2", "3", "4"], "frequency": [2, 0, 2, 0],
                          "T": [10.0, 5.0, 10.0, 7.0]})
    ordered = data_order(frame)
    assert ordered["frequency"].tolist() == [0, 0, 2, 2] and ordered["T"].tolist() == [5.0, 7.0, 10.0, 10.0]
    renamed = data_order(frame.assign(customer_id=["z", "y", "x", "w"]))
    assert renamed.drop(columns="customer_id").equals(ordered.drop(columns="customer_id"))
    shuffled = data_order(frame.sample(frac=1, random_state=3))
    assert shuffled.equals(ordered)
