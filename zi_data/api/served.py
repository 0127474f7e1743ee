"""What the PortalRB API serves, read from the database: the saved proposal's units of one instansi and the answers
of the workbook each unit was proposed on, as the guide's JSON; and what has changed since the proposal was saved.

Read-only: every function takes an open (read-only) DuckDB connection and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import duckdb
import pandas as pd

from ..catalog import load_catalog
from ..cycle.stages import tanggal
from ..names import norm_name

ID_PREFIX = "UNIT-"
ID_PATTERN = re.compile(r"UNIT-[0-9A-Fa-f]{16}")
PREDICATES = ("WBK", "WBBM")
# Several evidence columns are stored joined by " | "; links in one cell are separated by ";" or by spaces.
COLUMN_JOIN = re.compile(r"\s\|\s|;")
LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)


def public_id(unit_id: str) -> str:
    """The id PortalRB sees: the stored unit key (md5 of the normalised instansi and unit names, 16 hex digits),
    prefixed. It never changes with a new file, a re-saved proposal or a restart."""
    return ID_PREFIX + unit_id.upper()


def store_id(public: str) -> str | None:
    """The stored unit key of a public id, or None when the text is not one."""
    return public[len(ID_PREFIX):].lower() if ID_PATTERN.fullmatch(public) else None


@lru_cache(maxsize=1)
def master_questions() -> tuple[tuple[int, str], ...]:
    """(soal_id, catalog question id) of every question of PortalRB's master list, in the list's order: the
    catalog edition whose questions carry master ids (2021), by master id."""
    ed = load_catalog()[served_edition()]
    q = ed.questions[ed.questions["master_id"].astype(str).str.strip() != ""]
    return tuple(sorted((int(m), qid) for m, qid in zip(q["master_id"], q["question_id"], strict=True)))


@lru_cache(maxsize=1)
def served_edition() -> str:
    """The LKE edition whose question ids are PortalRB's soal_id (the one with master ids in data/questions.csv)."""
    eds = [name for name, ed in load_catalog().editions.items()
           if (ed.questions["master_id"].astype(str).str.strip() != "").any()]
    if len(eds) != 1:
        raise ValueError(f"data/questions.csv: master_id harus diisi untuk tepat satu edisi, bukan {eds}")
    return eds[0]


@dataclass(frozen=True)
class Unit:
    """One proposed unit as PortalRB is told about it, with the workbook it was proposed on."""

    unit_id: str
    nama: str
    instansi: str
    predikat: str
    afirmasi: bool
    rank: int
    proposal_id: int
    submission_id: str | None
    edition: str | None
    needs_review: str | None
    deleted: bool
    file_name: str | None
    loaded_at: datetime | None
    roster_afirmasi: bool | None  # the roster's Afirmasi now (None: not on the roster)

    @property
    def id(self) -> str:
        return public_id(self.unit_id)

    @property
    def kategori(self) -> str:
        if self.predikat == "WBBM":
            return "WBBM"
        return "WBK-AFIRMASI" if self.afirmasi else "WBK"

    @property
    def refusal(self) -> str | None:
        """Why this unit is never served (None: it is)."""
        if self.submission_id is None:
            return "LKE yang menjadi dasar usulan tidak ditemukan; simpan ulang usulan"
        if self.deleted:
            return "LKE yang menjadi dasar usulan sudah dihapus; simpan ulang usulan"
        if self.needs_review:
            return f"LKE-nya ditandai perlu diperiksa ({self.needs_review})"
        if self.edition != served_edition():
            return (f"LKE-nya edisi {self.edition}, sedangkan soal_id PortalRB adalah pertanyaan edisi "
                    f"{served_edition()}; unit harus mengirim LKE edisi {served_edition()}")
        return None


