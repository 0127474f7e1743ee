"""Issue 19: every workbook a unit can send is read right, refused with its real cause, or scored and marked
"perlu diperiksa" naming what is wrong; never a quiet number.

Fixtures are written by the project's own writers (the LKE ZI writer, the template, the national sheet built from
it) and then changed the way offices change them. Expected totals are worked out by hand from the answers of
tests/test_reading_shapes.py: the unit's 96,125 (Pengungkit 59,625: Tim Kerja 0,125 of 0,5; Hasil 36,5: IPAK 3,2
-> 14,0 of 17,5) and the TPI's 96,25 (SPBE all C: 0 of 2; IPAK 3,6 -> 15,75)."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook as XlWorkbook
from openpyxl import load_workbook

from tests.helpers import NATIONAL_HEADER, filled_workbook, national_workbook, perfect
from tests.test_reading_shapes import ED, TPI_TOTAL, UNIT_TOTAL, tpi_answers, unit_answers
from zi_data import ingest, queries
from zi_data.cli import main
from zi_data.evaluate import evaluate
from zi_data.lke_writer import write_lke_zi
from zi_data.readers import ReadError, read_workbook

ROWS = {q: int(r) for q, r in zip(ED.answerable["question_id"], ED.answerable["jawaban_row"], strict=True)}
IDS = list(ED.answerable["question_id"])


def totals(wb) -> dict[str, float]:
    ev = evaluate(wb)
    return {a: round(ev.scores.total(a), 4) for a in ev.scores.assessors}


def template(tmp: Path, unit=None, tpi=None, name: str = "2025_Unit Uji.xlsx") -> Path:
    return filled_workbook(tmp / name, unit=unit_answers() if unit is None else unit,
                           tpi=tpi_answers() if tpi is None else tpi)


def set_cells(path: Path, sheet: str, cells: dict[str, object]) -> Path:
    book = load_workbook(path)
    for ref, value in cells.items():
        book[sheet][ref] = value
    book.save(path)
    return path


def lke_row(path: Path, qid: str) -> int:
    """The row of a catalog question in an LKE ZI sheet, by its text in column G."""
    text = ED.questions.set_index("question_id").at[qid, "text"]
    ws = load_workbook(path)["LKE ZI"]
    return next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 7).value or "").strip(" -") == text)


# --- 1. the 2026 national "Jawaban" sheet ---------------------------------------------------------------------

NATIONAL = {
    "as PortalRB lays it out (types unheaded)": {},
    "with a 'Pilihan Jawaban' label (a Hasil question speaks of reformasi birokrasi)": {
        "header": dict(NATIONAL_HEADER, J="Pilihan Jawaban")},
    "question rows only, no heading rows": {"headings": False},
    "with 'Bobot' and 'Kriteria' labelled too": {"header": dict(NATIONAL_HEADER, H="Bobot", I="Kriteria")},
}


@pytest.mark.parametrize("shape", list(NATIONAL))
def test_the_2026_national_sheet_is_read_again(tmp_path, shape):
    path = national_workbook(tmp_path / "2026_Unit Nasional.xlsx", unit=unit_answers(), tpi=tpi_answers(),
                             **NATIONAL[shape])
    wb = read_workbook(path)
    assert totals(wb) == pytest.approx({"unit": UNIT_TOTAL, "tpi": TPI_TOTAL})
    assert len(wb.matched) == 127 and wb.needs_review is None
    assert wb.read_info["columns"]["pilihan_jawaban"] == "J"  # found by its content where it has no label


def test_a_national_sheet_with_rows_inserted_is_read_by_its_question_texts(tmp_path):
    path = national_workbook(tmp_path / "2026_Unit Nasional.xlsx", unit=unit_answers(), tpi=tpi_answers())
    book = load_workbook(path)
    ws = book["Jawaban"]
    ws.insert_rows(1, 2)  # every entry two rows below its excel_baris
    ws["A1"] = "KEMENTERIAN PENDAYAGUNAAN APARATUR NEGARA DAN REFORMASI BIROKRASI"
    book.save(path)
    wb = read_workbook(path)
    assert wb.read_info["mode"] == "teks"
    assert totals(wb) == pytest.approx({"unit": UNIT_TOTAL, "tpi": TPI_TOTAL})


def test_a_sheet_carrying_the_catalogs_questions_is_an_lke_zi_whatever_its_title_says(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(), quirks={"signature"})
    book = load_workbook(path)
    ws = book["LKE ZI"]
    ws["B1"] = "LKE REFORMASI BIROKRASI UNIT KERJA (PMPRB)"
    for r in range(1, ws.max_row + 1):  # no PENGUNGKIT / PEMENUHAN words left in the tree
        for c in (2, 3, 4):
            if str(ws.cell(r, c).value or "").upper() in ("PENGUNGKIT", "I.", "PEMENUHAN"):
                ws.cell(r, c).value = None
    book.save(path)
    wb = read_workbook(path)
    assert len(wb.matched) >= 120  # the tree without its component rows: read by row text where it fails
    assert wb.unit == "U"


def test_an_lke_reformasi_birokrasi_is_still_refused_by_name(tmp_path):
    book = XlWorkbook()
    ws = book.active
    ws.append(["LEMBAR KERJA EVALUASI REFORMASI BIROKRASI"])
    ws.append(["No", "PENILAIAN", "", "", "", "", "", "PENJELASAN", "Pilihan Jawaban", "Jawaban", "Nilai"])
    ws.append([1, "A.", "PROSES (60)"])
    for i in range(14):
        ws.append([2 + i, "", "", "", "abc"[i % 3] + ".", f"Tim Reformasi Birokrasi telah dibentuk {i}", "", "a. Ya",
                   "A/B/C", "A", 1])
    book.save(tmp_path / "2025_RB.xlsx")
    with pytest.raises(ReadError, match="tampaknya LKE Reformasi Birokrasi"):
        read_workbook(tmp_path / "2025_RB.xlsx")


# --- 2. formulas without cached values ----------------------------------------------------------------------

def test_answers_computed_by_formulas_never_read_as_blank(tmp_path):
    path = set_cells(template(tmp_path), "Jawaban",
                     {f"K{ROWS[q]}": '=IF(1=1,"Ya","Tidak")' for q in ("M001", "M003", "M009")})
    with pytest.raises(ReadError) as err:
        read_workbook(path)
    message = str(err.value)
    assert "3 sel jawaban berisi rumus tanpa nilai tersimpan (K6, K9, K17)" in message
    assert "Buka berkas di Excel atau LibreOffice Calc, simpan ulang" in message


def test_text_that_starts_with_an_equals_sign_is_text_not_a_formula(tmp_path):
    # typed as text ("'=Ya" in Excel): stored as a string cell, with no formula element; a real formula beside it
    path = template(tmp_path)
    book = load_workbook(path)
    ws = book["Jawaban"]
    for ref, value in ((f"K{ROWS['M001']}", "=Ya"), (f"K{ROWS['M003']}", "=")):
        ws[ref] = value
        ws[ref].data_type = "s"
    book.save(path)
    said = " ".join(evaluate(read_workbook(path)).warnings)  # not refused as "rumus tanpa nilai tersimpan"
    assert "rumus" not in said
    assert f"baris {ROWS['M001']}" in said and "jawaban '=Ya' tidak sesuai pilihan Ya/Tidak" in said
    ws[f"K{ROWS['M009']}"] = '=IF(1=1,"Ya","Tidak")'
    book.save(path)
    with pytest.raises(ReadError, match=f"1 sel jawaban berisi rumus tanpa nilai tersimpan \\(K{ROWS['M009']}\\)"):
        read_workbook(path)


def test_a_workbook_of_formulas_only_is_not_called_empty(tmp_path):
    path = template(tmp_path, unit={}, tpi={})
    set_cells(path, "Jawaban", {f"K{ROWS[q]}": f"=Identitas!B{i % 3 + 1}" for i, q in enumerate(IDS)})
    with pytest.raises(ReadError, match="127 sel jawaban berisi rumus tanpa nilai tersimpan") as err:
        read_workbook(path)
    assert "belum ada jawaban" not in str(err.value)


def test_a_tpi_column_of_formulas_is_named_by_its_cells(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(),
                        levels={"Jawaban TPI": tpi_answers()}, quirks={"no_value_columns"})
    row = lke_row(path, "M016")
    book = load_workbook(path)
    ws = book["LKE ZI"]
    tpi_col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "Jawaban TPI")
    ws.cell(row, tpi_col).value = f"=K{row}"
    book.save(path)
    with pytest.raises(ReadError, match=f"1 sel jawaban berisi rumus tanpa nilai tersimpan \\({ws.cell(row, tpi_col).column_letter}{row}\\)"):
        read_workbook(path)


def test_formulas_without_a_value_outside_the_answers_do_not_stop_the_read(tmp_path):
    # the unit's Nilai column computed by formulas nobody calculated: the workbook's own figures, never used
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers())
    book = load_workbook(path)
    ws = book["LKE ZI"]
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, 10).value in ("Ya/Tidak", "A/B/C", "A/B/C/D", "A/B/C/D/E"):
            ws.cell(r, 12).value = f'=IF(K{r}="Ya",1,0)'
    book.save(path)
    assert totals(read_workbook(path)) == {"unit": UNIT_TOTAL}


def test_a_formula_whose_value_is_the_empty_text_is_a_real_blank(tmp_path):
    """Excel caches a formula's empty result as an empty text (t="str"): that is a blank shown, not a formula
    waiting to be calculated. Rewritten in the sheet's XML the way Excel writes it."""
    path = set_cells(template(tmp_path, unit=dict(unit_answers(), M003=None)), "Jawaban", {"K9": '=""'})
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = next(k for k, v in parts.items() if b'<c r="K9"' in v)
    parts[sheet] = parts[sheet].replace(b'<c r="K9"', b'<c r="K9" t="str"', 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    wb = read_workbook(path)
    # M003 blank: Rencana ZI (weight 1) is the mean of M004 A and M005 A = 1: nothing lost
    assert totals(wb)["unit"] == pytest.approx(UNIT_TOTAL)
    assert any("Unit: 1 pertanyaan belum dijawab" in w and "M003" in w for w in evaluate(wb).warnings)


# --- 3. Excel errors ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("error", ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?"])
def test_every_excel_error_in_an_answer_is_named(tmp_path, error):
    # openpyxl writes these as error cells: calamine reads them as empty, the reader puts them back
    path = template(tmp_path, unit=dict(unit_answers(), M016=error))
    ev = evaluate(read_workbook(path))
    assert any(f"baris {ROWS['M016']}: Unit, M016" in w and f"galat Excel {error}" in w for w in ev.warnings)
    # SPBE (weight 2) is the mean of its three other answers (all A): nothing is lost, but the cell is named
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL)
    assert ev.answered["unit"] == 126


