"""Broken, odd and hostile files: each refused or warned with a clear Bahasa message, the others still load."""

from __future__ import annotations

import io
import zipfile

import duckdb
import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import load_workbook

from tests.helpers import edition, filled_workbook, perfect
from zi_data import ingest
from zi_data.lke_writer import write_lke_zi
from zi_data.readers import ReadError, read_workbook
from zi_data.readers import excel as excel_module
from zi_data.readers.safety import MAX_ROWS


def good(folder):
    return filled_workbook(folder / "2025_Unit Baik.xlsx", unit=perfect(edition("2021")), unit_name="Unit Baik")


def rows_of(db, table):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def refused(tmp_path, make, expected: str):
    """Ingest a good file beside the bad one: the bad one is rejected with `expected`, the good one loads."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    good(folder)
    bad = make(folder)
    db = tmp_path / "zi.duckdb"
    s = ingest.ingest_paths([folder], db, actor_role="evaluator")
    assert s.loaded == 1, s.rejected
    assert len(s.rejected) == 1 and s.rejected[0]["file"] == str(bad)
    reason = s.rejected[0]["reason"]
    assert reason.startswith(bad.name) and expected in reason, reason
    assert rows_of(db, "stg_submissions") == 1 and rows_of(db, "rejects") == 1
    return reason


@pytest.fixture
def no_parser(monkeypatch):
    """Fail the test if calamine is asked to parse: the file must be refused before that."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser was reached")

    monkeypatch.setattr(excel_module.CalamineWorkbook, "from_path", forbidden)


def test_an_empty_file(tmp_path):
    refused(tmp_path, lambda d: (d / "2025_Kosong.xlsx").write_bytes(b"") or d / "2025_Kosong.xlsx", "berkas kosong")


