"""The yearly cycle on hand-made units: roster, TPN results, stages and lateness, proposals within a quota,
calibration. Every total, margin, rank and verdict below is worked out by hand from the answers.

The 2021 edition's rules (data/thresholds.csv): WBK total >= 75, every Pengungkit area >= 60 % of its weight,
IPAK indicator >= 15,75, IPKP >= 14; WBBM total >= 85, areas >= 75 %, IPKP >= 15,75. With every answer at its
best a unit scores 100 and its tightest rule is an area of Penataan Tatalaksana (weight 3,5): WBK margin
3,5 - 0,6 x 3,5 = 1,4, WBBM margin 3,5 - 0,75 x 3,5 = 0,875. A survey index v scores v / 4 x 17,5.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from tests.helpers import drop_reform_pengawasan, edition, filled_workbook, perfect
from zi_data import access, queries
from zi_data.cli import main
from zi_data.cycle import proposal as proposal_mod
from zi_data.cycle.stages import deadline_for, funnel, stage_of
from zi_data.ingest import ingest_paths
from zi_data.lke_writer import write_lke_zi

ED = edition("2021")
I1, I2 = "Inspektorat Uji", "Instansi Lain"
SPBE_C = {"M016": "C", "M017": "C", "M018": "C", "M019": "C"}  # SPBE (weight 2 of Tatalaksana Pemenuhan 3,5) -> 0

# name -> (instansi, TPI answers, total worked out by hand)
UNITS = {
    "Unit Sempurna": (I1, perfect(ED), 100.0),
    # IPKP 3,6 -> 15,75 (-1,75): 98,25; WBK tightest still Tatalaksana 1,4 (IPKP 15,75 - 14 = 1,75)
    "Unit IPKP 3,6": (I1, dict(perfect(ED), M127=3.6), 98.25),
    # IPAK 3,6 -> 15,75 (-1,75): 98,25, the same total; the IPAK rule (15,75) is met with margin 0
    "Unit IPAK 3,6": (I1, dict(perfect(ED), M125=3.6), 98.25),
    # IPKP 3,4 -> 14,875 (-2,625): 97,375; WBK met (margin 0,875), WBBM not (14,875 < 15,75 by 0,875)
    "Unit IPKP 3,4": (I1, dict(perfect(ED), M127=3.4), 97.375),
    # IPAK 3,2 -> 14,0 (-3,5): 96,5; IPAK below 15,75 by 1,75 for both predicates
    "Unit IPAK 3,2": (I1, dict(perfect(ED), M125=3.2), 96.5),
    # another instansi: IPKP 3,8 -> 16,625 (-0,875): 99,125
    "Unit Lain": (I2, dict(perfect(ED), M127=3.8), 99.125),
}


def roster_csv(path, rows):
    path.write_text("Unit Kerja;Instansi;Tahun;Target\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Eight units of 2026 and a roster; a fresh copy of the database per test (tests write to it)."""
    root = tmp_path_factory.mktemp("cycle")
    books = root / "lke"
    for name, (instansi, tpi, _) in UNITS.items():
        filled_workbook(books / f"2026_{name}.xlsx", unit=perfect(ED), tpi=tpi, unit_name=name, instansi=instansi,
                        year=2026)
    # two TPI levels: the first finds the unit perfect (100), the last gives SPBE "C": Tatalaksana (Pemenuhan)
    # 3,5 - 2 = 1,5 < 0,6 x 3,5 = 2,1 (short by 0,6), total 98. The proposal is judged on the last one.
    write_lke_zi(books / "2026_Unit Dua Tingkat.xlsx", ED, "Unit Dua Tingkat", I1, 2026, perfect(ED),
                 levels={"Jawaban TPI": perfect(ED), "Jawaban TPI Itjen": dict(perfect(ED), **SPBE_C)},
                 unit_label="Jawaban Unit")
    filled_workbook(books / "2026_Unit Belum TPI.xlsx", unit=perfect(ED), unit_name="Unit Belum TPI", instansi=I1,
                    year=2026)
    roster = roster_csv(root / "daftar_unit_2026.csv", [
        f"UNIT SEMPURNA;{I1};2026;WBBM",  # the roster's spelling: names compare without case
        f"Unit IPKP 3,6;{I1};2026;WBK", f"Unit IPAK 3,6;{I1};2026;WBK", f"Unit IPKP 3,4;{I1};2026;WBK",
        f"Unit IPAK 3,2;{I1};2026;WBK", f"Unit Dua Tingkat;{I1};2026;WBK", f"Unit Belum TPI;{I1};2026;WBK",
        f"Unit Hanya Daftar;{I1};2026;menuju WBK"])
    db = root / "zi.duckdb"
    summary = ingest_paths([books, roster], db, actor_role="evaluator")
    assert summary.loaded == 8 and summary.rosters == 1, summary.rejected
    # a partial sheet loaded on request: marked "perlu diperiksa", never a candidate
    partial = write_lke_zi(root / "p" / "2026_Unit Sebagian.xlsx", ED, "Unit Sebagian", I1, 2026, perfect(ED),
                           levels={"Jawaban TPI": perfect(ED)}, unit_label="Jawaban Unit")
    drop_reform_pengawasan(partial)
    assert ingest_paths([partial], db, allow_partial=True, actor_role="evaluator").loaded == 1
    return root, db


