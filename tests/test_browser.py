"""End to end in a real browser: the app served on a free port, every page opened in headless Chromium at desktop and
phone width, read as a person reads it (page text, table cells, chart text), clicked, linked and downloaded."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from tests.browser import ARTIFACTS, dashboard, needs_chromium, wait_until_drawn

PAGES = {  # url path -> text that must be on the page once it has loaded
    "": ["Ringkasan", "Unit kerja", "Predikat WBK (TPI)", "Naik paling banyak", "Turun paling banyak"],
    "peringkat": ["Peringkat", "Bandingkan unit", "Manajemen Perubahan"],
    "kesenjangan": ["Kesenjangan", "Indikator terlemah", "Satu unit"],
    "tren": ["Tren", "Nilai total per tahun"],
    "profil_unit": ["Profil Unit", "Klaim berlebih", "Syarat WBK dan WBBM", "Jawaban per pertanyaan", "Laporan PDF"],
    "survei": ["Survei", "Rata-rata IPAK"],
    "laporan": ["Laporan", "Rekapitulasi", "Laporan semua unit satu instansi"],
    "siklus": ["Siklus", "Unit dan tahapnya", "Usulan ke KemenPANRB", "Kalibrasi TPI dan TPN"],
    "data": ["Data", "Pengajuan", "Ditolak"],
}
WIDTHS = {"desktop": 1440, "ponsel": 390}
# A phone's browser says so in its User-Agent; the dashboard shows fewer columns and shorter labels then.
PHONE = {"user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/126.0 Mobile Safari/537.36", "is_mobile": True, "has_touch": True}
# raw values a person should never read, and Plotly's default name of an unnamed series
RAW = re.compile(r"\b(None|nan|NaN|True|False|null|undefined|trace \d+)\b")
# Every text a chart shows or can show: the drawn SVG text, and in the figure itself the traces' names, labels,
# texts and hover templates, and the layout's titles, tick labels and annotations.
CHART_TEXT = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(el => {
    const drawn = [...el.querySelectorAll('text')].map(t => t.textContent);
    const traces = (el.data || []).flatMap(t => [t.name, t.hovertemplate, t.texttemplate,
        ...[].concat(t.text || []), ...[].concat(t.labels || [])]);
    const layout = el.layout || {};
    const axes = Object.keys(layout).filter(k => /^(x|y)axis/.test(k))
        .flatMap(k => [layout[k].title && layout[k].title.text, ...(layout[k].ticktext || [])]);
    const notes = (layout.annotations || []).map(a => a.text);
    return [...drawn, ...traces, ...axes, ...notes].filter(v => typeof v === 'string');
})"""
CELLS = "() => [...document.querySelectorAll(\"[data-testid='stDataFrame'] [role='gridcell']\")].map(c => c.textContent)"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    # no users file: the open mode, whatever a developer has in .streamlit/users.toml
    env = {"ZI_DB": str(demo_db), "ZI_USERS": str(folder / "tidak-ada.toml")}
    with dashboard(env, folder / "streamlit.log", "--browser.gatherUsageStats", "false") as url:
        yield url


def new_page(chromium, width: int = 1440):
    # tall: Streamlit scrolls inside its own container, so a full-page screenshot would stop at the window
    context = chromium.new_context(viewport={"width": width, "height": 2400}, accept_downloads=True,
                                   **(PHONE if width < 600 else {}))
    return context.new_page()


def open_page(page, url: str) -> None:
    page.goto(url, timeout=60_000)
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=60_000)
    wait_until_drawn(page, 800)


def raw_values(texts) -> list[str]:
    return sorted({m.group(0) for t in texts for m in RAW.finditer(t)})


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_page_reads_cleanly_at_desktop_and_phone_width(server, chromium, device):
    width = WIDTHS[device]
    page = new_page(chromium, width)
    for path, texts in PAGES.items():
        open_page(page, f"{server}/{path}")
        name = path or "ringkasan"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"))
        assert page.locator("[data-testid='stException']").count() == 0, f"{name}: an exception is shown"
        body = page.locator("[data-testid='stMain']").inner_text()
        for text in texts:
            assert text in body, f"{name} ({device}): '{text}' is missing"
        sidebar = page.locator("[data-testid='stSidebar']").inner_text() if width >= 600 else ""
        cells, charts = page.evaluate(CELLS), page.evaluate(CHART_TEXT)
        assert cells or path == "tren", f"{name}: no table cells read"
        assert charts or path in ("data", "laporan"), f"{name}: no chart text read"  # two pages without charts
        assert raw_values([body, sidebar]) == [], f"{name} ({device}): raw values in the page text"
        assert raw_values(cells) == [], f"{name} ({device}): raw values in a table"
        assert raw_values(charts) == [], f"{name} ({device}): raw values in a chart"
        # numbers the Indonesian way in the charts (a table's cells are listed for screen readers with their raw
        # numbers; what the table shows is checked in test_pages.py from the values Streamlit is sent to show)
        assert not [c for c in charts if re.fullmatch(r"-?\d+\.\d+%?", c)], f"{name}: a decimal point in a chart"
        # nothing wider than the screen: on a phone, a page that scrolls sideways is unusable
        overflow = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollWidth")
        assert overflow <= width + 1, f"{name} ({device}): {overflow} px wide"
        if path == "":
            values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
            assert values[0] == "13" and "," in values[1]  # units, and a mean total written the Indonesian way
    if width < 600:  # a phone: no Plotly tool bar over the charts' titles, fewer columns in the ranking
        assert page.locator(".modebar-container .modebar-group").count() == 0
    page.context.close()


