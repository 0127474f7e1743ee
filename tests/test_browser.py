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
# what a phone's table cards show: each card's title and every value
CARD_TEXT = """() => [...document.querySelectorAll('.zi-title, .zi-val, [class*="st-key-zicard_"] button')]
    .map(e => e.textContent)"""

# Pages with a unit table, and what the first rows must show whole on a phone (within the screen, not cut by
# their card): the value the page is about, by its label, and whether a predicate stands beside it.
PHONE_CARDS = {"": ("Perubahan", True), "peringkat": ("Nilai total", True), "profil_unit": ("Jawaban TPI", False),
               "survei": ("IPAK", True), "laporan": ("Nilai TPI", True), "siklus": ("Tahap", False),
               "data": ("Tahun", False), "kesenjangan": ("Rata-rata capaian", False)}
FIRST_CARDS = """(label) => [...document.querySelectorAll('.zi-values')].filter(e => e.checkVisibility()).slice(0, 3)
    .map(values => {
        const whole = e => { const r = e.getBoundingClientRect();
            return {text: e.textContent, left: r.left, right: r.right, width: r.width,
                    cut: e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1}; };
        const value = [...values.querySelectorAll('.zi-val')].find(v => v.dataset.label === label);
        const predicate = values.querySelector('.zi-pred');
        const card = values.closest('.zi-card') || values.closest('[class*="st-key-zicard_"]');
        return {value: value ? whole(value) : null, predicate: predicate ? whole(predicate) : null,
                card: whole(card)};
    })"""
# Tables whose predicate column must show whole at 1440 px. A table's cells are drawn on a canvas: the column's
# place comes from the header's separator lines, and a cut text is ink in the last pixels before the column's
# right edge (a whole one ends at least the cell's padding before it).
PREDICATE_TABLES = ["", "peringkat", "survei", "laporan"]
# a table lists its headers and cells for screen readers a moment after it is drawn
HEADERS_LISTED = """() => [...document.querySelectorAll("[data-testid='stDataFrame']")].filter(e => e.checkVisibility())
    .every(t => t.querySelector("[role='columnheader']") && t.querySelector("[role='gridcell']"))"""
PREDICATE_CUT = """(label) => [...document.querySelectorAll("[data-testid='stDataFrame']")].filter(e => e.checkVisibility())
    .flatMap(df => {
        const heads = [...df.querySelectorAll("[role='columnheader']")].map(h => h.textContent.trim());
        const col = heads.findIndex(h => h.startsWith(label));
        if (col < 0) return [];
        const canvases = [...df.querySelectorAll('canvas')];
        const body = canvases.find(c => c.dataset.testid === 'data-grid-canvas');
        const header = canvases.find(c => c !== body && c.height < 80);  // a column running off the table has no
        // separator on its right: its right edge is then past the table's width
        const read = (c, y) => c.getContext('2d', {willReadFrequently: true}).getImageData(0, y, c.width, 1).data;
        const line = read(header, 3);  // above the header's text: only the separators between columns
        const edges = [0];
        for (let x = 1; x < header.width; x++) {
            const v = line[4 * x];
            if (v < 240 && line[4 * x - 4] >= 240) edges.push(x);
        }
        const marker = edges.length > 1 && edges[1] < 36 ? 1 : 0;  // the column of row boxes, when a table has one
        const [left, right] = [edges[col + marker], edges[col + marker + 1] ?? header.width + 1];
        let ink = 0;
        const data = body.getContext('2d', {willReadFrequently: true}).getImageData(0, 0, body.width, body.height).data;
        for (let y = 0; y < body.height; y++)
            for (let x = right - 5; x < right - 1; x++) {
                const i = 4 * (y * body.width + x);
                if (Math.max(data[i], data[i + 1], data[i + 2]) < 160) ink++;
            }
        return [{heads, col, left, right, width: body.width, ink}];
    })"""

