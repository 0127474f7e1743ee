"""Reports opened the way a reader opens them (PDF text, Word XML, Excel cells), on units worked out by hand here.

Unit "Puskesmas Uji" (Instansi Satu, 2026): the unit answers everything at its best (100). The TPI answers the
same except IPAK (M125) 3,2 of 4 and M002 "B" where the unit said "A":
  IPAK indicator (17,5, one question): 3,2 / 4 x 17,5 = 14,00, so 3,50 lower; its rule asks 15,75 for WBK and
  WBBM alike: short by 1,75 on both.
  Penyusunan Tim Kerja (0,5, two questions M001, M002): B is worth 0,5, so (1 + 0,5) / 2 x 0,5 = 0,375; the
  over-claim on M002 is (1 - 0,5) x 0,5 / 2 = 0,125 points. M125's over-claim is (1 - 0,8) x 17,5 = 3,5 points.
  TPI total: 100 - 3,5 - 0,125 = 96,375, shown 96,38; Pengungkit 59,875 (59,88), Hasil 36,50.
  Every other rule passes (Manajemen Perubahan (Pemenuhan) 3,875 of 4 against minimums 2,40 and 3,00).
In 2025 the same unit had IPAK 2,0 by both: 2 / 4 x 17,5 = 8,75, total 91,25.
Two units named "Kantor Kembar" in two instansi answer everything at their best, without a TPI.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.helpers import edition, filled_workbook, perfect
from zi_data import queries, reports
from zi_data.cli import main
from zi_data.ingest import ingest_paths
from zi_data.reports import data
from zi_data.reports.data import ReportError, find_submission

UNIT, INSTANSI = "Puskesmas Uji", "Instansi Satu"
TPI_NOTE_M002 = "Anggota tim ditunjuk tanpa seleksi terbuka"
TPI_NOTE_M125 = "Survei IPAK hanya 30 responden"
PRINTED = datetime(2026, 11, 20, 9, 30)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    ed = edition("2021")
    root = tmp_path_factory.mktemp("reports")
    best = perfect(ed)
    filled_workbook(root / "in" / "2026_uji.xlsx", unit=best, tpi=dict(best, M125=3.2, M002="B"), unit_name=UNIT,
                    instansi=INSTANSI, year=2026, tpi_notes={"M002": TPI_NOTE_M002, "M125": TPI_NOTE_M125})
    filled_workbook(root / "in" / "2025_uji.xlsx", unit=dict(best, M125=2.0), tpi=dict(best, M125=2.0),
                    unit_name=UNIT, instansi=INSTANSI, year=2025)
    for inst in ("Instansi Satu", "Instansi Dua"):
        filled_workbook(root / "in" / f"2026_kembar_{inst}.xlsx", unit=best, unit_name="Kantor Kembar",
                        instansi=inst, year=2026)
    filled_workbook(root / "in" / "2026_sebagian.xlsx", unit=dict(best, M001="Tidak"), unit_name="Kantor Sebagian",
                    instansi=INSTANSI, year=2026)
    path = root / "r.duckdb"
    ingest_paths([root / "in"], path, actor_role="evaluator")
    # A partial file loaded on request carries its reason; set here as ingestion would for a partial sheet.
    con = queries.store.connect(path)
    con.execute("update stg_submissions set needs_review = 'cocok 80% dengan daftar pertanyaan' where submission_id "
                "in (select submission_id from current_submissions where unit_name = 'Kantor Sebagian')")
    con.close()
    return path


@pytest.fixture
def report(con):
    return data.unit_report(con, find_submission(con, UNIT, 2026), printed_at=PRINTED)


def pdf_text(content: bytes) -> tuple[str, list[str]]:
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(content)).pages]
    return " ".join(" ".join(pages).split()), pages


def docx_tables(content: bytes) -> tuple[str, list[list[list[str]]]]:
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    return text, [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def test_the_pdf_names_the_unit_its_totals_the_failing_rules_and_the_overclaims(report):
    text, pages = pdf_text(reports.write_unit(report, "pdf"))
    assert UNIT in text and INSTANSI in text and "2026_uji.xlsx" in text
    # totals of both levels side by side, decimal commas: Unit 100,00, TPI 96,38 (96,375 rounded half up)
    assert re.search(r"Nilai total 100,00 100,00 96,38", text)
    assert re.search(r"Pengungkit 60,00 60,00 59,88", text) and re.search(r"Hasil 40,00 40,00 36,50", text)
    assert "Predikat menurut TPI: Belum memenuhi" in text
    # the two failing rules come first, each with value, minimum and margin
    failing = re.findall(r"Belum memenuhi (WBK|WBBM) Nilai survei IPAK Nilai Survey Persepsi Korupsi "
                         r"\(Survei Eksternal\) 14,00 15,75 -1,75", text)
    assert failing == ["WBK", "WBBM"]
    first_passed = text.index("Terpenuhi WBK")
    assert all(m.start() < first_passed for m in re.finditer("Belum memenuhi (WBK|WBBM) Nilai survei", text))
    assert text.count("Belum memenuhi WBK") == 1 and text.count("Belum memenuhi WBBM") == 1
    # the over-claimed questions with the TPI's notes and their points
    # (two decimals, half up: 0,125 -> 0,13; 0,125 + 3,5 = 3,625 -> 3,63); the unit wrote no note or evidence
    assert re.search(r"M002 Penyusunan Tim Kerja .* A B 0,13 – " + TPI_NOTE_M002, text)
    assert re.search(r"M125 Nilai Survey Persepsi Korupsi .* 4 3,20 3,50 – " + TPI_NOTE_M125, text)
    assert "2 pertanyaan, jumlah selisih 3,63 poin" in text
    # the ten indicators with most to gain: IPAK first (3,50), helping the failing IPAK rule of both predicates
    assert re.search(r"1 Nilai Survey Persepsi Korupsi \(Survei Eksternal\) Birokrasi yang Bersih dan Akuntabel "
                     r"14,00 17,50 3,50 Nilai Survey Persepsi Korupsi \(Survei Eksternal\) \(WBK, WBBM\)", text)
    # earlier years, the blank notes section, provenance and page numbers on every page
    assert re.search(r"2025 2021 91,25 91,25 Belum memenuhi", text)
    assert "Simpulan dan rekomendasi" in text and "dicetak 20-11-2026 09:30" in text
    assert all(f"Halaman {i} dari {len(pages)}" in p for i, p in enumerate(pages, 1))
    assert "PERLU DIPERIKSA" not in text
    assert not re.search(r"\b(None|nan|NaN|True|False)\b", text)


def test_the_area_table_gives_weight_scores_share_and_minimums(report):
    tree = report.tree.rows.set_index("node_id")
    mp = tree.loc["PEM_MP"]
    # Manajemen Perubahan (Pemenuhan), weight 4: the TPI's 3,875 is 96,875 % of it; minimums 60 % and 75 % of 4
    assert (mp["weight"], mp["score_unit"], mp["score_tpi"]) == pytest.approx((4, 4, 3.875))
    assert mp["share"] == pytest.approx(3.875 / 4)
    assert (mp["min_wbk"], mp["min_wbbm"]) == pytest.approx((2.4, 3.0))
    assert mp["status"] == "Memenuhi minimum"
    assert tree.loc["HAS_BERSIH_01", "status"] == "Belum memenuhi min. WBK"
    col = next(c for c in report.tree.columns if c.key == "share")
    i = list(tree.index).index("PEM_MP")
    assert report.tree.text(i, col) == "96,88%"


def test_the_word_draft_holds_the_same_numbers_in_its_tables(report):
    text, tables = docx_tables(reports.write_unit(report, "docx"))
    assert "Laporan Hasil Evaluasi Zona Integritas" in text and "Simpulan dan rekomendasi" in text
    assert tables[0][0][0].startswith("DRAF")  # without kop.toml: a draft, marked first
    identity, totals, rules, tree, over = tables[1], tables[2], tables[3], tables[4], tables[5]
    assert [UNIT, INSTANSI, "2026"] == [identity[0][1], identity[1][1], identity[2][1]]
    assert totals[0] == ["Komponen", "Bobot", "Unit", "TPI"]
    assert totals[1] == ["Nilai total", "100,00", "100,00", "96,38"]
    assert rules[1] == ["Belum memenuhi", "WBK", "Nilai survei IPAK", "Nilai Survey Persepsi Korupsi (Survei Eksternal)",
                        "14,00", "15,75", "-1,75"]
    assert rules[2][:2] == ["Belum memenuhi", "WBBM"] and rules[2][-1] == "-1,75"
    assert all(r[0] == "Terpenuhi" for r in rules[3:])
    assert [r[0] for r in over[1:]] == ["M002", "M125"]
    assert over[1][3:] == ["A", "B", "0,13", "–", TPI_NOTE_M002]
    assert any(r[1].strip() == "Manajemen Perubahan" and r[2:5] == ["4,00", "4,00", "3,88"] for r in tree)
    xml = zipfile.ZipFile(io.BytesIO(reports.write_unit(report, "docx"))).read("word/footer1.xml").decode()
    assert "PAGE" in xml and "NUMPAGES" in xml and "Halaman" in xml


def test_the_excel_report_keeps_numbers_as_numbers(report):
    wb = load_workbook(io.BytesIO(reports.write_unit(report, "xlsx")))
    ident = {r[0]: r[1] for r in wb["Identitas"].iter_rows(min_row=3, values_only=True)}
    assert ident["Unit kerja"] == UNIT and ident["DRAF"].startswith("Kop, nomor")
    assert ident["Tahun penilaian"] == 2026  # a year is a number
    ws = wb["Nilai per tingkat"]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "Komponen")
    assert ws.cell(header + 1, 1).value == "Nilai total"
    assert ws.cell(header + 1, 4).value == pytest.approx(96.375) and ws.cell(header + 1, 4).number_format == "#,##0.00"
    rules = wb["Syarat WBK-WBBM"]
    top = next(r for r in range(1, 10) if rules.cell(r, 1).value == "Status")
    assert [rules.cell(top + k, 1).value for k in (1, 2, 3)] == ["Belum memenuhi", "Belum memenuhi", "Terpenuhi"]
    assert rules.cell(top + 1, 7).value == pytest.approx(14.0 - 15.75)
    assert rules.freeze_panes == f"A{top + 1}" and rules.auto_filter.ref.startswith(f"A{top}:")
    over = wb["Klaim berlebih"]
    top = next(r for r in range(1, 10) if over.cell(r, 1).value == "Kode")
    assert [over.cell(top + k, 1).value for k in (1, 2)] == ["M002", "M125"]
    assert [over.cell(top + k, 6).value for k in (1, 2)] == pytest.approx([0.125, 3.5])
    assert over.cell(top + 1, 6).number_format == "#,##0.00"  # shown with two decimals like every number


def test_the_recap_ranks_units_like_the_ranking_and_names_their_weak_areas(con):
    recap = data.recap_report(con, 2026, printed_at=PRINTED)
    rows = recap.table.rows
    # ranked by the TPI total, then the unit's: the one unit the TPI assessed first, then the unit totals
    assert rows["unit_name"].tolist()[:3] == [UNIT, "Kantor Kembar", "Kantor Kembar"]
    assert rows["no"].tolist()[:3] == [1, 2, 3]
    # the partial file is listed last, unranked, and says why
    last = rows.iloc[-1]
    assert last["unit_name"] == "Kantor Sebagian" and pd.isna(last["no"]) and "Perlu diperiksa" in last["note"]
    assert rows.iloc[0]["predicate"] == "Belum memenuhi"
    assert rows.iloc[1]["predicate"] == "Belum dinilai TPI (Unit: WBBM)"
    assert recap.counts == {"units": 4, "judged": 1, "review": 1, "not_sent": 0, "WBBM": 0, "WBK": 0,
                            "Belum memenuhi": 1}

    text, _ = pdf_text(reports.write_recap(recap, "pdf"))
    assert "Tahun 2026 · semua instansi · predikat menurut TPI" in text
    # the stage comes from the cycle, derived from what is stored: the TPI has assessed, nothing more yet
    assert re.search(r"1 Puskesmas Uji Instansi Satu Dinilai TPI 100,00 96,38 Belum memenuhi Tidak ada Tidak ada", text)

    wb = load_workbook(io.BytesIO(reports.write_recap(recap, "xlsx")))
    ws = wb.active
    assert "2026" in ws["A1"].value and "semua instansi" in ws["A1"].value and "TPI" in ws["A1"].value
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == "No")
    heads = [ws.cell(top, j).value for j in range(1, ws.max_column + 1)]
    tpi = heads.index("Nilai TPI") + 1
    assert ws.cell(top + 1, 2).value == UNIT and ws.cell(top + 1, tpi).value == pytest.approx(96.375)
    assert ws.cell(top + 1, tpi).number_format == "#,##0.00"
    assert ws.freeze_panes == f"A{top + 1}" and ws.auto_filter.ref == f"A{top}:{ws.cell(top, len(heads)).column_letter}{top + 4}"


def test_the_recap_of_one_instansi_leaves_the_others_out(con):
    rows = data.recap_report(con, 2026, ["Instansi Dua"]).table.rows
    assert rows["unit_name"].tolist() == ["Kantor Kembar"] and rows["instansi"].tolist() == ["Instansi Dua"]


def test_a_partial_file_is_marked_loudly_on_every_page(con):
    sid = find_submission(con, "Kantor Sebagian", 2026)
    text, pages = pdf_text(reports.write_unit(data.unit_report(con, sid), "pdf"))
    assert all("PERLU DIPERIKSA" in p for p in pages)
    assert "cocok 80% dengan daftar pertanyaan" in text
    # without a TPI the rules are the unit's own and there is nothing to call an over-claim
    assert "Predikat menurut Unit: WBBM" in text
    assert "Belum ada jawaban TPI: klaim berlebih belum dapat dihitung" in text


def test_stage_and_tpn_figures_from_the_cycle_appear_when_known(con):
    sid = find_submission(con, UNIT, 2026)
    unit_id = queries.submission(con, sid)["unit_id"]
    cycle = pd.DataFrame([{"unit_id": unit_id, "unit_name": UNIT, "instansi": INSTANSI, "stage": "dievaluasi_tpn",
                           "tpn_total": 91.5, "tpn_decision": "Tidak ditetapkan"},
                          {"unit_id": "roster-only", "unit_name": "Kantor Belum Kirim", "instansi": INSTANSI,
                           "stage": "belum_mengirim", "tpn_total": None, "tpn_decision": None}])
    report = data.unit_report(con, sid, cycle=cycle)
    assert ("Tahap siklus", "Dievaluasi TPN") in report.identity()
    assert report.totals.rows.loc[0, "tpn_cycle"] == 91.5
    text, _ = pdf_text(reports.write_unit(report, "pdf"))
    assert re.search(r"Nilai total 100,00 100,00 96,38 91,50", text) and "Tidak ditetapkan" in text
    recap = data.recap_report(con, 2026, cycle=cycle)
    rows = recap.table.rows.set_index("unit_name")
    assert rows.loc[UNIT, "stage"] == "Dievaluasi TPN" and rows.loc[UNIT, "score_tpn"] == 91.5
    assert rows.loc["Kantor Belum Kirim", "stage"] == "Belum mengirim LKE" and recap.counts["not_sent"] == 1
    assert [c.title for c in recap.table.columns][3] == "Tahap"
    # the cycle of the stored data itself: every unit's stage is derived, no TPN figures exist
    stored = data.cycle_info(con, 2026).set_index("unit_name")
    assert stored.columns.tolist() == ["unit_id", "instansi", "stage", "tpn_total", "tpn_decision", "tpn_note"]
    assert stored.loc[UNIT, "stage"] == "dinilai_tpi" and stored["tpn_total"].isna().all()


def test_finding_a_unit_says_what_is_wrong_in_indonesian(con):
    with pytest.raises(ReportError, match="Mungkin maksudnya: Puskesmas Uji"):
        find_submission(con, "puskesmas uj", 2026)
    with pytest.raises(ReportError, match="lebih dari satu instansi.*Instansi Dua, Instansi Satu.*--instansi"):
        find_submission(con, "Kantor Kembar", 2026)
    assert find_submission(con, "kantor kembar", 2026, "instansi dua")
    with pytest.raises(ReportError, match="Tidak ada data untuk tahun 2019"):
        find_submission(con, UNIT, 2019)


def test_cli_writes_each_format_and_refuses_clearly(db, tmp_path, capsys):
    out = tmp_path / "uji.docx"
    assert main(["laporan", "--unit", UNIT, "--tahun", "2026", "--format", "docx", "--out", str(out),
                 "--db", str(db)]) == 0
    assert docx_tables(out.read_bytes())[1][2][1] == ["Nilai total", "100,00", "100,00", "96,38"]
    assert main(["laporan", "--unit", "Kantor Kembar", "--tahun", "2026", "--out", str(tmp_path / "k.pdf"),
                 "--db", str(db)]) == 2
    assert "Pilih salah satu dengan --instansi" in capsys.readouterr().err
    assert main(["laporan", "--rekap", "--tahun", "2026", "--format", "docx", "--out", str(tmp_path / "r.docx"),
                 "--db", str(db)]) == 2
    assert "tidak tersedia untuk rekapitulasi" in capsys.readouterr().err
    assert main(["laporan", "--rekap", "--tahun", "2030", "--out", str(tmp_path / "r.pdf"), "--db", str(db)]) == 2
    assert "Tidak ada data untuk tahun 2030" in capsys.readouterr().err
    assert main(["laporan", "--rekap", "--tahun", "2026", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"),
                 "--db", str(db)]) == 0
    folder = tmp_path / "semua"
    assert main(["laporan", "--semua", "--tahun", "2026", "--out", str(folder), "--db", str(db)]) == 0
    # the two "Kantor Kembar" get their instansi in the name; every name is plain ASCII
    assert sorted(p.name for p in folder.iterdir()) == [
        "LHE_2026_Kantor-Kembar_Instansi-Dua.pdf", "LHE_2026_Kantor-Kembar_Instansi-Satu.pdf",
        "LHE_2026_Kantor-Sebagian.pdf", "LHE_2026_Puskesmas-Uji.pdf"]
    assert "4 laporan (PDF)" in capsys.readouterr().out


def test_all_reports_of_an_instansi_as_one_zip(con):
    steps = []
    content = reports.zip_of(reports.all_units(con, 2026, ["Instansi Satu"], "docx",
                                               on_step=lambda i, n, unit: steps.append((i, n, unit))))
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert names == ["LHE_2026_Kantor-Kembar.docx", "LHE_2026_Kantor-Sebagian.docx", "LHE_2026_Puskesmas-Uji.docx"]
    assert [s[:2] for s in steps] == [(1, 3), (2, 3), (3, 3)]


def test_safe_file_names():
    assert data.safe_name("Dinas Pendidikan / Kebudayaan: \"Cabang\" Ñ") == "Dinas-Pendidikan-Kebudayaan-Cabang-N"
    assert data.safe_name("../../etc") == "etc"
    assert data.safe_name("???") == "unit"


def test_screenshots_of_the_first_two_pages(report):
    """Rendered for a person to look at (tests/artifacts/, git-ignored)."""
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 renders PDF pages to images")
    from tests.browser import ARTIFACTS as out

    out.mkdir(exist_ok=True)
    doc = pdfium.PdfDocument(reports.write_unit(report, "pdf"))
    for i in range(2):
        image = doc[i].render(scale=1.5).to_pil().convert("L")
        image.save(out / f"laporan_unit_halaman_{i + 1}.png")
        dark = sum(image.histogram()[:128])
        assert dark > 2000, "the page has text and lines on it"
    assert image.size[1] / image.size[0] == pytest.approx(297 / 210, rel=0.01)  # A4 portrait


def test_a_2019_edition_year_and_a_year_without_tpi_read_right(tmp_path):
    """Kantor Lama: 2021 on the 2019 edition (26 indicators, no WBK area rule), everything best by both
    (100 and 100); 2022 on the 2021 edition, the unit alone (100)."""
    filled_workbook(tmp_path / "in" / "2021_lama.xlsx", ed_name="2019", unit=perfect(edition("2019")),
                    tpi=perfect(edition("2019")), unit_name="Kantor Lama", instansi="Inst", year=2021)
    filled_workbook(tmp_path / "in" / "2022_lama.xlsx", unit=perfect(edition("2021")), unit_name="Kantor Lama",
                    instansi="Inst", year=2022)
    ingest_paths([tmp_path / "in"], tmp_path / "x.duckdb", actor_role="evaluator")
    c = queries.connect(tmp_path / "x.duckdb")
    try:
        old = data.unit_report(c, find_submission(c, "Kantor Lama", 2021))
        new = data.unit_report(c, find_submission(c, "Kantor Lama", 2022))
    finally:
        c.close()
    assert old.edition == "2019" and (old.tree.rows["level"] == "indicator").sum() == 26
    assert set(old.rules.rows["predicate"]) == {"WBK", "WBBM"} and "area" not in set(
        old.rules.rows.loc[old.rules.rows["predicate"] == "WBK", "rule_id"])
    text, _ = pdf_text(reports.write_unit(old, "pdf"))
    assert "Edisi LKE 2019 (PermenPANRB 52/2014 jo. 10/2019)" in text and "Predikat menurut TPI: WBBM" in text
    # the year without a TPI is judged by the unit's answers; the earlier year keeps its TPI total and predicate
    assert new.judged == "unit" and new.predicate == "WBBM"
    history = new.history.rows.set_index("year")
    assert history.loc[2021, "score_tpi"] == 100 and history.loc[2021, "predicate"] == "WBBM"
    assert pd.isna(history.loc[2022, "score_tpi"]) and history.loc[2022, "predicate"] == "WBBM (menurut Unit)"
    text, _ = pdf_text(reports.write_unit(new, "pdf"))
    assert re.search(r"2021 2019 100,00 100,00 WBBM 2022 2021 100,00 – WBBM \(menurut Unit\)", text)
