"""Access from the outside: a fresh browser on a freshly started server, every address, before and after sign-in.

Before sign-in every address shows only the server's own sign-in page: no unit name, score or page title, nothing
of Streamlit at all (no WebSocket is even opened). Once signed in, the sign-in holds across reloads, new tabs and
shared links of the same browser for the idle window, and ends on sign-out (in every tab), on the idle timeout, and
when the user is removed or their role changed. No request may leave for another host.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from tests.browser import ARTIFACTS, Client, dashboard, needs_chromium, wait_until_idle
from tests.helpers import edition, filled_workbook, perfect
from zi_data import access

pytestmark = needs_chromium

PASSWORDS = {"pembaca": "sandi-pembaca-peramban", "tpi": "sandi-tpi-peramban", "admin": "sandi-admin-peramban",
             "tamu": "sandi-tamu-peramban"}
ROLES = {"pembaca": "viewer", "tpi": "evaluator", "admin": "admin", "tamu": "viewer"}
# A display name written as Markdown and HTML (an admin typed it; it is shown, never acted on).
HOSTILE_NAME = ("![x](http://penyerang.example/p.png) [tautan](https://penyerang.example/) :red[Merah] "
                "<img src=http://penyerang.example/i.png> $x^2$ **tebal**")
PAGE_TITLES = ["Ringkasan", "Peringkat", "Kesenjangan", "Tren", "Profil Unit", "Siklus", "Survei", "Laporan", "Data"]
SCRIPTS = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "pages").glob("*.py"))
# Every address a visitor could try: the pages, every file name under pages/ (with and without .py), the entry
# script, the shared modules' names (ui/), unknown paths (/common: the helper module ui/ replaced), and query
# strings (embed mode hides the sidebar, the gate must hold).
ADDRESSES = ["", *SCRIPTS, "dashboard", "data.py", "router", "signin.py", "common.py", "tidak-ada", "admin",
             "peringkat?unit=KPP%20Madya%20Sejahtera", "profil_unit?embed=true", "?page=data",
             "data?embed=true&embed_options=show_toolbar", "common?tahun=2026", "ringkasan/", "Peringkat"]
# Deeper paths (Streamlit's page would load there but never connect to the app).
NESTED = ["pages/data", "pages/common.py", "pages/peringkat?embed=true", "ui/router.py"]
SCORE = re.compile(r"\d+[,.]\d+")
STREAMLIT_PATHS = ("/static/", "/_stcore/", "/media/", "/component/", "/app/static/")


@pytest.fixture(scope="module")
def setup(demo_db, tmp_path_factory):
    """A copy of the demo database (the evaluator uploads into it), a users file, the names not to be shown."""
    folder = tmp_path_factory.mktemp("akses")
    db = folder / "zi.duckdb"
    shutil.copy(demo_db, db)
    users = folder / "users.toml"
    for name, role in ROLES.items():
        access.add_user(users, name, PASSWORDS[name], role, name=HOSTILE_NAME if name == "tamu" else name.title(),
                        actor_role="admin")
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

    def __init__(self, browser, server: str, width: int = 1440, context=None):
        self.own = urlparse(server).netloc
        self.context = context or browser.new_context(viewport={"width": width, "height": 900})
        self.requests: list[str] = []
        self.signed_in_once = False
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.frames: list[bytes] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _route(self, route):
        self.requests.append(route.request.url)
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

    def new_tab(self):
        """Another tab of the same browser (its cookies shared), recorded like the first."""
        page = self.context.new_page()
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        return page

    def session_cookie(self) -> dict | None:
        return next((c for c in self.context.cookies() if c["name"] == "zi_sesi"), None)

    def close(self) -> None:
        self.context.close()


def open_signed_out(visit: Visit, server: str, path: str) -> str:
    """Open `path` and wait for the sign-in form; the whole page's text."""
    visit.page.goto(f"{server}/{path}", timeout=60_000)
    visit.page.get_by_label("Nama pengguna").wait_for(timeout=30_000)
    return visit.page.locator("body").inner_text()


