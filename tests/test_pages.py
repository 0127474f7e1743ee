"""Every page in Streamlit's AppTest: no exception, its elements present, and filters that change the numbers."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_page(page: str | None = None) -> AppTest:
    """The dashboard run once, then (when given) the page under pages/; no exception on either run."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
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


def shown_unit(at: AppTest) -> str:
    """The unit Profil Unit (or Kesenjangan) shows: its selectbox's choice (a unit_id) as listed."""
    units = at.selectbox(key="f_unit")
    return units.format_func(units.value)


def donut_counts(at: AppTest) -> dict[str, int]:
    """The predicate donut's slices, read from the figure the page sent."""
    for chart in at.get("plotly_chart"):
        trace = json.loads(chart.proto.spec)["data"][0]
        if trace.get("type") == "pie":
            return dict(zip(trace["labels"], trace["values"], strict=True))
    raise AssertionError("no donut")


def test_ringkasan_shows_the_headline_figures_and_follows_the_year(app):
    at = app()
    assert at.title[0].value == "Ringkasan"
    m = metrics(at)
    assert m["Unit kerja"] == "13"  # 12 demo units and the demo's workbook with odd answers (loaded, warned)
    assert set(m) >= {"Predikat WBK (TPI)", "Predikat WBBM (TPI)", "Belum memenuhi (TPI)", "Belum dinilai (TPI)"}
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


@pytest.mark.parametrize("level, label", [("tpi", "TPI"), ("unit", "Unit")])
def test_ringkasan_counts_agree_with_the_donut_and_use_the_chosen_answers(app, level, label):
    at = app()
    set_filter(at, "f_assessor", level)
    m = metrics(at)
    counts = {"WBBM": int(m[f"Predikat WBBM ({label})"]), "WBK": int(m[f"Predikat WBK ({label})"]),
              "Belum memenuhi": int(m[f"Belum memenuhi ({label})"]), "Belum dinilai": int(m[f"Belum dinilai ({label})"])}
    assert donut_counts(at) == {k: v for k, v in counts.items() if v}
    assert sum(counts.values()) == int(m["Unit kerja"])  # every unit in exactly one group (none is partial here)
    if level == "unit":
        assert counts["Belum dinilai"] == 0  # every unit answered its own LKE


def test_ringkasan_movers_list_rises_under_naik_and_falls_under_turun(app):
    at = app()
    set_filter(at, "f_instansi", ["Kementerian Agama"])
    rises, falls = at.dataframe[0].value, at.dataframe[1].value
    assert len(rises) and (rises["change"] > 0).all()
    assert len(falls) and (falls["change"] < 0).all()
    assert not set(rises["unit_label"]) & set(falls["unit_label"])


def test_peringkat_ranks_only_scored_units_and_keeps_the_rank_in_a_search(app):
    at = app("peringkat")
    assert at.title[0].value == "Peringkat"
    table = at.dataframe[0].value
    assert table["total"].notna().all()  # a unit without a TPI score is not ranked
    assert list(table["peringkat"]) == list(range(1, len(table) + 1))
    totals = table["total"].tolist()
    assert totals == sorted(totals, reverse=True)
    unscored = [i.value for i in at.info if "belum dinilai" in i.value]
    assert unscored and str(13 - len(table)) in unscored[0]  # the others are named apart
    set_filter(at, "f_assessor", "unit")
    assert len(at.dataframe[0].value) == 13  # every unit answered its own LKE
    set_filter(at, "f_assessor", "tpi")
    third = table.iloc[2]
    at.text_input(key="rank_search").set_value(third["unit_label"]).run()
    found = at.dataframe[0].value
    assert found["unit_label"].tolist() == [third["unit_label"]] and found["peringkat"].tolist() == [3]
    at.text_input(key="rank_search").set_value("").run()
    at.selectbox(key="rank_metric").set_value("Hasil").run()
    hasil = at.dataframe[0].value["hasil"].tolist()
    assert hasil == sorted(hasil, reverse=True)


