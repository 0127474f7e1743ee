"""Refused files against read ones (`make bench`): 100 workbooks that are all refused, ingested first and then
again unchanged, beside 100 good ones and a raw python-calamine read of the same files (the baselines, same run):
refusing should cost no more than reading, and ingestion stay near 2x the raw read whether files load or not.

The refused ones are what mailboxes hold: a form without unit or year, a blank template, a form that lacks a whole
area, a workbook without any form, and a text file named .xlsx; 20 of each.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".bench"
KINDS = ("tanpa_identitas", "kosong", "sebagian", "tanpa_lke", "bukan_excel")


def _answers():
    from zi_data.catalog import load_catalog

    ed = load_catalog()["2021"]
    best = {"YA_TIDAK": "Ya", "ABC": "B", "ABCD": "B", "ABCDE": "B", "SURVEI": 3.5}
    return ed, {q.question_id: (5 if q.answer_type == "JUMLAH" else best[q.answer_type])
                for q in ed.answerable.itertuples(index=False)}


def generate(n: int = 100) -> tuple[Path, Path]:
    """(folder of n refused workbooks, folder of n good ones), cached between runs."""
    from tests.helpers import drop_reform_pengawasan
    from zi_data.lke_writer import write_lke_zi
    from zi_data.template import write_template

    bad, good = WORK / f"refused-{n}", WORK / f"good-{n}"
    if (bad / ".complete").exists() and (good / ".complete").exists():
        return bad, good
    for folder in (bad, good):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    ed, answers = _answers()
    rng = random.Random(5)
    for i in range(n):
        ans = {q: (v if rng.random() < 0.9 else "Tidak" if v == "Ya" else v) for q, v in answers.items()}
        write_lke_zi(good / f"2025_Unit Baik {i:03d}.xlsx", ed, f"Unit Baik {i:03d}", "Instansi Uji", 2025, ans)
        kind = KINDS[i % len(KINDS)]
        path = bad / f"2025_Unit {kind} {i:03d}.xlsx"
        if kind == "tanpa_identitas":  # no unit or year anywhere: not in the file, not in its name
            write_lke_zi(bad / f"lke_final_{i:03d}.xlsx", ed, "", "", 2025, ans, quirks={"no_identity"})
        elif kind == "kosong":
            write_template(path, edition="2021", unit=f"Unit {i}", instansi="Instansi Uji", year=2025)
        elif kind == "sebagian":  # the area Penguatan Pengawasan of Reform taken out
            write_lke_zi(path, ed, f"Unit {i}", "Instansi Uji", 2025, ans)
            drop_reform_pengawasan(path)
        elif kind == "tanpa_lke":
            book = Workbook()
            ws = book.active
            ws.title = "Rekap Anggaran"
            for r in range(1, 200):
                ws.append([r, f"Kegiatan {r}", rng.randint(1, 10**6), "Selesai"])
            book.save(path)
        else:
            path.write_bytes(f"Ini bukan berkas Excel ({i}), hanya teks yang diberi nama .xlsx\n".encode() * 20)
    for folder in (bad, good):
        (folder / ".complete").write_text("ok")
    return bad, good


def bench_refused(n: int = 100) -> dict:
    from python_calamine import CalamineWorkbook

    from zi_data.access import COMMAND_LINE_ROLE
    from zi_data.ingest import ingest_paths

    bad, good = generate(n)
    for p in WORK.glob("refused*.duckdb*"):
        p.unlink()

    def raw_read(folder: Path) -> float:
        t = time.perf_counter()
        for f in sorted(folder.glob("*.xlsx")):
            try:
                book = CalamineWorkbook.from_path(str(f))
            except Exception:
                continue
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return time.perf_counter() - t

    raw_good, raw_bad = raw_read(good), raw_read(bad)

    def timed(folder: Path, db: Path):
        t = time.perf_counter()
        s = ingest_paths([folder], db, actor_role=COMMAND_LINE_ROLE)
        return time.perf_counter() - t, s

    good_s, good_sum = timed(good, WORK / "refused-good.duckdb")
    bad_s, bad_sum = timed(bad, WORK / "refused-bad.duckdb")
    again_s, again_sum = timed(bad, WORK / "refused-bad.duckdb")
    roster_s, roster_sum = timed(million_row_roster(), WORK / "refused-roster.duckdb")
    return {
        "files": n,
        "raw_calamine_read_good_s": round(raw_good, 3),
        "raw_calamine_read_refused_s": round(raw_bad, 3),
        "ingest_good_s": round(good_s, 2),
        "ingest_refused_s": round(bad_s, 2),
        "refused_ms_per_file": round(1000 * bad_s / n, 1),
        "good_ms_per_file": round(1000 * good_s / n, 1),
        "refused_vs_good": round(bad_s / good_s, 2),
        "ingest_good_vs_raw_read": round(good_s / raw_good, 2),
        "ingest_refused_vs_raw_read": round(bad_s / raw_bad, 2),
        "reingest_refused_unchanged_s": round(again_s, 2),
        "loaded_good": good_sum.loaded,
        "refused": len(bad_sum.rejected),
        "refused_again": len(again_sum.rejected),
        "roster_1m_rows_refused_s": round(roster_s, 2),
        "roster_1m_rows_refused": len(roster_sum.rejected),
    }


def million_row_roster() -> Path:
    """A unit roster of 1,000,000 rows (19 MB), as one that was loaded whole before there were row limits."""
    path = WORK / "roster-1m" / "daftar_unit.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as f:
            f.write("Unit Kerja;Instansi;Tahun;Target\n")
            f.writelines(f"U{i};Pemda {i % 40};2026;WBK\n" for i in range(1_000_000))
    return path.parent


if __name__ == "__main__":
    import json

    WORK.mkdir(exist_ok=True)
    print(json.dumps(bench_refused(), indent=2))