def chosen(select) -> str:
    """The value a selectbox shows (it sits in the box's input)."""
    return select.locator("input").first.input_value()


def grid_cell(page, text: str):
    """The table cell showing `text` (the grid draws on a canvas; its cells are also listed for screen readers)."""
    return page.locator("[data-testid='stDataFrame'] [role='gridcell']").filter(has_text=re.compile(
        rf"^{re.escape(text)}$")).first


def click_cell(page, cell) -> None:
    """A click where the canvas draws the cell (the listed cell itself is not on screen)."""
    index = int(cell.get_attribute("aria-colindex")) - 1
    row = int(cell.locator("xpath=..").get_attribute("aria-rowindex")) - 1
    grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    headers = page.evaluate("""() => [...document.querySelectorAll("[data-testid='stDataFrame'] [role='columnheader']")]
        .map(h => h.getBoundingClientRect().width)""")
    x = grid["x"] + sum(headers[:index]) + 20
    y = grid["y"] + 35 * row + 17  # the header row, then rows of 35 px
    page.mouse.click(x, y)


def test_a_click_on_a_ranked_unit_opens_its_profile(server, chromium, demo_db):
    page = new_page(chromium)
    open_page(page, f"{server}/peringkat")
    names = page.evaluate(CELLS)
    second = names[names.index("2") + 1]  # the cells run row by row: No, Unit kerja, ...
    click_cell(page, grid_cell(page, second))
    page.wait_for_url(re.compile(r"/profil_unit\?"), timeout=60_000)
    wait_until_drawn(page, 800)
    assert page.locator("[data-testid='stMainBlockContainer'] h1").inner_text() == "Profil Unit"
    assert chosen(page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first) == second
    con = duckdb.connect(str(demo_db), read_only=True)
    try:  # the address names the unit by its key (two units may share a name)
        key = con.execute("select unit_id from stg_units where unit_name = ?", [second]).fetchall()
    finally:
        con.close()
    assert parse_qs(urlparse(page.url).query)["unit"] == [key[0][0]] and len(key) == 1
    page.screenshot(path=str(ARTIFACTS / "drilldown-profil.png"))
    page.context.close()


def test_an_address_with_the_view_opens_that_view_and_follows_a_change(server, chromium, demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        unit = con.execute("select unit_name from current_submissions where instansi = 'Kementerian Agama' "
                           "and year = 2025 order by unit_name limit 1").fetchone()[0]
    finally:
        con.close()
    page = new_page(chromium)
    open_page(page, f"{server}/profil_unit?tahun=2025&jawaban=unit&instansi=Kementerian%20Agama&unit={unit}")
    main = page.locator("[data-testid='stMain']").inner_text()
    assert "Kementerian Agama · tahun 2025" in main
    assert chosen(page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first) == unit
    sidebar = page.locator("[data-testid='stSidebar']")
    assert chosen(sidebar.locator("[data-testid='stSelectbox']").first) == "2025"
    assert sidebar.locator("input[type='radio']:checked").first.evaluate("e => e.value") in ("0", "unit", "Unit")
    page.screenshot(path=str(ARTIFACTS / "alamat-profil.png"))
    # the sidebar's links carry the view: Peringkat opens on the same year, instansi and answers
    sidebar.get_by_text("Peringkat", exact=True).click()
    page.wait_for_url(re.compile(r"/peringkat\?"), timeout=60_000)
    wait_until_drawn(page, 800)
    assert "Tahun 2025 · Kementerian Agama · jawaban Unit" in page.locator("[data-testid='stMain']").inner_text()
    # a change of filter changes the address
    sidebar.get_by_text("TPI", exact=True).click()
    page.wait_for_url(re.compile(r"jawaban=tpi"), timeout=60_000)
    wait_until_drawn(page, 800)
    query = parse_qs(urlparse(page.url).query)
    assert query["tahun"] == ["2025"] and query["instansi"] == ["Kementerian Agama"] and query["jawaban"] == ["tpi"]
    assert "jawaban TPI" in page.locator("[data-testid='stMain']").inner_text()
    page.context.close()


def test_the_ranking_csv_has_labelled_headers_and_at_most_two_decimals(server, chromium, tmp_path):
    page = new_page(chromium)
    open_page(page, f"{server}/peringkat")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Unduh CSV").first.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("peringkat_2026")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))
    note, blank, header, body = rows[0], rows[1], rows[2], rows[3:]
    assert note[0].startswith("Peringkat menurut Nilai total · Tahun 2026 · semua instansi · jawaban TPI")
    assert blank == []
    assert header[:5] == ["No", "Unit kerja", "Nilai total", "Predikat", "Perubahan"]
    assert all("_" not in h for h in header), header  # labels, not code names
    assert body and all(len(r) == len(header) for r in body)
    numbers = [c for r in body for c in r[2:] if re.fullmatch(r"-?[\d.]+(,\d+)?", c)]
    assert numbers and all(re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d{1,2})?", c) for c in numbers), numbers[:5]
    assert raw_values(c for r in rows for c in r) == []
    page.context.close()