def test_a_level_of_error_cells_only_is_refused_with_its_errors(tmp_path):
    path = template(tmp_path, tpi={q: "#N/A" for q in IDS})
    wb = read_workbook(path)
    assert [lv.key for lv in wb.levels] == ["unit"]
    assert any("tingkat TPI tidak dinilai" in w and "127 sel berisi galat Excel (#N/A di N6" in w for w in wb.warnings)


# --- 4. out-of-scale values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("ipak, problem", [
    ("90,5%", "berupa persentase, padahal nilainya indeks 0-4"),
    (90.5, "di luar rentang 0-4 (tampaknya skala 0-100"),
    ("72", "di luar rentang 0-4 (tampaknya skala 0-100"),
    (0.905, "lebih kecil dari 1"),
    ("4,5", "di luar rentang 0-4"),
])
def test_a_survey_index_that_cannot_be_on_its_scale_is_refused_not_rescaled(tmp_path, ipak, problem):
    path = template(tmp_path, unit=dict(unit_answers(), M125=ipak))
    ev = evaluate(read_workbook(path))
    # IPAK (17,5) unscored instead of 14,0: 96,125 - 14,0
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL - 14.0)
    assert any("Unit, M125" in w and problem in w for w in ev.warnings)


@pytest.mark.parametrize("ipak, value", [("3,62 (Sangat Baik)", 3.62), ("Baik: 3,62", 3.62), ("3,62/4", 3.62),
                                         ("3,62 dari 4", 3.62)])
