"""The sign-in gate: who uses the app and in what role, sign-in and sign-out, the idle timeout."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import streamlit as st

from zi_data import access


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
