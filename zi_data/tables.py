"""Small tables sent beside the workbooks (surveys, the unit roster, TPN results), found by their header row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from .readers.base import ReadError
from .readers.detect import settings
from .readers.excel import Book
from .readers.formats import DELIMITERS, decode
from .readers.safety import MAX_FILE_BYTES, mb, thousands

# A title or a note may sit above the header: it is looked for in this many first rows.
HEADER_ROWS = 10


# The row limits of the side files, in data/settings.csv (key -> what the file is called).
ROW_LIMITS = {"max_roster_rows": "daftar unit", "max_tpn_rows": "hasil TPN", "max_survey_rows": "berkas survei"}


@dataclass
class Table:
    """The rows of one CSV file or sheet, and where its header row is (index into rows, or None). A CSV file is
    read no further than the largest row limit allows: `more` says that rows were left unread."""

    rows: list[list[Any]]
    sheet: str | None
    header_index: int | None
    more: bool = False

    @property
    def header(self) -> list[Any]:
        return self.rows[self.header_index] if self.header_index is not None else []

    def data(self) -> list[tuple[int, list[Any]]]:
        """(row number as a spreadsheet shows it, cells) of every row under the header."""
        start = (self.header_index or 0) + 1
        return [(i + 1, line) for i, line in enumerate(self.rows[start:], start=start)]

    def where(self) -> str:
        return f"sheet '{self.sheet}', " if self.sheet else ""

    def check_rows(self, path: Path, key: str) -> None:
        """Refuse a file with more data rows than its limit (`key` in ROW_LIMITS), before any row is checked."""
        limit = int(settings()[key])
        n = len(self.rows) - (self.header_index or 0) - 1
        if self.more or n > limit:
            count = f"lebih dari {thousands(limit)}" if self.more else thousands(n)
            raise ReadError(path, f"{ROW_LIMITS[key]}: {count} baris data, melebihi batas {thousands(limit)} baris "
                            "(data/settings.csv): berkas tidak dimuat sama sekali; bagi menjadi beberapa berkas atau "
                            "periksa apakah ada baris yang tidak semestinya", sheet=self.sheet)


def max_table_rows() -> int:
    """The rows a table file is read up to: the header's search, the largest limit, and one row to tell "more"."""
    return HEADER_ROWS + max(int(settings()[key]) for key in ROW_LIMITS) + 1


def too_large(path: Path) -> str | None:
    """Why a table file is refused before it is read, or None."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"{path.name}: berkas terlalu besar ({mb(size)}; batas {mb(MAX_FILE_BYTES)})"
    return None


def norm_header(text: Any) -> str:
    """A header cell as compared: lower case, letters and digits only ("Nilai TPN" -> "nilaitpn")."""
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def _header_index(rows: list[list[Any]], accept: Callable[[list[Any]], bool]) -> int | None:
    return next((i for i, row in enumerate(rows[:HEADER_ROWS]) if accept(row)), None)


def read_table(path: Path, accept: Callable[[list[Any]], bool]) -> Table:
    """The first CSV reading or sheet whose header row `accept`s; else the file's first rows, header None.

    A CSV file's delimiter is the one that makes its header recognisable: guessing it from the
    data would take the decimal commas of a ";" file for separators.
    """
    if path.suffix.lower() == ".csv":
        reason = too_large(path)
        if reason:
            raise ReadError(path, reason.split(": ", 1)[1])
        text = decode(path.read_bytes())
        limit = max_table_rows()
        for delimiter in DELIMITERS:
            # only the header's rows at first: a file of a million rows is not parsed three times
            head = list(islice(csv.reader(io.StringIO(text), delimiter=delimiter), HEADER_ROWS))
            found = _header_index(head, accept)
            if found is not None:
                return _limited(csv.reader(io.StringIO(text), delimiter=delimiter), limit, found)
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
        return _limited(csv.reader(io.StringIO(text), dialect), limit, None)
    book = Book(path)
    if book.strays:  # a table's rows are all read or none: a far cell is not passed over as in a form
        cells = ", ".join(f"sheet '{sheet}' sel {ref} ('{text}')" for sheet, ref, text in book.strays)
        raise ReadError(path, f"sel berisi jauh di luar tabel: {cells}; hapus sel itu lalu muat ulang")
    for sheet in book.sheet_names:
        rows = book.rows(sheet)
        found = _header_index(rows, accept)
        if found is not None:
            return Table(rows, sheet, found)
    first = book.sheet_names[0] if book.sheet_names else None
    return Table(book.rows(first) if first else [], first, None)


def _limited(reader, limit: int, header_index: int | None) -> Table:
    rows = list(islice(reader, limit + 1))
    return Table(rows[:limit], None, header_index, more=len(rows) > limit)


def try_read_table(path: Path, accept: Callable[[list[Any]], bool]) -> Table | None:
    """read_table, or None when the file cannot be read as a table at all."""
    try:
        return read_table(path, accept)
    except (ReadError, UnicodeError, csv.Error):
        return None
