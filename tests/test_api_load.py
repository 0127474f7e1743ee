"""60 proposed units fetched one after the other from `zi api serve` while `zi ingest` commits file after file into the
same database: every answer arrives, whole and for the unit asked, and every file of the ingestion is loaded."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import httpx
import pytest
from openpyxl import load_workbook

from tests.api_server import ROOT, api_server
from tests.helpers import edition, filled_workbook, perfect
from tests.test_api import zi_main
from zi_data.ingest import ingest_paths

ED = edition("2021")
BIG, BUSY = "Pemerintah Provinsi Besar", "Pemerintah Kabupaten Sibuk"
pytestmark = pytest.mark.slow


def copies(template: Path, folder: Path, names: list[str], instansi: str) -> list[Path]:
    """The template's answers under other unit names (only the Identitas sheet changes), one file each."""
    folder.mkdir(parents=True, exist_ok=True)
    book = load_workbook(template)
    ident = book["Identitas"]
    out = []
    for name in names:
        ident["B1"], ident["B2"] = name, instansi
        path = folder / f"2026_{name}.xlsx"
        book.save(path)
        out.append(path)
    return out


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("api-load")
    template = filled_workbook(root / "template.xlsx", unit=perfect(ED), tpi=perfect(ED), unit_name="x",
                               instansi=BIG, year=2026)
    units = [f"UPT Wilayah {i:02d}" for i in range(1, 61)]
    copies(template, root / "besar", units, BIG)
    busy = copies(template, root / "sibuk", [f"Puskesmas Sibuk {i:02d}" for i in range(1, 41)], BUSY)
    db = root / "zi.duckdb"
    assert ingest_paths([root / "besar"], db, actor_role="evaluator").loaded == 60
    assert zi_main("pengusulan", "--tahun", "2026", "--predikat", "WBK", "--kuota", "60", "--instansi", BIG,
                   "--simpan", "--db", str(db))[0] == 0
    tokens = root / "tokens.toml"
    token = zi_main("api", "token", "portalrb", "--instansi", BIG, "--db", str(db), "--file", str(tokens))[1].strip()
    return {"root": root, "db": db, "tokens": tokens, "token": token, "units": units, "busy": busy}


def fetch(client: httpx.Client, url: str) -> httpx.Response:
    """A GET as PortalRB makes it: after a 5xx (the reader waited 5 s for a writer's commit) once more at once."""
    r = client.get(url)
    return client.get(url) if r.status_code >= 500 else r


def test_sixty_units_fetched_while_an_ingestion_writes(big):
    db, headers = big["db"], {"Authorization": f"Bearer {big['token']}"}
    with api_server(db, big["tokens"], big["root"] / "server.log") as base, httpx.Client(headers=headers,
                                                                                        timeout=60) as client:
        listed = client.get(base + "/pengusulan/unit-wbk").json()["units"]
        # every unit scores 100: ranked by name
        assert [u["nama"] for u in listed] == big["units"]
        assert [u["id"] for u in listed] == [
            "UNIT-" + hashlib.md5(f"{BIG.lower()}|{n.lower()}".encode()).hexdigest()[:16].upper()
            for n in big["units"]]
        stamp = db.stat().st_mtime_ns
        ingest = subprocess.Popen([sys.executable, "-m", "zi_data.cli", "ingest", str(big["root"] / "sibuk"),
                                   "--db", str(db), "--json"], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env={**os.environ, "ZI_INGEST_BATCH": "1"})
        try:
            deadline = time.monotonic() + 120
            while db.stat().st_mtime_ns == stamp and ingest.poll() is None:  # its first commit
                assert time.monotonic() < deadline
                time.sleep(0.02)
            assert ingest.poll() is None, "the ingestion ended before the fetches began"
            started = datetime.now()
            bodies = [fetch(client, f"{base}/lke/jawaban-unit/{u['id']}") for u in listed]
            ended = datetime.now()
            out, err = ingest.communicate(timeout=300)
        finally:
            if ingest.poll() is None:
                ingest.kill()
    assert ingest.returncode == 0, err
    assert [r.status_code for r in bodies] == [200] * 60
    for u, r in zip(listed, bodies, strict=True):
        body = r.json()
        assert (body["unit_id"], body["nama_unit"], len(body["answers"])) == (u["id"], u["nama"], 127)
        assert body["answers"][0]["jawaban_unit"] == "Ya" and body["answers"][1]["jawaban_tpi"] == "A"
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = con.execute("select count(*) from current_submissions where instansi = ?", [BUSY]).fetchone()[0]
        during = con.execute("select count(*) from history h join stg_submissions s using (submission_id) "
                             "join stg_units u using (unit_id) where h.event = 'loaded' and u.instansi = ? "
                             "and h.happened_at between ? and ?", [BUSY, started, ended]).fetchone()[0]
    finally:
        con.close()
    assert loaded == len(big["busy"])
    assert during >= 1, "no file of the ingestion was committed while the answers were fetched"
