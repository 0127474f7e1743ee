"""The first page a person sees on a freshly started server, timed in headless Chromium.

Four servers, each started fresh: the dashboard as `make run` starts it (serve.py: libraries loaded before the
server answers), the same with a plain `streamlit run dashboard.py`, and two baselines that show what Streamlit
itself costs on this machine in this run: a page with one metric, and a page with one metric and three small
Plotly charts (Streamlit shows a page's numbers only once Plotly's 4.7 MB script is loaded). Timed from the
address being opened (after the server answers) to the headline numbers shown, and to every chart and table
drawn. Each figure is the median of `rounds` fresh starts; the ratios to the baselines compare across machines.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_APP = 'import streamlit as st\nst.title("Ringkasan")\nst.metric("Unit kerja", "61")\n'
CHARTS_APP = BASELINE_APP + ('import plotly.graph_objects as go\n'
                             'for kind in (go.Histogram(x=[1, 2, 2]), go.Pie(values=[1, 2]), go.Bar(x=[1, 2])):\n'
                             '    st.plotly_chart(go.Figure(kind))\n')


def _serve(cmd: list[str], env: dict[str, str], port: int, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*cmd, "--server.headless", "true", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                            cwd=cwd, env=dict(os.environ, **env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _wait_health(url: str, proc: subprocess.Popen, limit_s: float = 60) -> float:
    t = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return time.monotonic() - t
        except OSError:
            if proc.poll() is not None or time.monotonic() - t > limit_s:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.05)


def _visit(context, url: str) -> tuple[float, float]:
    """Seconds from opening the address to the first number shown, and to every chart and table drawn."""
    from tests.browser import RENDERED

    page = context.new_page()
    t = time.monotonic()
    page.goto(url, wait_until="commit")
    # a metric on the page itself (the dashboard keeps a hidden one in its sidebar: ui/widgets.warm_elements)
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stMetricValue']", timeout=60_000)
    numbers = time.monotonic() - t
    page.wait_for_function(RENDERED, timeout=60_000, polling=50)
    drawn = time.monotonic() - t
    page.close()
    return numbers, drawn


def bench_cold(db: Path, rounds: int = 3) -> dict:
    """For each variant and round: a fresh server visited by a new visitor (a browser that never saw the
    dashboard: every script and font is fetched), then a fresh server visited by a returning visitor (its
    browser keeps Streamlit's scripts, which are cached for a year)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM, free_port

    if CHROMIUM is None:
        return {"skipped": "no Chromium on this machine"}
    python = sys.executable
    env = {"ZI_DB": str(db), "ZI_USERS": str(Path(tempfile.gettempdir()) / "zi-bench-no-users.toml")}
    with tempfile.TemporaryDirectory() as tmp:
        baseline, charts = Path(tmp) / "baseline.py", Path(tmp) / "charts.py"
        baseline.write_text(BASELINE_APP)
        charts.write_text(CHARTS_APP)
        variants = {
            "make_run_serve_py": ([python, str(ROOT / "serve.py")], ROOT),
            "streamlit_run_dashboard_py": ([python, "-m", "streamlit", "run", str(ROOT / "dashboard.py")], ROOT),
            "baseline_one_metric_page": ([python, "-m", "streamlit", "run", str(baseline)], Path(tmp)),
            "baseline_metric_and_three_charts": ([python, "-m", "streamlit", "run", str(charts)], Path(tmp)),
        }
        runs: dict[str, dict[str, list[tuple[float, float, float]]]] = {
            k: {"new_visitor": [], "returning_visitor": []} for k in variants}
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ports = {name: free_port() for name in variants}  # one address each: the browser cache is per address
            returning = {name: chromium.new_context(viewport={"width": 1440, "height": 1200}) for name in variants}

            def fresh_server(name: str, visit) -> tuple[float, float, float]:
                cmd, cwd = variants[name]
                proc = _serve(cmd, env, ports[name], cwd)
                try:
                    up = _wait_health(f"http://127.0.0.1:{ports[name]}", proc)
                    return (up, *visit(f"http://127.0.0.1:{ports[name]}"))
                finally:
                    proc.terminate()
                    proc.wait(timeout=20)

            for name in variants:  # each returning visitor's first visit, not timed
                fresh_server(name, lambda url, n=name: _visit(returning[n], url))
            for _ in range(rounds):
                for name in variants:  # interleaved: a busy moment of the machine hits all three alike
                    new = chromium.new_context(viewport={"width": 1440, "height": 1200})
                    runs[name]["new_visitor"].append(fresh_server(name, lambda url, c=new: _visit(c, url)))
                    new.close()
                    runs[name]["returning_visitor"].append(
                        fresh_server(name, lambda url, n=name: _visit(returning[n], url)))
            chromium.close()
    out: dict = {"rounds": rounds, "median_s": {}}
    for name, kinds in runs.items():
        out["median_s"][name] = {}
        for kind, values in kinds.items():
            up, numbers, drawn = (statistics.median(v) for v in zip(*values, strict=True))
            out["median_s"][name][kind] = {"server_answers": round(up, 2), "first_numbers": round(numbers, 2),
                                           "all_drawn": round(drawn, 2)}
    for baseline_name in ("baseline_one_metric_page", "baseline_metric_and_three_charts"):
        base = out["median_s"][baseline_name]
        out[f"first_numbers_vs_{baseline_name}"] = {
            name: {kind: round(out["median_s"][name][kind]["first_numbers"] / base[kind]["first_numbers"], 2)
                   for kind in base} for name in ("make_run_serve_py", "streamlit_run_dashboard_py")}
    return out
