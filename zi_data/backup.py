"""Consistent copies of the database while the dashboard reads it (`zi backup`), and putting one back (`zi restore`)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import store

# A backup must hold these; anything else given to `zi restore` is refused.
REQUIRED_TABLES = ("raw_files", "stg_units", "stg_submissions", "scores", "predicates", "history")
RESTORE_WAIT_S = 10.0  # how long a restore waits for a writer (zi ingest, an upload) to let go


class BusyError(RuntimeError):
    """Another process is writing the database."""


@dataclass(frozen=True)
class Copied:
    path: Path
    submissions: int
    size_bytes: int
    kept: Path | None = None  # restore: where the replaced database was moved


def backup(db: Path, out: Path, wait_s: float = store.LOCK_WAIT_S) -> Copied:
    """Copy `db` to the new file `out`, consistent even while the dashboard reads it or an ingestion runs.

    The source is attached read-only, which holds DuckDB's shared lock: readers go on, a writer waits
    until the copy is done (and the copy waits for a writer's commit), so the copy is one committed state.
    """
    db, out = Path(db), Path(out)
    if not db.exists():
        raise FileNotFoundError(f"basis data {db} tidak ada")
    if out.exists():
        raise FileExistsError(f"{out} sudah ada; pilih nama lain (cadangan tidak pernah ditimpa)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    submissions = _copy(db, tmp, wait_s)
    os.replace(tmp, out)  # a backup file exists only once it is complete
    return Copied(out, submissions, out.stat().st_size)


def restore(source: Path, db: Path, wait_s: float = RESTORE_WAIT_S) -> Copied:
    """Replace `db` by the backup `source`; the replaced database is kept as `<db>.<time>.bak`.

    Refused when `source` is not a ZI Monitor database, or when a writer holds `db` for longer than
    wait_s. The dashboard needs no restart: it opens the database anew for every query.
    """
    source, db = Path(source), Path(db)
    if not source.exists():
        raise FileNotFoundError(f"cadangan {source} tidak ada")
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(f".{db.name}.restore.tmp")
    submissions = _copy(source, tmp, store.LOCK_WAIT_S)
    if not db.exists():
        os.replace(tmp, db)
        return Copied(db, submissions, db.stat().st_size)
    try:
        con = store.while_locked(lambda: duckdb.connect(str(db)), wait_s)
    except duckdb.IOException as exc:
        _remove(tmp)
        raise BusyError(f"{db} sedang ditulis oleh proses lain (zi ingest atau unggahan di dasbor); "
                        "tunggu sampai selesai lalu ulangi") from exc
    try:
        # Holding the write lock: no writer can change the old file between the checkpoint and the swap.
        con.execute("checkpoint")
        kept = _free_name(db.with_name(f"{db.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak"))
        os.replace(db, kept)
        os.replace(tmp, db)
    finally:
        con.close()
    return Copied(db, submissions, db.stat().st_size, kept=kept)


def _copy(src: Path, dst: Path, wait_s: float) -> int:
    """Copy the ZI Monitor database `src` into the new file `dst`; the number of submissions it holds."""
    _remove(dst)
    con = duckdb.connect()  # in memory: only the two files below are attached
    done = False
    try:
        try:
            store.while_locked(lambda: con.execute("attach ? as src (read_only)", [str(src)]), wait_s)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise BusyError(f"{src} sedang ditulis oleh proses lain lebih lama dari {wait_s:.0f} detik") from exc
            raise ValueError(f"{src} bukan basis data DuckDB") from exc
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables() where database_name = 'src'")
                  .fetchall()}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise ValueError(f"{src} bukan basis data ZI Monitor (tabel {', '.join(missing)} tidak ada)")
        con.execute("attach ? as dst", [str(dst)])
        con.execute("copy from database src to dst")  # tables, views, sequences at their current values
        submissions = con.execute("select count(*) from src.stg_submissions").fetchone()[0]
        con.execute("detach dst")  # written out and closed before anyone renames it
        con.execute("detach src")
        done = True
        return submissions
    finally:
        con.close()
        if not done:  # nothing half-written is left behind
            _remove(dst)


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


def _free_name(path: Path) -> Path:
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate
