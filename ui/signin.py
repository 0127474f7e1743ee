"""The sign-in gate inside the dashboard: who uses the app and in what role, sign-out, the idle timeout.

With a users file, signing in happens on the server's own sign-in page (gate.py), before anything of Streamlit is
served; this gate checks the same server-side session again on every run (defence in depth): the session named by
the browser's cookie must exist, must not have been idle too long, and its user must still be in the users file
with the same role. When it has ended, the page is cleared and the browser sent back to the sign-in page.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

from ui.text import md
from zi_data import access, sessions


def oidc_configured() -> bool:
    """OpenID Connect through st.login, when .streamlit/secrets.toml has an [auth] section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def session_cookie() -> str | None:
    """The session id the browser sent when it opened this connection (HttpOnly: no script of the page reads it)."""
    value = st.context.cookies.get(sessions.COOKIE)
    return value if isinstance(value, str) else None  # no browser at all (a test run) gives no string


def access_gate() -> bool:
    """Who is using the app; False (after showing only why, and where to sign in) until someone has signed in.

    With no configuration the app runs open (every action allowed) and says so in the sidebar. A users file that
    cannot be read lets nobody in. Limits (zi_data/access.py, zi_data/sessions.py): 5 failed attempts lock a user
    name for 5 minutes; a session idle longer than the configured time (8 hours) is ended.
    """
    try:
        config = access.load_config()
        idle_s = access.idle_limit_s(config)
        if config is None and sessions.STORE.sign_in_required and not oidc_configured():
            raise access.ConfigError(f"berkas pengguna {access.users_file()} tidak ditemukan lagi, padahal server "
                                     "dijalankan dengan kontrol akses")
    except access.ConfigError as exc:
        _clear_session_state()
        st.title("ZI Monitor")
        st.error(f"Kontrol akses tidak dapat dijalankan: {exc}. Tidak ada yang dapat masuk sampai hal ini "
                 "diperbaiki oleh admin server.")
        return False
    if oidc_configured():
        return _oidc_gate(config, idle_s)
    if config is None:
        st.session_state["role"] = "admin"
        st.session_state["user_name"] = "mode terbuka"
        where = ("hanya dari komputer server ini" if _local_only() else
                 "**dari jaringan**, karena server dijalankan untuk jaringan tanpa kata sandi")
        st.sidebar.warning(
            f"**Mode terbuka**: kontrol akses belum aktif; dasbor ini dapat dibuka {where}, dan siapa pun yang "
            "membukanya dapat mengunggah dan menghapus data. Aktifkan dengan `zi user NAMA --role admin` (membuat "
            "`.streamlit/users.toml`) atau OpenID Connect di `.streamlit/secrets.toml`; lihat README bagian Akses.",
            icon=":material/lock_open:")
        return True
    session, reason = sessions.STORE.current(session_cookie(), config, idle_s, touch=True)
    if session is None:
        _leave(reason, idle_s)
        return False
    if st.session_state.get("username") not in (None, session.username):  # another user's page state
        _clear_session_state()
    st.session_state.update(username=session.username, user_name=session.name, role=session.role)
    st.sidebar.caption(f"Masuk sebagai **{md(session.name)}** · {access.ROLE_LABELS[session.role]}")
    st.sidebar.button("Keluar", key="logout", on_click=_sign_out)
    _warn_admin(config)
    _idle_watch(config, idle_s)
    return True


def _local_only() -> bool:
    """The server listens on this computer's loopback address only (serve.py's choice in open mode)."""
    address = st.get_option("server.address") or ""
    return address in ("localhost", "::1") or address.startswith("127.")


def _warn_admin(config: access.Config | None) -> None:
    if st.session_state.get("role") == "admin" and config is not None and access.readable_by_others(config.path):
        st.sidebar.warning(f"Berkas pengguna `{config.path}` (berisi hash kata sandi) dapat dibaca pengguna lain "
                           f"di server ini. Perbaiki dengan `chmod 600 {config.path}`.", icon=":material/warning:")


def _clear_session_state() -> None:
    """Forget everything this browser session held (who, role, filters, form values)."""
    # key by key: st.session_state.clear() stops at the first widget value it cannot read, leaving the rest
    for key in list(st.session_state):
        try:
            del st.session_state[key]
        except KeyError:
            pass


def _here() -> str:
    """This page's address on the server (path and view), to come back to after signing in again."""
    query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    return (urlsplit(st.context.url or "").path or "/") + (f"?{query}" if query else "")


def _leave(reason: str | None, idle_s: float) -> None:
    """No valid session: clear the page and send the browser to the sign-in page (saying why)."""
    signed_out = st.session_state.get("signed_out", False)
    _clear_session_state()
    reason = "keluar" if signed_out else reason
    st.title("ZI Monitor")
    st.info(sessions.notice(reason, idle_s) or "Silakan masuk untuk melihat data Zona Integritas.")
    page = sessions.STORE.sign_in_page
    if page is None:
        st.error("Halaman masuk tidak tersedia di server ini: jalankan dasbor dengan `make run` (serve.py).")
    elif signed_out:  # the sign-out address also clears the browser's cookie
        _redirect(page.rsplit("/", 1)[0] + "/keluar")
    else:
        _redirect(f"{page}?{urlencode({'lanjut': _here(), **({'pesan': reason} if reason else {})})}")


def _redirect(address: str) -> None:
    """Send the browser to `address` on this server: the message Streamlit's own st.login/st.logout send for it."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        msg = ForwardMsg()
        msg.auth_redirect.url = address
        ctx.enqueue(msg)


def _sign_out() -> None:
    """The sidebar's button: the session ends on the server at once (for every tab); the run that follows sends the
    browser to the sign-out address, which clears its cookie and shows the sign-in page."""
    sessions.STORE.end(session_cookie())
    st.session_state["signed_out"] = True


def _idle_watch(config: access.Config, idle_s: float) -> None:
    """Re-checks the session now and then, so a screen left open (or signed out in another tab, or whose user was
    removed or changed) clears itself without a click."""
    @st.fragment(run_every=min(60.0, max(1.0, idle_s / 2)))
    def watch() -> None:
        try:
            session, _ = sessions.STORE.current(session_cookie(), access.load_config(), idle_s, end=False)
        except access.ConfigError:
            session = None
        if session is None:
            st.rerun(scope="app")

    with st.sidebar:
        watch()


def _oidc_gate(config: access.Config | None, idle_s: float) -> bool:
    """OpenID Connect (st.login): Streamlit's own sign-in; the idle time is kept in the browser session."""
    import time

    now = time.time()
    if st.user.is_logged_in:
        if access.session_expired(st.session_state.get("last_active"), now, idle_s):
            _clear_session_state()
            st.session_state["signin_notice"] = sessions.notice("idle", idle_s)
            st.logout()
            return False
        st.session_state["role"] = config.role_for_email(st.user.get("email")) if config else "viewer"
        st.session_state["user_name"] = st.user.get("name") or st.user.get("email")
        st.session_state["last_active"] = now
        st.sidebar.caption(f"Masuk sebagai **{md(st.session_state['user_name'])}** · "
                           f"{access.ROLE_LABELS[st.session_state['role']]}")
        st.sidebar.button("Keluar", key="logout", on_click=st.logout)
        _warn_admin(config)

        @st.fragment(run_every=min(60.0, max(1.0, idle_s / 2)))
        def watch() -> None:
            if access.session_expired(st.session_state.get("last_active"), time.time(), idle_s):
                st.rerun(scope="app")

        with st.sidebar:
            watch()
        return True
    st.title("ZI Monitor")
    notice = st.session_state.get("signin_notice")
    if notice:
        st.info(notice)
    st.write("Masuk untuk melihat data Zona Integritas.")
    st.button("Masuk", on_click=st.login, type="primary")
    return False


def allowed(action: str) -> bool:
    return access.can(st.session_state.get("role"), action)


def role() -> str | None:
    """The signed-in role, for the library calls that check it where the action happens."""
    return st.session_state.get("role")