def test_a_survey_index_written_with_words_is_read_and_said(tmp_path, ipak, value):
    path = template(tmp_path, unit=dict(unit_answers(), M125=ipak))
    ev = evaluate(read_workbook(path))
    # 3,62 / 4 x 17,5 = 15,8375 instead of 14,0
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL - 14.0 + value / 4 * 17.5)
    said = [w for w in ev.warnings if "dibaca" in w]
    assert len(said) == 1 and f"'{ipak}' dibaca 3,62 (Unit M125)" in said[0]


@pytest.mark.parametrize("count, problem", [(2.5, "bukan bilangan bulat"), ("40%", "berupa persentase")])
def test_a_count_that_is_no_count_is_refused(tmp_path, count, problem):
    path = template(tmp_path, unit=dict(unit_answers(), M106=count))  # targets reached (capaian kinerja)
    ev = evaluate(read_workbook(path))
    assert any("Unit, M106" in w and problem in w for w in ev.warnings)
    # capaian kinerja unit (REF_AK_01, weight 2) has no value: 96,125 - 2
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL - 2.0)


# --- 5. incomplete but complete-looking ------------------------------------------------------------------------

def area_ids(area: str) -> list[str]:
    ind = dict(zip(ED.indicators["indicator_id"], ED.indicators["area_id"], strict=True))
    return [q.question_id for q in ED.answerable.itertuples() if ind[q.indicator_id] == area]


