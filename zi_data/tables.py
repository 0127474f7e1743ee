"""Small tables sent beside the workbooks (surveys, the unit roster, TPN results), found by their header row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .readers.base import ReadError
from .readers.excel import Book
from .readers.formats import DELIMITERS, decode

# A title or a note may sit above the header: it is looked for in this many first rows.
HEADER_ROWS = 10


@dataclass
class Table:
    """The rows of one CSV file or sheet, and where its header row is (index into rows, or None)."""

    rows: list[list[Any]]
    sheet: str | None
    header_index: int | None

    @property
    def header(self) -> list[Any]:
        return self.rows[self.header_index] if self.header_index is not None else []

    def data(self) -> list[tuple[int, list[Any]]]:
        """(row number as a spreadsheet shows it, cells) of every row under the header."""
        start = (self.header_index or 0) + 1
        return [(i + 1, line) for i, line in enumerate(self.rows[start:], start=start)]

    def where(self) -> str:
        return f"sheet '{self.sheet}', " if self.sheet else ""


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
        text = decode(path.read_bytes())
        for delimiter in DELIMITERS:
            rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
            found = _header_index(rows, accept)
            if found is not None:
                return Table(rows, None, found)
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
        return Table(list(csv.reader(io.StringIO(text), dialect)), None, None)
    book = Book(path)
    for sheet in book.sheet_names:
        rows = book.rows(sheet)
        found = _header_index(rows, accept)
        if found is not None:
            return Table(rows, sheet, found)
    first = book.sheet_names[0] if book.sheet_names else None
    return Table(book.rows(first) if first else [], first, None)


def try_read_table(path: Path, accept: Callable[[list[Any]], bool]) -> Table | None:
    """read_table, or None when the file cannot be read as a table at all."""
    try:
        return read_table(path, accept)
    except (ReadError, UnicodeError, csv.Error):
        return None
