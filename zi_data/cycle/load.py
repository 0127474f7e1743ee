"""Write a roster or TPN results file to DuckDB in one transaction; newer rows replace the units they name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from ..names import unit_id
from .roster import RosterFile
from .tpn import TpnFile

KIND_NAMES = {"roster": "daftar unit", "tpn": "hasil TPN"}


def _replaced(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, int]]:
    """(file, unit, year) of the stored rows the new file replaces (table is a constant of this module)."""
    return con.execute(f"select t.source_file, t.unit_name, t.year from {table} t join cycle_keys k "
                       "using (unit_id, year) order by t.source_file, t.unit_name").fetchall()


def _summary(kind: str, path: Path, n: int, years: list[int], replaced: list[tuple[str, str, int]]) -> str:
    text = f"{KIND_NAMES[kind]} dari {path.name}: {n} unit, tahun {', '.join(map(str, sorted(set(years))))}"
    if replaced:
        files = sorted({f for f, _, _ in replaced})
        units = ", ".join(f"{u} ({y})" for _, u, y in replaced[:20]) + (" ..." if len(replaced) > 20 else "")
        text += f"; menggantikan {len(replaced)} baris dari {', '.join(files)}: {units}"
    return text


def load_roster(con: duckdb.DuckDBPyConnection, roster: RosterFile, sha: str, size: int) -> str:
    """Store a roster; returns what the history says about it."""
    now = datetime.now()
    df = pd.DataFrame([{"unit_id": unit_id(r.unit, r.instansi), "year": r.year, "unit_name": r.unit,
                        "instansi": r.instansi, "target": r.target, "source_file": roster.path.name, "sha256": sha,
                        "row_number": r.row, "loaded_at": now, "afirmasi": r.afirmasi} for r in roster.rows])
    return _load(con, "roster", roster.path, sha, size, df, None)


def load_tpn(con: duckdb.DuckDBPyConnection, tpn: TpnFile, sha: str, size: int) -> str:
    """Store TPN results (totals, decisions and the areas given); returns what the history says about it."""
    now = datetime.now()
    df = pd.DataFrame([{"unit_id": unit_id(r.unit, r.instansi), "year": r.year, "unit_name": r.unit,
                        "instansi": r.instansi, "total": r.total, "pengungkit": r.pengungkit, "hasil": r.hasil,
                        "keputusan": r.keputusan, "catatan": r.catatan, "source_file": tpn.path.name,
                        "sha256": sha, "row_number": r.row, "loaded_at": now} for r in tpn.rows])
    df = df.astype({"pengungkit": "float64", "hasil": "float64", "keputusan": "object", "catatan": "object"})
    areas = pd.DataFrame([(unit_id(r.unit, r.instansi), r.year, key, value) for r in tpn.rows
                          for key, value in r.areas.items()], columns=["unit_id", "year", "area_key", "score"])
    return _load(con, "tpn", tpn.path, sha, size, df, areas)


def _load(con: duckdb.DuckDBPyConnection, kind: str, path: Path, sha: str, size: int, df: pd.DataFrame,
          areas: pd.DataFrame | None) -> str:
    table = "stg_roster" if kind == "roster" else "stg_tpn"  # constants, never user text
    frames = {"cycle_rows": df, "cycle_keys": df[["unit_id", "year"]],
              "cycle_areas": areas if areas is not None else df.iloc[:0]}
    for name, frame in frames.items():
        con.register(name, frame)
    con.execute("begin")
    try:
        replaced = _replaced(con, table)
        con.execute(f"delete from {table} where (unit_id, year) in (select (unit_id, year) from cycle_keys)")
        con.execute(f"insert into {table} by name select * from cycle_rows")
        if areas is not None:
            # the TPN level of a unit and year is the newest file's: areas it leaves out are not kept
            con.execute("delete from stg_tpn_areas where (unit_id, year) in "
                        "(select (unit_id, year) from cycle_keys)")
            if len(areas):
                con.execute("insert into stg_tpn_areas by name select * from cycle_areas")
        con.execute("insert into raw_files (sha256, file_path, file_name, size_bytes, kind, status) "
                    "values (?, ?, ?, ?, ?, 'loaded') on conflict (sha256) do update set status = 'loaded', "
                    "kind = excluded.kind, file_path = excluded.file_path, file_name = excluded.file_name",
                    [sha, str(path), path.name, size, kind])
        detail = _summary(kind, path, len(df), df["year"].tolist(), replaced)
        con.execute("insert into history (event, submission_id, detail) values (?, ?, ?)", [kind, sha, detail])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for name in frames:
            con.unregister(name)
    return detail
