"""Cached reads of the dashboard's database: the database path, queries, unit scores, surveys, report data and files,
and the inspectorate's kop.toml beside the database."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import pandas as pd
import streamlit as st

from zi_data import queries, reports
from zi_data.ingest import identify_upload
from zi_data.reports import data as report_data
from zi_data.reports import kop as kop_file


def db_path() -> Path:
    """`streamlit run dashboard.py -- --db PATH`, else $ZI_DB, else data/zi.duckdb."""
    args = sys.argv[1:]
    if "--db" in args and args.index("--db") + 1 < len(args):
        return Path(args[args.index("--db") + 1])
    return Path(os.environ.get("ZI_DB", "data/zi.duckdb"))


def db_version(path: Path) -> float:
    """Changes whenever an ingestion writes, so cached frames are refreshed."""
    stamps = [p.stat().st_mtime for p in (path, Path(f"{path}.wal")) if p.exists()]
    return max(stamps) if stamps else 0.0


@st.cache_data(show_spinner=False, max_entries=512)
def _run(name: str, db: str, version: float, args: tuple) -> pd.DataFrame | dict:
    con = queries.connect(db)
    try:
        return getattr(queries, name)(con, *args)
    finally:
        con.close()


def _busy() -> NoReturn:
    """An ingestion holds the database (queries.DatabaseBusy): say so and stop the page until a reload."""
    st.warning("Basis data sedang diperbarui oleh proses pemuatan. Muat ulang halaman sebentar lagi.")
    st.stop()


def query(name: str, *args):
    """A cached call of queries.<name>(con, *args) against the dashboard's database."""
    path = db_path()
    try:
        return _run(name, str(path), db_version(path), tuple(tuple(a) if isinstance(a, list) else a for a in args))
    except queries.DatabaseBusy:
        _busy()


def _labelled_scores(con, year: int | None, assessor: str, instansi: tuple, edition: str | None) -> pd.DataFrame:
    """queries.unit_scores with each unit's name as shown on screen and in the address (unit_label)."""
    df = queries.unit_scores(con, year, assessor, list(instansi), edition)
    return df.assign(unit_label=queries.unit_labels(df))


@st.cache_data(show_spinner=False, max_entries=256)
def _scores(db: str, version: float, year: int | None, assessor: str, instansi: tuple, edition: str | None):
    con = queries.connect(db)
    try:
        df = _labelled_scores(con, year, assessor, instansi, edition)
        return queries.with_change(con, df, year, assessor) if year is not None else df
    finally:
        con.close()


def scores(f: dict, year: int | None = None, assessor: str | None = None) -> pd.DataFrame:
    """Unit scores for the filters `f` (filters.current(); year and assessor may be overridden), with change vs
    last year."""
    path = db_path()
    return _scores(str(path), db_version(path), f["year"] if year is None else year,
                   f["assessor"] if assessor is None else assessor, tuple(f["instansi"]), f["edition"])


@st.cache_data(show_spinner=False, max_entries=64)
def _surveys(db: str, version: float, year: int, assessor: str, instansi: tuple, edition: str | None):
    con = queries.connect(db)
    try:
        return queries.survey_vs_scores(_labelled_scores(con, year, assessor, instansi, edition), con, assessor)
    finally:
        con.close()


def surveys(f: dict) -> pd.DataFrame:
    """Each unit's survey results beside its scores, for the filters `f` (filters.current())."""
    path = db_path()
    return _surveys(str(path), db_version(path), f["year"], f["assessor"], tuple(f["instansi"]), f["edition"])


@st.cache_data(show_spinner=False, max_entries=64)
def identify(name: str, data: bytes) -> dict:
    """What an uploaded file says about itself (kind, unit, instansi, year, where found, problem)."""

    return identify_upload(name, data)


def has_data() -> bool:
    path = db_path()
    if not path.exists():
        return False
    try:
        return bool(query("options")["years"])
    except Exception:
        return False


def require_data() -> bool:
    if has_data():
        return True
    st.info("Belum ada data. Muat workbook LKE di halaman **Data**, atau jalankan `make run` untuk data contoh.")
    return False


def kop_version(db: str) -> float:
    """Changes whenever kop.toml beside the database is written, added or removed (0 when there is none)."""
    path = kop_file.beside(Path(db))
    return path.stat().st_mtime if path.is_file() else 0.0


@st.cache_data(show_spinner=False, max_entries=4)
def _kop(db: str, version: float) -> tuple[kop_file.Kop | None, str | None]:
    try:
        return kop_file.find(Path(db)), None
    except kop_file.KopError as exc:
        return None, str(exc)


def kop() -> tuple[kop_file.Kop | None, str | None]:
    """The kop.toml beside the database, checked: (kop, None), (None, None) when there is none, or (None, the
    message naming its line or key) when it is malformed (the reports are then drafts)."""
    db = str(db_path())
    return _kop(db, kop_version(db))


@st.cache_data(show_spinner=False, max_entries=32)
def _unit_data(db: str, version: float, submission_id: str, kop_at: float) -> report_data.UnitReport:
    """One unit's report data, gathered once for all its formats (as _recap for the recap's), with the kop as it
    was at `kop_at`."""
    con = queries.connect(db)
    try:
        return report_data.unit_report(con, submission_id, kop=_kop(db, kop_at)[0])
    finally:
        con.close()


@st.cache_data(show_spinner=False, max_entries=64)
def unit_report_file(db: str, version: float, submission_id: str, kind: str, kop_at: float = 0.0) -> bytes:
    """One unit's report as a file of `kind` (reports.UNIT_FORMATS), once per submission, database version and
    version of kop.toml."""
    return reports.write_unit(_unit_data(db, version, submission_id, kop_at), kind)


@st.cache_data(show_spinner=False, max_entries=16)
def _recap(db: str, version: float, year: int, instansi: tuple, edition: str | None):
    con = queries.connect(db)
    try:
        return report_data.recap_report(con, year, list(instansi), edition)
    finally:
        con.close()


@st.cache_data(show_spinner=False, max_entries=16)
def recap_file(db: str, version: float, year: int, instansi: tuple, edition: str | None, kind: str) -> bytes:
    """The recap as a file of `kind` (reports.RECAP_FORMATS), once per view and database version."""
    return reports.write_recap(_recap(db, version, year, instansi, edition), kind)


def recap(year: int, instansi: list[str], edition: str | None) -> report_data.RecapReport:
    """The recap of a year, instansi and edition (cached per database version)."""
    path = db_path()
    try:
        return _recap(str(path), db_version(path), year, tuple(instansi), edition)
    except queries.DatabaseBusy:
        _busy()
