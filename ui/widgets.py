"""What pages draw data with: tables, charts, downloads and report buttons, badges, numbers the Indonesian way."""

from __future__ import annotations

import html
from functools import partial
from html import escape

import pandas as pd
import streamlit as st

from ui import address, filters, loaders
from ui.text import md
from zi_data import reports
from zi_data.export import Column, labelled, to_csv_bytes, to_xlsx_bytes
from zi_data.predicates import fmt
from zi_data.reports import data as report_data


def phone() -> bool:
    """A phone's browser: every mobile browser's User-Agent says "Mobi" (MDN's advice for telling them apart).
    Pages then show fewer table columns and charts with shorter labels."""
    try:
        return "Mobi" in (st.context.headers.get("User-Agent") or "")
    except Exception:  # no browser behind this run (AppTest)
        return False


def chart(fig, key: str | None = None, open_unit: bool = False) -> None:
    """A Plotly figure across the page's width (its tool bar only on hover, none on a phone where it covers the
    title). open_unit=True: a click on a point opens the Profil Unit of the unit whose unit_id is the first item
    of the point's customdata."""
    config = {"displaylogo": False, "displayModeBar": False if phone() else "hover", **PLOTLY_LOCALE}
    # The title goes above the chart as text: inside the figure, a legend that wraps to several rows (six
    # instansi on a narrow plot) would run over it. The legend then sits alone above the plot.
    title = fig.layout.title.text if fig.layout.title else None
    if title:  # a Plotly text (charts.plain): shown as Markdown, as written
        st.markdown(f"**{md(html.unescape(title))}**")
        fig.update_layout(title=None)  # charts._layout already gave a titled figure the margin it needs
    if not open_unit:
        st.plotly_chart(fig, width="stretch", config=config, key=key)
        return
    event = st.plotly_chart(fig, width="stretch", config=config, key=key, on_select="rerun",
                            selection_mode="points")
    unit = _clicked_unit(event)
    if unit:
        address.open_profile(unit)


# Plotly's own texts (the tool bar's tips, the zoom notice) in Bahasa Indonesia, given with each figure's
# configuration: nothing is fetched, Plotly reads a locale passed this way.
PLOTLY_LOCALE = {"locale": "id", "locales": {"id": {"dictionary": {
    "Autoscale": "Skala otomatis", "Box Select": "Pilih kotak", "Lasso Select": "Pilih laso", "Pan": "Geser",
    "Zoom": "Perbesar area", "Zoom in": "Perbesar", "Zoom out": "Perkecil", "Reset axes": "Kembalikan sumbu",
    "Reset view": "Kembalikan tampilan", "Reset views": "Kembalikan tampilan", "Reset": "Kembalikan",
    "Download plot as a png": "Unduh grafik (PNG)", "Download plot": "Unduh grafik",
    "Toggle Spike Lines": "Garis bantu", "Show closest data on hover": "Tampilkan data terdekat",
    "Compare data on hover": "Bandingkan data", "Toggle show closest data on hover": "Tampilkan data terdekat",
    "Double-click to zoom back out": "Klik dua kali untuk kembali", "Produced with Plotly.js": "Dibuat dengan Plotly.js",
    "Taking snapshot - this may take a few seconds": "Menyimpan gambar, mohon tunggu",
    "Snapshot succeeded": "Gambar tersimpan", "Sorry, there was a problem downloading your snapshot!":
        "Maaf, gambar gagal diunduh.",
    "Double-click on legend to isolate one trace": "Klik dua kali pada legenda untuk menampilkan satu seri saja",
    "Click to enter Colorscale title": "Klik untuk mengisi judul skala warna",
    "Click to enter Plot title": "Klik untuk mengisi judul", "Click to enter X axis title": "Klik untuk mengisi judul "
    "sumbu X", "Click to enter Y axis title": "Klik untuk mengisi judul sumbu Y", "new text": "teks baru",
    "trace": "seri", "max:": "maks:", "min:": "min:", "mean:": "rata-rata:", "median:": "median:"},
    "format": {"decimal": ",", "thousands": ".", "days": ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat",
                                                          "Sabtu"],
               "shortDays": ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
               "months": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                          "Oktober", "November", "Desember"],
               "shortMonths": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
               "date": "%d-%m-%Y"}}}}


