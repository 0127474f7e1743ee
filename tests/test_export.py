"""Downloads open safely in a spreadsheet: no formula runs, numbers stay numbers, rounded as on screen, labelled."""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from zi_data.export import CELL_MAX, Column, labelled, rounded, sheet_title, to_csv_bytes, to_xlsx_bytes

HOSTILE = pd.DataFrame({"unit": ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "Aman"],
                        "total": [90.5, -3.0, 0.0, 1.0, 2.0]})


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_xlsx_keeps_formula_like_text_as_text_exactly_as_written_and_numbers_numeric():
    """A cell stored as a string is never run as a formula in XLSX: no apostrophe shows in front of the text."""
    content = to_xlsx_bytes(HOSTILE)
    ws = load_workbook(io.BytesIO(content))["Data"]
    texts = [ws.cell(r, 1).value for r in range(2, 7)]
    assert texts == list(HOSTILE["unit"])
    assert all(ws.cell(r, 1).data_type == "s" for r in range(2, 7))
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "t=\"inlineStr\"><is><t>=HYPERLINK" in sheet
    assert [ws.cell(r, 2).value for r in range(2, 7)] == [90.5, -3.0, 0.0, 1.0, 2.0]
    assert all(ws.cell(r, 2).data_type == "n" for r in range(2, 7))


def test_csv_neutralises_formulas_and_uses_indonesian_separators():
    rows = csv_rows(to_csv_bytes(HOSTILE))
    assert rows[0] == ["unit", "total"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "90,50"]
    assert rows[2] == ["'+1+2", "-3,00"] and rows[5] == ["Aman", "2,00"]


RANKING = pd.DataFrame({"unit_name": ["Unit A", "Unit B"], "total": [98.76057692307693, 96.125],
                        "units": [12, 3], "year": [2026, 2026], "ok": [True, False],
                        "pengungkit": [None, 41.005]})
COLUMNS = [Column("unit_name", "Unit kerja"), Column("total", "Nilai total", "score"), Column("units", "Unit", "int"),
           Column("year", "Tahun", "int"), Column("ok", "Memenuhi", "bool"), Column("pengungkit", "Pengungkit", "score")]


def test_half_up_rounding_as_a_person_does_it():
    assert rounded(96.125, 2) == 96.13 and rounded(2.675, 2) == 2.68 and rounded(98.76057692307693, 2) == 98.76


def test_csv_has_labelled_headers_two_decimals_and_a_note_of_what_it_holds():
    frame, kinds = labelled(RANKING, COLUMNS)
    rows = csv_rows(to_csv_bytes(frame, note="Peringkat · Tahun 2026 · semua instansi · jawaban TPI", kinds=kinds))
    assert rows[0] == ["Peringkat · Tahun 2026 · semua instansi · jawaban TPI"] and rows[1] == []
    assert rows[2] == ["Unit kerja", "Nilai total", "Unit", "Tahun", "Memenuhi", "Pengungkit"]
    # 98.7605... -> 98,76; 96.125 -> 96,13 (half up); a year without a thousands separator; empty, not "nan"
    assert rows[3] == ["Unit A", "98,76", "12", "2026", "ya", ""]
    assert rows[4] == ["Unit B", "96,13", "3", "2026", "tidak", "41,01"]


def test_xlsx_has_the_note_above_labelled_headers_and_number_formats():
    frame, kinds = labelled(RANKING, COLUMNS)
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(frame, "Peringkat", note="Tahun 2026 · jawaban TPI",
                                                kinds=kinds)))["Peringkat"]
    assert ws["A1"].value == "Tahun 2026 · jawaban TPI" and ws["A2"].value is None
    assert [c.value for c in ws[3]] == ["Unit kerja", "Nilai total", "Unit", "Tahun", "Memenuhi", "Pengungkit"]
    assert [c.value for c in ws[4]] == ["Unit A", 98.76, 12, 2026, "ya", None]
    assert ws["B5"].value == 96.13 and ws["F5"].value == 41.01
    assert ws["B4"].number_format == "0.00" and ws["C4"].number_format == "0" and ws["F5"].number_format == "0.00"
    assert ws.freeze_panes == "A4"


@pytest.mark.parametrize(("given", "expected"), [
    ("Profil Unit Dinas PU/PR", "Profil Unit Dinas PU-PR"),
    ("a\\b?c*d[e]f:g", "a-b-c-d-e-f-g"),
    ("'Kutip'", "Kutip"),
    ("Profil Unit Dinas Pekerjaan Umum dan Penataan Ruang", "Profil Unit Dinas Pekerjaan Um…"),
    ("History", "History (2)"),
    ("/:?", "---"),
    ("", "Data"),
])
def test_sheet_titles_excel_accepts(given, expected):
    assert sheet_title(given) == expected
    assert len(expected) <= 31


def test_sheet_titles_are_unique_without_case_as_excel_compares():
    assert sheet_title("Data", ["DATA", "data (2)"]) == "Data (3)"
    assert sheet_title("x" * 40, ["x" * 30 + "…"]) == "x" * 27 + " (2)"


@pytest.mark.parametrize("unit", ["Dinas PU/PR", "Dinas PU\\PR", "Unit? A*", "[Unit]", "Unit: A", "'Unit'",
                                  "Dinas Pekerjaan Umum dan Penataan Ruang Kota"])
def test_xlsx_downloads_of_any_unit_name_open(unit):
    """Profil Unit and Kesenjangan name the sheet after the unit; every such download opens, the unit whole in A1."""
    frame = pd.DataFrame({"Kode": ["M001"], "Nilai": [1.0]})
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(frame, f"Profil Unit {unit}", note=f"Profil Unit {unit} · 2026")))
    ws = wb.worksheets[0]
    assert not set(ws.title) & set("/\\?*[]:") and not ws.title.startswith("'") and not ws.title.endswith("'")
    assert len(ws.title) <= 31 and (len(f"Profil Unit {unit}") <= 31 or ws.title.endswith("…"))  # cut visibly
    assert ws["A1"].value == f"Profil Unit {unit} · 2026"
    assert ws["A3"].value == "Kode" and ws["B4"].value == 1.0


def test_text_an_excel_cell_cannot_hold_is_cut_visibly_and_control_characters_are_marked():
    long = "a" * (CELL_MAX + 10)
    frame = pd.DataFrame({"Catatan": [long, "a\x0bb\x00c", "x" * CELL_MAX]})
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(frame)))["Data"]
    assert len(ws["A2"].value) == CELL_MAX and ws["A2"].value.endswith(f"[terpotong: teks asli {CELL_MAX + 10} karakter]")
    assert ws["A3"].value == "a\ufffdb\ufffdc"
    assert ws["A4"].value == "x" * CELL_MAX  # exactly what a cell holds: whole
