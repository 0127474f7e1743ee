"""Whom to propose within a quota: rank the units whose last TPI level meets every rule of a predicate."""

from __future__ import annotations

import dataclasses
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .. import access, store
from ..export import put, sheet_title
from ..predicates import DIGITS, PREDICATES, fmt
from .stages import tanggal

NOT_ASSESSED = "belum dinilai TPI"
# submission_id: the workbook each ranked unit was judged on, recorded when saved (what the PortalRB API serves)
RANKED = ["rank", "unit_id", "unit_name", "instansi", "tpi_total", "margin", "closest", "submission_id"]
FAILING = ["unit_id", "unit_name", "instansi", "tpi_total", "reason", "gagal"]


@dataclass
class Proposal:
    """A proposal for one year and predicate: the proposed units, the reserves and the units that fail."""

    year: int
    predikat: str
    kuota: int
    instansi: list[str]  # the instansi it covers; empty = every instansi
    proposed: pd.DataFrame  # RANKED columns
    reserves: pd.DataFrame  # RANKED columns, ranks continuing after the quota
    failing: pd.DataFrame  # FAILING columns: reason gagal | perlu_diperiksa | belum_dinilai; gagal = messages
    saved_by: str | None = None
    saved_at: datetime | None = None
    proposal_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The shape `zi pengusulan --json` prints."""
        def ranked(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{"rank": int(r.rank), "unit": r.unit_name, "instansi": r.instansi,
                     "tpi_total": _number(r.tpi_total), "margin": _number(r.margin)} for r in df.itertuples()]

        return {"tahun": int(self.year), "predikat": self.predikat, "kuota": int(self.kuota),
                "units": ranked(self.proposed), "cadangan": ranked(self.reserves),
                "tidak_memenuhi": [{"unit": r.unit_name, "instansi": r.instansi, "gagal": list(r.gagal)}
                                   for r in self.failing.itertuples()]}

    def scope(self) -> str:
        return ", ".join(self.instansi) if self.instansi else "semua instansi"

    def title(self) -> str:
        """One line saying what the proposal is and who saved it."""
        who = (f"disimpan oleh {self.saved_by} pada {tanggal(self.saved_at)}" if self.saved_by and self.saved_at
               else "belum disimpan")
        return (f"Usulan predikat {self.predikat} tahun {self.year} · kuota {self.kuota} · instansi: {self.scope()} "
                f"· {who}")


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), DIGITS)


def build(units: pd.DataFrame, rules: pd.DataFrame, year: int, predikat: str, kuota: int,
          instansi: list[str] | None = None) -> Proposal:
    """Rank within a quota.

    `units`: one row per current submission (unit_id, unit_name, instansi, tpi_total, needs_review, and
    optionally submission_id);
    `rules`: the predicate's rule results on the last TPI level (unit_id, rule_id, label, target_name, passed,
    margin, message). Candidates meet every rule and are not marked "perlu diperiksa"; they are ranked by the TPI
    total, then by the larger smallest margin, then by name; the first `kuota` are proposed.
    """
    if predikat not in PREDICATES:
        raise ValueError(f"predikat harus {' atau '.join(PREDICATES)}, bukan '{predikat}'")
    if kuota < 0:
        raise ValueError("kuota tidak boleh negatif")
    # plain records: a pandas selection per unit costs a millisecond, and there may be thousands of units
    per_unit: dict[str, list] = {}
    for r in rules[["unit_id", "rule_id", "label", "target_name", "passed", "margin", "message"]].itertuples(
            index=False):
        per_unit.setdefault(r.unit_id, []).append(r)
    ranked, failing = [], []
    for u in units.itertuples(index=False):
        found = per_unit.get(u.unit_id)
        if isinstance(u.needs_review, str) and u.needs_review:
            failing.append((u.unit_id, u.unit_name, u.instansi, u.tpi_total, "perlu_diperiksa",
                            [f"perlu diperiksa: {u.needs_review}"]))
        elif found is None or pd.isna(u.tpi_total):
            failing.append((u.unit_id, u.unit_name, u.instansi, None, "belum_dinilai", [NOT_ASSESSED]))
        elif not all(r.passed for r in found):
            bad = sorted((r for r in found if not r.passed), key=lambda r: r.margin)
            failing.append((u.unit_id, u.unit_name, u.instansi, u.tpi_total, "gagal", [r.message for r in bad]))
        else:
            tight = min(found, key=lambda r: r.margin)
            # an area rule is named by its area ("Penataan Tatalaksana (Reform)"), any other by its label
            name = tight.target_name if tight.rule_id == "area" else tight.label
            ranked.append((u.unit_id, u.unit_name, u.instansi, float(u.tpi_total), float(tight.margin),
                           f"{name}: selisih {fmt(float(tight.margin))}", getattr(u, "submission_id", None)))
    # totals and margins are sums of floats: compared after rounding, so equal scores tie exactly
    ranked.sort(key=lambda r: (-round(r[3], DIGITS), -round(r[4], DIGITS), r[1].casefold(), r[2].casefold()))
    table = pd.DataFrame([(i, *r) for i, r in enumerate(ranked, start=1)], columns=RANKED)
    failing.sort(key=lambda r: (r[4] != "gagal", -(r[3] if r[3] is not None and not pd.isna(r[3]) else -1),
                                r[1].casefold()))
    proposed, reserves = _split(table, kuota)
    return Proposal(year=int(year), predikat=predikat, kuota=int(kuota), instansi=sorted(instansi or []),
                    proposed=proposed, reserves=reserves, failing=pd.DataFrame(failing, columns=FAILING))


def _split(ranked: pd.DataFrame, kuota: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ranked units split at the quota: the first `kuota` proposed, the rest in reserve (ranks kept)."""
    return ranked.iloc[:kuota].reset_index(drop=True), ranked.iloc[kuota:].reset_index(drop=True)


