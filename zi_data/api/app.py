"""The PortalRB pull API as a Starlette application: three GET endpoints behind Bearer tokens, read-only on the
database, every request audited, every error the guide's JSON with a stable code and a message in Bahasa Indonesia.

Order of the checks, in `Gate` (before any routing, so nothing about the API shows without a token): method (GET
or HEAD), then the token, then the rate limit; then the route (unknown path: NOT_FOUND), then the endpoint.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import queries
from ..names import norm_name
from . import served as served_mod
from .audit import AuditLog, Entry, audit_path
from .limits import DEFAULT_PER_MINUTE, RateLimiter
from .snapshot import Snapshot
from .tokens import Token, TokenFileError, TokenStore, tokens_file

log = logging.getLogger("zi.api")

LIST_WBK, LIST_WBBM, ANSWERS = "/pengusulan/unit-wbk", "/pengusulan/unit-wbbm", "/lke/jawaban-unit/{unit_id}"
ENDPOINTS = (LIST_WBK, LIST_WBBM, ANSWERS)
STATUS = {"UNAUTHORIZED": 401, "FORBIDDEN": 403, "DATA_NOT_FOUND": 404, "NOT_FOUND": 404, "METHOD_NOT_ALLOWED": 405,
          "INVALID_REQUEST": 422, "RATE_LIMITED": 429, "INTERNAL_ERROR": 500, "DATABASE_BUSY": 500}
JSON = "application/json; charset=utf-8"
BASE_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


class ApiError(Exception):
    """An answer other than 200: its code (STATUS gives the HTTP status), message and extra headers."""

    def __init__(self, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code, self.message, self.headers = code, message, headers or {}

    def response(self) -> Response:
        body = served_mod.encode({"error": True, "code": self.code, "message": self.message})
        return Response(body, STATUS[self.code], {**BASE_HEADERS, **self.headers}, media_type=JSON)


def normal_prefix(prefix: str | None) -> str:
    """"zi-api/", "/zi-api" -> "/zi-api"; "" or "/" -> ""."""
    parts = [p for p in (prefix or "").split("/") if p]
    return "/" + "/".join(parts) if parts else ""


class Settings:
    """What one server serves: the database, a fixed year or the latest, the path prefix, the tokens, the limit."""

    def __init__(self, db: Path, tahun: int | None, prefix: str, tokens: TokenStore, limiter: RateLimiter,
                 audit: AuditLog):
        self.db, self.tahun, self.prefix = Path(db), tahun, normal_prefix(prefix)
        self.tokens, self.limiter, self.audit = tokens, limiter, audit
        self.snapshot = Snapshot(self.db, tahun)


def _reading(settings: Settings):
    """A short read-only connection (retried while `zi ingest` commits); never the write lock."""
    if not settings.db.exists():
        raise ApiError("INTERNAL_ERROR", "Basis data ZI Monitor tidak ditemukan di server; hubungi pengelola.")
    try:
        return queries.connect(settings.db)
    except queries.DatabaseBusy:
        raise ApiError("DATABASE_BUSY", "Basis data sedang diperbarui; coba lagi sebentar lagi.",
                       {"retry-after": "5"}) from None


def _no_proposal(served: served_mod.Served, predikat: str | None, tahun: int | None) -> ApiError:
    which = f"usulan {predikat}" if predikat else "usulan"
    year = served.year or tahun
    when = f" tahun {year}" if year else ""
    return ApiError("DATA_NOT_FOUND", f"Data pengusulan untuk instansi ini belum tersedia: belum ada {which}{when} "
                    "yang disimpan. Simpan usulan di halaman Siklus ZI Monitor atau dengan `zi pengusulan "
                    "--simpan`, lalu minta PortalRB mengambil ulang.")


def _json(body: dict) -> Response:
    return Response(served_mod.encode(body), 200, BASE_HEADERS, media_type=JSON)


def _list(request: Request, predikat: str) -> Response:
    settings: Settings = request.app.state.settings
    token: Token = request.scope["zi.token"]
    entry: Entry = request.scope["zi.entry"]
    with settings.snapshot.view(lambda: _reading(settings)) as view:
        served = view.served(token.instansi)
    entry.tahun = served.year
    if predikat not in served.proposals:
        raise _no_proposal(served, predikat, settings.tahun)
    entry.proposal_id = served.proposals[predikat][0]
    return _json(served_mod.list_body(served, predikat))


def unit_wbk(request: Request) -> Response:
    return _list(request, "WBK")


def unit_wbbm(request: Request) -> Response:
    return _list(request, "WBBM")


def unit_answers(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    token: Token = request.scope["zi.token"]
    entry: Entry = request.scope["zi.entry"]
    asked = request.path_params["unit_id"]
    key = served_mod.store_id(asked)
    if key is None:
        raise ApiError("INVALID_REQUEST", f"unit_id '{asked[:40]}' tidak sah: bentuknya {served_mod.ID_PREFIX} "
                       "diikuti 16 angka heksadesimal, seperti pada daftar /pengusulan/unit-wbk.")
    entry.unit_id = asked.upper()
    with settings.snapshot.view(lambda: _reading(settings)) as view:
        served = view.served(token.instansi)
        entry.tahun = served.year
        unit = served.find(key)
        if unit is None:
            owner = view.connection().execute("select instansi from stg_units where unit_id = ?", [key]).fetchone()
            if owner and norm_name(owner[0]) != norm_name(token.instansi):
                raise ApiError("FORBIDDEN", "Unit ini bukan milik instansi pemegang token; token hanya membuka unit "
                               "instansinya sendiri.")
            if not served.proposals:
                raise _no_proposal(served, None, settings.tahun)
            raise ApiError("DATA_NOT_FOUND", f"Unit {entry.unit_id} tidak termasuk unit yang diusulkan instansi ini "
                           f"tahun {served.year}.")
        entry.proposal_id, entry.submission_id = unit.proposal_id, unit.submission_id
        if unit.refusal:
            raise ApiError("DATA_NOT_FOUND", f"Jawaban LKE {unit.nama} tidak dikirim: {unit.refusal}.")
        rows = view.answers(served, unit.submission_id)
    return _json(served_mod.unit_body(unit, served.year, rows))


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no route) and 405 as the guide's JSON."""
    status = getattr(exc, "status_code", 500)
    if status == 404:
        paths = ", ".join(request.app.state.settings.prefix + e for e in ENDPOINTS)
        return ApiError("NOT_FOUND", f"Alamat tidak dikenal. Alamat yang tersedia: {paths}.").response()
    if status == 405:
        return _method_error().response()
    return ApiError("INTERNAL_ERROR", "Terjadi kesalahan di server ZI Monitor; coba lagi nanti.").response()


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


