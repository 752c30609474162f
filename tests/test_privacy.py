"""Pseudonyms are the same whether Python or DuckDB computes them (tables written by different
stages must still join on customer_id)."""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.privacy import pseudonym_sql, pseudonymise, pseudonymise_in


def test_python_and_duckdb_pseudonyms_agree():
    ids = pd.Series(["12", "007", "a'b", "顾客", "12"], name="customer_id")
    expected = pseudonymise(ids, "s'alt")
    con = duckdb.connect()
    got = pseudonymise_in(con, ids, "s'alt")
    assert got.tolist() == expected.tolist()
    assert got[0] == got[4] and got.str.fullmatch(r"[0-9a-f]{12}").all()
    con.register("t", pd.DataFrame({"customer_id": ids}))
    salt = "s'alt"
    sql = con.execute(f"SELECT {pseudonym_sql(salt)} FROM t").fetchall()
    assert [row[0] for row in sql] == expected.tolist()
