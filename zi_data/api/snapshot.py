"""What the server read from the database, kept until the database changes, so that PortalRB's fetches (the list,
then every unit, and its refetches) read each thing once per change of the database, one connection per request.

The version of the database is the (time, size, inode) of its file and of its write-ahead log: every commit
appends to the log (its size grows) and every checkpoint rewrites the file and empties the log, so any write
changes it. A version read before a commit and data read after it only ever pair old with newer data, never the
reverse; the next request sees the new version and reads again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from . import served as served_mod

AHEAD = 4  # on a miss, the answers of the next units of the list are read too, on the same connection


def version(db: Path) -> tuple:
    out = []
    for p in (db, Path(f"{db}.wal")):
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


class View:
    """One request's reads: from what is kept, else through one short read-only connection opened on first need
    and closed when the request is done."""

    def __init__(self, snapshot: Snapshot, connect: Callable[[], duckdb.DuckDBPyConnection]):
        self.snapshot, self._connect = snapshot, connect
        self._con: duckdb.DuckDBPyConnection | None = None
        self.resolved = False  # this request had to read the proposals: it reads no units ahead

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = self._connect()
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def served(self, instansi: str) -> served_mod.Served:
        kept = self.snapshot._served
        if instansi not in kept:
            kept[instansi] = served_mod.resolve(self.connection(), instansi, self.snapshot.tahun)
            self.resolved = True
        return kept[instansi]

    def answers(self, s: served_mod.Served, submission_id: str) -> list[dict]:
        """One submission's answers; on a miss, those of the next AHEAD units of its list too (PortalRB fetches
        the units in the list's order): one connection then serves several units. Not when this request read the
        proposals already, so that no single answer waits for more than two reads."""
        kept = self.snapshot._answers
        if submission_id not in kept:
            order = [u.submission_id for p in s.units for u in s.listed(p)]
            after = order[order.index(submission_id) + 1:] if submission_id in order else []
            wanted = [submission_id] + [sid for sid in after if sid not in kept][:0 if self.resolved else AHEAD]
            kept.update(served_mod.answers(self.connection(), wanted))
        return kept[submission_id]


class Snapshot:
    """Per database version: each instansi's Served and each submission's answers read so far."""

    def __init__(self, db: Path, tahun: int | None):
        self.db, self.tahun = Path(db), tahun
        self._version: tuple | None = None
        self._served: dict[str, served_mod.Served] = {}
        self._answers: dict[str, list[dict]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def view(self, connect: Callable[[], duckdb.DuckDBPyConnection]) -> Iterator[View]:
        """A request's reads, one request at a time; what was kept for an older version is dropped first."""
        with self._lock:
            now = version(self.db)
            if now != self._version:
                self._version, self._served, self._answers = now, {}, {}
            view = View(self, connect)
            try:
                yield view
            finally:
                view.close()
