"""Read the national team's results ("hasil TPN"): totals, optional components and areas, and the decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..answers import is_blank, parse_number
from ..catalog import load_catalog
from ..predicates import fmt
from ..tables import Table
from .rows import FileRows, Line, finish, header_fields, start, text

WHAT = "hasil TPN"
# How a "not granted" decision is written in practice, compared in lower case.
NOT_GRANTED = {"tidak", "tidak ditetapkan", "tidak memenuhi", "belum memenuhi", "tidak lolos", "gagal"}
# Parts typed to two decimals add up to their total within this much.
TOLERANCE = 0.02


@dataclass(frozen=True)
class TpnRow:
    unit: str
    instansi: str
    year: int
    total: float
    pengungkit: float | None
    hasil: float | None
    areas: dict[str, float] = field(default_factory=dict)  # area key (MP ... PELAYANAN) -> points
    keputusan: str | None = None  # WBK | WBBM | Tidak; None while the TPN has not decided
    catatan: str | None = None
    row: int = 0


TpnFile = FileRows[TpnRow]


def looks_like_tpn(header: list[Any]) -> bool:
    fields = header_fields(header)
    return {"unit", "year", "tpn_total"} <= set(fields)


def decision_of(value: Any) -> str | None:
    """"wbk" -> "WBK", "Tidak ditetapkan" -> "Tidak"; "" for a blank cell, None for anything unknown."""
    words = text(value)
    if not words:
        return ""
    if words.upper() in ("WBK", "WBBM"):
        return words.upper()
    return "Tidak" if words.casefold().rstrip(".") in NOT_GRANTED else None


@lru_cache(maxsize=4)
def maxima(edition: str) -> dict[str, float]:
    """The most points each figure can have in an edition: total, pengungkit, hasil and every area key."""
    ed = load_catalog()[edition]
    s = ed.structure
    comp = s[s["level"] == "komponen"].set_index("node_id")["weight"]
    out = {"tpn_total": float(comp.sum()), "pengungkit": float(comp["PENGUNGKIT"]), "hasil": float(comp["HASIL"])}
    for key, weight in ed.areas.groupby("area_key")["weight"].sum().items():
        out[f"area:{key}"] = float(weight)
    return out


@lru_cache(maxsize=4)
def area_components(edition: str) -> dict[str, str]:
    """Area key -> the komponen it belongs to (PENGUNGKIT or HASIL)."""
    ed = load_catalog()[edition]
    return {a.area_key: ed.node_component(a.node_id) for a in ed.areas.itertuples(index=False)}


LABELS = {"tpn_total": "Nilai TPN", "pengungkit": "Pengungkit", "hasil": "Hasil"}


def _label(name: str, edition: str | None) -> str:
    """How a figure is named in a message: "Nilai TPN", or the area's name in the catalog."""
    if name in LABELS:
        return LABELS[name]
    key = name.removeprefix("area:")
    if edition:
        areas = load_catalog()[edition].areas
        names = areas.loc[areas["area_key"] == key, "name"]
        if len(names):
            return str(names.iloc[0])
    return key


def _numbers(line: Line, names: list[str]) -> dict[str, float]:
    """The figures of a row, each within 0 and its most points for the row's year; problems noted."""
    year = line.get("year")
    try:
        edition = load_catalog().edition_for_year(year) if year is not None else None
    except KeyError:
        line.problems.append(f"tidak ada edisi LKE untuk tahun {year}")
        edition = None
    most = maxima(edition) if edition else {}
    out: dict[str, float] = {}
    for name in names:
        raw = line.get(name)
        if is_blank(raw):
            if name == "tpn_total":
                line.problems.append("Nilai TPN kosong")
            continue
        value = parse_number(raw)
        if value is None:
            line.problems.append(f"{_label(name, edition)} '{text(raw)}' bukan angka")
        elif name in most and not 0 <= value <= most[name] + 1e-9:
            line.problems.append(f"{_label(name, edition)} {fmt(value)} di luar rentang 0-{fmt(most[name])}")
        else:
            out[name] = value
    if edition:
        _check_sums(line, out, edition)
    return out


def _check_sums(line: Line, values: dict[str, float], edition: str) -> None:
    """Parts that do not add up to their whole mean a shifted or mistyped column: the row is refused."""
    parts = {"tpn_total": ["pengungkit", "hasil"]}
    for comp, name in (("PENGUNGKIT", "pengungkit"), ("HASIL", "hasil")):
        parts[name] = [f"area:{k}" for k, c in area_components(edition).items() if c == comp]
    for whole, names in parts.items():
        if whole in values and all(n in values for n in names):
            total = sum(values[n] for n in names)
            if abs(total - values[whole]) > TOLERANCE * len(names):
                shown = " + ".join(f"{_label(n, edition)} {fmt(values[n])}" for n in names)
                line.problems.append(f"{shown} = {fmt(total)}, tidak sama dengan {_label(whole, edition)} "
                                     f"{fmt(values[whole])}")


def read_tpn(path: Path, table: Table | None = None) -> TpnFile:
    """Every row of a TPN results file, or a ReadError naming every bad row (nothing is half-read)."""
    table, cols, rows = start(path, table, looks_like_tpn, WHAT,
                              {"unit": "Unit Kerja", "instansi": "Instansi", "year": "Tahun", "tpn_total": "Nilai TPN"},
                              "max_tpn_rows")
    numeric = [n for n in cols if n in ("tpn_total", "pengungkit", "hasil") or n.startswith("area:")]
    out = []
    for line in rows:
        values = _numbers(line, numeric)
        decision = decision_of(line.get("keputusan"))
        if decision is None:
            line.problems.append(f"Keputusan '{text(line.get('keputusan'))}' bukan WBK, WBBM atau Tidak")
        if not line.problems:
            out.append(TpnRow(
                unit=line.get("unit"), instansi=line.get("instansi"), year=line.get("year"),
                total=values["tpn_total"], pengungkit=values.get("pengungkit"), hasil=values.get("hasil"),
                areas={n.removeprefix("area:"): v for n, v in values.items() if n.startswith("area:")},
                keputusan=decision or None, catatan=text(line.get("catatan")) or None, row=line.number))
    finish(path, table, rows, WHAT)
    return TpnFile(path, table.sheet, out)
