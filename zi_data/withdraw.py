"""Withdrawing a loaded roster, TPN results or survey file (the inverse of loading it; deleting a submission is
store.delete_submission): an admin's act, recorded in the history like a deletion."""

from __future__ import annotations

from pathlib import Path

from . import access
from .ingest import rescore_for_surveys
from .store import session
from .surveys import SurveyRow

# The side files an admin may withdraw: kind -> (the table of its rows, how it is called).
SIDE_FILES = {"roster": ("stg_roster", "daftar unit"), "tpn": ("stg_tpn", "hasil TPN"),
              "survey": ("stg_surveys", "berkas survei")}


def withdraw_file(db: str | Path, sha256: str, by: str, reason: str, *, actor_role: str | None) -> str:
    """Take a loaded roster, TPN results or survey file back out: the rows it still holds are deleted (a survey's
    units are scored again without it), the file is marked 'withdrawn' (its bytes may be loaded again later) and
    the history says who, when, why and how many rows. Rows it had replaced from an earlier file do not come back.
    Only an admin may (`actor_role`, checked here); returns what the history says."""
    access.require(actor_role, "withdraw")
    with session(db) as con:
        con.execute("begin")
        try:
            row = con.execute("select kind, file_name from raw_files where sha256 = ? and status = 'loaded'",
                              [sha256]).fetchone()
            if row is None or row[0] not in SIDE_FILES:
                raise KeyError(f"tidak ada daftar unit, hasil TPN atau berkas survei termuat dengan kode {sha256[:12]}")
            kind, name = row
            table, what = SIDE_FILES[kind]  # constants, never user text
            affected = []
            if kind == "tpn":  # its areas go with its rows (the areas carry no file of their own)
                con.execute("delete from stg_tpn_areas where (unit_id, year) in "
                            "(select (unit_id, year) from stg_tpn where sha256 = ?)", [sha256])
            if kind == "survey":
                affected = con.execute("select unit_name, instansi, year from stg_surveys where sha256 = ?",
                                       [sha256]).fetchall()
            n = con.execute(f"select count(*) from {table} where sha256 = ?", [sha256]).fetchone()[0]
            con.execute(f"delete from {table} where sha256 = ?", [sha256])
            rescored = rescore_for_surveys(con, [SurveyRow(u, i, y, None, None, None, 0) for u, i, y in affected]) if affected else 0
            con.execute("update raw_files set status = 'withdrawn' where sha256 = ?", [sha256])
            detail = (f"{what} {name} ditarik oleh {by}: {reason}; {n} baris dihapus"
                      + (f", {rescored} pengajuan dihitung ulang tanpa survei itu" if rescored else ""))
            con.execute("insert into history (event, submission_id, detail) values ('withdrawn', ?, ?)",
                        [sha256, detail])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return detail