def test_a_whole_area_left_unanswered_is_marked(tmp_path):
    unit = {q: v for q, v in unit_answers().items() if q not in area_ids("REF_PW")}
    wb = read_workbook(template(tmp_path, unit=unit))
    ev = evaluate(wb)
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL - 7.5)  # by the rules: the area scores 0
    assert ev.needs_review == "tingkat Unit: area Penguatan Pengawasan (Reform) belum dijawab sama sekali"
    assert wb.needs_review == ev.needs_review
    assert ev.to_json()["needs_review"] == ev.needs_review


def test_fifteen_percent_left_blank_at_random_is_marked(tmp_path):
    blank = set(random.Random(19).sample(IDS, 19))  # 19 of 127: 108 answered (85 %)
    unit = {q: v for q, v in unit_answers().items() if q not in blank}
    ev = evaluate(read_workbook(template(tmp_path, unit=unit)))
    assert ev.needs_review.startswith("tingkat Unit: hanya 108 dari 127 pertanyaan dijawab (85%; batas 90%)")


def test_a_tpi_level_that_answered_38_percent_is_marked_and_the_unit_not_hidden_by_it(tmp_path):
    tpi = {q: v for q, v in tpi_answers().items() if q in IDS[:48]}  # 48 of 127
    wb = read_workbook(template(tmp_path, tpi=tpi))
    ev = evaluate(wb)
    assert ev.needs_review.startswith("tingkat TPI: hanya 48 dari 127 pertanyaan dijawab (38%; batas 90%) dan area ")
    assert "tingkat Unit" not in ev.needs_review
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL)


