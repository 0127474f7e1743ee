"""The PortalRB pull API from the outside: `zi api serve` started as a subprocess on 127.0.0.1 (one run over HTTPS
with a certificate made here), fetched with httpx, every answer checked against a JSON Schema written from the
guide (../shared/reference/portalrb-api-2026.md) and against hand-built workbooks whose answers are known.

The units (year 2026), every total worked out by hand (2021 edition, data/thresholds.csv; see test_cycle.py):
- Dinas Satu, Pemerintah Kota Uji: the template. Unit: M002 "B", M003 blank, M088 12, IPAK 3,45, IPKP 4, a note on
  M001, two links in one evidence cell (M001), a description and a link (M002), a description (M005). TPI: M002 "C"
  (Penyusunan Tim Kerja, weight 0,5, two questions: mean 0,5, -0,25), M004 blank (left out of its mean), a note on
  M002: 99,75.
- Dinas Dua: the regulation's sheet with two TPI levels; the first answers M001 "Tidak", the last (the one served)
  M002 "B" (-0,125): 99,875; "Bukti" and "Link" columns before the answers (two evidence columns).
- Dinas Tiga: every answer at its best, 100; Afirmasi "ya" on the roster.
- Dinas Empat: the TPI answers SPBE "C" (M016-M019): Penataan Tatalaksana (Pemenuhan) 1,5 < 2,1, fails WBK.
- Dinas Lama: a workbook of the 2019 edition, candidate by its own rules, never served.
- Biro Lain, Kementerian Lain: every answer at its best.
Proposals: WBBM for Pemerintah Kota Uji, quota 1 (Dinas Tiga, the only 100 then); then Dinas Lama loaded; WBK for
Pemerintah Kota Uji, quota 10 (Tiga 100, Dua 99,875, Satu 99,75 are served; Lama is not); WBK for Kementerian Lain.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx
import jsonschema
import pytest
from openpyxl import load_workbook

from tests.api_server import ROOT, api_server, make_certificate
from tests.helpers import edition, filled_workbook, perfect
from zi_data.cli import main
from zi_data.ingest import ingest_paths
from zi_data.lke_writer import write_lke_zi

ED, ED19 = edition("2021"), edition("2019")
I1, I2 = "Pemerintah Kota Uji", "Kementerian Lain"
MASTER = ROOT.parent / "shared" / "reference" / "portalrb-master-soal-lkezi-2026.json"
SPBE_C = {"M016": "C", "M017": "C", "M018": "C", "M019": "C"}

# --- JSON Schema, written from the guide's shapes ------------------------------------------------------------------
NULLABLE = {"type": ["string", "null"]}


def list_schema(kategori: list[str]) -> dict:
    return {"type": "object", "required": ["tahun", "units"], "additionalProperties": False,
            "properties": {"tahun": {"type": "integer"}, "units": {"type": "array", "items": {
                "type": "object", "required": ["id", "nama"], "additionalProperties": False,
                "properties": {"id": {"type": "string", "minLength": 1}, "nama": {"type": "string", "minLength": 1},
                               "kategori": {"enum": kategori}, "afirmasi": {"type": "boolean"}}}}}}


WBK_SCHEMA, WBBM_SCHEMA = list_schema(["WBK", "WBK-AFIRMASI"]), list_schema(["WBBM"])
ANSWERS_SCHEMA = {
    "type": "object", "required": ["unit_id", "nama_unit", "tahun", "answers"], "additionalProperties": False,
    "properties": {"unit_id": {"type": "string"}, "nama_unit": {"type": "string"}, "tahun": {"type": "integer"},
                   "answers": {"type": "array", "items": {
                       "type": "object", "required": ["soal_id", "jawaban_unit"], "additionalProperties": False,
                       "properties": {"soal_id": {"type": "integer"}, "jawaban_unit": NULLABLE,
                                      "jawaban_tpi": NULLABLE, "catatan_unit": NULLABLE,
                                      "bukti_dukung_unit": NULLABLE, "catatan_tpi": NULLABLE}}}}}
ERROR_SCHEMA = {"type": "object", "required": ["error", "code", "message"], "additionalProperties": False,
                "properties": {"error": {"const": True}, "code": {"type": "string"},
                               "message": {"type": "string", "minLength": 10}}}


def uid(unit: str, instansi: str) -> str:
    """The id PortalRB gets, by hand: UNIT- and the md5 of "instansi|unit" in lower case (16 hex digits)."""
    return "UNIT-" + hashlib.md5(f"{instansi.lower()}|{unit.lower()}".encode()).hexdigest()[:16].upper()


SATU, DUA, TIGA, EMPAT, LAMA = (uid(f"Dinas {n}", I1) for n in ("Satu", "Dua", "Tiga", "Empat", "Lama"))
LAIN = uid("Biro Lain", I2)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def zi_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def satu_workbook(path: Path, **unit_changes) -> Path:
    unit = {**perfect(ED), "M002": "B", "M088": 12, "M125": 3.45, "M127": 4, **unit_changes}
    unit.pop("M003")
    tpi = {**perfect(ED), "M002": "C"}
    tpi.pop("M004")
    filled_workbook(path, unit=unit, tpi=tpi, unit_name="Dinas Satu", instansi=I1, year=2026,
                    notes={"M001": "Tim dibentuk dengan SK"}, tpi_notes={"M002": "Dokumen belum lengkap"})
    book = load_workbook(path)
    ws = book["Jawaban"]
    rows = ED.questions.set_index("question_id")["jawaban_row"]
    ws[f"M{int(rows['M001'])}"] = "https://drive.example.go.id/a\nhttps://drive.example.go.id/b"
    ws[f"M{int(rows['M002'])}"] = "SK Kepala Dinas; https://x.go.id/sk"
    ws[f"M{int(rows['M005'])}"] = "Notulen rapat"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    books = root / "lke"
    satu_workbook(books / "2026_Dinas Satu.xlsx")
    write_lke_zi(books / "2026_Dinas Dua.xlsx", ED, "Dinas Dua", I1, 2026, perfect(ED),
                 levels={"Jawaban TPI": dict(perfect(ED), M001="Tidak"),
                         "Jawaban TPI Itjen": dict(perfect(ED), M002="B")},
                 unit_label="Jawaban Unit", quirks={"bukti_link_before_answers"})
    filled_workbook(books / "2026_Dinas Tiga.xlsx", unit=perfect(ED), tpi=perfect(ED), unit_name="Dinas Tiga",
                    instansi=I1, year=2026)
    filled_workbook(books / "2026_Dinas Empat.xlsx", unit=perfect(ED), tpi=dict(perfect(ED), **SPBE_C),
                    unit_name="Dinas Empat", instansi=I1, year=2026)
    filled_workbook(books / "2026_Biro Lain.xlsx", unit=perfect(ED), tpi=perfect(ED), unit_name="Biro Lain",
                    instansi=I2, year=2026)
    roster = root / "daftar_unit_2026.csv"
    roster.write_text("Unit Kerja;Instansi;Tahun;Target;Afirmasi\n"
                      f"Dinas Satu;{I1};2026;WBK;tidak\nDinas Dua;{I1};2026;WBK;\nDinas Tiga;{I1};2026;WBK;Ya\n"
                      f"Dinas Empat;{I1};2026;WBK;tidak\nBiro Lain;{I2};2026;WBK;tidak\n", encoding="utf-8")
    db = root / "zi.duckdb"
    summary = ingest_paths([books, roster], db, actor_role="evaluator")
    assert summary.loaded == 5 and summary.rosters == 1, summary.rejected
    assert zi_main("pengusulan", "--tahun", "2026", "--predikat", "WBBM", "--kuota", "1", "--instansi", I1,
                   "--simpan", "--oleh", "Ani", "--db", str(db))[0] == 0
    lama = filled_workbook(root / "lama" / "2026_Dinas Lama.xlsx", "2019", unit=perfect(ED19), tpi=perfect(ED19),
                           unit_name="Dinas Lama", instansi=I1, year=2026)
    assert ingest_paths([lama], db, actor_role="evaluator").loaded == 1
    code, _, said = zi_main("pengusulan", "--tahun", "2026", "--predikat", "WBK", "--kuota", "10", "--instansi", I1,
                            "--simpan", "--oleh", "Ani", "--db", str(db))
    assert code == 0
    assert zi_main("pengusulan", "--tahun", "2026", "--predikat", "WBK", "--kuota", "5", "--instansi", I2,
                   "--simpan", "--oleh", "Budi", "--db", str(db))[0] == 0
    tokens = root / "tokens.toml"
    t1 = zi_main("api", "token", "portalrb", "--instansi", "pemerintah kota uji", "--db", str(db),
                 "--file", str(tokens))[1].strip()
    t2 = zi_main("api", "token", "lain", "--instansi", I2, "--db", str(db), "--file", str(tokens))[1].strip()
    return {"root": root, "db": db, "tokens": tokens, "t1": t1, "t2": t2, "saved_said": said, "books": books}


@pytest.fixture(scope="module")
def server(world):
    with api_server(world["db"], world["tokens"], world["root"] / "server.log") as base:
        yield base


def get(base: str, path: str, token: str | None, **kw) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(kw.pop("method", "GET"), base + path, headers=headers, timeout=30, **kw)


def error_of(r: httpx.Response, status: int, code: str) -> str:
    """The guide's error JSON with this status and code; returns the message."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    jsonschema.validate(body, ERROR_SCHEMA)
    assert body["code"] == code
    return body["message"]


