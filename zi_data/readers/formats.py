"""Open a workbook whatever format it really is: Excel (.xlsx, .xlsm, .xls) and OpenDocument (.ods) through
python-calamine, the LKE sheet saved as CSV (Google Sheets or Excel: "," or ";", UTF-8 or Windows-1252), and a
clear refusal for what only looks like a workbook (a web page or an XML spreadsheet saved as .xls)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from .base import ReadError
from .columns import find_header
from .excel import EXCEL_SUFFIXES, Book
from .safety import MAX_ROWS, OLE_MAGIC, ZIP_MAGIC, check_file, thousands

CSV_SUFFIX = ".csv"
WORKBOOK_SUFFIXES = EXCEL_SUFFIXES | {CSV_SUFFIX}
ACCEPTED = ".xlsx, .xlsm, .xls, .ods, .csv"
# ";" first: Indonesian Excel writes it, and its decimal commas would fool a "," guess.
DELIMITERS = (";", ",", "\t")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
HOW_TO_SAVE = "buka berkas itu di Excel atau LibreOffice Calc, lalu Simpan Sebagai 'Excel Workbook (.xlsx)' dan muat lagi"


def decode(raw: bytes) -> str:
    """A text file's bytes: UTF-8 (with or without its byte-order mark), else the Windows code page Excel saves in."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


class CsvBook:
    """The LKE sheet saved as CSV, with Book's interface: one sheet (named after the file), its rows as text."""

    def __init__(self, path: Path):
        self.path = path
        check_file(path)  # size limits
        text = decode(path.read_bytes())
        self.sheet_names = [path.stem]
        self.warnings: list[str] = []  # as Book's (stray far cells): a CSV file has none
        self._rows = _parse(text)
        if len(self._rows) > MAX_ROWS:
            raise ReadError(path, f"berkas berisi {thousands(len(self._rows))} baris, melebihi batas "
                            f"{thousands(MAX_ROWS)} baris")

    def find_sheet(self, *names: str) -> str | None:
        return None  # a CSV file holds the form only, never an Identitas sheet

    def rows(self, sheet: str, errors: bool = True) -> list[list[Any]]:
        return self._rows


def _parse(text: str) -> list[list[Any]]:
    """The rows with the delimiter that makes a form's header row recognisable (else the widest reading)."""
    readings = [list(csv.reader(io.StringIO(text), delimiter=d)) for d in DELIMITERS]
    for rows in readings:
        if find_header(rows):
            return rows
    return max(readings, key=lambda rows: sum(len(r) for r in rows[:50]))


def open_book(path: str | Path) -> Book | CsvBook:
    """The workbook at `path`, opened by what it really is; ReadError naming what it is when no reader can read it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES:
        raise ReadError(path, f"jenis berkas '{path.suffix or '(tanpa ekstensi)'}' tidak didukung (yang diterima: "
                        f"{ACCEPTED})")
    if not path.is_file():
        raise ReadError(path, "berkas tidak ditemukan")
    if suffix == CSV_SUFFIX:
        return CsvBook(path)
    with path.open("rb") as f:
        head = f.read(4096)
    if head[:8] != OLE_MAGIC and head[:4] != ZIP_MAGIC:
        what = _what_text_is(head)
        if what:
            raise ReadError(path, f"bukan berkas Excel: {what} yang diberi nama {suffix}; {HOW_TO_SAVE}")
    if suffix == ".ods" and head[:4] == ZIP_MAGIC and not _is_ods(path):
        raise ReadError(path, "berkas bernama .ods tetapi bukan lembar kerja OpenDocument (mungkin .xlsx yang diganti "
                        "namanya): simpan ulang sebagai .xlsx atau .ods")
    return Book(path)


def _what_text_is(head: bytes) -> str | None:
    """What a file that is no spreadsheet archive holds, when it can be said: a web page, an XML spreadsheet."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"\x00" in text[:512]:
        return None
    if text.startswith((b"<!doctype html", b"<html")) or any(t in text for t in (b"<table", b"<meta ", b"<head")):
        return ("halaman web (HTML), biasanya hasil tombol 'Ekspor ke Excel' sebuah aplikasi web atau 'Simpan Halaman' "
                "peramban,")
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "lembar kerja XML (XML Spreadsheet 2003)"
    return None


def _is_ods(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return z.read("mimetype").strip() == ODS_MIMETYPE
    except (KeyError, zipfile.BadZipFile):
        return False