def _clicked_unit(event) -> str | None:
    """The unit_id carried by the first clicked point (the first item of its customdata), else None."""
    for point in (event.selection.points if event else []):
        data = point.get("customdata")
        if isinstance(data, list) and data:
            return data[0]
        if isinstance(data, str):
            return data
    return None


PREDICATE_KEYS = ("predicate", "tpi_predicate")  # columns read as a predicate: a badge on a phone
PREDICATE_WIDTH = 130  # px: "Belum memenuhi" whole, with the cell's padding
WRAP_ROW_HEIGHT = 76  # px: rows this tall wrap long text to three lines (Streamlit wraps above 4rem)
PHONE_ROWS = 20  # rows shown as cards on a phone; all of them are in the full table below


def _config(c: Column):
    width = PREDICATE_WIDTH if c.width is None and c.key in PREDICATE_KEYS else c.width
    if c.kind in ("score", "change"):  # shown as the Styler formats them (table())
        return st.column_config.NumberColumn(c.label, help=c.help, width=width)
    if c.kind == "pct" and not c.bar:
        return st.column_config.NumberColumn(c.label, format="%.0f%%", help=c.help, width=width)
    if c.kind == "pct":
        return st.column_config.ProgressColumn(c.label, min_value=0, max_value=100, format="%.0f%%", help=c.help,
                                               width=width)
    if c.kind == "int":
        return st.column_config.NumberColumn(c.label, format="%d", help=c.help, width=width)
    if c.kind == "date":
        return st.column_config.DatetimeColumn(c.label, format="DD-MM-YYYY HH:mm", help=c.help, width=width)
    return st.column_config.TextColumn(c.label, help=c.help, width=width)


def table(df: pd.DataFrame, columns: list[Column], key: str, height: int | str = "auto", select: bool = False,
          flag: pd.Series | None = None, wrap: bool = False, phone_rows: int = PHONE_ROWS):
    """A table a person reads: labelled columns, numbers the Indonesian way (the numbers stay numbers, so a
    column still sorts by value), "–" for an empty cell, yes/no in words.

    On a phone the first `phone_rows` rows are cards (the columns marked `phone`: the name, the value the page is
    about, the predicate, each whole on the screen), and the full table is one tap away below them.
    select=True: a click on a row (any of its cells, or a card's name) returns the row's position in `df` (else
    None). `flag`: rows to highlight (a boolean per row of `df`, by position). wrap=True: long text wraps in its
    cell (three lines) instead of being cut, and a click on a row shows it whole below the table."""
    view = df[[c.key for c in columns]].reset_index(drop=True)
    for c in columns:
        if c.kind == "bool":
            view[c.key] = view[c.key].map(lambda v: "–" if pd.isna(v) else ("ya" if v else "tidak"))
    flags = None if flag is None else [bool(v) for v in flag]
    if not phone() and wrap and not select:  # long text: wrapped in its cell, and whole on a click
        picked = _grid(view, columns, key, height, True, flags, wrap)
        st.caption("Klik baris untuk membaca teksnya utuh.")
        if picked is not None:
            with st.container(border=True):
                for c in columns:
                    st.markdown(f"**{md(c.label)}:** {md(cell_text(view.at[picked, c.key], c.kind))}")
        return None
    if not phone():
        return _grid(view, columns, key, height, select, flags, wrap)
    picked = cards(view, [c for c in columns if c.phone], key, select, flags, phone_rows)
    more = f"{min(len(view), phone_rows)} dari {len(view)} baris di atas; " if len(view) > phone_rows else ""
    with st.expander(f"Tabel lengkap ({more}semua kolom, geser ke samping)", icon=":material/table:"):
        chosen = _grid(view, columns, key, height, select, flags, wrap=True)
    return picked if picked is not None else chosen