def by_soal(body: dict) -> dict[int, dict]:
    return {a["soal_id"]: a for a in body["answers"]}


# --- the endpoints ---------------------------------------------------------------------------------------------

def test_the_wbk_list_is_the_saved_proposal_of_the_tokens_instansi(world, server):
    r = get(server, "/pengusulan/unit-wbk", world["t1"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
    body = r.json()
    jsonschema.validate(body, WBK_SCHEMA)
    # ranked by the last TPI level's total: Tiga 100, Dua 99,875, Satu 99,75; Lama (edition 2019) is not sent,
    # Empat fails WBK, Biro Lain belongs to the other instansi
    assert body == {"tahun": 2026, "units": [
        {"id": TIGA, "nama": "Dinas Tiga", "kategori": "WBK-AFIRMASI", "afirmasi": True},
        {"id": DUA, "nama": "Dinas Dua", "kategori": "WBK", "afirmasi": False},
        {"id": SATU, "nama": "Dinas Satu", "kategori": "WBK", "afirmasi": False}]}
    other = get(server, "/pengusulan/unit-wbk", world["t2"]).json()
    assert other == {"tahun": 2026, "units": [{"id": LAIN, "nama": "Biro Lain", "kategori": "WBK",
                                                "afirmasi": False}]}


def test_the_wbbm_list_and_an_instansi_without_a_wbbm_proposal(world, server):
    body = get(server, "/pengusulan/unit-wbbm", world["t1"]).json()
    jsonschema.validate(body, WBBM_SCHEMA)
    assert body == {"tahun": 2026, "units": [{"id": TIGA, "nama": "Dinas Tiga", "kategori": "WBBM",
                                              "afirmasi": True}]}
    message = error_of(get(server, "/pengusulan/unit-wbbm", world["t2"]), 404, "DATA_NOT_FOUND")
    assert "belum ada usulan WBBM tahun 2026" in message and "zi pengusulan --simpan" in message


def test_one_units_answers_are_the_workbooks_in_the_master_lists_order(world, server):
    r = get(server, f"/lke/jawaban-unit/{SATU}", world["t1"])
    assert r.status_code == 200
    body = r.json()
    jsonschema.validate(body, ANSWERS_SCHEMA)
    assert (body["unit_id"], body["nama_unit"], body["tahun"]) == (SATU, "Dinas Satu", 2026)
    assert [a["soal_id"] for a in body["answers"]] == list(range(1, 128))
    a = by_soal(body)
    assert a[1] == {"soal_id": 1, "jawaban_unit": "Ya", "jawaban_tpi": "Ya", "catatan_unit": "Tim dibentuk dengan SK",
                    "bukti_dukung_unit": "https://drive.example.go.id/a; https://drive.example.go.id/b",
                    "catatan_tpi": None}
    assert a[2] == {"soal_id": 2, "jawaban_unit": "B", "jawaban_tpi": "C", "catatan_unit": None,
                    "bukti_dukung_unit": "SK Kepala Dinas; https://x.go.id/sk", "catatan_tpi": "Dokumen belum lengkap"}
    assert (a[3]["jawaban_unit"], a[3]["jawaban_tpi"]) == (None, "Ya")  # blank at the unit level
    assert (a[4]["jawaban_unit"], a[4]["jawaban_tpi"]) == ("A", None)  # blank at the TPI level
    assert a[5]["bukti_dukung_unit"] == "Notulen rapat"
    assert a[88]["jawaban_unit"] == "12"  # a count
    assert (a[125]["jawaban_unit"], a[125]["jawaban_tpi"]) == ("3.45", "4")  # IPAK, 0-4
    assert a[127]["jawaban_unit"] == "4"
    assert a[126]["jawaban_unit"] == "A"  # Capaian Kinerja, A-E
    # every other question: no note and no evidence
    assert sum(x["catatan_unit"] is not None for x in body["answers"]) == 1
    assert sum(x["bukti_dukung_unit"] is not None for x in body["answers"]) == 3


def test_the_last_tpi_level_is_served_and_two_evidence_columns_are_joined(world, server):
    a = by_soal(get(server, f"/lke/jawaban-unit/{DUA}", world["t1"]).json())
    # the first TPI level answered M001 "Tidak"; the last one "Ya" (and M002 "B" with its note)
    assert (a[1]["jawaban_unit"], a[1]["jawaban_tpi"], a[1]["catatan_tpi"]) == ("Ya", "Ya", None)
    assert (a[2]["jawaban_unit"], a[2]["jawaban_tpi"]) == ("A", "B")
    assert a[2]["catatan_tpi"] == "Dinilai ulang (Jawaban TPI Itjen)"
    assert a[1]["bukti_dukung_unit"] == "Dokumen pendukung; https://drive.example.go.id/bukti"


def test_head_answers_the_get_headers_without_a_body(world, server):
    full = get(server, f"/lke/jawaban-unit/{TIGA}", world["t1"])
    head = get(server, f"/lke/jawaban-unit/{TIGA}", world["t1"], method="HEAD")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(full.content))


def test_a_base_url_with_a_trailing_slash_reaches_the_same_endpoints(world, server):
    r = get(server, "//pengusulan/unit-wbk/", world["t1"])
    assert r.status_code == 200 and len(r.json()["units"]) == 3


# --- errors -------------------------------------------------------------------------------------------------

def test_without_a_valid_token_every_address_is_401_and_says_nothing_else(world, server):
    for path in ("/pengusulan/unit-wbk", "/pengusulan/unit-wbbm", f"/lke/jawaban-unit/{SATU}", "/tidak-ada",
                 "/lke/jawaban-unit/bukan-id"):
        for token in (None, "zi_salah", world["t1"] + "x"):
            message = error_of(get(server, path, token), 401, "UNAUTHORIZED")
            assert "Token" in message and "Dinas" not in message
    r = httpx.get(server + "/pengusulan/unit-wbk", headers={"Authorization": f"Basic {world['t1']}"})
    error_of(r, 401, "UNAUTHORIZED")
    assert r.headers["www-authenticate"].startswith("Bearer")
    # outside the prefix too
    error_of(httpx.get(server.rsplit("/zi-api", 1)[0] + "/"), 401, "UNAUTHORIZED")


def test_a_unit_of_another_instansi_is_403_and_one_not_proposed_404(world, server):
    message = error_of(get(server, f"/lke/jawaban-unit/{LAIN}", world["t1"]), 403, "FORBIDDEN")
    assert "instansi" in message and I2 not in message
    error_of(get(server, f"/lke/jawaban-unit/{SATU}", world["t2"]), 403, "FORBIDDEN")
    message = error_of(get(server, f"/lke/jawaban-unit/{EMPAT}", world["t1"]), 404, "DATA_NOT_FOUND")
    assert "tidak termasuk unit yang diusulkan" in message
    error_of(get(server, "/lke/jawaban-unit/UNIT-0000000000000000", world["t1"]), 404, "DATA_NOT_FOUND")


def test_a_unit_proposed_from_a_2019_workbook_is_never_served_and_the_save_said_so(world, server):
    message = error_of(get(server, f"/lke/jawaban-unit/{LAMA}", world["t1"]), 404, "DATA_NOT_FOUND")
    assert "Dinas Lama" in message and "edisi 2019" in message
    assert "PERHATIAN: Dinas Lama: LKE edisi 2019 tidak dapat dikirim ke PortalRB" in world["saved_said"]


@pytest.mark.parametrize("path", ["/lke/jawaban-unit/bukan-id", "/lke/jawaban-unit/UNIT-123",
                                  "/lke/jawaban-unit/UNIT-ZZZZZZZZZZZZZZZZ", "/lke/jawaban-unit/%27%3B--"])
def test_a_malformed_unit_id_is_422(world, server, path):
    assert "tidak sah" in error_of(get(server, path, world["t1"]), 422, "INVALID_REQUEST")


@pytest.mark.parametrize("path", ["/tidak-ada", "/pengusulan", "/pengusulan/unit-wbk/lagi", "/lke/jawaban-unit",
                                  f"/lke/jawaban-unit/{SATU}/x"])
def test_an_unknown_address_is_404_not_found_in_json(world, server, path):
    assert "/zi-api/pengusulan/unit-wbk" in error_of(get(server, path, world["t1"]), 404, "NOT_FOUND")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_allowed(world, server, method):
    r = get(server, "/pengusulan/unit-wbk", world["t1"], method=method)
    assert "GET dan HEAD" in error_of(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == "GET, HEAD"


def test_a_writer_holding_the_database_too_long_is_a_json_500_and_reads_go_on_after(world, server):
    con = duckdb.connect(str(world["db"]))  # another process's write lock, held past the reader's 5 s
    try:
        # a commit: what the server read before is stale, it must read the database again
        con.execute("insert into history (event, submission_id, detail) values ('uji', 'uji', 'uji')")
        r = get(server, "/pengusulan/unit-wbk", world["t1"])
    finally:
        con.close()
    assert "coba lagi" in error_of(r, 500, "DATABASE_BUSY")
    assert get(server, "/pengusulan/unit-wbk", world["t1"]).status_code == 200


# --- tokens ---------------------------------------------------------------------------------------------------

def test_a_revoked_token_is_refused_at_its_next_request_without_a_restart(world, server):
    token = zi_main("api", "token", "sementara", "--instansi", I1, "--db", str(world["db"]),
                    "--file", str(world["tokens"]))[1].strip()
    assert get(server, "/pengusulan/unit-wbk", token).status_code == 200
    code, out, _ = zi_main("api", "token", "sementara", "--cabut", "--file", str(world["tokens"]))
    assert code == 0 and "dicabut" in out
    assert "dicabut" in error_of(get(server, "/pengusulan/unit-wbk", token), 401, "UNAUTHORIZED")
    assert get(server, "/pengusulan/unit-wbk", world["t1"]).status_code == 200  # the others go on


def test_tokens_are_random_kept_only_as_hashes_in_a_private_file(world):
    t1, t2 = world["t1"], world["t2"]
    assert t1.startswith("zi_") and len(t1) >= 40 and t1 != t2
    text = world["tokens"].read_text()
    assert t1 not in text and t2 not in text
    assert hashlib.sha256(t1.encode()).hexdigest() in text
    assert stat.S_IMODE(world["tokens"].stat().st_mode) == 0o600
    code, out, _ = zi_main("api", "token", "--daftar", "--file", str(world["tokens"]))
    assert code == 0 and "portalrb" in out and I1 in out and "aktif" in out
    assert t1 not in out and hashlib.sha256(t1.encode()).hexdigest() not in out


def test_a_token_for_an_instansi_the_database_does_not_know_is_refused_with_the_closest_names(world, tmp_path):
    code, out, err = zi_main("api", "token", "x", "--instansi", "Pemerintah Kota Uj", "--db", str(world["db"]),
                             "--file", str(tmp_path / "t.toml"))
    assert code == 2 and out == "" and f"Maksudnya: {I1}" in err
    assert not (tmp_path / "t.toml").exists()


def test_the_default_tokens_file_is_ignored_by_git():
    assert ".streamlit/api_tokens.toml" in (ROOT / ".gitignore").read_text().splitlines()


# --- audit, logs ------------------------------------------------------------------------------------------------

def test_every_request_is_audited_with_the_token_name_and_never_the_token(world, server):
    body = get(server, f"/lke/jawaban-unit/{SATU}", world["t1"]).content
    get(server, "/tidak-ada", None)
    con = sqlite3.connect(f"{world['db']}.audit.sqlite")
    try:
        last = con.execute("select token, instansi, method, endpoint, unit_id, status, size, sha256, tahun, "
                           "submission_id from requests where unit_id = ? order by id desc limit 1",
                           [SATU]).fetchone()
        anonymous = con.execute("select token, endpoint, status, code from requests order by id desc limit 1").fetchone()
    finally:
        con.close()
    assert last == ("portalrb", I1, "GET", "/lke/jawaban-unit/{unit_id}", SATU, 200, len(body),
                    hashlib.sha256(body).hexdigest(), 2026, sha256_of(world["books"] / "2026_Dinas Satu.xlsx"))
    assert anonymous == (None, "/zi-api/tidak-ada", 401, "UNAUTHORIZED")
    for path in (Path(f"{world['db']}.audit.sqlite"), world["root"] / "server.log"):
        data = path.read_bytes()
        assert world["t1"].encode() not in data and world["t2"].encode() not in data
        assert b"Bearer zi_" not in data and b"authorization" not in data.lower()


# --- a proposal saved again, a newer workbook, a restart ----------------------------------------------------

@pytest.fixture
def own(world, tmp_path):
    """A copy of the database and its tokens for tests that change them."""
    db = tmp_path / "zi.duckdb"
    shutil.copy(world["db"], db)
    tokens = tmp_path / "tokens.toml"
    shutil.copy(world["tokens"], tokens)
    return {**world, "db": db, "tokens": tokens, "root": tmp_path}


def test_a_newer_workbook_after_the_proposal_is_not_sent_until_the_proposal_is_saved_again(own, monkeypatch):
    from zi_data.api import review

    with api_server(own["db"], own["tokens"], own["root"] / "server.log") as base:
        before = get(base, f"/lke/jawaban-unit/{SATU}", own["t1"])
        newer = satu_workbook(own["root"] / "baru" / "2026_Dinas Satu.xlsx", M001="Tidak")
        assert ingest_paths([newer], own["db"], actor_role="evaluator").loaded == 1
        after = get(base, f"/lke/jawaban-unit/{SATU}", own["t1"])
        assert after.content == before.content  # still the proposal's workbook: M001 "Ya"
        assert by_soal(after.json())[1]["jawaban_unit"] == "Ya"
        # zi status and the Siklus page say the proposal must be saved again
        code, out, _ = zi_main("status", "--tahun", "2026", "--db", str(own["db"]))
        assert code == 0
        assert "PERHATIAN usulan WBK: Dinas Satu (Pemerintah Kota Uji): LKE baru (2026_Dinas Satu.xlsx" in out
        assert "simpan ulang usulan" in out
        code, out, _ = zi_main("status", "--tahun", "2026", "--db", str(own["db"]), "--json")
        notes = json.loads(out)["pemberitahuan_usulan"]
        # Dinas Lama is never sent (edition 2019); Dinas Satu has a newer workbook
        assert [(n["unit"], n["predikat"]) for n in notes] == [("Dinas Lama", "WBK"), ("Dinas Satu", "WBK")]
        assert "tidak dikirim ke PortalRB: LKE-nya edisi 2019" in notes[0]["pesan"]
        seen = review.review(own["db"], 2026, [I1])
        row = seen.units[seen.units["public_id"] == SATU].iloc[0]
        assert (row["hasil"], row["sama"]) == ("berhasil (200)", "ya")  # what PortalRB got is still what is sent
        # saved again: the new workbook is sent, and what PortalRB got before is no longer what is sent
        assert zi_main("pengusulan", "--tahun", "2026", "--predikat", "WBK", "--kuota", "10", "--instansi", I1,
                       "--simpan", "--db", str(own["db"]))[0] == 0
        resent = get(base, f"/lke/jawaban-unit/{SATU}", own["t1"]).json()
        assert by_soal(resent)[1]["jawaban_unit"] == "Tidak" and resent["unit_id"] == SATU
        # the last fetch above got the new one: fetched again, PortalRB has what is sent
        seen = review.review(own["db"], 2026, [I1])
        assert [n.unit for n in seen.notices] == ["Dinas Lama"]
        assert seen.units.set_index("public_id").at[SATU, "sama"] == "ya"
        assert seen.units.set_index("public_id").at[DUA, "hasil"] == "belum pernah diambil"


def test_what_portalrb_got_before_a_proposal_changed_is_marked_for_a_refetch(own):
    from zi_data.api import review

    with api_server(own["db"], own["tokens"], own["root"] / "server.log") as base:
        assert get(base, f"/lke/jawaban-unit/{SATU}", own["t1"]).status_code == 200
        assert get(base, "/pengusulan/unit-wbk", own["t1"]).status_code == 200
    newer = satu_workbook(own["root"] / "baru" / "2026_Dinas Satu.xlsx", M001="Tidak")
    ingest_paths([newer], own["db"], actor_role="evaluator")
    zi_main("pengusulan", "--tahun", "2026", "--predikat", "WBK", "--kuota", "10", "--instansi", I1, "--simpan",
            "--db", str(own["db"]))
    seen = review.review(own["db"], 2026, [I1])
    units = seen.units.set_index("public_id")
    assert units.at[SATU, "sama"].startswith("tidak: isinya kini berbeda, minta Refetch")
    lists = seen.lists.set_index("predikat")
    assert lists.at["WBK", "hasil"] == "berhasil (200)" and lists.at["WBK", "sama"] == "ya"  # the same 3 units


def test_ids_and_answers_are_the_same_after_a_server_restart(own):
    fetched = []
    for _ in range(2):
        with api_server(own["db"], own["tokens"], own["root"] / "server.log") as base:
            ids = [u["id"] for u in get(base, "/pengusulan/unit-wbk", own["t1"]).json()["units"]]
            fetched.append((ids, [get(base, f"/lke/jawaban-unit/{i}", own["t1"]).content for i in ids]))
    assert fetched[0] == fetched[1] and fetched[0][0] == [TIGA, DUA, SATU]


def test_a_proposal_saved_by_an_earlier_version_serves_the_workbook_current_when_it_was_saved(own):
    """proposal_units without the submission and afirmasi columns (a database last written before they existed):
    the read-only API serves the workbook that was current when the proposal was saved and the roster's Afirmasi,
    also after a newer workbook arrived; the next writer adds the columns (empty)."""
    con = duckdb.connect(str(own["db"]))
    con.execute("alter table proposal_units drop column submission_id")
    con.execute("alter table proposal_units drop column afirmasi")
    con.close()
    with api_server(own["db"], own["tokens"], own["root"] / "server.log") as base:
        units = get(base, "/pengusulan/unit-wbk", own["t1"]).json()["units"]
        assert [(u["id"], u["kategori"]) for u in units] == [(TIGA, "WBK-AFIRMASI"), (DUA, "WBK"), (SATU, "WBK")]
        assert by_soal(get(base, f"/lke/jawaban-unit/{SATU}", own["t1"]).json())[1]["jawaban_unit"] == "Ya"
        newer = satu_workbook(own["root"] / "baru" / "2026_Dinas Satu.xlsx", M001="Tidak")
        assert ingest_paths([newer], own["db"], actor_role="evaluator").loaded == 1  # a writer: the columns return
        # still the workbook current when the proposal was saved ("Ya"), not the newer one ("Tidak")
        assert by_soal(get(base, f"/lke/jawaban-unit/{SATU}", own["t1"]).json())[1]["jawaban_unit"] == "Ya"
    con = duckdb.connect(str(own["db"]), read_only=True)
    assert con.execute("select count(*) from proposal_units where submission_id is not null").fetchone()[0] == 0
    con.close()


def test_the_dashboard_reads_a_proposal_saved_before_the_workbook_was_recorded(own):
    """The dashboard reads read-only: a database not yet written by this version lacks the new columns."""
    from zi_data import queries

    con = duckdb.connect(str(own["db"]))
    pid = con.execute("select max(proposal_id) from proposals where predikat = 'WBK'").fetchone()[0]
    con.execute("alter table proposal_units drop column submission_id")
    con.close()
    con = queries.connect(own["db"])
    try:
        p = queries.saved_proposal(con, pid)
    finally:
        con.close()
    assert p.proposed["unit_name"].tolist()[:1] == ["Biro Lain"] and p.proposed["submission_id"].isna().all()


def test_a_saved_proposal_records_the_workbook_it_was_built_on(world):
    con = duckdb.connect(str(world["db"]), read_only=True)
    try:
        rows = dict(con.execute("select unit_name, submission_id from proposal_units pu join proposals p "
                                "using (proposal_id) where p.predikat = 'WBK' and pu.status = 'diusulkan' and "
                                "p.superseded_at is null").fetchall())
    finally:
        con.close()
    assert rows["Dinas Satu"] == sha256_of(world["books"] / "2026_Dinas Satu.xlsx")
    assert rows["Dinas Dua"] == sha256_of(world["books"] / "2026_Dinas Dua.xlsx")


# --- rate limit, a broken tokens file ----------------------------------------------------------------------

def test_more_requests_than_the_limit_per_token_get_429_with_retry_after(own):
    with api_server(own["db"], own["tokens"], own["root"] / "server.log", "--batas-per-menit", "3") as base:
        for _ in range(3):
            assert get(base, "/pengusulan/unit-wbk", own["t1"]).status_code == 200
        r = get(base, "/pengusulan/unit-wbk", own["t1"])
        assert "3 per menit" in error_of(r, 429, "RATE_LIMITED")
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert get(base, "/pengusulan/unit-wbk", own["t2"]).status_code == 200  # per token
        # a tokens file that cannot be read lets nobody in, and its text is never quoted
        own["tokens"].write_text("[tokens.x\nrahasia-jangan-dicetak = 1\n")
        message = error_of(get(base, "/pengusulan/unit-wbk", own["t2"]), 500, "INTERNAL_ERROR")
        assert "token" in message
    log = (own["root"] / "server.log").read_text()
    assert "bukan TOML yang sah" in log and "rahasia-jangan-dicetak" not in log


# --- HTTPS, zi api periksa ---------------------------------------------------------------------------------

def test_over_https_with_a_certificate_and_periksa_passes(world, tmp_path):
    cert = make_certificate(tmp_path / "tls")
    with api_server(world["db"], world["tokens"], tmp_path / "server.log", cert=cert) as base:
        assert base.startswith("https://")
        r = httpx.get(base + "/pengusulan/unit-wbk", headers={"Authorization": f"Bearer {world['t1']}"},
                      verify=cert.context())
        assert r.status_code == 200 and len(r.json()["units"]) == 3
        with pytest.raises(httpx.ConnectError):  # not trusted without the authority
            httpx.get(base + "/pengusulan/unit-wbk")
        with pytest.raises(httpx.TransportError):  # plain HTTP on the TLS port
            httpx.get(base.replace("https://", "http://") + "/pengusulan/unit-wbk")
        run = subprocess.run([sys.executable, "-m", "zi_data.cli", "api", "periksa", "--url", base, "--cafile",
                              str(cert.ca), "--jeda", "0,0,0"], capture_output=True, text=True, cwd=ROOT,
                             env={**os.environ, "ZI_API_TOKEN": world["t1"]}, timeout=120)
        refused = subprocess.run([sys.executable, "-m", "zi_data.cli", "api", "periksa", "--url", base,
                                  "--token", world["t1"], "--jeda", "0"], capture_output=True, text=True, cwd=ROOT,
                                 timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "LULUS" in out and "Yang dihitung PortalRB: WBK 2 unit, WBK-AFIRMASI 1 unit, WBBM 1 unit" in out
    # Dinas Satu: one blank at the unit level (M003), one at the TPI level (M004), one note, three evidence cells
    assert (f"Dinas Satu ({SATU}, WBK): 127 jawaban, 1 kosong di jawaban unit, 1 kosong di jawaban TPI, "
            "1 catatan unit, 3 bukti dukung, 1 catatan TPI") in out
    assert refused.returncode == 1 and "sertifikat HTTPS tidak dipercaya" in refused.stdout


def test_periksa_finds_what_portalrb_would_refuse(world, tmp_path):
    from zi_data.api.periksa import Fetched, Report, check_answers, check_list

    said = []
    report = Report(said.append)
    bad_list = Fetched("u", 200, json.dumps({"tahun": "2026", "units": [
        {"id": "A", "nama": "X", "kategori": "WBK-AFIRMASI", "afirmasi": False}, {"id": "A", "nama": ""}]}).encode())
    check_list(bad_list, "WBK", report)
    answers = [{"soal_id": s, "jawaban_unit": None} for s in range(1, 128)]
    answers[0]["jawaban_unit"], answers[1]["jawaban_tpi"], answers[124]["jawaban_unit"] = "ya", "F", "4.5"
    bad = Fetched("u", 200, json.dumps({"unit_id": "A", "nama_unit": "X", "tahun": 2026,
                                        "answers": answers[:-1]}).encode())
    check_answers(bad, {"id": "A", "nama": "X"}, 2026, report)
    assert report.problems == [
        "daftar WBK: 'tahun' harus bilangan bulat",
        "daftar WBK: X: kategori WBK-AFIRMASI tidak sesuai afirmasi False",
        "daftar WBK: id A muncul dua kali",
        "daftar WBK: unit ke-2 tanpa 'nama'",
        "jawaban X (A): soal_id harus 127 soal master berurutan; didapat 126, tidak ada [127]",
        "jawaban X (A): soal 1: jawaban_unit 'ya' bukan salah satu kunci Ya/Tidak",
        "jawaban X (A): soal 2: jawaban_tpi 'F' bukan salah satu kunci A/B/C",
        "jawaban X (A): soal 125: jawaban_unit '4.5' di luar rentang 0-4",
    ]


def test_periksa_retries_like_portalrb_and_reports_a_server_that_does_not_answer():
    from zi_data.api import periksa

    waits, said = [], []
    code = periksa.periksa("http://127.0.0.1:9", "zi_x", delays=(0, 60, 120), sleep=waits.append, say=said.append)
    assert code == 1 and waits == [0, 60, 120]
    assert any("PortalRB mencoba lagi 60 detik kemudian" in s for s in said)
    assert any("tidak dapat menjangkau" in s for s in said)


def test_periksa_passes_on_the_demo_database(demo_db, tmp_path):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        instansi = con.execute("select pu.instansi from proposal_units pu where pu.status = 'diusulkan' "
                               "order by pu.rank limit 1").fetchone()[0]
    finally:
        con.close()
    tokens = tmp_path / "tokens.toml"
    token = zi_main("api", "token", "demo", "--instansi", instansi, "--db", str(demo_db), "--file", str(tokens))[1]
    with api_server(demo_db, tokens, tmp_path / "server.log", prefix="") as base:
        run = subprocess.run([sys.executable, "-m", "zi_data.cli", "api", "periksa", "--url", base, "--token",
                              token.strip(), "--jeda", "0,0,0"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0 and "LULUS" in run.stdout, run.stdout + run.stderr
    assert "127 jawaban" in run.stdout


# --- the master list ----------------------------------------------------------------------------------------

@pytest.mark.skipif(not MASTER.exists(), reason="../shared/reference is not present")
def test_the_order_and_the_answer_keys_are_the_master_lists(world, server):
    master = json.loads(MASTER.read_text(encoding="utf-8"))
    soals = []

    def walk(node):
        soals.extend(node.get("soals", []))
        for child in node.get("children", []):
            walk(child)

    for node in master["data"]:
        walk(node)
    body = get(server, f"/lke/jawaban-unit/{SATU}", world["t1"]).json()
    assert [a["soal_id"] for a in body["answers"]] == [s["id"] for s in soals]
    keys = {s["id"]: [k["key"] for k in s.get("skema_penilaian") or []] for s in soals}
    for a in body["answers"]:
        for value in (a["jawaban_unit"], a["jawaban_tpi"]):
            if value is not None and keys[a["soal_id"]]:
                assert value in keys[a["soal_id"]], (a["soal_id"], value)
            elif value is not None:  # Jumlah and 0-4: a number
                float(value)


def test_evidence_links_are_joined_with_semicolons():
    from zi_data.api.served import evidence_text

    assert evidence_text(None) is None and evidence_text("") is None
    assert evidence_text("https://a.go.id/1 https://a.go.id/2") == "https://a.go.id/1; https://a.go.id/2"
    assert evidence_text("https://a.go.id/1, https://a.go.id/2") == "https://a.go.id/1; https://a.go.id/2"
    assert evidence_text("SK Tim | https://a.go.id/sk") == "SK Tim; https://a.go.id/sk"
    assert evidence_text("Notulen rapat tim") == "Notulen rapat tim"  # a description stays whole
    assert evidence_text("SK;  Notulen ;") == "SK; Notulen"


# --- the roster's Afirmasi column ------------------------------------------------------------------------------

def test_a_roster_afirmasi_that_is_not_ya_or_tidak_is_refused_naming_the_row(tmp_path):
    from zi_data.cycle.roster import read_roster
    from zi_data.readers.base import ReadError

    path = tmp_path / "daftar.csv"
    path.write_text("Unit Kerja;Instansi;Tahun;Target;Afirmasi\nA;I;2026;WBK;ya\nB;I;2026;WBK;mungkin\n"
                    "C;I;2026;WBK;\n", encoding="utf-8")
    with pytest.raises(ReadError, match=r"baris 3 \(Afirmasi 'mungkin' bukan ya atau tidak\)"):
        read_roster(path)
    path.write_text("Unit Kerja;Instansi;Tahun;Target;Afirmasi\nA;I;2026;WBK;YA\nC;I;2026;WBK;\n", encoding="utf-8")
    assert [r.afirmasi for r in read_roster(path).rows] == [True, False]
    path.write_text("Unit Kerja;Instansi;Tahun;Target\nA;I;2026;WBK\n", encoding="utf-8")
    assert [r.afirmasi for r in read_roster(path).rows] == [False]


# --- the server refuses what cannot work ---------------------------------------------------------------------

def test_serve_refuses_plain_http_on_a_network_address_and_a_missing_database(world, tmp_path):
    code, _, err = zi_main("api", "serve", "--host", "0.0.0.0", "--db", str(world["db"]))
    assert code == 2 and "--tanpa-tls" in err and "reverse proxy" in err
    code, _, err = zi_main("api", "serve", "--db", str(tmp_path / "tidak-ada.duckdb"))
    assert code == 2 and "tidak ada" in err
    code, _, err = zi_main("api", "serve", "--db", str(world["db"]), "--certfile", str(tmp_path / "x.pem"))
    assert code == 2 and "bersama" in err


# --- the Siklus page ------------------------------------------------------------------------------------------

def test_the_siklus_page_shows_what_portalrb_fetched_and_the_proposal_to_save_again(own, monkeypatch):
    from tests.test_pages import RAW_TEXTS, open_page

    with api_server(own["db"], own["tokens"], own["root"] / "server.log") as base:
        assert get(base, "/pengusulan/unit-wbk", own["t1"]).status_code == 200
        assert get(base, f"/lke/jawaban-unit/{SATU}", own["t1"]).status_code == 200
        assert get(base, f"/lke/jawaban-unit/{DUA}", own["t2"]).status_code == 403
    newer = satu_workbook(own["root"] / "baru" / "2026_Dinas Satu.xlsx", M001="Tidak")
    assert ingest_paths([newer], own["db"], actor_role="evaluator").loaded == 1
    monkeypatch.setenv("ZI_DB", str(own["db"]))
    monkeypatch.chdir(ROOT)
    at = open_page("siklus")
    assert any(h.value == "PortalRB (API)" for h in at.subheader)
    warnings = [w.value for w in at.warning]
    assert any("**Dinas Satu**" in w and "simpan ulang usulan" in w for w in warnings), warnings
    assert any("**Dinas Lama**" in w and "edisi 2019" in w for w in warnings), warnings
    units = next(d.value for d in at.dataframe if "public_id" in d.value.columns)
    rows = units.set_index("public_id")
    assert (rows.at[SATU, "hasil"], rows.at[SATU, "sama"]) == ("berhasil (200)", "ya")
    assert rows.at[DUA, "hasil"] == "belum pernah diambil"  # a 403 for another instansi's token is not its fetch
    lists = next(d.value for d in at.dataframe if "predikat" in d.value.columns and "units" in d.value.columns)
    assert lists[lists["instansi"] == I1].set_index("predikat").at["WBK", "hasil"] == "berhasil (200)"
    for frame in (units, lists):
        assert not {str(v) for v in frame.drop(columns=["diambil"]).to_numpy().ravel()} & set(RAW_TEXTS)


def test_a_fixed_year_without_a_proposal_says_so(own):
    with api_server(own["db"], own["tokens"], own["root"] / "server.log", "--tahun", "2025") as base:
        message = error_of(get(base, "/pengusulan/unit-wbk", own["t1"]), 404, "DATA_NOT_FOUND")
        assert "belum ada usulan WBK tahun 2025" in message
        message = error_of(get(base, f"/lke/jawaban-unit/{SATU}", own["t1"]), 404, "DATA_NOT_FOUND")
        assert "tahun 2025" in message
