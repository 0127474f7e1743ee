"""The demo's cycle: a roster each year (with units that never send), TPN results for earlier years, a proposal."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from openpyxl import Workbook

from .. import queries
from ..access import COMMAND_LINE_ROLE
from ..catalog import load_catalog
from ..demo_units import INSTANSI, make_units
from ..ingest import IngestSummary, ingest_paths
from ..predicates import fmt
from . import proposal as proposal_mod
from .calibration import minimum

NEVER_SEND = 3  # units on every year's roster that never send a workbook
AREAS = [("MP", "Manajemen Perubahan"), ("TL", "Penataan Tatalaksana"), ("SDM", "Penataan Sistem Manajemen SDM"),
         ("AK", "Penguatan Akuntabilitas"), ("PW", "Penguatan Pengawasan"),
         ("PP", "Peningkatan Kualitas Pelayanan Publik")]
HASIL_AREAS = [("BERSIH", "Birokrasi yang Bersih dan Akuntabel"), ("PELAYANAN", "Pelayanan Publik yang Prima")]
SAVED_BY = "Inspektorat (contoh)"


def _roster_rows(units: int, seed: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(unit, instansi, target) of the demo units (as demo.generate made them) and of a few that never send."""
    people = make_units(units, random.Random(seed))  # the same units generate() wrote workbooks for
    rows = [(u.name, u.instansi, "WBBM" if u.maturity > 0.85 else "WBK") for u in people]
    taken = {u.name for u in people}
    spare = [(n, i) for i, names in INSTANSI.items() for n in names if n not in taken]
    spare = rng.sample(spare, k=min(NEVER_SEND, len(spare)))
    spare += [(f"UPT Baru {k}", next(iter(INSTANSI))) for k in range(1, NEVER_SEND - len(spare) + 1)]
    return rows + [(n, i, "WBK") for n, i in spare]


def _write_table(path: Path, title: str, header: list[str], rows: list[list], excel: bool) -> Path:
    """A demo table as a workbook (a title row above the header, as offices send them) or as a ";" CSV with
    decimal commas, as Indonesian Excel writes it."""
    if excel:
        book = Workbook()
        ws = book.active
        ws.append([title])
        ws.append(header)
        for row in rows:
            ws.append(row)
        path = path.with_suffix(".xlsx")
        book.save(path)
        return path
    path = path.with_suffix(".csv")
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(header)
        w.writerows([[fmt(v) if isinstance(v, float) else v for v in row] for row in rows])
    return path


def _write_roster(folder: Path, year: int, rows: list[tuple[str, str, str]], excel: bool) -> Path:
    return _write_table(folder / f"daftar_unit_{year}", f"Daftar unit kerja pembangunan Zona Integritas tahun {year}",
                        ["Unit Kerja", "Instansi", "Tahun", "Target"], [[u, i, year, t] for u, i, t in rows], excel)


