"""`zi api periksa`: fetch the API as PortalRB would (its retry rule included), check every answer against the
guide's shapes and the master list, and say in Bahasa Indonesia what PortalRB would count.

Plain urllib (the standard library), so the check runs wherever `zi` runs. The shapes are checked here by hand,
with messages that name the unit and the soal_id; the tests check the same answers against a JSON Schema.
"""

from __future__ import annotations

import json
import math
import ssl
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..catalog import load_catalog
from .served import ID_PATTERN, master_questions, served_edition

RETRY_DELAYS = (0, 60, 120)  # PortalRB: on a timeout, a 5xx or a failed connection, again at once, 60 s, 120 s
KATEGORI = {"WBK": ("WBK", "WBK-AFIRMASI"), "WBBM": ("WBBM",)}
ANSWER_FIELDS = ("jawaban_unit", "jawaban_tpi", "catatan_unit", "bukti_dukung_unit", "catatan_tpi")


@dataclass
class Fetched:
    url: str
    status: int | None  # None: no answer at all (timeout, connection refused)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    failure: str | None = None
    attempts: int = 1

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def fetch(url: str, token: str | None, *, timeout: float = 30.0, context: ssl.SSLContext | None = None,
          delays: tuple[float, ...] = RETRY_DELAYS, sleep: Callable[[float], None] = time.sleep,
          say: Callable[[str], None] = print) -> Fetched:
    """GET with PortalRB's retry rule: after a timeout, a 5xx or a failed connection, up to len(delays) more tries,
    each after its delay."""
    result = _get(url, token, timeout, context)
    for delay in delays:
        if result.status is not None and result.status < 500:
            break
        say(f"    gagal ({result.failure or result.status}); PortalRB mencoba lagi"
            + (f" {delay:g} detik kemudian" if delay else " segera"))
        sleep(delay)
        attempts = result.attempts + 1
        result = _get(url, token, timeout, context)
        result.attempts = attempts
    return result


def _get(url: str, token: str | None, timeout: float, context: ssl.SSLContext | None) -> Fetched:
    headers = {"Accept": "application/json", "User-Agent": "zi-api-periksa"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as resp:
            return Fetched(url, resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()})
    except urllib.error.HTTPError as exc:
        return Fetched(url, exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()})
    except TimeoutError:
        return Fetched(url, None, failure="waktu habis")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return Fetched(url, None, failure="waktu habis")
        if isinstance(reason, ssl.SSLCertVerificationError):
            return Fetched(url, None, failure=f"sertifikat HTTPS tidak dipercaya ({reason.verify_message}); "
                                              "PortalRB juga akan menolaknya")
        return Fetched(url, None, failure=f"tidak tersambung ({reason})")
    except (ConnectionError, OSError) as exc:
        return Fetched(url, None, failure=f"tidak tersambung ({exc})")


@lru_cache(maxsize=1)
def master_spec() -> dict[int, tuple[str, tuple[str, ...], float | None]]:
    """soal_id -> (kind, option keys, scale max) from the catalog (the master list's keys are its options)."""
    ed = load_catalog()[served_edition()]
    types = ed.answer_types.set_index("answer_type")
    qtype = dict(zip(ed.questions["question_id"], ed.questions["answer_type"], strict=True))
    out = {}
    for soal, qid in master_questions():
        t = qtype[qid]
        scale = types.at[t, "scale_max"]
        out[soal] = (types.at[t, "kind"], tuple(ed.options.get(t, {})),
                     None if scale is None or (isinstance(scale, float) and math.isnan(scale)) else float(scale))
    return out


def answer_problem(soal: int, value) -> str | None:
    """Why an answer value is not one PortalRB accepts for this soal_id (None: it is, or it is null)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"bukan teks atau null ({type(value).__name__})"
    kind, options, scale = master_spec()[soal]
    if kind == "option":
        return None if value in options else f"'{value}' bukan salah satu kunci {'/'.join(options)}"
    try:
        number = float(value)
    except ValueError:
        return f"'{value}' bukan angka"
    if not math.isfinite(number) or number < 0 or (scale is not None and number > scale):
        return f"'{value}' di luar rentang" + (f" 0-{scale:g}" if scale is not None else "")
    return None


class Report:
    """Problems found (each fails the check) and lines to print."""

    def __init__(self, say: Callable[[str], None]):
        self.say, self.problems = say, []

    def problem(self, text: str) -> None:
        self.problems.append(text)
        self.say(f"  MASALAH: {text}")


def _error_shape(f: Fetched, report: Report, where: str) -> str | None:
    """A non-2xx answer must be {"error": true, "code", "message"}; returns its code."""
    try:
        body = f.json()
    except (ValueError, UnicodeDecodeError):
        report.problem(f"{where}: HTTP {f.status} tanpa JSON galat (isi: {f.body[:80]!r})")
        return None
    if not (isinstance(body, dict) and body.get("error") is True and isinstance(body.get("code"), str)
            and isinstance(body.get("message"), str)):
        report.problem(f"{where}: HTTP {f.status} bukan bentuk galat panduan {{error, code, message}}")
        return None
    return body["code"]


def _object_with_list(f: Fetched, key: str, where: str, report: Report) -> dict | None:
    """The answer's JSON when it is an object whose `key` is a list; else None, the problem reported."""
    try:
        body = f.json()
    except (ValueError, UnicodeDecodeError):
        report.problem(f"{where}: bukan JSON")
        return None
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        report.problem(f"{where}: harus objek dengan '{key}' berupa daftar")
        return None
    return body


