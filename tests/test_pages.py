"""Every page in Streamlit's AppTest: no exception, its elements present, and filters that change the numbers."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(demo_db))
    monkeypatch.chdir(ROOT)

    def open_page(page: str | None = None) -> AppTest:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.run()
        if page:
            at.switch_page(f"pages/{page}.py")
            at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return open_page


def set_filter(at: AppTest, key: str, value) -> None:
    """Change a sidebar filter by its widget key. (AppTest drops the sidebar's elements on reruns of pages
    kept in pages/, though the browser keeps them, so the widget itself cannot be reached twice.)"""
    at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def test_ringkasan_shows_the_headline_figures_and_follows_the_year(app):
    at = app()
    assert at.title[0].value == "Ringkasan"
    m = metrics(at)
    assert m["Unit kerja"] == "13"  # 12 demo units and the demo's workbook with odd answers (loaded, warned)
    assert set(m) >= {"Memenuhi WBK (TPI)", "Memenuhi WBBM (TPI)", "Belum dinilai TPI"}
    assert charts(at) == 3
    before = m["Rata-rata nilai total (TPI)"]
    assert at.sidebar.selectbox(key="f_year").options == ["2026", "2025", "2024"]
    set_filter(at, "f_year", 2024)
    assert metrics(at)["Rata-rata nilai total (TPI)"] != before
    assert metrics(at)["Unit kerja"] == "12"
    set_filter(at, "f_assessor", "unit")
    assert "Rata-rata nilai total (Unit)" in metrics(at)
    set_filter(at, "f_instansi", ["Kementerian Agama"])
    assert int(metrics(at)["Unit kerja"]) < 12


def test_peringkat_ranks_searches_and_compares(app):
    at = app("peringkat")
    assert at.title[0].value == "Peringkat"
    table = at.dataframe[0].value
    assert len(table) == 13 and list(table["peringkat"]) == list(range(1, 14))
    totals = table["total"].dropna().tolist()
    assert totals == sorted(totals, reverse=True)
    set_filter(at, "f_assessor", "unit")
    assert at.dataframe[0].value["total"].tolist() != table["total"].tolist()
    first = table["unit_name"].iloc[0]
    at.text_input(key="rank_search").set_value(first[:6]).run()
    assert all(first[:6].lower() in n.lower() for n in at.dataframe[0].value["unit_name"])
    at.text_input(key="rank_search").set_value("").run()
    at.selectbox(key="rank_metric").set_value("Hasil").run()
    hasil = at.dataframe[0].value["hasil"].dropna().tolist()
    assert hasil == sorted(hasil, reverse=True)
    names = at.dataframe[0].value["unit_name"].tolist()
    at.multiselect(key="rank_compare").set_value(names[:3]).run()
    at.radio(key="rank_kind").set_value("Radar").run()
    assert not at.exception and charts(at) == 2
    assert len(at.get("download_button")) >= 2


def test_kesenjangan_shows_heatmap_weakest_and_one_units_gaps(app):
    at = app("kesenjangan")
    assert at.title[0].value == "Kesenjangan"
    assert charts(at) == 3
    gaps = at.dataframe[1].value
    assert list(gaps["gain"]) == sorted(gaps["gain"], reverse=True)
    units = at.selectbox(key="gap_unit").options
    at.selectbox(key="gap_unit").set_value(units[-1]).run()
    assert not at.exception
    assert at.dataframe[1].value["gain"].tolist() != gaps["gain"].tolist()


def test_tren_per_unit_instansi_and_area(app):
    at = app("tren")
    assert at.title[0].value == "Tren"
    assert charts(at) >= 1
    for choice in ("Instansi", "Area"):
        at.radio(key="trend_by").set_value(choice).run()
        assert not at.exception and charts(at) == 1


def test_profil_unit_compares_unit_and_tpi_and_highlights_overclaims(app):
    at = app("profil_unit")
    assert at.title[0].value == "Profil Unit"
    m = metrics(at)
    assert m["Nilai total TPI"] != "–"  # opens on a unit the TPI has assessed
    assert "Klaim berlebih" in m
    table = at.dataframe[0].value
    assert {"answer_unit", "answer_tpi", "note_unit", "evidence_unit"} <= set(table.columns)
    at.toggle(key="profile_only_over").set_value(True).run()
    assert len(at.dataframe[0].value) == int(metrics(at)["Pertanyaan diklaim lebih"])
    names = at.selectbox(key="profile_unit").options
    at.selectbox(key="profile_unit").set_value(names[-1]).run()
    assert not at.exception


def test_survei_shows_indices_beside_scores(app):
    at = app("survei")
    assert at.title[0].value == "Survei"
    assert charts(at) == 2
    table = at.dataframe[0].value
    assert table["ipak"].dropna().between(0, 4).all()
    before = metrics(at)["Rata-rata IPAK"]
    set_filter(at, "f_year", 2024)
    assert metrics(at)["Rata-rata IPAK"] != before


def test_data_page_lists_submissions_rejects_and_warnings(app):
    at = app("data")
    assert at.title[0].value == "Data"
    subs, rejects, warnings = at.dataframe[0].value, at.dataframe[1].value, at.dataframe[2].value
    assert len(subs) >= 36  # 12 units x 3 years, plus revisions
    assert len(rejects) >= 2  # the demo's corrupt file and the file without identity
    assert any("identitas tidak lengkap" in r for r in rejects["reason"])
    assert len(warnings) >= 1


def raw_values(at: AppTest) -> set[str]:
    """Cells of every table on the page that show a raw value instead of a word or a dash."""
    found = set()
    for frame in at.dataframe:
        for value in frame.value.astype(str).to_numpy().ravel():
            if value in ("None", "nan", "NaN", "<NA>", "True", "False", "NaT"):
                found.add(value)
    return found


def test_siklus_shows_the_stages_the_proposal_and_the_calibration(app):
    at = app("siklus")
    assert at.title[0].value == "Siklus"
    m = metrics(at)
    # 2026: 12 demo units, the demo's workbook with odd answers (not on the roster), 3 roster units that never send
    assert m["Unit dalam siklus"] == "16" and m["Belum mengirim LKE"] == "3"
    assert m["Diusulkan"] == "1"  # the demo's saved proposal: a quota of 1
    assert charts(at) == 3  # the funnel, TPI against TPN, the areas the TPN marks down
    units = at.dataframe[1].value
    assert len(units) == 16 and set(units["Tahap"]) >= {"Belum mengirim LKE", "LKE masuk", "Dinilai TPI", "Diusulkan"}
    late = date.today() > date(2026, 5, 31)  # the deadline of data/deadlines.csv
    assert (units["Terlambat"] == "⚠ Terlambat").any() == late
    assert all("," in v or v == "–" for v in units["Nilai TPI"])  # two decimals, decimal comma
    # the proposal opens on the quota saved last: one proposed, one in reserve
    assert (metrics(at)["Kandidat"], metrics(at)["Dalam kuota"], metrics(at)["Cadangan"]) == ("2", "1", "1")
    assert len(at.get("download_button")) >= 4
    # calibration opens on the latest year with TPN results (2025): four units, one without a decision yet
    assert at.selectbox(key="calib_year").value == 2025
    assert metrics(at)["Unit dengan nilai TPI dan TPN"] == "4"
    at.selectbox(key="calib_year").set_value(2024).run()
    assert metrics(at)["TPI memenuhi, TPN tidak"] == "1"
    assert not raw_values(at)


def test_siklus_filters_by_stage_and_lateness(app):
    at = app("siklus")
    at.multiselect(key="cycle_stages").set_value(["Belum mengirim LKE"]).run()
    assert at.dataframe[1].value["Tahap"].tolist() == ["Belum mengirim LKE"] * 3
    at.multiselect(key="cycle_stages").set_value([]).run()
    at.toggle(key="cycle_late").set_value(True).run()
    shown = at.dataframe[1].value
    assert set(shown["Terlambat"]) <= {"⚠ Terlambat"}
    set_filter(at, "f_instansi", ["Kementerian Agama"])
    assert set(at.dataframe[1].value["Instansi"]) <= {"Kementerian Agama"}


def test_siklus_quota_and_predicate_change_the_proposal(app):
    at = app("siklus")
    at.number_input(key="prop_kuota").set_value(0).run()
    assert (metrics(at)["Dalam kuota"], metrics(at)["Cadangan"]) == ("0", "2")
    at.radio(key="prop_predikat").set_value("WBBM").run()
    assert not at.exception
    assert metrics(at)["Belum memenuhi WBBM"] != "0"


def test_saving_a_proposal_on_the_siklus_page_moves_units_to_diusulkan(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "zi.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("ZI_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/siklus.py")
    at.run()
    at.number_input(key="prop_kuota").set_value(2).run()
    at.button(key="prop_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Usulan nomor 2 disimpan" in s.value for s in at.success)
    assert metrics(at)["Diusulkan"] == "2"


def test_an_empty_database_says_how_to_get_data(tmp_path, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(tmp_path / "kosong.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "Belum ada data" in at.info[0].value


def test_profil_unit_offers_the_units_report_in_three_formats(app):
    at = app("profil_unit")
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Laporan PDF", "Laporan Word", "Laporan Excel"} <= set(labels)


def test_laporan_shows_the_recap_and_zips_every_report_of_an_instansi(app):
    at = app("laporan")
    assert at.title[0].value == "Laporan"
    recap = at.dataframe[0].value
    # 13 units sent a workbook; the demo's roster names a few more that never did, listed with their stage
    sent = recap[recap["Tahap"] != "Belum mengirim LKE"]
    assert len(sent) == 13 and len(recap) > 13 and recap["No"].iloc[0] == "1"
    assert recap["Nilai TPI"].str.contains(",").any() and not recap["Nilai TPI"].str.contains(r"\.").any()
    assert {"Rekapitulasi PDF", "Rekapitulasi Excel"} <= {b.proto.label for b in at.get("download_button")}
    instansi = at.selectbox(key="report_instansi").options[0]
    at.button(key="report_zip").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert len([b for b in at.get("download_button") if b.proto.label.startswith("Unduh ZIP")]) == 1
    names = zipfile.ZipFile(io.BytesIO(at.session_state["report_zip_file"][1])).namelist()
    assert len(names) == (sent["Instansi"] == instansi).sum() and all(n.endswith(".pdf") for n in names)
    set_filter(at, "f_instansi", [instansi])
    assert set(at.dataframe[0].value["Instansi"]) == {instansi}


PAGE_FILES = ["ringkasan", "peringkat", "kesenjangan", "tren", "profil_unit", "survei", "siklus", "data"]


def test_a_year_with_only_a_roster_is_offered_and_every_page_opens_on_it(demo_db, tmp_path, monkeypatch):
    from zi_data.ingest import ingest_paths

    db = tmp_path / "zi.duckdb"
    shutil.copy(demo_db, db)
    roster = tmp_path / "daftar_unit_2027.csv"
    roster.write_text("Unit Kerja;Instansi;Tahun;Target\nDinas Baru;Pemerintah Kota Harapan Jaya;2027;WBK\n",
                      encoding="utf-8")
    assert ingest_paths([roster], db, actor_role="evaluator").rosters == 1
    monkeypatch.setenv("ZI_DB", str(db))
    monkeypatch.chdir(ROOT)
    for page in PAGE_FILES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.run()
        assert at.sidebar.selectbox(key="f_year").options[0] == "2027"  # the cycle starts before any workbook
        at.session_state["f_year"] = 2027
        if page != "ringkasan":
            at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, (page, [e.message for e in at.exception])
        if page == "siklus":
            assert metrics(at)["Belum mengirim LKE"] == "1"


def test_only_an_evaluator_or_admin_can_save_a_proposal_and_the_saver_is_recorded(demo_db, tmp_path, monkeypatch):
    from zi_data import access, queries

    users = tmp_path / "users.toml"
    access.add_user(users, "pembaca", "sandi-pembaca-1", "viewer", name="Pembaca", actor_role="admin")
    access.add_user(users, "tpi", "sandi-evaluator-1", "evaluator", name="Tim TPI", actor_role="admin")
    db = tmp_path / "zi.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("ZI_DB", str(db))
    monkeypatch.setenv("ZI_USERS", str(users))
    monkeypatch.chdir(ROOT)
    for user, password, may in (("pembaca", "sandi-pembaca-1", False), ("tpi", "sandi-evaluator-1", True)):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.run()
        at.text_input(key="login_user").set_value(user)
        at.text_input(key="login_password").set_value(password)
        at.button[0].click().run()
        at.switch_page("pages/siklus.py").run()
        assert not at.exception, [e.message for e in at.exception]
        assert any(b.key == "prop_save" for b in at.button) == may, user
        if may:
            at.button(key="prop_save").click().run()
        else:
            assert any("hanya untuk peran Evaluator" in c.value for c in at.caption)
    con = queries.connect(db)
    try:
        assert queries.saved_proposals(con, 2026)["saved_by"].tolist() == ["Tim TPI", "Inspektorat (contoh)"]
    finally:
        con.close()
