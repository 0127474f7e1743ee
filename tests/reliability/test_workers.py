"""Worker processes end with their parent (`kill -9` of `zi ingest` left both workers alive for good), and the
dashboard's writes run beside its readers without DuckDB's "different configuration" refusal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import all_best, edition, filled_workbook
from zi_data import ingest, queries, store, workers
from zi_data.demo import generate

ROOT = Path(__file__).resolve().parents[2]
linux = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table in /proc")


def children(pid: int) -> list[int]:
    """Live processes whose parent is `pid`."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"  # a zombie has ended: only its entry waits to be reaped


def wait_for(test, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(0.05)
    return test()


def kill_parent_and_watch(proc: subprocess.Popen, found: list[int]) -> list[int]:
    """SIGKILL the parent only (no chance to clean up, its workers untouched); the workers still alive after 5 s."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    try:
        wait_for(lambda: not any(alive(p) for p in found), 5)
        return [p for p in found if alive(p)]
    finally:
        for p in found:  # whatever happens, nothing of ours stays behind
            if alive(p):
                os.kill(p, signal.SIGKILL)


@linux
def test_kill_9_of_zi_ingest_ends_its_worker_processes(tmp_path):
    folder = tmp_path / "lke"
    generate(folder, units=30, years=[2025, 2026], seed=3, bad_files=False, surveys=False)
    proc = subprocess.Popen([sys.executable, "-m", "zi_data.cli", "ingest", str(folder), "--db",
                             str(tmp_path / "zi.duckdb")], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    assert wait_for(lambda: len(children(proc.pid)) >= 2, 60), "no worker processes started"
    found = children(proc.pid)
    assert kill_parent_and_watch(proc, found) == []


SLEEPER = """
    import sys, time
    {patch}
    from zi_data import workers
    with workers.Pool(time.sleep, workers=2, seconds=0) as pool:
        it = pool.map([(600,), (600,)])
        print("ready", flush=True)
        list(it)
"""


@linux
@pytest.mark.parametrize("patch", [
    "",
    # without the kernel's signal (another system): the workers notice by themselves
    "import ctypes\nctypes.CDLL = lambda *a, **k: (_ for _ in ()).throw(OSError('no prctl'))",
], ids=["prctl", "fallback"])
def test_pool_workers_end_with_their_parent(patch):
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SLEEPER.format(patch=textwrap.indent(patch, "    ")
                                                                                  .strip()))],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    assert wait_for(lambda: len(children(proc.pid)) >= 2, 60)
    found = children(proc.pid)
    assert kill_parent_and_watch(proc, found) == []


@pytest.fixture
def uploads(tmp_path):
    """Six workbooks of six units to upload, and a database with one unit loaded."""
    db = tmp_path / "zi.duckdb"
    first = filled_workbook(tmp_path / "0" / "2025_Unit 0.xlsx", unit=all_best(edition("2021")), unit_name="Unit 0")
    ingest.ingest_paths([first], db, actor_role="evaluator")
    books = [filled_workbook(tmp_path / str(i) / f"2025_Unit {i}.xlsx", unit=all_best(edition("2021")),
                             unit_name=f"Unit {i}") for i in range(1, 7)]
    return db, books


def test_uploads_beside_reading_sessions_all_load_and_no_reader_fails(uploads, tmp_path):
    """As the dashboard: sessions reading with short read-only connections in this process (as its cached queries
    do, a viewer's click after another) while uploads write. A write connection opened in the same process as the
    readers was refused ("different configuration")."""
    db, books = uploads
    stop, errors, reads = threading.Event(), [], [0]

    def reader():
        while not stop.is_set():
            try:
                con = queries.connect(db)
                try:
                    queries.options(con)
                    queries.submissions(con)
                finally:
                    con.close()
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001  every failure is the finding
                errors.append(repr(exc))
            time.sleep(0.1)  # a viewer's next click

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        results = [ingest.ingest_upload(b.name, b.read_bytes(), db, tmp_path / "up", actor_role="evaluator")
                   for b in books]
        # and the other dashboard writes: a deletion, as the Data page does it
        sid = store_sid(db, "Unit 1")
        workers.write(store.delete_submission, db, sid, by="Admin", reason="uji", actor_role="admin")
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert reads[0] > 0
    assert [(r.loaded, r.rejected) for r in results] == [(1, [])] * 6
    con = queries.connect(db)
    try:
        assert con.execute("select count(*) from current_submissions").fetchone()[0] == 6  # 7 loaded, 1 deleted
    finally:
        con.close()


def store_sid(db: Path, unit: str) -> str:
    con = queries.connect(db)
    try:
        return con.execute("select submission_id from current_submissions where unit_name = ?", [unit]).fetchone()[0]
    finally:
        con.close()


def test_a_write_that_fails_for_no_fault_of_the_person_is_said_in_bahasa_indonesia(tmp_path):
    with pytest.raises(workers.WriteFailed, match="Perubahan tidak tersimpan karena kesalahan di server"):
        workers.write(_fails)
    with pytest.raises(KeyError, match="tidak ada atau sudah dihapus"):  # the person's: passed through as is
        workers.write(store.delete_submission, tmp_path / "zi.duckdb", "x", by="A", reason="b", actor_role="admin")


def _fails() -> None:
    raise RuntimeError("/srv/zi/data/zi.duckdb: disk I/O error")


def test_zi_demo_without_ingest_does_not_say_it_loads(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "zi_data.cli", "demo", "--no-ingest", "--units", "2", "--years",
                           "2025-2025", "--out", str(tmp_path / "demo"), "--db", str(tmp_path / "zi.duckdb")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Memuat ke" not in proc.stdout and "Tidak dimuat ke basis data (--no-ingest)" in proc.stdout
    assert not (tmp_path / "zi.duckdb").exists()


def test_streamlit_shows_no_error_details_and_no_search_links():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]
    assert config["showErrorDetails"] == "none" and config["showErrorLinks"] is False


def test_a_page_that_fails_says_so_in_bahasa_indonesia_without_a_traceback(demo_db, monkeypatch, caplog):
    from tests.test_pages import ROOT as APP_ROOT
    from tests.test_pages import AppTest

    def broken(con, *args):
        raise RuntimeError("/srv/zi/data/zi.duckdb: kolom hilang")

    monkeypatch.setenv("ZI_DB", str(demo_db))
    monkeypatch.setenv("ZI_USERS", str(demo_db.parent / "tidak-ada.toml"))
    monkeypatch.chdir(APP_ROOT)
    monkeypatch.setattr(queries, "unit_scores", broken)
    import streamlit as st

    st.cache_data.clear()  # frames cached by earlier tests would spare the broken query
    at = AppTest.from_file(str(APP_ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception  # Streamlit's error box (a traceback in full mode) is never reached
    assert [e.value for e in at.error] == [
        "Halaman ini tidak dapat ditampilkan karena kesalahan di server. Muat ulang halaman; bila berulang, hubungi "
        "pengelola (rinciannya tercatat di log server)."]
    assert "kolom hilang" in caplog.text  # the details are in the server's log
