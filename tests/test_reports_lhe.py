"""The LHE an inspectorate signs: kop.toml's letterhead, number, basis, team and signatures, or a draft marked DRAF;
the drafted conclusion and recommendations; no server path or file hash; two decimals; numeric years; the year
chart in Word; the recap's headers; and every page rendered to an image (tests/artifacts/) to be looked at.

The unit is test_reports.py's "Puskesmas Uji" (2026): Unit 100,00 (WBBM); TPI 96,38 (96,375), not WBK because
IPAK is 14,00 against 15,75 (short 1,75); two over-claims, 0,125 + 3,5 = 3,625 points (3,63); in 2025 91,25.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import datetime

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.test_reading_shapes import ED, itjen_answers, tpi_answers, unit_answers
from tests.test_reports import PRINTED, UNIT, db, docx_tables, pdf_text  # noqa: F401 (db: the module's database)
from zi_data import queries, reports
from zi_data.cli import main
from zi_data.ingest import ingest_paths
from zi_data.lke_writer import write_lke_zi
from zi_data.reports import data, kop
from zi_data.reports.data import find_submission

KOP = """# kop tim
penilai = "Inspektorat Jenderal Kementerian Uji"
alamat = "Jalan Merdeka No. 7, Jakarta 10110"
kota = "Jakarta"
nomor = "LHE-{tahun}/IJ/ZI/{unit}"
dasar = "Surat Tugas Nomor ST-77/IJ/2026 tanggal 2 Juni 2026"

[ketua_tim]
nama = "Rina Ketua"
nip = "198001012005012001"

[[anggota]]
nama = "Budi Anggota"
nip = 198502022010011002

[[anggota]]
nama = "Sari Anggota"
nip = "199003032015012003"