@pytest.fixture
def db(built, tmp_path):
    copy = tmp_path / "zi.duckdb"
    shutil.copy(built[1], copy)
    return copy


def read(db, fn, *args, **kwargs):
    con = queries.connect(db)
    try:
        return fn(con, *args, **kwargs)
    finally:
        con.close()


def names(df):
    return df["unit_name"].tolist()


# --- proposals ------------------------------------------------------------------------------------------------

def test_the_quota_takes_the_best_candidates_and_the_rest_are_reserves_with_their_margins(db):
    p = read(db, queries.proposal, 2026, "WBK", 3)
    # candidates by TPI total: Sempurna 100, Lain 99,125, then two at 98,25, then IPKP 3,4 at 97,375
    assert names(p.proposed) == ["Unit Sempurna", "Unit Lain", "Unit IPKP 3,6"]
    assert p.proposed["rank"].tolist() == [1, 2, 3]
    assert p.proposed["tpi_total"].tolist() == pytest.approx([100, 99.125, 98.25])
    assert names(p.reserves) == ["Unit IPAK 3,6", "Unit IPKP 3,4"]
    assert p.reserves["rank"].tolist() == [4, 5]
    assert p.reserves["margin"].tolist() == pytest.approx([0, 0.875], abs=1e-9)


def test_a_tie_on_the_total_goes_to_the_larger_smallest_margin(db):
    p = read(db, queries.proposal, 2026, "WBK", 10)
    ranked = names(p.proposed)
    # both 98,25: IPKP 3,6 keeps 1,4 to its tightest rule, IPAK 3,6 sits exactly on the IPAK minimum (0);
    # by name alone "IPAK" would come first
    assert ranked.index("Unit IPKP 3,6") == ranked.index("Unit IPAK 3,6") - 1
    margins = dict(zip(ranked, p.proposed["margin"], strict=True))
    assert margins["Unit IPKP 3,6"] == pytest.approx(1.4)
    assert margins["Unit IPAK 3,6"] == pytest.approx(0, abs=1e-9)
    assert "Nilai survei IPAK" in p.proposed.set_index("unit_name").at["Unit IPAK 3,6", "closest"]


def test_a_unit_that_meets_wbk_but_not_wbbm(db):
    wbk = read(db, queries.proposal, 2026, "WBK", 10)
    wbbm = read(db, queries.proposal, 2026, "WBBM", 10)
    assert "Unit IPKP 3,4" in names(wbk.proposed)
    assert "Unit IPKP 3,4" not in names(wbbm.proposed)
    failing = wbbm.failing.set_index("unit_name")
    # the area Pelayanan Publik yang Prima (17,5) is all IPKP: 14,875 of at least 15,75
    assert failing.at["Unit IPKP 3,4", "gagal"] == ["Pelayanan Publik yang Prima 14,88 dari minimum 15,75: kurang 0,88"]
    # WBBM: the two at 98,25 both sit on a minimum (margin 0): the name decides
    assert names(wbbm.proposed) == ["Unit Sempurna", "Unit Lain", "Unit IPAK 3,6", "Unit IPKP 3,6"]


