"""The router: the page list, the app around every page (sign-in gate, sidebar links and filters), the page guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from ui import address, filters, signin, widgets

PAGE_TABLE = [  # script, title, icon (Material Symbols: the font ships with Streamlit, nothing is fetched)
    ("pages/ringkasan.py", "Ringkasan", ":material/dashboard:"),
    ("pages/peringkat.py", "Peringkat", ":material/leaderboard:"),
    ("pages/kesenjangan.py", "Kesenjangan", ":material/troubleshoot:"),
    ("pages/tren.py", "Tren", ":material/trending_up:"),
    ("pages/profil_unit.py", "Profil Unit", ":material/apartment:"),
    ("pages/siklus.py", "Siklus", ":material/conversion_path:"),
    ("pages/survei.py", "Survei", ":material/poll:"),
    ("pages/laporan.py", "Laporan", ":material/description:"),
    ("pages/data.py", "Data", ":material/upload_file:"),
]
_ROUTED: ContextVar[bool] = ContextVar("zi_routed", default=False)  # set while route() runs the page


def page_config() -> None:
    """Title and icon before anything else: a run that sends the page list without them lets the browser take
    the page's title and icon, and a ":material/...:" icon as the tab icon is fetched from Google's font server.
    An emoji is drawn by the browser itself."""
    st.set_page_config(page_title="ZI Monitor", page_icon="🛡️", layout="wide")


def pages() -> list:
    return [st.Page(script, title=title, icon=icon, default=i == 0)
            for i, (script, title, icon) in enumerate(PAGE_TABLE)]


@contextmanager
def routed() -> Iterator[None]:
    """dashboard.py runs the chosen page inside this, once the sign-in gate has passed."""
    token = _ROUTED.set(True)
    try:
        yield
    finally:
        _ROUTED.reset(token)


def route() -> None:
    """The whole app around a page: title and icon, the sign-in gate, then the chosen page with the
    sidebar's links and filters. dashboard.py is this one call."""
    page_config()
    widgets.page_style()
    st.sidebar.title("ZI Monitor")
    st.sidebar.caption("Pemantauan Zona Integritas menuju WBK/WBBM")
    # The page links and the filters come first, above what the sign-in gate says in the sidebar (who is signed
    # in, the open mode's notice): on a phone the filters are then within the first screen.
    links, filter_box = st.sidebar.container(), st.sidebar.container()
    if not signin.access_gate():
        st.stop()
    widgets.warm_elements()  # before the page's queries: the browser loads the numbers' and charts' code meanwhile
    page_list = pages()
    page = st.navigation(page_list, position="hidden")
    requested = st.session_state.pop("requested_path", None)
    if requested is not None:
        _to_requested_page(requested, page, page_list)
    filters.sidebar_filters(filter_box)
    sidebar_navigation(page_list, links)
    with routed():
        page.run()


def _to_requested_page(path: str, page, page_list: list) -> None:
    """Right after signing in, the page (and view) whose address was opened: after a failed attempt Streamlit
    would otherwise show the first page."""
    wanted = next((p for p in page_list if p.url_path == path), None)
    if wanted is not None and wanted.url_path != page.url_path:
        st.switch_page(wanted, query_params=st.session_state.pop("requested_query", None) or None)


def page_guard() -> None:
    """The first call of every page script: the page goes on only when route() runs it.

    Streamlit also runs scripts under pages/ on its own (its older multipage mode, which it picks when the
    first address a freshly started server is asked for is a page). Such a run goes through route() here,
    sign-in gate first, and stops after it: the page then runs inside route() as in any other run. The
    st.navigation call in route() also switches that older mode off for the rest of the process.
    """
    if _ROUTED.get():
        return
    route()
    st.stop()


def sidebar_navigation(page_list: list, where) -> None:
    """The page links, drawn in `where` (a sidebar container above the filters; Streamlit's own sidebar list is
    off in config.toml: it listed every script under pages/). Each carries the view (year, instansi, whose
    answers, unit) in its address, so a link opened in a new tab shows the same view."""
    params = address.view_params()
    narrow = widgets.phone()
    # a phone: the links two to a row, so the filters below them stay within the first screen
    box = where.container(horizontal=True, gap="small") if narrow else where
    for page in page_list:
        box.page_link(page, query_params=params or None, width=128 if narrow else "content")
    if narrow:
        where.html(CLOSE_ON_NAVIGATION, unsafe_allow_javascript=True)


# On a phone the sidebar lies over the page: a tap on a page link closes it, as Streamlit's own page list does (a
# st.page_link leaves it open). Installed once per browser tab; it only clicks Streamlit's own collapse button.
CLOSE_ON_NAVIGATION = """<script>
if (!window.ziCloseOnNavigation) {
  window.ziCloseOnNavigation = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']");
    if (!link || window.innerWidth >= 768) return;
    const close = document.querySelector("[data-testid='stSidebarCollapseButton'] button");
    if (close) setTimeout(() => close.click(), 0);
  }, true);
}
</script>"""
