"""Units are chosen and linked by their key (unit_id), never by the text they show: a unit named like another unit's
label opens its own profile only, from the list, a just-loaded file's button or an address."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import edition, filled_workbook, perfect
from tests.test_pages import ROOT, metrics, open_page, shown_unit
from zi_data import names, queries
from zi_data.ingest import ingest_paths

HOST = "Pemerintah Kota Harapan Jaya"
OTHER = "Kabupaten Lain"
MIMIC = f"Dinas Kesehatan ({HOST})"  # a unit of OTHER named like HOST's "Dinas Kesehatan" is listed


@pytest.fixture(scope="module")
def mimic_db(tmp_path_factory):
    """2026: "Dinas Kesehatan" of HOST and of OTHER, both assessed by the TPI (every answer the best: 100), and
    OTHER's unit named MIMIC, which only assessed itself (100) and has no TPI answers."""
    ed = edition()
    root = tmp_path_factory.mktemp("mirip")
    files = [filled_workbook(root / "in" / "host.xlsx", unit=perfect(ed), tpi=perfect(ed), unit_name="Dinas Kesehatan",
                             instansi=HOST, year=2026),
             filled_workbook(root / "in" / "other.xlsx", unit=perfect(ed), tpi=perfect(ed),
                             unit_name="Dinas Kesehatan", instansi=OTHER, year=2026),
             filled_workbook(root / "in" / "mimic.xlsx", unit=perfect(ed), unit_name=MIMIC, instansi=OTHER, year=2026)]
    db = root / "zi.duckdb"
    assert ingest_paths(files, db, actor_role="evaluator").loaded == 3
    return db


@pytest.fixture
def app(mimic_db, monkeypatch):
    monkeypatch.setenv("ZI_DB", str(mimic_db))
    monkeypatch.chdir(ROOT)


def profile(at: AppTest) -> tuple[str, str, str]:
    """What Profil Unit shows of its unit: the name as listed, the caption's instansi, the TPI total."""
    return shown_unit(at), at.caption[0].value.split(" · ")[0], metrics(at)["Nilai total TPI"]


def choose(at: AppTest, label: str) -> None:
    units = at.selectbox(key="f_unit")
    units.select_index(units.options.index(label)).run()
    assert not at.exception, [e.message for e in at.exception]


def test_the_look_alike_unit_is_listed_apart_and_opens_its_own_profile(app):
    at = open_page("profil_unit")
    assert at.selectbox(key="f_unit").options == [f"Dinas Kesehatan ({OTHER})", f"{MIMIC} — {OTHER}",
                                                   f"Dinas Kesehatan — {HOST}"]
    choose(at, f"{MIMIC} — {OTHER}")
    assert profile(at) == (f"{MIMIC} — {OTHER}", OTHER, "–")  # no TPI answers: never the other unit's 100,00
    choose(at, f"Dinas Kesehatan — {HOST}")
    assert profile(at) == (f"Dinas Kesehatan — {HOST}", HOST, "100,00")


def test_a_just_loaded_look_alike_opens_its_own_profile(app, mimic_db):
    con = queries.connect(mimic_db)
    try:
        sid = con.execute("select submission_id from stg_submissions where file_name = 'mimic.xlsx'").fetchone()[0]
    finally:
        con.close()
    at = open_page("data")
    at.session_state["upload_results"] = [("mimic.xlsx", [], 1, 0, False, [sid], 0, 0)]
    at.run()
    at.button(key=f"open_0_{sid}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Profil Unit"
    assert profile(at) == (f"{MIMIC} — {OTHER}", OTHER, "–")


def address(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update(params)
    at.run()
    at.switch_page("pages/profil_unit.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_an_address_names_the_unit_by_its_key(app):
    at = address({"tahun": "2026", "unit": names.unit_id(MIMIC, OTHER)})
    assert profile(at) == (f"{MIMIC} — {OTHER}", OTHER, "–")
    assert at.query_params["unit"] == names.unit_id(MIMIC, OTHER)


def test_an_older_address_by_name_opens_the_one_unit_of_that_name_and_never_guesses_between_two(app):
    at = address({"tahun": "2026", "unit": f"Dinas Kesehatan ({OTHER})"})  # a label as links had it
    assert profile(at)[:2] == (f"Dinas Kesehatan ({OTHER})", OTHER)
    assert at.query_params["unit"] == names.unit_id("Dinas Kesehatan", OTHER)
    # HOST's unit was listed under this label, and MIMIC is this name: which one was meant cannot be told
    at = address({"tahun": "2026", "unit": MIMIC})
    assert any("tetapi 2 unit bernama demikian" in c.value for c in at.caption)
