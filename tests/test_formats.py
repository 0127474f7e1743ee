"""Issue 19, class 11: the LKE as .ods and as the CSV of its sheet (Google Sheets or Excel: "," or ";", UTF-8 or
Windows-1252) is read like the sheet; what only looks like a workbook (a web page or an XML spreadsheet saved as
.xls) is refused saying what it is. A CSV of the LKE sheet is told apart from survey files, rosters and TPN
results. Totals by hand as in tests/test_never_silent.py: unit 96,125, TPI 96,25."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from tests.helpers import as_ods, filled_workbook, national_workbook
from tests.test_reading_shapes import ED, TPI_TOTAL, UNIT_TOTAL, tpi_answers, unit_answers
from zi_data import ingest
from zi_data.evaluate import evaluate
from zi_data.lke_writer import write_lke_zi
from zi_data.readers import ReadError, read_workbook

BOTH = {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL}


def totals(path: Path, **kw) -> dict[str, float]:
    ev = evaluate(read_workbook(path, **kw))
    return {a: round(ev.scores.total(a), 4) for a in ev.scores.assessors}


def as_csv(xlsx: Path, sheet: str, out: Path, delimiter: str = ",", encoding: str = "utf-8",
           decimal_comma: bool = False) -> Path:
    """A sheet saved as CSV the way spreadsheet programs do: every cell as shown, numbers with the locale's decimal
    separator (Indonesian Excel: ";" between cells, "," in numbers, the Windows code page)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in load_workbook(xlsx)[sheet].iter_rows(values_only=True):
        cells = []
        for v in row:
            if isinstance(v, float):
                text = str(int(v)) if v.is_integer() else repr(v)
                cells.append(text.replace(".", ",") if decimal_comma else text)
            else:
                cells.append("" if v is None else str(v))
        writer.writerow(cells)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue().encode(encoding))
    return out


def lke(tmp: Path, **kw) -> Path:
    return write_lke_zi(tmp / "src.xlsx", ED, "Unit Format", "Instansi", 2025, unit_answers(),
                        levels={"Jawaban TPI": tpi_answers()}, **kw)


CSVS = {
    "Google Sheets (',', UTF-8)": {"delimiter": ","},
    "Excel Indonesia (';', Windows-1252, decimal commas)": {"delimiter": ";", "encoding": "cp1252",
                                                             "decimal_comma": True},
    "Excel 'CSV UTF-8' (';', with its byte-order mark)": {"delimiter": ";", "encoding": "utf-8-sig",
                                                          "decimal_comma": True},
}


@pytest.mark.parametrize("how", list(CSVS))
def test_the_csv_of_the_lke_zi_sheet_is_read_like_the_sheet(tmp_path, how):
    path = as_csv(lke(tmp_path, quirks={"title_block"}), "LKE ZI", tmp_path / "lke unit.csv", **CSVS[how])
    assert totals(path) == pytest.approx(BOTH)
    wb = read_workbook(path)
    assert (wb.unit, wb.instansi, wb.year) == ("Unit Format", "Instansi", 2025)  # from the title block


@pytest.mark.parametrize("how", list(CSVS))
def test_the_csv_of_the_national_sheet_and_of_the_template_are_read(tmp_path, how):
    national = national_workbook(tmp_path / "n.xlsx", unit=unit_answers(), tpi=tpi_answers())
    assert totals(as_csv(national, "Jawaban", tmp_path / "2026_Unit Nasional.csv", **CSVS[how])) == pytest.approx(BOTH)
    template = filled_workbook(tmp_path / "t.xlsx", unit=unit_answers(), tpi=tpi_answers())
    assert totals(as_csv(template, "Jawaban", tmp_path / "2025_Unit Templat.csv", **CSVS[how])) == pytest.approx(BOTH)


def test_a_windows_1252_csv_keeps_its_names(tmp_path):
    src = lke(tmp_path, quirks={"title_block"})
    book = load_workbook(src)
    book["LKE ZI"]["B2"] = "Unit Kerja : Dinas Perhubungan Kota Banjarbaru – Seksi Angkutan"
    book.save(src)
    path = as_csv(src, "LKE ZI", tmp_path / "lke.csv", ";", "cp1252", True)
    assert read_workbook(path).unit == "Dinas Perhubungan Kota Banjarbaru – Seksi Angkutan"