# Text under a table's (or chart's) tool bar where the bar shows without a hover (a phone shows it at rest).
TOOLBAR_OVER_TEXT = """() => {
    const bars = [...document.querySelectorAll("[data-testid='stElementToolbar']")]
        .filter(t => t.checkVisibility({opacityProperty: true, visibilityProperty: true}));
    const texts = [];
    const main = "[data-testid='stMain'] ";
    const selector = ["h1", "h2", "h3", "[data-testid='stMarkdownContainer'] p", "[data-testid='stCaptionContainer']",
                      ".js-plotly-plot text"].map(s => main + s).join(", ");
    for (const el of document.querySelectorAll(selector)) {
        if (!el.textContent.trim()) continue;
        let rects = [el.getBoundingClientRect()];
        if (!(el instanceof SVGElement)) { const range = document.createRange(); range.selectNodeContents(el);
                                           rects = [...range.getClientRects()]; }
        for (const r of rects) texts.push([el.textContent.trim().slice(0, 40), r]);
    }
    const hits = [];
    for (const bar of bars) {
        const b = bar.getBoundingClientRect();
        for (const [text, r] of texts)
            if (r.width && r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top) hits.push(text);
    }
    return hits;
}"""

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


TABLE_SHOWN = """() => [...document.querySelectorAll("[data-testid='stDataFrame']")].some(t => t.checkVisibility()
    && t.querySelector("[role='gridcell']")) || !!document.querySelector('.zi-values')"""


def open_page(page, url: str) -> None:
    page.goto(url, timeout=60_000)
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=60_000)
    wait_until_drawn(page, 800)
    page.wait_for_function(HEADERS_LISTED, timeout=30_000)  # the tables' cells are read from that list


