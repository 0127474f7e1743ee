"""SIGKILL in the middle of `zi ingest` leaves a consistent database; reading while ingesting sees whole files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from zi_data import queries
from zi_data.demo import generate
from zi_data.store import connect

ROOT = Path(__file__).resolve().parents[2]
N_UNITS, YEARS = 40, [2024, 2025, 2026]
N_CURRENT = N_UNITS * len(YEARS)  # the demo adds two revised workbooks, which supersede two of these
# Tables that hold rows per submission: after any stop, each must cover exactly the stored submissions.
PER_SUBMISSION = ["raw_answers", "stg_answers", "scores", "rule_results", "predicates"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("many")
    generate(root, units=N_UNITS, years=YEARS, seed=9, bad_files=False, surveys=False)
    return root


def n_files(folder: Path) -> int:
    return len(list(folder.rglob("*.xlsx")))


def zi_ingest(folder: Path, db: Path, batch: int) -> subprocess.Popen:
    env = dict(os.environ, ZI_INGEST_BATCH=str(batch))
    return subprocess.Popen([sys.executable, "-m", "zi_data.cli", "ingest", str(folder), "--db", str(db), "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def consistency(con: duckdb.DuckDBPyConnection) -> int:
    """Every stored submission is complete and nothing belongs to a submission that is not stored."""
    subs = {r[0] for r in con.execute("select submission_id from stg_submissions").fetchall()}
    for table in PER_SUBMISSION:
        have = {r[0] for r in con.execute(f"select distinct submission_id from {table}").fetchall()}
        assert have == subs, f"{table}: {len(have ^ subs)} submissions half-written"
    totals = con.execute("select count(*) from scores where node_id = 'TOTAL' and assessor = 'unit'").fetchone()[0]
    assert totals == len(subs)
    files = con.execute("select count(*) from raw_files where status = 'loaded'").fetchone()[0]
    assert files == len(subs)
    return len(subs)


def submissions(db: Path) -> int:
    con = queries.connect(db)
    try:
        return con.execute("select count(*) from stg_submissions").fetchone()[0]
    finally:
        con.close()


def test_sigkill_in_the_middle_leaves_the_database_consistent_and_the_next_run_completes(folder, tmp_path):
    db = tmp_path / "zi.duckdb"
    proc = zi_ingest(folder, db, batch=1)  # a commit per file, so there is a middle to stop in
    seen = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                seen = submissions(db)
            except (queries.DatabaseBusy, duckdb.Error):
                seen = 0
            if 0 < seen < N_CURRENT // 2:
                break
        time.sleep(0.02)
    assert proc.poll() is None, "zi ingest ended before it could be stopped in the middle"
    os.killpg(proc.pid, signal.SIGKILL)  # the ingest process and its workers, no chance to clean up
    proc.wait(timeout=30)
    con = connect(db)
    try:
        stored = consistency(con)
    finally:
        con.close()
    assert 0 < stored < n_files(folder)
    rerun = zi_ingest(folder, db, batch=100)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    con = connect(db)
    try:
        assert consistency(con) == n_files(folder)
        assert con.execute("select count(*) from current_submissions").fetchone()[0] == N_CURRENT
    finally:
        con.close()


def test_reading_while_ingesting_sees_the_data_from_before_or_after_never_half(folder, tmp_path):
    db = tmp_path / "zi.duckdb"
    connect(db).close()
    proc = zi_ingest(folder, db, batch=5)
    seen: list[int] = []
    errors: list[BaseException] = []

    def read_like_the_dashboard() -> None:
        while proc.poll() is None:
            try:
                con = queries.connect(db)
                try:
                    n = consistency(con)
                    scores = queries.unit_scores(con, 2026, "unit")
                    assert scores["total"].notna().all()  # a listed unit always has its scores
                    seen.append(n)
                finally:
                    con.close()
            except BaseException as exc:  # noqa: BLE001 - any failure of the reader is the finding
                errors.append(exc)
                return
            time.sleep(0.01)

    reader = threading.Thread(target=read_like_the_dashboard)
    reader.start()
    out, err = proc.communicate(timeout=300)
    reader.join(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert errors == []
    print("submissions seen by the reader:", seen)
    assert len(set(seen)) >= 2 and seen == sorted(seen)  # whole files appear between commits, none vanish
    assert all(n % 5 == 0 for n in seen if n < n_files(folder))  # commits of 5 whole files, nothing between
    con = connect(db)
    try:
        assert consistency(con) == n_files(folder)
    finally:
        con.close()