def _grid(view: pd.DataFrame, columns: list[Column], key: str, height, select: bool, flags, wrap: bool):
    formats = {c.key: (signed if c.kind == "change" else num) for c in columns if c.kind in ("score", "change")}
    styler = view.style.format(formats, na_rep="–")
    if flags is not None and any(flags):
        styler = styler.apply(lambda r: ["background-color: #FDE2E1" if flags[r.name] else "" for _ in r], axis=1)
    row_height = WRAP_ROW_HEIGHT if wrap else None
    if isinstance(height, int) and (row_height or 35) * len(view) + 38 < height:
        height = "auto"  # a few rows: no empty space below them
    event = st.dataframe(
        styler, hide_index=True, width="stretch", height=height, key=key, placeholder="–", row_height=row_height,
        column_order=[c.key for c in columns], column_config={c.key: _config(c) for c in columns},
        # a click on any cell picks its row (no column of row boxes: its width goes to the columns)
        **({"on_select": "rerun", "selection_mode": "single-cell"} if select else {}))
    if select and event.selection.cells:
        return event.selection.cells[0][0]
    return None


def empty_last(df: pd.DataFrame, columns: list[Column]) -> list[Column]:
    """The columns with the ones empty on every row moved to the end (the first, the row's name, stays)."""
    empty = [c for c in columns[1:] if df[c.key].isna().all() or df[c.key].astype(str).str.strip().eq("").all()]
    return [c for c in columns if c not in empty] + empty


def cell_text(value, kind: str) -> str:
    """A value as a table shows it: numbers the Indonesian way, "–" when empty."""
    if kind == "change":
        return signed(value)
    if kind == "score":
        return num(value)
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return "–"
    if kind == "pct":
        return f"{num(value, 0)}%"
    if kind == "int":
        return str(int(value))
    if kind == "date":
        return pd.Timestamp(value).strftime("%d-%m-%Y %H:%M")
    return str(value)


PREDICATE_TONES = {"WBBM": "green", "WBK": "green", "Belum memenuhi": "red"}


def cards(view: pd.DataFrame, columns: list[Column], key: str, select: bool = False, flags=None,
          rows: int = PHONE_ROWS) -> int | None:
    """Rows as cards for a phone: the first column as the card's title (with the rank before it when the table
    starts with one), then every other column as a label and its value, which wrap as a whole; predicates as
    badges. Text is shown as written (HTML-escaped, never read as Markdown). select=True: each title is a
    button, and the position of the row whose button was tapped is returned."""
    rank = columns[0] if columns and columns[0].kind == "int" and len(columns) > 1 else None
    title = columns[1] if rank else columns[0]
    rest = [c for c in columns if c is not rank and c is not title]

    def values_html(i: int) -> str:
        parts = []
        for n, c in enumerate(rest):
            text = cell_text(view.at[i, c.key], c.kind)
            if text == "–" and (n > 0 or c.key in PREDICATE_KEYS):
                continue  # an empty detail is left out; the card's main value says "–"
            if c.key in PREDICATE_KEYS:
                tone = PREDICATE_TONES.get(text, "gray")
                parts.append(f'<span class="zi-val zi-pred zi-{tone}" data-label="{escape(c.label)}">'
                             f'{escape(text)}</span>')
            else:
                long = c.kind == "text" and c.width in ("large", "medium") and len(text) > 24
                # a value that names itself ("⚠ Terlambat") goes without its label
                label = "" if c.label.casefold() in text.casefold() else f'<span class="zi-label">{escape(c.label)}</span> '
                parts.append(f'<span class="zi-val{" zi-long" if long else ""}" data-label="{escape(c.label)}">'
                             f'{label}{escape(text)}</span>')
        return f'<div class="zi-values">{"".join(parts)}</div>'

    def title_text(i: int) -> str:
        name = cell_text(view.at[i, title.key], title.kind)
        number = cell_text(view.at[i, rank.key], rank.kind) if rank else "–"
        return name if number == "–" else f"{number}. {name}"

    shown = range(min(len(view), rows))
    flagged = [bool(flags and flags[i]) for i in shown]
    if not select:
        st.html('<div class="zi-cards">' + "".join(
            f'<div class="zi-card{" zi-flag" if flagged[i] else ""}"><div class="zi-title">{escape(title_text(i))}'
            f'</div>{values_html(i)}</div>' for i in shown) + "</div>")
        return None
    picked = None
    for i in shown:
        with st.container(border=True, key=f"zicard_{key}_{i}{'_flag' if flagged[i] else ''}", gap=None):
            if st.button(md(title_text(i)), key=f"{key}_open_{i}", type="tertiary"):
                picked = i
            st.html(values_html(i))
    return picked