def assert_only_the_sign_in_form(visit: Visit, text: str, secret: list[str], where: str, page=None) -> None:
    page = page or visit.page
    sent = visit.sent()
    assert urlparse(page.url).path == "/masuk", f"{where}: {page.url}"
    assert sent == "", f"{where}: Streamlit sent {len(sent)} characters over a WebSocket"
    for name in secret:
        assert name not in text, f"{where}: '{name}' reached the browser before sign-in"
    for title in [*PAGE_TITLES, *SCRIPTS, "dashboard", "profil unit"]:
        assert not re.search(rf"\b{re.escape(title)}\b", text, re.IGNORECASE), f"{where}: '{title}' is shown"
    assert not SCORE.search(text), f"{where}: a number is shown: {SCORE.search(text).group()}"
    assert page.title() == "ZI Monitor", f"{where}: tab title {page.title()!r}"
    for testid in ("stSidebarNav", "stSidebarNavItems", "stPageLink", "stMetric", "stDataFrame", "stPlotlyChart",
                   "stFileUploader", "stException"):
        assert page.locator(f"[data-testid='{testid}']").count() == 0, f"{where}: {testid} is shown"
    assert page.get_by_role("button", name="Masuk").count() == 1
    if not visit.signed_in_once:  # nothing of Streamlit was even fetched: its script, its files, its server
        fetched = [u for u in visit.requests if urlparse(u).path.startswith(STREAMLIT_PATHS)]
        assert fetched == [], f"{where}: {fetched}"
    assert visit.foreign == [], f"{where}: requests to other hosts: {visit.foreign}"
    assert visit.failed == [], f"{where}: failed requests: {visit.failed}"


def sign_in(visit: Visit, user: str) -> None:
    visit.signed_in_once = True
    page = visit.page
    page.get_by_label("Nama pengguna").fill(user)
    page.get_by_label("Kata sandi").fill(PASSWORDS[user])
    page.get_by_role("button", name="Masuk").click()
    signed_in(page)


def signed_in(page) -> None:
    """Until the dashboard shows who is signed in and its run has ended."""
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
                link = visit.page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']")
                # a fresh browser loads the link element's code the first time one is drawn: they come a moment
                # after the run has ended
                link.nth(len(PAGE_TITLES) - 1).wait_for(timeout=10_000)
                links = link.all_inner_texts()
                assert [re.sub(r"^\w+\n", "", t).strip() for t in links] == PAGE_TITLES
                assert visit.page.locator("[data-testid='stSidebarNav']").count() == 0  # Streamlit's script list
                assert visit.foreign == [] and visit.failed == []
        finally:
            visit.close()


def test_a_page_left_open_signs_itself_out_when_idle(setup, chromium):
    env = dict(setup["env"], ZI_IDLE_MINUTES="0.5")  # 30 seconds: enough to see the page on a busy machine
    with dashboard(env, setup["folder"] / "idle.log") as server:
        visit = Visit(chromium, server)
        try:
            open_signed_out(visit, server, "peringkat")
            sign_in(visit, "pembaca")
            visit.page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)  # the ranking
            # no click from here on: the page clears itself
            cookie = visit.session_cookie()
            visit.page.get_by_text("Sesi berakhir karena tidak ada aktivitas selama 30 detik").wait_for(timeout=90_000)
            shot(visit, "sesi-berakhir")
            text = visit.page.locator("body").inner_text()
            visit.frames.clear()  # what was sent while signed in is not the question here
            assert_only_the_sign_in_form(visit, text, setup["secret"], "after the idle time")
            old = Client(server, {"zi_sesi": cookie["value"]})  # ended on the server, not only on the screen
            assert old.get("/peringkat", html=True)[0] == 303 and old.websocket() == 403
            # signing in again brings back the page (and view) that was open
            assert parse_qs(urlparse(visit.page.url).query)["lanjut"][0].startswith("/peringkat?tahun=")
            sign_in(visit, "pembaca")
            assert urlparse(visit.page.url).path == "/peringkat"
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


