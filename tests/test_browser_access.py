"""Access from the outside: a fresh browser on a freshly started server, every address, before and after sign-in.

Before sign-in no address may show (or even send to the browser) a unit name, a score or a page title, and
Streamlit's list of the scripts under pages/ must never appear. No request may leave for another host.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest

from tests.browser import ARTIFACTS, dashboard, needs_chromium, wait_until_idle
from tests.helpers import edition, filled_workbook, perfect
from zi_data import access

pytestmark = needs_chromium

PASSWORDS = {"pembaca": "sandi-pembaca-peramban", "tpi": "sandi-tpi-peramban", "admin": "sandi-admin-peramban"}
ROLES = {"pembaca": "viewer", "tpi": "evaluator", "admin": "admin"}
PAGE_TITLES = ["Ringkasan", "Peringkat", "Kesenjangan", "Tren", "Profil Unit", "Siklus", "Survei", "Laporan", "Data"]
SCRIPTS = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "pages").glob("*.py"))
# Every address a visitor could try: the pages, every file name under pages/ (with and without .py), the entry
# script, the shared modules' names (ui/), unknown paths (/common: the helper module ui/ replaced), and query
# strings (embed mode hides the sidebar, the gate must hold).
ADDRESSES = ["", *SCRIPTS, "dashboard", "data.py", "router", "signin.py", "common.py", "tidak-ada", "admin",
             "peringkat?unit=KPP%20Madya%20Sejahtera", "profil_unit?embed=true", "?page=data",
             "data?embed=true&embed_options=show_toolbar", "common?tahun=2026", "ringkasan/", "Peringkat"]
# Under a deeper path Streamlit's page loads but never connects to the app: it stays blank.
NESTED = ["pages/data", "pages/common.py", "pages/peringkat?embed=true", "ui/router.py"]
SCORE = re.compile(r"\d+[,.]\d+")


@pytest.fixture(scope="module")
def setup(demo_db, tmp_path_factory):
    """A copy of the demo database (the evaluator uploads into it), a users file, the names not to be shown."""
    folder = tmp_path_factory.mktemp("akses")
    db = folder / "zi.duckdb"
    shutil.copy(demo_db, db)
    users = folder / "users.toml"
    for name, role in ROLES.items():
        access.add_user(users, name, PASSWORDS[name], role, name=name.title(), actor_role="admin")
    con = duckdb.connect(str(db), read_only=True)
    try:
        units = [r[0] for r in con.execute("select unit_name from stg_units").fetchall()]
        instansi = sorted({r[0] for r in con.execute("select instansi from stg_units").fetchall()})
    finally:
        con.close()
    env = {"ZI_DB": str(db), "ZI_USERS": str(users)}
    return {"folder": folder, "env": env, "users": users, "secret": units + instansi, "db": db}


class Visit:
    """A fresh browser context that records every request, refuses those to other hosts, and keeps what the
    server sent over the WebSocket."""

    def __init__(self, browser, server: str, width: int = 1440):
        self.own = urlparse(server).netloc
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.frames: list[bytes] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _route(self, route):
        url = urlparse(route.request.url)
        if url.scheme in ("data", "blob") or url.netloc == self.own:
            route.continue_()
        else:  # as on a closed network; recorded so the test names it
            self.foreign.append(route.request.url)
            route.abort()

    def _frame(self, payload) -> None:
        self.frames.append(payload if isinstance(payload, bytes) else payload.encode())

    def sent(self) -> str:
        return b"".join(self.frames).decode("utf-8", errors="replace")

    def close(self) -> None:
        self.context.close()


def open_signed_out(visit: Visit, server: str, path: str) -> str:
    """Open `path` and wait for the sign-in form; the whole page's text."""
    visit.page.goto(f"{server}/{path}", timeout=60_000)
    visit.page.get_by_label("Nama pengguna").wait_for(timeout=30_000)
    wait_until_idle(visit.page)
    return visit.page.locator("body").inner_text()


def assert_only_the_sign_in_form(visit: Visit, text: str, secret: list[str], where: str) -> None:
    page = visit.page
    sent = visit.sent()
    for name in secret:
        assert name not in text and name not in sent, f"{where}: '{name}' reached the browser before sign-in"
    for title in [*PAGE_TITLES, *SCRIPTS, "dashboard", "profil unit"]:
        assert not re.search(rf"\b{re.escape(title)}\b", text, re.IGNORECASE), f"{where}: '{title}' is shown"
    assert not SCORE.search(text), f"{where}: a number is shown: {SCORE.search(text).group()}"
    assert page.title() == "ZI Monitor", f"{where}: tab title {page.title()!r}"
    for testid in ("stSidebarNav", "stSidebarNavItems", "stPageLink", "stMetric", "stDataFrame", "stPlotlyChart",
                   "stFileUploader", "stException"):
        assert page.locator(f"[data-testid='{testid}']").count() == 0, f"{where}: {testid} is shown"
    assert page.get_by_role("button", name="Masuk").count() == 1
    assert visit.foreign == [], f"{where}: requests to other hosts: {visit.foreign}"
    assert visit.failed == [], f"{where}: failed requests: {visit.failed}"


