"""What pages draw data with: tables, charts, downloads and report buttons, badges, numbers the Indonesian way."""

from __future__ import annotations

import html
from functools import partial

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
    config = {"displaylogo": False, "displayModeBar": False if phone() else "hover"}
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


def _clicked_unit(event) -> str | None:
    """The unit_id carried by the first clicked point (the first item of its customdata), else None."""
    for point in (event.selection.points if event else []):
        data = point.get("customdata")
        if isinstance(data, list) and data:
            return data[0]
        if isinstance(data, str):
            return data
    return None


PHONE_WIDTHS = {"large": 170, "medium": 150, "small": 40}  # px: the name, a number and a predicate fit 390 px


def _config(c: Column, narrow: bool = False):
    width = PHONE_WIDTHS.get(c.width, c.width) if narrow and isinstance(c.width, str) else c.width
    if c.kind in ("score", "change"):  # shown as the Styler formats them (table())
        return st.column_config.NumberColumn(c.label, help=c.help, width=width)
    if c.kind == "pct":
        return st.column_config.ProgressColumn(c.label, min_value=0, max_value=100, format="%.0f%%", help=c.help,
                                               width=width)
    if c.kind == "int":
        return st.column_config.NumberColumn(c.label, format="%d", help=c.help, width=width)
    if c.kind == "date":
        return st.column_config.DatetimeColumn(c.label, format="DD-MM-YYYY HH:mm", help=c.help, width=width)
    return st.column_config.TextColumn(c.label, help=c.help, width=width)


def table(df: pd.DataFrame, columns: list[Column], key: str, height: int | str = "auto", select: bool = False,
          style=None):
    """A table a person reads: labelled columns, numbers the Indonesian way (the numbers stay numbers, so a
    column still sorts by value), "–" for an empty cell, yes/no in words, fewer columns on a phone.

    select=True: a click on a row (its box or any cell) returns the row's position in `df` (else None).
    `style`: a function given the pandas Styler, for highlights."""
    narrow = phone()
    shown = [c for c in columns if c.phone or not narrow]
    view = df[[c.key for c in columns]].reset_index(drop=True)
    for c in columns:
        if c.kind == "bool":
            view[c.key] = view[c.key].map(lambda v: "–" if pd.isna(v) else ("ya" if v else "tidak"))
    formats = {c.key: (signed if c.kind == "change" else num) for c in shown if c.kind in ("score", "change")}
    styler = view.style.format(formats, na_rep="–")
    if style is not None:
        styler = style(styler)
    if isinstance(height, int) and 35 * (len(view) + 1) + 3 < height:
        height = "auto"  # a few rows: no empty space below them
    event = st.dataframe(
        styler, hide_index=True, width="stretch", height=height, key=key, placeholder="–",
        column_order=[c.key for c in shown], column_config={c.key: _config(c, narrow) for c in shown},
        **({"on_select": "rerun", "selection_mode": ["single-row", "single-cell"]} if select else {}))
    if select:  # the row's box, or any of its cells (a click on the name)
        if event.selection.rows:
            return event.selection.rows[0]
        if event.selection.cells:
            return event.selection.cells[0][0]
    return None


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
