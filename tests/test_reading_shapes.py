"""Workbooks as units really send them: the form found by content, columns by header labels, every
assessment level apart, and never a silent wrong score. Fixtures are written by the project's own code
in the shapes of `shared/reference/real/`; every expected total is worked out by hand below."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook as XlWorkbook
from openpyxl import load_workbook

from tests.helpers import drop_reform_pengawasan, edition, filled_workbook, perfect
from zi_data.cli import main
from zi_data.evaluate import evaluate
from zi_data.lke_writer import write_lke_zi
from zi_data.readers import ReadError, read_workbook

ED = edition("2021")


def unit_answers() -> dict:
    """Every answer at its best except two, worth 100 - 0,375 - 3,5 = 96,125:
    - Penyusunan Tim Kerja (weight 0,5): M001 "Tidak" (0) and M002 "B" (0,5) -> mean 0,25 x 0,5 = 0,125 (-0,375);
    - IPAK 3,2 -> 3,2 / 4 x 17,5 = 14,0 of 17,5 (-3,5).
    Pengungkit 60 - 0,375 = 59,625; Hasil 40 - 3,5 = 36,5."""
    return dict(perfect(ED), M001="Tidak", M002="B", M125=3.2)


def tpi_answers() -> dict:
    """The TPI: SPBE (weight 2) all "C" (0) -> -2; IPAK 3,6 -> 15,75 (-1,75). Total 100 - 2 - 1,75 = 96,25."""
    return dict(perfect(ED), M016="C", M017="C", M018="C", M019="C", M125=3.6)


def itjen_answers() -> dict:
    """A second TPI level: capaian kinerja (weight 2) 1 of 4 targets reached -> 0,25 x 2 = 0,5 (-1,5). Total 98,5."""
    return dict(perfect(ED), M105=4, M106=1)


UNIT_TOTAL, UNIT_PENGUNGKIT, UNIT_HASIL = 96.125, 59.625, 36.5
TPI_TOTAL, ITJEN_TOTAL = 96.25, 98.5

# Each shape a real workbook came in (see shared/reference/real/README.md and the issue on reading them).
SHAPES = {
    "evidence columns before the answers": {"bukti_link_before_answers"},
    "title block above the header, no Identitas sheet": {"title_block", "no_identity"},
    "sheet renamed behind a sheet of instructions": {"renamed_sheet", "instructions_first"},
    "Nilai and % columns deleted": {"no_value_columns"},
    "notes right after the answer": {"notes_after_answer", "no_value_columns"},
    "answers in lower case with dots and spaces": {"dotted_answers"},
    "blank spacer rows": {"blank_rows", "spacer"},
    "hidden columns and a protected sheet": {"hidden_columns", "protected"},
    "area numbers stored as numbers": {"numeric_codes"},
    "a question row that carries a weight": {"weighted_question"},
    "all of them at once": {"bukti_link_before_answers", "title_block", "no_identity", "renamed_sheet",
                            "instructions_first", "notes_after_answer", "no_value_columns", "dotted_answers",
                            "blank_rows", "spacer", "hidden_columns", "protected", "numeric_codes",
                            "weighted_question", "column_a_noise", "merged", "no_dot", "out_of_order"},
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_shape_of_the_lke_zi_sheet_scores_the_hand_worked_total(tmp_path, shape):
    path = write_lke_zi(tmp_path / "2025_Unit Bentuk.xlsx", ED, "Unit Bentuk", "Instansi", 2025, unit_answers(),
                        quirks=SHAPES[shape])
    wb = read_workbook(path)
    ev = evaluate(wb)
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL)
    assert ev.scores.level("unit", "PENGUNGKIT") == pytest.approx(UNIT_PENGUNGKIT)
    assert ev.scores.level("unit", "HASIL") == pytest.approx(UNIT_HASIL)
    assert (wb.unit, wb.year, len(wb.matched)) == ("Unit Bentuk", 2025, 127)
    assert not [w for w in ev.warnings if "tidak ditemukan" in w or "tidak cocok" in w]


def test_a_sheet_without_a_header_row_is_read_from_the_regulations_positions_and_says_so(tmp_path):
    path = write_lke_zi(tmp_path / "2025_Tanpa Judul.xlsx", ED, "U", "I", 2025, unit_answers(), quirks={"no_header"})
    wb = read_workbook(path)
    assert evaluate(wb).scores.total("unit") == pytest.approx(UNIT_TOTAL)
    assert wb.read_info["columns"]["posisi_baku"] == "Lampiran III PermenPANRB 90/2021"
    assert any("tanpa baris judul kolom: kolom dibaca dari posisi baku" in w for w in wb.warnings)


def test_three_assessment_levels_side_by_side_are_scored_apart_with_their_labels(tmp_path):
    # The other application's export: unit answer, its evidence, then "Jawaban TPI" and "Jawaban TPI KESDM".
    path = write_lke_zi(tmp_path / "2025_Unit Tiga.xlsx", ED, "Unit Tiga", "Kementerian ESDM", 2025, unit_answers(),
                        levels={"Jawaban TPI": tpi_answers(), "Jawaban TPI KESDM": itjen_answers()},
                        unit_label="Jawaban Unit", quirks={"bukti_link_before_answers"})
    wb = read_workbook(path)
    ev = evaluate(wb)
    assert [(lv.key, lv.label) for lv in wb.levels] == [
        ("unit", "Jawaban Unit"), ("tpi_1", "Jawaban TPI"), ("tpi", "Jawaban TPI KESDM")]
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL)
    assert ev.scores.total("tpi_1") == pytest.approx(TPI_TOTAL)
    assert ev.scores.total("tpi") == pytest.approx(ITJEN_TOTAL)
    # the notes of each level stay with it: the TPI's note sits on the SPBE rows it marked down
    notes = {(r[0], r[1]): r[3] for r in wb.rows}
    assert notes[("tpi_1", "M016")] == "Dinilai ulang (Jawaban TPI)" and notes.get(("unit", "M016")) is None
    evidence = {(r[0], r[1]): r[4] for r in wb.rows}
    assert evidence[("unit", "M001")] == "Dokumen pendukung | https://drive.example.go.id/bukti"


def test_a_column_of_the_national_team_is_its_own_level(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(),
                        levels={"Jawaban TPI": tpi_answers(), "Jawaban TPN (KemenPANRB)": itjen_answers()})
    wb = read_workbook(path)
    ev = evaluate(wb)
    assert [(lv.key, lv.kind) for lv in wb.levels] == [("unit", "unit"), ("tpi", "tpi"), ("tpn", "tpn")]
    assert ev.scores.total("tpn") == pytest.approx(ITJEN_TOTAL) and ev.scores.total("tpi") == pytest.approx(TPI_TOTAL)


def test_zi_score_json_lists_every_level_from_the_unit_up_and_keeps_unit_and_tpi_scores(tmp_path, capsys):
    path = write_lke_zi(tmp_path / "lke kementerian.xlsx", ED, "Unit Tiga", "Kementerian ESDM", 2025, unit_answers(),
                        levels={"Jawaban TPI": tpi_answers(), "Jawaban TPI KESDM": itjen_answers()},
                        unit_label="Jawaban Unit", quirks={"title_block", "no_identity"})
    assert main(["score", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    levels = out["assessments"]
    assert [(a["level"], a["label"]) for a in levels] == [
        ("unit", "Jawaban Unit"), ("tpi_1", "Jawaban TPI"), ("tpi", "Jawaban TPI KESDM")]
    for a in levels:
        assert set(a) >= {"level", "label", "total", "pengungkit", "hasil", "areas", "predicate", "completeness"}
    assert [a["total"] for a in levels] == pytest.approx([UNIT_TOTAL, TPI_TOTAL, ITJEN_TOTAL])
    assert out["unit_score"]["total"] == pytest.approx(UNIT_TOTAL)
    assert out["tpi_score"]["total"] == pytest.approx(ITJEN_TOTAL)  # the last TPI level
    # what was read where, and where the identity came from
    read = out["read"]
    assert read["sheet"] == "LKE ZI" and read["columns"]["baris_judul"] == 6 and read["matched"] == 127
    # A, hierarchy B-G, H-J, unit K (L Nilai, M %, O note, P-Q), TPI R (S Nilai, T note), TPI KESDM U
    assert [lv["jawaban"] for lv in read["columns"]["tingkat"]] == ["K", "R", "U"]
    assert read["identity"] == {"unit": "blok judul sheet 'LKE ZI'", "instansi": "blok judul sheet 'LKE ZI'",
                                "year": "blok judul sheet 'LKE ZI'"}
    assert (out["unit"], out["instansi"], out["year"]) == ("Unit Tiga", "Kementerian ESDM", 2025)


def test_zi_score_table_says_which_column_was_taken_for_what(tmp_path, capsys):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(), levels={"Jawaban TPI":
                        tpi_answers()}, quirks={"bukti_link_before_answers"})
    assert main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Dibaca dari : sheet 'LKE ZI', baris judul 2, menurut hierarki dan teks" in out
    # Bukti K and Link L inserted before the answer M; Nilai N, % O, note Q; the TPI: answer T, Nilai U, note V
    assert "Jawaban (Unit): jawaban M; catatan Q; bukti K,L; nilai N" in out
    assert "Jawaban TPI (TPI): jawaban T; catatan V; nilai U" in out
    assert "96,13" in out  # 96,125 rounded half up, as a person does
    assert "Cocok       : 127 dari 127 pertanyaan katalog; dijawab: Unit 127, TPI 127" in out
    assert "Identitas   : Unit Kerja dari sheet 'Identitas'" in out


def test_the_template_layout_is_read_by_header_labels_after_columns_move(tmp_path):
    """The project's template (rows by question id) with two columns inserted before the answers and the
    TPI's columns swapped: the labels say which is which."""
    path = filled_workbook(tmp_path / "t.xlsx", unit=unit_answers(), tpi=tpi_answers())
    book = load_workbook(path)
    ws = book["Jawaban"]
    ws.insert_cols(11, 2)  # K, L: new "Bukti" and "Link" before "Jawaban Unit" (now M)
    ws["K5"], ws["L5"] = "Bukti", "Link"
    ws.insert_rows(1, 3)  # the header moves from row 5 to row 8
    ws["A1"] = "LEMBAR KERJA EVALUASI ZONA INTEGRITAS"
    book.save(path)
    wb = read_workbook(path)
    ev = evaluate(wb)
    assert wb.layout == "jawaban" and wb.read_info["mode"] == "id"
    assert wb.read_info["columns"]["baris_judul"] == 8
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL)
    assert ev.scores.total("tpi") == pytest.approx(TPI_TOTAL)


