"""Shared Streamlit pieces: the sign-in gate and router, the database path, cached loaders, sidebar filters, downloads."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlparse

import pandas as pd
import streamlit as st

from zi_data import access, queries, reports
from zi_data.export import Column, labelled, to_csv_bytes, to_xlsx_bytes
from zi_data.ingest import identify_upload
from zi_data.predicates import fmt
from zi_data.readers.base import level_name
from zi_data.reports import data as report_data

ALL = "Semua"


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
_ROUTED: ContextVar[bool] = ContextVar("zi_routed", default=False)


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
    sidebar's links and filters. dashboard.py is this one call.

    An error nobody caught is logged with its traceback and shown as a sentence in Bahasa Indonesia: a
    traceback would show server paths (and Streamlit's own error box is set to say nothing in config.toml)."""
    page_config()
    try:
        _route()
    except Exception:
        logging.getLogger("zi_monitor").exception("halaman gagal")
        st.error("Halaman ini tidak dapat ditampilkan karena kesalahan di server. Muat ulang halaman; bila berulang, "
                 "hubungi pengelola (rinciannya tercatat di log server).", icon=":material/error:")


def _route() -> None:
    st.sidebar.title("ZI Monitor")
    st.sidebar.caption("Pemantauan Zona Integritas menuju WBK/WBBM")
    if not access_gate():
        st.stop()
    page_list = pages()
    page = st.navigation(page_list, position="hidden")
    requested = st.session_state.pop("requested_path", None)
    if requested is not None:
        _to_requested_page(requested, page, page_list)
    links = st.sidebar.container()  # drawn above the filters, filled once the filters are known
    sidebar_filters()
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
    params = view_params()
    for page in page_list:
        where.page_link(page, query_params=params or None)


def _oidc_configured() -> bool:
    """OpenID Connect through st.login, when .streamlit/secrets.toml has an [auth] section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def access_gate() -> bool:
    """Who is using the app; False (after showing only the sign-in form) until someone has signed in.

    With no configuration the app runs open (every action allowed) and says so in the sidebar. A users
    file that cannot be read lets nobody in. Limits (zi_data/access.py): 5 failed attempts lock a user
    name for 5 minutes; a session idle longer than the configured time (8 hours) is signed out.
    """
    try:
        config = access.load_config()
        idle_s = access.idle_limit_s(config)
    except access.ConfigError as exc:
        st.title("ZI Monitor")
        st.error(f"Kontrol akses tidak dapat dijalankan: {exc}. Tidak ada yang dapat masuk sampai hal ini "
                 "diperbaiki oleh admin server.")
        return False
    oidc = _oidc_configured()
    if config is None and not oidc:
        st.session_state["role"] = "admin"
        st.session_state["user_name"] = "mode terbuka"
        st.sidebar.warning(
            "**Mode terbuka**: kontrol akses belum aktif, siapa pun dapat mengunggah dan menghapus data. "
            "Aktifkan dengan `zi user NAMA --role admin` (membuat `.streamlit/users.toml`) atau OpenID Connect "
            "di `.streamlit/secrets.toml`; lihat README bagian Akses.", icon=":material/lock_open:")
        return True
    now = time.time()
    if _signed_in(config, oidc):
        if access.session_expired(st.session_state.get("last_active"), now, idle_s):
            _sign_out(f"Sesi berakhir karena tidak ada aktivitas selama {access.wait_text(idle_s)}. "
                      "Silakan masuk lagi.", oidc)
    elif "username" in st.session_state:  # removed from the users file, or the file was replaced
        _sign_out("Nama pengguna Anda tidak lagi terdaftar di berkas pengguna. Silakan masuk lagi atau hubungi admin.")
    if not _signed_in(config, oidc):
        _sign_in_form(config, oidc)
        return False
    st.session_state["last_active"] = now
    st.sidebar.caption(f"Masuk sebagai **{st.session_state['user_name']}** · "
                       f"{access.ROLE_LABELS[st.session_state['role']]}")
    st.sidebar.button("Keluar", key="logout", on_click=_sign_out, args=("Anda telah keluar.", oidc))
    if st.session_state["role"] == "admin" and config is not None and access.readable_by_others(config.path):
        st.sidebar.warning(f"Berkas pengguna `{config.path}` (berisi hash kata sandi) dapat dibaca pengguna lain "
                           f"di server ini. Perbaiki dengan `chmod 600 {config.path}`.", icon=":material/warning:")
    _idle_watch(idle_s)
    return True


def _signed_in(config: access.Config | None, oidc: bool) -> bool:
    """Signed in now; a user removed from the users file is out at once, a changed role applies at once."""
    if oidc:
        if not st.user.is_logged_in:
            return False
        st.session_state["role"] = config.role_for_email(st.user.get("email")) if config else "viewer"
        st.session_state["user_name"] = st.user.get("name") or st.user.get("email")
        return True
    entry = config.users.get(st.session_state.get("username", "")) if "username" in st.session_state else None
    if entry is None or st.session_state.get("auth_file") != str(config.path):
        return False
    st.session_state["role"] = access.role_of(entry)
    return True


def _sign_in_form(config: access.Config | None, oidc: bool) -> None:
    # The address as the browser has it (no page list is known yet in this session, so nothing is resolved),
    # and the view it asks for, both kept for after sign-in; nothing of it is shown before.
    st.session_state["requested_path"] = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    st.session_state["requested_query"] = {k: st.query_params.get_all(k) for k in st.query_params}
    st.title("ZI Monitor")
    notice = st.session_state.get("signin_notice")
    if notice:
        st.info(notice)
    if oidc:
        st.write("Masuk untuk melihat data Zona Integritas.")
        st.button("Masuk", on_click=st.login, type="primary")
        return
    with st.form("login"):
        st.subheader("Masuk")
        st.text_input("Nama pengguna", key="login_user")
        st.text_input("Kata sandi", type="password", key="login_password")
        st.form_submit_button("Masuk", type="primary", on_click=_attempt_sign_in, args=(config,))
    error = st.session_state.pop("signin_error", None)
    if error:
        st.error(error)


def _attempt_sign_in(config: access.Config) -> None:
    """The form's callback: runs before the page, so a success shows the dashboard in the same rerun."""
    username = st.session_state.get("login_user", "")
    password = st.session_state.get("login_password", "")
    st.session_state["login_password"] = ""  # the password leaves the session as soon as it is checked
    result = access.sign_in(config, username, password)
    if result.user is None:
        st.session_state["signin_error"] = result.message()
        return
    st.session_state.pop("signin_notice", None)
    st.session_state.update(username=result.user.username, user_name=result.user.name, role=result.user.role,
                            auth_file=str(config.path), last_active=time.time())