def sign_in(visit: Visit, user: str) -> None:
    page = visit.page
    page.get_by_label("Nama pengguna").fill(user)
    page.get_by_label("Kata sandi").fill(PASSWORDS[user])
    page.get_by_role("button", name="Masuk").click()
    page.locator("[data-testid='stSidebar']").get_by_text("Keluar").wait_for(timeout=30_000)
    wait_until_idle(page)


def data_page_rendered(page) -> None:
    """Until the Data page has drawn its lists (the upload section comes before them, the admin's delete
    section right after), and its run has ended: only then may a missing element count as absent."""
    page.locator("[data-testid='stMain'] h1").filter(has_text="Data").wait_for(timeout=30_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
    wait_until_idle(page, 1_500)


def shot(visit: Visit, name: str) -> None:
    (ARTIFACTS / "akses").mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(ARTIFACTS / "akses" / f"{name}.png"))


@pytest.mark.parametrize("first", ["peringkat", "common", "profil_unit?embed=true"])
def test_on_a_fresh_server_the_first_address_shows_only_the_sign_in_form(first, setup, chromium):
    """The first request a new server gets decides Streamlit's multipage mode: here it is never the home page."""
    log = setup["folder"] / f"first-{first.split('?')[0]}.log"
    with dashboard(setup["env"], log) as server:
        visit = Visit(chromium, server)
        try:
            text = open_signed_out(visit, server, first)
            shot(visit, f"pertama-{first.split('?')[0]}")
            assert_only_the_sign_in_form(visit, text, setup["secret"], f"first visit /{first}")
            if first == "peringkat":  # after signing in, the address asked for is the page shown
                sign_in(visit, "pembaca")
                visit.page.locator("[data-testid='stMain'] h1").filter(has_text="Peringkat").wait_for(timeout=30_000)
                wait_until_idle(visit.page)
                # the page asked for, now with the view in its address (?tahun=...&jawaban=...)
                assert urlparse(visit.page.url).path.endswith("/peringkat")
                links = visit.page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']").all_inner_texts()
                assert [re.sub(r"^\w+\n", "", t).strip() for t in links] == PAGE_TITLES
                assert visit.page.locator("[data-testid='stSidebarNav']").count() == 0  # Streamlit's script list
                assert visit.foreign == [] and visit.failed == []
        finally:
            visit.close()


def test_a_page_left_open_signs_itself_out_when_idle(setup, chromium):
    env = dict(setup["env"], ZI_IDLE_MINUTES="0.2")  # 12 seconds: enough to see the page on a busy machine
    with dashboard(env, setup["folder"] / "idle.log") as server:
        visit = Visit(chromium, server)
        try:
            open_signed_out(visit, server, "peringkat")
            sign_in(visit, "pembaca")
            visit.page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=10_000)  # the ranking
            # no click from here on: the page clears itself
            visit.page.get_by_text("Sesi berakhir karena tidak ada aktivitas selama 12 detik").wait_for(timeout=60_000)
            wait_until_idle(visit.page)
            shot(visit, "sesi-berakhir")
            text = visit.page.locator("body").inner_text()
            visit.frames.clear()  # what was sent while signed in is not the question here
            assert_only_the_sign_in_form(visit, text, setup["secret"], "after the idle time")
        finally:
            visit.close()


@pytest.fixture(scope="module")
def server(setup):
    with dashboard(setup["env"], setup["folder"] / "streamlit.log", "--logger.level", "debug") as url:
        yield url


def test_every_address_shows_only_the_sign_in_form_before_sign_in(setup, chromium, server):
    for path in ADDRESSES:
        visit = Visit(chromium, server)
        try:
            text = open_signed_out(visit, server, path)
            shot(visit, "keluar-" + (re.sub(r"[^a-z0-9_]+", "-", path.lower()).strip("-") or "beranda"))
            assert_only_the_sign_in_form(visit, text, setup["secret"], f"/{path}")
        finally:
            visit.close()


def test_deeper_addresses_show_nothing_at_all(setup, chromium, server):
    visits = [Visit(chromium, server) for _ in NESTED]
    try:
        for visit, path in zip(visits, NESTED, strict=True):
            visit.page.goto(f"{server}/{path}", timeout=60_000)
        visits[-1].page.wait_for_timeout(3_000)
        for visit, path in zip(visits, NESTED, strict=True):
            text = visit.page.locator("body").inner_text()
            assert visit.frames == [] and not text.strip(), f"/{path}: {text[:200]!r}"
            assert visit.foreign == [] and visit.failed == [], f"/{path}: {visit.foreign} {visit.failed}"
    finally:
        for visit in visits:
            visit.close()


def test_the_sign_in_form_fits_a_phone(setup, chromium, server):
    visit = Visit(chromium, server, width=390)
    try:
        text = open_signed_out(visit, server, "data")
        shot(visit, "masuk-ponsel")
        assert_only_the_sign_in_form(visit, text, setup["secret"], "/data at 390 px")
        box = visit.page.get_by_role("button", name="Masuk").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        visit.close()


