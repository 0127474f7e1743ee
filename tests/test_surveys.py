"""External survey files fill the Hasil component; the survey file wins over a workbook that differs."""

from __future__ import annotations

import duckdb
import pytest
from openpyxl import Workbook

from tests.helpers import duplicate_keys, edition, filled_workbook, perfect
from zi_data import ingest
from zi_data.names import similar_names
from zi_data.readers import ReadError
from zi_data.surveys import read_survey


def hasil(db, unit, assessor="unit"):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute(
            "select s.node_id, s.score from scores s join current_submissions c using (submission_id) "
            "where c.unit_name = ? and s.assessor = ? and s.level in ('area', 'indicator', 'komponen')",
            [unit, assessor]).fetchall())
    finally:
        con.close()


def survey_csv(path, rows, header="Unit Kerja,Instansi,Tahun,IPAK,IPKP"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def no_survey_answers(ed):
    answers = perfect(ed)
    answers.pop("M125")
    answers.pop("M127")
    return answers


def test_a_survey_loaded_before_the_workbook_fills_its_hasil(tmp_path):
    db = tmp_path / "zi.duckdb"
    s = ingest.ingest_paths([survey_csv(tmp_path / "s.csv", ["Unit A,Instansi Uji,2025,3.6,3.2"])], db, actor_role="evaluator")
    assert s.surveys == 1
    ed = edition("2021")
    wb = filled_workbook(tmp_path / "a.xlsx", unit=no_survey_answers(ed), tpi=no_survey_answers(ed),
                         unit_name="Unit A")
    ingest.ingest_paths([wb], db, actor_role="evaluator")
    for assessor in ("unit", "tpi"):
        h = hasil(db, "Unit A", assessor)
        assert h["HAS_BERSIH_01"] == pytest.approx(3.6 / 4 * 17.5)  # 15.75
        assert h["HAS_PELAYANAN"] == pytest.approx(3.2 / 4 * 17.5)  # 14.0
        assert h["HASIL"] == pytest.approx(15.75 + 5 + 14)


def test_a_survey_arriving_after_the_workbook_rescores_it(tmp_path):
    db = tmp_path / "zi.duckdb"
    ed = edition("2021")
    ingest.ingest_paths([filled_workbook(tmp_path / "a.xlsx", unit=no_survey_answers(ed), unit_name="Unit A")], db, actor_role="evaluator")
    assert hasil(db, "Unit A")["HASIL"] == pytest.approx(5)  # only capaian kinerja (A)
    s = ingest.ingest_paths([survey_csv(tmp_path / "s.csv", ["unit a ,INSTANSI UJI,2025,\"3,4\",4"])], db, actor_role="evaluator")
    assert s.rescored == 1
    assert hasil(db, "Unit A")["HASIL"] == pytest.approx(3.4 / 4 * 17.5 + 5 + 17.5)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from history where event = 'rescored'").fetchone()[0] == 1
    # re-scoring replaced the rows of the submission: still one per question/node and assessor
    for table, key in (("stg_answers", "question_id"), ("scores", "node_id")):
        assert duplicate_keys(con, table, key) == 0, table
    con.close()


def test_the_survey_file_wins_and_the_conflict_is_warned(tmp_path):
    db = tmp_path / "zi.duckdb"
    ed = edition("2021")
    answers = dict(perfect(ed), M125=3.0)  # the workbook says IPAK 3.0
    survey_csv(tmp_path / "s" / "survei.csv", ["Unit A,Instansi Uji,2025,3.8,4"])
    filled_workbook(tmp_path / "s" / "2025_Unit A.xlsx", unit=answers, unit_name="Unit A")
    ingest.ingest_paths([tmp_path / "s"], db, actor_role="evaluator")
    assert hasil(db, "Unit A")["HAS_BERSIH_01"] == pytest.approx(3.8 / 4 * 17.5)
    con = duckdb.connect(str(db), read_only=True)
    messages = [m for (m,) in con.execute("select message from warnings").fetchall()]
    con.close()
    assert any("workbook (Unit) menyatakan 3,00" in m and "survei.csv menyatakan 3,80" in m for m in messages)


def test_survey_values_outside_0_to_4_are_refused_with_their_row(tmp_path):
    path = survey_csv(tmp_path / "s.csv", ["Unit A,X,2025,3.6,3.2", "Unit B,X,2025,4.5,3.0", "Unit C,X,2025,-1,3"])
    survey = read_survey(path)
    assert [r.unit for r in survey.rows] == ["Unit A"]
    assert survey.warnings[0].startswith("s.csv, baris 3: IPAK: nilai survei 4.5 di luar rentang 0-4")
    assert "baris 4" in survey.warnings[1]
    s = ingest.ingest_paths([path], tmp_path / "zi.duckdb", actor_role="evaluator")
    assert s.surveys == 1 and s.warnings == 2


@pytest.mark.parametrize("ipak, problem", [("90,5%", "berupa persentase"), ("72", "tampaknya skala 0-100"),
                                           ("0,905", "lebih kecil dari 1")])
def test_a_survey_index_typed_on_another_scale_is_refused_not_rescaled(tmp_path, ipak, problem):
    # read as a workbook's survey cell is: "90,5%" was taken for 0,905 of 4 before
    path = survey_csv(tmp_path / "s.csv", ["Unit A;X;2025;3,6;3,2", f"Unit B;X;2025;{ipak};3,0"],
                      header="Unit Kerja;Instansi;Tahun;IPAK;IPKP")
    survey = read_survey(path)
    assert [(r.unit, r.ipak, r.ipkp) for r in survey.rows] == [("Unit A", pytest.approx(3.6), pytest.approx(3.2))]
    assert len(survey.warnings) == 1 and "baris 3: IPAK: nilai survei" in survey.warnings[0]
    assert problem in survey.warnings[0]


def test_a_survey_file_with_no_valid_row_is_rejected(tmp_path):
    path = survey_csv(tmp_path / "s.csv", ["Unit B,X,2025,9,9"])
    with pytest.raises(ReadError, match="tidak ada baris survei yang sah"):
        read_survey(path)
    s = ingest.ingest_paths([path], tmp_path / "zi.duckdb", actor_role="evaluator")
    assert len(s.rejected) == 1


def test_survey_columns_are_recognised_by_their_indonesian_names_in_excel(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["Nama Unit Kerja", "Tahun", "IPK", "IKP", "Capaian Kinerja"])
    ws.append(["Unit A", 2025, 3.5, "3,9", "b"])
    path = tmp_path / "hasil survei.xlsx"
    book.save(path)
    survey = read_survey(path)
    r = survey.rows[0]
    assert (r.unit, r.year, r.ipak, r.ipkp, r.capaian, r.instansi) == ("Unit A", 2025, 3.5, 3.9, "B", "")
    db = tmp_path / "zi.duckdb"
    ed = edition("2021")
    ingest.ingest_paths([filled_workbook(tmp_path / "w.xlsx", unit=perfect(ed), unit_name="Unit A")], db, actor_role="evaluator")
    s = ingest.ingest_paths([path], db, actor_role="evaluator")  # an Excel survey is recognised without an LKE sheet
    assert s.surveys == 1 and s.rescored == 1
    h = hasil(db, "Unit A")
    # capaian B on A/B/C/D/E = 0.75 x 5; a survey file without instansi matches the unit by name
    assert h["HAS_BERSIH_02"] == pytest.approx(0.75 * 5)
    assert h["HASIL"] == pytest.approx(3.5 / 4 * 17.5 + 3.75 + 3.9 / 4 * 17.5)


def test_reloading_the_same_survey_changes_nothing(tmp_path):
    path = survey_csv(tmp_path / "s.csv", ["Unit A,X,2025,3.6,3.2"])
    db = tmp_path / "zi.duckdb"
    ingest.ingest_paths([path], db, actor_role="evaluator")
    again = ingest.ingest_paths([path], db, actor_role="evaluator")
    assert (again.surveys, again.unchanged) == (0, 1)


@pytest.mark.parametrize("name, known, expected", [
    ("Kementrian Agama", ["Kementerian Agama", "Kementerian Keuangan"], ["Kementerian Agama"]),  # a letter short
    ("kementerian  agama.", ["Kementerian Agama"], ["Kementerian Agama"]),  # case, spaces, punctuation
    ("Badan Pusat Statistic", ["Badan Pusat Statistik"], ["Badan Pusat Statistik"]),
    ("Pemerintah Kabupaten Bone", ["Pemerintah Kabupaten Bogor"], []),  # another regency, not a typo
    ("Kementerian Agraria", ["Kementerian Agama"], []),
    ("Instansi Uji", ["Kementerian Agama", "Badan Pusat Statistik"], []),
    ("Kementerian Agama", ["Kementerian Agama"], []),  # itself is no look-alike
])
def test_an_instansi_that_looks_like_a_known_one_is_found(name, known, expected):
    assert similar_names(name, known) == expected