def test_a_few_blank_answers_are_named_without_a_mark(tmp_path):
    unit = {q: v for q, v in unit_answers().items() if q not in ("M004", "M019")}
    ev = evaluate(read_workbook(template(tmp_path, unit=unit)))
    assert ev.needs_review is None
    blank = [w for w in ev.warnings if "pertanyaan belum dijawab" in w]
    assert len(blank) == 1 and blank[0].startswith("Unit: 2 pertanyaan belum dijawab") and "M004" in blank[0]


def test_answered_counts_only_valued_answers(tmp_path, capsys):
    path = template(tmp_path, unit=dict(unit_answers(), M003="#N/A", M004="ok", M005="A/B"))
    wb = read_workbook(path)
    ev = evaluate(wb)
    assert ev.answered == {"unit": 124, "tpi": 127}
    assert [lv["answered"] for lv in wb.read_info["levels"]] == [124, 127]
    assert main(["score", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [a["answered"] for a in out["assessments"]] == [124, 127]


def test_a_marked_file_is_kept_out_of_ranking_and_a_survey_that_completes_it_clears_the_mark(tmp_path):
    db = tmp_path / "zi.duckdb"
    unit = {q: v for q, v in perfect(ED).items() if q not in ("M125", "M127")}  # the surveys come separately
    filled_workbook(tmp_path / "in" / "2025_Unit Survei.xlsx", unit=unit, unit_name="Unit Survei", instansi="I")
    filled_workbook(tmp_path / "in" / "2025_Unit Lengkap.xlsx", unit=perfect(ED), unit_name="Unit Lengkap",
                    instansi="I")
    ingest.ingest_paths([tmp_path / "in"], db, actor_role="evaluator")
    con = queries.connect(db)
    try:
        df = queries.unit_scores(con, 2025, "unit").set_index("unit_name")
        review = df.at["Unit Survei", "needs_review"]
        assert review == "tingkat Unit: area Pelayanan Publik yang Prima belum dijawab sama sekali"
        assert queries.summary(df.reset_index())["mean_total"] == pytest.approx(100)  # only the complete file
    finally:
        con.close()
    survey = tmp_path / "survei.csv"
    survey.write_text("Unit Kerja,Instansi,Tahun,IPAK,IPKP\nUnit Survei,I,2025,\"3,6\",\"3,6\"\n", encoding="utf-8")
    ingest.ingest_paths([survey], db, actor_role="evaluator")
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("select needs_review, (select score from scores s where s.submission_id = c.submission_id "
                          "and assessor = 'unit' and node_id = 'TOTAL') from current_submissions c "
                          "where unit_name = 'Unit Survei'").fetchone()
    finally:
        con.close()
    assert row[0] is None
    assert row[1] == pytest.approx(100 - 1.75 - 1.75)  # IPAK and IPKP 3,6: 15,75 of 17,5 each


# --- 6. whose column is it ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["Hasil Penilaian TPI", "Koreksi TPI", "Nilai TPI", "Nilai Evaluator", "TPI",
                                   "Penilaian Inspektorat", "Skor Itjen"])
def test_a_tpi_column_headed_any_way_that_names_the_tpi_is_read(tmp_path, label):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(), levels={label: tpi_answers()},
                        quirks={"no_value_columns"})
    wb = read_workbook(path)
    assert [(lv.key, lv.label) for lv in wb.levels] == [("unit", "Jawaban"), ("tpi", label)]
    assert totals(wb) == pytest.approx({"unit": UNIT_TOTAL, "tpi": TPI_TOTAL})


def test_bare_unit_and_tpi_labels_are_the_two_levels(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(), levels={"TPI": tpi_answers()},
                        unit_label="Unit", quirks={"no_value_columns"})
    wb = read_workbook(path)
    assert [(lv.key, lv.label) for lv in wb.levels] == [("unit", "Unit"), ("tpi", "TPI")]
    assert totals(wb) == pytest.approx({"unit": UNIT_TOTAL, "tpi": TPI_TOTAL})
    assert wb.read_info["columns"]["posisi_baku"] is None  # read from the header, not from fixed positions