[mengetahui]
jabatan = "Inspektur Wilayah II"
nama = "Agus Inspektur"
nip = "197504042000031004"
"""


@pytest.fixture
def kop_file(tmp_path):
    path = tmp_path / "kop.toml"
    path.write_text(KOP, encoding="utf-8")
    return path


@pytest.fixture
def draft(con):
    return data.unit_report(con, find_submission(con, UNIT, 2026), printed_at=PRINTED)


@pytest.fixture
def lhe(con, kop_file):
    return data.unit_report(con, find_submission(con, UNIT, 2026), printed_at=PRINTED, kop=kop.load(kop_file))


def docx_all_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return " ".join(" ".join(parts).split())


def test_with_kop_the_report_has_letterhead_number_basis_team_and_signatures(lhe):
    number = "Nomor: LHE-2026/IJ/ZI/Puskesmas Uji"
    text, pages = pdf_text(reports.write_unit(lhe, "pdf"))
    assert text.startswith("Inspektorat Jenderal Kementerian Uji Jalan Merdeka No. 7, Jakarta 10110 LAPORAN HASIL "
                           f"EVALUASI ZONA INTEGRITAS Puskesmas Uji · Tahun 2026 {number}")
    assert "Dasar penugasan Surat Tugas Nomor ST-77/IJ/2026 tanggal 2 Juni 2026" in text
    assert re.search(r"Tim evaluasi No Nama NIP Peran 1 Rina Ketua 198001012005012001 Ketua Tim "
                     r"2 Budi Anggota 198502022010011002 Anggota 3 Sari Anggota 199003032015012003 Anggota", text)
    # the signature block: place and the day it was printed, who acknowledges it and the team leader, NIPs
    assert re.search(r"Jakarta, 20 November 2026 Mengetahui, Inspektur Wilayah II Ketua Tim Evaluasi, Agus "
                     r"Inspektur Rina Ketua NIP 197504042000031004 NIP 198001012005012001", text)
    assert re.search(r"No Anggota tim NIP Tanda tangan 1 Budi Anggota 198502022010011002 2 Sari Anggota", text)
    assert "DRAF" not in text and "Draf" not in text
    assert "Halaman 1 dari" in pages[0]

    words = docx_all_text(reports.write_unit(lhe, "docx"))
    for part in ("Inspektorat Jenderal Kementerian Uji", "LAPORAN HASIL EVALUASI ZONA INTEGRITAS", number,
                 "Surat Tugas Nomor ST-77/IJ/2026", "Rina Ketua", "198502022010011002", "Jakarta, 20 November 2026",
                 "Mengetahui, Inspektur Wilayah II", "Agus Inspektur", "NIP 197504042000031004"):
        assert part in words
    assert "DRAF" not in words

    ident = {r[0]: r[1] for r in load_workbook(io.BytesIO(reports.write_unit(lhe, "xlsx")))["Identitas"].iter_rows(
        min_row=3, values_only=True)}
    assert ident["Nomor"] == "LHE-2026/IJ/ZI/Puskesmas Uji" and ident["Penilai"].endswith("Kementerian Uji")
    assert "DRAF" not in ident


def test_without_kop_the_report_is_a_clearly_marked_draft(draft):
    text, pages = pdf_text(reports.write_unit(draft, "pdf"))
    assert all(re.search(r"DRAF\s*$|DRAF\n", p) or "· 2026 DRAF" in p for p in pages)  # on every page's header
    assert "DRAF Kop, nomor, dasar penugasan dan tim evaluasi belum diisi" in text
    assert "kop.toml" in text and "Nomor:" not in text
    # the signatures are left to fill in by hand
    assert "Mengetahui, ...................................." in text and "NIP ...................................." in text
    doc = Document(io.BytesIO(reports.write_unit(draft, "docx")))
    assert doc.sections[0].header.paragraphs[0].text.endswith("DRAF")
    assert doc.tables[0].rows[0].cells[0].text.startswith("DRAF")


@pytest.mark.parametrize(("content", "message"), [
    (KOP.replace('kota = "Jakarta"', "kota = Jakarta"), r"kop\.toml baris 4 kolom 8: penulisan TOML tidak sah"),
    (KOP.replace('penilai = "Inspektorat Jenderal Kementerian Uji"\n', ""), r"kop\.toml: 'penilai' tidak ada"),
    (KOP.replace("penilai =", "penillai ="), r"kop\.toml baris 2: kunci 'penillai' tidak dikenal"),
    (KOP.replace("{unit}", "{nama}"), r"kop\.toml baris 5: penanda \{nama\} pada 'nomor' tidak dikenal"),
    (KOP.replace('nama = "Agus Inspektur"', 'nama = ""'), r"kop\.toml baris 22: 'nama' di bagian mengetahui kosong"),
    (KOP.replace('nip = "198001012005012001"\n', ""), r"kop\.toml: 'nip' di bagian ketua_tim tidak ada"),
    (KOP.replace("[mengetahui]", "[mengetahui_]"), r"kop\.toml baris 20: kunci 'mengetahui_' tidak dikenal"),
    (KOP.replace('dasar = "Surat', "dasar = 7 #"), r"kop\.toml baris 6: 'dasar' bukan teks"),
])
def test_a_malformed_kop_toml_is_refused_in_indonesian_naming_the_line_or_key(tmp_path, content, message):
    path = tmp_path / "kop.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(kop.KopError, match=message):
        kop.load(path)


def test_zi_laporan_takes_kop_or_the_one_beside_the_database_and_refuses_a_bad_one(db, tmp_path, kop_file, capsys):  # noqa: F811
    out = tmp_path / "uji.docx"
    assert main(["laporan", "--unit", UNIT, "--tahun", "2026", "--format", "docx", "--kop", str(kop_file),
                 "--out", str(out), "--db", str(db)]) == 0
    assert "Nomor: LHE-2026/IJ/ZI/Puskesmas Uji" in docx_all_text(out.read_bytes())
    # kop.toml in the database's folder is read without --kop
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(db, folder / "zi.duckdb")
    shutil.copy(kop_file, folder / "kop.toml")
    assert main(["laporan", "--semua", "--tahun", "2026", "--out", str(tmp_path / "semua"),
                 "--db", str(folder / "zi.duckdb")]) == 0
    assert f"Kop dan tim: {folder / 'kop.toml'}" in capsys.readouterr().out
    text, _ = pdf_text((tmp_path / "semua" / "LHE_2026_Puskesmas-Uji.pdf").read_bytes())
    assert "Inspektorat Jenderal Kementerian Uji" in text and "DRAF" not in text
    # a malformed one: nothing is written, the message names the line
    (folder / "kop.toml").write_text(KOP.replace('kota = "Jakarta"', "kota = Jakarta"), encoding="utf-8")
    bad = tmp_path / "bad.pdf"
    assert main(["laporan", "--unit", UNIT, "--tahun", "2026", "--out", str(bad),
                 "--db", str(folder / "zi.duckdb")]) == 2
    assert "kop.toml baris 4 kolom 8" in capsys.readouterr().err and not bad.exists()
    assert main(["laporan", "--unit", UNIT, "--tahun", "2026", "--kop", str(tmp_path / "tidak_ada.toml"),
                 "--out", str(bad), "--db", str(db)]) == 2
    assert "tidak_ada.toml: berkas kop tidak ada." in capsys.readouterr().err and not bad.exists()


def test_the_drafted_conclusion_and_recommendations_follow_the_numbers(lhe):
    text, _ = pdf_text(reports.write_unit(lhe, "pdf"))
    conclusion = text[text.index("Simpulan dan rekomendasi"):]
    assert ("Menurut penilaian Unit (Jawaban Unit), nilai total Puskesmas Uji tahun 2026 adalah 100,00 dengan "
            "predikat WBBM. Semua syarat WBBM terpenuhi.") in conclusion
    assert ("Menurut penilaian TPI (Jawaban TPI), nilai total Puskesmas Uji tahun 2026 adalah 96,38; belum memenuhi "
            "syarat WBK. Syarat WBK yang belum terpenuhi (1): Nilai survei IPAK: Nilai Survey Persepsi Korupsi "
            "(Survei Eksternal) 14,00 dari minimum 15,75 (kurang 1,75).") in conclusion
    assert "Sebanyak 2 pertanyaan dinilai Unit lebih tinggi daripada TPI, dengan selisih 3,63 poin" in conclusion
    assert ("1. Meningkatkan indikator Nilai Survey Persepsi Korupsi (Survei Eksternal) (Birokrasi yang Bersih dan "
            "Akuntabel): nilai 14,00 dari bobot 17,50, peluang 3,50 poin; membantu memenuhi syarat Nilai Survey "
            "Persepsi Korupsi (Survei Eksternal) (WBK, WBBM).") in conclusion
    assert "2. Menelaah kembali penilaian mandiri pada 2 pertanyaan dengan klaim berlebih" in conclusion
    # in Word they are plain paragraphs to edit, the recommendations a numbered list
    doc = Document(io.BytesIO(reports.write_unit(lhe, "docx")))
    numbered = [p.text for p in doc.paragraphs if p.style.name == "List Number"]
    assert len(numbered) == 2 and numbered[0].startswith("Meningkatkan indikator Nilai Survey Persepsi Korupsi")


def test_no_server_path_or_file_hash_in_any_report(con, draft):
    info = queries.submission(con, draft.submission_id)
    folder = str(info["file_path"]).rsplit("/", 1)[0]
    for fmt in ("pdf", "docx", "xlsx"):
        content = reports.write_unit(draft, fmt)
        if fmt == "pdf":
            text = pdf_text(content)[0]
        elif fmt == "docx":
            text = docx_all_text(content)
        else:
            text = " ".join(str(c.value) for ws in load_workbook(io.BytesIO(content)) for r in ws.iter_rows()
                            for c in r if c.value is not None)
        assert folder not in text and draft.submission_id not in text and draft.submission_id[:12] not in text
        assert "2026_uji.xlsx" in text  # the file's name (and when it was loaded) is enough
    package = zipfile.ZipFile(io.BytesIO(reports.write_unit(draft, "docx")))
    assert all(folder.encode() not in package.read(n) for n in package.namelist())


def test_every_number_has_two_decimals(draft):
    text, _ = pdf_text(reports.write_unit(draft, "pdf"))
    assert not re.search(r"\d,\d{3}(?!\d)", text), re.findall(r"\S*\d,\d{3}\S*", text)[:5]
    assert not re.search(r"\d,\d{3}(?!\d)", docx_all_text(reports.write_unit(draft, "docx")))
    assert "0,13" in text and "3,63 poin" in text  # the over-claims, rounded half up


def test_years_in_the_excel_report_are_numbers(draft):
    wb = load_workbook(io.BytesIO(reports.write_unit(draft, "xlsx")))
    ws = wb["Riwayat"]
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == "Tahun")
    years = [ws.cell(r, 1).value for r in range(top + 1, ws.max_row + 1)]
    assert years == [2025, 2026] and all(ws.cell(r, 1).data_type == "n" for r in range(top + 1, ws.max_row + 1))
    ident = {r[0]: r[1] for r in wb["Identitas"].iter_rows(min_row=3, values_only=True)}
    assert ident["Tahun penilaian"] == 2026


def test_the_word_report_carries_the_year_chart(draft):
    from PIL import Image

    package = zipfile.ZipFile(io.BytesIO(reports.write_unit(draft, "docx")))
    images = [n for n in package.namelist() if n.startswith("word/media/")]
    assert len(images) == 1 and images[0].endswith(".png")
    image = Image.open(io.BytesIO(package.read(images[0]))).convert("L")
    assert image.size[0] > 1000  # drawn at print resolution
    # two years of bars: 2025 Unit and TPI 91,25, 2026 Unit 100 and TPI 96,38 (dark grey), outlined in black
    dark = sum(image.histogram()[:64])
    grey = sum(image.histogram()[64:128])
    assert dark > 2000 and grey > 2000
    body = package.read("word/document.xml").decode()
    assert body.index("<pic:pic") < body.index("Tahun</w:t>")  # the chart comes before the year table
    assert 'TargetMode="External"' not in package.read("word/_rels/document.xml.rels").decode()  # nothing linked


@pytest.fixture(scope="module")
def levels_db(tmp_path_factory):
    """Every column the recap can have: three levels (Unit, TPI tingkat 1, TPI), a TPN total, the stage, and a
    partial file's note."""
    root = tmp_path_factory.mktemp("recap_levels")
    for i in range(2):
        write_lke_zi(root / "in" / f"2025_{i}.xlsx", ED, f"Dinas Kesehatan Kabupaten Uji {i}", "Kementerian Uji",
                     2025, unit_answers(), levels={"Jawaban TPI": tpi_answers(), "Jawaban TPI KESDM": itjen_answers()},
                     unit_label="Jawaban Unit")
    path = root / "l.duckdb"
    ingest_paths([root / "in"], path, actor_role="evaluator")
    c = queries.store.connect(path)
    c.execute("update stg_submissions set needs_review = 'cocok 80% dengan daftar pertanyaan' where submission_id "
              "in (select submission_id from current_submissions where unit_name like '%1')")
    c.close()
    return path