def downloads(df: pd.DataFrame, columns: list[Column] | None, name: str, key: str, title: str,
              note: str | None = None) -> None:
    """CSV and XLSX of a table side by side: the columns as labelled on screen, numbers rounded to 2 decimals,
    and a first line saying what the file holds (title, year, instansi, whose answers). Made on click."""
    if columns is not None:
        frame, kinds = labelled(df, columns)
    else:
        frame, kinds = df, None
    note = f"{title} · {note or filters.view_text()}"
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button("Unduh CSV", partial(to_csv_bytes, frame, note, kinds), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_csv", icon=":material/download:", on_click="ignore")
    c2.download_button("Unduh XLSX", partial(to_xlsx_bytes, frame, title, note, kinds), file_name=f"{name}.xlsx",
                       key=f"{key}_xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", on_click="ignore")


FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel"}


def kop_note() -> None:
    """Whether the unit reports carry the inspectorate's kop: found, absent (drafts) or malformed (its message)."""
    kop, error = loaders.kop()
    if error:
        st.warning(f"kop.toml tidak dipakai, laporan unit dibuat sebagai DRAF: {md(error)}", icon=":material/warning:")
    elif kop:
        st.caption(f"Kop, nomor, dasar dan tim dari kop.toml di folder basis data: {md(kop.penilai)}.")
    else:
        st.caption("Tanpa kop.toml di folder basis data laporan unit bertanda DRAF: isi kop, nomor, dasar penugasan "
                   "dan tim sekali di kop.toml (contoh: data/kop.contoh.toml).")


def report_buttons(submission_id: str, unit_name: str, year: int) -> None:
    """Download buttons for one unit's report; each file is made when its button is clicked, once per submission,
    database version and version of kop.toml, from the report data gathered once for every format."""
    path = loaders.db_path()
    db, version = str(path), loaders.db_version(path)
    kop_at = loaders.kop_version(db)
    kop_note()
    cols = st.columns([1, 1, 1, 2])
    for col, kind in zip(cols, reports.UNIT_FORMATS, strict=False):
        col.download_button(
            f"Laporan {FORMAT_LABELS[kind]}",
            data=lambda k=kind: loaders.unit_report_file(db, version, submission_id, k, kop_at),
            file_name=f"LHE_{year}_{report_data.safe_name(unit_name)}.{kind}", mime=reports.MIME[kind],
            key=f"report_{kind}", icon=":material/description:", on_click="ignore")


def recap_buttons(year: int, instansi: list[str], edition: str | None) -> None:
    """Download buttons for the recap of the sidebar's year, instansi and edition (PDF and XLSX)."""
    path = loaders.db_path()
    db, version = str(path), loaders.db_version(path)
    scope = report_data.safe_name("_".join(instansi)) if instansi else "semua-instansi"
    cols = st.columns([1, 1, 2])
    for col, kind in zip(cols, reports.RECAP_FORMATS, strict=False):
        col.download_button(
            f"Rekapitulasi {FORMAT_LABELS[kind]}",
            data=lambda k=kind: loaders.recap_file(db, version, year, tuple(instansi), edition, k),
            file_name=f"Rekap_ZI_{year}_{scope}.{kind}", mime=reports.MIME[kind], key=f"recap_{kind}",
            icon=":material/download:", on_click="ignore", width="stretch")


BADGES = {"WBBM": "green", "WBK": "green", "Belum memenuhi": "red"}


def badge(predicate) -> str:
    """A predicate as a coloured Markdown badge ("belum dinilai" when there is no score)."""
    if not isinstance(predicate, str):
        return ":gray-badge[Belum dinilai]"
    return f":{BADGES.get(predicate, 'gray')}-badge[{predicate}]"


def num(value, digits: int = 2) -> str:
    return "–" if value is None or pd.isna(value) else fmt(float(value), digits)


def signed(value, digits: int = 2) -> str:
    """A change with its sign: +8,36 / -0,94."""
    return "–" if value is None or pd.isna(value) else ("+" if value > 0 else "") + fmt(float(value), digits)


def failing_rules(rules: pd.DataFrame, who: str | None = None) -> None:
    """The WBK and WBBM rules side by side: all met, or each failing rule with its value, minimum and shortfall."""
    suffix = f" menurut {who}" if who else ""
    if rules.empty:
        st.info(f"Belum ada nilai{suffix}: syarat WBK/WBBM belum dapat diperiksa.")
        return
    fails = rules[~rules["passed"].astype(bool)]
    for col, predicate in zip(st.columns(2), ("WBK", "WBBM"), strict=True):
        sel = fails[fails["predicate"] == predicate]
        if sel.empty:
            col.success(f"Semua syarat {predicate} terpenuhi{suffix}")
        else:
            col.error(f"{predicate}: {len(sel)} syarat belum terpenuhi{suffix}\n\n"
                      + "\n".join(f"- {md(m)}" for m in sel["message"]))


def review_note(df: pd.DataFrame, what: str = "tidak ikut dalam peringkat, rata-rata dan hitungan predikat") -> None:
    """Units whose file is partial ("perlu diperiksa"), named, with the reason, wherever units are listed."""
    review = df[df["needs_review"].notna()] if "needs_review" in df else df.iloc[0:0]
    if len(review):
        st.warning(f"{len(review)} unit **{filters.REVIEW}** (berkasnya hanya sebagian cocok dengan daftar pertanyaan), "
                   f"{what}: " + "; ".join(md(f"{r.unit_name} ({r.needs_review})") for r in review.itertuples()),
                   icon=":material/report:")


STYLE = """<style>
.zi-cards {display: flex; flex-direction: column; gap: 0.5rem;}
.zi-card {border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.45rem 0.75rem;}
.zi-card.zi-flag, [class*="st-key-zicard_"][class*="_flag"] {background: #FDE2E1;}
.zi-title {font-weight: 600; line-height: 1.35; overflow-wrap: anywhere;}
.zi-values {display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; margin-top: 0.2rem; font-size: 0.92rem;
            line-height: 1.4;}
.zi-val {white-space: nowrap;}
.zi-val.zi-long {white-space: normal; flex-basis: 100%; overflow-wrap: anywhere;}
.zi-label {color: rgba(49, 51, 63, 0.62);}
.zi-pred {padding: 0 0.45rem; border-radius: 0.3rem; font-weight: 600;}
.zi-green {background: #DCEFE0; color: #14532D;}
.zi-red {background: #FBE0DD; color: #8B1E14;}
.zi-gray {background: #ECEEF1; color: #3D4450;}
[class*="st-key-zicard_"] {padding: 0.45rem 0.75rem !important; gap: 0.1rem !important;}
[class*="st-key-zicard_"] button {min-height: 0; padding: 0; text-align: left; justify-content: flex-start;}
[class*="st-key-zicard_"] button p {font-weight: 600; font-size: 1rem; line-height: 1.35;}
.st-key-zi_warm {display: none !important;}
</style>"""


def page_style() -> None:
    """The dashboard's own styles (the phone's table cards); a style-only block takes no room on the page."""
    st.html(STYLE)


# Streamlit loads an element's code (React.lazy) the first time such an element is drawn and shows a placeholder
# until it is there; React reveals waiting elements together, throttled. The headline numbers arrive with the first
# charts, and showed only once Plotly's 4.7 MB had loaded and run (benchmarks/cold.py). A hidden metric sent before
# the page's queries run has the metric's code loaded while the server computes the page: the numbers then show as
# they arrive, ahead of the charts. (A hidden chart, to load Plotly the same way, was measured too: running Plotly's
# code then takes the browser's time just when the numbers arrive, and they came later.)
def warm_elements() -> None:
    """The hidden metric (in the sidebar, out of sight and of the layout: STYLE hides its container)."""
    with st.sidebar.container(key="zi_warm"):
        st.metric("Memuat", 0, label_visibility="collapsed")
