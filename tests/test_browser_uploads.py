"""Uploads in a real browser: a workbook that crashed the server (a value at XFD1048576) and one that exhausts a
reader's memory are answered file by file while the server stays up, and uploads beside other sessions that browse
show nobody a traceback, a server path or Streamlit's "Ask Google/ChatGPT" links."""

from __future__ import annotations

import shutil
import urllib.request
import zipfile
from pathlib import Path

import duckdb
import pytest

from tests.browser import ARTIFACTS, dashboard, needs_chromium, wait_until_idle
from tests.helpers import all_best, edition, filled_workbook
from tests.reliability.test_far_cells import FAR, add_to_sheet
from zi_data import catalog

pytestmark = needs_chromium
ROOT = Path(__file__).resolve().parents[1]
# What no visitor may see: a traceback, a path on the server, Streamlit's error box or its links to search engines.
FORBIDDEN = ["Traceback", "File \"", str(ROOT), "/tmp/", "site-packages", "Ask Google", "Ask ChatGPT",
             "This app has encountered an error"]


@pytest.fixture(scope="module")
def setup(demo_db, tmp_path_factory):
    """A copy of the demo database, open mode (everyone may upload), and the data files with a reading worker
    allowed 60 MB: a workbook of 720,000 cells, inside every sheet limit, then needs more than its worker has."""
    folder = tmp_path_factory.mktemp("unggah")
    db = folder / "zi.duckdb"
    shutil.copy(demo_db, db)
    data = folder / "data"
    shutil.copytree(catalog.DATA_DIR, data)
    settings = data / "settings.csv"
    settings.write_text(settings.read_text().replace("worker_memory_mb,1024,", "worker_memory_mb,60,"))
    env = {"ZI_DB": str(db), "ZI_USERS": str(folder / "tidak-ada.toml"), "ZI_DATA_DIR": str(data)}
    return {"folder": folder, "db": db, "env": env}


@pytest.fixture(scope="module")
def server(setup):
    with dashboard(setup["env"], setup["folder"] / "streamlit.log") as url:
        yield url


def heavy_workbook(path: Path) -> Path:
    """4,000 rows x 180 columns of numbers: within the sheet limits, 17 MB of sheet XML, no far cell."""
    from zi_data.readers.excel import col_letter

    letters = [col_letter(i) for i in range(180)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                                  'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                                  "</Relationships>")
        z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
                                      "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Type="http://schemas.'
                                                 'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                                                 'Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b'<worksheet><dimension ref="A1:FX4000"/><sheetData>')
            for r in range(1, 4001):
                f.write(f'<row r="{r}">'.encode() + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in letters).encode()
                        + b"</row>")
            f.write(b"</sheetData></worksheet>")
    return path


def page_text(page) -> str:
    """The page's main part (the sidebar naming the database file in open mode is another matter: issue 17.9)."""
    return page.locator("[data-testid='stMain']").inner_text()


def assert_clean(page, where: str) -> None:
    text = page_text(page)
    for bad in FORBIDDEN:
        assert bad not in text, f"{where}: '{bad}' is shown"
    assert page.locator("[data-testid='stException']").count() == 0, f"{where}: Streamlit's error box"


def up(server: str) -> bool:
    try:
        return urllib.request.urlopen(f"{server}/_stcore/health", timeout=5).status == 200
    except OSError:
        return False


def new_page(chromium, width: int = 1440):
    return chromium.new_context(viewport={"width": width, "height": 2000}).new_page()


def open_data_page(page, server: str) -> None:
    page.goto(f"{server}/data", timeout=60_000)
    page.locator("[data-testid='stMain'] h1").filter(has_text="Data").wait_for(timeout=60_000)
    wait_until_idle(page, 800)


def upload(page, *files: Path) -> None:
    from playwright.sync_api import expect

    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files([str(f) for f in files])
    load = page.get_by_role("button", name="Muat ke basis data")
    expect(load).to_be_enabled(timeout=120_000)  # once every file has reached the server and been identified
    wait_until_idle(page, 800)
    load.click()