def _sign_out(notice: str, oidc: bool = False) -> None:
    """Forget everything this session held (who, role, filters, form values), keeping only the notice."""
    # key by key: st.session_state.clear() stops at the first widget value it cannot read, leaving the rest
    for key in list(st.session_state):
        try:
            del st.session_state[key]
        except KeyError:
            pass
    st.session_state["signin_notice"] = notice
    if oidc:
        st.logout()


def _idle_watch(idle_s: float) -> None:
    """Re-checks the idle time now and then, so a screen left open clears itself without a click."""
    @st.fragment(run_every=min(60.0, idle_s))
    def watch() -> None:
        if access.session_expired(st.session_state.get("last_active"), time.time(), idle_s):
            st.rerun(scope="app")

    with st.sidebar:
        watch()


def allowed(action: str) -> bool:
    return access.can(st.session_state.get("role"), action)


def role() -> str | None:
    """The signed-in role, for the library calls that check it where the action happens."""
    return st.session_state.get("role")


def db_path() -> Path:
    """`streamlit run dashboard.py -- --db PATH`, else $ZI_DB, else data/zi.duckdb."""
    args = sys.argv[1:]
    if "--db" in args and args.index("--db") + 1 < len(args):
        return Path(args[args.index("--db") + 1])
    return Path(os.environ.get("ZI_DB", "data/zi.duckdb"))


def db_version(path: Path) -> float:
    """Changes whenever an ingestion writes, so cached frames are refreshed."""
    stamps = [p.stat().st_mtime for p in (path, Path(f"{path}.wal")) if p.exists()]
    return max(stamps) if stamps else 0.0


@st.cache_data(show_spinner=False, max_entries=512)
def _run(name: str, db: str, version: float, args: tuple) -> pd.DataFrame | dict:
    con = queries.connect(db)
    try:
        return getattr(queries, name)(con, *args)
    finally:
        con.close()


