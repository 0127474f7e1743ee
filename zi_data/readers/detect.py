"""Pick the reader for a workbook by its sheets, and settle its identity and edition."""

from __future__ import annotations

from pathlib import Path

from ..catalog import Catalog, load_catalog
from .base import ReadError, Workbook
from .excel import EXCEL_SUFFIXES, Book
from .identity import read_identity
from .jawaban import SHEET as JAWABAN_SHEET
from .jawaban import read_jawaban

LKE_SHEETS = ("LKE ZI", "LKE", "LKE-ZI")


def read_workbook(path: str | Path, catalog: Catalog | None = None, require_identity: bool = True) -> Workbook:
    """Read one LKE workbook of any known layout; raises ReadError with the reason in Bahasa Indonesia.

    Ingestion requires the unit and year; `zi score` does not (it stores nothing), so a workbook
    without them is still scored there, with a warning.
    """
    path = Path(path)
    catalog = catalog or load_catalog()
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        raise ReadError(path, f"jenis berkas '{path.suffix or '(tanpa ekstensi)'}' tidak didukung "
                        "(yang diterima: .xlsx, .xlsm, .xls)")
    book = Book(path)
    jawaban = book.find_sheet(JAWABAN_SHEET)
    lke = book.find_sheet(*LKE_SHEETS)
    if not jawaban and not lke:
        names = ", ".join(f"'{n}'" for n in book.sheet_names) or "(tidak ada)"
        raise ReadError(path, f"tidak ada sheet LKE yang dikenali: diharapkan 'Jawaban' atau 'LKE ZI', "
                        f"yang ada {names}")
    ident = read_identity(book, required=require_identity)
    by_year = _edition_for_year(catalog, ident.year, path) if ident.year else None
    if jawaban:
        edition = ident.edition or by_year or max(catalog.editions)
        if edition not in catalog.editions:
            raise ReadError(path, f"Edisi '{edition}' tidak dikenal (yang ada: {', '.join(catalog.editions)})",
                            sheet="Identitas")
        wb = read_jawaban(book, jawaban, ident, catalog[edition])
    else:
        from .lke_zi import read_lke_zi

        wb = read_lke_zi(book, lke, ident, catalog)
    if not ident.unit or not ident.year:
        wb.warn("identitas (Unit Kerja/Tahun) tidak ditemukan di sheet 'Identitas' maupun nama berkas")
    if by_year and wb.edition != by_year:
        wb.warn(f"workbook edisi {wb.edition}, padahal tahun {ident.year} memakai edisi {by_year}: "
                f"dinilai dengan aturan edisi {wb.edition}")
    return wb


def _edition_for_year(catalog: Catalog, year: int, path: Path) -> str:
    try:
        return catalog.edition_for_year(year)
    except KeyError as exc:
        raise ReadError(path, f"tidak ada edisi LKE untuk tahun {year}", sheet="Identitas") from exc
