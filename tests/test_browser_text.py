"""Text from files shown as text in a real browser: Markdown, HTML, LaTeX and Streamlit's own markup in every text
field of workbooks (unit, instansi, answers quoted in warnings, notes, evidence), of a TPN results file (Catatan) and
of a roster, on every page, read exactly as written and with no request to any other host."""

from __future__ import annotations

import csv
import json
import re

import pytest

from tests.browser import ARTIFACTS, ROOT, dashboard, needs_chromium, wait_until_drawn
from tests.helpers import edition, filled_workbook, perfect
from tests.test_browser import CELLS, click_cell, grid_cell
from tests.test_browser_access import Visit
from zi_data import names
from zi_data.ingest import ingest_paths

pytestmark = needs_chromium

EVIL = "evil.example"
UNITS = ["Dinas ![u](http://evil.example/u.png) Satu", "Dinas [klik](https://evil.example/) Dua",
         'Dinas <a href="https://evil.example/">Tiga</a>', "Dinas $x^2$ :red[Empat] **Lima** -- :streamlit: x"]
INSTANSI = 'Pemkot <img src="http://evil.example/i.png"> ![i](http://evil.example/i2.png)'
NOTE = "Catatan ![n](http://evil.example/n.png) [tautan](https://evil.example/n) $y$ :red[merah] <b>tebal</b> C:\\data"
EVIDENCE = "Bukti <https://evil.example/b> www.evil.example ![b](http://evil.example/b.png) -> a@evil.example"
TPI_NOTE = "TPI ![t](http://evil.example/t.png) ~~coret~~ # judul :material/home:"
ANSWER = "![w](http://evil.example/w.png)"  # not an option: the warning quotes it
TPN_NOTE = "TPN ![c](http://evil.example/c.png) [tautan](https://evil.example/c) $z$ :blue[biru] >= 3"
ROSTER_ONLY = "Puskesmas ![r](http://evil.example/r.png) <i>Enam</i>"
PAGES = ["", "peringkat", "kesenjangan", "tren", "profil_unit", "siklus", "survei", "laporan", "data"]

# Every attribute that could make the browser fetch from, or link to, the other host.
TO_EVIL = f"""() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
    .filter(a => /href|src|action|style/i.test(a.name) && a.value.includes('{EVIL}'))
    .map(a => e.tagName + ' ' + a.name + '=' + a.value))"""
# What Markdown, Streamlit or Plotly would have drawn of the files' text: LaTeX, coloured text, Streamlit's logo
# and icons, struck-through text, links inside charts (and code, in the test app: the pages write some of their own).
MARKUP = """(withCode) => [...document.querySelectorAll(
    "[data-testid='stMain'] :is(.katex, .stMarkdownColoredText, .stMarkdownColoredBackground, img, del, " +
    "blockquote, [data-testid='stMarkdownContainer'] :is(table, ol, h4, h5, h6)" + (withCode ? ", code" : "") +
    "), .js-plotly-plot svg a")].map(e => e.outerHTML.slice(0, 120))"""