def test_the_template_without_its_header_row_is_read_from_the_national_positions_and_says_so(tmp_path):
    path = filled_workbook(tmp_path / "t.xlsx", unit=unit_answers(), tpi=tpi_answers())
    book = load_workbook(path)
    book["Jawaban"].delete_rows(5)  # the header row
    book.save(path)
    wb = read_workbook(path)
    ev = evaluate(wb)
    assert wb.read_info["mode"] == "id" and wb.read_info["columns"]["posisi_baku"] == "lembar 'Jawaban' nasional 2026"
    assert any("posisi baku lembar 'Jawaban' nasional 2026" in w for w in wb.warnings)
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL) and ev.scores.total("tpi") == pytest.approx(TPI_TOTAL)


def test_a_blank_form_is_refused_as_empty_in_both_layouts_never_scored(tmp_path):
    lke = write_lke_zi(tmp_path / "2025_Kosong.xlsx", ED, "Kosong", "I", 2025, {})
    jawaban = filled_workbook(tmp_path / "2025_Kosong Juga.xlsx")
    for path in (lke, jawaban):
        with pytest.raises(ReadError, match="workbook kosong: belum ada jawaban"):
            read_workbook(path)


def test_a_sheet_missing_a_whole_area_is_refused_naming_the_area(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers())
    # Penguatan Pengawasan of Reform gone (its area row up to the next area): its 12 answerable catalog
    # entries (M109; counts M110-M112 of P5, M113-M116 of P6, M117-M120 of P7). 115 of 127 (90,6 %) is above
    # the 90 % threshold: the empty area alone is the reason.
    drop_reform_pengawasan(path)
    with pytest.raises(ReadError) as err:
        read_workbook(path)
    message = str(err.value)
    assert "tidak satu pun pertanyaan ditemukan untuk area Penguatan Pengawasan (Reform)" in message
    assert "hanya 115 dari 127 pertanyaan katalog (91%) dikenali" in message and "--terima-sebagian" in message
    assert "M109" in message


