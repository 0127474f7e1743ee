"""The DuckDB schema (raw -> staged -> scored layers) and the connection helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from . import access

DEFAULT_DB = Path("data/zi.duckdb")
T = TypeVar("T")

# Layers as in jaffle_shop_duckdb: what was read (raw_*), typed and keyed (stg_*), then scored.
# Every table is append-or-replace per submission inside one transaction per file (ingest.py).
# The three large per-answer tables (raw_answers, stg_answers, scores) carry no primary key: the
# scoring engine writes exactly one row per question/node and assessor, a test checks it, and
# maintaining composite varchar indexes cost about 10% of the bulk ingest time.
SCHEMA = """
create sequence if not exists seq_reject start 1;

-- raw: every file seen, and every answer cell as read, with provenance
create table if not exists raw_files (
    sha256       varchar primary key,   -- content hash: the same bytes are never loaded twice
    file_path    varchar not null,
    file_name    varchar not null,
    size_bytes   bigint  not null,
    kind         varchar not null,      -- 'lke' | 'survey' | 'roster' | 'tpn' | 'table' (a CSV of no known kind)
    status       varchar not null,      -- 'loaded' | 'rejected'
    first_seen   timestamp not null default current_timestamp
);
create table if not exists raw_answers (
    submission_id varchar not null,
    assessor      varchar not null,     -- the assessment level: 'unit' | 'tpi_1' ... | 'tpi' | 'tpn'
    question_id   varchar not null,
    raw           varchar,              -- the cell as text
    raw_number    double,               -- the cell when it was a number (so re-scoring reads it exactly)
    note          varchar,
    evidence      varchar,
    sheet         varchar,
    row_number    integer
);

-- staged: units, submissions (one per file loaded), valued answers, survey results
create table if not exists stg_units (
    unit_id      varchar primary key,   -- md5 of normalised instansi + unit name
    unit_name    varchar not null,
    instansi     varchar not null
);
create table if not exists stg_submissions (
    submission_id varchar primary key,  -- = sha256 of the file
    unit_id       varchar not null,
    year          integer not null,
    edition       varchar not null,
    layout        varchar not null,
    file_path     varchar not null,
    file_name     varchar not null,
    loaded_at     timestamp not null,
    has_tpi       boolean not null,
    workbook_total double,              -- the workbook's own cached total, when it has one
    is_current    boolean not null,     -- the newest file for its unit and year
    superseded_by varchar,
    superseded_at timestamp,
    deleted_at    timestamp,            -- set by an admin; the row is kept
    deleted_by    varchar,
    delete_reason varchar,
    needs_review  varchar,              -- why a partial file loaded on request must be checked ('perlu diperiksa')
    read_info     varchar               -- JSON: sheet, header row, columns taken, matches per level, identity sources
);
-- a database made before these columns existed gets them (a no-op on a new one)
alter table stg_submissions add column if not exists needs_review varchar;
alter table stg_submissions add column if not exists read_info varchar;
-- the assessment levels of a submission, from the unit up, each with its column label as written
create table if not exists assessments (
    submission_id varchar not null,
    assessor      varchar not null,     -- unit | tpi_1, tpi_2, ... | tpi (the last TPI level) | tpn
    seq           integer not null,     -- order from the unit up
    kind          varchar not null,     -- unit | tpi | tpn
    label         varchar not null,     -- "Jawaban TPI KESDM"
    answered      integer not null,     -- catalog questions this level answered
    primary key (submission_id, assessor)
);
create table if not exists stg_answers (
    submission_id varchar not null,
    assessor      varchar not null,
    question_id   varchar not null,
    indicator_id  varchar not null,
    role          varchar not null,     -- 'scored' | 'percent' | 'count'
    answer        varchar,              -- normalised option / number, null when unanswered
    value         double,               -- 0..1 for scored items, the number for counts
    problem       varchar               -- why an answer could not be valued
);
create table if not exists stg_surveys (
    instansi_norm varchar not null,     -- '' when the survey file names no instansi
    unit_norm     varchar not null,     -- names compared without case, spaces or punctuation
    year          integer not null,
    unit_name     varchar not null,
    instansi      varchar not null,
    ipak          double,               -- 0-4
    ipkp          double,               -- 0-4
    capaian       varchar,              -- A-E, optional
    source_file   varchar not null,
    sha256        varchar not null,
    row_number    integer not null,
    loaded_at     timestamp not null,
    primary key (instansi_norm, unit_norm, year)   -- the newest survey file wins
);

