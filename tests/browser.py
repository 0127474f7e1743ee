"""What the browser tests share: the system Chromium, its flags, and the dashboard served on a free port."""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).exists()), None)
# Flags this machine needs: its closed network refuses Chromium's background connections.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

needs_chromium = [pytest.mark.browser,
                  pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (make test installs it)")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVERS: dict[str, subprocess.Popen] = {}  # address -> the server's process, while it runs


@contextmanager
def dashboard(env: dict[str, str], log: Path, *flags: str, local_only: bool = True,
              app: Path | None = None, cert=None) -> Iterator[str]:
    """The dashboard as `make run` serves it (serve.py: dashboard.py behind the sign-in gate, the libraries loaded
    first) on a free port, its output in `log`; yields the address (http://127.0.0.1:port) once it answers.

    local_only=False starts it as `make run` does, with no --server.address (serve.py then chooses). `app`: another
    script (a test's own small app), served by `streamlit run` itself. `cert` (tests/api_server.py's Certificate):
    served over HTTPS with that certificate; the address is then https://127.0.0.1:port."""
    port = free_port()
    address = ["--server.address", "127.0.0.1"] if local_only else []
    tls = ["--server.sslCertFile", str(cert.cert), "--server.sslKeyFile", str(cert.key)] if cert else []
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *([str(ROOT / "serve.py")] if app is None else ["-m", "streamlit", "run", str(app)]),
             "--server.headless", "true", "--server.port", str(port), *address, *tls, *flags],
            cwd=ROOT, env=dict(os.environ, **env), stdout=out, stderr=subprocess.STDOUT)
    url = f"{'https' if cert else 'http'}://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=cert.context() if cert else None)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("Streamlit did not start: " + log.read_text(errors="replace")[-2000:])
                time.sleep(0.3)
        SERVERS[url] = proc
        yield url
    finally:
        SERVERS.pop(url, None)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class Client:
    """A plain HTTP client with its own cookies, as a script or another program would reach the server: nothing
    followed automatically, every answer seen as it is."""

    def __init__(self, server: str, cookies: dict[str, str] | None = None, tls=None):
        """`tls`: the ssl.SSLContext to verify an https:// server with."""
        self.server = server
        self.netloc = urlparse(server).netloc
        self.cookies: dict[str, str] = dict(cookies or {})
        self.tls = tls

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if urlparse(self.server).scheme == "https":
            return http.client.HTTPSConnection(self.netloc, timeout=timeout, context=self.tls)
        return http.client.HTTPConnection(self.netloc, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                html: bool = False) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = self._connection(60)
        sent = {"Accept": "text/html" if html else "*/*", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("set-cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, data

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def websocket(self, path: str = "/_stcore/stream") -> int:
        """The status Streamlit's WebSocket handshake gets (101: opened)."""
        headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                   "Sec-WebSocket-Key": base64.b64encode(secrets.token_bytes(16)).decode(),
                   "Sec-WebSocket-Protocol": "streamlit", "Origin": self.server}
        conn = self._connection(30)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request("GET", path, headers=headers)
            return conn.getresponse().status
        finally:
            conn.close()


def rss_mb(server: str) -> float:
    """The resident memory of the server process serving `server`, in MB."""
    status = Path(f"/proc/{SERVERS[server].pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


RUNNING = "document.querySelector('[data-testid=\"stStatusWidget\"]')"


def wait_until_idle(page, settle_ms: int = 500) -> None:
    """Until the script has finished running: the status widget stays away for `settle_ms` (it shows up only a
    moment after a run starts, so one look could come too early)."""
    deadline = time.monotonic() + 60
    while True:
        page.wait_for_function(f"!{RUNNING}", timeout=60_000)
        page.wait_for_timeout(settle_ms)
        if not page.evaluate(f"!!{RUNNING}") or time.monotonic() > deadline:
            return


RENDERED = """() => {
    const shown = e => e.checkVisibility();  // a table in a hidden tab is drawn only when its tab is opened
    const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")].filter(shown);
    const tables = [...document.querySelectorAll("[data-testid='stDataFrame']")].filter(shown);
    // a table is drawn on a canvas, and listed for screen readers (header cells included) a moment later
    return charts.every(c => c.querySelector('.main-svg'))
        && tables.every(t => t.querySelector('canvas') && t.querySelector("[role='columnheader']"))
        && !document.querySelector("[data-testid='stSkeleton']");
}"""


def wait_until_drawn(page, settle_ms: int = 500) -> None:
    """Until the script has finished and every chart and table on the page has been drawn (their code is
    loaded by the browser on first use, after the script's run)."""
    wait_until_idle(page, settle_ms)
    page.wait_for_function(RENDERED, timeout=60_000)
    page.wait_for_timeout(300)