def test_deeper_addresses_show_only_the_sign_in_form_too(setup, chromium, server):
    for path in NESTED:
        visit = Visit(chromium, server)
        try:
            text = open_signed_out(visit, server, path)
            assert_only_the_sign_in_form(visit, text, setup["secret"], f"/{path}")
        finally:
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
        # the database's path on the server is for admins: neither on the screen nor in what the server sent
        assert str(setup["db"]) not in page.locator("body").inner_text() and str(setup["db"]) not in visit.sent()
        assert str(setup["folder"]) not in visit.sent()
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
        assert f"Basis data: {setup['db']}" in page.locator("[data-testid='stSidebar']").inner_text()
        shot(visit, "admin-data")
        page.locator("[data-testid='stSidebar']").get_by_text("Keluar").click()
        page.get_by_text("Anda telah keluar.").wait_for(timeout=30_000)
        text = page.locator("body").inner_text()
        visit.frames.clear()  # what was sent while signed in is not the question here
        assert_only_the_sign_in_form(visit, text, [], "after signing out")
    finally:
        visit.close()
    hashes = [e["password_hash"] for e in access.load_config(setup["users"]).users.values()]
    log = (setup["folder"] / "streamlit.log").read_text(errors="replace")
    assert "AppSession initialized" in log  # the server logged at its most detailed level (debug)
    for secret in [*PASSWORDS.values(), "tebakan-yang-salah", *hashes, *(h.split("$")[3] for h in hashes)]:
        assert secret not in log


SIDEBAR = "[data-testid='stSidebar']"


def test_the_sign_in_holds_across_reloads_tabs_and_shared_links_and_sign_out_ends_it_everywhere(setup, chromium,
                                                                                                 server):
    visit = Visit(chromium, server)
    try:
        open_signed_out(visit, server, "data")
        sign_in(visit, "admin")
        page = visit.page
        data_page_rendered(page)
        cookie = visit.session_cookie()
        # a random id and nothing else; no script of the page can read it; gone when the browser closes
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"], cookie
        assert cookie["expires"] == -1 and cookie["path"] == "/" and re.fullmatch(r"[\w-]{43}", cookie["value"])
        assert "zi_sesi" not in page.evaluate("document.cookie")
        assert not [c for c in visit.context.cookies() if "admin" in c["value"].lower()]
        media = sorted(set(re.findall(r"/media/[0-9a-f]+\.xlsx", visit.sent())))  # the template's download
        assert media and visit.context.request.get(server + media[0]).status == 200

        page.reload()
        signed_in(page)
        data_page_rendered(page)
        tab = visit.new_tab()  # a new tab, at an address typed or pasted
        tab.goto(f"{server}/peringkat?tahun=2025", timeout=60_000)
        signed_in(tab)
        tab.locator("[data-testid='stMain'] h1").filter(has_text="Peringkat").wait_for(timeout=30_000)
        shared = visit.new_tab()  # a link followed from another site (here: a page of no site at all)
        shared.set_content(f'<a href="{server}/tren?tahun=2025">tautan dari surel</a>')
        shared.get_by_text("tautan dari surel").click()
        signed_in(shared)
        shared.locator("[data-testid='stMain'] h1").filter(has_text="Tren").wait_for(timeout=30_000)
        assert urlparse(shared.url).path == "/tren"
        shared.close()

        page.locator(SIDEBAR).get_by_text("Keluar").click()
        page.get_by_text("Anda telah keluar.").wait_for(timeout=30_000)
        assert visit.session_cookie() is None
        text = page.locator("body").inner_text()
        visit.frames.clear()
        assert_only_the_sign_in_form(visit, text, [], "after signing out")
        shot(visit, "keluar")
        # the other tab, still showing its page, goes to the sign-in page at its next step
        tab.locator(SIDEBAR).get_by_role("link", name="Kesenjangan").click()
        tab.get_by_label("Nama pengguna").wait_for(timeout=30_000)
        assert urlparse(tab.url).path == "/masuk"
        # and nothing answers the old id any more: no page, no WebSocket, no download, no upload, no metrics
        old = Client(server, {"zi_sesi": cookie["value"]})
        assert old.get("/data", html=True)[0] == 303 and old.websocket() == 403
        assert old.get(media[0])[0] == 401 and old.get("/_stcore/metrics")[0] == 401
        assert old.request("PUT", "/_stcore/upload_file/x/y", body=b"x" * 1024)[0] == 401
        assert visit.context.request.get(server + media[0]).status == 401
        assert visit.foreign == [] and visit.failed == []
    finally:
        visit.close()