def test_a_partial_sheet_loaded_on_request_is_marked_for_review(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers())
    drop_reform_pengawasan(path)
    wb = read_workbook(path, allow_partial=True)
    assert wb.needs_review == ("hanya 115 dari 127 pertanyaan katalog (91%) dikenali; tidak satu pun pertanyaan "
                               "ditemukan untuk area Penguatan Pengawasan (Reform)")
    assert any(w.startswith("sheet 'LKE ZI': perlu diperiksa") for w in wb.warnings)
    # the area scores 0 (its questions are unanswered), everything else as before: 96,125 - 7,5 = 88,625
    assert evaluate(wb).scores.total("unit") == pytest.approx(UNIT_TOTAL - 7.5)


def test_a_few_missing_questions_are_named_but_the_file_is_read(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers())
    book = load_workbook(path)
    ws = book["LKE ZI"]
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 7).value or "").startswith("SOP mengacu"))
    ws.delete_rows(row)
    book.save(path)
    wb = read_workbook(path)
    assert len(wb.matched) == 126
    assert any("1 dari 127 pertanyaan katalog tidak ditemukan di sheet: M013 'SOP mengacu pada peta proses bisnis"
               in w for w in wb.warnings)


def test_a_sheet_without_a_header_whose_columns_moved_is_refused_not_misread(tmp_path):
    # Without a header the regulation's positions are assumed; here they hold evidence, not answers.
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(),
                        quirks={"no_header", "bukti_link_before_answers"})
    with pytest.raises(ReadError, match=r"kolom K \('Jawaban'\) tidak berisi jawaban yang sah: .* 'Dokumen pendukung'"):
        read_workbook(path)


