"""End to end in a real browser: the app served on a free port, every page opened in headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser import ARGS, ARTIFACTS, CHROMIUM, dashboard, needs_chromium, wait_until_idle

PAGES = {  # url path -> text that must be on the page once it has loaded
    "": ["Ringkasan", "Unit kerja", "Memenuhi WBK (TPI)"],
    "peringkat": ["Peringkat", "Bandingkan unit"],
    "kesenjangan": ["Kesenjangan", "Indikator terlemah"],
    "tren": ["Tren", "Nilai total per tahun"],
    "profil_unit": ["Profil Unit", "Klaim berlebih", "Jawaban per pertanyaan", "Laporan PDF"],
    "survei": ["Survei", "Rata-rata IPAK"],
    "laporan": ["Laporan", "Rekapitulasi", "Laporan semua unit satu instansi"],
    "siklus": ["Siklus", "Unit dan tahapnya", "Usulan ke KemenPANRB", "Kalibrasi TPI dan TPN"],
    "data": ["Data", "Pengajuan", "Ditolak"],
}

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    # no users file: the open mode, whatever a developer has in .streamlit/users.toml
    env = {"ZI_DB": str(demo_db), "ZI_USERS": str(folder / "tidak-ada.toml")}
    with dashboard(env, folder / "streamlit.log", "--browser.gatherUsageStats", "false") as url:
        yield url


def test_every_page_opens_without_error_and_shows_its_numbers(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        for path, texts in PAGES.items():
            page.goto(f"{server}/{path}", timeout=60_000)
            page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=60_000)
            wait_until_idle(page, 800)
            name = path or "ringkasan"
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
            assert page.locator("[data-testid='stException']").count() == 0, f"{name}: an exception is shown"
            body = page.locator("[data-testid='stMain']").inner_text()
            for text in texts:
                assert text in body, f"{name}: '{text}' is missing"
            if path == "":
                values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
                assert values[0] == "13" and "," in values[1]  # units, and a mean total written the Indonesian way
            if path == "peringkat":
                assert page.locator("[data-testid='stDataFrame']").count() >= 1
        # a filter change in the sidebar changes the numbers shown
        page.goto(server, timeout=60_000)
        page.wait_for_selector("[data-testid='stMetricValue']", timeout=60_000)
        page.wait_for_timeout(800)
        before = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
        page.locator("[data-testid='stSidebar']").get_by_text("Unit", exact=True).click()
        wait_until_idle(page, 800)
        after = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
        assert "Rata-rata nilai total (Unit)" in after and before != after
        browser.close()
