"""Realistic demo workbooks and survey files: units that improve or slip, TPIs that mark down, a few bad files.

The cycle's roster, TPN results and saved proposal follow once the workbooks are loaded (cycle/demo.py)."""

from __future__ import annotations

import csv
import io
import random
import re
import sys
import time
import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from .access import COMMAND_LINE_ROLE
from .catalog import Edition, load_catalog
from .cycle.demo import add_cycle
from .demo_units import DemoUnit, make_units
from .ingest import ingest_paths
from .readers.safety import parts_of
from .store import connect
from .template import TPI_ANSWER, TPI_NOTE, UNIT_ANSWER, UNIT_EVIDENCE, UNIT_NOTE, write_template

NOTES = [
    "Sudah ditetapkan dengan SK Kepala Unit", "Dilaksanakan setiap triwulan", "Sebagian dokumen masih disusun",
    "Laporan monitoring tersedia", "Sosialisasi melalui media sosial dan rapat internal", "Belum seluruhnya",
]
EVIDENCE = ["SK Kepala Unit", "Laporan Monev", "Notulen rapat", "Dokumentasi kegiatan", "Tautan laman unit"]
TPI_NOTES = ["Bukti dukung belum lengkap", "Belum ada evaluasi berkala", "Sesuai", "Dokumen belum ditandatangani"]


def _pick(options: list[str], quality: float, rng: random.Random) -> str:
    """An option index near the quality: options are ordered best first."""
    spread = rng.gauss(0, 0.18)
    level = min(max(1 - quality + spread, 0), 0.999)
    return options[int(level * len(options))]


def answers_for(unit: DemoUnit, ed: Edition, year_index: int, rng: random.Random) -> tuple[dict, dict, dict]:
    """Unit answers, TPI answers and notes for one unit in one year."""
    quality = min(max(unit.maturity + unit.trend * year_index, 0.05), 0.99)
    unit_ans: dict[str, Any] = {}
    tpi_ans: dict[str, Any] = {}
    for q in ed.answerable.itertuples(index=False):
        options = list(ed.options.get(q.answer_type, {}))
        if options:
            # weaker units leave some questions blank in the early years
            if rng.random() < 0.04 * (1 - quality):
                continue
            ans = _pick(options, quality, rng)
            unit_ans[q.question_id] = ans
            idx = options.index(ans)
            if rng.random() < unit.overclaim and idx < len(options) - 1:
                idx += 1 if rng.random() < 0.8 else min(2, len(options) - 1 - idx)
            tpi_ans[q.question_id] = options[idx]
    _counts(ed, quality, unit, unit_ans, tpi_ans, rng)
    ipak = round(min(4.0, max(2.5, 2.95 + 1.0 * quality + rng.gauss(0, 0.1))), 2)
    ipkp = round(min(4.0, max(2.5, 3.0 + 0.95 * quality + rng.gauss(0, 0.1))), 2)
    for qid, v in zip(_survey_questions(ed), (ipak, ipkp), strict=False):
        unit_ans[qid] = v
        tpi_ans[qid] = v
    notes = {qid: rng.choice(NOTES) for qid in unit_ans if rng.random() < 0.5}
    return unit_ans, tpi_ans, notes


def _survey_questions(ed: Edition) -> list[str]:
    return ed.questions.loc[ed.questions["answer_type"] == "SURVEI", "question_id"].tolist()


def _counts(ed: Edition, quality: float, unit: DemoUnit, unit_ans: dict, tpi_ans: dict, rng: random.Random) -> None:
    for rule in ed.percent_rules.itertuples(index=False):
        if rule.formula == "decline":
            last = rng.randint(0, 6)
            this = max(0, last - rng.randint(-1, 3)) if quality > 0.5 else last + rng.randint(0, 2)
            unit_ans[rule.a[0]], unit_ans[rule.b[0]] = last, this
            tpi_ans[rule.a[0]], tpi_ans[rule.b[0]] = last, this
            continue
        dens = [rng.randint(1, 12) for _ in rule.b]
        total = sum(dens)
        share = min(1.0, max(0.0, quality + rng.gauss(0, 0.15)))
        num = round(total * share)
        for qid, d in zip(rule.b, dens, strict=True):
            unit_ans[qid] = tpi_ans[qid] = d
        unit_ans[rule.a[0]] = num
        tpi_ans[rule.a[0]] = max(0, num - (rng.randint(0, 2) if rng.random() < unit.overclaim else 0))
        for qid in rule.a[1:]:
            unit_ans[qid] = tpi_ans[qid] = 0
    for q in ed.answerable.itertuples(index=False):  # counts no rule uses (e.g. sanctions given)
        if q.answer_type == "JUMLAH" and q.question_id not in unit_ans:
            unit_ans[q.question_id] = tpi_ans[q.question_id] = rng.randint(0, 3)


