"""What the browser tests share: the system Chromium, its flags, and the dashboard served on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def dashboard(env: dict[str, str], log: Path, *flags: str, local_only: bool = True,
              app: Path | None = None) -> Iterator[str]:
    """The dashboard as `make run` serves it (serve.py: `streamlit run dashboard.py` with the libraries loaded
    first) on a free port, its output in `log`; yields the address once it answers.

    local_only=False starts it as `make run` does, listening on every interface. `app`: another script (a test's
    own small app), served by `streamlit run` itself."""
    port = free_port()
    address = ["--server.address", "127.0.0.1"] if local_only else []
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *([str(ROOT / "serve.py")] if app is None else ["-m", "streamlit", "run", str(app)]),
             "--server.headless", "true", "--server.port", str(port), *address, *flags],
            cwd=ROOT, env=dict(os.environ, **env), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("Streamlit did not start: " + log.read_text(errors="replace")[-2000:])
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
    return charts.every(c => c.querySelector('.main-svg')) && tables.every(t => t.querySelector('canvas'))
        && !document.querySelector("[data-testid='stSkeleton']");
}"""


def wait_until_drawn(page, settle_ms: int = 500) -> None:
    """Until the script has finished and every chart and table on the page has been drawn (their code is
    loaded by the browser on first use, after the script's run)."""
    wait_until_idle(page, settle_ms)
    page.wait_for_function(RENDERED, timeout=60_000)
    page.wait_for_timeout(300)