def test_a_tpi_score_column_of_numbers_stays_a_value(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(),
                        levels={"Jawaban TPI": tpi_answers()})
    book = load_workbook(path)
    ws = book["LKE ZI"]
    value_col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "Jawaban TPI") + 1
    ws.cell(2, value_col).value = "Nilai TPI"
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, 10).value in ("Ya/Tidak", "A/B/C", "A/B/C/D", "A/B/C/D/E"):
            ws.cell(r, value_col).value = 0.5
    book.save(path)
    wb = read_workbook(path)
    assert [lv.key for lv in wb.levels] == ["unit", "tpi"]
    assert wb.read_info["columns"]["tingkat"][1]["nilai"] == ws.cell(2, value_col).column_letter
    assert totals(wb) == pytest.approx({"unit": UNIT_TOTAL, "tpi": TPI_TOTAL})


def regrid_two_rows(path: Path, bobot_below: bool = False) -> Path:
    """The template with "Jawaban" merged above "Unit" | "TPI" (the TPI's answers moved beside the unit's),
    the other labels on the first header row (or Bobot on the second)."""
    book = load_workbook(path)
    grid = [list(r) for r in book["Jawaban"].iter_rows(values_only=True)]
    order = list(range(10)) + [10, 13, 11, 12, 16]  # A-J, K (unit), N (TPI), L, M, Q
    grid = [[row[i] if i < len(row) else None for i in order] for row in grid]
    top, sub = list(grid[4]), [None] * len(grid[4])
    top[10], top[11], sub[10], sub[11] = "Jawaban", None, "Unit", "TPI"
    if bobot_below:
        top[7], sub[7] = None, top[7]
    grid[4:5] = [top, sub]
    new = XlWorkbook()
    new.remove(new.active)
    for name in book.sheetnames:
        ws = new.create_sheet(name)
        for row in grid if name == "Jawaban" else book[name].iter_rows(values_only=True):
            ws.append(list(row))
    new["Jawaban"].merge_cells("K5:L5")
    new.save(path)
    return path


@pytest.mark.parametrize("bobot_below", [False, True])
def test_a_two_row_header_names_the_unit_and_the_tpi(tmp_path, bobot_below):
    wb = read_workbook(regrid_two_rows(template(tmp_path), bobot_below))
    assert [(lv.key, lv.label) for lv in wb.levels] == [("unit", "Jawaban Unit"), ("tpi", "Jawaban TPI")]
    assert totals(wb) == pytest.approx({"unit": UNIT_TOTAL, "tpi": TPI_TOTAL})


def test_a_column_of_answers_under_a_label_naming_nobody_is_named_in_a_warning(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(),
                        levels={"Penilaian Ulang": tpi_answers()}, quirks={"no_value_columns"})
    wb = read_workbook(path)
    assert [lv.key for lv in wb.levels] == ["unit"]
    assert any("'Penilaian Ulang' berisi jawaban" in w and "tidak dinilai" in w for w in wb.warnings)


YEARS = {"unit_label": "Jawaban 2023", "levels": {"Jawaban 2024": tpi_answers()}, "quirks": {"no_identity"}}


def test_answer_columns_of_two_years_score_the_submissions_year(tmp_path):
    path = write_lke_zi(tmp_path / "2024_Unit Dua Tahun.xlsx", ED, "U", "I", 2024, unit_answers(), **YEARS)
    wb = read_workbook(path)
    assert [(lv.key, lv.label) for lv in wb.levels] == [("unit", "Jawaban 2024")]
    assert totals(wb) == pytest.approx({"unit": TPI_TOTAL})  # this year's answers, never last year's
    assert any("'Jawaban 2023'" in w and "diabaikan" in w for w in wb.warnings)


