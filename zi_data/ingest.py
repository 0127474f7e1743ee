"""Files -> content hash -> read -> score -> DuckDB, one transaction per file, rejects recorded with their reason."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from . import access, predicates, store, workers
from .catalog import DATA_DIR, load_catalog
from .cycle.load import load_roster, load_tpn
from .cycle.roster import looks_like_roster, read_roster
from .cycle.tpn import looks_like_tpn, read_tpn
from .evaluate import Evaluation, evaluate
from .names import norm_name, unit_id
from .predicates import fmt
from .readers import ReadError, Workbook, read_workbook
from .readers.base import Level, NoFormError, level_name, level_order
from .readers.formats import ACCEPTED, CSV_SUFFIX, WORKBOOK_SUFFIXES
from .readers.identity import IDENTITY_CSV
from .scoring import LEVEL_COLUMNS
from .surveys import SurveyFile, looks_like_survey, read_survey
from .tables import Table, try_read_table

SUFFIXES = WORKBOOK_SUFFIXES
WORKERS = max(1, min(2, os.cpu_count() or 1))
# Complete files per commit in bulk runs (ZI_INGEST_BATCH tunes it: smaller commits let readers in sooner).
BATCH = int(os.environ.get("ZI_INGEST_BATCH", "250"))


@dataclass
class IngestSummary:
    loaded: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    surveys: int = 0
    rosters: int = 0
    tpn: int = 0
    rescored: int = 0
    warnings: int = 0
    submissions: list[str] = field(default_factory=list)
    twins: list[tuple[str, str]] = field(default_factory=list)  # (file skipped, the file of this run with its bytes)
    remembered: int = 0  # of the rejected: refused before for the same bytes and givens, not read again

    def to_json(self) -> dict[str, Any]:
        return {"loaded": self.loaded, "unchanged": self.unchanged, "superseded": self.superseded,
                "rejected": self.rejected, "surveys_loaded": self.surveys, "rosters_loaded": self.rosters,
                "tpn_loaded": self.tpn, "rescored": self.rescored,
                "warnings": self.warnings, "rejected_remembered": self.remembered, "twins": [{"file": a, "same_as": b} for a, b in self.twins]}

    def describe(self) -> str:
        lines = [f"Dimuat: {self.loaded} workbook, {self.surveys} berkas survei"
                 + (f", {self.rosters} daftar unit" if self.rosters else "")
                 + (f", {self.tpn} berkas hasil TPN" if self.tpn else ""),
                 f"Tidak berubah (sudah pernah dimuat): {self.unchanged}",
                 f"Menggantikan pengajuan lama: {self.superseded}",
                 f"Dihitung ulang karena survei: {self.rescored}",
                 f"Peringatan: {self.warnings}",
                 f"Ditolak: {len(self.rejected)}"
                 + (f" ({self.remembered} sudah ditolak sebelumnya dengan alasan yang sama dan tidak dibaca ulang)"
                    if self.remembered else "")]
        lines += [f"  - {r['reason']}" for r in self.rejected]
        if self.twins:
            lines.append(f"Berkas kembar (isinya sama persis dengan berkas lain, dilewati): {len(self.twins)}")
            lines += [f"  - {a} = {b}" for a, b in self.twins]
        return "\n".join(lines)


def discover(paths: list[Path]) -> tuple[list[Path], list[dict[str, str]]]:
    """Files under the given paths (folders recursively); a named file of an unknown type is a reject.

    An identitas.csv is no data of its own: it names the workbooks of its folder (readers/identity.py)."""
    found: list[Path] = []
    rejected = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith(("~$", ".")) \
                        and f.name.casefold() != IDENTITY_CSV:
                    found.append(f)
        elif p.is_file():
            if p.name.casefold() == IDENTITY_CSV:
                rejected.append({"file": str(p), "reason": f"{p.name}: daftar identitas, bukan data: dipakai otomatis "
                                 "untuk workbook di folder yang sama (muat foldernya)"})
            elif p.suffix.lower() in SUFFIXES:
                found.append(p)
            else:
                rejected.append({"file": str(p), "reason": f"{p.name}: jenis berkas '{p.suffix}' tidak didukung "
                                 f"(yang diterima: {ACCEPTED})"})
        else:
            rejected.append({"file": str(p), "reason": f"{p.name}: berkas atau folder tidak ditemukan"})
    return found, rejected


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Prepared:
    """A workbook read and scored, ready to be written in one transaction: what its submission row needs
    (`meta`) and its rows of every per-answer table as Arrow tables. Both are made where the file was read
    (a worker process): the one process that writes only concatenates and inserts them."""

    path: Path
    sha256: str
    size: int
    meta: dict[str, Any]
    tables: dict[str, pa.Table]

    @classmethod
    def of(cls, path: Path, sha: str, size: int, ev: Evaluation) -> Prepared:
        wb = ev.workbook
        meta = dict(unit=wb.unit, instansi=wb.instansi, year=wb.year, edition=wb.edition, layout=wb.layout,
                    has_tpi="tpi" in ev.scores.assessors, workbook_total=wb.own_figures.get("TOTAL"),
                    needs_review=ev.needs_review, read_info=json.dumps(wb.read_info, ensure_ascii=False, default=str),
                    totals=totals_text(ev), warnings=len(ev.warnings))
        return cls(path=path, sha256=sha, size=size, meta=meta, tables=scored_tables(ev, sha, raw=True))

    # Sent back from a worker process: each table as Arrow's own stream format, five times cheaper than
    # pickling the Arrow tables themselves.
    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__, tables={k: _to_stream(v) for k, v in self.tables.items()})

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, tables={k: pa.ipc.open_stream(v).read_all() for k, v in state["tables"].items()})


def _to_stream(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


SURVEY = "survey"
# Tables recognised by their header row, tried in this order (a TPN file may also name a target).
TABLE_KINDS: dict[str, Callable[[list[Any]], bool]] = {
    "tpn": looks_like_tpn, "roster": looks_like_roster, SURVEY: looks_like_survey}
NOT_A_TABLE = ("bukan berkas yang dikenali: CSV harus berupa sheet LKE yang disimpan sebagai CSV (baris judul "
               "dengan kolom Jawaban dan baris pertanyaan), hasil survei (kolom Unit Kerja, Tahun, IPAK/IPKP), "
               "daftar unit (Unit Kerja, Instansi, Tahun, Target) atau hasil TPN (Unit Kerja, Instansi, Tahun, "
               "Nilai TPN)")


def table_kind(path: Path) -> tuple[str | None, Table | None]:
    """Which of the small tables a file is, by its header row ("tpn", "roster", "survey" or None), and its rows."""
    table = try_read_table(path, lambda header: any(test(header) for test in TABLE_KINDS.values()))
    if table is None or table.header_index is None:
        return None, table
    return next(kind for kind, test in TABLE_KINDS.items() if test(table.header)), table


def prepare(path: Path, sha: str, surveys: dict[tuple[str, str, int], dict], identity: dict | None = None,
            allow_partial: bool = False) -> Prepared | dict[str, str] | tuple[str, Table | None]:
    """Read and score one workbook (runs in a worker process); a dict is a rejection, a (TABLE_KINDS key, Table)
    pair a table, handed on as read.

    `identity` is what the person loading the file says (unit, instansi, year); `allow_partial` loads a
    file that matches too little of the catalog, marked for review."""
    try:
        try:
            wb = read_workbook(path, identity=identity, allow_partial=allow_partial)
        except ReadError as exc:
            kind, table = table_kind(path)
            if kind:
                return kind, table
            if isinstance(exc, NoFormError) and path.suffix.lower() == CSV_SUFFIX:
                return {"file": str(path), "reason": f"{path.name}: {NOT_A_TABLE}"}
            raise
        record = find_survey(surveys, wb.unit, wb.instansi, wb.year)
        ev = evaluate(wb, survey=record, survey_source=record["source"] if record else "")
        return Prepared.of(path, sha, path.stat().st_size, ev)
    except ReadError as exc:
        return {"file": str(path), "reason": str(exc)}
    except Exception as exc:  # a reader bug must reject one file, not stop the run
        return {"file": str(path), "reason": f"{path.name}: kesalahan tak terduga saat membaca ({exc!r})"}


def find_survey(surveys: dict[tuple[str, str, int], dict], unit: str, instansi: str, year: int | None) -> dict | None:
    if year is None:
        return None
    key = norm_name(unit)
    return surveys.get((norm_name(instansi), key, year)) or surveys.get(("", key, year))


def load_surveys(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, int], dict]:
    rows = con.execute("select instansi_norm, unit_norm, year, ipak, ipkp, capaian, source_file from stg_surveys")
    return {(i, u, y): {"ipak": a, "ipkp": p, "capaian": c, "source": s} for i, u, y, a, p, c, s in rows.fetchall()}


class Progress:
    """A one-line progress bar on stderr, only when a person is watching it."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done = total, 0
        self.enabled = enabled and total > 0 and sys.stderr.isatty()

    def step(self, label: str = "") -> None:
        self.done += 1
        if self.enabled:
            width = 30
            filled = int(width * self.done / self.total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label[:40]:40}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def ingest_paths(paths: list[Path], db: Path | str = store.DEFAULT_DB, progress: bool = False,
                 batch_size: int = BATCH, *, actor_role: str | None, identity: dict | None = None,
                 allow_partial: bool = False) -> IngestSummary:
    """Load every workbook and survey file under `paths`; each file loads whole or not at all.

    `identity` ({"unit", "instansi", "year"}) is what the person loading says, for files that do not
    say it themselves (or to correct them); `allow_partial` loads workbooks that match too little of
    the catalog, marked "perlu diperiksa".

    Workbooks are read in worker processes with a memory limit (workers.Pool): a file that crashes the parser
    or exhausts its memory is that file's refusal, and the run goes on. Files are committed in groups of up to
    `batch_size` complete files, together with the refusals met meanwhile (one commit costs more than scoring
    a file); a group that fails is retried file by file, each in its own transaction. A refusal is remembered
    for the same bytes, reader version and what was given (identity, flags, the file's place): an unchanged
    folder is not read again. `actor_role` is the role of whoever asked (access.COMMAND_LINE_ROLE for `zi`):
    checked here, so a page that forgot to hide its button still cannot load anything.
    """
    access.require(actor_role, "ingest")
    summary = IngestSummary()
    files, summary.rejected = discover(paths)
    reader = reader_version()
    # The write lock is held only while something is written, so the dashboard can read in between;
    # readers see committed files only.
    # Files loaded before are skipped; refused ones are read again only when something that could change the
    # answer changed: the person now says who they are (--unit ...) or accepts a partial sheet, the file
    # moved or its folder's identitas.csv changed, or the reader is another version.
    with _writer(db) as con:
        known = {r[0] for r in con.execute("select sha256 from raw_files where status = 'loaded'").fetchall()}
        remembered = {(sha, ctx): reason for sha, ctx, reason in con.execute(
            "select sha256, context, reason from refusals where reader = ?", [reader]).fetchall()}
    fresh: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}
    contexts: dict[str, str] = {}  # sha256 -> what the refusal of its file would be remembered with
    folders: dict[str, str] = {}
    for f in files:
        sha = file_hash(f)
        if sha in seen:  # the same bytes twice in one run: said, not silently counted as unchanged
            summary.twins.append((str(f), str(seen[sha])))
            continue
        if sha in known:
            summary.unchanged += 1
            continue
        seen[sha] = f
        contexts[sha] = ctx = refusal_context(f, identity, allow_partial, folders)
        if (sha, ctx) in remembered:
            summary.rejected.append({"file": str(f), "reason": remembered[sha, ctx]})
            summary.remembered += 1
            continue
        fresh.append((f, sha))
    bar = Progress(len(fresh), progress)
    books = []
    refusals: list[Refusal] = []  # written with the next batch, on its connection
    for f, sha in fresh:  # CSV tables first, so workbooks of the same run get their survey values
        kind, table = table_kind(f) if f.suffix.lower() == CSV_SUFFIX else (None, None)
        if kind:
            _ingest_table(db, f, sha, summary, refusals, contexts[sha], kind, table)
            bar.step(f.name)
        else:  # a workbook, or a CSV of no table's kind: the LKE sheet saved as CSV, read as a workbook
            books.append((f, sha))
    _write_refusals(db, refusals, summary)
    surveys: dict = {}
    if books:
        with _writer(db) as con:
            surveys = load_surveys(con)
    batch: list[Prepared] = []

    def flush() -> None:
        if batch or refusals:
            with _writer(db) as con:
                _record_refusals(con, refusals, summary)
                _write_batch(con, batch, summary)
            batch.clear()

    for (f, sha), result in zip(books, _prepared(books, surveys, identity, allow_partial), strict=True):
        if isinstance(result, tuple):  # a table in an Excel file; a survey re-scores the units it covers
            flush()
            _ingest_table(db, f, sha, summary, refusals, contexts[sha], *result)
        elif isinstance(result, dict):
            refusals.append(Refusal(result, sha, contexts[sha], remember=result.pop("remember", True)))
        else:
            batch.append(result)
            if len(batch) >= batch_size:
                flush()
        bar.step(f.name)
    flush()
    bar.close()
    return summary