def check_list(f: Fetched, predikat: str, report: Report) -> dict | None:
    """A unit list's shape; the body when it is usable."""
    where = f"daftar {predikat}"
    body = _object_with_list(f, "units", where, report)
    if body is None:
        return None
    if not isinstance(body.get("tahun"), int) or isinstance(body.get("tahun"), bool):
        report.problem(f"{where}: 'tahun' harus bilangan bulat")
    seen = set()
    for i, u in enumerate(body["units"], 1):
        if not isinstance(u, dict):
            report.problem(f"{where}: unit ke-{i} bukan objek")
            continue
        name = u.get("nama")
        if not isinstance(u.get("id"), str) or not u["id"]:
            report.problem(f"{where}: unit ke-{i} tanpa 'id' teks")
        elif u["id"] in seen:
            report.problem(f"{where}: id {u['id']} muncul dua kali")
        else:
            seen.add(u["id"])
        if not isinstance(name, str) or not name.strip():
            report.problem(f"{where}: unit ke-{i} tanpa 'nama'")
        if "kategori" in u and u["kategori"] not in KATEGORI[predikat]:
            report.problem(f"{where}: {name}: kategori '{u['kategori']}' bukan {' atau '.join(KATEGORI[predikat])}")
        if "afirmasi" in u and not isinstance(u["afirmasi"], bool):
            report.problem(f"{where}: {name}: 'afirmasi' harus true atau false")
        if predikat == "WBK" and isinstance(u.get("afirmasi"), bool) and "kategori" in u and \
                (u["kategori"] == "WBK-AFIRMASI") != u["afirmasi"]:
            report.problem(f"{where}: {name}: kategori {u['kategori']} tidak sesuai afirmasi {u['afirmasi']}")
    return body


def check_answers(f: Fetched, unit: dict, tahun, report: Report) -> dict | None:
    """One unit's answers: shape, the master's soal_ids in order, the answer keys; returns its counts."""
    where = f"jawaban {unit.get('nama')} ({unit.get('id')})"
    body = _object_with_list(f, "answers", where, report)
    if body is None:
        return None
    if body.get("unit_id") != unit.get("id"):
        report.problem(f"{where}: unit_id {body.get('unit_id')!r} berbeda dengan id di daftar")
    if body.get("nama_unit") != unit.get("nama"):
        report.problem(f"{where}: nama_unit {body.get('nama_unit')!r} berbeda dengan nama di daftar")
    if body.get("tahun") != tahun:
        report.problem(f"{where}: tahun {body.get('tahun')!r} berbeda dengan tahun daftar {tahun}")
    expected = [soal for soal, _ in master_questions()]
    got = [a.get("soal_id") if isinstance(a, dict) else None for a in body["answers"]]
    if got != expected:
        missing = sorted(set(expected) - set(got), key=str)
        extra = [g for g in got if g not in set(expected)]
        report.problem(f"{where}: soal_id harus {len(expected)} soal master berurutan; didapat {len(got)}"
                       + (f", tidak ada {missing[:10]}" if missing else "") + (f", tak dikenal {extra[:10]}" if extra
                                                                                 else "")
                       + ("" if missing or extra else ", urutannya berbeda"))
    counts = Counter()
    for a in body["answers"]:
        if not isinstance(a, dict) or not isinstance(a.get("soal_id"), int) or a["soal_id"] not in master_spec():
            continue
        soal = a["soal_id"]
        if "jawaban_unit" not in a:
            report.problem(f"{where}: soal {soal} tanpa kunci 'jawaban_unit' (wajib, boleh null)")
        for key in ANSWER_FIELDS:
            value = a.get(key)
            if value is not None and not isinstance(value, str):
                report.problem(f"{where}: soal {soal}: {key} harus teks atau null")
        for key in ("jawaban_unit", "jawaban_tpi"):
            why = answer_problem(soal, a.get(key))
            if why:
                report.problem(f"{where}: soal {soal}: {key} {why}")
        counts["jawaban"] += 1
        counts["kosong_unit"] += a.get("jawaban_unit") is None
        counts["kosong_tpi"] += a.get("jawaban_tpi") is None
        counts["catatan_unit"] += a.get("catatan_unit") is not None
        counts["bukti"] += a.get("bukti_dukung_unit") is not None
        counts["catatan_tpi"] += a.get("catatan_tpi") is not None
    return counts


def context_for(cafile: Path | None) -> ssl.SSLContext:
    """Certificates checked as PortalRB would; `cafile` adds an authority (a test or in-house certificate)."""
    return ssl.create_default_context(cafile=str(cafile) if cafile else None)