def test_an_lke_reformasi_birokrasi_is_refused_by_name(tmp_path):
    book = XlWorkbook()
    ws = book.active
    ws.title = "LKE "
    ws["B1"] = "LEMBAR KERJA EVALUASI REFORMASI BIROKRASI"
    ws.append([])
    ws.append(["No", "PENILAIAN", "", "", "", "", "", "PENJELASAN", "Pilihan Jawaban", "Jawaban", "Nilai"])
    ws.append([1, "A.", "PROSES (60)"])
    ws.append([2, "", "I.", "MANAJEMEN PERUBAHAN (5)", "", "", 5])
    for i in range(12):
        ws.append([3 + i, "", "", "", "abc"[i % 3] + ".", f"Tim Reformasi Birokrasi telah dibentuk {i}", "",
                   "a. Telah", "A/B/C", "A", 1])
    path = tmp_path / "2025_RB.xlsx"
    book.save(path)
    with pytest.raises(ReadError, match="bukan LKE Zona Integritas: sheet ini tampaknya LKE Reformasi Birokrasi "
                                        r"\(ditemukan 'LEMBAR KERJA EVALUASI REFORMASI BIROKRASI', 'PROSES \(60\)'"):
        read_workbook(path)


def test_an_unheaded_column_full_of_answers_is_not_taken_for_evidence(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(),
                        levels={"Jawaban TPI": tpi_answers()}, quirks={"no_value_columns"})
    book = load_workbook(path)
    ws = book["LKE ZI"]
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "Jawaban TPI")
    ws.cell(2, col).value = None  # the TPI answered, but its column lost its header
    book.save(path)
    wb = read_workbook(path)
    assert [lv.key for lv in wb.levels] == ["unit"]
    assert any("tanpa judul berisi jawaban" in w and "tidak dinilai" in w for w in wb.warnings)


