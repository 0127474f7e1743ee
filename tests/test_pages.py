"""Every page in Streamlit's AppTest: no exception, its elements present, and filters that change the numbers."""

from __future__ import annotations

import io
import zipfile
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
    assert len(recap) == 13 and recap["No"].iloc[0] == "1"
    assert recap["Nilai TPI"].str.contains(",").any() and not recap["Nilai TPI"].str.contains(r"\.").any()
    assert {"Rekapitulasi PDF", "Rekapitulasi Excel"} <= {b.proto.label for b in at.get("download_button")}
    instansi = at.selectbox(key="report_instansi").options[0]
    at.button(key="report_zip").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert len([b for b in at.get("download_button") if b.proto.label.startswith("Unduh ZIP")]) == 1
    names = zipfile.ZipFile(io.BytesIO(at.session_state["report_zip_file"][1])).namelist()
    assert len(names) == (recap["Instansi"] == instansi).sum() and all(n.endswith(".pdf") for n in names)
    set_filter(at, "f_instansi", [instansi])
    assert set(at.dataframe[0].value["Instansi"]) == {instansi}
