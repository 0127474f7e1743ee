"""The PortalRB API's speed on the 2,000 units x 4 years database, over HTTPS, against baselines in the same run.

Timed from a client (httpx) against `zi api serve` with a certificate made here, on a copy of the database: the
unit list and one unit's answers, each right after a write to the database (cold: the server reads it again) and
unchanged (warm); and 60 proposed units fetched one after the other right after a write (with one kept-alive
connection, and with a new TLS connection per request). Baselines, same run, same machine: a trivial Starlette endpoint under uvicorn over HTTPS
sending a body of the same size (what HTTP, TLS and the framework cost), and the raw DuckDB work in-process
(a read-only connection and the answers query of one submission). Figures, never assertions.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx

from tests.api_server import api_server, make_certificate, new_token
from tests.browser import free_port

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 15


def _median_ms(fn, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 1)


@contextmanager
def _baseline_server(cert, size: int):
    """uvicorn + Starlette over HTTPS answering GET with a fixed JSON body of `size` bytes."""
    port = free_port()
    env = {**os.environ, "ZI_BASELINE_SIZE": str(size)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "benchmarks.api_baseline:app", "--port", str(port),
                             "--ssl-certfile", str(cert.cert), "--ssl-keyfile", str(cert.key), "--no-access-log",
                             "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/x", verify=cert.context(), timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _raw_duckdb(db: Path, submission_id: str) -> float:
    """The least the database must do per answer: open read-only, read the submission's answers and notes."""
    import duckdb

    def once():
        con = duckdb.connect(str(db), read_only=True)
        con.execute("select question_id, answer from stg_answers where submission_id = ? and assessor in "
                    "('unit', 'tpi')", [submission_id]).fetchall()
        con.execute("select question_id, note, evidence from raw_answers where submission_id = ? and assessor in "
                    "('unit', 'tpi')", [submission_id]).fetchall()
        con.close()

    once()
    return _median_ms(once)


def bench_api(units: int = 2000) -> dict:
    from benchmarks.pages import build
    from zi_data import queries

    work = Path(tempfile.mkdtemp(prefix="zi-api-bench-"))
    db = work / "zi.duckdb"
    shutil.copy(build(units), db)  # the server's audit file goes beside it; the writes below change the copy only

    def write() -> None:
        """A commit, as an ingestion's: every cached read of the server is then stale."""
        con = duckdb.connect(str(db))
        con.execute("insert into history (event, submission_id, detail) values ('bench', 'bench', 'bench')")
        con.close()

    def cold(fn) -> float:
        times = []
        for _ in range(5):
            write()
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return round(statistics.median(times) * 1000, 1)

    try:
        con = queries.connect(db)
        try:
            instansi, proposed = con.execute(
                "select pu.instansi, count(*) from proposal_units pu join proposals p using (proposal_id) "
                "where p.superseded_at is null and pu.status = 'diusulkan' group by 1 order by 2 desc limit 1"
            ).fetchone()
            sid = con.execute("select submission_id from proposal_units where status = 'diusulkan' and instansi = ? "
                              "limit 1", [instansi]).fetchone()[0]
        finally:
            con.close()
        cert = make_certificate(work / "tls")
        tokens = work / "tokens.toml"
        token = new_token(tokens, "bench", instansi, db)
        headers = {"Authorization": f"Bearer {token}"}
        result: dict = {"database": f"{units} units x 4 years", "instansi": instansi, "proposed": proposed}
        with api_server(db, tokens, work / "server.log", cert=cert) as base, \
                httpx.Client(headers=headers, verify=cert.context(), timeout=60) as client:
            listed = client.get(base + "/pengusulan/unit-wbk").json()["units"]
            ids = [u["id"] for u in listed][:60]
            body = client.get(f"{base}/lke/jawaban-unit/{ids[0]}").content
            result["list_cold_ms"] = cold(lambda: client.get(base + "/pengusulan/unit-wbk").raise_for_status())
            result["list_ms"] = _median_ms(lambda: client.get(base + "/pengusulan/unit-wbk").raise_for_status())
            result["answer_cold_ms"] = cold(
                lambda: client.get(f"{base}/lke/jawaban-unit/{ids[1]}").raise_for_status())
            result["answer_ms"] = _median_ms(lambda: client.get(f"{base}/lke/jawaban-unit/{ids[1]}").raise_for_status())
            result["answer_bytes"] = len(body)
            write()
            t = time.perf_counter()
            for i in ids:
                client.get(f"{base}/lke/jawaban-unit/{i}").raise_for_status()
            result["sixty_keepalive_s"] = round(time.perf_counter() - t, 2)
            write()
            t = time.perf_counter()
            for i in ids:  # a new TLS connection per unit, the worst case for PortalRB's queue
                httpx.get(f"{base}/lke/jawaban-unit/{i}", headers=headers, verify=cert.context(),
                          timeout=60).raise_for_status()
            result["sixty_new_connection_s"] = round(time.perf_counter() - t, 2)
            result["fetched"] = len(ids)
        with _baseline_server(cert, len(body)) as base, httpx.Client(verify=cert.context(), timeout=60) as client:
            result["baseline_endpoint_ms"] = _median_ms(lambda: client.get(base + "/x").raise_for_status())
            t = time.perf_counter()
            for _ in ids:
                client.get(base + "/x").raise_for_status()
            result["baseline_sixty_keepalive_s"] = round(time.perf_counter() - t, 2)
        result["raw_duckdb_ms"] = _raw_duckdb(db, sid)
        result["answer_vs_baseline_endpoint"] = round(result["answer_ms"] / result["baseline_endpoint_ms"], 1)
        result["answer_cold_vs_baseline_endpoint_plus_raw_duckdb"] = round(
            result["answer_cold_ms"] / (result["baseline_endpoint_ms"] + result["raw_duckdb_ms"]), 2)
        result["answer_under_100_ms"] = max(result["answer_ms"], result["answer_cold_ms"]) < 100
        result["sixty_under_5_s"] = max(result["sixty_keepalive_s"], result["sixty_new_connection_s"]) < 5
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(bench_api(), indent=2))
