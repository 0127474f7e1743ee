"""The view in the address bar: the filters and the chosen unit as query parameters, both ways, and drill-down links
that keep them."""

from __future__ import annotations

import streamlit as st

ALL = "Semua"  # the edition filter's "every edition"


# The view in the address: ?tahun=2026&instansi=A&instansi=B&jawaban=tpi&edisi=2021&unit=<unit_id> (a unit's key:
# two units never share it, whatever their names; a link by name still opens the one unit of that name)
PARAMS = {"f_year": "tahun", "f_instansi": "instansi", "f_edition": "edisi", "f_assessor": "jawaban", "f_unit": "unit"}


def read() -> set[str]:
    """On a session's first run, the filters the address names (a link sent by a colleague); returns their keys.
    Values the data do not have are left to the defaults by filters.sidebar_filters, which says so."""
    q = st.query_params
    given = {}
    if "tahun" in q:
        given["f_year"] = int(q["tahun"]) if q["tahun"].isdigit() else q["tahun"]
    if "instansi" in q:
        given["f_instansi"] = q.get_all("instansi")
    if "edisi" in q:
        given["f_edition"] = q["edisi"]
    if "jawaban" in q:
        given["f_assessor"] = q["jawaban"]
    if "unit" in q:
        st.session_state["_f_unit"] = q["unit"]
    for key, value in given.items():
        st.session_state[f"_{key}"] = value
    st.session_state["_address_read"] = True
    return set(given)


def view_params() -> dict[str, str | list[str]]:
    """The view as query parameters (only what differs from the defaults is left out: the year always)."""
    out: dict[str, str | list[str]] = {}
    year = st.session_state.get("_f_year")
    if year is None:
        return out
    out["tahun"] = str(year)
    if st.session_state.get("_f_instansi"):
        out["instansi"] = list(st.session_state["_f_instansi"])
    if st.session_state.get("_f_edition", ALL) != ALL:
        out["edisi"] = str(st.session_state["_f_edition"])
    out["jawaban"] = str(st.session_state.get("_f_assessor", "tpi"))
    if st.session_state.get("_f_unit"):
        out["unit"] = str(st.session_state["_f_unit"])
    return out


def sync_address() -> None:
    """Write the view into the address bar (only when it changed: each write is a message to the browser)."""
    wanted = view_params()
    current = {k: (st.query_params.get_all(k) if k == "instansi" else st.query_params[k]) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def open_profile(unit_id: str, year: int | None = None) -> None:
    """Drill-down: the Profil Unit of the unit with this key (of another year when given), the rest of the view
    kept.

    The widgets of this run may not be changed any more: the new values wait in "_pending_view" and are put
    in place by the next run's filters.sidebar_filters, before any widget is drawn."""
    pending = {"f_unit": unit_id, **({"f_year": int(year)} if year is not None else {})}
    st.session_state["_pending_view"] = pending
    params = dict(view_params(), unit=unit_id, **({"tahun": str(int(year))} if year is not None else {}))
    st.switch_page("pages/profil_unit.py", query_params=params)