def _busy() -> NoReturn:
    """An ingestion holds the database (queries.DatabaseBusy): say so and stop the page until a reload."""
    st.warning("Basis data sedang diperbarui oleh proses pemuatan. Muat ulang halaman sebentar lagi.")
    st.stop()


def query(name: str, *args):
    """A cached call of queries.<name>(con, *args) against the dashboard's database."""
    path = db_path()
    try:
        return _run(name, str(path), db_version(path), tuple(tuple(a) if isinstance(a, list) else a for a in args))
    except queries.DatabaseBusy:
        _busy()


def _labelled_scores(con, year: int | None, assessor: str, instansi: tuple, edition: str | None) -> pd.DataFrame:
    """queries.unit_scores with each unit's name as shown on screen and in the address (unit_label)."""
    df = queries.unit_scores(con, year, assessor, list(instansi), edition)
    return df.assign(unit_label=queries.unit_labels(df))


@st.cache_data(show_spinner=False, max_entries=256)
def _scores(db: str, version: float, year: int | None, assessor: str, instansi: tuple, edition: str | None):
    con = queries.connect(db)
    try:
        df = _labelled_scores(con, year, assessor, instansi, edition)
        return queries.with_change(con, df, year, assessor) if year is not None else df
    finally:
        con.close()


def scores(year: int | None = None, assessor: str | None = None) -> pd.DataFrame:
    """Unit scores for the sidebar filters (year and assessor may be overridden), with change vs last year."""
    f = filters()
    path = db_path()
    return _scores(str(path), db_version(path), f["year"] if year is None else year,
                   f["assessor"] if assessor is None else assessor, tuple(f["instansi"]), f["edition"])


@st.cache_data(show_spinner=False, max_entries=64)
def _surveys(db: str, version: float, year: int, assessor: str, instansi: tuple, edition: str | None):
    con = queries.connect(db)
    try:
        return queries.survey_vs_scores(_labelled_scores(con, year, assessor, instansi, edition), con, assessor)
    finally:
        con.close()


def surveys() -> pd.DataFrame:
    f = filters()
    path = db_path()
    return _surveys(str(path), db_version(path), f["year"], f["assessor"], tuple(f["instansi"]), f["edition"])


@st.cache_data(show_spinner=False, max_entries=64)
def identify(name: str, data: bytes) -> dict:
    """What an uploaded file says about itself (kind, unit, instansi, year, where found, problem)."""

    return identify_upload(name, data)


def has_data() -> bool:
    path = db_path()
    if not path.exists():
        return False
    try:
        return bool(query("options")["years"])
    except Exception:
        return False


# The view in the address: ?tahun=2026&instansi=A&instansi=B&jawaban=tpi&edisi=2021&unit=Nama
PARAMS = {"f_year": "tahun", "f_instansi": "instansi", "f_edition": "edisi", "f_assessor": "jawaban", "f_unit": "unit"}


def _from_address() -> set[str]:
    """On a session's first run, the filters the address names (a link sent by a colleague); returns their keys.
    Values the data do not have are left to the defaults by sidebar_filters, which says so."""
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


def sidebar_filters() -> None:
    """Year, instansi, edition and whose answers (TPI by default); values live in st.session_state and in the
    address (query parameters), so a link opens the same view."""
    st.sidebar.markdown("### Filter")
    if not has_data():
        st.sidebar.info("Basis data masih kosong.")
        return
    opts = query("options")
    levels = opts["levels"] or ["tpi"]
    from_address = _from_address() if not st.session_state.get("_address_read") else set()
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
                ignored.append(PARAMS[key])
            value = default
        st.session_state[key] = value
    if ignored:
        st.sidebar.caption(f"Isian alamat yang tidak ada dalam data ({', '.join(ignored)}) diganti pilihan awal.")
    st.sidebar.selectbox("Tahun", opts["years"], key="f_year")
    st.sidebar.multiselect("Instansi", opts["instansi"], key="f_instansi", placeholder="Semua instansi")
    st.sidebar.selectbox("Edisi LKE", [ALL] + opts["editions"], key="f_edition",
                         help="2019: 26 indikator (PermenPANRB 10/2019); 2021: Pemenuhan dan Reform "
                              "(PermenPANRB 90/2021)")
    st.sidebar.radio("Jawaban siapa", levels, key="f_assessor", horizontal=True, format_func=level_name,
                     help="Unit: penilaian mandiri unit kerja. TPI: penilaian ulang oleh Tim Penilai Internal; bila "
                          "ada beberapa tingkat TPI (mis. TPI unit lalu Inspektorat Jenderal), TPI adalah tingkat "
                          "terakhir (yang menentukan usulan) dan TPI tingkat 1 yang pertama. TPN: Tim Penilai "
                          "Nasional, bila workbook memuatnya.")
    for key in defaults:
        st.session_state[f"_{key}"] = st.session_state[key]
    st.sidebar.caption(f"Basis data: `{db_path()}`")
    sync_address()


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