def test_a_truncated_workbook(tmp_path):
    def make(d):
        data = good(tmp_path).read_bytes()
        (d / "2025_Terpotong.xlsx").write_bytes(data[: len(data) // 2])
        return d / "2025_Terpotong.xlsx"

    refused(tmp_path, make, "rusak atau terpotong")


def test_a_non_excel_file_renamed_xlsx(tmp_path):
    def make(d):
        (d / "2025_Foto.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
        return d / "2025_Foto.xlsx"

    refused(tmp_path, make, "bukan berkas Excel")


def test_a_password_protected_workbook(tmp_path):
    def make(d):
        plain = io.BytesIO(good(tmp_path).read_bytes())
        out = io.BytesIO()
        office = OOXMLFile(plain)
        office.encrypt("rahasia", out)
        (d / "2025_Terkunci.xlsx").write_bytes(out.getvalue())
        return d / "2025_Terkunci.xlsx"

    refused(tmp_path, make, "dilindungi kata sandi")


def test_a_workbook_without_an_lke_sheet(tmp_path):
    def make(d):
        from openpyxl import Workbook

        book = Workbook()
        book.active.title = "Rekap Anggaran"
        book.save(d / "2025_Anggaran.xlsx")
        return d / "2025_Anggaran.xlsx"

    reason = refused(tmp_path, make, "tidak ada sheet LKE yang dikenali")
    assert "'Rekap Anggaran'" in reason


def test_a_workbook_of_another_edition_than_its_year_is_scored_by_its_own_edition_and_warned(tmp_path):
    ed = edition("2021")
    path = write_lke_zi(tmp_path / "2020_Unit Lama.xlsx", ed, "Unit Lama", "I", 2020, perfect(ed))
    wb = read_workbook(path)
    assert wb.edition == "2021"
    assert any("workbook edisi 2021, padahal tahun 2020 memakai edisi 2019" in w for w in wb.warnings)


def test_a_decompression_bomb_is_refused_before_parsing(tmp_path, no_parser):
    bomb = tmp_path / "2025_Bom.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            chunk = b"0" * (1 << 20)
            for _ in range(60):  # 60 MB of zeros, a few dozen KB on disk
                f.write(chunk)
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(ReadError, match="bom dekompresi"):
        read_workbook(bomb)


def _sheet_zip(path, rows: int, dimension: bool):
    """A minimal .xlsx whose only sheet has `rows` rows (written streaming, never held in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="LKE ZI" sheetId="1" '
                                      'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" '
                                                 'Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b"<worksheet>")
            if dimension:
                f.write(f'<dimension ref="A1:Q{rows}"/>'.encode())
            f.write(b"<sheetData>")
            for start in range(1, rows + 1, 10_000):
                f.write(b"".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'.encode()
                                 for r in range(start, min(start + 10_000, rows + 1))))
            f.write(b"</sheetData></worksheet>")


# the numbers written the Indonesian way, and the sentence's own commas left as commas
@pytest.mark.parametrize("dimension, expected", [
    (True, "berukuran 1.000.000 baris x 17 kolom, melebihi batas 5.000 baris dan 200 kolom"),
    (False, "setelah dibuka; batas 20 MB, sekitar 5.000 baris)")])
def test_a_sheet_of_a_million_rows_is_refused_before_parsing(tmp_path, no_parser, dimension, expected):
    path = tmp_path / "2025_Sejuta.xlsx"
    _sheet_zip(path, 1_000_000, dimension)
    with pytest.raises(ReadError) as err:
        read_workbook(path)
    assert expected in str(err.value) and f"{MAX_ROWS:,}".replace(",", ".") in str(err.value)
    assert "LKE ZI" in str(err.value)


def test_formula_errors_are_reported_with_their_row(tmp_path):
    path = good(tmp_path)
    book = load_workbook(path)
    book["Jawaban"]["K6"] = "#REF!"  # openpyxl writes these as Excel error cells
    book["Jawaban"]["K126"] = "#DIV/0!"
    book.save(path)
    from zi_data.evaluate import evaluate

    ev = evaluate(read_workbook(path))
    text = "\n".join(ev.warnings)
    assert "baris 6: Unit, M001" in text and "galat Excel #REF!" in text
    assert "baris 126: Unit, M088" in text and "galat Excel #DIV/0!" in text


def test_a_corrected_file_saved_under_the_same_name_is_read_afresh(tmp_path):
    """A re-upload keeps its name: what the reader learnt of the old bytes must not stick to the path."""
    path = good(tmp_path)
    book = load_workbook(path)
    book["Jawaban"]["K6"] = "#REF!"
    book.save(path)
    from zi_data.evaluate import evaluate

    assert any("galat Excel #REF!" in w for w in evaluate(read_workbook(path)).warnings)
    book["Jawaban"]["K6"] = None  # the unit clears the broken cell and sends the file again
    book.save(path)
    assert not any("galat Excel" in w for w in evaluate(read_workbook(path)).warnings)


def test_merged_answer_cells_do_not_break_reading(tmp_path):
    path = good(tmp_path)
    book = load_workbook(path)
    book["Jawaban"].merge_cells("K6:K7")  # M001 and M002 merged: only the first keeps its answer
    book.save(path)
    wb = read_workbook(path)
    raw = wb.raw_by_assessor()["unit"]
    assert raw["M001"] == "Ya" and "M002" not in raw


def test_duplicate_question_rows_are_warned_and_the_first_is_kept(tmp_path):
    ed = edition("2021")
    path = write_lke_zi(tmp_path / "2025_Dup.xlsx", ed, "U", "I", 2025, perfect(ed), quirks={"spacer"})
    book = load_workbook(path)
    ws = book["LKE ZI"]
    first = next(r for r in range(1, ws.max_row) if ws[f"G{r}"].value == ed.questions.set_index("question_id")
                 .at["M001", "text"])
    for col in "FGIJ":  # the spacer row right after the first question becomes its copy
        ws[f"{col}{first + 1}"] = ws[f"{col}{first}"].value
    ws[f"K{first + 1}"] = "Tidak"
    book.save(path)
    wb = read_workbook(path)
    assert wb.raw_by_assessor()["unit"]["M001"] == "Ya"
    assert any(f"baris {first + 1}: baris duplikat dari pertanyaan M001 (baris {first})" in w for w in wb.warnings)


@pytest.mark.parametrize("qid, raw, problem", [
    ("M001", "X", "'X' tidak sesuai pilihan Ya/Tidak"),
    ("M001", "ok", "'ok' tidak sesuai pilihan Ya/Tidak"),
    ("M001", "Ya/Tidak", "'Ya/Tidak' tidak sesuai pilihan Ya/Tidak"),
    ("M088", "85%", "berupa persentase"),
    ("M088", -4, "negatif"),
    ("M088", 99_000_000, "tidak wajar"),
    ("M125", 5, "di luar rentang 0-4"),
    ("M125", "4,5", "di luar rentang 0-4"),
])
def test_answers_that_cannot_be_valued_are_warned_with_their_row(tmp_path, qid, raw, problem):
    ed = edition("2021")
    rows = ed.questions.set_index("question_id")["jawaban_row"]
    path = filled_workbook(tmp_path / "2025_U.xlsx", unit=dict(perfect(ed), **{qid: raw}))
    from zi_data.evaluate import evaluate

    ev = evaluate(read_workbook(path))
    assert any(f"baris {int(rows[qid])}: Unit, {qid}" in w and problem in w for w in ev.warnings), ev.warnings


@pytest.mark.parametrize("raw, value", [("3,6", 3.6 / 4), ("3.60", 3.6 / 4), (" 3,60 ", 3.6 / 4)])
def test_survey_numbers_typed_as_text(tmp_path, raw, value):
    ed = edition("2021")
    path = filled_workbook(tmp_path / "2025_U.xlsx", unit=dict(perfect(ed), M125=raw))
    from zi_data.evaluate import evaluate

    q = evaluate(read_workbook(path)).scores.questions.set_index(["assessor", "question_id"])
    assert q.at[("unit", "M125"), "value"] == pytest.approx(value)


def test_counts_with_thousands_separators(tmp_path):
    ed = edition("2021")
    answers = dict(perfect(ed), M110="1.250", M112="1.000")  # complaints: 1000 / 1250 = 0.8
    path = filled_workbook(tmp_path / "2025_U.xlsx", unit=answers)
    from zi_data.evaluate import evaluate

    ev = evaluate(read_workbook(path))
    assert ev.scores.level("unit", "REF_PW_02") == pytest.approx(0.8 * 3)


@pytest.mark.parametrize("name, size, expected", [
    ("laporan.exe", 10, "jenis berkas tidak diterima"),
    ("skrip.xlsx.js", 10, "jenis berkas tidak diterima"),
    ("2025_Besar.xlsx", 21 * 1024 * 1024, "berkas terlalu besar"),
])
def test_uploads_are_limited_in_type_and_size_and_never_saved_otherwise(tmp_path, name, size, expected):
    up = tmp_path / "up"
    s = ingest.ingest_upload(name, b"x" * size, tmp_path / "zi.duckdb", up, actor_role="evaluator")
    assert s.loaded == 0 and expected in s.rejected[0]["reason"]
    assert not up.exists() or not any(up.rglob("*"))
    assert rows_of(tmp_path / "zi.duckdb", "rejects") == 1


def test_an_upload_name_cannot_escape_the_upload_folder(tmp_path):
    data = good(tmp_path).read_bytes()
    s = ingest.ingest_upload("../../../etc/2025_Unit Baik.xlsx", data, tmp_path / "zi.duckdb", tmp_path / "up", actor_role="evaluator")
    assert s.loaded == 1
    saved = [p for p in (tmp_path / "up").rglob("*.xlsx")]
    assert len(saved) == 1 and saved[0].name == "2025_Unit Baik.xlsx"
