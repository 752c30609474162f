"""Customer identifiers in published outputs: replaced by salted hashes unless asked for."""

from __future__ import annotations

import hashlib

import pandas as pd


def pseudonymise(ids: pd.Series, salt: str, length: int = 12) -> pd.Series:
    """Replace each id by the first ``length`` hex digits of sha256(salt + id).

    The same id and salt give the same pseudonym, so tables written by different stages still
    join; without the salt the ids cannot be recovered by hashing candidate ids.
    """
    unique = pd.unique(ids.astype("string"))
    mapping = {
        value: hashlib.sha256(f"{salt}\x1f{value}".encode()).hexdigest()[:length]
        for value in unique
    }
    return ids.astype("string").map(mapping).astype("string")


def pseudonym_sql(salt: str, column: str = "customer_id", length: int = 12) -> str:
    """The same pseudonym as :func:`pseudonymise`, as a DuckDB SQL expression."""
    quoted_salt = (salt + "\x1f").replace("'", "''")
    return f"left(sha256('{quoted_salt}' || CAST({column} AS VARCHAR)), {length})"


def pseudonymise_in(con, ids: pd.Series, salt: str, length: int = 12) -> pd.Series:
    """:func:`pseudonymise` computed by DuckDB connection ``con``: the same pseudonyms, without
    a Python dictionary of every id (millions of customers)."""
    con.register("ids_to_pseudonymise", pd.DataFrame({"customer_id": ids.to_numpy()}))
    try:
        hashed = con.execute(f"SELECT {pseudonym_sql(salt, length=length)} AS id FROM ids_to_pseudonymise").df()["id"]
    finally:
        con.unregister("ids_to_pseudonymise")
    return pd.Series(hashed.to_numpy(), index=ids.index, name=ids.name, dtype="string")