CHART_TEXTS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(el =>
    [...el.querySelectorAll('text')].map(t => t.textContent))"""


def read(text: str) -> str:
    """Text as a person reads it: invisible joiners out, spaces collapsed."""
    return " ".join(text.replace("\u2060", "").split())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """2026, one instansi named with HTML and an image: four units whose names carry an image, a link, an HTML link
    and LaTeX with coloured text (the last one not assessed by its TPI); every one of them with a note, evidence
    and a TPI note holding Markdown and an answer that is not an option. A plain unit beside them; a TPN result
    with a hostile Catatan; a roster naming a unit that sent nothing."""
    ed = edition()
    root = tmp_path_factory.mktemp("tulisan")
    folder = root / "in"
    for i, unit in enumerate(UNITS):
        filled_workbook(folder / f"u{i}.xlsx", unit=dict(perfect(ed), M002=ANSWER), tpi=perfect(ed) if i < 3 else None,
                        unit_name=unit, instansi=INSTANSI, year=2026, notes={"M001": NOTE},
                        evidence={"M001": EVIDENCE}, tpi_notes={"M001": TPI_NOTE})
    filled_workbook(folder / "biasa.xlsx", unit=perfect(ed), tpi=perfect(ed), unit_name="Dinas Biasa",
                    instansi="Kota Biasa", year=2026)
    with open(folder / "hasil_tpn.csv", "w", newline="", encoding="utf-8") as f:
        rows = csv.writer(f, delimiter=";")
        rows.writerow(["Unit Kerja", "Instansi", "Tahun", "Nilai TPN", "Keputusan", "Catatan"])
        rows.writerow([UNITS[0], INSTANSI, 2026, "90", "WBK", TPN_NOTE])
    with open(folder / "daftar_unit.csv", "w", newline="", encoding="utf-8") as f:
        rows = csv.writer(f, delimiter=";")
        rows.writerow(["Unit Kerja", "Instansi", "Tahun", "Target"])
        rows.writerow([ROSTER_ONLY, INSTANSI, 2026, "WBK"])
    db = root / "zi.duckdb"
    summary = ingest_paths([folder], db, actor_role="evaluator")
    assert (summary.loaded, summary.tpn, summary.rosters, summary.rejected) == (5, 1, 1, [])
    return {"db": db, "folder": root}


@pytest.fixture(scope="module")
def server(hostile):
    env = {"ZI_DB": str(hostile["db"]), "ZI_USERS": str(hostile["folder"] / "tidak-ada.toml")}
    with dashboard(env, hostile["folder"] / "streamlit.log", "--browser.gatherUsageStats", "false") as url:
        yield url


def shown(visit: Visit) -> str:
    """Everything the page shows as text: the page, its tables' cells and its charts' drawn texts."""
    page = visit.page
    return read(" ".join([page.locator("[data-testid='stMain']").inner_text(), *page.evaluate(CELLS),
                          *page.evaluate(CHART_TEXTS)]))


def open_expanders(page) -> None:
    for summary in page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary").all():
        summary.click()
    page.wait_for_timeout(300)


def assert_shown_as_written(visit: Visit, where: str, texts: list[str]) -> None:
    page = visit.page
    assert page.locator("[data-testid='stException']").count() == 0, f"{where}: an exception is shown"
    assert page.evaluate(TO_EVIL) == [], f"{where}: a link or image to {EVIL}"
    assert page.evaluate(MARKUP, False) == [], f"{where}: the files' text was drawn as markup"
    body = shown(visit)
    for text in texts:
        assert read(text) in body, f"{where}: '{text}' is not shown as written"
    # no escape shows: a backslash only where a file wrote one ("C:\data")
    leak = re.search(r".{0,30}\\(?!data).{0,30}", body)
    assert leak is None, f"{where}: a backslash shows: {leak and leak.group()}"
    assert visit.foreign == [], f"{where}: requests to other hosts: {visit.foreign}"


EXPECTED = {  # page -> texts of the files it shows (as well as everything else it shows, checked above)
    "": [],
    "peringkat": UNITS,  # three ranked (table, bars), the fourth listed as not yet assessed
    "kesenjangan": [UNITS[0]],  # the heat map's rows, the link to the first unit's profile
    "tren": UNITS[:3],
    "survei": UNITS,
    "siklus": [ROSTER_ONLY, UNITS[3]],  # the roster's unit in the table, the one without TPI listed as such
    "laporan": UNITS,
    "data": UNITS,
}


def test_every_page_shows_the_files_text_as_written_and_fetches_nothing_from_outside(server, chromium):
    visit = Visit(chromium, server)
    try:
        for path in PAGES:
            if path == "profil_unit":
                continue  # below, unit by unit
            visit.page.goto(f"{server}/{path}", timeout=60_000)
            visit.page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=60_000)
            wait_until_drawn(visit.page, 800)
            open_expanders(visit.page)
            if path == "peringkat":
                visit.page.screenshot(path=str(ARTIFACTS / "tulisan-peringkat.png"))
            assert_shown_as_written(visit, path or "ringkasan", EXPECTED[path])
    finally:
        visit.close()


@pytest.mark.parametrize("unit", range(len(UNITS)))
def test_profil_unit_shows_a_hostile_units_name_notes_evidence_and_warnings_as_written(server, chromium, unit):
    visit = Visit(chromium, server)
    page = visit.page
    page.set_viewport_size({"width": 1440, "height": 2400})  # the table on screen, where a click reaches it
    try:
        page.goto(f"{server}/profil_unit?tahun=2026&unit={names.unit_id(UNITS[unit], INSTANSI)}", timeout=60_000)
        page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=60_000)
        wait_until_drawn(page, 800)
        select = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first
        assert select.locator("input").first.input_value() == UNITS[unit]
        if unit == 0:
            page.screenshot(path=str(ARTIFACTS / "tulisan-profil.png"))
        # a click on the first question's row shows its notes and evidence whole, as Markdown
        click_cell(page, grid_cell(page, "M001"))
        page.get_by_text("Catatan Unit:").wait_for(timeout=30_000)
        wait_until_drawn(page, 500)
        open_expanders(page)
        if unit == 0:
            page.get_by_text("Catatan Unit:").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "tulisan-profil-catatan.png"))
        assert_shown_as_written(visit, f"profil_unit {unit}", [
            f"{INSTANSI} · tahun 2026", f"berkas u{unit}.xlsx", f"jawaban '{ANSWER}' tidak sesuai pilihan",
            f"Catatan Unit: {NOTE}", f"Bukti dukung: {EVIDENCE}",
            *([f"Catatan TPI: {TPI_NOTE}"] if unit < 3 else []),
            *([f"Catatan TPN: {TPN_NOTE}"] if unit == 0 else [])])
    finally:
        visit.close()


def test_a_hostile_upload_is_reported_as_written(server, chromium, tmp_path):
    """What the Data page says right after an upload: the file's name, its unit and instansi, its warnings; and a
    refused roster's reason, which quotes the bad cell."""
    from playwright.sync_api import expect

    ed = edition()
    unit = "Unit ![x](http://evil.example/x.png) <a href=https://evil.example/>Baru</a>"
    workbook = filled_workbook(tmp_path / "2026_[baru](https:__evil.example).xlsx", unit=dict(perfect(ed), M002=ANSWER),
                               unit_name=unit, instansi=INSTANSI, year=2026)
    target = "![t](http://evil.example/t.png)"
    refused = tmp_path / "daftar_unit_salah.csv"
    refused.write_text(f"Unit Kerja;Instansi;Tahun;Target\nDinas Biasa;Kota Biasa;2026;{target}\n", encoding="utf-8")
    visit = Visit(chromium, server)
    page = visit.page
    page.set_viewport_size({"width": 1440, "height": 2400})
    try:
        page.goto(f"{server}/data", timeout=60_000)
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
        wait_until_drawn(page, 800)
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files([str(workbook), str(refused)])
        load = page.get_by_role("button", name="Muat ke basis data")
        expect(load).to_be_enabled(timeout=30_000)
        load.click()
        page.get_by_text("Hasil pemuatan terakhir").wait_for(timeout=60_000)
        wait_until_drawn(page, 800)
        open_expanders(page)
        page.get_by_text("Hasil pemuatan terakhir").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "tulisan-unggah.png"))
        assert_shown_as_written(visit, "data (unggah)", [
            f"{workbook.name} dimuat: {unit} ({INSTANSI}), tahun 2026", f"jawaban '{ANSWER}' tidak sesuai pilihan",
            f"Target '{target}' bukan WBK atau WBBM"])
    finally:
        visit.close()