def test_a_page_left_open_ends_when_its_user_is_removed_or_changes_role(setup, chromium, tmp_path):
    users = tmp_path / "users.toml"
    users.write_bytes(setup["users"].read_bytes())
    users.chmod(0o600)
    with dashboard(dict(setup["env"], ZI_USERS=str(users)), tmp_path / "peran.log") as server:
        viewer, evaluator = Visit(chromium, server), Visit(chromium, server)
        try:
            for visit, user in ((viewer, "pembaca"), (evaluator, "tpi")):
                open_signed_out(visit, server, "")
                sign_in(visit, user)
            text = users.read_text()
            users.write_text(text.replace('name = "Pembaca"\nrole = "viewer"', 'name = "Pembaca"\nrole = "admin"'))
            viewer.page.locator(SIDEBAR).get_by_role("link", name="Peringkat").click()
            # the dashboard shows the notice, then sends the browser to the sign-in page, which says it again
            viewer.page.wait_for_url(lambda url: urlparse(url).path == "/masuk", timeout=30_000)
            viewer.page.get_by_text("Peran Anda telah diubah oleh admin").wait_for(timeout=30_000)
            shot(viewer, "peran-berubah")
            sign_in(viewer, "pembaca")  # in the new role now
            assert viewer.page.locator(SIDEBAR).get_by_text("Admin").count() >= 1
            users.write_text(users.read_text().replace("[users.tpi]", "[users.tpi-lama]"))
            # no click: the page checks its session now and then (every minute at most)
            evaluator.page.wait_for_url(lambda url: urlparse(url).path == "/masuk", timeout=90_000)
            evaluator.page.get_by_text("tidak lagi terdaftar di berkas pengguna").wait_for(timeout=30_000)
            for visit in (viewer, evaluator):
                assert visit.foreign == [] and visit.failed == []
        finally:
            viewer.close()
            evaluator.close()


def test_the_signed_in_name_is_shown_as_written(setup, chromium, server):
    """A display name holding Markdown and HTML (an image and a link to another host, coloured text, LaTeX) is
    shown literally in the sidebar, and the browser asks no other host for anything."""
    visit = Visit(chromium, server)
    try:
        open_signed_out(visit, server, "")
        sign_in(visit, "tamu")
        sidebar = visit.page.locator(SIDEBAR)
        caption = sidebar.get_by_text("Masuk sebagai", exact=False)
        caption.screenshot(path=str(ARTIFACTS / "akses" / "nama-apa-adanya.png"))
        assert caption.inner_text().replace("\u2060", "") == f"Masuk sebagai {HOSTILE_NAME} · Pembaca"
        assert sidebar.locator("img, a[href*='penyerang'], .katex, [data-testid='stMarkdownColoredText']"
                               ).count() == 0
        assert not [u for u in visit.requests if "penyerang" in u]
        assert visit.foreign == [] and visit.failed == []
    finally:
        visit.close()
