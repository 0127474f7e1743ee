"""The server's front door: with sign-in on, nothing reaches Streamlit from a browser that has not signed in.

`make run` (serve.py) serves this module's `app`: Streamlit's own server (st.App: Starlette under uvicorn) running
dashboard.py, with a sign-in page and sign-out of its own and a middleware in front of every request.

- Open mode (no users file, no OpenID Connect): everything passes; serve.py then listens on 127.0.0.1 only.
- Sign-in on (a users file): GET /masuk is a plain HTML form (no script, nothing fetched from elsewhere), POST
  /masuk checks it (the request's origin and a form token first, then the password in a worker thread, counted by
  zi_data.access before it is checked) and gives the browser a random session id in an HttpOnly, SameSite=Strict
  cookie (Secure over HTTPS); the session itself is held in zi_data.sessions. Every other request needs a valid
  session: a page load without one is sent to /masuk (which brings it back afterwards), the WebSocket is refused
  before it opens, and every other address (uploads, downloads under /media, metrics, Streamlit's own files,
  components) answers 401 without reaching Streamlit. Only Streamlit's health check answers everyone. /keluar ends
  the session and clears the cookie. Metrics are for admins only.
- A users file that cannot be read, or one that disappears after a start with sign-in on: nobody gets in.
- OpenID Connect (st.login, [auth] in .streamlit/secrets.toml): Streamlit's own sign-in flow runs as documented;
  uploads, downloads, metrics and component files then need Streamlit's signed identity cookie.

ui/signin.py checks the same session again on every run of the dashboard (defence in depth) and sends the browser
here when it has ended.
"""

from __future__ import annotations

import hashlib
import html
import secrets
from base64 import b64encode
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import anyio
import streamlit as st
from starlette.datastructures import URL
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from streamlit import config as st_config

from ui.signin import oidc_configured
from zi_data import access, sessions

BASE = (st_config.get_option("server.baseUrlPath") or "").strip("/")


def _path(path: str) -> str:
    """An address on this server, under server.baseUrlPath when one is set."""
    return "/" + "/".join(part for part in (BASE, path) if part)


SIGN_IN, SIGN_OUT, HEALTH = (_path(p) for p in ("masuk", "keluar", "_stcore/health"))
METRICS = _path("_stcore/metrics")
TOKEN_COOKIE = "zi_masuk"  # the sign-in form's token, compared with the form's hidden field
MAX_FORM_BYTES = 8_192
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}

STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#31333f;
background:#f0f2f6;line-height:1.5}
main{max-width:28rem;margin:0 auto;padding:3rem 1.25rem}
h1{margin:0;font-size:2rem;color:#1f4e79}
.sub{margin:.25rem 0 1.5rem;color:#5c5f6b}
form{background:#fff;border:1px solid #d6d9e0;border-radius:.5rem;padding:1.25rem 1.25rem 1.5rem}
h2{margin:0 0 1rem;font-size:1.25rem}
label{display:block;font-size:.9rem;margin:.75rem 0 .25rem}
input{width:100%;font:inherit;padding:.55rem .7rem;border:1px solid #b8bcc6;border-radius:.4rem}
input:focus{outline:2px solid #1f4e79;outline-offset:1px;border-color:#1f4e79}
button{margin-top:1.25rem;width:100%;font:inherit;font-weight:600;color:#fff;background:#1f4e79;border:0;
border-radius:.4rem;padding:.6rem}
button:hover{background:#173d5f}
.note{border-radius:.4rem;padding:.75rem 1rem;margin:0 0 1rem}
.info{background:#e3edf8;color:#173d5f}
.error{background:#fdeaea;color:#7d1a1a}
@media (max-width:480px){main{padding:1.5rem 1rem}h1{font-size:1.6rem}}
"""
ICON = ("data:image/svg+xml," + quote("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 100'>"
                                      "<text y='.9em' font-size='90'>🛡️</text></svg>"))
STYLE_HASH = b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def _page(body: str, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    text = (f'<!doctype html><html lang="id"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>ZI Monitor</title>'
            f'<link rel="icon" href="{ICON}"><style>{STYLE}</style></head><body><main><h1>ZI Monitor</h1>'
            f'<p class="sub">Pemantauan Zona Integritas menuju WBK/WBBM</p>{body}</main></body></html>')
    return HTMLResponse(text, status, headers={**NO_STORE, "Content-Security-Policy": CSP,
                                               "X-Frame-Options": "DENY", **(headers or {})})


def _note(text: str, kind: str) -> str:
    role = "alert" if kind == "error" else "status"
    return f'<p class="note {kind}" role="{role}">{html.escape(text)}</p>' if text else ""


def _secure(conn: HTTPConnection) -> bool:
    return conn.url.scheme in ("https", "wss")


def _set_cookie(response: Response, conn: HTTPConnection, name: str, value: str, path: str = "/") -> None:
    response.set_cookie(name, value, path=path, httponly=True, samesite="strict", secure=_secure(conn))


def _clear_cookie(response: Response, conn: HTTPConnection, name: str, path: str = "/") -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="strict", secure=_secure(conn))


def _next_address(value: str | None) -> str:
    """Where to go after signing in: a path on this server only (never another host), never the sign-in pages."""
    root = _path("")
    if not value or len(value) > 2_000 or not value.startswith("/") or value.startswith(("//", "/\\")) \
            or any(ord(c) < 32 for c in value) or urlsplit(value).netloc:
        return root
    path = urlsplit(value).path
    return root if path.rstrip("/") in (SIGN_IN, SIGN_OUT) else value


def _sign_in_address(next_address: str, reason: str | None = None) -> str:
    params = {"lanjut": next_address} if next_address != _path("") else {}
    if reason:
        params["pesan"] = reason
    return SIGN_IN + ("?" + urlencode(params) if params else "")


class Mode:
    """How the server runs now, read from the users file on every request (a changed file applies at once)."""

    def __init__(self) -> None:
        self.oidc = oidc_configured()
        self.error = ""
        self.config = None
        self.idle_s = 0.0
        try:
            self.config = access.load_config()
            self.idle_s = access.idle_limit_s(self.config)
        except access.ConfigError as exc:
            self.error = str(exc)
            return
        if self.config is None and not self.oidc and sessions.STORE.sign_in_required:
            self.error = (f"berkas pengguna {access.users_file()} tidak ditemukan lagi, padahal server dijalankan "
                          "dengan kontrol akses")

    @property
    def open(self) -> bool:
        return not self.error and self.config is None and not self.oidc

    @property
    def sign_in(self) -> bool:
        """Sign-in through this server's own page (a users file, no OpenID Connect)."""
        return not self.error and self.config is not None and not self.oidc

    def session(self, conn: HTTPConnection, touch: bool = False):
        return sessions.STORE.current(conn.cookies.get(sessions.COOKIE), self.config, self.idle_s, touch)


def _form(mode: Mode, conn: HTTPConnection, *, notice: str = "", error: str = "", username: str = "",
          next_address: str = "", status: int = 200) -> HTMLResponse:
    if mode.error:
        return _page(_note(f"Kontrol akses tidak dapat dijalankan: {mode.error}. Tidak ada yang dapat masuk sampai "
                           "hal ini diperbaiki oleh admin server.", "error"), 503)
    token = conn.cookies.get(TOKEN_COOKIE)
    if not token or len(token) != 43:
        token = secrets.token_urlsafe(32)
    body = (_note(notice, "info") + _note(error, "error")  # above the form: seen without scrolling on a phone
            + f'<form method="post" action="{SIGN_IN}"><h2>Masuk</h2>'
            f'<label for="nama">Nama pengguna</label><input id="nama" name="nama" autocomplete="username" '
            f'autocapitalize="none" spellcheck="false" required maxlength="200" value="{html.escape(username)}"'
            f'{"" if username else " autofocus"}>'
            f'<label for="sandi">Kata sandi</label><input id="sandi" name="sandi" type="password" '
            f'autocomplete="current-password" required maxlength="1024"{" autofocus" if username else ""}>'
            f'<input type="hidden" name="token" value="{token}">'
            f'<input type="hidden" name="lanjut" value="{html.escape(next_address)}">'
            f'<button type="submit">Masuk</button></form>')
    response = _page(body, status)
    _set_cookie(response, conn, TOKEN_COOKIE, token, path=SIGN_IN)
    return response


def _same_origin(request: Request) -> bool:
    """The form was sent by a page of this server: the browser's Origin (or, lacking it, Referer) names it."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent or sent == "null":
        return False
    # The host only: behind a proxy that ends HTTPS the server may see http while the browser says https.
    return urlsplit(sent).netloc == request.headers.get("host", "")


async def sign_in_page(request: Request) -> Response:
    mode = Mode()
    next_address = _next_address(request.query_params.get("lanjut"))
    if mode.open or mode.oidc:  # nothing to sign in to here
        return RedirectResponse(next_address, 303, headers=NO_STORE)
    if request.method == "POST":
        return await _attempt(request, mode)
    session, _ = mode.session(request)
    if session is not None:
        return RedirectResponse(next_address, 303, headers=NO_STORE)
    return _form(mode, request, notice=sessions.notice(request.query_params.get("pesan"), mode.idle_s),
                 next_address=next_address)


async def _attempt(request: Request, mode: Mode) -> Response:
    if not mode.sign_in:
        return _form(mode, request)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return PlainTextResponse("Isian terlalu besar.", 413, headers=NO_STORE)
    try:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10).items()}
    except ValueError:  # more fields than the form has
        return PlainTextResponse("Isian tidak dikenal.", 400, headers=NO_STORE)
    next_address = _next_address(form.get("lanjut"))
    token = request.cookies.get(TOKEN_COOKIE, "")
    if not _same_origin(request) or not token or not secrets.compare_digest(token, form.get("token", "")):
        return _form(mode, request, error="Permintaan masuk ditolak karena tidak dikirim dari halaman ini. Muat "
                     "ulang halaman lalu coba lagi.", next_address=next_address, status=403)
    username, password = form.get("nama", "")[:200], form.get("sandi", "")[:1024]
    result = await anyio.to_thread.run_sync(access.sign_in, mode.config, username, password)
    if result.user is None:
        status = 429 if result.wait_s > 0 else 401
        response = _form(mode, request, error=result.message(), username=username, next_address=next_address,
                         status=status)
        if result.wait_s > 0:
            response.headers["Retry-After"] = str(int(result.wait_s) + 1)
        return response
    sessions.STORE.end(request.cookies.get(sessions.COOKIE))  # a sign-in never continues an earlier session
    session_id = sessions.STORE.start(result.user, mode.config)
    response = RedirectResponse(next_address, 303, headers=NO_STORE)
    _set_cookie(response, request, sessions.COOKIE, session_id)
    _clear_cookie(response, request, TOKEN_COOKIE, path=SIGN_IN)
    return response


async def sign_out(request: Request) -> Response:
    """Ends the session named by the cookie and clears it. A request from another site carries no cookie
    (SameSite=Strict), so it can neither end a session nor clear one."""
    response = RedirectResponse(_sign_in_address(_path(""), "keluar"), 303, headers=NO_STORE)
    if sessions.COOKIE in request.cookies:
        sessions.STORE.end(request.cookies[sessions.COOKIE])
        _clear_cookie(response, request, sessions.COOKIE)
    return response


ROUTES = [Route(SIGN_IN, sign_in_page, methods=["GET", "POST"]), Route(SIGN_OUT, sign_out, methods=["GET", "POST"])]

# OpenID Connect: what needs Streamlit's identity cookie (the pages and the WebSocket stay Streamlit's to gate).
OIDC_PROTECTED = tuple(_path(p) for p in ("_stcore/upload_file", "_stcore/metrics", "media",
                                                         "component", "app/static", "_stcore/bidi-components",
                                                         "_stcore/agent"))


def _page_load(conn: HTTPConnection) -> bool:
    return conn.scope.get("method") in ("GET", "HEAD") and (
        conn.headers.get("sec-fetch-dest") == "document" or "text/html" in conn.headers.get("accept", ""))


class SignInGate:
    """ASGI middleware in front of Streamlit: see the module's docstring."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        path = scope["path"]
        if path in (HEALTH, SIGN_IN, SIGN_OUT):
            await self.app(scope, receive, send)
            return
        mode = Mode()
        if mode.open:
            await self.app(scope, receive, send)
            return
        if mode.oidc and not mode.error:
            if not path.startswith(OIDC_PROTECTED) or _oidc_identity(conn):
                await self.app(scope, receive, send)
                return
            await self._refuse(conn, scope, receive, send, None)
            return
        session, reason = (None, None) if mode.error else mode.session(conn, touch=_page_load(conn))
        if session is not None and (path != METRICS or session.role == "admin"):
            await self.app(scope, receive, send)
            return
        if session is not None:  # metrics, not an admin
            await PlainTextResponse("Hanya untuk Admin.", 403, headers=NO_STORE)(scope, receive, send)
            return
        await self._refuse(conn, scope, receive, send, reason)

    async def _refuse(self, conn: HTTPConnection, scope, receive, send, reason: str | None) -> None:
        if scope["type"] == "websocket":  # closed before it opens: the handshake is answered 403
            await send({"type": "websocket.close", "code": 1008})
            return
        if _page_load(conn):
            url = URL(scope=scope)
            wanted = url.path + (f"?{url.query}" if url.query else "")
            if conn.headers.get("sec-fetch-site") == "cross-site" and sessions.COOKIE not in conn.cookies:
                # A link followed from another site arrives without the SameSite=Strict cookie: load the same
                # address once more from this server's own page, which the browser sends the cookie with.
                response = _page('<meta http-equiv="refresh" content="0"><p>Memuat…</p>')
            else:
                response = RedirectResponse(_sign_in_address(_next_address(wanted), reason), 303, headers=NO_STORE)
        else:
            response = PlainTextResponse("Belum masuk: buka halaman masuk ZI Monitor.", 401, headers=NO_STORE)
        if sessions.COOKIE in conn.cookies:  # an ended session's id: the browser may forget it
            _clear_cookie(response, conn, sessions.COOKIE)
        await response(scope, receive, send)


def _oidc_identity(conn: HTTPConnection) -> bool:
    """Streamlit's signed identity cookie (set after an OpenID Connect sign-in) is present and genuine."""
    try:
        from streamlit.web.server.starlette.starlette_auth_routes import _get_cookie_value_from_request

        return bool(_get_cookie_value_from_request(conn, "_streamlit_user"))
    except Exception:  # anything unexpected in Streamlit's cookie code: refused, never let through
        return False


def _prepare() -> None:
    sessions.STORE.sign_in_page = SIGN_IN
    try:
        sessions.STORE.sign_in_required = access.load_config() is not None
    except access.ConfigError:
        sessions.STORE.sign_in_required = True


_prepare()
app = st.App("dashboard.py", routes=ROUTES, middleware=[Middleware(SignInGate)])