def unit_select(label: str, names: list[str], default: int = 0, key: str = "f_unit",
                review: set[str] | frozenset[str] = frozenset()) -> str:
    """A selectbox of units that keeps the chosen unit across pages and in the address (?unit=...); units in
    `review` (partial files) are marked "perlu diperiksa" in the list."""
    chosen = st.session_state.get(key, st.session_state.get("_f_unit"))
    st.session_state[key] = chosen if chosen in names else names[default]
    name = st.selectbox(label, names, key=key,
                        format_func=lambda n: f"{n} · {REVIEW}" if n in review else n)
    st.session_state["_f_unit"] = name
    sync_address()
    return name


def keep_choices(key: str, options: list[str], default: Callable[[], list[str]]) -> None:
    """A multiselect's choices kept across reruns: default() on first use (called only then), afterwards the
    choices still among `options` (another year or instansi drops the ones no longer offered). Call before the
    widget is drawn."""
    if key not in st.session_state:
        st.session_state[key] = default()
    else:
        st.session_state[key] = [n for n in st.session_state[key] if n in options]


def open_profile(unit: str, year: int | None = None) -> None:
    """Drill-down: the unit's Profil Unit (of another year when given), the rest of the view kept.

    The widgets of this run may not be changed any more: the new values wait in "_pending_view" and are put
    in place by the next run's sidebar_filters, before any widget is drawn."""
    pending = {"f_unit": unit, **({"f_year": int(year)} if year is not None else {})}
    st.session_state["_pending_view"] = pending
    params = dict(view_params(), unit=unit, **({"tahun": str(int(year))} if year is not None else {}))
    st.switch_page("pages/profil_unit.py", query_params=params)


def filters() -> dict:
    opts = query("options") if has_data() else {"years": [None]}
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


def require_data() -> bool:
    if has_data():
        return True
    st.info("Belum ada data. Muat workbook LKE di halaman **Data**, atau jalankan `make run` untuk data contoh.")
    return False


def instansi_text(instansi: list[str]) -> str:
    """The chosen instansi in words: their names, or "semua instansi" when none is chosen."""
    return ", ".join(instansi) or "semua instansi"


def view_text(f: dict | None = None) -> str:
    """The view in words: year, instansi, whose answers, edition."""
    f = f or filters()
    return (f"Tahun {f['year']} · {instansi_text(f['instansi'])} · jawaban {f['assessor_label']}"
            + (f" · edisi {f['edition']}" if f["edition"] else ""))


def caption() -> None:
    st.caption(view_text())


def phone() -> bool:
    """A phone's browser: every mobile browser's User-Agent says "Mobi" (MDN's advice for telling them apart).
    Pages then show fewer table columns and charts with shorter labels."""
    try:
        return "Mobi" in (st.context.headers.get("User-Agent") or "")
    except Exception:  # no browser behind this run (AppTest)
        return False


def chart(fig, key: str | None = None, open_unit: bool = False) -> None:
    """A Plotly figure across the page's width (its tool bar only on hover, none on a phone where it covers the
    title). open_unit=True: a click on a point opens the Profil Unit of the unit whose label is the first item
    of the point's customdata."""
    config = {"displaylogo": False, "displayModeBar": False if phone() else "hover"}
    # The title goes above the chart as text: inside the figure, a legend that wraps to several rows (six
    # instansi on a narrow plot) would run over it. The legend then sits alone above the plot.
    title = fig.layout.title.text if fig.layout.title else None
    if title:
        st.markdown(f"**{title}**")
        fig.update_layout(title=None)  # charts._layout already gave a titled figure the margin it needs
    if not open_unit:
        st.plotly_chart(fig, width="stretch", config=config, key=key)
        return
    event = st.plotly_chart(fig, width="stretch", config=config, key=key, on_select="rerun",
                            selection_mode="points")
    unit = _clicked_unit(event)
    if unit:
        open_profile(unit)