def _method_error() -> ApiError:
    return ApiError("METHOD_NOT_ALLOWED", "Metode tidak diizinkan: API ini hanya menerima GET dan HEAD.",
                    {"allow": "GET, HEAD"})


BEARER = re.compile(r"Bearer[ \t]+(\S+)[ \t]*", re.IGNORECASE)


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class Gate:
    """Pure ASGI middleware around the routes: method, token and rate limit first, then the route; every answer
    buffered (they are small), recorded in the audit log, logged without the token, then sent. Any exception
    becomes INTERNAL_ERROR; an answer that cannot be recorded is not sent (INTERNAL_ERROR instead)."""

    def __init__(self, app, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        # "//" and a trailing "/" (a base URL registered with one) are the same address
        path = "/" + "/".join(p for p in scope["path"].split("/") if p)
        client = scope.get("client")
        entry = Entry(method=method[:10], endpoint=path[:300], client=client[0] if client else None)
        status, headers, chunks = 500, [], []

        async def capture(message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            token = await self._admit(scope, method, entry)
            entry.endpoint = self._endpoint(path)
            await self.app({**scope, "path": path, "zi.token": token, "zi.entry": entry}, receive, capture)
        except ApiError as exc:
            status, headers, chunks = self._buffer(exc.response())
        except Exception:
            log.exception("kesalahan saat melayani %s %s", method, entry.endpoint)
            status, headers, chunks = self._buffer(
                ApiError("INTERNAL_ERROR", "Terjadi kesalahan di server ZI Monitor; coba lagi nanti.").response())
        body = b"".join(chunks)
        entry.status, entry.size = status, (0 if method == "HEAD" else len(body))
        entry.sha256 = served_mod.digest(body) if body and method != "HEAD" else None
        if status >= 400 and body:
            entry.code = _code(body)
        entry.ms = round((time.perf_counter() - started) * 1000, 1)
        try:
            await anyio.to_thread.run_sync(self.settings.audit.record, entry)
        except Exception:
            log.exception("permintaan tidak dapat dicatat di %s: jawaban tidak dikirim", self.settings.audit.path)
            status, headers, chunks = self._buffer(ApiError(
                "INTERNAL_ERROR", "Permintaan tidak dapat dicatat di server ZI Monitor; coba lagi nanti.").response())
            body = b"".join(chunks)
        log.info("%s %s %s %s %d B %.0f ms token=%s", entry.client or "-", method, entry.endpoint, status,
                 len(body), entry.ms, entry.token or "-")
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

    async def _admit(self, scope, method: str, entry: Entry) -> Token:
        """The request's token, or an ApiError: method, token, rate limit (per token, else per address)."""
        if method not in ("GET", "HEAD"):
            raise _method_error()
        presented = _header(scope, b"authorization")
        match = BEARER.fullmatch(presented) if presented else None
        try:
            token = await anyio.to_thread.run_sync(self.settings.tokens.lookup, match.group(1)) if match else None
        except TokenFileError as exc:
            log.error("%s", exc)
            raise ApiError("INTERNAL_ERROR", "Konfigurasi token di server ZI Monitor tidak dapat dibaca; hubungi "
                           "pengelola.") from None
        if token:
            entry.token, entry.instansi = token.name, token.instansi
        wait = self.settings.limiter.hit(f"token:{token.name}" if token else f"client:{entry.client}")
        if wait:
            raise ApiError("RATE_LIMITED", f"Terlalu banyak permintaan: paling banyak "
                           f"{self.settings.limiter.per_minute} per menit. Coba lagi dalam {wait} detik.",
                           {"retry-after": str(wait)})
        if token is None:
            why = ("Token tidak sah atau sudah dicabut." if match else
                   "Token tidak ada: kirim header Authorization: Bearer <token>.")
            raise ApiError("UNAUTHORIZED", why + " Token dibuat oleh pengelola ZI Monitor dengan `zi api token`.",
                           {"www-authenticate": 'Bearer realm="ZI Monitor"'})
        return token

    def _endpoint(self, path: str) -> str:
        """The route template a path matches, for the audit log (the path itself when none does)."""
        rest = path[len(self.settings.prefix):] if path.startswith(self.settings.prefix + "/") else None
        if rest in (LIST_WBK, LIST_WBBM):
            return rest
        if rest and rest.startswith("/lke/jawaban-unit/") and rest.count("/") == 3:
            return ANSWERS
        return path[:300]

    @staticmethod
    def _buffer(response: Response) -> tuple[int, list, list[bytes]]:
        return response.status_code, list(response.raw_headers), [bytes(response.body)]


def _code(body: bytes) -> str | None:
    m = re.search(rb'"code":"([A-Z_]+)"', body)
    return m.group(1).decode() if m else None


def create_app(db: str | Path, *, tahun: int | None = None, prefix: str = "", tokens_path: Path | None = None,
               per_minute: int = DEFAULT_PER_MINUTE, audit_file: Path | None = None) -> Starlette:
    """The application for one database. Tokens from `tokens_path` (else $ZI_API_TOKENS or
    .streamlit/api_tokens.toml), the audit log beside the database unless `audit_file` is given."""
    settings = Settings(Path(db), tahun, prefix, TokenStore(tokens_path or tokens_file()), RateLimiter(per_minute),
                        AuditLog(audit_file or audit_path(db)))
    p = settings.prefix
    routes = [Route(p + LIST_WBK, unit_wbk, methods=["GET"]), Route(p + LIST_WBBM, unit_wbbm, methods=["GET"]),
              Route(p + ANSWERS, unit_answers, methods=["GET"])]
    app = Starlette(routes=routes, middleware=[Middleware(Gate, settings=settings)],
                    exception_handlers={HTTPException: http_error, ApiError: api_error})
    app.router.redirect_slashes = False
    app.state.settings = settings
    return app