class JawabanWriter:
    """Fills the project's template for many units quickly.

    The blank workbook of an edition is written once; each unit's workbook is that file with the unit's values
    put into the cells that wait for them (styled, empty, present in the sheet XML). Loading and saving the whole
    workbook with openpyxl for every unit cost about twenty times more; the files are the same to any reader.
    """

    def __init__(self) -> None:
        self._blank: dict[str, tuple[list[tuple[zipfile.ZipInfo, bytes]], dict[str, str]]] = {}

    def _template(self, ed: Edition) -> tuple[list[tuple[zipfile.ZipInfo, bytes]], dict[str, str]]:
        if ed.edition not in self._blank:
            buf = io.BytesIO()
            write_template(buf, edition=ed.edition)
            with zipfile.ZipFile(buf) as z:
                parts = [(info, z.read(info)) for info in z.infolist()]
                self._blank[ed.edition] = (parts, parts_of(z))
        return self._blank[ed.edition]

    def write(self, path: Path, ed: Edition, unit: DemoUnit, year: int, unit_ans: dict, tpi_ans: dict,
              notes: dict, rng: random.Random) -> Path:
        parts, sheets = self._template(ed)
        ident = {"B1": unit.name, "B2": unit.instansi, "B3": year}
        cells: dict[str, Any] = {}
        rows = _jawaban_rows(ed)
        for qid, v in unit_ans.items():
            r = rows[qid]
            cells[f"{UNIT_ANSWER}{r}"] = v
            if qid in notes:
                cells[f"{UNIT_NOTE}{r}"] = notes[qid]
                cells[f"{UNIT_EVIDENCE}{r}"] = rng.choice(EVIDENCE)
        for qid, v in tpi_ans.items():
            r = rows[qid]
            cells[f"{TPI_ANSWER}{r}"] = v
            if v != unit_ans.get(qid):
                cells[f"{TPI_NOTE}{r}"] = rng.choice(TPI_NOTES)
        filled = {sheets["Identitas"]: ident, sheets["Jawaban"]: cells}
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info, data in parts:
                if info.filename in filled:
                    data = fill_cells(data.decode("utf-8"), filled[info.filename]).encode("utf-8")
                out.writestr(info, data)
        return path


@lru_cache(maxsize=8)
def _jawaban_rows(ed: Edition) -> dict[str, int]:
    rows = ed.questions.dropna(subset=["jawaban_row"])  # percent items have no row: counts make them
    return {q: int(r) for q, r in zip(rows["question_id"], rows["jawaban_row"], strict=True)}


# An empty cell as openpyxl writes it: "<c .../>", or "<c ...></c>" when lxml is installed (python-docx brings it).
EMPTY_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")?(?: t="[A-Za-z]+")? ?(?:/>|></c>)')


def fill_cells(xml: str, values: dict[str, Any]) -> str:
    """Put values into a sheet's empty cells (numbers as numbers, text as inline strings), keeping their style.
    A value whose cell is not there empty is an error of the caller: nothing is written silently elsewhere."""
    placed = set()

    def fill(m: re.Match) -> str:
        ref, style = m.group(1), m.group(2) or ""
        if ref not in values or values[ref] is None:
            return m.group(0)
        placed.add(ref)
        value = values[ref]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f'<c r="{ref}"{style} t="n"><v>{value!r}</v></c>'
        text = xml_escape(str(value))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    out = EMPTY_CELL.sub(fill, xml)
    missing = {k for k, v in values.items() if v is not None} - placed
    if missing:
        raise ValueError(f"no empty cell for {sorted(missing)[:5]} in the template")
    return out