def header_lines(content: bytes) -> int:
    """How many lines the recap table's header row takes on page 1: the distinct baselines from the header's top
    line ("Unit kerja", one line) down to the first unit's name."""
    pieces = []
    PdfReader(io.BytesIO(content)).pages[0].extract_text(
        visitor_text=lambda text, cm, tm, font, size: pieces.append((text.strip(), round(tm[5] + cm[5], 1))))
    top = next(y for t, y in pieces if t == "Unit kerja")
    first_row = next(y for t, y in pieces if t.startswith("Dinas Kesehatan"))
    return len({y for t, y in pieces if t and first_row < y <= top})


def test_the_recaps_level_headers_take_two_lines_at_most(levels_db):
    c = queries.connect(levels_db)
    try:
        units = queries.units_of_year(c, 2025)
        cycle = pd.DataFrame([{"unit_id": u, "unit_name": n, "instansi": "Kementerian Uji", "stage": "dinilai_tpi",
                               "tpn_total": 90.0, "tpn_decision": None, "tpn_note": None}
                              for u, n in zip(units["unit_id"], units["unit_name"], strict=True)])
        recap = data.recap_report(c, 2025, cycle=cycle, printed_at=datetime(2026, 1, 5, 9, 0))
    finally:
        c.close()
    titles = [col.title for col in recap.table.columns]
    assert titles[4:8] == ["Nilai Unit", "Nilai TPI tingkat 1", "Nilai TPI", "Nilai TPN"] and titles[-1] == "Catatan"
    assert header_lines(reports.write_recap(recap, "pdf")) <= 2