def test_a_viewer_reads_every_page_but_may_not_upload_or_delete(setup, chromium, server):
    visit = Visit(chromium, server)
    try:
        open_signed_out(visit, server, "data")
        sign_in(visit, "pembaca")
        page = visit.page
        data_page_rendered(page)  # the lists are readable
        assert page.locator("[data-testid='stFileUploader']").count() == 0
        assert page.get_by_text("hanya untuk peran Evaluator (TPI) dan Admin").count() == 1
        assert page.get_by_text("Hapus pengajuan (Admin)").count() == 0
        shot(visit, "pembaca-data")
        for title in PAGE_TITLES:  # every page through the sidebar links, charts included
            page.locator("[data-testid='stSidebar']").get_by_role("link", name=title).click()
            page.locator("[data-testid='stMain'] h1").filter(has_text=title).wait_for(timeout=30_000)
            wait_until_idle(page)
            assert page.locator("[data-testid='stException']").count() == 0, title
        assert visit.foreign == [] and visit.failed == []
    finally:
        visit.close()


def test_a_link_with_a_view_opens_that_view_once_signed_in_and_not_before(setup, chromium, server):
    visit = Visit(chromium, server)
    try:
        text = open_signed_out(visit, server, "peringkat?tahun=2025&jawaban=unit&instansi=Kementerian%20Agama")
        assert_only_the_sign_in_form(visit, text, setup["secret"], "a link with a view, before sign-in")
        sign_in(visit, "pembaca")
        page = visit.page
        page.get_by_text("Tahun 2025 · Kementerian Agama · jawaban Unit").wait_for(timeout=30_000)
        assert urlparse(page.url).path.endswith("/peringkat")
        assert visit.foreign == [] and visit.failed == []
    finally:
        visit.close()


def test_an_evaluator_uploads_but_may_not_delete(setup, chromium, server, tmp_path):
    from playwright.sync_api import expect

    ed = edition("2021")
    workbook = filled_workbook(tmp_path / "2025_Unit Uji Peramban.xlsx", unit=perfect(ed), tpi=perfect(ed),
                               unit_name="Unit Uji Peramban", instansi="Instansi Uji")
    visit = Visit(chromium, server)
    try:
        open_signed_out(visit, server, "data")
        sign_in(visit, "tpi")
        page = visit.page
        data_page_rendered(page)
        shot(visit, "evaluator-data")
        assert page.get_by_text("Hapus pengajuan (Admin)").count() == 0
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(workbook))
        load = page.get_by_role("button", name="Muat ke basis data")
        expect(load).to_be_enabled(timeout=30_000)  # once the file has reached the server
        load.click()
        # what was loaded, with its scores and predicates, and the uploader emptied (nothing loads twice)
        page.get_by_text("dimuat: Unit Uji Peramban (Instansi Uji), tahun 2025").wait_for(timeout=60_000)
        page.get_by_text("Unit 100,00 (WBBM) · TPI 100,00 (WBBM)").wait_for(timeout=10_000)
        assert page.get_by_role("button", name="Buka Profil Unit").count() == 1
        assert page.locator("[data-testid='stFileUploaderFile']").count() == 0
        shot(visit, "evaluator-unggah")
        assert visit.foreign == [] and visit.failed == []
    finally:
        visit.close()
    con = duckdb.connect(str(setup["db"]), read_only=True)
    try:
        assert con.execute("select count(*) from current_submissions where unit_name = 'Unit Uji Peramban'"
                           ).fetchone()[0] == 1
    finally:
        con.close()


def test_an_admin_may_delete_and_no_log_holds_a_password_or_hash(setup, chromium, server):
    visit = Visit(chromium, server)
    try:
        open_signed_out(visit, server, "data")
        visit.page.get_by_label("Nama pengguna").fill("admin")
        visit.page.get_by_label("Kata sandi").fill("tebakan-yang-salah")
        visit.page.get_by_role("button", name="Masuk").click()
        visit.page.get_by_text("Nama pengguna atau kata sandi salah").wait_for(timeout=30_000)
        sign_in(visit, "admin")
        page = visit.page
        data_page_rendered(page)  # after a failed attempt the address asked for is still the page shown
        assert urlparse(page.url).path.endswith("/data")
        assert page.locator("[data-testid='stFileUploader']").count() == 1
        assert page.get_by_text("Hapus pengajuan (Admin)").count() == 1
        shot(visit, "admin-data")
        page.locator("[data-testid='stSidebar']").get_by_text("Keluar").click()
        page.get_by_text("Anda telah keluar.").wait_for(timeout=30_000)
        wait_until_idle(page)
        text = page.locator("body").inner_text()
        assert_only_the_sign_in_form(visit, text, [], "after signing out")
    finally:
        visit.close()
    hashes = [e["password_hash"] for e in access.load_config(setup["users"]).users.values()]
    log = (setup["folder"] / "streamlit.log").read_text(errors="replace")
    assert "AppSession initialized" in log  # the server logged at its most detailed level (debug)
    for secret in [*PASSWORDS.values(), "tebakan-yang-salah", *hashes, *(h.split("$")[3] for h in hashes)]:
        assert secret not in log