def test_answer_columns_of_two_years_without_a_year_ask_which(tmp_path):
    path = write_lke_zi(tmp_path / "lke unit.xlsx", ED, "U", "I", 2024, unit_answers(), **YEARS)
    with pytest.raises(ReadError, match="kolom jawaban untuk beberapa tahun .* sebutkan tahunnya"):
        read_workbook(path, identity={"unit": "U"})
    assert totals(read_workbook(path, identity={"unit": "U", "year": 2023})) == pytest.approx({"unit": UNIT_TOTAL})


def test_answer_columns_of_other_years_only_are_refused(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(), **YEARS)
    with pytest.raises(ReadError, match="workbook tahun 2025, tetapi kolom jawabannya untuk tahun lain"):
        read_workbook(path)


def test_a_year_in_the_only_answer_columns_label_is_the_workbooks_year(tmp_path):
    path = write_lke_zi(tmp_path / "lke unit.xlsx", ED, "U", "I", 2024, unit_answers(), unit_label="Jawaban 2024",
                        quirks={"no_identity"})
    wb = read_workbook(path, identity={"unit": "U"})
    assert wb.year == 2024 and wb.read_info["identity"]["year"] == "judul kolom 'Jawaban 2024'"


# --- 7. answer spellings --------------------------------------------------------------------------------------

def respelled(answers: dict) -> tuple[dict, int]:
    """The same answers as people type them; how many are read from another spelling."""
    crit = ED.questions.set_index("question_id")["criteria"]
    out, n = dict(answers), 0
    forms = {"Ya": ["Y", "Ada", "✓", True, "ya\u00a0", "Ya\u200b"], "Tidak": ["T", "Tidak ada", False]}
    seen = {"Ya": 0, "Tidak": 0, "letter": 0}
    for q, v in answers.items():
        if v in forms:
            out[q] = forms[v][seen[v] % len(forms[v])]
            seen[v] += 1
            n += out[q] not in ("ya\u00a0", "Ya\u200b")  # white space is no other spelling
        elif v in ("A", "B", "C", "D", "E"):
            line = next((x for x in str(crit[q]).splitlines() if x.lower().startswith(v.lower() + ".")), None)
            out[q] = [line or f"{v}. Jika ...", f"{v.lower()})", f"Jawaban {v}", f"({v})"][seen["letter"] % 4]
            seen["letter"] += 1
            n += 1
    return out, n


def test_answers_spelled_as_people_type_them_are_read_and_said_in_one_warning(tmp_path):
    unit, n = respelled(unit_answers())
    ev = evaluate(read_workbook(template(tmp_path, unit=unit)))
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL)
    said = [w for w in ev.warnings if "ejaan lain" in w]
    assert len(said) == 1 and said[0].startswith(f"{n} jawaban ditulis dengan ejaan lain dan dibaca: ")
    for note in ("'Y' dibaca Ya", "'T' dibaca Tidak (Unit M001)", "'Ada' dibaca Ya", "'✓' dibaca Ya", "'True' dibaca Ya",
                 "'a)' dibaca A", "'Jawaban A' dibaca A", "'(A)' dibaca A", "'b. Jika sebagian menggunaka...' dibaca B"):
        assert note in said[0]
    assert not [w for w in ev.warnings if "tidak sesuai pilihan" in w]


@pytest.mark.parametrize("raw, option", [("Iya", "Ya"), ("Yes", "Ya"), ("Tdk", "Tidak"), ("No", "Tidak")])
def test_more_spellings_of_ya_and_tidak_score_as_the_option(tmp_path, raw, option):
    answers = unit_answers()
    qid = next(q for q in IDS if answers.get(q) == option)  # a question answered so: the total must not move
    ev = evaluate(read_workbook(template(tmp_path, unit=dict(answers, **{qid: raw}))))
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL)
    assert any(f"'{raw}' dibaca {option} (Unit {qid})" in w for w in ev.warnings)


