"""Evaluation reports: the per-unit LHE (with the inspectorate's kop.toml, else a draft marked DRAF) and the agency
recap, as PDF, DOCX and XLSX.

`data` gathers a report's frames with the pages' queries; `pdf`, `docx` and `xlsx` only lay them out.
The writers are imported when first used: ReportLab and python-docx cost time to import.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import duckdb

from . import data

if TYPE_CHECKING:
    from .kop import Kop

log = logging.getLogger(__name__)
# In a ZIP of every unit's report: the list of the units whose report could not be made, beside the others.
FAILED_FILE = "LAPORAN_GAGAL.txt"

UNIT_FORMATS = ("pdf", "docx", "xlsx")
RECAP_FORMATS = ("pdf", "xlsx")
MIME = {"pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip": "application/zip"}


def write_unit(report: data.UnitReport, fmt: str) -> bytes:
    if fmt == "pdf":
        from .pdf import unit_pdf
        return unit_pdf(report)
    if fmt == "docx":
        from .docx import unit_docx
        return unit_docx(report)
    if fmt == "xlsx":
        from .xlsx import unit_xlsx
        return unit_xlsx(report)
    raise data.ReportError(f"format '{fmt}' tidak dikenal untuk laporan unit: pilih {', '.join(UNIT_FORMATS)}")


def write_recap(recap: data.RecapReport, fmt: str) -> bytes:
    if fmt == "pdf":
        from .pdf import recap_pdf
        return recap_pdf(recap)
    if fmt == "xlsx":
        from .xlsx import recap_xlsx
        return recap_xlsx(recap)
    raise data.ReportError(f"format '{fmt}' tidak tersedia untuk rekapitulasi: pilih {', '.join(RECAP_FORMATS)}")


def unit_bytes(con: duckdb.DuckDBPyConnection, submission_id: str, fmt: str, kop: Kop | None = None) -> bytes:
    """One unit's report for one submission, in one format (an LHE with the kop, a draft without)."""
    return write_unit(data.unit_report(con, submission_id, kop=kop), fmt)


def recap_bytes(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None, fmt: str,
                edition: str | None = None) -> bytes:
    return write_recap(data.recap_report(con, year, instansi, edition), fmt)


def all_units(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None, fmt: str,
              on_step: Callable[[int, int, str], None] | None = None, kop: Kop | None = None,
              failed: list[tuple[str, Exception]] | None = None) -> Iterator[tuple[str, bytes]]:
    """(file name, report) for every unit of a year (and instansi), each under a distinct safe name;
    `on_step(done, total, unit)` is called after each one. One unit whose report cannot be made never stops the
    others: "unit (instansi)" and the error are added to `failed` (the traceback goes to the log); without a
    `failed` list the error is raised."""
    units = data.units_with_data(con, year, instansi)
    cycle = data.cycle_info(con, year, instansi)
    names = data.report_file_names(units, year, fmt)
    for i, (row, name) in enumerate(zip(units.itertuples(), names, strict=True), 1):
        try:
            content = write_unit(data.unit_report(con, row.submission_id, cycle=cycle, kop=kop), fmt)
        except Exception as exc:
            if failed is None:
                raise
            log.exception("laporan %s (%s) tahun %s gagal dibuat", row.unit_name, row.instansi, year)
            failed.append((f"{row.unit_name} ({row.instansi})", exc))
            content = None
        if content is not None:
            yield name, content
        if on_step:
            on_step(i, len(units), row.unit_name)


def failed_text(failed: list[tuple[str, Exception]]) -> str:
    """The note of the units whose report could not be made, for anyone who downloads the reports: the units and
    the kind of error (its details, which may name server paths, stay in the server's log)."""
    lines = [f"Laporan {len(failed)} unit kerja tidak dapat dibuat; laporan unit lain ada di berkas ini. Rincian "
             "kesalahan ada di log server.", ""]
    lines += [f"- {unit} ({type(exc).__name__})" for unit, exc in failed]
    return "\n".join(lines) + "\n"


def zip_of(files: Iterator[tuple[str, bytes]], failed: list[tuple[str, Exception]] | None = None) -> bytes:
    """The files as one ZIP; when `failed` names units (filled while `files` is read), FAILED_FILE lists them."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files:
            z.writestr(name, content)
        if failed:
            z.writestr(FAILED_FILE, failed_text(failed))
    return buf.getvalue()