def with_quota(proposal: Proposal, kuota: int) -> Proposal:
    """The same ranking within another quota, without ranking again."""
    if kuota < 0:
        raise ValueError("kuota tidak boleh negatif")
    parts = [df for df in (proposal.proposed, proposal.reserves) if len(df)]
    ranked = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else proposal.proposed)
    proposed, reserves = _split(ranked, kuota)
    return dataclasses.replace(proposal, kuota=int(kuota), proposed=proposed, reserves=reserves)


def save(db: str | Path, proposal: Proposal, by: str, *, actor_role: str | None) -> int:
    """Store a proposal with who saved it and when; an earlier one for the same year, predicate and instansi
    is marked superseded (kept). Returns the new proposal's number. `actor_role` is checked here, so a page
    that forgot to hide its button still cannot save (access.COMMAND_LINE_ROLE for `zi`)."""
    access.require(actor_role, "propose")
    now = datetime.now()
    scope = json.dumps(sorted(proposal.instansi), ensure_ascii=False)
    rows = []
    for status, df in (("diusulkan", proposal.proposed), ("cadangan", proposal.reserves)):
        rows += [(r.unit_id, r.unit_name, r.instansi, status, int(r.rank), r.tpi_total, r.margin, r.closest,
                  r.submission_id) for r in df.itertuples()]
    rows += [(r.unit_id, r.unit_name, r.instansi, "tidak_memenuhi", None, r.tpi_total, None, "; ".join(r.gagal),
              None) for r in proposal.failing.itertuples()]
    df_units = pd.DataFrame(rows, columns=["unit_id", "unit_name", "instansi", "status", "rank", "tpi_total",
                                           "margin", "detail", "submission_id"]).astype(
        {"tpi_total": "float64", "margin": "float64", "rank": "Int64", "submission_id": "object"})
    with store.session(db) as con:
        con.register("proposal_rows", df_units)
        con.execute("begin")
        try:
            pid = con.execute(
                "insert into proposals (year, predikat, kuota, instansi, saved_by, saved_at) values (?, ?, ?, ?, ?, ?) "
                "returning proposal_id", [proposal.year, proposal.predikat, proposal.kuota, scope, by, now]).fetchone()[0]
            con.execute("update proposals set superseded_at = ? where year = ? and predikat = ? and instansi = ? "
                        "and proposal_id <> ? and superseded_at is null",
                        [now, proposal.year, proposal.predikat, scope, pid])
            con.execute("insert into proposal_units by name select ? as proposal_id, * from proposal_rows", [pid])
            # the roster's Afirmasi as it stands now: what PortalRB is told until the proposal is saved again
            con.execute("update proposal_units set afirmasi = coalesce((select r.afirmasi from stg_roster r "
                        "where r.unit_id = proposal_units.unit_id and r.year = ?), false) where proposal_id = ?",
                        [proposal.year, pid])
            con.execute("insert into history (happened_at, event, submission_id, detail) values (?, 'proposal', ?, ?)",
                        [now, f"usulan-{pid}", f"usulan {proposal.predikat} tahun {proposal.year} (kuota "
                         f"{proposal.kuota}, {proposal.scope()}) disimpan oleh {by}: {len(proposal.proposed)} "
                         f"diusulkan, {len(proposal.reserves)} cadangan, {len(proposal.failing)} tidak memenuhi"])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        finally:
            con.unregister("proposal_rows")
    proposal.saved_by, proposal.saved_at, proposal.proposal_id = by, now, int(pid)
    return int(pid)


