"""Customer identifiers in published outputs: replaced by keyed hashes unless asked for.

A pseudonym is the first 16 hex digits of HMAC-SHA256(key, id) (RFC 2104). The key is a secret
that never enters a run folder, so nobody holding the published tables can recompute the
pseudonyms of candidate ids (CDNOW's ids are small integers: an unkeyed or a published salt would
let anyone hash 1, 2, 3, … and read every customer back).

Where the key comes from, first match wins:

1. the environment variable ``ANALYSIS_PSEUDONYM_KEY`` (its text is the key);
2. the key file named by the environment variable ``ANALYSIS_PSEUDONYM_KEY_FILE``;
3. ``$XDG_CONFIG_HOME/customer-analytics-kit/pseudonym.key`` (``~/.config/…`` when
   ``XDG_CONFIG_HOME`` is unset).

A missing key file is created on first use with 32 random bytes in hex, readable by its owner only
(0600). The same key gives the same pseudonyms, whatever the study is called, so reruns are
byte-identical and tables of two studies join; a new key gives unrelated pseudonyms. Keep the key
file to rerun a study with the same pseudonyms; share it with nobody who should not re-identify
customers.

References
----------
Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: Keyed-hashing for message authentication.
RFC 2104.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:  # pandas is imported by the functions that take frames, not by the key's users
    import pandas as pd

KEY_ENV = "ANALYSIS_PSEUDONYM_KEY"
KEY_FILE_ENV = "ANALYSIS_PSEUDONYM_KEY_FILE"
# 16 hex digits (64 bits): at 10^8 customers the expected number of colliding pairs is about
# 10^16 / 2^65 ≈ 0.0003 (12 digits would give about 18)
PSEUDONYM_LENGTH = 16
_SHA256_BLOCK = 64  # bytes; RFC 2104's B for SHA-256


def default_key_file() -> Path:
    """The key file used when no environment variable names a key."""
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "customer-analytics-kit" / "pseudonym.key"


def key_file() -> Path:
    named = os.environ.get(KEY_FILE_ENV)
    return Path(named).expanduser() if named else default_key_file()


def pseudonym_key() -> bytes:
    """The secret key: from ``ANALYSIS_PSEUDONYM_KEY``, else from the key file (created if missing)."""
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        return from_env.encode("utf-8")
    path = key_file()
    if not path.exists():
        _create_key_file(path)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"the pseudonym key file cannot be read: {exc}", file=path) from exc
    if not text:
        raise ConfigError("the pseudonym key file is empty; delete it to have a new key made, or "
                          f"set {KEY_ENV}", file=path)
    return text.encode("utf-8")


def _create_key_file(path: Path) -> None:
    """Write a new random key to ``path`` atomically: the file appears whole, with mode 0600, or
    not at all; when two runs race, the first one's key is the key of both."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)  # fails if another run made the key first: keep theirs
        except FileExistsError:
            pass
    finally:
        partial.unlink(missing_ok=True)


def _block_key(key: bytes) -> bytes:
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    return key.ljust(_SHA256_BLOCK, b"\0")


def pseudonymise(ids: pd.Series, key: bytes, length: int = PSEUDONYM_LENGTH) -> pd.Series:
    """Replace each id by the first ``length`` hex digits of HMAC-SHA256(key, id as UTF-8 text).

    The same id and key give the same pseudonym, so tables written by different stages still join.
    """
    import pandas as pd

    unique = pd.unique(ids.astype("string"))
    mapping = {
        value: hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:length]
        for value in unique if not pd.isna(value)
    }
    return ids.astype("string").map(mapping).astype("string")


def pseudonym_sql(key: bytes, column: str = "customer_id", length: int = PSEUDONYM_LENGTH) -> str:
    """The same pseudonym as :func:`pseudonymise`, as a DuckDB SQL expression.

    DuckDB has no HMAC, so the expression spells out RFC 2104:
    H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ id)), with the padded keys as BLOB literals. The expression holds
    the key: use it in queries only, never write it anywhere.
    """
    block = _block_key(key)
    inner = bytes(b ^ 0x36 for b in block).hex()
    outer = bytes(b ^ 0x5C for b in block).hex()
    message = f"encode(CAST({column} AS VARCHAR))"
    return f"left(sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || {message}))), {int(length)})"


def pseudonymise_in(con, ids: pd.Series, key: bytes, length: int = PSEUDONYM_LENGTH) -> pd.Series:
    """:func:`pseudonymise` computed by DuckDB connection ``con``: the same pseudonyms, without
    a Python dictionary of every id (millions of customers)."""
    import pandas as pd

    con.register("ids_to_pseudonymise", pd.DataFrame({"customer_id": ids.to_numpy()}))
    try:
        hashed = con.execute(f"SELECT {pseudonym_sql(key, length=length)} AS id FROM ids_to_pseudonymise").df()["id"]
    finally:
        con.unregister("ids_to_pseudonymise")
    return pd.Series(hashed.to_numpy(), index=ids.index, name=ids.name, dtype="string")


def data_order(frame: pd.DataFrame, id_column: str = "customer_id") -> pd.DataFrame:
    """``frame`` with its rows in an order decided by the data alone: by every column but the id,
    in column order, then by the id. Rows that still tie are identical in everything the analyses
    read, so no result depends on how they are ordered; and a published table in this order says
    nothing about the raw ids (in raw-id order, row k of a log with ids 1, 2, 3, … is customer k,
    pseudonym or not)."""
    keys = [c for c in frame.columns if c != id_column and c != "_row"] + [id_column]
    return frame.sort_values(keys, kind="stable", na_position="last", ignore_index=True)
