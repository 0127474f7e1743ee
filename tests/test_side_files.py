"""Rosters, TPN results and survey files: row limits (data/settings.csv) refused before any row is checked, and an
admin withdraws a loaded file (its rows leave every page; the history says who, when and why)."""

from __future__ import annotations

import pytest

from tests.helpers import edition, filled_workbook, perfect
from tests.test_ingest import query as rows
from zi_data import ingest, queries, withdraw
from zi_data.cli import main
from zi_data.readers.detect import settings
from zi_data.tables import max_table_rows, read_table

ROSTER_HEADER = "Unit Kerja;Instansi;Tahun;Target\n"


def test_the_row_limits_are_in_the_settings_file():
    limits = settings()
    assert (limits["max_roster_rows"], limits["max_tpn_rows"], limits["max_survey_rows"]) == (5000, 5000, 5000)


def test_a_million_row_roster_is_refused_whole_without_being_parsed(tmp_path):
    path = tmp_path / "daftar_unit.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write(ROSTER_HEADER)
        for i in range(1_000_000):
            f.write(f"U{i};Pemda {i % 40};2026;WBK\n")  # 19 MB in all, as in the issue
    assert 18_000_000 < path.stat().st_size < 25 * 1024 * 1024  # under the file size limit
    # read no further than the largest limit allows (plus the header's search and one row to know there is more)
    table = read_table(path, lambda header: "Target" in header)
    assert table.more and len(table.rows) == max_table_rows() == 10 + 5000 + 1
    db = tmp_path / "zi.duckdb"
    s = ingest.ingest_paths([path], db, actor_role="evaluator")
    assert s.rosters == 0
    assert s.rejected[0]["reason"] == (
        "daftar_unit.csv: daftar unit: lebih dari 5.000 baris data, melebihi batas 5.000 baris (data/settings.csv): "
        "berkas tidak dimuat sama sekali; bagi menjadi beberapa berkas atau periksa apakah ada baris yang tidak "
        "semestinya")
    assert rows(db, "select count(*) from stg_roster") == [(0,)]


@pytest.fixture
def small_limits(monkeypatch):
    """Every side file limited to 3 rows."""
    from zi_data import tables

    limits = dict(settings(), max_roster_rows=3.0, max_tpn_rows=3.0, max_survey_rows=3.0)
    monkeypatch.setattr(tables, "settings", lambda: limits)


@pytest.mark.parametrize("name, header, line, what", [
    ("daftar.csv", ROSTER_HEADER, "Unit {i};Pemda;2026;WBK", "daftar unit"),
    ("tpn.csv", "Unit Kerja;Instansi;Tahun;Nilai TPN\n", "Unit {i};Pemda;2026;80", "hasil TPN"),
    ("survei.csv", "Unit Kerja;Tahun;IPAK;IPKP\n", "Unit {i};2026;3,5;3,6", "berkas survei"),
])
def test_each_side_file_has_its_row_limit(tmp_path, small_limits, name, header, line, what):
    ok, over = tmp_path / "ok", tmp_path / "over"
    for folder, n in ((ok, 3), (over, 4)):
        folder.mkdir()
        (folder / name).write_text(header + "\n".join(line.format(i=i) for i in range(n)) + "\n")
    loaded = ingest.ingest_paths([ok], tmp_path / "a.duckdb", actor_role="evaluator")
    assert loaded.rejected == [] and loaded.rosters + loaded.tpn + loaded.surveys == 1
    refused = ingest.ingest_paths([over], tmp_path / "b.duckdb", actor_role="evaluator")
    assert refused.rejected[0]["reason"].startswith(f"{name}: {what}: 4 baris data, melebihi batas 3 baris")


def test_a_roster_in_a_workbook_has_the_limit_too(tmp_path, small_limits):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Unit Kerja", "Instansi", "Tahun", "Target"])
    for i in range(5):
        book.active.append([f"Unit {i}", "Pemda", 2026, "WBK"])
    book.save(tmp_path / "daftar.xlsx")
    s = ingest.ingest_paths([tmp_path / "daftar.xlsx"], tmp_path / "zi.duckdb", actor_role="evaluator")
    assert "daftar unit: 5 baris data, melebihi batas 3 baris" in s.rejected[0]["reason"]


@pytest.fixture
def loaded(tmp_path):
    """A workbook of Unit A (2025) and, loaded after it, a roster, a TPN results file and a survey that names it."""
    db = tmp_path / "zi.duckdb"
    ed = edition("2021")
    book = filled_workbook(tmp_path / "lke" / "2025_Unit A.xlsx", unit=perfect(ed), unit_name="Unit A",
                           instansi="Pemda")
    side = tmp_path / "side"
    side.mkdir()
    (side / "daftar.csv").write_text(ROSTER_HEADER + "Unit A;Pemda;2025;WBK\nUnit B;Pemda;2025;WBBM\n")
    (side / "tpn.csv").write_text("Unit Kerja;Instansi;Tahun;Nilai TPN;MP\nUnit A;Pemda;2025;80;6\n")
    (side / "survei.csv").write_text("Unit Kerja;Instansi;Tahun;IPAK;IPKP\nUnit A;Pemda;2025;2;4\n")
    ingest.ingest_paths([book], db, actor_role="evaluator")
    s = ingest.ingest_paths([side], db, actor_role="evaluator")
    assert (s.rosters, s.tpn, s.surveys, s.rescored) == (1, 1, 1, 1), s.rejected
    return db, side


