"""Text from files in the reports: whatever its length or characters, every report is written and shows it whole
and exactly as written (PDF and Word read back as text, Excel cell by cell).

Three units of "Instansi Teks" (2026), built with the project's own template writer. Each answers everything at
its best; its TPI answers M002 "B" and M125 3,2, so both questions are over-claims and their notes are shown:
  "Unit Catatan": TPI notes of 3.000 characters on M002 and M125, a unit note and evidence of 3.000 on M002;
  a 32.767-character unit name (what one Excel cell holds), its TPI note on M002 short;
  a unit whose name, notes and evidence hold text that Markdown, HTML, a spreadsheet or ReportLab would read as
  markup, a formula or a link (the reader keeps it, with its line breaks and a vertical tab read as spaces).
Every long text is made of numbered words (w0001 w0002 ...), so a word missing anywhere is found.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.helpers import edition, filled_workbook, perfect
from tests.test_reports import pdf_text
from zi_data import queries, reports
from zi_data.cli import main
from zi_data.ingest import ingest_paths
from zi_data.reports import data

INSTANSI = "Instansi Teks"
CELL_MAX = 32767  # what one Excel cell holds


def words(prefix: str, n_chars: int) -> str:
    """Numbered words up to exactly n_chars characters."""
    out, i = [], 1
    while sum(len(w) + 1 for w in out) <= n_chars:
        out.append(f"{prefix}{i:05d}")
        i += 1
    text = " ".join(out)[:n_chars]
    return text[:-1] + "x" if text.endswith(" ") else text


NOTE_TPI = words("t", 3000)
NOTE_TPI_2 = words("s", 3000)
NOTE_UNIT = words("u", 3000)
EVIDENCE = words("e", 3000)
LONG_NAME = words("n", CELL_MAX)
assert len(NOTE_TPI) == 3000 and len(LONG_NAME) == CELL_MAX
# Text that Markdown, HTML, a spreadsheet or ReportLab's paragraph markup would each read as something else.
MARKUP_NAME = '@Dinas <b>PU</b>/PR [x](http://outside.test/) & "Kota" *tebal* :red[merah] $x$'
MARKUP_NOTE = ('<font color="red">merah</font> <a href="http://outside.test/a">tautan</a> <img src="http://outside.'
               'test/p.png"/> ![i](http://outside.test/i.png) &amp; &lt;br/&gt; <br/> **tebal** <link href="x">l</link>'
               "\nbaris kedua")
MARKUP_EVIDENCE = '=HYPERLINK("http://outside.test/","klik") https://drive.example/bukti\x0bakhir'
# As the reader stores them: every run of white space (line break, vertical tab) one space.
STORED_NOTE, STORED_EVIDENCE = (" ".join(t.split()) for t in (MARKUP_NOTE, MARKUP_EVIDENCE))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    ed = edition("2021")
    root = tmp_path_factory.mktemp("reports_text")
    best = perfect(ed)
    tpi = dict(best, M002="B", M125=3.2)
    filled_workbook(root / "in" / "catatan.xlsx", unit=best, tpi=tpi, unit_name="Unit Catatan", instansi=INSTANSI,
                    year=2026, tpi_notes={"M002": NOTE_TPI, "M125": NOTE_TPI_2}, notes={"M002": NOTE_UNIT})
    filled_workbook(root / "in" / "nama.xlsx", unit=best, tpi=tpi, unit_name=LONG_NAME, instansi=INSTANSI,
                    year=2026, tpi_notes={"M002": "Catatan pendek"})
    filled_workbook(root / "in" / "markup.xlsx", unit=best, tpi=tpi, unit_name=MARKUP_NAME, instansi=INSTANSI,
                    year=2026, tpi_notes={"M002": MARKUP_NOTE}, notes={"M002": MARKUP_NOTE})
    # evidence (column M, "Bukti Dukung Unit") is not one of filled_workbook's columns: written here
    from openpyxl import load_workbook as open_book
    for name, text in (("catatan.xlsx", EVIDENCE), ("markup.xlsx", MARKUP_EVIDENCE)):
        book = open_book(root / "in" / name)
        row = int(ed.questions.set_index("question_id").loc["M002", "jawaban_row"])
        cell = book["Jawaban"][f"M{row}"]
        cell.value = text.replace("\x0b", "_x000B_")  # how Excel itself stores a vertical tab in a cell
        cell.data_type = "s"  # text, as a unit typing it would have it (not a formula)
        book.save(root / "in" / name)
    path = root / "t.duckdb"
    summary = ingest_paths([root / "in"], path, actor_role="evaluator")
    assert summary.loaded == 3, summary.rejected
    return path


def sid_of(con, name: str) -> str:
    return con.execute("select submission_id from current_submissions where unit_name = ?", [name]).fetchone()[0]


def numbered(text: str, prefix: str) -> set[str]:
    return set(re.findall(rf"{prefix}\d{{5}}", text))


def squash(text: str) -> str:
    """Text without white space: where a PDF line wraps (or cuts a long word) does not matter."""
    return "".join(text.split())


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a Word file, in order."""
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_3000_character_notes_and_evidence_are_written_whole(con, fmt):
    """A TPI note of 3.000 characters made ReportLab stop (LayoutError): the note now continues over pages."""
    content = reports.unit_bytes(con, sid_of(con, "Unit Catatan"), fmt)
    text = pdf_text(content)[0] if fmt == "pdf" else docx_text(content)
    for note, prefix in ((NOTE_TPI, "t"), (NOTE_TPI_2, "s"), (NOTE_UNIT, "u"), (EVIDENCE, "e")):
        assert numbered(text, prefix) == numbered(note, prefix), f"words of the {prefix} text are missing"