def test_peringkat_comparison_survives_a_search_and_another_order(app):
    at = app("peringkat")
    names = at.dataframe[0].value["unit_label"].tolist()
    compare = at.multiselect(key="rank_compare")
    chosen = compare.value  # on first use the three best units, chosen by their keys and listed by their labels
    assert [compare.format_func(u) for u in chosen] == names[:3]
    at.text_input(key="rank_search").set_value(names[0][:5]).run()
    at.selectbox(key="rank_metric").set_value("Pengungkit").run()
    assert at.multiselect(key="rank_compare").value == chosen
    assert at.multiselect(key="rank_compare").placeholder == "Pilih unit"
    at.radio(key="rank_kind").set_value("Radar").run()
    assert not at.exception and charts(at) == 2
    assert len(at.get("download_button")) >= 2


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
    units = at.selectbox(key="f_unit")
    units.select_index(len(units.options) - 1).run()
    assert not at.exception and shown_unit(at) == units.options[-1]


def test_profil_unit_of_a_unit_the_tpi_has_not_assessed_says_so_rather_than_no_overclaim(app, demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:  # a 2026 unit whose file holds no TPI answers
        unit = con.execute("select unit_name from current_submissions where year = 2026 and not has_tpi "
                           "order by unit_name limit 1").fetchone()[0]
    finally:
        con.close()
    at = app("profil_unit")
    at.selectbox(key="f_unit").set_value(unit).run()
    assert not at.exception
    m = metrics(at)
    assert m["Nilai total TPI"] == "–"
    assert m["Klaim berlebih"] == "belum dinilai TPI" and "Pertanyaan diklaim lebih" not in m


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


def test_data_page_lists_files_by_year_instansi_and_unit_with_layouts_in_words_and_empty_columns_last(app):
    at = app("data")
    table = at.dataframe[0]
    subs = table.value
    # newest year first, then instansi, then unit (as a person looks a file up)
    keys = list(zip(-subs["year"], subs["instansi"], subs["unit_name"], strict=True))
    assert keys == sorted(keys)
    # the reader's layouts in words, never its codes
    assert set(subs["layout"]) <= {"Lembar LKE ZI", "Lembar Jawaban"} and set(subs["layout"])
    # a column empty on every row (no workbook states its own total here) comes after every filled one
    order = list(table.proto.column_order)
    empty = [k for k in order if subs[k].isna().all()]
    assert "workbook_total" in empty and order[-len(empty):] == empty
    assert order[:3] == ["unit_name", "year", "instansi"]


# How a raw value shows when a table forgot to format it.
RAW_TEXTS = ("None", "nan", "NaN", "<NA>", "True", "False", "NaT")


def raw_values(at: AppTest) -> set[str]:
    """Cells of every table on the page that show a raw value instead of a word or a dash."""
    found = set()
    for frame in at.dataframe:
        for value in frame.value.astype(str).to_numpy().ravel():
            if value in RAW_TEXTS:
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
    units = shown(at, 1)  # what the table shows
    assert len(units) == 16 and set(units["stage_label"]) >= {"Belum mengirim LKE", "LKE masuk", "Dinilai TPI",
                                                              "Diusulkan"}
    late = date.today() > date(2026, 5, 31)  # the deadline of data/deadlines.csv
    assert (units["late"] == "⚠ Terlambat").any() == late
    assert all("," in v or v == "–" for v in units["tpi_total"])  # two decimals, decimal comma
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
    assert at.dataframe[1].value["stage_label"].tolist() == ["Belum mengirim LKE"] * 3
    at.multiselect(key="cycle_stages").set_value([]).run()
    at.toggle(key="cycle_late").set_value(True).run()
    assert set(at.dataframe[1].value["late"]) <= {"⚠ Terlambat"}
    set_filter(at, "f_instansi", ["Kementerian Agama"])
    assert set(at.dataframe[1].value["instansi"]) <= {"Kementerian Agama"}


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
    at = open_page("siklus")
    at.number_input(key="prop_kuota").set_value(2).run()
    at.button(key="prop_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Usulan nomor 2 disimpan" in s.value for s in at.success)
    assert metrics(at)["Diusulkan"] == "2"


def test_an_empty_database_says_how_to_get_data(tmp_path, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(tmp_path / "kosong.duckdb"))
    monkeypatch.chdir(ROOT)
    at = open_page()
    assert "Belum ada data" in at.info[0].value


def test_profil_unit_offers_the_units_report_in_three_formats(app):
    at = app("profil_unit")
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Laporan PDF", "Laporan Word", "Laporan Excel"} <= set(labels)


def test_laporan_shows_the_recap_and_zips_every_report_of_an_instansi(app):
    at = app("laporan")
    assert at.title[0].value == "Laporan"
    recap = shown(at, 0)  # the recap's columns by their keys, as the table shows them
    # 13 units sent a workbook; the demo's roster names a few more that never did, listed with their stage
    sent = recap[recap["stage"] != "Belum mengirim LKE"]
    assert len(sent) == 13 and len(recap) > 13 and recap["no"].iloc[0] == "1"
    assert recap["score_tpi"].str.contains(",").any() and not recap["score_tpi"].str.contains(r"\.").any()
    assert {"Rekapitulasi PDF", "Rekapitulasi Excel"} <= {b.proto.label for b in at.get("download_button")}
    instansi = at.selectbox(key="report_instansi").options[0]
    at.button(key="report_zip").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert len([b for b in at.get("download_button") if b.proto.label.startswith("Unduh ZIP")]) == 1
    names = zipfile.ZipFile(io.BytesIO(at.session_state["report_zip_file"][1])).namelist()
    assert len(names) == (sent["instansi"] == instansi).sum() and all(n.endswith(".pdf") for n in names)
    set_filter(at, "f_instansi", [instansi])
    assert set(at.dataframe[0].value["instansi"]) == {instansi}


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
    from tests.reliability.test_access import attempt
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
        at = attempt(open_page(), user, password)
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


def shown(at: AppTest, index: int) -> pd.DataFrame:
    """What a table shows: the display values the page sent with it (its Styler), as text."""
    import pyarrow as pa

    return pa.ipc.open_stream(at.dataframe[index].proto.arrow_data.styler.display_values).read_pandas()


@pytest.mark.parametrize("page, index, columns", [
    ("peringkat", 0, ["total", "pengungkit", "hasil", "change"]),
    ("survei", 0, ["ipak", "ipkp", "total"]),
    ("kesenjangan", 1, ["gain", "score", "weight"]),
    ("profil_unit", 0, ["overclaim"]),
])
def test_tables_show_numbers_with_a_decimal_comma_and_two_decimals(app, page, index, columns):
    at = app(page)
    table = shown(at, index)
    for col in columns:
        values = [v for v in table[col].astype(str) if v != "–"]
        assert values and all(re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})*,\d{2}", v) for v in values), (col, values[:5])
    texts = table.astype(str).to_numpy().ravel()
    assert not [t for t in texts if t in RAW_TEXTS]