@lru_cache(maxsize=1)
def reader_version() -> str:
    """What a refusal is remembered against: the library's code, the data files that steer reading (catalog,
    labels, settings) and the Excel parser's version. Any change reads the refused files anew."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for p in sorted(package.rglob("*.py")) + sorted(DATA_DIR.glob("*.csv")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    try:
        h.update(metadata.version("python-calamine").encode())
    except metadata.PackageNotFoundError:
        pass
    return h.hexdigest()[:16]


def refusal_context(path: Path, identity: dict | None, allow_partial: bool,
                    folders: dict[str, str] | None = None) -> str:
    """Everything besides its bytes that a file's reading depends on: what the person gave (identity, accepting a
    partial sheet), where the file is (its folders and name may say its unit and year) and its folder's
    identitas.csv (`folders` remembers each folder's within one run)."""
    where = os.path.abspath(path)  # no file system calls: a file moved by a link is read once more at worst
    folder = os.path.dirname(where)
    listed = folders.get(folder) if folders is not None else None
    if listed is None:
        names = Path(folder) / IDENTITY_CSV
        listed = file_hash(names) if names.is_file() else ""
        if folders is not None:
            folders[folder] = listed
    given = {k: str(v) for k, v in (identity or {}).items() if v not in (None, "")}
    return json.dumps([where, given, bool(allow_partial), listed], ensure_ascii=False, sort_keys=True)


@dataclass
class Refusal:
    """A file refused in this run, to be recorded: the reason (with the file), its bytes' hash, what its reading
    depended on, and whether it is remembered (not a failure of the moment: a commit that failed, a timeout)."""

    result: dict[str, str]
    sha: str | None
    context: str | None
    kind: str = "lke"
    remember: bool = True


@contextmanager
def _writer(db: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write session for ingestion. One DuckDB thread: the worker processes already use the machine's
    cores, and a multi-threaded insert of small Arrow tables costs more CPU than it saves."""
    with store.session(db) as con:
        con.execute("set threads = 1")
        yield con


def _prepared(books: list[tuple[Path, str]], surveys: dict, identity: dict | None, allow_partial: bool):
    """Read and score in capped worker processes; results come back in order. A worker that died on a file, or
    ran out of its memory or time, gives that file's refusal."""
    if not books:
        return
    with workers.Pool(prepare, (surveys, identity, allow_partial), workers=min(WORKERS, len(books))) as pool:
        for (f, _), result in zip(books, pool.map(books), strict=True):
            if isinstance(result, workers.Failure):
                yield {"file": str(f), "reason": f"{f.name}: {result.reason}", "remember": result.kind != "timeout"}
            else:
                yield result


def totals_text(ev: Evaluation) -> str:
    """ "total Unit 85,12; TPI 80,33" for the history."""
    return "total " + "; ".join(f"{level_name(a)} {fmt(ev.scores.total(a))}" for a in ev.scores.assessors)


def _reject(con: duckdb.DuckDBPyConnection, result: dict[str, str], summary: IngestSummary,
            sha: str | None, kind: str = "lke", context: str | None = None, remember: bool = False) -> None:
    """Record one refusal now, on `con`."""
    _record_refusals(con, [Refusal(result, sha, context, kind, remember)], summary)


def _write_refusals(db: Path | str, refusals: list[Refusal], summary: IngestSummary) -> None:
    if refusals:
        with _writer(db) as con:
            _record_refusals(con, refusals, summary)


def _record_refusals(con: duckdb.DuckDBPyConnection, refusals: list[Refusal], summary: IngestSummary) -> None:
    """Record refusals in one transaction: each in `rejects` (the same file refused again for the same reason
    once), its hash in raw_files as 'rejected', and, when remembered, in `refusals` for the next run. Empties the
    list."""
    if not refusals:
        return
    reader = reader_version()
    rows = []
    for r in refusals:
        path = Path(r.result["file"])
        rows.append((r.sha, str(path), path.name, r.result["reason"], path.stat().st_size if path.exists() else 0,
                     r.kind, r.context if r.remember else None))
    # DuckDB reads the frame by its Python name; one statement per table, whatever the number of refusals
    df_refused = pd.DataFrame(rows, columns=["sha256", "file_path", "file_name", "reason", "size_bytes", "kind",  # noqa: F841
                                             "context"]).drop_duplicates(["sha256", "reason", "context"])
    con.execute("begin")
    try:
        con.execute("insert into rejects (sha256, file_path, file_name, reason) "
                    "select sha256, file_path, file_name, reason from df_refused d where d.sha256 is null "
                    "or not exists (select 1 from rejects r where r.sha256 = d.sha256 and r.reason = d.reason)")
        con.execute("insert into raw_files (sha256, file_path, file_name, size_bytes, kind, status) "
                    "select distinct on (sha256) sha256, file_path, file_name, size_bytes, kind, 'rejected' "
                    "from df_refused where sha256 is not null on conflict do nothing")
        con.execute("insert into refusals (sha256, reader, context, reason) "
                    "select sha256, ?, context, reason from df_refused where sha256 is not null and context is not null "
                    "on conflict do update set reason = excluded.reason, refused_at = now()", [reader])
        con.execute("delete from refusals where reader <> ?", [reader])  # another reader's: never asked again
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    summary.rejected += [r.result for r in refusals]
    refusals.clear()


RAW_COLUMNS = ["submission_id", "assessor", "question_id", "raw", "raw_number", "note", "evidence", "sheet",
               "row_number"]


def _raw_rows(wb: Workbook, sid: str) -> list[tuple]:
    """Reader rows as stored: the cell as text, and as a number when it was one (so re-scoring is exact)."""
    out = []
    for assessor, qid, raw, note, evidence, sheet, row in wb.rows:
        number = float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
        out.append((sid, assessor, qid, None if raw is None else str(raw), number, note, evidence, sheet, row))
    return out


def _write_batch(con: duckdb.DuckDBPyConnection, batch: list[Prepared], summary: IngestSummary) -> None:
    """Write complete files in one commit; if that fails, each file alone, so a file is never partly stored."""
    if not batch:
        return
    try:
        superseded = _write_files(con, batch)
    except Exception as exc:
        if len(batch) == 1:
            p = batch[0]
            _reject(con, {"file": str(p.path), "reason": f"{p.path.name}: gagal disimpan ({exc})"}, summary,
                    sha=p.sha256)
            return
        for p in batch:
            _write_batch(con, [p], summary)
        return
    summary.loaded += len(batch)
    summary.superseded += superseded
    summary.warnings += sum(p.meta["warnings"] for p in batch)
    summary.submissions += [p.sha256 for p in batch]


def _write_files(con: duckdb.DuckDBPyConnection, batch: list[Prepared]) -> int:
    """One transaction for the files of `batch`; returns how many older submissions they superseded."""
    now = datetime.now()
    subs, units, history = [], {}, []
    newest: dict[tuple[str, int], int] = {}  # (unit, year) -> index in subs of the newest file in this batch
    first: dict[tuple[str, int], str] = {}
    for p in batch:
        m = p.meta
        uid = unit_id(m["unit"], m["instansi"])
        units[uid] = (uid, m["unit"], m["instansi"])
        key = (uid, m["year"])
        if key in newest:  # two files for one unit and year in the same run: the later one wins
            older = subs[newest[key]]
            older.update(is_current=False, superseded_by=p.sha256, superseded_at=now)
            history.append((now, "superseded", older["submission_id"], f"digantikan oleh {p.path.name}"))
        else:
            first[key] = p.sha256
        newest[key] = len(subs)
        subs.append(dict(submission_id=p.sha256, unit_id=uid, year=m["year"], edition=m["edition"],
                         layout=m["layout"], file_path=str(p.path), file_name=p.path.name, loaded_at=now,
                         has_tpi=m["has_tpi"], workbook_total=m["workbook_total"], is_current=True,
                         superseded_by=None, superseded_at=None, needs_review=m["needs_review"],
                         read_info=m["read_info"]))
        history.append((now, "loaded", p.sha256, f"dimuat dari {p.path.name}: {m['totals']}"
                        + (f"; perlu diperiksa: {m['needs_review']}" if m["needs_review"] else "")))
    # DuckDB reads the df_* frames by their Python names; the prefix keeps them apart from table names.
    df_files = pd.DataFrame({"sha256": [p.sha256 for p in batch], "file_path": [str(p.path) for p in batch],  # noqa: F841
                             "file_name": [p.path.name for p in batch], "size_bytes": [p.size for p in batch],
                             "kind": "lke", "status": "loaded", "first_seen": now})
    df_units = pd.DataFrame(list(units.values()), columns=["unit_id", "unit_name", "instansi"])  # noqa: F841
    df_subs = pd.DataFrame(subs).assign(deleted_at=None, deleted_by=None, delete_reason=None)
    df_subs = df_subs.astype({"superseded_at": "datetime64[us]", "workbook_total": "float64"})
    df_first = pd.DataFrame([(u, y, sid) for (u, y), sid in first.items()],  # noqa: F841
                            columns=["unit_id", "year", "new_id"])
    con.execute("begin")
    try:
        # a file refused before (its hash recorded as 'rejected') and loaded now becomes 'loaded'
        con.execute("insert into raw_files select * from df_files on conflict (sha256) do update set "
                    "status = 'loaded', file_path = excluded.file_path, file_name = excluded.file_name")
        con.execute("insert into stg_units select * from df_units on conflict do nothing")
        old = con.execute(
            "select s.submission_id, f.new_id from stg_submissions s join df_first f "
            "on s.unit_id = f.unit_id and s.year = f.year where s.is_current and s.deleted_at is null").fetchall()
        if old:
            df_old = pd.DataFrame(old, columns=["submission_id", "new_id"])  # noqa: F841
            con.execute("update stg_submissions set is_current = false, superseded_by = o.new_id, superseded_at = ? "
                        "from df_old o where stg_submissions.submission_id = o.submission_id", [now])
            names = {p.sha256: p.path.name for p in batch}
            history += [(now, "superseded", sid, f"digantikan oleh {names[new]}") for sid, new in old]
        con.execute("insert into stg_submissions by name select * from df_subs")
        _insert_scored(con, [p.tables for p in batch])
        df_history = pd.DataFrame(history, columns=["happened_at", "event", "submission_id", "detail"])  # noqa: F841
        con.execute("insert into history select * from df_history")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(old) + sum(1 for s_ in subs if not s_["is_current"])


ANSWER_COLUMNS = ["submission_id", "assessor", "question_id", "indicator_id", "role", "answer", "value", "problem"]


def scored_tables(ev: Evaluation, sid: str, raw: bool) -> dict[str, pa.Table]:
    """One submission's rows of every per-answer table (raw answers too when `raw`), as typed Arrow tables."""
    tables = {}
    if raw:
        tables["raw_answers"] = _frame(_raw_rows(ev.workbook, sid), RAW_COLUMNS)
    tables["stg_answers"] = _frame([(sid, a, q, ind, role, ans, val, prob)
                                    for a, q, ind, role, _raw, ans, val, prob in ev.scores.question_rows],
                                   ANSWER_COLUMNS)
    tables["scores"] = _frame([(sid, *r) for r in ev.scores.level_rows], ["submission_id", *LEVEL_COLUMNS])
    tables["rule_results"] = _frame([(sid, a, *r) for a, rows in ev.rule_rows.items() for r in rows],
                                    ["submission_id", "assessor", *predicates.RULE_COLUMNS])
    tables["predicates"] = _frame([(sid, a, predicates.predicate_of(rows), predicates.passes(rows, "WBK"),
                                    predicates.passes(rows, "WBBM")) for a, rows in ev.rule_rows.items()],
                                  ["submission_id", "assessor", "predicate", "wbk", "wbbm"])
    tables["warnings"] = _frame([(sid, m) for m in ev.warnings], ["submission_id", "message"])
    tables["assessments"] = _frame([(sid, lv.key, seq, lv.kind, lv.label, ev.answered.get(lv.key, 0))
                                    for seq, lv in enumerate(ev.workbook.levels) if lv.key in ev.scores.assessors],
                                   ["submission_id", "assessor", "seq", "kind", "label", "answered"])
    return tables


# The tables scored_tables fills, in the order they are written (inside the caller's transaction).
SCORED_TABLES = ("raw_answers", "stg_answers", "scores", "rule_results", "predicates", "warnings", "assessments")


def _insert_scored(con: duckdb.DuckDBPyConnection, tables: list[dict[str, pa.Table]]) -> None:
    """Every submission's per-answer rows: one insert per table, whatever the batch size (inside the caller's
    transaction). DuckDB reads the Arrow table `df_rows` by its Python name."""
    for table in SCORED_TABLES:
        parts = [t[table] for t in tables if table in t and t[table].num_rows]
        if not parts:
            continue
        df_rows = pa.concat_tables(parts)  # noqa: F841
        con.execute(f"insert into {table} by name select * from df_rows")  # table names are constants


# Arrow types of the columns written by _frame (every other column is text): given, not inferred, because
# inferring them from Python objects costs twice the building.
ARROW_TYPES = {
    "raw_number": pa.float64(), "row_number": pa.int64(), "value": pa.float64(), "weight": pa.float64(),
    "score": pa.float64(), "answered": pa.int64(), "expected": pa.int64(), "completeness": pa.float64(),
    "minimum": pa.float64(), "margin": pa.float64(), "passed": pa.bool_(), "wbk": pa.bool_(), "wbbm": pa.bool_(),
    "seq": pa.int64(),
}


def _frame(rows: list[tuple], columns: list[str]) -> pa.Table:
    """Rows as an Arrow table DuckDB reads directly (building pandas string columns costs more than the insert)."""
    if not rows:
        return pa.table({c: pa.array([], type=ARROW_TYPES.get(c, pa.string())) for c in columns})
    return pa.table({c: pa.array(values, type=ARROW_TYPES.get(c, pa.string()))
                     for c, values in zip(columns, zip(*rows, strict=True), strict=True)})


def _ingest_table(db: Path | str, path: Path, sha: str, summary: IngestSummary, refusals: list[Refusal],
                  context: str | None, kind: str, table: Table | None) -> None:
    """A survey, roster or TPN results file: each loads whole or is refused whole with every bad row named (a
    refusal joins `refusals`, written with the next batch). `kind` and `table` are what table_kind found; a CSV
    file of no table's kind is read as a workbook instead (prepare refuses it when it is no form either)."""
    try:
        if kind == SURVEY:
            survey = read_survey(path, table)
        elif kind == "roster":
            rows = read_roster(path, table)
        else:
            rows = read_tpn(path, table)
    except ReadError as exc:
        refusals.append(Refusal({"file": str(path), "reason": str(exc)}, sha, context, kind))
        return
    with _writer(db) as con:
        _record_refusals(con, refusals, summary)
        if kind == SURVEY:
            _ingest_survey(con, path, sha, summary, survey)
        elif kind == "roster":
            load_roster(con, rows, sha, path.stat().st_size)
            summary.rosters += 1
        else:
            load_tpn(con, rows, sha, path.stat().st_size)
            summary.tpn += 1


def _ingest_survey(con: duckdb.DuckDBPyConnection, path: Path, sha: str, summary: IngestSummary,
                   survey: SurveyFile) -> None:
    now = datetime.now()
    con.execute("begin")
    try:
        # a file refused or withdrawn before and loaded now becomes 'loaded'
        con.execute("insert into raw_files (sha256, file_path, file_name, size_bytes, kind, status) "
                    "values (?, ?, ?, ?, 'survey', 'loaded') on conflict (sha256) do update set status = 'loaded', "
                    "kind = 'survey', file_path = excluded.file_path, file_name = excluded.file_name",
                    [sha, str(path), path.name, path.stat().st_size])
        for r in survey.rows:
            con.execute(
                "insert or replace into stg_surveys (instansi_norm, unit_norm, year, unit_name, instansi, ipak, ipkp, "
                "capaian, source_file, sha256, row_number, loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [norm_name(r.instansi), norm_name(r.unit), r.year, r.unit, r.instansi, r.ipak, r.ipkp, r.capaian,
                 path.name, sha, r.row, now])
        for message in survey.warnings:
            con.execute("insert into rejects (sha256, file_path, file_name, reason) values (?, ?, ?, ?)",
                        [sha, str(path), path.name, message])
        rescored = rescore_for_surveys(con, survey.rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    summary.surveys += 1
    summary.rescored += rescored
    summary.warnings += len(survey.warnings)


def rescore_for_surveys(con: duckdb.DuckDBPyConnection, rows) -> int:
    """Re-score current submissions whose unit and year a survey now covers (inside the caller's transaction)."""
    surveys = load_surveys(con)
    wanted = {(norm_name(r.unit), r.year): norm_name(r.instansi) for r in rows}
    current = con.execute("select submission_id, unit_name, instansi, year from current_submissions "
                          "where year in (select unnest(?))", [sorted({r.year for r in rows})]).fetchall()
    n = 0
    for sid, unit, instansi, year in current:
        inst = wanted.get((norm_name(unit), year))
        if inst is not None and inst in ("", norm_name(instansi)):
            rescore(con, sid, surveys)
            n += 1
    return n


def stored_workbook(con: duckdb.DuckDBPyConnection, sid: str) -> Workbook:
    """A submission rebuilt from its raw answers, as the reader gave them."""
    s = con.execute("select s.file_path, s.layout, s.edition, u.unit_name, u.instansi, s.year, s.workbook_total, "
                    "s.read_info, s.needs_review from stg_submissions s join stg_units u using (unit_id) where submission_id = ?",
                    [sid]).fetchone()
    rows = con.execute("select assessor, question_id, coalesce(cast(raw_number as varchar), raw), note, evidence, "
                       "sheet, row_number, raw_number from raw_answers where submission_id = ?", [sid]).fetchall()
    answers = [(a, q, num if num is not None else raw, n, e, sh, rn) for a, q, raw, n, e, sh, rn, num in rows]
    own = {"TOTAL": s[6]} if s[6] is not None else {}
    levels = [Level(a, kind, label) for a, kind, label in con.execute(
        "select assessor, kind, label from assessments where submission_id = ? order by seq", [sid]).fetchall()]
    # a submission stored before levels were recorded: its answers say which levels there are
    levels = levels or [Level(a, a.split("_")[0], level_name(a))
                        for a in sorted({r[0] for r in answers}, key=level_order)]
    partial = json.loads(s[7]).get("partial") if s[7] else None  # the part of needs_review re-scoring keeps
    return Workbook(path=Path(s[0]), layout=s[1], edition=s[2], unit=s[3], instansi=s[4], year=s[5],
                    rows=answers, own_figures=own, levels=levels, partial=partial, needs_review=s[8])


def rescore(con: duckdb.DuckDBPyConnection, sid: str, surveys: dict | None = None) -> None:
    """Score a stored submission again (a survey arrived); inside the caller's transaction."""
    wb = stored_workbook(con, sid)
    surveys = surveys if surveys is not None else load_surveys(con)
    record = find_survey(surveys, wb.unit, wb.instansi, wb.year)
    ev = evaluate(wb, load_catalog(), survey=record, survey_source=record["source"] if record else "")
    for table in SCORED_TABLES:
        if table != "raw_answers":  # the answers as read stay: everything scored from them is replaced
            con.execute(f"delete from {table} where submission_id = ?", [sid])  # table names are constants
    _insert_scored(con, [scored_tables(ev, sid, raw=False)])
    # completeness is judged again with the survey's values: a level it completes is no longer to be checked
    con.execute("update stg_submissions set needs_review = ? where submission_id = ?", [ev.needs_review, sid])
    con.execute("insert into history (happened_at, event, submission_id, detail) values (?, 'rescored', ?, ?)",
                [datetime.now(), sid, f"dihitung ulang dengan survei {record['source'] if record else '-'}: "
                                      f"{totals_text(ev)}"])


SAFE_NAME = re.compile(r"[^A-Za-z0-9 ._()-]+")


def _upload_name(name: str) -> str:
    """An uploaded file's name made safe to save: its last part, only plain characters, never empty."""
    return SAFE_NAME.sub("_", Path(name).name).strip(" .") or "unggahan.xlsx"


MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # as .streamlit/config.toml's server.maxUploadSize


def ingest_upload(name: str, data: bytes, db: Path | str, upload_dir: Path, *, actor_role: str | None,
                  identity: dict | None = None, allow_partial: bool = False) -> IngestSummary:
    """A file uploaded in the browser: saved under upload_dir with a unique name, then ingested like any file.

    Only the accepted types and sizes are saved at all; anything else is refused with its reason.
    A role that may not upload is refused before anything is saved or recorded.

    The work runs in a child process (the dashboard's own process only ever reads the database: a write
    connection beside its read-only ones is refused by DuckDB), which reads the file in a capped worker of its
    own: a file that crashes the parser is refused and recorded, the dashboard goes on. Should the child itself
    end without an answer, the file is reported refused with that reason (nothing was committed).
    """
    access.require(actor_role, "upload")
    try:
        return workers.call(_ingest_upload, name, data, db, upload_dir, actor_role=actor_role, identity=identity,
                            allow_partial=allow_partial)
    except workers.WorkerDied as exc:
        return IngestSummary(rejected=[{"file": _upload_name(name), "reason": f"{_upload_name(name)}: tidak dimuat "
                                        f"({exc}); coba lagi, atau hubungi pengelola bila berulang"}])


def _ingest_upload(name: str, data: bytes, db: Path | str, upload_dir: Path, *, actor_role: str | None,
                   identity: dict | None = None, allow_partial: bool = False) -> IngestSummary:
    """ingest_upload's work, in its child process."""
    base = _upload_name(name)
    refusal = None
    if Path(base).suffix.lower() not in SUFFIXES:
        refusal = f"{base}: jenis berkas tidak diterima (yang diterima: {ACCEPTED})"
    elif len(data) > MAX_UPLOAD_BYTES:
        refusal = f"{base}: berkas terlalu besar ({len(data) / 1024 / 1024:.0f} MB; batas 20 MB)"
    if refusal:
        summary = IngestSummary(rejected=[{"file": base, "reason": refusal}])
        with _writer(db) as con:
            _reject(con, summary.rejected[0], IngestSummary(), sha=None)
        return summary
    upload_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = upload_dir / f"{stamp}_{hashlib.sha256(data).hexdigest()[:8]}" / base
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return ingest_paths([target], db, actor_role=actor_role, identity=identity, allow_partial=allow_partial)


def identify_upload(name: str, data: bytes) -> dict[str, Any]:
    """What an uploaded file says about itself before it is loaded: its kind ("lke", "survey", "roster", "tpn" or
    None when it cannot be read), unit, instansi and year with where each was found, and the problem that stops it;
    for an LKE also what it would score (`levels`: (level, total, predicate, questions answered) from the unit up)
    and how many of the catalog's questions its form matched (`matched` of `questions`).

    Read and scored in a child process with the reading workers' memory limit: the file comes from a browser, and
    a file that crashes the parser must cost that child only, never the dashboard's process."""
    try:
        return workers.call(_identify_upload, name, data, memory_mb=workers.limits()["memory_mb"],
                            seconds=workers.limits()["seconds"])
    except workers.WorkerDied as exc:
        base = _upload_name(name)
        return {"file": base, "kind": None, "unit": "", "instansi": "", "year": None, "sources": {},
                "problem": f"{base}: {exc}"}


def _identify_upload(name: str, data: bytes) -> dict[str, Any]:
    """identify_upload's reading and scoring, in its child process."""
    base = _upload_name(name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / base  # the same name: a file named <Tahun>_<Unit Kerja>.xlsx says who it is
        path.write_bytes(data)
        out: dict[str, Any] = {"file": base, "kind": None, "unit": "", "instansi": "", "year": None, "sources": {},
                               "problem": None}
        try:  # in prepare's order: a workbook that holds an LKE is an LKE, whatever table sits beside it
            wb = read_workbook(path, require_identity=False)
        except ReadError as exc:
            kind = None if path.suffix.lower() not in SUFFIXES else table_kind(path)[0]
            if kind:
                return dict(out, kind=kind)
            if isinstance(exc, NoFormError) and path.suffix.lower() == CSV_SUFFIX:
                return dict(out, problem=f"{base}: {NOT_A_TABLE}")
            return dict(out, problem=str(exc))
        # what it would score, before it is loaded: each level's total and predicate, and how much of the
        # catalog the form matched (the survey files already loaded may still change Hasil)
        levels = [(a["level"], a["total"], a["predicate"], a["answered"]) for a in evaluate(wb).assessments()]
        return dict(out, kind="lke", unit=wb.unit, instansi=wb.instansi, year=wb.year,
                    sources=wb.read_info.get("identity", {}), levels=levels,
                    matched=wb.read_info.get("matched"), questions=wb.read_info.get("catalog_questions"))


def cli_ingest(args, identity: dict | None = None) -> int:
    if identity and identity.get("unit"):
        files, _ = discover(args.paths)
        if len(files) > 1:
            print(f"--unit hanya untuk satu berkas, padahal ada {len(files)} berkas: beri identitas tiap berkas lewat "
                  "sheet Identitas, identitas.csv, susunan folder atau nama berkas", file=sys.stderr)
            return 2
    summary = ingest_paths(args.paths, args.db, progress=not args.json, actor_role=access.COMMAND_LINE_ROLE,
                           identity=identity, allow_partial=args.terima_sebagian)
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
    else:
        print(summary.describe())
    return 1 if summary.rejected else 0