def load(con: duckdb.DuckDBPyConnection, proposal_id: int) -> Proposal | None:
    """A saved proposal as it was saved."""
    head = con.execute("select year, predikat, kuota, instansi, saved_by, saved_at from proposals "
                       "where proposal_id = ?", [int(proposal_id)]).fetchone()
    if head is None:
        return None
    # saved before the workbook was recorded, in a database not written since: the column reads as null
    df = con.execute("select unit_id, unit_name, instansi, status, rank, tpi_total, margin, detail, submission_id "
                     "from (select * from proposal_units where proposal_id = ? union all by name "
                     "select cast(null as varchar) as submission_id where false) "
                     "order by rank nulls last, tpi_total desc nulls last, unit_name", [int(proposal_id)]).df()
    ranked = df[df["status"] != "tidak_memenuhi"].rename(columns={"detail": "closest"})
    ranked = ranked.assign(rank=ranked["rank"].astype(int))
    fails = df[df["status"] == "tidak_memenuhi"]
    failing = pd.DataFrame({"unit_id": fails["unit_id"], "unit_name": fails["unit_name"],
                            "instansi": fails["instansi"], "tpi_total": fails["tpi_total"],
                            "reason": "gagal", "gagal": fails["detail"].fillna("").str.split("; ")})
    return Proposal(year=int(head[0]), predikat=head[1], kuota=int(head[2]), instansi=json.loads(head[3]),
                    proposed=ranked[ranked["status"] == "diusulkan"][RANKED].reset_index(drop=True),
                    reserves=ranked[ranked["status"] == "cadangan"][RANKED].reset_index(drop=True),
                    failing=failing[FAILING].reset_index(drop=True), saved_by=head[4], saved_at=head[5],
                    proposal_id=int(proposal_id))


SHEETS = (
    ("Diusulkan", "proposed"), ("Cadangan", "reserves"), ("Tidak memenuhi", "failing"),
)


def to_xlsx(proposal: Proposal) -> bytes:
    """The proposal as a workbook: one sheet each for the proposed, the reserves and the units that fail, each
    with a title row (year, predicate, quota, instansi, who saved it and when) above a frozen header."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, part in SHEETS:
        ws = wb.create_sheet(sheet_title(title, wb.sheetnames))
        put(ws.cell(1, 1), f"{proposal.title()} · {title.lower()}")
        ws["A1"].font = Font(bold=True)
        if part == "failing":
            header = ["Unit kerja", "Instansi", "Nilai TPI", "Syarat yang belum terpenuhi"]
            lines = [[r.unit_name, r.instansi, _number(r.tpi_total), "; ".join(r.gagal)]
                     for r in proposal.failing.itertuples()]
        else:
            header = ["No", "Unit kerja", "Instansi", "Nilai TPI", "Selisih terkecil", "Syarat terdekat"]
            lines = [[int(r.rank), r.unit_name, r.instansi, _number(r.tpi_total), _number(r.margin), r.closest]
                     for r in getattr(proposal, part).itertuples()]
        for j, name in enumerate(header, 1):
            put(ws.cell(2, j), name)
            ws.cell(2, j).font = Font(bold=True)
        for i, line in enumerate(lines, 3):
            for j, v in enumerate(line, 1):
                put(ws.cell(i, j), v)
        for column in ws.iter_cols(min_row=3):
            for cell in column:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"  # Indonesian Excel shows it with a decimal comma
        for i, name in enumerate(header, start=1):
            longest = max([len(name)] + [len(str(line[i - 1])) for line in lines[:200]])
            ws.column_dimensions[get_column_letter(i)].width = min(longest + 2, 70)
        ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
