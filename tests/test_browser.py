"""End to end in a real browser: the app served on a free port, every page opened in headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).exists()), None)
# Flags this machine needs: its closed network refuses Chromium's background connections.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = {  # url path -> text that must be on the page once it has loaded
    "": ["Ringkasan", "Unit kerja", "Memenuhi WBK (TPI)"],
    "peringkat": ["Peringkat", "Bandingkan unit"],
    "kesenjangan": ["Kesenjangan", "Indikator terlemah"],
    "tren": ["Tren", "Nilai total per tahun"],
    "profil_unit": ["Profil Unit", "Klaim berlebih", "Jawaban per pertanyaan"],
    "survei": ["Survei", "Rata-rata IPAK"],
    "siklus": ["Siklus", "Unit dan tahapnya", "Usulan ke KemenPANRB", "Kalibrasi TPI dan TPN"],
    "data": ["Data", "Pengajuan", "Ditolak"],
}

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine "
                                                                                "(make test installs it)")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db):
    port = free_port()
    env = dict(os.environ, ZI_DB=str(demo_db))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("Streamlit did not start within 60 s: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_every_page_opens_without_error_and_shows_its_numbers(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        for path, texts in PAGES.items():
            page.goto(f"{server}/{path}", timeout=60_000)
            page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=60_000)
            # wait until the script has finished running (the status widget disappears)
            page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
            page.wait_for_timeout(800)
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
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.wait_for_timeout(800)
        after = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
        assert "Rata-rata nilai total (Unit)" in after and before != after
        browser.close()
