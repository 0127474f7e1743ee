"""What PortalRB got, beside what the proposal holds now: per proposed unit its last fetch (when, with what result)
and whether the answers it got are still the ones the API would serve, so the instansi can press "Sesuai" in
PortalRB with confidence; the same for each unit list. For the Siklus page; reads the database and the audit file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from .. import queries
from ..names import norm_name
from . import audit, served

COLUMNS = ["unit_name", "instansi", "kategori", "public_id", "file_name", "diambil", "hasil", "sama", "ok_submission"]


@dataclass
class Review:
    units: pd.DataFrame  # COLUMNS, one row per proposed unit of the year
    lists: pd.DataFrame  # instansi, predikat, units, diambil, hasil, sama
    notices: list[served.Notice] = field(default_factory=list)


def _when(value) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _result(status, code) -> str:
    if status is None or pd.isna(status):
        return "belum pernah diambil"
    return "berhasil (200)" if int(status) == 200 else f"gagal ({int(status)} {code or ''})".replace(" )", ")")


def _same(ok_sha, now_sha: str | None) -> str:
    if not isinstance(ok_sha, str):
        return "–"
    if ok_sha == now_sha:
        return "ya"
    return "tidak: isinya kini berbeda, minta Refetch di PortalRB"


def _own_fetches(found: pd.DataFrame, units: list[served.Unit]) -> dict[str, dict]:
    """Public id -> the last fetch by a token of the unit's own instansi (another instansi's token was refused and
    fetched nothing of it)."""
    if found.empty:
        return {}
    own = {u.id: norm_name(u.instansi) for u in units}
    mine = found[[own.get(i) == norm_name(n) for i, n in zip(found["unit_id"], found["instansi"], strict=True)]]
    return {r["unit_id"]: r for r in mine.to_dict("records")}


def review(db: str | Path, year: int, instansi: list[str] | None = None) -> Review:
    """Every proposed unit of `year` (of `instansi`, if given) as PortalRB sees it, with its last fetch."""
    con = queries.connect(db)
    try:
        rows, lists, bodies = [], [], {}
        notices = served.notices(con, year, instansi)
        for inst in served.instansi_with_proposals(con, year, instansi):
            s = served.resolve(con, inst, year)
            for predikat, units in s.units.items():
                lists.append((inst, predikat, len(s.listed(predikat)),
                              served.digest(served.encode(served.list_body(s, predikat)))))
                rows += [(u, s.year) for u in units]
        fetched = _own_fetches(audit.last_fetches(db, [u.id for u, _ in rows]), [u for u, _ in rows])
        wanted = [u.submission_id for u, _ in rows if not u.refusal and isinstance(fetched.get(u.id, {}).get(
            "ok_sha256"), str)]
        answers = served.answers(con, wanted)
        for u, y in rows:
            if u.submission_id in answers:
                bodies[u.id] = served.digest(served.encode(served.unit_body(u, y, answers[u.submission_id])))
    finally:
        con.close()
    out = []
    for u, _ in rows:
        f = fetched.get(u.id)
        out.append({"unit_name": u.nama, "instansi": u.instansi, "kategori": u.kategori if not u.refusal else
                    f"{u.kategori} (tidak dikirim: {u.refusal})", "public_id": u.id, "file_name": u.file_name,
                    "diambil": _when(f["at"]) if f is not None else None,
                    "hasil": _result(f["status"], f["code"]) if f is not None else _result(None, None),
                    "sama": _same(f["ok_sha256"], bodies.get(u.id)) if f is not None else "–",
                    "ok_submission": f["ok_submission"] if f is not None else None})
    got = audit.last_lists(db)
    list_rows = []
    for inst, predikat, n, sha in lists:
        endpoint = "/pengusulan/unit-wbbm" if predikat == "WBBM" else "/pengusulan/unit-wbk"
        mine = got[(got["endpoint"] == endpoint) & (got["instansi"].map(norm_name) == norm_name(inst))] \
            if len(got) else got
        last = mine.iloc[-1] if len(mine) else None
        list_rows.append({"instansi": inst, "predikat": predikat, "units": n,
                          "diambil": _when(last["at"]) if last is not None else None,
                          "hasil": _result(last["status"], last["code"]) if last is not None else _result(None, None),
                          "sama": _same(last["ok_sha256"], sha) if last is not None else "–"})
    return Review(pd.DataFrame(out, columns=COLUMNS),
                  pd.DataFrame(list_rows, columns=["instansi", "predikat", "units", "diambil", "hasil", "sama"]),
                  notices)
