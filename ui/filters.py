"""The sidebar filters (year, instansi, edition, whose answers), the unit choice, and the view in words."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from ui import address, loaders
from ui.address import ALL
from ui.text import md
from zi_data import names
from zi_data.readers.base import level_name
from zi_data.reports import data as report_data

REVIEW = "perlu diperiksa"  # a unit whose file is partial


def sidebar_filters(where=None) -> None:
    """Year, instansi, edition and whose answers (TPI by default), drawn in `where` (a sidebar container; the
    sidebar itself by default); values live in st.session_state and in the address (query parameters), so a
    link opens the same view."""
    where = where or st.sidebar
    where.markdown("### Filter")
    if not loaders.has_data():
        where.info("Basis data masih kosong.")
        return
    opts = loaders.query("options")
    levels = opts["levels"] or ["tpi"]
    from_address = address.read() if not st.session_state.get("_address_read") else set()
    for key, value in st.session_state.pop("_pending_view", {}).items():  # a drill-down's view (open_profile)
        st.session_state[key] = st.session_state[f"_{key}"] = value
    # Streamlit forgets a widget's value when another page is opened: each filter is kept in a copy of
    # its own ("_f_year" ...) and given back to the widget before it is drawn.
    defaults = {"f_year": opts["years"][0], "f_instansi": [], "f_edition": ALL,
                "f_assessor": report_data.judged_level(levels)}
    valid = {"f_year": lambda v: v in opts["years"], "f_instansi": lambda v: set(v) <= set(opts["instansi"]),
             "f_edition": lambda v: v == ALL or v in opts["editions"], "f_assessor": lambda v: v in levels}
    ignored = []
    for key, default in defaults.items():
        # set on every run: a widget met on a new page takes its value only from what the code set
        value = st.session_state.get(key, st.session_state.get(f"_{key}", default))
        if not valid[key](value):
            if key in from_address:
                ignored.append(address.PARAMS[key])
            value = default
        st.session_state[key] = value
    if ignored:
        where.caption(f"Isian alamat yang tidak ada dalam data ({', '.join(ignored)}) diganti pilihan awal.")
    where.selectbox("Tahun", opts["years"], key="f_year")
    where.multiselect("Instansi", opts["instansi"], key="f_instansi", placeholder="Semua instansi",
                      select_all=False, format_func=names.shown)  # no "Select all": none chosen is every instansi
    where.selectbox("Edisi LKE", [ALL] + opts["editions"], key="f_edition",
                    help="2019: 26 indikator (PermenPANRB 10/2019); 2021: Pemenuhan dan Reform "
                         "(PermenPANRB 90/2021)")
    where.radio("Jawaban siapa", levels, key="f_assessor", horizontal=True, format_func=level_name,
                help="Unit: penilaian mandiri unit kerja. TPI: penilaian ulang oleh Tim Penilai Internal; bila "
                     "ada beberapa tingkat TPI (mis. TPI unit lalu Inspektorat Jenderal), TPI adalah tingkat "
                     "terakhir (yang menentukan usulan) dan TPI tingkat 1 yang pertama. TPN: Tim Penilai "
                     "Nasional, bila workbook memuatnya.")
    for key in defaults:
        st.session_state[f"_{key}"] = st.session_state[key]
    where.caption(f"Basis data: `{loaders.db_path()}`")
    address.sync_address()


def current() -> dict:
    """The filters' values now: year, instansi, edition (None for every edition), whose answers and its name."""
    opts = loaders.query("options") if loaders.has_data() else {"years": [None]}
    year = st.session_state.get("f_year")
    if year not in opts["years"]:
        year = opts["years"][0] if opts["years"] else None
    edition = st.session_state.get("f_edition", ALL)
    return {
        "year": year,
        "instansi": list(st.session_state.get("f_instansi", [])),
        "edition": None if edition == ALL else edition,
        "assessor": st.session_state.get("f_assessor", "tpi"),
        "assessor_label": level_name(st.session_state.get("f_assessor", "tpi")),
    }


def keep_choices(key: str, options: list[str], default: Callable[[], list[str]]) -> None:
    """A multiselect's choices kept across reruns: default() on first use (called only then), afterwards the
    choices still among `options` (another year or instansi drops the ones no longer offered). Call before the
    widget is drawn."""
    if key not in st.session_state:
        st.session_state[key] = default()
    else:
        st.session_state[key] = [n for n in st.session_state[key] if n in options]


def unit_select(label: str, units: pd.DataFrame, default: int = 0, key: str = "f_unit",
                review: set[str] | frozenset[str] = frozenset()) -> str:
    """A selectbox of `units` (unit_id, unit_label, unit_name, instansi; listed in that order, each by its label)
    that keeps the chosen unit across pages and in the address (?unit=<unit_id>); returns the chosen unit_id.
    Units whose unit_id is in `review` (partial files) are marked "perlu diperiksa" in the list."""
    labels = dict(zip(units["unit_id"], units["unit_label"], strict=True))
    chosen = asked = st.session_state.get(key, st.session_state.get("_f_unit"))
    if chosen is not None and chosen not in labels:  # a link by name (older addresses), or a unit not in the list
        chosen, same = _unit_by_name(chosen, units)
        if same > 1:
            st.caption(f"Alamat menyebut unit '{md(asked)}', tetapi {same} unit bernama demikian: pilih unitnya di "
                       "bawah.")
    st.session_state[key] = chosen if chosen in labels else units["unit_id"].iloc[default]
    unit_id = st.selectbox(label, list(labels), key=key,
                           format_func=lambda u: f"{labels[u]} · {REVIEW}" if u in review else labels[u])
    st.session_state["_f_unit"] = unit_id
    address.sync_address()
    return unit_id


def _unit_by_name(name: str, units: pd.DataFrame) -> tuple[str | None, int]:
    """The unit an address names by its label or name, as links made before units had keys did: (its unit_id,
    1); (None, n) when n units answer to that name (which of them was meant cannot be told) or none does."""
    named = (units["unit_name"] == name) | (units["unit_label"] == name) \
        | (units["unit_name"] + " (" + units["instansi"] + ")" == name)
    found = units.loc[named, "unit_id"].unique()
    return (found[0], 1) if len(found) == 1 else (None, len(found))


def instansi_text(instansi: list[str]) -> str:
    """The chosen instansi in words: their names, or "semua instansi" when none is chosen."""
    return ", ".join(instansi) or "semua instansi"


def view_text(f: dict | None = None) -> str:
    """The view in words: year, instansi, whose answers, edition."""
    f = f or current()
    return (f"Tahun {f['year']} · {instansi_text(f['instansi'])} · jawaban {f['assessor_label']}"
            + (f" · edisi {f['edition']}" if f["edition"] else ""))


def caption() -> None:
    st.caption(md(view_text()))