def test_every_streamlit_call_that_draws_markdown_shows_escaped_text_as_written(chromium, tmp_path):
    """ui.text.md in each kind of call (messages, captions, bold and list items, expander, tab, metric, widget and
    button labels, radio options, progress text): the texts Markdown, Streamlit and GitHub's extensions act on
    read as written, with no backslash and no request; options of selectboxes and multiselects are plain text."""
    from tests.test_shown_text import HOSTILE

    texts = [*HOSTILE, NOTE, EVIDENCE, TPN_NOTE, "a --- b ---> c :streamlit: ::", "satu\ndua"]
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    env = {"ZI_TEXTS": str(tmp_path / "texts.json")}
    with dashboard(env, tmp_path / "app.log", "--browser.gatherUsageStats", "false",
                   app=ROOT / "tests" / "apps" / "text_sinks.py") as url:
        visit = Visit(chromium, url)
        page = visit.page
        try:
            page.goto(url, timeout=60_000)
            page.locator(f".st-key-c{len(texts) - 1}").wait_for(timeout=60_000)
            wait_until_drawn(page, 1_000)
            sinks = {"markdown": "[data-testid='stMarkdownContainer']", "caption": "[data-testid='stCaptionContainer']",
                     "warning": "[data-testid='stAlertContentWarning']", "error": "[data-testid='stAlertContentError']",
                     "expander": "[data-testid='stExpander'] summary [data-testid='stMarkdownContainer']",
                     "tab": "[role='tab']", "metric": "[data-testid='stMetricLabel']",
                     "selectbox label": "[data-testid='stSelectbox'] label",
                     "multiselect option": "[data-testid='stMultiSelect'] [data-tag] span",
                     "radio option": "[data-testid='stRadio'] [role='radiogroup'] label",
                     "checkbox": "[data-testid='stCheckbox'] label", "progress": "[data-testid='stProgress'] p",
                     "button": "[data-testid='stButton'] button", "download": "[data-testid='stDownloadButton'] button"}
            wrong = []
            for i, text in enumerate(texts):
                box = page.locator(f".st-key-c{i}")
                for sink, selector in sinks.items():
                    got = read(box.locator(selector).first.inner_text(timeout=10_000))
                    if got != read(text):
                        wrong.append(f"{sink}: {text!r} shows as {got!r}")
                chosen = read(box.locator("[data-testid='stSelectbox'] input").first.input_value())
                if chosen != read(text) and "\n" not in text:  # a text box shows no line break (names have none)
                    wrong.append(f"selectbox option: {text!r} shows as {chosen!r}")
                bold = read(box.locator("[data-testid='stMarkdownContainer']").nth(1).inner_text())
                if bold != read(f"{text} dan {text}"):
                    wrong.append(f"bold and list: {text!r} shows as {bold!r}")
            assert wrong == [], "\n".join(wrong)
            assert page.evaluate(TO_EVIL) == [] and page.evaluate(MARKUP, True) == []
            assert visit.foreign == []
        finally:
            visit.close()