def sha_of(db, name):
    return rows(db, "select sha256 from raw_files where file_name = ?", [name])[0][0]


def total(db):
    return rows(db, "select round(score, 6) from scores s join current_submissions c using (submission_id) "
                    "where s.node_id = 'TOTAL' and s.assessor = 'unit'")[0][0]


def test_an_admin_withdraws_a_roster_and_it_is_recorded_like_a_deletion(loaded):
    db, side = loaded
    sha = sha_of(db, "daftar.csv")
    detail = withdraw.withdraw_file(db, sha, "Admin Satu", "salah kirim", actor_role="admin")
    assert detail == "daftar unit daftar.csv ditarik oleh Admin Satu: salah kirim; 2 baris dihapus"
    assert rows(db, "select count(*) from stg_roster") == [(0,)]
    assert rows(db, "select status from raw_files where sha256 = ?", [sha]) == [("withdrawn",)]
    con = queries.connect(db)
    try:
        history = queries.history(con)
    finally:
        con.close()
    event = history[history["event"] == "withdrawn"].iloc[0]
    assert event["file_name"] == "daftar.csv" and "oleh Admin Satu: salah kirim" in event["detail"]
    assert queries.HISTORY_EVENTS["withdrawn"] == "ditarik"
    # the same bytes may be loaded again later
    assert ingest.ingest_paths([side / "daftar.csv"], db, actor_role="evaluator").rosters == 1


def test_withdrawing_a_survey_scores_its_units_again_without_it(loaded):
    db, _ = loaded
    # with the survey: IPAK 2 -> 2 / 4 x 17,5 = 8,75 instead of 17,5 (the workbook says 4)
    assert total(db) == pytest.approx(100 - 17.5 + 8.75)
    detail = withdraw.withdraw_file(db, sha_of(db, "survei.csv"), "Admin", "nilai salah", actor_role="admin")
    assert "1 pengajuan dihitung ulang tanpa survei itu" in detail
    assert total(db) == pytest.approx(100)
    assert rows(db, "select count(*) from stg_surveys") == [(0,)]


def test_withdrawing_tpn_results_takes_their_areas_too(loaded):
    db, _ = loaded
    assert rows(db, "select count(*) from stg_tpn_areas") == [(1,)]
    withdraw.withdraw_file(db, sha_of(db, "tpn.csv"), "Admin", "bukan hasil akhir", actor_role="admin")
    assert rows(db, "select count(*) from stg_tpn") == [(0,)] and rows(db, "select count(*) from stg_tpn_areas") == [(0,)]


def test_only_an_admin_may_withdraw_and_only_a_loaded_side_file(loaded):
    db, _ = loaded
    sha = sha_of(db, "daftar.csv")
    for role in ("viewer", "evaluator", None):
        with pytest.raises(PermissionError, match="tidak boleh menarik daftar unit, hasil TPN atau berkas survei"):
            withdraw.withdraw_file(db, sha, "X", "y", actor_role=role)
    workbook = sha_of(db, "2025_Unit A.xlsx")
    with pytest.raises(KeyError, match="tidak ada daftar unit, hasil TPN atau berkas survei termuat"):
        withdraw.withdraw_file(db, workbook, "X", "y", actor_role="admin")
    assert rows(db, "select count(*) from stg_roster") == [(2,)]


def test_zi_tarik_lists_and_withdraws(loaded, capsys):
    db, _ = loaded
    assert main(["tarik", "--db", str(db)]) == 0
    listed = capsys.readouterr().out
    assert "daftar unit" in listed and "daftar.csv" in listed and "2 baris" in listed
    assert main(["tarik", "daftar.csv", "--db", str(db)]) == 2  # no reason given
    assert "--alasan" in capsys.readouterr().err
    assert main(["tarik", "tpn.csv", "--alasan", "dobel", "--oleh", "Admin", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("Hasil TPN tpn.csv ditarik oleh Admin: dobel; 1 baris dihapus")
    assert rows(db, "select count(*) from stg_tpn") == [(0,)]


def test_the_data_page_lets_an_admin_withdraw_a_side_file(loaded, monkeypatch):
    from tests.test_pages import ROOT, open_page

    db, _ = loaded
    monkeypatch.setenv("ZI_DB", str(db))
    monkeypatch.setenv("ZI_USERS", str(db.parent / "tidak-ada.toml"))  # open mode: every action allowed
    monkeypatch.chdir(ROOT)
    at = open_page("data")
    choice = at.selectbox(key="withdraw_choice")
    assert "Daftar unit · daftar.csv · 2 baris" in choice.options
    # chosen by the file's hash, shown by its label (two files may bear one name)
    [(sha,)] = rows(db, "select sha256 from raw_files where file_name = 'daftar.csv'")
    choice.set_value(sha).run()
    at.text_input(key="withdraw_reason").input("salah kirim").run()
    at.button(key="withdraw_button").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("ditarik oleh" in s.value for s in at.success)
    assert rows(db, "select count(*) from stg_roster") == [(0,)]