@dataclass
class Served:
    """What one instansi's token sees: the year, and per predicate the newest saved proposal covering the instansi
    (its number and time) with the instansi's proposed units, served or not."""

    instansi: str
    year: int | None
    proposals: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    units: dict[str, list[Unit]] = field(default_factory=dict)

    def listed(self, predikat: str) -> list[Unit]:
        return [u for u in self.units.get(predikat, []) if u.refusal is None]

    def find(self, unit_id: str) -> Unit | None:
        """The unit in the newest proposal holding it (a unit may be in the WBK and the WBBM one)."""
        found = [(self.proposals[p][1], u) for p in self.units for u in self.units[p] if u.unit_id == unit_id]
        return max(found, key=lambda t: t[0])[1] if found else None


def _covers(scope: str, instansi: str) -> bool:
    names = json.loads(scope)
    return not names or norm_name(instansi) in {norm_name(n) for n in names}


def resolve(con: duckdb.DuckDBPyConnection, instansi: str, year: int | None = None) -> Served:
    """The proposals in force for `instansi`: of `year`, else of the latest year with one; per predicate the newest
    one saved whose scope is every instansi or names this one (a newer proposal for the same scope supersedes)."""
    rows = con.execute("select proposal_id, year, predikat, instansi, saved_at from proposals "
                       "where superseded_at is null order by saved_at desc, proposal_id desc").fetchall()
    mine = [r for r in rows if _covers(r[3], instansi)]
    if year is None:
        year = max((r[1] for r in mine), default=None)
    served = Served(instansi, year)
    for pid, y, predikat, _, saved_at in mine:
        if y == year and predikat not in served.proposals:
            served.proposals[predikat] = (int(pid), saved_at)
            served.units[predikat] = _proposed(con, int(pid), int(y), saved_at, predikat, instansi)
    return served


def _proposed(con: duckdb.DuckDBPyConnection, pid: int, year: int, saved_at: datetime, predikat: str,
              instansi: str) -> list[Unit]:
    """The proposed units of `instansi` in one saved proposal, with their workbook. A proposal saved before the
    workbook was recorded gets the unit's submission that was current when the proposal was saved."""
    # the instansi as this proposal spells it (names compare without case or punctuation)
    spellings = [r[0] for r in con.execute("select distinct instansi from proposal_units where proposal_id = ?",
                                           [pid]).fetchall() if norm_name(r[0]) == norm_name(instansi)]
    # a database last written by an earlier version lacks the newer columns until it is next opened for writing:
    # a union by name with an empty row that has them reads them as null there
    rows = con.execute(
        """with pu as (
               select * from proposal_units
               where proposal_id = ? and status = 'diusulkan' and instansi in (select unnest(?))
               union all by name
               select cast(null as varchar) as submission_id, cast(null as boolean) as afirmasi where false
           ),
           roster as (
               select * from stg_roster union all by name select cast(null as boolean) as afirmasi where false
           ),
           then_current as (
               select s.unit_id, s.submission_id
               from pu join stg_submissions s on s.unit_id = pu.unit_id and s.year = ?
               where pu.submission_id is null and s.loaded_at <= ?
                 and (s.superseded_at is null or s.superseded_at > ?) and (s.deleted_at is null or s.deleted_at > ?)
               qualify row_number() over (partition by s.unit_id order by s.loaded_at desc) = 1
           ),
           final as (
               select pu.unit_id, pu.unit_name, pu.instansi, pu.rank,
                      coalesce(pu.submission_id, t.submission_id) as submission_id, pu.afirmasi,
                      s.edition, s.needs_review, s.deleted_at is not null as deleted, s.file_name, s.loaded_at,
                      r.afirmasi as roster_afirmasi, r.unit_id is not null as on_roster
               from pu left join then_current t using (unit_id)
               left join stg_submissions s on s.submission_id = coalesce(pu.submission_id, t.submission_id)
               left join roster r on r.unit_id = pu.unit_id and r.year = ?
           )
           select * from final order by rank, unit_name""",
        [pid, spellings, year, saved_at, saved_at, saved_at, year]).fetchall()
    out = []
    for (uid, name, inst, rank, sid, afirmasi, edition, review, deleted, file_name, loaded_at, roster_afirmasi,
         on_roster) in rows:
        snapshot = bool(roster_afirmasi) if afirmasi is None else bool(afirmasi)  # saved before it was recorded
        out.append(Unit(uid, name, inst, predikat, snapshot, int(rank), pid, sid, edition, review, bool(deleted),
                        file_name, loaded_at, bool(roster_afirmasi) if on_roster else None))
    return out


