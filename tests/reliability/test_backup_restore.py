"""Backups while the dashboard reads, restores that keep the old file, and a process that outlives a restore."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from zi_data import backup, queries, store
from zi_data.cli import main


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


def hold(db, mode: str, seconds: float) -> subprocess.Popen:
    """Another process holding `db`: 'read' keeps querying a read-only connection (as the dashboard does,
    though longer), 'write' holds the write lock and commits one history row at the end."""
    code = f"""
import sys, time, duckdb
con = duckdb.connect({str(db)!r}, read_only={mode == 'read'})
print('ready', flush=True)
end = time.monotonic() + {seconds}
while time.monotonic() < end:
    con.execute('select count(*) from scores').fetchone()
    time.sleep(0.01)
if {mode == 'write'}:
    con.execute("insert into history (event, submission_id, detail) values ('loaded', 'penulis', 'dari proses lain')")
con.close()
"""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def contents(db) -> dict:
    """Every table's rows, sorted: equal contents give equal dicts."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in tables}
    finally:
        con.close()


@pytest.fixture
def db(demo_db, tmp_path):
    path = tmp_path / "data" / "zi.duckdb"
    path.parent.mkdir()
    shutil.copy(demo_db, path)
    return path


def test_a_backup_taken_while_another_process_reads_is_the_whole_database(db, tmp_path):
    reader = hold(db, "read", 3)
    try:
        done = backup.backup(db, tmp_path / "cadangan" / "zi-1.duckdb")
    finally:
        reader.wait()
    assert done.submissions == 38 and done.path.exists()  # the demo: 12 units x 3 years + 2 revised files
    assert contents(done.path) == contents(db)
    assert not list((tmp_path / "cadangan").glob(".*"))  # no temporary file left


def test_a_backup_waits_for_a_writers_commit_and_holds_all_of_it(db, tmp_path):
    writer = hold(db, "write", 1.5)
    try:
        done = backup.backup(db, tmp_path / "zi-1.duckdb")
    finally:
        writer.wait()
    con = duckdb.connect(str(done.path), read_only=True)
    try:
        assert con.execute("select count(*) from history where submission_id = 'penulis'").fetchone()[0] == 1
    finally:
        con.close()


def test_a_restored_database_goes_on_as_the_original(db, tmp_path):
    saved = backup.backup(db, tmp_path / "zi-1.duckdb").path
    before = contents(db)
    con = duckdb.connect(str(db), read_only=True)
    sid = con.execute("select submission_id from current_submissions limit 1").fetchone()[0]
    last_reject = con.execute("select max(reject_id) from rejects").fetchone()[0]
    con.close()
    store.delete_submission(db, sid, by="Admin", reason="keliru", actor_role="admin")
    done = backup.restore(saved, db)
    assert contents(db) == before
    assert done.kept.name.startswith("zi.duckdb.") and done.kept.suffix == ".bak"
    con = duckdb.connect(str(done.kept), read_only=True)  # the replaced database, deletion and all
    assert con.execute("select deleted_by from stg_submissions where submission_id = ?", [sid]).fetchone() == ("Admin",)
    con.close()
    with store.session(db) as con:  # the sequence goes on where it was, no key is used twice
        con.execute("insert into rejects (file_path, file_name, reason) values ('x', 'x', 'uji')")
        assert con.execute("select max(reject_id) from rejects").fetchone()[0] == last_reject + 1


def test_a_process_that_read_before_the_restore_reads_the_restored_data(db, tmp_path):
    saved = backup.backup(db, tmp_path / "zi-1.duckdb").path
    con = queries.connect(db)  # as the dashboard: a connection per query, in one long-running process
    first = queries.submissions(con)["submission_id"][0]
    con.close()
    store.delete_submission(db, first, by="A", reason="r", actor_role="admin")
    backup.restore(saved, db)
    con = queries.connect(db)
    try:
        assert queries.submissions(con)["deleted_at"].isna().all()
    finally:
        con.close()


def test_a_restore_is_refused_while_a_writer_holds_the_database(db, tmp_path):
    saved = backup.backup(db, tmp_path / "zi-1.duckdb").path
    before = contents(db)
    writer = hold(db, "write", 4)
    try:
        with pytest.raises(backup.BusyError, match="sedang ditulis"):
            backup.restore(saved, db, wait_s=0.5)
    finally:
        writer.wait()
    assert not list(db.parent.glob("*.bak")) and not list(db.parent.glob(".*"))
    after = contents(db)
    assert after["history"] != before["history"]  # the writer's row is there: the file was never swapped
    del after["history"], before["history"]
    assert after == before


def test_a_restore_refuses_what_is_not_a_zi_monitor_backup(db, tmp_path):
    other = tmp_path / "lain.duckdb"
    duckdb.connect(str(other)).execute("create table t (x int)").close()
    text = tmp_path / "catatan.duckdb"
    text.write_text("bukan basis data")
    for bad, reason in ((other, "bukan basis data ZI Monitor"), (text, "bukan basis data DuckDB")):
        with pytest.raises(ValueError, match=reason):
            backup.restore(bad, db)
    assert not list(db.parent.glob("*.bak")) and not list(db.parent.glob(".*"))


def test_zi_backup_and_restore_say_what_they_did(db, tmp_path, capsys):
    out = tmp_path / "zi-1.duckdb"
    assert main(["backup", "--db", str(db), str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"Cadangan {db} ditulis ke {out}: 38 pengajuan, ")
    assert main(["backup", "--db", str(db), str(out)]) == 2  # never overwritten
    assert "sudah ada" in capsys.readouterr().err
    assert main(["restore", str(out), "--db", str(db)]) == 0
    said = capsys.readouterr().out
    assert f"{db} dipulihkan dari {out}: 38 pengajuan." in said and "disimpan sebagai" in said
    assert main(["restore", str(tmp_path / "tidak-ada.duckdb"), "--db", str(db)]) == 2
    assert "Pemulihan dibatalkan" in capsys.readouterr().err