def test_3000_character_notes_in_the_excel_report_are_whole_cells(con):
    wb = load_workbook(io.BytesIO(reports.unit_bytes(con, sid_of(con, "Unit Catatan"), "xlsx")))
    cells = [c.value for row in wb["Klaim berlebih"].iter_rows() for c in row]
    assert NOTE_TPI in cells and NOTE_TPI_2 in cells
    assert f"Catatan: {NOTE_UNIT}\nBukti: {EVIDENCE}" in cells


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx"])
def test_a_32767_character_unit_name_is_written_whole(con, fmt):
    content = reports.unit_bytes(con, sid_of(con, LONG_NAME), fmt)
    if fmt == "xlsx":
        wb = load_workbook(io.BytesIO(content))
        ident = {r[0]: r[1] for r in wb["Identitas"].iter_rows(min_row=3, values_only=True)}
        assert ident["Unit kerja"] == LONG_NAME
        # each sheet's title line ("name · instansi · year") is longer than a cell holds: cut, and it says so
        title = wb["Klaim berlebih"]["A2"].value
        assert len(title) == CELL_MAX and title.startswith("n00001 n00002")
        assert title.endswith(f"[terpotong: teks asli {CELL_MAX + len(f' · {INSTANSI} · 2026')} karakter]")
        return
    text = pdf_text(content)[0] if fmt == "pdf" else docx_text(content)
    assert numbered(text, "n") == numbered(LONG_NAME, "n")


def test_the_running_header_of_a_long_name_is_cut_with_an_ellipsis_on_every_page(con):
    """A header cannot wrap: it shows the start of the name and "…", the body the whole name."""
    _, pages = pdf_text(reports.unit_bytes(con, sid_of(con, LONG_NAME), "pdf"))
    for page in pages:
        header = [line for line in page.splitlines() if line.startswith("ZI Monitor · ")]
        assert len(header) == 1 and header[0].startswith("ZI Monitor · Laporan Hasil Evaluasi ZI · n00001 n00002")
        assert header[0].endswith("…") or header[0].endswith("… DRAF")
    docx = Document(io.BytesIO(reports.unit_bytes(con, sid_of(con, LONG_NAME), "docx")))
    header = docx.sections[0].header.paragraphs[0].text
    assert header.startswith("ZI Monitor · Laporan Hasil Evaluasi ZI · n00001") and "…" in header
    assert len(header) < 200
    assert len(docx.core_properties.title) <= 255 and docx.core_properties.title.endswith("…")


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_the_recap_of_units_with_long_names_is_written_whole(con, fmt):
    """A 32.767-character unit name stopped the recap PDF without a word."""
    content = reports.recap_bytes(con, 2026, None, fmt)
    if fmt == "pdf":
        assert numbered(pdf_text(content)[0], "n") == numbered(LONG_NAME, "n")
    else:
        names = [c.value for row in load_workbook(io.BytesIO(content)).active.iter_rows() for c in row]
        assert LONG_NAME in names and MARKUP_NAME in names


def test_zi_laporan_semua_writes_every_unit_whatever_its_texts(db, tmp_path, capsys):
    """`zi laporan --semua` stopped at the first unit whose report failed."""
    folder = tmp_path / "semua"
    for fmt in ("pdf", "docx", "xlsx"):
        assert main(["laporan", "--semua", "--tahun", "2026", "--format", fmt, "--out", str(folder / fmt),
                     "--db", str(db)]) == 0
        assert len(list((folder / fmt).iterdir())) == 3
        assert f"3 laporan ({fmt.upper()})" in capsys.readouterr().out


def test_a_unit_whose_report_fails_is_named_and_the_others_are_written(db, tmp_path, capsys, monkeypatch):
    real = reports.write_unit

    def failing(report, fmt):
        if report.unit_name == "Unit Catatan":
            raise RuntimeError("rusak untuk uji")
        return real(report, fmt)

    monkeypatch.setattr(reports, "write_unit", failing)
    folder = tmp_path / "semua"
    assert main(["laporan", "--semua", "--tahun", "2026", "--out", str(folder), "--db", str(db)]) == 1
    out = capsys.readouterr()
    assert len(list(folder.iterdir())) == 2 and "2 laporan (PDF)" in out.out
    assert f"Laporan Unit Catatan ({INSTANSI}) gagal dibuat: RuntimeError: rusak untuk uji" in out.err
    # the Laporan page's ZIP: the others, and a note naming the unit (no details that could name server paths)
    con = queries.connect(db)
    try:
        failed: list = []
        names = zipfile.ZipFile(io.BytesIO(reports.zip_of(
            reports.all_units(con, 2026, [INSTANSI], "docx", failed=failed), failed)))
    finally:
        con.close()
    assert len(names.namelist()) == 3 and reports.FAILED_FILE in names.namelist()
    note = names.read(reports.FAILED_FILE).decode()
    assert f"Unit Catatan ({INSTANSI}) (RuntimeError)" in note and "rusak untuk uji" not in note


