"""Ingestion: idempotent, one transaction per file, supersession with history, rejects recorded, provenance kept."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.helpers import duplicate_keys, edition, filled_workbook, perfect
from zi_data import ingest
from zi_data.cli import main

TABLES = ["raw_files", "raw_answers", "stg_units", "stg_submissions", "stg_answers", "stg_surveys", "scores",
          "rule_results", "predicates", "warnings", "rejects", "history", "assessments"]


def snapshot(db):
    """Row count and a content checksum of every table."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {t} t").fetchone() for t in TABLES}
    finally:
        con.close()


def query(db, sql, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture
def two_units(tmp_path):
    ed = edition("2021")
    folder = tmp_path / "in"
    folder.mkdir()
    a = filled_workbook(folder / "2025_Unit A.xlsx", unit=perfect(ed), tpi=dict(perfect(ed), M002="B"),
                        unit_name="Unit A", notes={"M001": "SK Tim"})
    b = filled_workbook(folder / "2025_Unit B.xlsx", unit={"M001": "Ya"}, unit_name="Unit B")
    return folder, a, b


def test_a_folder_loads_every_workbook_with_scores_for_unit_and_tpi(tmp_path, two_units):
    folder, a, b = two_units
    db = tmp_path / "zi.duckdb"
    s = ingest.ingest_paths([folder], db, actor_role="evaluator")
    assert (s.loaded, s.unchanged, s.superseded, s.rejected) == (2, 0, 0, [])
    totals = dict(((u, a_), round(t, 6)) for u, a_, t in query(
        db, "select c.unit_name, s.assessor, s.score from scores s join current_submissions c using (submission_id) "
            "where s.node_id = 'TOTAL'"))
    # Unit A: all at best = 100; its TPI marks M002 (A/B/C) down to B: Tim Kerja (0.5) = (1 + 0.5)/2 x 0.5
    assert totals[("Unit A", "unit")] == 100
    assert totals[("Unit A", "tpi")] == pytest.approx(100 - 0.5 + 0.375)
    # Unit B answered only M001 (Ya): Tim Kerja = mean(1) x 0.5; no TPI answers at all
    assert totals[("Unit B", "unit")] == pytest.approx(0.5)
    assert ("Unit B", "tpi") not in totals
    assert query(db, "select has_tpi from current_submissions where unit_name = 'Unit B'") == [(False,)]


def test_every_stored_answer_keeps_file_sheet_and_row(tmp_path, two_units):
    folder, a, _ = two_units
    db = tmp_path / "zi.duckdb"
    ingest.ingest_paths([folder], db, actor_role="evaluator")
    row = query(db, "select f.file_name, r.sheet, r.row_number, r.raw, r.note from raw_answers r "
                    "join stg_submissions f using (submission_id) join stg_units u using (unit_id) "
                    "where u.unit_name = 'Unit A' and r.question_id = 'M001' and r.assessor = 'unit'")
    assert row == [("2025_Unit A.xlsx", "Jawaban", 6, "Ya", "SK Tim")]


def test_reingesting_the_same_files_changes_nothing(tmp_path, two_units):
    folder, *_ = two_units
    db = tmp_path / "zi.duckdb"
    ingest.ingest_paths([folder], db, actor_role="evaluator")
    before = snapshot(db)
    again = ingest.ingest_paths([folder], db, actor_role="evaluator")
    assert (again.loaded, again.unchanged, again.superseded, again.rejected) == (0, 2, 0, [])
    assert snapshot(db) == before


def test_a_new_file_for_the_same_unit_and_year_supersedes_and_history_is_kept(tmp_path, two_units):
    folder, a, _ = two_units
    db = tmp_path / "zi.duckdb"
    ingest.ingest_paths([folder], db, actor_role="evaluator")
    revised = filled_workbook(tmp_path / "revisi" / "2025_Unit A.xlsx", unit={"M001": "Tidak"}, unit_name="Unit A")
    s = ingest.ingest_paths([revised], db, actor_role="evaluator")
    assert (s.loaded, s.superseded) == (1, 1)
    subs = query(db, "select file_path, is_current, superseded_by is not null, superseded_at is not null "
                     "from stg_submissions join stg_units using (unit_id) where unit_name = 'Unit A' order by loaded_at")
    assert [(c, sb, sa) for _, c, sb, sa in subs] == [(False, True, True), (True, False, False)]
    assert subs[1][0] == str(revised)
    # current views see only the revision: M001 Tidak -> Tim Kerja 0 -> total 0
    assert query(db, "select s.score from scores s join current_submissions c using (submission_id) "
                     "where c.unit_name = 'Unit A' and s.node_id = 'TOTAL' and s.assessor = 'unit'") == [(0.0,)]
    # the old scores are still there, and the history says what happened
    assert query(db, "select count(distinct submission_id) from scores where node_id = 'TOTAL'")[0][0] == 3
    events = [e for (e,) in query(db, "select event from history order by happened_at, event")]
    assert events.count("loaded") == 3 and events.count("superseded") == 1


def test_a_rejected_file_is_recorded_and_leaves_the_database_unchanged(tmp_path, two_units):
    folder, *_ = two_units
    db = tmp_path / "zi.duckdb"
    ingest.ingest_paths([folder], db, actor_role="evaluator")
    before = snapshot(db)
    bad = tmp_path / "bad" / "2025_Unit C.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    s = ingest.ingest_paths([bad], db, actor_role="evaluator")
    assert s.loaded == 0 and len(s.rejected) == 1
    assert "2025_Unit C.xlsx" in s.rejected[0]["reason"] and "rusak atau terpotong" in s.rejected[0]["reason"]
    after = snapshot(db)
    # only the reject itself (and the file's hash, marked rejected) was written
    assert {t: v for t, v in after.items() if t not in ("rejects", "raw_files")} == \
        {t: v for t, v in before.items() if t not in ("rejects", "raw_files")}
    assert after["rejects"][0] == before["rejects"][0] + 1
    assert query(db, "select reason from rejects")[0][0] == s.rejected[0]["reason"]
    # the same file again: read again (it may be read now), refused for the same reason, recorded once
    again = ingest.ingest_paths([bad], db, actor_role="evaluator")
    assert len(again.rejected) == 1 and snapshot(db) == after


def test_a_failure_halfway_through_writing_leaves_no_partial_rows(tmp_path, two_units, monkeypatch):
    folder, a, b = two_units
    db = tmp_path / "zi.duckdb"
    ingest.ingest_paths([b], db, actor_role="evaluator")
    before = snapshot(db)
    original = ingest._insert_scored

    def broken(con, tables):
        original(con, tables)  # raw answers, answers, scores are inserted ...
        raise RuntimeError("disk full")  # ... then the write fails

    monkeypatch.setattr(ingest, "_insert_scored", broken)
    s = ingest.ingest_paths([a], db, actor_role="evaluator")
    assert s.loaded == 0 and "gagal disimpan (disk full)" in s.rejected[0]["reason"]
    after = snapshot(db)
    assert {t: v for t, v in after.items() if t not in ("rejects", "raw_files")} == \
        {t: v for t, v in before.items() if t not in ("rejects", "raw_files")}


def test_a_failing_group_is_retried_file_by_file(tmp_path, two_units, monkeypatch):
    folder, a, b = two_units
    db = tmp_path / "zi.duckdb"
    original = ingest._insert_scored

    sha_b = ingest.file_hash(b)

    def fails_for_unit_b(con, tables):
        if any(t["scores"]["submission_id"][0].as_py() == sha_b for t in tables):
            raise RuntimeError("kolom rusak")
        original(con, tables)

    monkeypatch.setattr(ingest, "_insert_scored", fails_for_unit_b)
    s = ingest.ingest_paths([folder], db, batch_size=10, actor_role="evaluator")
    assert s.loaded == 1 and len(s.rejected) == 1 and "2025_Unit B.xlsx" in s.rejected[0]["reason"]
    assert query(db, "select unit_name from current_submissions") == [("Unit A",)]
    assert query(db, "select count(distinct submission_id) from scores") == [(1,)]


def test_the_run_goes_on_after_a_reject(tmp_path, two_units):
    folder, *_ = two_units
    (folder / "2025_Rusak.xlsx").write_bytes(b"")
    (folder / "catatan.txt").write_text("bukan LKE")  # not a known type inside a folder: not even looked at
    s = ingest.ingest_paths([folder], tmp_path / "zi.duckdb", actor_role="evaluator")
    assert s.loaded == 2 and [r["file"].endswith("2025_Rusak.xlsx") for r in s.rejected] == [True]


def test_cli_json_summary_and_exit_codes(tmp_path, two_units, capsys):
    folder, *_ = two_units
    db = tmp_path / "zi.duckdb"
    assert main(["ingest", str(folder), "--db", str(db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["loaded"] == 2 and out["unchanged"] == 0 and out["superseded"] == 0 and out["rejected"] == []
    bad = tmp_path / "2025_X.xlsx"
    bad.write_text("x")
    assert main(["ingest", str(folder), str(bad), "--db", str(db), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["unchanged"] == 2 and out["loaded"] == 0
    assert [set(r) for r in out["rejected"]] == [{"file", "reason"}]
    assert out["rejected"][0]["file"] == str(bad)


def test_cli_readable_summary_is_in_bahasa_indonesia(tmp_path, two_units, capsys):
    folder, *_ = two_units
    main(["ingest", str(folder), "--db", str(tmp_path / "zi.duckdb")])
    text = capsys.readouterr().out
    assert "Dimuat: 2 workbook" in text and "Ditolak: 0" in text


def test_reingest_of_an_unchanged_folder_is_fast(tmp_path, two_units):
    folder, *_ = two_units
    db = tmp_path / "zi.duckdb"
    ingest.ingest_paths([folder], db, actor_role="evaluator")
    # not a wall-clock limit: unchanged files must not be read at all
    calls = []
    original = ingest.prepare
    ingest.prepare = lambda *a: calls.append(a) or original(*a)
    try:
        ingest.ingest_paths([folder], db, actor_role="evaluator")
    finally:
        ingest.prepare = original
    assert calls == []


def test_upload_is_saved_under_its_own_name_and_ingested(tmp_path, two_units):
    folder, a, _ = two_units
    s = ingest.ingest_upload("../../2025_Unit A.xlsx", a.read_bytes(), tmp_path / "zi.duckdb", tmp_path / "up", actor_role="evaluator")
    assert s.loaded == 1
    saved = list((tmp_path / "up").rglob("*.xlsx"))
    assert len(saved) == 1 and saved[0].name == "2025_Unit A.xlsx"
    assert (tmp_path / "up") in saved[0].parents


def test_a_pool_of_workers_gives_the_same_scores_as_one_process(tmp_path, monkeypatch):
    ed = edition("2021")
    folder = tmp_path / "many"
    for i in range(18):  # enough for several chunks over two workers
        answers = perfect(ed)
        answers["M125"] = 2 + i * 0.1
        filled_workbook(folder / f"2025_Unit {i:02d}.xlsx", unit=answers, unit_name=f"Unit {i:02d}")
    ingest.ingest_paths([folder], tmp_path / "pool.duckdb", actor_role="evaluator")
    monkeypatch.setattr(ingest, "WORKERS", 1)
    ingest.ingest_paths([folder], tmp_path / "one.duckdb", actor_role="evaluator")
    sql = ("select c.unit_name, round(s.score, 9) from scores s join current_submissions c using (submission_id) "
           "where s.node_id = 'TOTAL' order by 1")
    pool, one = query(tmp_path / "pool.duckdb", sql), query(tmp_path / "one.duckdb", sql)
    assert pool == one
    # Unit 03: IPAK 2.3 -> 2.3 / 4 x 17.5 instead of 17.5
    assert dict(pool)["Unit 03"] == pytest.approx(100 - 17.5 + 2.3 / 4 * 17.5)


def test_one_row_per_submission_assessor_and_question_or_node(demo_db):
    """The large answer tables carry no primary key (bulk-load speed): the data must keep the key anyway."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        for table, key in (("raw_answers", "question_id"), ("stg_answers", "question_id"), ("scores", "node_id")):
            assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0
            assert duplicate_keys(con, table, key) == 0, table
    finally:
        con.close()