@pytest.mark.parametrize("quirks", [frozenset(), frozenset({"title_block", "no_identity"})])
def test_an_ods_workbook_is_read_like_the_xlsx(tmp_path, quirks):
    path = as_ods(lke(tmp_path, quirks=quirks), tmp_path / "2025_Unit Format.ods")
    assert totals(path) == pytest.approx(BOTH)
    template = as_ods(filled_workbook(tmp_path / "t.xlsx", unit=unit_answers(), tpi=tpi_answers()),
                      tmp_path / "t.ods")
    assert totals(template) == pytest.approx(BOTH)
    assert read_workbook(template).unit == "Unit Uji"  # its Identitas sheet


@pytest.mark.parametrize("content, what", [
    (b"<html><head><meta charset='utf-8'></head><body><table><tr><td>Jawaban</td></tr></table></body></html>",
     "halaman web (HTML)"),
    (b"\xef\xbb\xbf<!DOCTYPE html>\n<html><body><table><tr><td>LKE</td></tr></table></body></html>",
     "halaman web (HTML)"),
    (b"<table border=1><tr><td>No</td><td>Pertanyaan</td><td>Jawaban</td></tr></table>", "halaman web (HTML)"),
    (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:'
     b'office:spreadsheet"><Worksheet ss:Name="LKE"/></Workbook>', "lembar kerja XML (XML Spreadsheet 2003)"),
])
def test_what_only_looks_like_an_xls_is_refused_saying_what_it_is(tmp_path, content, what):
    path = tmp_path / "2025_Unit Web.xls"
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        read_workbook(path)
    message = str(err.value)
    assert f"bukan berkas Excel: {what}" in message and "yang diberi nama .xls" in message
    assert "Simpan Sebagai 'Excel Workbook (.xlsx)'" in message


def test_a_web_page_named_xlsx_is_said_to_be_one_too(tmp_path):
    path = tmp_path / "2025_Unit Web.xlsx"
    path.write_bytes(b"<html><body><table><tr><td>Jawaban</td></tr></table></body></html>")
    with pytest.raises(ReadError, match=r"halaman web \(HTML\).*yang diberi nama \.xlsx"):
        read_workbook(path)


def test_an_xlsx_renamed_ods_is_refused_saying_so(tmp_path):
    path = lke(tmp_path).rename(tmp_path / "2025_U.ods")
    with pytest.raises(ReadError, match="bukan lembar kerja OpenDocument"):
        read_workbook(path)


def test_ingest_tells_an_lke_csv_from_a_survey_a_roster_and_an_unknown_csv(tmp_path):
    folder = tmp_path / "in"
    as_csv(lke(tmp_path, quirks={"title_block"}), "LKE ZI", folder / "lke_unit_format.csv", ";", "cp1252", True)
    as_ods(filled_workbook(tmp_path / "t.xlsx", unit=unit_answers(), tpi=tpi_answers(), unit_name="Unit ODS"),
           folder / "2025_Unit ODS.ods")
    (folder / "survei.csv").write_text("Unit Kerja;Instansi;Tahun;IPAK;IPKP\nUnit Lain;Instansi;2025;3,6;3,6\n",
                                       encoding="utf-8")
    (folder / "catatan.csv").write_text("Tanggal,Kegiatan\n2025-01-02,Rapat\n", encoding="utf-8")
    db = tmp_path / "zi.duckdb"
    s = ingest.ingest_paths([folder], db, actor_role="evaluator")
    assert s.loaded == 2 and s.surveys == 1
    assert [Path(r["file"]).name for r in s.rejected] == ["catatan.csv"]
    assert "CSV harus berupa sheet LKE yang disimpan sebagai CSV" in s.rejected[0]["reason"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select c.unit_name, s.score from current_submissions c join scores s using (submission_id) "
                           "where s.assessor = 'tpi' and s.node_id = 'TOTAL' order by 1").fetchall()
    finally:
        con.close()
    assert rows == [("Unit Format", pytest.approx(TPI_TOTAL)), ("Unit ODS", pytest.approx(TPI_TOTAL))]


def test_an_upload_of_an_ods_is_accepted(tmp_path):
    data = as_ods(filled_workbook(tmp_path / "t.xlsx", unit=unit_answers()), tmp_path / "x.ods").read_bytes()
    s = ingest.ingest_upload("2025_Unit Unggah.ods", data, tmp_path / "zi.duckdb", tmp_path / "up",
                             actor_role="evaluator")
    assert s.loaded == 1 and not s.rejected
    info = ingest.identify_upload("2025_Unit Unggah.ods", data)
    assert info["kind"] == "lke" and info["unit"] == "Unit Uji"
