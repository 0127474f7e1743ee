"""`zi api serve`: the application under uvicorn, over HTTPS when a certificate is given.

uvicorn's own access log is off (it would print the query string a careless client might put a token in); the
Gate logs one line per request with the token's name only. No log line ever holds a request header.
"""

from __future__ import annotations

import ipaddress
import logging.config
import os
import ssl
from pathlib import Path

import uvicorn

from .app import create_app, normal_prefix
from .tokens import TokenStore

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "zi.api": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


class ServeError(ValueError):
    """The server cannot start as asked: the message says why, in Bahasa Indonesia."""


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(db: Path, host: str, certfile: Path | None, keyfile: Path | None, plain_http: bool) -> None:
    """Refuse what cannot work or would send tokens in the clear."""
    if not Path(db).exists():
        raise ServeError(f"basis data {db} tidak ada: muat data dulu dengan `zi ingest` atau `zi demo`")
    if bool(certfile) != bool(keyfile):
        raise ServeError("--certfile dan --keyfile harus diberikan bersama")
    if certfile:
        for f in (certfile, keyfile):
            if not Path(f).is_file():
                raise ServeError(f"berkas {f} tidak ada")
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
        except (ssl.SSLError, OSError) as exc:
            raise ServeError(f"sertifikat {certfile} dan kunci {keyfile} tidak dapat dipakai ({exc})") from None
    elif not loopback(host) and not plain_http:
        raise ServeError(f"{host} dapat dijangkau dari jaringan, tetapi tanpa --certfile/--keyfile token akan "
                         "terkirim tanpa enkripsi. Beri sertifikat, atau layani di 127.0.0.1 di belakang reverse "
                         "proxy HTTPS (lihat README), atau tambahkan --tanpa-tls bila memang disengaja.")


def serve(db: Path, host: str = "127.0.0.1", port: int = 8502, tahun: int | None = None, prefix: str = "",
          certfile: Path | None = None, keyfile: Path | None = None, tokens_path: Path | None = None,
          per_minute: int | None = None, plain_http: bool = False) -> None:
    check(db, host, certfile, keyfile, plain_http)
    per_minute = per_minute or int(os.environ.get("ZI_API_PER_MINUTE", 0)) or None
    kwargs = {"per_minute": per_minute} if per_minute else {}
    app = create_app(db, tahun=tahun, prefix=prefix, tokens_path=tokens_path, **kwargs)
    settings = app.state.settings
    logging.config.dictConfig(LOG_CONFIG)
    log = logging.getLogger("zi.api")
    scheme = "https" if certfile else "http"
    active = len(TokenStore(settings.tokens.path).active())
    log.info("API PortalRB di %s://%s:%d%s (basis data %s, %s, %d token aktif di %s, batas %d permintaan/menit, "
             "catatan akses %s)", scheme, host, port, normal_prefix(prefix) or "/", db,
             f"tahun {tahun}" if tahun else "tahun usulan terakhir", active, settings.tokens.path,
             settings.limiter.per_minute, settings.audit.path)
    if not active:
        log.warning("belum ada token aktif: buat dengan `zi api token NAMA --instansi \"...\"`")
    config = uvicorn.Config(app, host=host, port=port, ssl_certfile=certfile and str(certfile),
                            ssl_keyfile=keyfile and str(keyfile), access_log=False, log_config=LOG_CONFIG,
                            server_header=False, proxy_headers=True, timeout_keep_alive=15)
    uvicorn.Server(config).run()