def periksa(base: str, token: str, *, cafile: Path | None = None, timeout: float = 30.0,
            delays: tuple[float, ...] = RETRY_DELAYS, say: Callable[[str], None] = print,
            sleep: Callable[[float], None] = time.sleep) -> int:
    """The whole check; prints as it goes and returns 0 when PortalRB would take everything, 1 otherwise."""
    base = base.rstrip("/")
    ctx = context_for(cafile) if base.lower().startswith("https://") else None
    report = Report(say)
    if not base.lower().startswith("https://"):
        say("Catatan: alamat ini bukan HTTPS; PortalRB mensyaratkan HTTPS (pasang sertifikat atau reverse proxy).")

    def get(path: str, with_token: bool = True) -> Fetched:
        return fetch(base + path, token if with_token else None, timeout=timeout, context=ctx, delays=delays,
                     sleep=sleep, say=say)

    say(f"Memeriksa {base} seperti PortalRB (GET, Bearer token, HTTPS, coba ulang segera, 60 dan 120 detik).")
    anonymous = get("/pengusulan/unit-wbk", with_token=False)
    if anonymous.status is None:
        report.problem(f"tidak dapat menjangkau {base}: {anonymous.failure}")
        return _end(report, say, {}, [])
    if anonymous.status != 401 or _error_shape(anonymous, report, "tanpa token") != "UNAUTHORIZED":
        report.problem(f"tanpa token server harus menjawab 401 UNAUTHORIZED, bukan {anonymous.status}")
    lists, units = {}, []
    for predikat, path in (("WBK", "/pengusulan/unit-wbk"), ("WBBM", "/pengusulan/unit-wbbm")):
        f = get(path)
        say(f"GET {path}: HTTP {f.status or f.failure}" + (f" setelah {f.attempts} percobaan" if f.attempts > 1
                                                           else ""))
        if f.status == 200:
            body = check_list(f, predikat, report)
            if body is not None:
                lists[predikat] = body
                kinds = Counter(u.get("kategori", "-") for u in body["units"] if isinstance(u, dict))
                say(f"  tahun {body.get('tahun')}: {len(body['units'])} unit ("
                    + (", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "tidak ada") + ")")
                units += [(predikat, body.get("tahun"), u) for u in body["units"] if isinstance(u, dict)]
        elif f.status is None:
            report.problem(f"daftar {predikat}: {f.failure}; PortalRB menandai gagal")
        else:
            code = _error_shape(f, report, f"daftar {predikat}")
            if predikat == "WBBM" and f.status == 404 and code == "DATA_NOT_FOUND":
                say("  tidak ada usulan WBBM (404 DATA_NOT_FOUND): wajar bila instansi tidak mengusulkan WBBM")
            else:
                report.problem(f"daftar {predikat}: HTTP {f.status} {code or ''}".rstrip())
    say(f"Jawaban LKE per unit ({len(units)} unit):")
    seen = set()
    for predikat, tahun, u in units:
        uid = u.get("id")
        if not isinstance(uid, str) or uid in seen:
            continue
        seen.add(uid)
        if not ID_PATTERN.fullmatch(uid):
            say(f"  catatan: id {uid} bukan bentuk ZI Monitor")
        f = get(f"/lke/jawaban-unit/{urllib.request.quote(uid, safe='')}")
        if f.status != 200:
            code = _error_shape(f, report, f"jawaban {u.get('nama')}") if f.status else None
            report.problem(f"jawaban {u.get('nama')} ({uid}): {f.failure or f'HTTP {f.status} {code or chr(32)}'.strip()}"
                           "; PortalRB menandai unit ini gagal")
            continue
        counts = check_answers(f, u, tahun, report)
        if counts is not None:
            say(f"  {u.get('nama')} ({uid}, {u.get('kategori', predikat)}): {counts['jawaban']} jawaban, "
                f"{counts['kosong_unit']} kosong di jawaban unit, {counts['kosong_tpi']} kosong di jawaban TPI, "
                f"{counts['catatan_unit']} catatan unit, {counts['bukti']} bukti dukung, "
                f"{counts['catatan_tpi']} catatan TPI")
    return _end(report, say, lists, units)


def _end(report: Report, say: Callable[[str], None], lists: dict, units: list) -> int:
    per = Counter(u.get("kategori", p) for p, _, u in units)
    say("")
    order = ["WBK", "WBK-AFIRMASI", "WBBM"]
    kinds = sorted(per, key=lambda k: (order.index(k) if k in order else len(order), str(k)))
    say("Yang dihitung PortalRB: " + (", ".join(f"{k} {per[k]} unit" for k in kinds) or "0 unit"))
    if report.problems:
        say(f"TIDAK LULUS: {len(report.problems)} masalah di atas harus diperbaiki sebelum URL didaftarkan.")
        return 1
    say("LULUS: setiap jawaban sesuai bentuk panduan dan master soal PortalRB.")
    return 0