def _clicked_unit(event) -> str | None:
    """The unit's label carried by the first clicked point (the first item of its customdata), else None."""
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
    note = f"{title} · {note or view_text()}"
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button("Unduh CSV", partial(to_csv_bytes, frame, note, kinds), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_csv", icon=":material/download:", on_click="ignore")
    c2.download_button("Unduh XLSX", partial(to_xlsx_bytes, frame, title, note, kinds), file_name=f"{name}.xlsx",
                       key=f"{key}_xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", on_click="ignore")


@st.cache_data(show_spinner=False, max_entries=32)
def _unit_data(db: str, version: float, submission_id: str) -> report_data.UnitReport:
    """One unit's report data, gathered once for all its formats (as _recap for the recap's)."""
    con = queries.connect(db)
    try:
        return report_data.unit_report(con, submission_id)
    finally:
        con.close()


@st.cache_data(show_spinner=False, max_entries=64)
def _unit_report(db: str, version: float, submission_id: str, kind: str) -> bytes:
    return reports.write_unit(_unit_data(db, version, submission_id), kind)


@st.cache_data(show_spinner=False, max_entries=16)
def _recap(db: str, version: float, year: int, instansi: tuple, edition: str | None):
    con = queries.connect(db)
    try:
        return report_data.recap_report(con, year, list(instansi), edition)
    finally:
        con.close()


@st.cache_data(show_spinner=False, max_entries=16)
def _recap_file(db: str, version: float, year: int, instansi: tuple, edition: str | None, kind: str) -> bytes:
    return reports.write_recap(_recap(db, version, year, instansi, edition), kind)


def recap(year: int, instansi: list[str], edition: str | None) -> report_data.RecapReport:
    """The recap of a year, instansi and edition (cached per database version)."""
    path = db_path()
    try:
        return _recap(str(path), db_version(path), year, tuple(instansi), edition)
    except queries.DatabaseBusy:
        _busy()


FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel"}


def report_buttons(submission_id: str, unit_name: str, year: int) -> None:
    """Download buttons for one unit's report; each file is made when its button is clicked, once per submission
    and database version, from the report data gathered once for every format."""
    path = db_path()
    db, version = str(path), db_version(path)
    cols = st.columns([1, 1, 1, 2])
    for col, kind in zip(cols, reports.UNIT_FORMATS, strict=False):
        col.download_button(
            f"Laporan {FORMAT_LABELS[kind]}", data=lambda k=kind: _unit_report(db, version, submission_id, k),
            file_name=f"LHE_{year}_{report_data.safe_name(unit_name)}.{kind}", mime=reports.MIME[kind],
            key=f"report_{kind}", icon=":material/description:", on_click="ignore")


def recap_buttons(year: int, instansi: list[str], edition: str | None) -> None:
    """Download buttons for the recap of the sidebar's year, instansi and edition (PDF and XLSX)."""
    path = db_path()
    db, version = str(path), db_version(path)
    scope = report_data.safe_name("_".join(instansi)) if instansi else "semua-instansi"
    cols = st.columns([1, 1, 2])
    for col, kind in zip(cols, reports.RECAP_FORMATS, strict=False):
        col.download_button(
            f"Rekapitulasi {FORMAT_LABELS[kind]}",
            data=lambda k=kind: _recap_file(db, version, year, tuple(instansi), edition, k),
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
                      + "\n".join(f"- {m}" for m in sel["message"]))


REVIEW = "perlu diperiksa"


def review_note(df: pd.DataFrame, what: str = "tidak ikut dalam peringkat, rata-rata dan hitungan predikat") -> None:
    """Units whose file is partial ("perlu diperiksa"), named, with the reason, wherever units are listed."""
    review = df[df["needs_review"].notna()] if "needs_review" in df else df.iloc[0:0]
    if len(review):
        st.warning(f"{len(review)} unit **{REVIEW}** (berkasnya hanya sebagian cocok dengan daftar pertanyaan), "
                   f"{what}: " + "; ".join(f"{r.unit_name} ({r.needs_review})" for r in review.itertuples()),
                   icon=":material/report:")


if __name__ == "__main__":  # Streamlit ran this helper as a page (/common on a freshly started server)
    from pages import common as _imported  # the module the pages import, whose routed() state they share

    _imported.page_guard()