-- scored: every level of the tree for every assessment level, every WBK/WBBM rule, warnings, rejects
create table if not exists scores (
    submission_id varchar not null,
    assessor      varchar not null,
    level         varchar not null,     -- indicator | area | sub_komponen | komponen | total
    node_id       varchar not null,
    parent_id     varchar,
    area_key      varchar,
    name          varchar not null,
    weight        double not null,
    score         double not null,
    answered      integer not null,
    expected      integer not null,
    completeness  double not null
);
create table if not exists rule_results (
    submission_id varchar not null,
    assessor      varchar not null,
    predicate     varchar not null,     -- WBK | WBBM
    rule_id       varchar not null,
    label         varchar not null,
    target        varchar not null,
    target_name   varchar not null,
    value         double not null,
    minimum       double not null,
    passed        boolean not null,
    margin        double not null,
    message       varchar not null
);
create table if not exists predicates (
    submission_id varchar not null,
    assessor      varchar not null,
    predicate     varchar not null,     -- WBBM | WBK | Belum memenuhi
    wbk           boolean not null,
    wbbm          boolean not null,
    primary key (submission_id, assessor)
);
create table if not exists warnings (
    submission_id varchar not null,
    message       varchar not null
);
create table if not exists rejects (
    reject_id    bigint primary key default nextval('seq_reject'),
    sha256       varchar,
    file_path    varchar not null,
    file_name    varchar not null,
    reason       varchar not null,
    rejected_at  timestamp not null default current_timestamp
);
create table if not exists history (
    happened_at   timestamp not null default current_timestamp,
    event         varchar not null,     -- loaded | superseded | deleted | rescored | roster | tpn | proposal
    submission_id varchar not null,     -- for roster, tpn: the file's sha256; for proposal: its proposal_id
    detail        varchar
);

-- the yearly cycle: which units build ZI (the roster), what the national team found (TPN results) and
-- the proposals saved. A newer roster or TPN file replaces the rows of the units and years it names.
create table if not exists stg_roster (
    unit_id      varchar not null,      -- as stg_units: md5 of normalised instansi + unit name
    year         integer not null,
    unit_name    varchar not null,
    instansi     varchar not null,
    target       varchar not null,      -- WBK | WBBM
    source_file  varchar not null,
    sha256       varchar not null,
    row_number   integer not null,
    loaded_at    timestamp not null,
    afirmasi     boolean,               -- the roster's optional Afirmasi column (null: not given = tidak)
    primary key (unit_id, year)
);
alter table stg_roster add column if not exists afirmasi boolean;
create table if not exists stg_tpn (
    unit_id      varchar not null,
    year         integer not null,
    unit_name    varchar not null,
    instansi     varchar not null,
    total        double not null,
    pengungkit   double,
    hasil        double,
    keputusan    varchar,               -- WBK | WBBM | Tidak; null while the TPN has not decided
    catatan      varchar,
    source_file  varchar not null,
    sha256       varchar not null,
    row_number   integer not null,
    loaded_at    timestamp not null,
    primary key (unit_id, year)
);
create table if not exists stg_tpn_areas (
    unit_id      varchar not null,
    year         integer not null,
    area_key     varchar not null,      -- MP, TL, SDM, AK, PW, PP, BERSIH, PELAYANAN
    score        double not null,       -- points, Pemenuhan and Reform together
    primary key (unit_id, year, area_key)
);
create sequence if not exists seq_proposal start 1;
create table if not exists proposals (
    proposal_id   bigint primary key default nextval('seq_proposal'),
    year          integer not null,
    predikat      varchar not null,     -- WBK | WBBM
    kuota         integer not null,
    instansi      varchar not null,     -- JSON list of the instansi it covers, sorted; [] = every instansi
    saved_by      varchar not null,
    saved_at      timestamp not null,
    superseded_at timestamp             -- a newer proposal for the same year, predicate and instansi
);
create table if not exists proposal_units (
    proposal_id   bigint not null,
    unit_id       varchar not null,
    unit_name     varchar not null,
    instansi      varchar not null,
    status        varchar not null,     -- diusulkan | cadangan | tidak_memenuhi
    rank          integer,              -- 1.. over the proposed and then the reserves
    tpi_total     double,
    margin        double,               -- the smallest margin over the predicate's rules
    detail        varchar,              -- the rule closest to failing, or every rule failed
    submission_id varchar,              -- the workbook the proposal was built on (what the PortalRB API serves)
    afirmasi      boolean,              -- the roster's Afirmasi when the proposal was saved
    primary key (proposal_id, unit_id)
);
-- proposals saved by an earlier version get the columns, empty (the API then finds the submission that was
-- current when the proposal was saved)
alter table proposal_units add column if not exists submission_id varchar;
alter table proposal_units add column if not exists afirmasi boolean;