def test_markup_in_names_notes_and_evidence_is_shown_literally_in_the_pdf(con):
    content = reports.unit_bytes(con, sid_of(con, MARKUP_NAME), "pdf")
    text, pages = pdf_text(content)
    assert MARKUP_NAME in text
    assert squash(f"{STORED_NOTE} Catatan: {STORED_NOTE} Bukti: {STORED_EVIDENCE}") in squash(text) or \
        squash(f"Catatan: {STORED_NOTE} Bukti: {STORED_EVIDENCE} {STORED_NOTE}") in squash(text)
    # the running header draws the name as it is
    assert all(any(line.startswith(f"ZI Monitor · Laporan Hasil Evaluasi ZI · {MARKUP_NAME}")
                   for line in page.splitlines()) for page in pages)
    # no link of any kind in the file
    assert b"/URI" not in content and b"/Link" not in content


def test_markup_in_names_notes_and_evidence_is_shown_literally_in_word_and_excel(con):
    content = reports.unit_bytes(con, sid_of(con, MARKUP_NAME), "docx")
    text = docx_text(content)
    assert MARKUP_NAME in text and STORED_NOTE in text and STORED_EVIDENCE in text
    package = zipfile.ZipFile(io.BytesIO(content))
    rels = "".join(package.read(n).decode() for n in package.namelist() if n.endswith(".rels"))
    body = package.read("word/document.xml").decode()
    assert "hyperlink" not in rels and "<w:hyperlink" not in body and "HYPERLINK" not in body.replace(
        "=HYPERLINK(&quot;", "").replace('=HYPERLINK("', "")
    assert "<w:fldSimple" not in body and "<w:instrText" not in body  # no field made of the text

    wb = load_workbook(io.BytesIO(reports.unit_bytes(con, sid_of(con, MARKUP_NAME), "xlsx")))
    ident = {r[0]: r[1] for r in wb["Identitas"].iter_rows(min_row=3, values_only=True)}
    assert ident["Unit kerja"] == MARKUP_NAME
    over = wb["Klaim berlebih"]
    cells = {c.value: c for row in over.iter_rows() for c in row if isinstance(c.value, str)}
    assert STORED_NOTE in cells and f"Catatan: {STORED_NOTE}\nBukti: {STORED_EVIDENCE}" in cells
    assert all(c.data_type == "s" for c in cells.values())  # text, never a formula, no apostrophe added
    assert not any(c.hyperlink for c in cells.values())


def test_markup_in_the_recap_is_shown_literally(con):
    text, _ = pdf_text(reports.recap_bytes(con, 2026, None, "pdf"))
    assert " ".join(MARKUP_NAME.split()) in text


def test_the_report_data_keeps_every_text_as_the_file_has_it(con):
    """What the writers lay out is the text as read: nothing shortened before it reaches them."""
    report = data.unit_report(con, sid_of(con, "Unit Catatan"))
    rows = report.overclaims.rows.set_index("question_id")
    assert rows.loc["M002", "note_tpi"] == NOTE_TPI and rows.loc["M125", "note_tpi"] == NOTE_TPI_2
    assert rows.loc["M002", "claim_unit"] == f"Catatan: {NOTE_UNIT}\nBukti: {EVIDENCE}"


def test_line_breaks_are_kept_and_what_xml_cannot_hold_is_marked_in_every_format(con):
    """Text with a line break and a control character (from any source: a roster, a TPN file): the PDF keeps the
    break, Word and Excel too; the vertical tab, which XML cannot hold, shows as U+FFFD instead of failing the file."""
    report = data.unit_report(con, sid_of(con, "Unit Catatan"))
    report = dataclasses.replace(report, unit_name="Dinas Satu\nbaris dua\x0bakhir", tpn_note="Catatan\x07TPN")
    shown = "Dinas Satu\nbaris dua\ufffdakhir"
    _, pages = pdf_text(reports.write_unit(report, "pdf"))
    lines = [line.strip() for line in pages[0].splitlines()]
    assert "baris dua\ufffdakhir" in lines or any(line.startswith("baris dua\ufffdakhir") for line in lines)
    assert shown in docx_text(reports.write_unit(report, "docx"))
    wb = load_workbook(io.BytesIO(reports.write_unit(report, "xlsx")))
    ident = {r[0]: r[1] for r in wb["Identitas"].iter_rows(min_row=3, values_only=True)}
    assert ident["Unit kerja"] == shown and ident["Catatan TPN"] == "Catatan\ufffdTPN"
