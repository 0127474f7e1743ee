"""Backups while the dashboard reads, restores that keep the old file, and a process that outlives a restore."""

from __future__ import annotations

import os

import duckdb

from zi_data import store


def test_a_long_running_process_writes_again_after_its_database_file_was_replaced(tmp_path):
    db = tmp_path / "zi.duckdb"
    with store.session(db) as con:
        con.execute("insert into history (event, submission_id) values ('loaded', 'a')")
    # a new file at the same path, as a restore leaves it: here an empty database without the schema
    other = tmp_path / "baru.duckdb"
    duckdb.connect(str(other)).close()
    os.replace(other, db)
    with store.session(db) as con:
        assert con.execute("select count(*) from raw_files").fetchone()[0] == 0
        assert con.execute("select count(*) from history").fetchone()[0] == 0