def raw_values(texts) -> list[str]:
    return sorted({m.group(0) for t in texts for m in RAW.finditer(t)})


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_page_reads_cleanly_at_desktop_and_phone_width(server, chromium, device):
    width = WIDTHS[device]
    page = new_page(chromium, width)
    for path, texts in PAGES.items():
        open_page(page, f"{server}/{path}")
        name = path or "ringkasan"
        if path != "tren":  # every page but Tren has a table: drawn, with its cells listed (or as cards on a phone)
            page.wait_for_function(TABLE_SHOWN, timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"))
        assert page.locator("[data-testid='stException']").count() == 0, f"{name}: an exception is shown"
        body = page.locator("[data-testid='stMain']").inner_text()
        for text in texts:
            assert text in body, f"{name} ({device}): '{text}' is missing"
        sidebar = page.locator("[data-testid='stSidebar']").inner_text() if width >= 600 else ""
        cells, charts = page.evaluate(CELLS) + page.evaluate(CARD_TEXT), page.evaluate(CHART_TEXT)
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
            values = page.locator("[data-testid='stMain'] [data-testid='stMetricValue']").all_inner_texts()
            assert values[0] == "13" and "," in values[1]  # units, and a mean total written the Indonesian way
        if width < 600:  # a tool bar a phone shows at rest covers no heading, caption or axis title
            assert page.evaluate(TOOLBAR_OVER_TEXT) == [], f"{name}: a tool bar covers text"
        if width < 600 and path in PHONE_CARDS:  # the first rows whole on the phone's screen
            label, predicate = PHONE_CARDS[path]
            cards = page.evaluate(FIRST_CARDS, label)
            assert len(cards) == 3, f"{name}: {len(cards)} cards"
            for card in cards:
                parts = [card["card"], card["value"]] + ([card["predicate"]] if predicate else [])
                assert None not in parts, f"{name}: {label} or the predicate missing in {card}"
                for part in parts:
                    assert part["left"] >= 0 and part["right"] <= width and not part["cut"], f"{name}: {part}"
        if width >= 600 and path in PREDICATE_TABLES:  # the predicate whole in its column
            page.wait_for_function(HEADERS_LISTED, timeout=30_000)
            found = page.evaluate(PREDICATE_CUT, "Predikat")
            assert found, f"{name}: no predicate column in sight"
            for table in found:
                assert table["right"] <= table["width"] and table["ink"] == 0, f"{name}: predicate cut: {table}"
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


def test_on_a_phone_the_filters_are_in_the_first_screen_and_a_page_link_closes_the_sidebar(server, chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, **PHONE)  # a phone's screen
    page = context.new_page()
    open_page(page, f"{server}/")
    sidebar = page.locator("[data-testid='stSidebar']")

    def sidebar_open() -> bool:
        box = sidebar.bounding_box()
        return box is not None and box["x"] + box["width"] > 10

    assert not sidebar_open()  # a phone starts with the page, not the sidebar
    page.locator("[data-testid='stExpandSidebarButton']").click()
    page.wait_for_function("() => { const r = document.querySelector(\"[data-testid='stSidebar']\")"
                           ".getBoundingClientRect(); return r.left >= -1 && r.width > 100; }", timeout=10_000)
    page.wait_for_timeout(500)  # the sidebar slides in
    # every filter within the first screen of the sidebar: no scrolling past the page list to reach them
    filters = sidebar.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect'], [data-testid='stRadio']")
    assert filters.count() >= 4
    for i in range(filters.count()):
        box = filters.nth(i).bounding_box()
        assert box["y"] + box["height"] <= 844, f"filter {i} below the first screen: {box}"
    page.screenshot(path=str(ARTIFACTS / "ponsel-sidebar.png"))
    sidebar.get_by_text("Peringkat", exact=True).click()
    page.wait_for_url(re.compile(r"/peringkat"), timeout=60_000)
    wait_until_drawn(page, 800)
    page.wait_for_timeout(500)
    assert not sidebar_open(), "the sidebar stays over the page after a page was chosen"
    assert page.locator("[data-testid='stMainBlockContainer'] h1").inner_text() == "Peringkat"
    page.screenshot(path=str(ARTIFACTS / "ponsel-setelah-navigasi.png"))
    context.close()


def test_a_chosen_upload_shows_its_score_and_coverage_and_asks_about_a_look_alike_instansi(server, chromium, tmp_path):
    """Before anything is loaded: what each file would score and how much of the catalog it covers, the identity
    still missing, and an instansi written like a known one ("Kementrian Agama") warned and confirmed."""
    from tests.helpers import edition, filled_workbook, perfect
    from zi_data.lke_writer import write_lke_zi

    ed = edition("2021")
    questions = len(ed.answerable)
    lookalike = filled_workbook(tmp_path / "2025_Unit Mirip.xlsx", unit=perfect(ed), tpi=perfect(ed),
                                unit_name="Unit Mirip", instansi="Kementrian Agama")
    nameless = write_lke_zi(tmp_path / "lke.xlsx", ed, "x", "x", 2025, perfect(ed), quirks={"no_identity"})
    page = new_page(chromium)
    open_page(page, f"{server}/data")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files([str(lookalike), str(nameless)])
    page.get_by_text("mirip dengan 'Kementerian Agama'").first.wait_for(timeout=60_000)
    wait_until_drawn(page, 800)
    page.wait_for_function(HEADERS_LISTED, timeout=30_000)
    cells = page.evaluate(CELLS)
    # scored before loading, and the catalog's coverage said per file
    assert "Unit 100,00 (WBBM) · TPI 100,00 (WBBM)" in cells
    assert f"{questions}/{questions} dikenali (100%); dijawab Unit {questions}, TPI {questions}" in cells
    assert f"{questions}/{questions} dikenali (100%); dijawab Unit {questions}" in cells  # no TPI in that one
    load = page.get_by_role("button", name="Muat ke basis data")
    assert load.is_disabled()  # one file names no unit or year, and the look-alike is not confirmed yet
    assert page.get_by_text("1 berkas tidak menyebut unit kerja atau tahunnya").count() == 1
    page.get_by_text("memang instansi baru").click()
    wait_until_drawn(page, 500)
    assert load.is_disabled()  # still: the nameless file
    # a new instansi typed by hand: a look-alike is warned and added only on purpose
    page.get_by_role("textbox", name="Instansi baru (belum ada di daftar)").fill("Badan Pusat Statistic")
    page.get_by_role("button", name="Tetap tambahkan 'Badan Pusat Statistic'").wait_for(timeout=30_000)
    assert page.get_by_text("'Badan Pusat Statistic' mirip dengan instansi yang sudah ada: 'Badan Pusat Statistik'"
                            ).count() == 1
    page.screenshot(path=str(ARTIFACTS / "unggah-pratinjau-1440.png"))
    page.context.close()