-- what the pages read: the current, not deleted submission of each unit and year
create or replace view current_submissions as
select s.*, u.unit_name, u.instansi
from stg_submissions s
join stg_units u using (unit_id)
where s.is_current and s.deleted_at is null;

-- the TPN level of each unit and year: the TPN results file where it names the unit, else a workbook's
-- TPN answer column (scored like any level); its areas the same way
create or replace view tpn_results as
with from_file as (
    select unit_id, year, unit_name, instansi, total, pengungkit, hasil, keputusan, catatan,
           'hasil TPN ' || source_file as source
    from stg_tpn
),
from_workbook as (
    select c.unit_id, c.year, c.unit_name, c.instansi,
           max(case when s.node_id = 'TOTAL' then s.score end) as total,
           max(case when s.node_id = 'PENGUNGKIT' then s.score end) as pengungkit,
           max(case when s.node_id = 'HASIL' then s.score end) as hasil,
           cast(null as varchar) as keputusan, cast(null as varchar) as catatan,
           'workbook ' || c.file_name as source
    from current_submissions c join scores s using (submission_id)
    where s.assessor = 'tpn' and s.level in ('total', 'komponen')
    group by all
),
final as (
    select * from from_file
    union all by name
    select w.* from from_workbook w anti join from_file f using (unit_id, year)
)
select * from final;
create or replace view tpn_area_results as
with from_file as (
    select unit_id, year, area_key, score from stg_tpn_areas
),
from_workbook as (
    select c.unit_id, c.year, s.area_key, sum(s.score) as score
    from current_submissions c join scores s using (submission_id)
    where s.assessor = 'tpn' and s.level = 'area'
    group by all
),
final as (
    select * from from_file
    union all by name
    select w.* from from_workbook w anti join stg_tpn t using (unit_id, year)
)
select * from final;
"""


# A writer waits this long for readers (the dashboard) to let go of the file.
LOCK_WAIT_S = 60.0


def connect(db: str | Path = DEFAULT_DB, read_only: bool = False,
            wait_s: float = LOCK_WAIT_S) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting while another process holds it; a writer also makes sure the schema exists.

    DuckDB lets one process write or several read at a time: both sides keep their hold short.
    The schema is checked on every write connection (about 5 ms, a third of the connect itself):
    a cache of "already checked" files went stale when a restore replaced the file under a
    long-running process, whose next write then failed with "Table raw_files does not exist".
    """
    db = Path(db)
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    con = while_locked(lambda: duckdb.connect(str(db), read_only=read_only), wait_s)
    if not read_only:
        con.execute(SCHEMA)
    return con


def while_locked(open_: Callable[[], T], wait_s: float = LOCK_WAIT_S) -> T:
    """open_() (a connect or an ATTACH), retried while another process holds the file's lock, up to wait_s."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return open_()
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def session(db: str | Path = DEFAULT_DB) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection for one piece of work, closed (and the lock released) right after."""
    con = connect(db)
    try:
        yield con
    finally:
        con.close()


def delete_submission(db: str | Path, submission_id: str, by: str, reason: str, *, actor_role: str | None) -> None:
    """Take a submission out of the current views; its rows stay, with who, when and why.

    If it was the current file of its unit and year, the newest earlier one becomes current again.
    Only an admin may (`actor_role`, checked here and not only by the page that shows the button).
    """
    access.require(actor_role, "delete")
    with session(db) as con:
        con.execute("begin")
        try:
            row = con.execute("select unit_id, year, is_current from stg_submissions where submission_id = ? "
                              "and deleted_at is null", [submission_id]).fetchone()
            if row is None:
                raise KeyError(f"pengajuan {submission_id} tidak ada atau sudah dihapus")
            unit, year, was_current = row
            con.execute("update stg_submissions set deleted_at = current_timestamp, deleted_by = ?, "
                        "delete_reason = ?, is_current = false where submission_id = ?", [by, reason, submission_id])
            con.execute("insert into history (event, submission_id, detail) values ('deleted', ?, ?)",
                        [submission_id, f"dihapus oleh {by}: {reason}"])
            if was_current:
                previous = con.execute(
                    "select submission_id from stg_submissions where unit_id = ? and year = ? and deleted_at is null "
                    "order by loaded_at desc limit 1", [unit, year]).fetchone()
                if previous:
                    con.execute("update stg_submissions set is_current = true, superseded_by = null, "
                                "superseded_at = null where submission_id = ?", [previous[0]])
                    con.execute("insert into history (event, submission_id, detail) values ('restored', ?, ?)",
                                [previous[0], "kembali aktif karena pengajuan yang lebih baru dihapus"])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