def test_the_far_cell_workbook_and_a_memory_hungry_one_cost_only_themselves(setup, server, chromium, tmp_path):
    good = filled_workbook(tmp_path / "2025_Dinas Baik Peramban.xlsx", unit=all_best(edition("2021")),
                           unit_name="Dinas Baik Peramban", instansi="Instansi Uji")
    form = filled_workbook(tmp_path / "dasar.xlsx", unit=all_best(edition("2021")), unit_name="Dinas Jauh Peramban",
                           instansi="Instansi Uji")
    far = add_to_sheet(form, tmp_path / "2025_Dinas Jauh Peramban.xlsx", FAR)
    heavy = heavy_workbook(tmp_path / "2025_Data Besar.xlsx")
    page = new_page(chromium)
    try:
        open_data_page(page, server)
        upload(page, far, heavy, good)
        page.get_by_text("dimuat: Dinas Jauh Peramban (Instansi Uji), tahun 2025").wait_for(timeout=180_000)
        page.get_by_text("dimuat: Dinas Baik Peramban (Instansi Uji), tahun 2025").wait_for(timeout=30_000)
        page.get_by_text("Ditolak: 2025_Data Besar.xlsx").wait_for(timeout=30_000)
        wait_until_idle(page, 1_000)
        (ARTIFACTS / "unggah").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "unggah" / "berkas-berbahaya.png"), full_page=True)
        text = page_text(page)
        assert "memerlukan memori melebihi batas 60 MB" in text or "berhenti mendadak" in text
        assert_clean(page, "after the upload")
        assert up(server)
        # the page still answers: a new visitor opens it
        other = new_page(chromium, 390)
        try:
            open_data_page(other, server)
            assert_clean(other, "a new visitor")
        finally:
            other.context.close()
    finally:
        page.context.close()
    con = duckdb.connect(str(setup["db"]), read_only=True)
    try:
        loaded = {r[0] for r in con.execute("select unit_name from current_submissions where unit_name like "
                                            "'Dinas % Peramban'").fetchall()}
        warned = con.execute("select count(*) from warnings where message like '%XFD1048576%'").fetchone()[0]
        refused = con.execute("select reason from rejects where file_name = '2025_Data Besar.xlsx'").fetchall()
    finally:
        con.close()
    assert loaded == {"Dinas Jauh Peramban", "Dinas Baik Peramban"} and warned == 1
    assert len(refused) == 1


def test_uploads_beside_browsing_sessions_show_nobody_a_traceback(setup, server, chromium, tmp_path):
    viewers = [new_page(chromium), new_page(chromium), new_page(chromium, 390)]
    uploader = new_page(chromium)
    paths = ["", "peringkat", "data", "siklus", "profil_unit", "kesenjangan"]
    try:
        open_data_page(uploader, server)
        for round_ in range(4):
            book = filled_workbook(tmp_path / f"2025_Unit Serentak {round_}.xlsx", unit=all_best(edition("2021")),
                                   unit_name=f"Unit Serentak {round_}", instansi="Instansi Uji")
            from playwright.sync_api import expect

            # the last round's uploader, holding its file, may stay on screen while the page is drawn again
            chooser = uploader.locator("[data-testid='stFileUploader'] input[type='file']")
            expect(chooser).to_have_count(1, timeout=60_000)
            chooser.set_input_files(str(book))
            load = uploader.get_by_role("button", name="Muat ke basis data")
            expect(load).to_be_enabled(timeout=60_000)
            wait_until_idle(uploader, 500)
            load.click()
            for i, viewer in enumerate(viewers):  # the other sessions open pages while the upload runs
                viewer.goto(f"{server}/{paths[(round_ + i) % len(paths)]}", wait_until="commit", timeout=60_000)
            uploader.get_by_text(f"dimuat: Unit Serentak {round_} (Instansi Uji)").wait_for(timeout=120_000)
            for i, viewer in enumerate(viewers):
                viewer.locator("[data-testid='stMain'] h1").first.wait_for(timeout=60_000)
                wait_until_idle(viewer, 800)
                assert_clean(viewer, f"viewer {i}, round {round_}")
            assert_clean(uploader, f"uploader, round {round_}")
        (ARTIFACTS / "unggah").mkdir(parents=True, exist_ok=True)
        uploader.screenshot(path=str(ARTIFACTS / "unggah" / "serentak.png"), full_page=True)
    finally:
        for p in [*viewers, uploader]:
            p.context.close()
    log = (setup["folder"] / "streamlit.log").read_text(errors="replace")
    assert "different configuration" not in log
