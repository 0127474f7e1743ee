"""Read the unit roster ("daftar unit"): which units build ZI in a year, and toward which predicate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..tables import Table
from .rows import FileRows, finish, header_fields, start, text

WHAT = "daftar unit"
TARGETS = ("WBK", "WBBM")
# The optional Afirmasi column, compared in lower case; an empty cell is "tidak".
AFIRMASI = {"ya": True, "y": True, "tidak": False, "t": False, "": False}


@dataclass(frozen=True)
class RosterRow:
    unit: str
    instansi: str
    year: int
    target: str  # WBK | WBBM
    row: int
    afirmasi: bool = False  # the optional Afirmasi column: proposed by the afirmasi route (PortalRB WBK-AFIRMASI)


RosterFile = FileRows[RosterRow]


def looks_like_roster(header: list[Any]) -> bool:
    """A header naming the unit, the year and the target predicate (and no TPN score)."""
    fields = header_fields(header)
    return {"unit", "year", "target"} <= set(fields) and "tpn_total" not in fields


def target_of(value: Any) -> str | None:
    """"wbk", "Menuju WBBM" -> the predicate; None for anything else."""
    words = text(value).upper().replace("MENUJU", " ").split()
    return words[0] if len(words) == 1 and words[0] in TARGETS else None


def read_roster(path: Path, table: Table | None = None) -> RosterFile:
    """Every row of a roster file, or a ReadError naming every bad row (nothing is half-read)."""
    table, _, rows = start(path, table, looks_like_roster, WHAT,
                        {"unit": "Unit Kerja", "instansi": "Instansi", "year": "Tahun", "target": "Target"})
    for line in rows:
        target = target_of(line.get("target"))
        if target is None:
            line.problems.append(f"Target '{text(line.get('target'))}' bukan WBK atau WBBM")
        line.cells["target"] = target
        afirmasi = AFIRMASI.get(text(line.get("afirmasi")).casefold())
        if afirmasi is None:
            line.problems.append(f"Afirmasi '{text(line.get('afirmasi'))}' bukan ya atau tidak")
        line.cells["afirmasi"] = bool(afirmasi)
    finish(path, table, rows, WHAT)
    return RosterFile(path, table.sheet, [RosterRow(r.get("unit"), r.get("instansi"), r.get("year"),
                                                    r.get("target"), r.number, r.get("afirmasi")) for r in rows])