# --- the bodies --------------------------------------------------------------------------------------------------

def list_body(served: Served, predikat: str) -> dict:
    """GET /pengusulan/unit-wbk and unit-wbbm: {"tahun", "units": [{"id", "nama", "kategori", "afirmasi"}]}."""
    return {"tahun": served.year,
            "units": [{"id": u.id, "nama": u.nama, "kategori": u.kategori, "afirmasi": u.afirmasi}
                      for u in served.listed(predikat)]}


def evidence_text(raw: str | None) -> str | None:
    """The unit's evidence as one string, several links joined with "; " (one link per item, descriptions whole)."""
    if not raw:
        return None
    parts = []
    for chunk in COLUMN_JOIN.split(raw):
        words = [w.strip(",") for w in chunk.split()]
        words = [w for w in words if w]
        if len(words) > 1 and all(LINK.fullmatch(w) for w in words):
            parts += words
        elif chunk.strip():
            parts.append(" ".join(chunk.split()))
    return "; ".join(parts) or None


def answers(con: duckdb.DuckDBPyConnection, submission_ids: list[str]) -> dict[str, list[dict]]:
    """Every master-list question of each submission, in the list's order: the unit's answer (the option as the
    master spells it, or the number), the last TPI level's answer, the unit's note and evidence, the TPI's note.

    One pair of queries per submission: an equality filter scans the 2,000-unit database's answers in about
    5 ms, a filter on a list of submissions several times longer."""
    out = {}
    for sid in dict.fromkeys(submission_ids):
        given = con.execute("select assessor, question_id, answer from stg_answers where submission_id = ? "
                            "and assessor in ('unit', 'tpi') and answer is not null", [sid]).fetchall()
        written = con.execute("select assessor, question_id, note, evidence from raw_answers where submission_id = ? "
                              "and assessor in ('unit', 'tpi') and (note is not null or evidence is not null)",
                              [sid]).fetchall()
        answer = {(a, q): v for a, q, v in given}
        notes = {(a, q): (n, e) for a, q, n, e in written}
        rows = []
        for soal, qid in master_questions():
            unit_note, unit_evidence = notes.get(("unit", qid), (None, None))
            tpi_note, _ = notes.get(("tpi", qid), (None, None))
            rows.append({"soal_id": soal, "jawaban_unit": answer.get(("unit", qid)),
                         "jawaban_tpi": answer.get(("tpi", qid)), "catatan_unit": unit_note or None,
                         "bukti_dukung_unit": evidence_text(unit_evidence), "catatan_tpi": tpi_note or None})
        out[sid] = rows
    return out


def unit_body(unit: Unit, year: int, rows: list[dict]) -> dict:
    """GET /lke/jawaban-unit/{unit_id}: {"unit_id", "nama_unit", "tahun", "answers": [...]}."""
    return {"unit_id": unit.id, "nama_unit": unit.nama, "tahun": year, "answers": rows}


