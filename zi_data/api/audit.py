"""Every API request recorded in its own SQLite file beside the database (WAL mode), never in the DuckDB file:
the API only reads that one, so it never waits for or blocks `zi ingest` and the dashboard.

A row: time, token name (never the token), instansi, method, endpoint, the unit asked for, status, size and the
SHA-256 of the body served, the proposal and submission it came from, how long it took, the client's address.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

SCHEMA = """
create table if not exists requests (
    id            integer primary key,
    at            text not null,      -- local time, ISO 8601 with milliseconds
    token         text,               -- the token's name; null when none or an unknown one was sent
    instansi      text,
    method        text not null,
    endpoint      text not null,      -- the route ('/lke/jawaban-unit/{unit_id}'), or the path asked for when unknown
    unit_id       text,               -- the unit id asked for, as sent
    status        integer not null,
    code          text,               -- the error code of a non-2xx answer
    size          integer not null,   -- bytes of the body sent
    sha256        text,               -- of the body sent
    tahun         integer,
    proposal_id   integer,
    submission_id text,
    ms            real,
    client        text
);
create index if not exists requests_by_unit on requests (unit_id, id);
create index if not exists requests_by_endpoint on requests (endpoint, id);
"""


def audit_path(db: str | Path) -> Path:
    """data/zi.duckdb -> data/zi.duckdb.audit.sqlite (ignored by git with the database)."""
    return Path(f"{db}.audit.sqlite")


@dataclass
class Entry:
    method: str
    endpoint: str
    status: int = 0
    token: str | None = None
    instansi: str | None = None
    unit_id: str | None = None
    code: str | None = None
    size: int = 0
    sha256: str | None = None
    tahun: int | None = None
    proposal_id: int | None = None
    submission_id: str | None = None
    ms: float | None = None
    client: str | None = None


class AuditLog:
    """The writer the server uses: one connection for the server's life, shared by its threads under a lock (opening
    one per request costs a checkpoint of the log each time it closes, about 10 ms). In WAL mode a commit does not
    wait for the disk, and readers (the Siklus page) never block it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        self._con.execute("pragma journal_mode=wal")
        self._con.execute("pragma synchronous=normal")
        self._con.executescript(SCHEMA)
        self._lock = threading.Lock()

    def record(self, e: Entry) -> None:
        row = (datetime.now().isoformat(timespec="milliseconds"), e.token, e.instansi, e.method, e.endpoint[:300],
               (e.unit_id or None) and e.unit_id[:80], e.status, e.code, e.size, e.sha256, e.tahun, e.proposal_id,
               e.submission_id, e.ms, e.client)
        with self._lock, self._con:
            self._con.execute("insert into requests (at, token, instansi, method, endpoint, unit_id, status, code, "
                              "size, sha256, tahun, proposal_id, submission_id, ms, client) "
                              "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)


def read(db: str | Path, sql: str, params: list | tuple = ()) -> pd.DataFrame:
    """A query on the audit file, read-only; an empty frame when nothing was recorded yet."""
    path = audit_path(db)
    if not path.exists():
        return pd.DataFrame()
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as con:
        return pd.read_sql_query(sql, con, params=params)


def last_fetches(db: str | Path, unit_ids: list[str]) -> pd.DataFrame:
    """Per public unit id and the instansi of the token that asked: the last GET of its answers (any status), and
    the last successful one."""
    if not unit_ids:
        return pd.DataFrame()
    return read(db, """
        with mine as (
            select * from requests where method = 'GET' and endpoint = '/lke/jawaban-unit/{unit_id}'
              and unit_id in (select value from json_each(?))
        ),
        last as (select unit_id, instansi, max(id) as id from mine group by unit_id, instansi),
        last_ok as (select unit_id, instansi, max(id) as id from mine where status = 200 group by unit_id, instansi)
        select l.unit_id, l.instansi, a.at, a.status, a.code, a.token, b.at as ok_at, b.sha256 as ok_sha256,
               b.submission_id as ok_submission
        from last l join mine a on a.id = l.id left join last_ok o on o.unit_id = l.unit_id
             and o.instansi is l.instansi
        left join mine b on b.id = o.id
    """, [json.dumps([u.upper() for u in unit_ids])])


def last_lists(db: str | Path) -> pd.DataFrame:
    """PortalRB's last GET of each unit list, per instansi: when, status, and the hash of the last one served."""
    return read(db, """
        with lists as (select * from requests where method = 'GET' and endpoint like '/pengusulan/%'),
        last as (select instansi, endpoint, max(id) as id from lists group by instansi, endpoint),
        last_ok as (select instansi, endpoint, max(id) as id from lists where status = 200 group by instansi, endpoint)
        select l.instansi, l.endpoint, a.at, a.status, a.code, b.at as ok_at, b.sha256 as ok_sha256
        from last l join lists a on a.id = l.id left join last_ok o using (instansi, endpoint)
        left join lists b on b.id = o.id
    """)