def test_the_last_tpi_level_decides_not_the_first(db):
    p = read(db, queries.proposal, 2026, "WBK", 10)
    assert "Unit Dua Tingkat" not in names(p.proposed) + names(p.reserves)
    row = p.failing.set_index("unit_name").loc["Unit Dua Tingkat"]
    assert row["tpi_total"] == pytest.approx(98)  # the last level's total; the first level's is 100
    assert row["gagal"] == ["Penataan Tatalaksana (Pemenuhan) 1,50 dari minimum 2,10: kurang 0,60"]


def test_failing_unassessed_and_partial_units_are_listed_apart_with_why(db):
    p = read(db, queries.proposal, 2026, "WBK", 10)
    failing = p.failing.set_index("unit_name")
    assert failing.at["Unit IPAK 3,2", "gagal"] == ["Nilai Survey Persepsi Korupsi (Survei Eksternal) 14,00 dari "
                                                     "minimum 15,75: kurang 1,75"]
    assert failing.at["Unit Belum TPI", "gagal"] == ["belum dinilai TPI"]
    assert failing.at["Unit Sebagian", "gagal"][0].startswith("perlu diperiksa: hanya ")
    # gagal first, by TPI total (98 before 96,5), then the others
    assert names(p.failing)[:2] == ["Unit Dua Tingkat", "Unit IPAK 3,2"]
    assert "Unit Hanya Daftar" not in names(p.failing)  # no workbook: shown by its stage, not here


def test_the_instansi_filter_ranks_only_its_units(db):
    p = read(db, queries.proposal, 2026, "WBK", 2, [I1])
    assert names(p.proposed) == ["Unit Sempurna", "Unit IPKP 3,6"]
    assert names(p.reserves) == ["Unit IPAK 3,6", "Unit IPKP 3,4"]
    assert "Unit Lain" not in names(p.failing)


def test_a_quota_of_zero_proposes_nobody_and_keeps_every_candidate_in_reserve(db):
    p = read(db, queries.proposal, 2026, "WBK", 0)
    assert p.proposed.empty and len(p.reserves) == 5