def _render_pdf(content: bytes, stem: str, out) -> list:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 renders PDF pages to images")
    doc = pdfium.PdfDocument(content)
    images = []
    for i in range(len(doc)):
        image = doc[i].render(scale=1.5).to_pil().convert("L")
        image.save(out / f"{stem}_{i + 1}.png")
        images.append(image)
    return images


def test_pdf_and_word_pages_rendered_to_images(lhe, draft, tmp_path):
    """Every page of the LHE (with kop) and of the draft, as PDF and as Word opened by LibreOffice Writer, is
    written to tests/artifacts/ for a person to look at; each is A4 portrait with text on it, and the first page of
    the LHE has the letterhead's double rule across the page."""
    from tests.browser import ARTIFACTS as out

    out.mkdir(exist_ok=True)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice Writer is not installed (make office installs it) and could not render the DOCX")
    for report, name in ((lhe, "lhe"), (draft, "draf")):
        pdf_pages = _render_pdf(reports.write_unit(report, "pdf"), f"laporan_{name}_pdf", out)
        docx = tmp_path / f"laporan_{name}.docx"
        docx.write_bytes(reports.write_unit(report, "docx"))
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                        "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=240)
        word_pages = _render_pdf((tmp_path / f"laporan_{name}.pdf").read_bytes(), f"laporan_{name}_docx", out)
        for pages in (pdf_pages, word_pages):
            assert 4 <= len(pages) <= 12
            for image in pages:
                assert image.size[1] / image.size[0] == pytest.approx(297 / 210, rel=0.01)  # A4 portrait
                assert sum(image.histogram()[:128]) > 2000, "the page has text and lines on it"
        if name == "lhe":
            for image in (pdf_pages[0], word_pages[0]):
                w, h = image.size
                # a dark rule across most of the width in the top fifth of the page (the letterhead's)
                rows = [sum(1 for x in range(0, w, 4) if image.getpixel((x, y)) < 100) for y in range(h // 5)]
                assert max(rows) > 0.7 * (w / 4)