def test_a_two_row_header_names_the_levels_but_a_title_above_names_none(tmp_path):
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(),
                        levels={"Jawaban": tpi_answers()}, quirks={"no_value_columns"})
    book = load_workbook(path)
    ws = book["LKE ZI"]
    # the second "Jawaban" column gets its assessor from a group heading in the row above the header;
    # a title in column B (left of Bobot) says "TPI" too and must not make the unit's column a TPI's
    second = [c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "Jawaban"][1]
    ws.cell(1, second).value = "Penilaian TPI"
    ws.cell(1, 2).value = "LEMBAR KERJA EVALUASI (diisi unit, dinilai TPI)"
    book.save(path)
    wb = read_workbook(path)
    assert [(lv.key, lv.label) for lv in wb.levels] == [("unit", "Jawaban"), ("tpi", "Penilaian TPI Jawaban")]
    ev = evaluate(wb)
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL) and ev.scores.total("tpi") == pytest.approx(TPI_TOTAL)


def _add_copy_of(path, source, name: str) -> None:
    """Put the values of `source`'s LKE sheet into `path` as the first sheet, named `name` (as units keep last
    year's form, or the blank template, beside the one they fill)."""
    book, other = load_workbook(path), load_workbook(source)
    ws = book.create_sheet(name, 0)
    for row in other["LKE ZI"].iter_rows(values_only=True):
        ws.append(list(row))
    book.save(path)


def test_a_blank_copy_of_the_form_beside_the_filled_one_is_passed_over(tmp_path):
    path = write_lke_zi(tmp_path / "2025_Unit Dua Sheet.xlsx", ED, "Unit Dua Sheet", "I", 2025, unit_answers())
    blank = write_lke_zi(tmp_path / "blank.xlsx", ED, "Kosong", "I", 2025, {})
    _add_copy_of(path, blank, "Template LKE")  # first, and as like the filled sheet as can be
    wb = read_workbook(path)
    assert wb.read_info["sheet"] == "LKE ZI"
    assert evaluate(wb).scores.total("unit") == pytest.approx(UNIT_TOTAL)
    assert any("'Template LKE'" in w and "satu-satunya yang berisi jawaban" in w for w in wb.warnings)


def test_two_filled_copies_of_the_form_are_refused_naming_both_not_guessed(tmp_path):
    path = write_lke_zi(tmp_path / "2025_Unit Dua Tahun.xlsx", ED, "Unit Dua Tahun", "I", 2025, unit_answers())
    # last year's form kept in the same workbook: 125 of its questions answered, M001 and M002 left blank
    last_year = write_lke_zi(tmp_path / "2024.xlsx", ED, "Unit Dua Tahun", "I", 2024,
                             {k: v for k, v in tpi_answers().items() if k not in ("M001", "M002")})
    _add_copy_of(path, last_year, "LKE 2024")
    with pytest.raises(ReadError) as err:
        read_workbook(path)
    message = str(err.value)
    assert "workbook memuat 2 sheet LKE yang berisi jawaban" in message
    assert "'LKE 2024' (125 pertanyaan terjawab)" in message and "'LKE ZI' (127 pertanyaan terjawab)" in message
    assert "sisakan satu sheet LKE" in message
