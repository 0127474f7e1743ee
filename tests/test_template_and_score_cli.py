"""The blank template reads back through the same reader, and `zi score` prints what the issue asks."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from tests.helpers import edition, filled_workbook, perfect
from zi_data.cli import main
from zi_data.readers import ReadError, read_workbook
from zi_data.template import write_template


@pytest.mark.parametrize("name", ["2019", "2021"])
def test_blank_template_is_refused_as_empty_never_scored_as_zero(tmp_path, name):
    path = write_template(tmp_path / "2025_Unit Kosong.xlsx", edition=name, unit="Unit Kosong",
                          instansi="Instansi A", year=2025 if name == "2021" else 2020)
    n = len(edition(name).answerable)
    with pytest.raises(ReadError, match=f"workbook kosong: belum ada jawaban \\({n} dari {n} pertanyaan"):
        read_workbook(path)


@pytest.mark.parametrize("name", ["2019", "2021"])
def test_template_with_one_answer_reads_back_with_its_identity_and_is_marked_incomplete(tmp_path, name):
    first = edition(name).answerable.iloc[0]
    n = len(edition(name).answerable)
    path = filled_workbook(tmp_path / "x.xlsx", ed_name=name, unit={first.question_id: "Ya"}, unit_name="Unit Satu",
                           instansi="Instansi A", year=2025 if name == "2021" else 2020)
    wb = read_workbook(path)
    assert (wb.unit, wb.instansi, wb.edition, wb.layout) == ("Unit Satu", "Instansi A", name, "jawaban")
    assert wb.raw_by_assessor() == {"unit": {first.question_id: "Ya"}}
    # one answer of the whole catalog only looks like a scored LKE: marked, and the only warning
    assert wb.needs_review.startswith(f"tingkat Unit: hanya 1 dari {n} pertanyaan dijawab (1%; batas 90%)")
    assert len(wb.warnings) == 1 and "perlu diperiksa" in wb.warnings[0]


def test_template_has_dropdowns_on_every_answer_cell_and_readable_widths(tmp_path):
    path = write_template(tmp_path / "t.xlsx", edition="2021")
    ws = load_workbook(path)["Jawaban"]
    ed = edition("2021")
    covered = set()
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    covered.add((row, col))
    for r in ed.answerable["jawaban_row"]:
        assert (int(r), 11) in covered and (int(r), 14) in covered  # K and N
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists == {'"Ya,Tidak"', '"A,B,C"', '"A,B,C,D"', '"A,B,C,D,E"'}
    assert ws.column_dimensions["G"].width >= 40


def test_template_round_trip_keeps_every_answer(tmp_path):
    ed = edition("2021")
    unit = perfect(ed)
    tpi = dict(unit, M002="B")
    path = filled_workbook(tmp_path / "x.xlsx", unit=unit, tpi=tpi, notes={"M001": "SK Tim ZI"})
    wb = read_workbook(path)
    got = wb.raw_by_assessor()
    assert {q: float(v) if isinstance(v, (int, float)) else v for q, v in got["unit"].items()} == \
        {q: float(v) if isinstance(v, (int, float)) else v for q, v in unit.items()}
    assert got["tpi"]["M002"] == "B"
    row = wb.answers[(wb.answers["assessor"] == "unit") & (wb.answers["question_id"] == "M001")].iloc[0]
    assert (row["note"], row["sheet"], row["row"]) == ("SK Tim ZI", "Jawaban", 6)


def test_zi_score_json_has_the_documented_fields(tmp_path, capsys):
    ed = edition("2021")
    unit = perfect(ed)
    tpi = dict(unit, M125=3.0)  # TPI: IPAK 3.0 -> 13.125 of 17.5
    path = filled_workbook(tmp_path / "2025_Unit A.xlsx", unit=unit, tpi=tpi)
    assert main(["score", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("unit", "instansi", "year", "edition", "layout", "unit_score", "tpi_score", "workbook_total",
                "warnings"):
        assert key in out
    assert (out["unit"], out["year"], out["edition"], out["layout"]) == ("Unit Uji", 2025, "2021", "jawaban")
    for key in ("total", "pengungkit", "hasil", "areas", "predicate", "completeness"):
        assert key in out["unit_score"]
    assert out["unit_score"]["total"] == pytest.approx(100)
    assert out["unit_score"]["predicate"] == "WBBM"
    assert out["tpi_score"]["total"] == pytest.approx(100 - 17.5 + 13.125)
    # IPAK 13.125 is below 15.75: neither WBK nor WBBM on the TPI's answers
    assert out["tpi_score"]["predicate"] == "Belum memenuhi"
    assert any("kurang 2,63" in f for f in out["tpi_score"]["rules"]["WBK"]["failures"])  # 15,75 - 13,125
    assert out["workbook_total"] is None
    assert len(out["unit_score"]["areas"]) == 14


def test_zi_score_tpi_is_null_without_tpi_answers(tmp_path, capsys):
    path = filled_workbook(tmp_path / "u.xlsx", unit={"M001": "Ya"})
    assert main(["score", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tpi_score"] is None
    assert out["unit_score"]["total"] == pytest.approx(0.5)  # Tim Kerja: mean(1) x 0.5


def test_zi_score_reports_answers_outside_the_options_with_their_row(tmp_path, capsys):
    path = filled_workbook(tmp_path / "u.xlsx", unit={"M001": "ok", "M002": "a."})
    main(["score", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert any("baris 6" in w and "'ok' tidak sesuai pilihan Ya/Tidak" in w for w in out["warnings"])


def test_zi_score_readable_table_is_in_bahasa_indonesia(tmp_path, capsys):
    path = filled_workbook(tmp_path / "u.xlsx", unit=perfect(edition("2021")))
    assert main(["score", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Nilai total" in text and "Pengungkit" in text and "Predikat (Unit): WBBM" in text
    assert "100,00" in text


def test_zi_score_fails_with_a_message_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"bukan excel")
    assert main(["score", str(bad)]) != 0
    err = capsys.readouterr().err
    assert "rusak.xlsx" in err and "bukan berkas Excel" in err
    assert main(["score", str(tmp_path / "tidak-ada.xlsx")]) != 0
    assert "tidak ditemukan" in capsys.readouterr().err


def test_identity_falls_back_to_the_file_name(tmp_path):
    path = filled_workbook(tmp_path / "2024_Dinas Pendidikan.xlsx", unit={"M001": "Ya"}, unit_name="", year=None)
    wb = read_workbook(path)
    assert (wb.unit, wb.instansi, wb.year) == ("Dinas Pendidikan", "Instansi Uji", 2024)
    assert wb.read_info["identity"] == {"instansi": "sheet 'Identitas'", "edition": "sheet 'Identitas'",
                                        "unit": "nama berkas <Tahun>_<Unit Kerja>",
                                        "year": "nama berkas <Tahun>_<Unit Kerja>"}
    plain = filled_workbook(tmp_path / "lke.xlsx", unit={"M001": "Ya"}, unit_name="", instansi="", year=None)
    with pytest.raises(ReadError, match="identitas tidak lengkap .*Cara memberi identitas"):
        read_workbook(plain)
