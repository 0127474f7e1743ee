"""The "LKE ZI" sheet of PermenPANRB 90/2021 as real files have it: every quirk, and the real reference file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import xlwt
from python_calamine import CalamineWorkbook

from tests.helpers import edition, perfect
from zi_data.cli import main
from zi_data.evaluate import evaluate
from zi_data.lke_writer import QUIRKS, write_lke_zi
from zi_data.readers import ReadError, read_workbook

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / \
    "lke-zi-permenpanrb-90-2021-filled.xlsx"


def varied_answers():
    """A different answer on (almost) every row, so a row read into the wrong question shows."""
    ed = edition("2021")
    answers = {}
    for i, q in enumerate(ed.answerable.itertuples()):
        options = list(ed.options.get(q.answer_type, {}))
        if options:
            answers[q.question_id] = options[i % len(options)]
        elif q.answer_type == "JUMLAH":
            answers[q.question_id] = 3 + i  # distinct counts
        else:
            answers[q.question_id] = round(2.5 + (i % 6) * 0.25, 2)
    return answers


def read_back(path):
    wb = read_workbook(path)
    ev = evaluate(wb)
    q = ev.scores.questions
    unit = q[q["assessor"] == "unit"].set_index("question_id")
    return wb, ev, unit


def normalised(answers):
    return {k: (str(v) if isinstance(v, str) else float(v)) for k, v in answers.items()}


# Every shape together, except the one no reader can combine with moved columns: a sheet without a header.
ALL = QUIRKS - {"no_identity", "no_header"}


@pytest.mark.parametrize("quirk", sorted(QUIRKS - {"no_identity"}) + ["all"])
def test_every_answer_is_read_into_its_own_question_whatever_the_quirk(tmp_path, quirk):
    ed = edition("2021")
    answers = varied_answers()
    quirks = ALL if quirk == "all" else {quirk}
    path = write_lke_zi(tmp_path / "2025_Unit Q.xlsx", ed, "Unit Q", "Inst", 2025, answers, quirks=quirks)
    wb, ev, unit = read_back(path)
    assert wb.layout == "lke_zi" and wb.edition == "2021"
    got = {qid: (row.answer if isinstance(row.answer, str) and not row.answer.replace(".", "").isdigit()
                 else float(row.answer)) for qid, row in unit.iterrows() if row.answer is not None
           and not qid.startswith("P")}
    assert got == normalised(answers)
    assert not [w for w in ev.warnings if "tidak cocok" in w or "tidak ditemukan" in w]


def test_rows_are_matched_by_text_not_by_position(tmp_path):
    ed = edition("2021")
    answers = varied_answers()
    plain = write_lke_zi(tmp_path / "a" / "2025_U.xlsx", ed, "U", "I", 2025, answers)
    shuffled = write_lke_zi(tmp_path / "b" / "2025_U.xlsx", ed, "U", "I", 2025, answers,
                            quirks={"out_of_order", "spacer", "column_a_noise"})
    rows_plain = {r[1]: r[6] for r in read_workbook(plain).rows}
    rows_shuffled = {r[1]: r[6] for r in read_workbook(shuffled).rows}
    assert rows_plain != rows_shuffled  # the same questions sit on other rows ...
    assert read_back(plain)[1].scores.total("unit") == pytest.approx(read_back(shuffled)[1].scores.total("unit"))


def test_lower_case_and_padded_answers_count(tmp_path):
    ed = edition("2021")
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ed, "U", "I", 2025, perfect(ed), quirks={"lower_padded"})
    wb, ev, _ = read_back(path)
    assert any(r[2] == " ya " for r in wb.rows) and any(r[2] == " a " for r in wb.rows)
    assert ev.scores.total("unit") == pytest.approx(100)


def test_count_rows_under_their_percent_row_even_with_the_same_label(tmp_path):
    ed = edition("2021")
    answers = perfect(ed)
    # "Jumlah Perubahan yang dibuat" is both M089 (under item a) and M090 (under item b)
    answers.update({"M088": 4, "M089": 2, "M090": 8, "M091": 6})
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ed, "U", "I", 2025, answers)
    wb, ev, unit = read_back(path)
    assert {q: unit.at[q, "value"] for q in ("M088", "M089", "M090", "M091")} == \
        {"M088": 4, "M089": 2, "M090": 8, "M091": 6}
    # a = 2 / 4 = 0.5, b = 6 / 8 = 0.75 -> Komitmen dalam perubahan = (0.5 + 0.75) / 2 x 2
    assert ev.scores.level("unit", "REF_MP_01") == pytest.approx(1.25)


def test_a_typed_subtotal_that_disagrees_with_its_parts_is_warned(tmp_path):
    ed = edition("2021")
    answers = dict(perfect(ed), M117=0, M118=1, M119=12, M120=12)
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ed, "U", "I", 2025, answers, subtotals={"P7": 12})
    wb, ev, _ = read_back(path)
    warning = [w for w in ev.warnings if "tertulis 12" in w]
    assert len(warning) == 1 and "0 + 1 + 12 = 13" in warning[0] and "baris" in warning[0]
    # the parts count: LHKASN = 12 / 13
    assert ev.scores.level("unit", "REF_PW_04") == pytest.approx(12 / 13)


def test_own_figures_that_differ_are_warned_by_name(tmp_path):
    ed = edition("2021")
    own = {"PEM_MP_01": 0.5, "PEM_MP_02": 0.9, "GROUP:Penyampaian Laporan Harta Kekayaan": 2.0, "TOTAL": 99.0}
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ed, "U", "I", 2025, perfect(ed), own_figures=own)
    result = evaluate(read_workbook(path)).to_json()
    assert result["workbook_total"] == 99.0
    text = "\n".join(result["warnings"])
    assert "Rencana Pembangunan Zona Integritas': angka workbook 0,900 berbeda dari hasil hitung 1,000" in text
    assert "Penyusunan Tim Kerja" not in text  # 0.5 is right
    assert "Penyampaian Laporan Harta Kekayaan'" not in text  # the group adds up: 1 + 1 = 2
    assert "angka workbook 99,000 berbeda dari hasil hitung 100,000" in text


def test_hidden_sheets_and_the_signature_block_are_ignored(tmp_path):
    ed = edition("2021")
    path = write_lke_zi(tmp_path / "2025_U.xlsx", ed, "U", "I", 2025, perfect(ed),
                        quirks={"hidden_sheets", "signature"})
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    assert names[:2] == ["Utama", "Ctt Eval"]
    wb, ev, _ = read_back(path)
    assert ev.scores.total("unit") == pytest.approx(100) and ev.warnings == []


def test_identity_comes_from_the_file_name_when_there_is_no_identity_sheet(tmp_path):
    ed = edition("2021")
    path = write_lke_zi(tmp_path / "2024_Puskesmas Melati.xlsx", ed, "x", "y", 2024, perfect(ed),
                        quirks={"no_identity"})
    wb = read_workbook(path)
    assert (wb.unit, wb.year, wb.instansi) == ("Puskesmas Melati", 2024, "")


def test_a_sheet_without_lke_rows_is_rejected(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "LKE ZI"
    ws.append(["No", "Penilaian", "", "", "", "", "", "Bobot", "Penjelasan", "Pilihan Jawaban", "Jawaban"])
    ws.append([1, "Catatan rapat"])
    path = tmp_path / "2025_U.xlsx"
    book.save(path)
    with pytest.raises(ReadError, match="tidak ada sheet LKE yang dikenali"):
        read_workbook(path)


def test_xlsm_is_read_as_values(tmp_path):
    ed = edition("2021")
    answers = varied_answers()
    xlsx = write_lke_zi(tmp_path / "2025_U.xlsx", ed, "U", "I", 2025, answers)
    xlsm = tmp_path / "m" / "2025_U.xlsm"
    xlsm.parent.mkdir()
    shutil.copy(xlsx, xlsm)
    assert read_back(xlsm)[1].scores.total("unit") == pytest.approx(read_back(xlsx)[1].scores.total("unit"))


def test_old_xls_files_are_read(tmp_path):
    """An .xls written cell by cell from the .xlsx: the same answers, the same score."""
    ed = edition("2021")
    answers = varied_answers()
    xlsx = write_lke_zi(tmp_path / "2025_U.xlsx", ed, "U", "I", 2025, answers)
    book = xlwt.Workbook()
    source = CalamineWorkbook.from_path(str(xlsx))
    for name in source.sheet_names:
        sheet = book.add_sheet(name)
        for r, line in enumerate(source.get_sheet_by_name(name).to_python(skip_empty_area=False)):
            for c, value in enumerate(line):
                if value != "":
                    sheet.write(r, c, value)
    xls = tmp_path / "x" / "2025_U.xls"
    xls.parent.mkdir()
    book.save(str(xls))
    assert read_back(xls)[1].scores.total("unit") == pytest.approx(read_back(xlsx)[1].scores.total("unit"))


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference is not present")
def test_the_real_reference_workbook(capsys):
    assert main(["score", str(REFERENCE), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["layout"] == "lke_zi" and result["edition"] == "2021"
    # every answered question and count row of the sheet is read (counted here from the sheet itself)
    rows = CalamineWorkbook.from_path(str(REFERENCE)).get_sheet_by_name("LKE ZI").to_python(skip_empty_area=False)
    answered = sum(1 for line in rows if line[9] not in ("", "%") and line[10] != ""
                   and str(line[9]).strip() != "Pilihan Jawaban"  # the header row
                   and not str(line[6]).startswith("Jumlah yang harus")
                   and "(ASN tidak wajib" not in str(line[6]))
    wb = read_workbook(REFERENCE, require_identity=False)
    assert len({r[1] for r in wb.rows if r[2] is not None}) == answered
    assert result["unit_score"]["completeness"] == 1
    assert result["workbook_total"] == pytest.approx(95.576, abs=1e-3)
    assert abs(result["unit_score"]["total"] - 95.576) <= 0.2
    # computed by hand: LHKPN 13 / (1 + 1 + 13); LHKASN 12 / (0 + 1 + 12), the typed total 12 is wrong
    lhkasn = [w for w in result["warnings"] if "Non LHKPN" in w]
    assert lhkasn and f"{12 / 13:.3f}".replace(".", ",") in lhkasn[0] and "1,000" in lhkasn[0]
    group = [w for w in result["warnings"] if "'Penyampaian Laporan Harta Kekayaan'" in w]
    assert group and f"{13 / 15 + 12 / 13:.3f}".replace(".", ",") in group[0] and "1,733" in group[0]
    assert any("tertulis 12" in w and "0 + 1 + 12 = 13" in w for w in result["warnings"])