def _tpn_rows(db: Path, year: int, targets: dict[str, str], rng: random.Random, decide_all: bool,
              least: int, first: bool) -> list[list]:
    """TPN results for the units the TPI passed (and the next best, up to `least`), marked down a little,
    a few a lot; decided, except one unit of the latest year."""
    con = queries.connect(db)
    try:
        units = con.execute(
            """select c.unit_name, c.instansi, p.predicate, t.score as total
               from current_submissions c
               join predicates p on p.submission_id = c.submission_id and p.assessor = 'tpi'
               join scores t on t.submission_id = c.submission_id and t.assessor = 'tpi' and t.node_id = 'TOTAL'
               where c.year = ? and c.needs_review is null
               order by (p.predicate <> 'Belum memenuhi') desc, t.score desc, c.unit_name""", [year]).fetchall()
        areas = {(u, k): s for u, k, s in con.execute(
            """select c.unit_name, s.area_key, sum(s.score) from current_submissions c join scores s using (submission_id)
               where c.year = ? and s.assessor = 'tpi' and s.level = 'area' group by all""", [year]).fetchall()}
        weights = dict(con.execute(
            """select s.area_key, sum(s.weight) / count(distinct c.submission_id) from current_submissions c
               join scores s using (submission_id) where c.year = ? and s.assessor = 'tpi' and s.level = 'area'
               group by s.area_key""", [year]).fetchall())
    finally:
        con.close()
    chosen = [u for u in units if u[2] != "Belum memenuhi"]
    chosen += [u for u in units if u[2] == "Belum memenuhi"][:max(0, least - len(chosen))]
    edition = load_catalog().edition_for_year(year)
    rows = []
    for n, (unit, instansi, _, _) in enumerate(chosen):
        # now and then the TPN marks down a lot: in the first year the best unit, so a verdict differs
        big = (first and n == 0) or n % 4 == 3
        markdown = rng.uniform(9, 14) if big else rng.uniform(-0.5, 3.5)
        shares = [rng.random() + 0.2 for _ in AREAS + HASIL_AREAS]
        scale = markdown / sum(shares)
        values = {}
        for (key, _), share in zip(AREAS + HASIL_AREAS, shares, strict=True):
            tpi = areas.get((unit, key), 0.0)
            values[key] = round(min(weights.get(key, tpi), max(0.0, tpi - share * scale)), 2)
        pengungkit = round(sum(values[k] for k, _ in AREAS), 2)
        hasil = round(sum(values[k] for k, _ in HASIL_AREAS), 2)
        total = round(pengungkit + hasil, 2)
        meets = {p: total >= (minimum(edition, p) or 0) and pengungkit >= (minimum(edition, p, "PENGUNGKIT") or 0)
                 for p in ("WBK", "WBBM")}
        if not decide_all and n == 0:
            decision, note = "", "Evaluasi lapangan belum selesai"
        elif meets["WBBM"] and targets.get(unit) == "WBBM":
            decision, note = "WBBM", ""
        elif meets["WBK"]:
            decision, note = "WBK", ""
        else:
            decision, note = "Tidak", "Nilai total atau Pengungkit di bawah batas minimum"
        rows.append([unit, instansi, year, total, pengungkit, hasil, *(values[k] for k, _ in AREAS + HASIL_AREAS),
                     decision, note])
    return rows


def _write_tpn(folder: Path, year: int, rows: list[list], excel: bool) -> Path:
    header = ["Unit Kerja", "Instansi", "Tahun", "Nilai TPN", "Pengungkit", "Hasil",
              *(name for _, name in AREAS + HASIL_AREAS), "Keputusan", "Catatan"]
    return _write_table(folder / f"hasil_tpn_{year}", f"Hasil evaluasi Tim Penilai Nasional tahun {year}", header,
                        rows, excel)


def add_cycle(out: Path, db: Path, units: int, years: list[int], seed: int) -> IngestSummary:
    """Write and load the demo's rosters and TPN results, and save one proposal for the last year.

    Runs after the demo workbooks are loaded (TPN results follow the TPI's scores)."""
    rng = random.Random(f"cycle|{seed}")  # its own stream: the demo's workbooks stay as they were
    folder = Path(out) / "siklus"
    folder.mkdir(parents=True, exist_ok=True)
    roster = _roster_rows(units, seed, rng)
    targets = {u: t for u, _, t in roster}
    files = [_write_roster(folder, y, roster, excel=y == years[-1]) for y in years]
    summary = ingest_paths(files, db, actor_role=COMMAND_LINE_ROLE)
    earlier = years[:-1]
    tpn_files = [_write_tpn(folder, y, _tpn_rows(db, y, targets, rng, decide_all=y != earlier[-1],
                                                 least=max(4, units // 4), first=i == 0), excel=i % 2 == 1)
                 for i, y in enumerate(earlier)]  # the latest earlier year keeps one unit undecided
    more = ingest_paths(tpn_files, db, actor_role=COMMAND_LINE_ROLE)
    summary.tpn, summary.rejected = more.tpn, summary.rejected + more.rejected
    con = queries.connect(db)
    try:
        everyone = queries.proposal(con, years[-1], "WBK", 10_000)
        kuota = max(1, len(everyone.proposed) - 1)  # a quota smaller than the list: one unit in reserve
        chosen = proposal_mod.with_quota(everyone, kuota)
        already = len(queries.saved_proposals(con, years[-1]))
    finally:
        con.close()
    if not already:
        proposal_mod.save(db, chosen, SAVED_BY, actor_role=COMMAND_LINE_ROLE)
    return summary