def encode(body: dict) -> bytes:
    """The bytes sent: compact UTF-8 JSON, keys in the guide's order, so the same content hashes the same."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- what changed since the proposal was saved ---------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """Something the instansi must act on before PortalRB fetches a unit: said in Bahasa Indonesia."""

    unit: str
    instansi: str
    predikat: str
    pesan: str


def instansi_with_proposals(con: duckdb.DuckDBPyConnection, year: int,
                            instansi: list[str] | None = None) -> list[str]:
    """The instansi with a proposed unit in a proposal in force for `year` (only those of `instansi` if given)."""
    names = [r[0] for r in con.execute(
        "select distinct pu.instansi from proposal_units pu join proposals p using (proposal_id) "
        "where p.year = ? and p.superseded_at is null and pu.status = 'diusulkan' order by 1", [int(year)]).fetchall()]
    wanted = {norm_name(i) for i in instansi or []}
    seen, out = set(), []
    for name in names:
        key = norm_name(name)
        if key not in seen and (not wanted or key in wanted):
            seen.add(key)
            out.append(name)
    return out


def current_submissions(con: duckdb.DuckDBPyConnection, unit_ids: list[str], year: int) -> dict[str, tuple]:
    """unit key -> (submission_id, file_name, loaded_at) of each unit's current workbook of the year."""
    if not unit_ids:
        return {}
    rows = con.execute("select unit_id, submission_id, file_name, loaded_at from current_submissions "
                       "where year = ? and unit_id in (select unnest(?))", [int(year), list(unit_ids)]).fetchall()
    return {r[0]: r[1:] for r in rows}


def notices(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None) -> list[Notice]:
    """Per proposed unit of the year: a workbook loaded after the proposal was saved (the API keeps serving the
    proposal's one: the proposal must be saved again), an Afirmasi changed on the roster since, or why the unit is
    never served (an edition-2019 workbook, one marked "perlu diperiksa", a deleted one)."""
    out = []
    for inst in instansi_with_proposals(con, year, instansi):
        served = resolve(con, inst, year)
        for predikat, units in served.units.items():
            saved_at = served.proposals[predikat][1]
            now = current_submissions(con, [u.unit_id for u in units], year)
            for u in units:
                if u.refusal:
                    out.append(Notice(u.nama, u.instansi, predikat, f"tidak dikirim ke PortalRB: {u.refusal}"))
                    continue
                cur = now.get(u.unit_id)
                if cur and cur[0] != u.submission_id:
                    out.append(Notice(u.nama, u.instansi, predikat,
                                      f"LKE baru ({cur[1]}, dimuat {tanggal(cur[2])}) menggantikan LKE dasar "
                                      f"usulan {predikat} yang disimpan {tanggal(saved_at)} ({u.file_name}, dimuat "
                                      f"{tanggal(u.loaded_at)}); API tetap mengirim LKE usulan: simpan ulang usulan "
                                      "agar PortalRB mengambil yang baru"))
                if u.roster_afirmasi is not None and u.roster_afirmasi != u.afirmasi:
                    now_text = "ya" if u.roster_afirmasi else "tidak"
                    out.append(Notice(u.nama, u.instansi, predikat,
                                      f"Afirmasi di daftar unit kini '{now_text}', berbeda dengan saat usulan disimpan: "
                                      "simpan ulang usulan agar PortalRB menerimanya"))
    return out


def unservable(con: duckdb.DuckDBPyConnection, proposed: pd.DataFrame) -> list[str]:
    """For a proposal about to be saved (or just saved): the proposed units PortalRB will not get, and why."""
    ids = [s for s in proposed.get("submission_id", pd.Series(dtype=object)).tolist() if isinstance(s, str)]
    if not ids:
        return []
    rows = con.execute("select submission_id, edition, needs_review from stg_submissions "
                       "where submission_id in (select unnest(?))", [ids]).fetchall()
    info = {r[0]: r[1:] for r in rows}
    out = []
    for r in proposed.itertuples():
        edition, review = info.get(r.submission_id, (None, None))
        if review:
            out.append(f"{r.unit_name}: LKE-nya ditandai perlu diperiksa, tidak dikirim ke PortalRB")
        elif edition and edition != served_edition():
            out.append(f"{r.unit_name}: LKE edisi {edition} tidak dapat dikirim ke PortalRB (soal_id PortalRB adalah "
                       f"pertanyaan edisi {served_edition()}); minta unit mengirim LKE edisi {served_edition()}")
    return out