@pytest.fixture(scope="module")
def partial_db(tmp_path_factory):
    """Two complete units and one partial file loaded on request, all for 2025, unit and TPI answers."""
    from tests.helpers import drop_reform_pengawasan
    from tests.test_reading_shapes import ED, tpi_answers, unit_answers
    from zi_data.ingest import ingest_paths
    from zi_data.lke_writer import write_lke_zi

    root = tmp_path_factory.mktemp("sebagian")
    files = [write_lke_zi(root / "in" / f"2025_{name}.xlsx", ED, name, "Instansi Uji", 2025, unit_answers(),
                          levels={"Jawaban TPI": tpi_answers()}, unit_label="Jawaban Unit")
             for name in ("Utuh Satu", "Utuh Dua", "Sebagian")]
    drop_reform_pengawasan(files[2])
    db = root / "zi.duckdb"
    ingest_paths(files, db, allow_partial=True, actor_role="evaluator")
    return db


def test_a_partial_file_is_marked_and_kept_apart_on_every_page(partial_db, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(partial_db))
    monkeypatch.chdir(ROOT)
    page = open_page

    def warned(at: AppTest) -> bool:
        return any("perlu diperiksa" in w.value and "Sebagian" in w.value for w in at.warning)

    at = page()
    m = metrics(at)
    assert m["Unit kerja"] == "3" and warned(at)
    # the two complete units alone: 96,25 each (TPI), in the groups and the mean
    assert m["Rata-rata nilai total (TPI)"] == "96,25"
    assert sum(donut_counts(at).values()) == 2
    at = page("peringkat")
    assert at.dataframe[0].value["unit_label"].tolist() == ["Utuh Dua", "Utuh Satu"] and warned(at)
    at = page("kesenjangan")
    assert warned(at) and "Sebagian · perlu diperiksa" in at.selectbox(key="f_unit").options
    at = page("profil_unit")
    units = at.selectbox(key="f_unit")
    units.select_index(units.options.index("Sebagian · perlu diperiksa")).run()
    assert any("Perlu diperiksa" in w.value for w in at.warning)
    at = page("survei")
    assert warned(at)