@pytest.mark.parametrize("raw", ["A/B", "B atau C", "a, b", "Ya/Tidak"])
def test_an_answer_naming_two_options_is_refused(tmp_path, raw):
    qid = "M001" if raw == "Ya/Tidak" else "M002"
    ev = evaluate(read_workbook(template(tmp_path, unit=dict(unit_answers(), **{qid: raw}))))
    assert any(f"Unit, {qid}" in w and "menyebut lebih dari satu pilihan" in w for w in ev.warnings)
    # Tim Kerja (0,5) is the other answer alone: M001 Tidak 0 -> 0 (-0,125) or M002 B 0,5 -> 0,25 (+0,125)
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL + (0.125 if qid == "M001" else -0.125))


# --- 8, 9. one bad level, and refusals that say what the values are ------------------------------------------------

@pytest.mark.parametrize("words", [("Sesuai", "Tidak sesuai"), ("Setuju", "Tidak setuju"), ("OK", "Tidak valid")])
def test_a_tpi_column_of_agreement_is_refused_alone_and_the_unit_kept(tmp_path, words):
    tpi = {q: words[i % 2] for i, q in enumerate(IDS)}
    wb = read_workbook(template(tmp_path, tpi=tpi))
    assert totals(wb) == {"unit": UNIT_TOTAL}
    refusal = next(w for w in wb.warnings if "tingkat TPI tidak dinilai" in w)
    assert f"'{words[0]}'" in refusal and "persetujuan atas jawaban Unit" in refusal
    assert "beri judul kolom" not in refusal  # the column is headed right: the values are the problem


def test_a_unit_column_of_descriptions_is_refused_alone_and_the_tpi_kept(tmp_path):
    unit = {q: "Sudah dilaksanakan sesuai rencana" for q in IDS}
    wb = read_workbook(template(tmp_path, unit=unit))
    assert totals(wb) == {"tpi": TPI_TOTAL}
    assert any("tingkat Unit tidak dinilai" in w and "'Sudah dilaksanakan sesuai rencana' (" in w for w in wb.warnings)


def test_a_file_whose_every_level_holds_no_answers_is_refused_saying_what_they_hold(tmp_path):
    path = template(tmp_path, unit={q: "Lengkap" for q in IDS}, tpi={q: "Sesuai" for q in IDS})
    with pytest.raises(ReadError) as err:
        read_workbook(path)
    message = str(err.value)
    assert "kolom K ('Jawaban Unit') tidak berisi jawaban yang sah" in message and "'Lengkap'" in message
    assert "kolom N ('Jawaban TPI') tidak berisi jawaban yang sah" in message and "'Sesuai'" in message
    assert "beri judul kolom" not in message


def test_a_file_with_one_bad_level_loads_with_the_other(tmp_path):
    template(tmp_path / "in", tpi={q: "Sesuai" for q in IDS}, name="2025_Unit Setuju.xlsx")
    db = tmp_path / "zi.duckdb"
    s = ingest.ingest_paths([tmp_path / "in"], db, actor_role="evaluator")
    assert s.loaded == 1 and not s.rejected
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select has_tpi from stg_submissions").fetchone()[0] is False
        assert con.execute("select count(*) from warnings where message like '%tingkat TPI tidak dinilai%'"
                           ).fetchone()[0] == 1
    finally:
        con.close()


def test_a_header_without_question_rows_is_refused_saying_so_not_asking_for_a_header(tmp_path):
    book = XlWorkbook()
    ws = book.active
    ws.append(["No", "Pertanyaan", "Bobot", "Pilihan Jawaban", "Jawaban"])
    for i in range(6):
        ws.append([i + 1, f"Kegiatan {i}", 1, "", "Ya"])
    book.save(tmp_path / "2025_U.xlsx")
    with pytest.raises(ReadError, match=r"baris judul ditemukan \(baris 1\), tetapi di bawahnya hanya 0 baris "
                                        "pertanyaan"):
        read_workbook(tmp_path / "2025_U.xlsx")
