"""Assessment levels and partial or blank files through ingestion, the database and the dashboard's queries."""

from __future__ import annotations

import duckdb
import pytest

from tests.helpers import drop_reform_pengawasan, duplicate_keys
from tests.test_reading_shapes import (
    ED,
    ITJEN_TOTAL,
    TPI_TOTAL,
    UNIT_TOTAL,
    itjen_answers,
    tpi_answers,
    unit_answers,
)
from zi_data import queries
from zi_data.ingest import ingest_paths
from zi_data.lke_writer import write_lke_zi


@pytest.fixture
def three_levels(tmp_path):
    path = write_lke_zi(tmp_path / "in" / "2025_Unit Tiga.xlsx", ED, "Unit Tiga", "Kementerian ESDM", 2025,
                        unit_answers(), levels={"Jawaban TPI": tpi_answers(), "Jawaban TPI KESDM": itjen_answers()},
                        unit_label="Jawaban Unit")
    db = tmp_path / "zi.duckdb"
    summary = ingest_paths([path], db, actor_role="evaluator")
    assert summary.loaded == 1, summary.rejected
    return db, tmp_path


def test_every_level_is_stored_with_its_label_and_scored_apart(three_levels):
    db, _ = three_levels
    con = duckdb.connect(str(db), read_only=True)
    levels = con.execute("select assessor, seq, kind, label, answered from assessments order by seq").fetchall()
    totals = dict(con.execute("select assessor, score from scores where node_id = 'TOTAL'").fetchall())
    for table, key in (("scores", "node_id"), ("stg_answers", "question_id"), ("raw_answers", "question_id")):
        assert duplicate_keys(con, table, key) == 0
    con.close()
    assert levels == [("unit", 0, "unit", "Jawaban Unit", 127), ("tpi_1", 1, "tpi", "Jawaban TPI", 127),
                      ("tpi", 2, "tpi", "Jawaban TPI KESDM", 127)]
    assert totals == pytest.approx({"unit": UNIT_TOTAL, "tpi_1": TPI_TOTAL, "tpi": ITJEN_TOTAL})


def test_the_dashboard_offers_the_levels_that_exist_and_shows_them_side_by_side(three_levels):
    db, _ = three_levels
    con = queries.connect(db)
    try:
        assert queries.options(con)["levels"] == ["unit", "tpi_1", "tpi"]
        sid = queries.unit_scores(con, 2025, "tpi").iloc[0]["submission_id"]
        assert queries.levels_of(con, sid)[["level", "name", "label"]].values.tolist() == [
            ["unit", "Unit", "Jawaban Unit"], ["tpi_1", "TPI tingkat 1", "Jawaban TPI"],
            ["tpi", "TPI", "Jawaban TPI KESDM"]]
        first_tpi = queries.unit_scores(con, 2025, "tpi_1").iloc[0]
        assert first_tpi["total"] == pytest.approx(TPI_TOTAL)
        areas = queries.profile_areas(con, sid).set_index("area_id")
        # SPBE (weight 2 of Penataan Tatalaksana's Pemenuhan 3,5) is 0 at the first TPI level only
        assert areas.loc["PEM_TL", ["unit", "tpi_1", "tpi"]].tolist() == pytest.approx([3.5, 1.5, 3.5])
        questions = queries.profile_questions(con, sid).set_index("question_id")
        assert questions.loc["M016", ["answer_unit", "answer_tpi_1", "answer_tpi"]].tolist() == ["A", "C", "A"]
        assert questions.at["M016", "note_tpi_1"] == "Dinilai ulang (Jawaban TPI)"
    finally:
        con.close()


def test_a_survey_rescoring_keeps_every_level(three_levels, tmp_path):
    db, root = three_levels
    survey = root / "survei.csv"
    survey.write_text("Unit Kerja;Instansi;Tahun;IPAK;IPKP\nUnit Tiga;Kementerian ESDM;2025;4,0;4,0\n",
                      encoding="utf-8")
    summary = ingest_paths([survey], db, actor_role="evaluator")
    assert summary.rescored == 1
    con = duckdb.connect(str(db), read_only=True)
    totals = dict(con.execute("select assessor, score from scores where node_id = 'TOTAL'").fetchall())
    labels = con.execute("select label from assessments order by seq").fetchall()
    con.close()
    # IPAK 4,0 from the survey: the unit's 3,2 (14,0) becomes 17,5 (+3,5); the first TPI's 3,6 (15,75) +1,75
    assert totals == pytest.approx({"unit": UNIT_TOTAL + 3.5, "tpi_1": TPI_TOTAL + 1.75, "tpi": ITJEN_TOTAL})
    assert labels == [("Jawaban Unit",), ("Jawaban TPI",), ("Jawaban TPI KESDM",)]


def test_a_blank_form_is_rejected_with_its_reason(tmp_path):
    path = write_lke_zi(tmp_path / "2025_Kosong.xlsx", ED, "Kosong", "I", 2025, {})
    summary = ingest_paths([path], tmp_path / "zi.duckdb", actor_role="evaluator")
    assert summary.loaded == 0 and "workbook kosong: belum ada jawaban" in summary.rejected[0]["reason"]
    con = duckdb.connect(str(tmp_path / "zi.duckdb"), read_only=True)
    assert "workbook kosong" in con.execute("select reason from rejects").fetchone()[0]
    con.close()


def test_a_partial_file_is_refused_unless_asked_and_then_marked_and_not_ranked(tmp_path):
    partial = write_lke_zi(tmp_path / "p" / "2025_Sebagian.xlsx", ED, "Sebagian", "I", 2025, unit_answers())
    drop_reform_pengawasan(partial)
    whole = write_lke_zi(tmp_path / "w" / "2025_Utuh.xlsx", ED, "Utuh", "I", 2025, unit_answers())
    db = tmp_path / "zi.duckdb"
    summary = ingest_paths([partial, whole], db, actor_role="evaluator")
    assert summary.loaded == 1 and "Penguatan Pengawasan (Reform)" in summary.rejected[0]["reason"]
    summary = ingest_paths([partial], db, allow_partial=True, actor_role="evaluator")
    assert summary.loaded == 1
    con = queries.connect(db)
    try:
        df = queries.unit_scores(con, 2025, "unit").set_index("unit_name")
        history = queries.history(con)
    finally:
        con.close()
    assert df.at["Sebagian", "needs_review"].startswith("hanya 115 dari 127")
    assert df.isna().at["Utuh", "needs_review"]
    s = queries.summary(df.reset_index())
    # two units, one of them set apart: the mean is the complete unit's alone
    assert (s["units"], s["review"], s["mean_total"]) == (2, 1, pytest.approx(UNIT_TOTAL))
    assert any("perlu diperiksa" in d for d in history["detail"].dropna())