def test_an_address_with_a_view_opens_it_and_the_address_follows_the_filters(demo_db, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update(tahun="2025", jawaban="unit", instansi="Kementerian Agama")
    at.run()
    assert not at.exception
    assert at.caption[0].value == "Tahun 2025 · Kementerian Agama · jawaban Unit"
    assert "Rata-rata nilai total (Unit)" in metrics(at)
    assert (at.query_params["tahun"], at.query_params["jawaban"]) == ("2025", "unit")
    set_filter(at, "f_year", 2024)
    assert at.query_params["tahun"] == "2024" and at.query_params["instansi"] == "Kementerian Agama"


def test_an_address_value_the_data_do_not_have_falls_back_and_is_said(demo_db, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update(tahun="1999", jawaban="tpi")
    at.run()
    assert not at.exception
    assert at.caption[0].value.startswith("Tahun 2026 ·")
    assert any("(tahun) diganti pilihan awal" in c.value for c in at.sidebar.caption)


TWINS = ["Dinas Kesehatan (Kabupaten Dua)", "Dinas Kesehatan (Kabupaten Satu)"]


def plotted(values) -> list:
    """A trace's values as sent to the browser: a list, or Plotly's typed array (base64 bytes and their dtype)."""
    if isinstance(values, dict):
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


@pytest.fixture(scope="module")
def twin_db(tmp_path_factory):
    """Two units named "Dinas Kesehatan" in two instansi, 2024 and 2025, with unit and TPI answers."""
    from tests.test_reading_shapes import ED, tpi_answers, unit_answers
    from zi_data.ingest import ingest_paths
    from zi_data.lke_writer import write_lke_zi

    root = tmp_path_factory.mktemp("kembar")
    files = [write_lke_zi(root / "in" / instansi / f"{year}_Dinas Kesehatan.xlsx", ED, "Dinas Kesehatan", instansi,
                          year, unit_answers(), levels={"Jawaban TPI": tpi_answers()}, unit_label="Jawaban Unit")
             for instansi in ("Kabupaten Satu", "Kabupaten Dua") for year in (2024, 2025)]
    db = root / "zi.duckdb"
    ingest_paths(files, db, actor_role="evaluator")
    return db


def test_tren_keeps_two_units_of_the_same_name_apart(twin_db, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(twin_db))
    monkeypatch.chdir(ROOT)
    at = open_page("tren")
    units = at.multiselect(key="trend_units")
    assert units.options == TWINS and sorted(units.format_func(u) for u in units.value) == TWINS
    lines = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert sorted(t["name"] for t in lines) == TWINS  # two lines, not one line for both
    assert all(plotted(t["x"]) == [2024, 2025] for t in lines)  # both years of each, none dropped as a duplicate


def test_opening_a_just_loaded_unit_shows_that_unit_when_another_has_its_name(twin_db, monkeypatch):
    from zi_data import queries

    monkeypatch.setenv("ZI_DB", str(twin_db))
    monkeypatch.chdir(ROOT)
    con = queries.connect(twin_db)
    try:
        subs = queries.submissions(con)
    finally:
        con.close()
    # the unit whose label sorts second: a fallback to the first unit of the list would show the other one
    sid = subs.loc[(subs["instansi"] == "Kabupaten Satu") & (subs["year"] == 2025), "submission_id"].iloc[0]
    at = open_page("data")
    at.session_state["upload_results"] = [("2025_Dinas Kesehatan.xlsx", [], 1, 0, False, [sid], 0, 0)]
    at.run()
    at.button(key=f"open_0_{sid}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Profil Unit"
    assert shown_unit(at) == "Dinas Kesehatan (Kabupaten Satu)"
    assert at.caption[0].value.startswith("Kabupaten Satu · tahun 2025")