def test_pengusulan_json_has_the_issue_shape_and_simpan_records_who(db, capsys):
    assert main(["pengusulan", "--tahun", "2026", "--predikat", "WBK", "--kuota", "3", "--db", str(db),
                 "--simpan", "--oleh", "Ani", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"tahun", "predikat", "kuota", "units", "cadangan", "tidak_memenuhi"}
    assert (out["tahun"], out["predikat"], out["kuota"]) == (2026, "WBK", 3)
    assert out["units"][0] == {"rank": 1, "unit": "Unit Sempurna", "instansi": I1, "tpi_total": 100.0,
                               "margin": 1.4}
    assert [u["unit"] for u in out["cadangan"]] == ["Unit IPAK 3,6", "Unit IPKP 3,4"]
    assert set(out["cadangan"][0]) == {"rank", "unit", "instansi", "tpi_total", "margin"}
    assert all(set(f) == {"unit", "instansi", "gagal"} for f in out["tidak_memenuhi"])
    failing = {f["unit"]: f["gagal"] for f in out["tidak_memenuhi"]}
    assert failing["Unit IPAK 3,2"] == ["Nilai Survey Persepsi Korupsi (Survei Eksternal) 14,00 dari minimum "
                                        "15,75: kurang 1,75"]
    saved = read(db, queries.saved_proposals, 2026)
    assert saved[["predikat", "kuota", "saved_by", "diusulkan", "cadangan"]].values.tolist() == [
        ["WBK", 3, "Ani", 3, 2]]


def test_pengusulan_without_json_prints_a_readable_indonesian_list(db, capsys):
    assert main(["pengusulan", "--tahun", "2026", "--predikat", "WBBM", "--kuota", "1", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Usulan predikat WBBM tahun 2026 · kuota 1 · instansi: semua instansi · belum disimpan" in out
    assert "1. Unit Sempurna" in out and "Cadangan (3)" in out and "kurang 0,88" in out


def test_a_newer_proposal_for_the_same_scope_supersedes_the_older(db):
    first = read(db, queries.proposal, 2026, "WBK", 3)
    proposal_mod.save(db, first, "Ani", actor_role="evaluator")
    second = read(db, queries.proposal, 2026, "WBK", 1)
    proposal_mod.save(db, second, "Budi", actor_role="evaluator")
    saved = read(db, queries.saved_proposals, 2026)
    assert saved["saved_by"].tolist() == ["Budi", "Ani"]
    assert saved["superseded_at"].isna().tolist() == [True, False]
    status = read(db, queries.cycle_status, 2026).set_index("unit_name")
    # only the newest proposal's proposed units are at "diusulkan"
    assert status.at["Unit Sempurna", "stage"] == "diusulkan"
    assert status.at["Unit Lain", "stage"] == "dinilai_tpi"


def test_a_viewer_cannot_save_a_proposal_whatever_page_calls_the_save(db):
    p = read(db, queries.proposal, 2026, "WBK", 3, [I1])
    before = len(read(db, queries.saved_proposals, 2026))
    for role in ("viewer", None):
        with pytest.raises(PermissionError):
            proposal_mod.save(db, p, "Tamu", actor_role=role)
    assert len(read(db, queries.saved_proposals, 2026)) == before


def test_the_xlsx_export_says_what_when_and_who_above_a_frozen_header(db, tmp_path):
    p = read(db, queries.proposal, 2026, "WBK", 3, [I1])
    pid = proposal_mod.save(db, p, "Ani", actor_role="evaluator")
    saved = read(db, queries.saved_proposal, pid)
    path = tmp_path / "usulan.xlsx"
    path.write_bytes(proposal_mod.to_xlsx(saved))
    book = load_workbook(path)
    assert book.sheetnames == ["Diusulkan", "Cadangan", "Tidak memenuhi"]
    ws = book["Diusulkan"]
    title = ws["A1"].value
    assert "Usulan predikat WBK tahun 2026" in title and "kuota 3" in title and f"instansi: {I1}" in title
    assert "disimpan oleh Ani pada " in title
    assert [c.value for c in ws[2]] == ["No", "Unit kerja", "Instansi", "Nilai TPI", "Selisih terkecil",
                                        "Syarat terdekat"]
    assert ws.freeze_panes == "A3"
    assert [c.value for c in ws[3]][:5] == [1, "Unit Sempurna", I1, 100, pytest.approx(1.4)]
    assert ws["D3"].number_format == "0.00" and ws["E3"].number_format == "0.00"
    assert [r[1] for r in book["Cadangan"].iter_rows(min_row=3, values_only=True)] == ["Unit IPKP 3,4"]
    fails = {r[0]: r[3] for r in book["Tidak memenuhi"].iter_rows(min_row=3, values_only=True)}
    assert fails["Unit Dua Tingkat"] == "Penataan Tatalaksana (Pemenuhan) 1,50 dari minimum 2,10: kurang 0,60"


def test_only_an_evaluator_or_admin_may_save_a_proposal():
    assert not access.can("viewer", "propose") and not access.can(None, "propose")
    assert access.can("evaluator", "propose") and access.can("admin", "propose")


# --- stages and lateness --------------------------------------------------------------------------------------

def test_every_unit_has_its_stage_and_a_unit_only_on_the_roster_has_not_sent(db):
    status = read(db, queries.cycle_status, 2026, today=date(2026, 5, 31)).set_index("unit_name")
    assert status.at["Unit Hanya Daftar", "stage"] == "belum_mengirim"
    assert status.at["Unit Hanya Daftar", "target"] == "WBK"
    assert status.at["Unit Belum TPI", "stage"] == "lke_masuk"
    assert status.at["Unit Sempurna", "stage"] == "dinilai_tpi"
    assert status.at["Unit Sempurna", "target"] == "WBBM"  # the roster's "UNIT SEMPURNA" is this unit
    assert status.isna().at["Unit Lain", "target"]  # sent a workbook without being on the roster
    assert len(status) == 10  # 9 workbooks and the unit only on the roster
    assert not status["terlambat"].any()  # on the deadline day nobody is late yet


def test_after_the_deadline_units_that_have_not_sent_or_not_been_assessed_are_late(db):
    status = read(db, queries.cycle_status, 2026, today=date(2026, 6, 1)).set_index("unit_name")
    assert sorted(status.index[status["terlambat"]]) == ["Unit Belum TPI", "Unit Hanya Daftar"]


def test_proposal_and_tpn_results_move_units_on(db, tmp_path):
    proposal_mod.save(db, read(db, queries.proposal, 2026, "WBK", 3), "Ani", actor_role="evaluator")
    tpn = tmp_path / "hasil_tpn_2026.csv"
    tpn.write_text("Unit Kerja;Instansi;Tahun;Nilai TPN;Keputusan\n"
                   f"Unit Sempurna;{I1};2026;92,5;WBK\n"
                   f"Unit IPKP 3,6;{I1};2026;80;Tidak ditetapkan\n"
                   f"Unit Lain;{I2};2026;88,75;\n", encoding="utf-8")
    assert ingest_paths([tpn], db, actor_role="evaluator").tpn == 1
    status = read(db, queries.cycle_status, 2026).set_index("unit_name")
    assert status.loc[["Unit Sempurna", "Unit IPKP 3,6", "Unit Lain", "Unit IPAK 3,6"], "stage"].tolist() == [
        "ditetapkan", "tidak_ditetapkan", "dievaluasi_tpn", "dinilai_tpi"]
    assert status.at["Unit Lain", "tpn_total"] == pytest.approx(88.75)
    steps = funnel(read(db, queries.cycle_status, 2026)).set_index("stage")["units"]
    # 10 units; 9 sent; 8 assessed (one without TPI; the partial file has its TPI); 3 proposed or further;
    # 3 evaluated by the TPN; 1 granted
    assert steps.tolist() == [10, 9, 8, 3, 3, 1]


def test_status_json_has_the_issue_shape_with_null_where_unknown(db, capsys):
    assert main(["status", "--tahun", "2026", "--instansi", I1, "--db", str(db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tahun"] == 2026 and len(out["units"]) == 9  # Unit Lain is of another instansi
    unit = {u["unit"]: u for u in out["units"]}["Unit Hanya Daftar"]
    assert unit == {"unit": "Unit Hanya Daftar", "instansi": I1, "target": "WBK", "stage": "belum_mengirim",
                    "unit_total": None, "tpi_total": None, "tpn_total": None, "keputusan": None,
                    "terlambat": date.today() > date(2026, 5, 31)}  # the deadline of data/deadlines.csv
    assert {u["unit"]: u for u in out["units"]}["Unit IPKP 3,4"]["tpi_total"] == 97.375


def test_status_without_json_prints_an_indonesian_table(db, capsys):
    assert main(["status", "--tahun", "2026", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "batas pengusulan 31 Mei 2026" in out and "Belum mengirim LKE 1" in out and "97,38" in out


@pytest.mark.parametrize("facts, stage", [
    ((False, False, False, False, None), "belum_mengirim"),
    ((True, False, False, False, None), "lke_masuk"),
    ((True, True, False, False, None), "dinilai_tpi"),
    ((True, True, True, False, None), "diusulkan"),
    ((True, True, True, True, None), "dievaluasi_tpn"),
    ((True, True, True, True, "WBBM"), "ditetapkan"),
    ((True, True, True, True, "Tidak"), "tidak_ditetapkan"),
    ((False, False, False, True, "WBK"), "ditetapkan"),  # a decision with no workbook stored: still decided
])
def test_the_furthest_fact_known_sets_the_stage(facts, stage):
    assert stage_of(*facts) == stage


def test_the_deadline_comes_from_the_data_file_and_defaults_to_31_may():
    assert deadline_for(2026) == date(2026, 5, 31)
    assert deadline_for(2031) == date(2031, 5, 31)  # not listed: the default row


# --- roster and TPN files -------------------------------------------------------------------------------------

def test_a_tpn_file_with_bad_rows_is_refused_whole_naming_each_row(db, tmp_path):
    bad = tmp_path / "hasil_tpn.csv"
    bad.write_text("Unit Kerja;Instansi;Tahun;Nilai TPN;Pengungkit;Hasil;Keputusan\n"
                   f"Unit Sempurna;{I1};2026;90,5;55,5;35;WBK\n"
                   f"Unit Lain;{I2};2026;sembilan puluh;;;WBK\n"
                   f"Unit IPKP 3,4;{I1};2026;80;50;20;Lulus\n", encoding="utf-8")
    summary = ingest_paths([bad], db, actor_role="evaluator")
    assert summary.tpn == 0 and len(summary.rejected) == 1
    reason = summary.rejected[0]["reason"]
    assert reason.startswith("hasil_tpn.csv: hasil TPN: 2 baris tidak sah, berkas tidak dimuat sama sekali")
    assert "baris 3 (Nilai TPN 'sembilan puluh' bukan angka)" in reason
    # row 4: 50 + 20 = 70 is not its total 80, and "Lulus" is no decision
    assert "baris 4 (Pengungkit 50,00 + Hasil 20,00 = 70,00, tidak sama dengan Nilai TPN 80,00; Keputusan " \
           "'Lulus' bukan WBK, WBBM atau Tidak)" in reason
    assert "baris 2" not in reason
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select count(*) from stg_tpn").fetchone()[0] == 0  # not even the good row
        assert con.execute("select status, kind from raw_files where file_name = 'hasil_tpn.csv'").fetchone() == (
            "rejected", "tpn")
    finally:
        con.close()
    bad.write_text("Unit Kerja;Instansi;Tahun;Nilai TPN;Pengungkit;Hasil;Keputusan\n"
                   f"Unit Sempurna;{I1};2026;90,5;55,5;35;WBK\n", encoding="utf-8")
    assert ingest_paths([bad], db, actor_role="evaluator").tpn == 1  # corrected, it loads


def test_a_tpn_workbook_with_a_title_row_areas_and_decimal_commas_is_read(db, tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["Hasil evaluasi TPN tahun 2026"])
    ws.append(["No", "Nama Unit Kerja", "Instansi", "Tahun", "Nilai Total TPN", "Manajemen Perubahan",
               "Penguatan Pengawasan", "Keputusan TPN", "Catatan"])
    ws.append([1, "Unit Sempurna", I1, 2026, "90,50", "6,00", 12, "wbk", "Perlu penguatan pengawasan"])
    ws.append([2, "Unit IPAK 3,6", I1, 2026, 97.25, "8", None, None, None])
    path = tmp_path / "lhe_tpn.xlsx"
    book.save(path)
    assert ingest_paths([path], db, actor_role="evaluator").tpn == 1
    units = read(db, queries.calibration_units, 2026).set_index("unit_name")
    assert units.at["Unit Sempurna", "tpn_total"] == pytest.approx(90.5)
    assert units.at["Unit Sempurna", "keputusan"] == "WBK"
    assert units.isna().at["Unit IPAK 3,6", "keputusan"]
    areas = read(db, queries.calibration_areas, 2026)
    got = {(r.area_key, r.tpi, r.tpn) for r in areas.itertuples() if r.tpn is not None}
    # TPI points of an area are Pemenuhan and Reform together: Manajemen Perubahan 4 + 4, Pengawasan 7,5 + 7,5
    assert got == {("MP", 8, 6), ("PW", 15, 12), ("MP", 8, 8)}


def test_a_value_above_the_most_points_is_refused(db, tmp_path):
    path = tmp_path / "tpn.csv"
    path.write_text(f"Unit Kerja,Instansi,Tahun,Nilai TPN,Penataan Tatalaksana\nUnit A,{I1},2026,80,7.5\n",
                    encoding="utf-8")
    reason = ingest_paths([path], db, actor_role="evaluator").rejected[0]["reason"]
    assert "baris 2 (Penataan Tatalaksana 7,50 di luar rentang 0-7,00)" in reason  # 3,5 + 3,5


def test_a_roster_with_a_bad_row_is_refused_and_a_newer_roster_replaces_the_units_it_names(db, tmp_path):
    bad = roster_csv(tmp_path / "daftar_bad.csv", [f"Unit X;{I1};2026;WBK", "Unit Y;;2026;ZI",
                                                   f"Unit X;{I1};2026;WBBM"])
    reason = ingest_paths([bad], db, actor_role="evaluator").rejected[0]["reason"]
    assert "baris 3 (Instansi kosong; Target 'ZI' bukan WBK atau WBBM)" in reason
    assert "baris 4 (unit dan tahun yang sama sudah ada di baris 2)" in reason
    newer = roster_csv(tmp_path / "daftar_revisi.csv", [f"Unit Hanya Daftar;{I1};2026;WBBM"])
    assert ingest_paths([newer], db, actor_role="evaluator").rosters == 1
    status = read(db, queries.cycle_status, 2026).set_index("unit_name")
    assert status.at["Unit Hanya Daftar", "target"] == "WBBM"  # replaced by the newer file
    assert status.at["Unit IPKP 3,4", "target"] == "WBK"  # not named: kept
    history = read(db, queries.history)
    assert any("menggantikan 1 baris dari daftar_unit_2026.csv: Unit Hanya Daftar (2026)" in d
               for d in history["detail"])


def test_reloading_the_same_roster_changes_nothing(built, db):
    again = ingest_paths([built[0] / "daftar_unit_2026.csv"], db, actor_role="evaluator")
    assert (again.rosters, again.unchanged) == (0, 1)


# --- calibration ----------------------------------------------------------------------------------------------

@pytest.fixture
def calibrated(db, tmp_path):
    tpn = tmp_path / "tpn.csv"
    # Sempurna: TPN 90,5 (Pengungkit 55,5 + Hasil 35), Manajemen Perubahan 6 of 8, Pengawasan 12 of 15, WBK.
    # IPKP 3,6: 80, not granted. IPAK 3,6: 97,25, MP 8, no decision yet. IPKP 3,4 (TPI: WBK): 74, no decision.
    tpn.write_text("Unit Kerja;Instansi;Tahun;Nilai TPN;Pengungkit;Hasil;MP;PW;Keputusan\n"
                   f"Unit Sempurna;{I1};2026;90,5;55,5;35;6;12;WBK\n"
                   f"Unit IPKP 3,6;{I1};2026;80;;;;;Tidak\n"
                   f"Unit IPAK 3,6;{I1};2026;97,25;;;8;;\n"
                   f"Unit IPKP 3,4;{I1};2026;74;;;;;\n", encoding="utf-8")
    assert ingest_paths([tpn], db, actor_role="evaluator").tpn == 1
    return db


def test_calibration_per_unit_and_per_instansi(calibrated):
    from zi_data.cycle import calibration

    units = read(calibrated, queries.calibration_units, 2026)
    diff = calibration.by_unit(units).set_index("unit_name")["selisih"]
    # TPI - TPN: 98,25 - 80 = 18,25; 97,375 - 74 = 23,375; 100 - 90,5 = 9,5; 98,25 - 97,25 = 1
    assert diff.to_dict() == pytest.approx({"Unit IPKP 3,4": 23.375, "Unit IPKP 3,6": 18.25, "Unit Sempurna": 9.5,
                                            "Unit IPAK 3,6": 1.0})
    per = calibration.by_instansi(units).set_index("instansi")
    assert per.at[I1, "units"] == 4
    assert per.at[I1, "selisih_mean"] == pytest.approx((23.375 + 18.25 + 9.5 + 1) / 4)


def test_calibration_per_area_only_where_the_tpn_gave_the_area(calibrated):
    from zi_data.cycle import calibration

    areas = calibration.by_area(read(calibrated, queries.calibration_areas, 2026)).set_index("area_key")
    # Pengawasan: Sempurna alone, 15 - 12 = 3 (20 % of 15); MP: (8 - 6 + 8 - 8) / 2 = 1 (12,5 % of 8)
    assert areas.index.tolist() == ["PW", "MP"]
    assert areas["selisih_mean"].tolist() == pytest.approx([3, 1])
    assert areas["selisih_share"].tolist() == pytest.approx([0.2, 0.125])
    assert areas["units"].tolist() == [1, 2]


def test_units_the_tpi_passed_and_the_tpn_did_not(calibrated):
    from zi_data.cycle import calibration

    found = calibration.disagreements(read(calibrated, queries.calibration_units, 2026)).set_index("unit_name")
    # Sempurna: TPI WBBM, granted only WBK. IPKP 3,6: TPI WBBM (IPKP exactly 15,75), not granted.
    # IPKP 3,4: TPI WBK, no decision yet but 74 is under WBK's 75. IPAK 3,6: 97,25, no disagreement.
    assert found["alasan"].to_dict() == {
        "Unit IPKP 3,4": "TPI: WBK, nilai TPN 74,00 di bawah minimum WBK 75,00",
        "Unit IPKP 3,6": "TPI: WBBM, keputusan TPN: Tidak",
        "Unit Sempurna": "TPI: WBBM, keputusan TPN: WBK",
    }


def test_a_workbook_tpn_column_is_the_tpn_level_when_no_results_file_names_the_unit(tmp_path):
    tpn_answers = dict(perfect(ED), M127=3.2)  # IPKP 3,2 -> 14 (-3,5): 96,5
    path = write_lke_zi(tmp_path / "in" / "2025_Unit TPN.xlsx", ED, "Unit TPN", I1, 2025, perfect(ED),
                        levels={"Jawaban TPI": perfect(ED), "Jawaban TPN": tpn_answers}, unit_label="Jawaban Unit")
    db = tmp_path / "zi.duckdb"
    assert ingest_paths([path], db, actor_role="evaluator").loaded == 1
    status = read(db, queries.cycle_status, 2025).set_index("unit_name")
    assert status.at["Unit TPN", "tpn_total"] == pytest.approx(96.5)
    assert status.at["Unit TPN", "stage"] == "dievaluasi_tpn"
    results = tmp_path / "tpn.csv"
    results.write_text(f"Unit Kerja;Instansi;Tahun;Nilai TPN;Keputusan\nUnit TPN;{I1};2025;91;WBBM\n",
                       encoding="utf-8")
    ingest_paths([results], db, actor_role="evaluator")
    status = read(db, queries.cycle_status, 2025).set_index("unit_name")
    assert status.at["Unit TPN", "tpn_total"] == pytest.approx(91)  # the results file wins
    assert status.at["Unit TPN", "stage"] == "ditetapkan"


def test_the_data_page_knows_a_roster_and_a_tpn_file_before_loading_them():
    from zi_data.ingest import identify_upload

    assert identify_upload("daftar.csv", b"Unit Kerja;Instansi;Tahun;Target\nA;B;2026;WBK\n")["kind"] == "roster"
    assert identify_upload("tpn.csv", b"Unit Kerja,Instansi,Tahun,Nilai TPN\nA,B,2026,80\n")["kind"] == "tpn"
    unknown = identify_upload("lain.csv", b"Nama;Alamat\nA;B\n")
    assert unknown["kind"] is None and "daftar unit (Unit Kerja, Instansi, Tahun, Target)" in unknown["problem"]


def test_profil_unit_says_where_the_unit_stands_in_the_cycle(db, tmp_path, monkeypatch):
    from tests.test_pages import ROOT, open_page

    tpn = tmp_path / "hasil_tpn_2026.csv"
    tpn.write_text("Unit Kerja;Instansi;Tahun;Nilai TPN;Keputusan;Catatan\n"
                   f"Unit Sempurna;{I1};2026;92,5;WBK;Bukti inovasi lengkap\n"
                   f"Unit IPKP 3,6;{I1};2026;80;Tidak;\n", encoding="utf-8")
    assert ingest_paths([tpn], db, actor_role="evaluator").tpn == 1
    monkeypatch.setenv("ZI_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = open_page("profil_unit")

    def shown(unit: str) -> str:
        at.selectbox(key="f_unit").set_value(unit).run()
        assert not at.exception, [e.message for e in at.exception]
        return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])

    # the roster gives Unit Sempurna the target WBBM; the TPN granted WBK with 92,5 and a note
    text = shown("Unit Sempurna")
    assert "Tahap siklus 2026: **Ditetapkan** · target WBBM · nilai TPN 92,50 · predikat WBK ditetapkan TPN" in text
    assert "Catatan TPN: Bukti inovasi lengkap" in text
    text = shown("Unit IPKP 3,6")
    assert "Tahap siklus 2026: **Tidak ditetapkan**" in text and "nilai TPN 80,00" in text
    assert "ditetapkan TPN" not in text
    # no TPI answers yet, and the deadline (31 May 2026) has passed by the time this runs
    text = shown("Unit Belum TPI")
    late = " · terlambat (batas pengusulan 31 Mei 2026)" if date.today() > date(2026, 5, 31) else ""
    assert f"Tahap siklus 2026: **LKE masuk**{late}" in text