def _stricter(tpi: dict[str, Any], ed: Edition, unit: DemoUnit, year: int) -> dict[str, Any]:
    """The inspectorate general's answers: the unit's TPI marked down a little more, now and then."""
    rng = random.Random(f"{unit.name}|{year}")  # its own stream: the other demo data stay as they were
    out = dict(tpi)
    for q in ed.answerable.itertuples(index=False):
        options = list(ed.options.get(q.answer_type, {}))
        ans = out.get(q.question_id)
        if options and ans in options and rng.random() < unit.overclaim / 2:
            out[q.question_id] = options[min(options.index(ans) + 1, len(options) - 1)]
    return out


def _lke_writer():
    """The PermenPANRB 90/2021 "LKE ZI" sheet writer, when the library has one."""
    try:
        from .lke_writer import write_lke_zi  # type: ignore[import-not-found]
    except ImportError:
        return None
    return write_lke_zi


def parse_years(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-", 1)
        return list(range(int(a), int(b) + 1))
    return [int(y) for y in text.split(",")]


class _Written(list):
    """The paths written so far; each one is also reported to `progress` (a counter for the person waiting)."""

    def __init__(self, progress: Callable[[Path], None] | None = None) -> None:
        super().__init__()
        self.progress = progress

    def append(self, path) -> None:
        super().append(path)
        if self.progress:
            self.progress(path)

    def extend(self, paths) -> None:
        for path in paths:
            self.append(path)


def generate(out: Path, units: int = 60, years: list[int] | None = None, seed: int = 7,
             bad_files: bool = True, surveys: bool = True,
             progress: Callable[[Path], None] | None = None) -> list[Path]:
    """Write demo workbooks (and survey files, and a few bad files) under `out`; returns the paths.
    `progress` is called with each path written."""
    years = years or [2023, 2024, 2025, 2026]
    rng = random.Random(seed)
    catalog = load_catalog()
    out = Path(out)
    people = make_units(units, rng)
    jawaban = JawabanWriter()
    lke = _lke_writer()
    written: list[Path] = _Written(progress)
    survey_rows: dict[int, list[dict]] = {}
    for yi, year in enumerate(years):
        ed = catalog[catalog.edition_for_year(year)]
        for unit in people:
            unit_ans, tpi_ans, notes = answers_for(unit, ed, yi, rng)
            survey_qids = _survey_questions(ed)
            ipak, ipkp = (unit_ans.get(q) for q in survey_qids)
            survey_rows.setdefault(year, []).append({
                "Unit Kerja": unit.name, "Instansi": unit.instansi, "Tahun": year, "IPAK": ipak, "IPKP": ipkp})
            if rng.random() < 0.6:  # most workbooks leave the survey rows to the survey file
                for q in survey_qids:
                    unit_ans.pop(q, None)
                    tpi_ans.pop(q, None)
            if yi == len(years) - 1 and rng.random() < 0.3:
                tpi_ans = {}  # the TPI has not yet re-assessed every unit this year
            folder = out / str(year) / _slug(unit.instansi)
            name = f"{year}_{unit.name}.xlsx"
            if unit.layout == "lke_zi_levels" and lke is not None and ed.edition == "2021":
                # Another application's export: title block instead of an Identitas sheet, evidence columns
                # before the answers, and the inspectorate general's answers beside the unit's TPI.
                levels = {"Jawaban TPI": tpi_ans, "Jawaban TPI Itjen": _stricter(tpi_ans, ed, unit, year)} \
                    if tpi_ans else {}
                written.append(lke(folder / name, ed, unit.name, unit.instansi, year, unit_ans, notes,
                                   quirks={"title_block", "no_identity", "bukti_link_before_answers"},
                                   levels=levels, unit_label="Jawaban Unit"))
            elif unit.layout == "lke_zi" and lke is not None and ed.edition == "2021":
                written.append(lke(folder / name, ed, unit.name, unit.instansi, year, unit_ans, notes))
            else:
                written.append(jawaban.write(folder / name, ed, unit, year, unit_ans, tpi_ans, notes, rng))
    last = years[-1]
    for unit in rng.sample(people, k=max(1, units // 20)):  # revised submissions supersede the first
        ed = catalog[catalog.edition_for_year(last)]
        unit_ans, tpi_ans, notes = answers_for(unit, ed, len(years) - 1 + 0.5, rng)  # type: ignore[arg-type]
        path = out / str(last) / _slug(unit.instansi) / "revisi" / f"{last}_{unit.name}.xlsx"
        written.append(jawaban.write(path, ed, unit, last, unit_ans, tpi_ans, notes, rng))
    if surveys:
        for year, rows in survey_rows.items():
            path = out / "survei" / f"survei_ipak_ipkp_{year}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
            written.append(path)
    if bad_files:
        written.extend(_bad_files(out / "bermasalah", catalog[catalog.edition_for_year(last)], last, rng))
    return written


def _bad_files(folder: Path, ed: Edition, year: int, rng: random.Random) -> list[Path]:
    """What real mailboxes hold too: a file that is not Excel, one without identity, one with odd answers."""
    folder.mkdir(parents=True, exist_ok=True)
    corrupt = folder / f"{year}_Kecamatan Rusak.xlsx"
    corrupt.write_bytes(b"Ini bukan berkas Excel, hanya teks yang diberi nama .xlsx\n")
    nameless = folder / "lke_final_revisi_2.xlsx"
    write_template(nameless, edition=ed.edition)  # no unit, no year anywhere
    odd = DemoUnit("Puskesmas Jawaban Aneh", "Pemerintah Kota Harapan Jaya", 0.7, 0, 0.1, "jawaban")
    unit_ans, tpi_ans, notes = answers_for(odd, ed, 0, rng)
    for qid in list(unit_ans)[:5]:
        unit_ans[qid] = rng.choice(["ok", "Y", "Ya/Tidak", "sudah"])
    odd_path = JawabanWriter().write(folder / f"{year}_{odd.name}.xlsx", ed, odd, year, unit_ans, tpi_ans,
                                     notes, rng)
    return [corrupt, nameless, odd_path]


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def cli_demo(args) -> int:
    if args.if_empty and Path(args.db).exists():
        con = connect(args.db)
        try:
            n = con.execute("select count(*) from stg_submissions").fetchone()[0]
        finally:
            con.close()
        if n:
            print(f"Basis data {args.db} sudah berisi {n} pengajuan: data contoh tidak dimuat ulang.")
            return 0
    years = parse_years(args.years)
    print(f"Menulis data contoh: {args.units} unit kerja, tahun {years[0]}-{years[-1]} ke {args.out} ...", flush=True)
    t = time.perf_counter()
    counter = _Counter()
    paths = generate(args.out, units=args.units, years=years, seed=args.seed, progress=counter)
    counter.close()
    print(f"{len(paths)} berkas ditulis dalam {time.perf_counter() - t:.0f} detik. Memuat ke {args.db} ...", flush=True)
    if args.no_ingest:
        return 0
    summary = ingest_paths([Path(args.out)], args.db, progress=True, actor_role=COMMAND_LINE_ROLE)
    print(summary.describe() if hasattr(summary, "describe") else summary)
    if summary.rejected:
        print(f"Catatan: berkas di folder '{Path(args.out) / 'bermasalah'}' sengaja dibuat bermasalah (bukan Excel, "
              "tanpa identitas) untuk menunjukkan cara ZI Monitor menolak berkas dengan alasannya. Penolakan itu "
              "bukan kegagalan: data contoh lainnya sudah dimuat.")
    cycle = add_cycle(Path(args.out), args.db, args.units, years, args.seed)
    print(f"Siklus contoh: {cycle.rosters} daftar unit, {cycle.tpn} berkas hasil TPN, satu usulan tersimpan"
          + (f"; ditolak: {'; '.join(r['reason'] for r in cycle.rejected)}" if cycle.rejected else ""))
    return 0


class _Counter:
    """"Menulis data contoh: 120 berkas" on one line while the files are written (only when a person watches)."""

    def __init__(self) -> None:
        self.done = 0
        self.live = sys.stderr.isatty()

    def __call__(self, path: Path) -> None:
        self.done += 1
        if self.live:
            sys.stderr.write(f"\r  {self.done} berkas ditulis ...")
            sys.stderr.flush()

    def close(self) -> None:
        if self.live and self.done:
            sys.stderr.write("\n")
