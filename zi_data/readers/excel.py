"""Open a workbook with python-calamine (xlsx, xlsm, xls, ods; values only, macros never run) and hand out sheets."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from .base import ReadError
from .safety import MAX_ROWS, check_file, error_cells, sheet_limits, thousands, without_strays

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


class Book:
    """A workbook's sheets as lists of rows (cell values), read on first use."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise ReadError(self.path, "berkas tidak ditemukan")
        scan = check_file(self.path)
        self._error_sheets = scan.error_sheets  # sheets holding Excel error cells not yet put back
        # stray cells far past the sheet limits (a value at XFD1048576) are read as absent, each named in a
        # warning: the parser would otherwise make a grid reaching them, up to 17 billion cells
        self.strays = scan.stray_cells()
        self.warnings: list[str] = [f"sheet '{sheet}': sel {ref} ('{text}') jauh di luar isi sheet (batas {sheet_limits()}) dan "
                                    "diabaikan; hapus sel itu bila bukan bagian dari LKE"
                                    for sheet, ref, text in self.strays]
        try:
            if scan.strays:
                self._wb = CalamineWorkbook.from_filelike(io.BytesIO(without_strays(self.path, scan.strays)))
            else:
                self._wb = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine raises its own error types for every broken file
            raise ReadError(self.path, _reason(exc)) from exc
        self.sheet_names: list[str] = list(self._wb.sheet_names)
        self._rows: dict[str, list[list[Any]]] = {}

    def find_sheet(self, *names: str) -> str | None:
        """The sheet whose name matches one of `names`, ignoring case and spaces."""
        wanted = {n.replace(" ", "").casefold() for n in names}
        for name in self.sheet_names:
            if name.replace(" ", "").casefold() in wanted:
                return name
        return None

    def rows(self, sheet: str, errors: bool = True) -> list[list[Any]]:
        """The sheet's cells; with `errors`, Excel error cells (#REF!...) as text rather than empty.

        Looking for the form reads every sheet without errors (cheap); only the sheet that is read
        for answers has its error cells put back (that parses the sheet's XML once more).
        """
        if sheet not in self._rows:
            try:
                # skip_empty_area=False keeps row 1 at index 0 whatever the used range is.
                rows = self._wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as exc:
                raise ReadError(self.path, f"sheet tidak dapat dibaca ({_short(exc)})", sheet=sheet) from exc
            if len(rows) > MAX_ROWS:  # .xls files state no size the safety check could read
                raise ReadError(self.path, f"sheet berisi {thousands(len(rows))} baris, melebihi batas "
                                f"{thousands(MAX_ROWS)} baris", sheet=sheet)
            self._rows[sheet] = rows
        rows = self._rows[sheet]
        if errors and sheet in self._error_sheets:
            # calamine reads error cells (#REF!, #DIV/0!) as empty: put them back so they are reported.
            for (r, c), error in error_cells(self.path, sheet).items():
                if r - 1 < len(rows) and c < len(rows[r - 1]) and rows[r - 1][c] == "":
                    rows[r - 1][c] = error
            self._error_sheets.discard(sheet)  # put back once
        return rows


def at(line: list[Any], i: int | None) -> Any:
    """The cell at list index `i` of a row; None when it is empty or outside the row."""
    if i is None or not 0 <= i < len(line):
        return None
    value = line[i]
    return None if value == "" else value


def cell_text(value: Any) -> str:
    """A cell as text with its white space folded; whole numbers without ".0" (1.0 -> "1")."""
    if value is None or value == "":
        return ""
    if type(value) is str:
        return _folded(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


@lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    # cached: the same labels and question texts come back in file after file
    return " ".join(text.split())


def col_letter(i: int) -> str:
    """List index 0 -> "A", 26 -> "AA"."""
    out = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        out = chr(65 + rem) + out
    return out


def _reason(exc: Exception) -> str:
    """calamine's error, said in Bahasa Indonesia where we know what it means."""
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return "workbook dilindungi kata sandi (terenkripsi): simpan ulang tanpa kata sandi"
    if "zip" in text or "eocd" in text or "end of central directory" in text:
        return "berkas rusak atau terpotong (arsip .xlsx tidak utuh)"
    return f"berkas tidak dapat dibaca sebagai workbook Excel ({_short(exc)})"


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."
