"""Evaluation reports: the per-unit draft LHE and the agency recap, as PDF, DOCX and XLSX.

`data` gathers a report's frames with the pages' queries; `pdf`, `docx` and `xlsx` only lay them out.
The writers are imported when first used: ReportLab and python-docx cost time to import.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator

import duckdb

from . import data

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


def unit_bytes(con: duckdb.DuckDBPyConnection, submission_id: str, fmt: str) -> bytes:
    """One unit's report for one submission, in one format."""
    return write_unit(data.unit_report(con, submission_id), fmt)


def recap_bytes(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None, fmt: str,
                edition: str | None = None) -> bytes:
    return write_recap(data.recap_report(con, year, instansi, edition), fmt)


def all_units(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None, fmt: str,
              on_step: Callable[[int, int, str], None] | None = None) -> Iterator[tuple[str, bytes]]:
    """(file name, report) for every unit of a year (and instansi), each under a distinct safe name;
    `on_step(done, total, unit)` is called after each one."""
    units = data.units_with_data(con, year, instansi)
    cycle = data.cycle_info(con, year, instansi)
    names = data.report_file_names(units, year, fmt)
    for i, (row, name) in enumerate(zip(units.itertuples(), names, strict=True), 1):
        report = data.unit_report(con, row.submission_id, cycle=cycle)
        yield name, write_unit(report, fmt)
        if on_step:
            on_step(i, len(units), row.unit_name)


def zip_of(files: Iterator[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files:
            z.writestr(name, content)
    return buf.getvalue()
