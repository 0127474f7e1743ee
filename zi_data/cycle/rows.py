"""What the roster and the TPN results share: header labels from data, one unit per row, all bad rows or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..answers import is_blank, parse_number
from ..catalog import DATA_DIR, read_data_csv
from ..names import clean, unit_id
from ..readers.base import ReadError
from ..tables import Table, norm_header, read_table

T = TypeVar("T")


@dataclass
class FileRows(Generic[T]):
    """Every row of one roster or TPN results file, with the file and sheet they came from."""

    path: Path
    sheet: str | None
    rows: list[T]


@lru_cache(maxsize=2)
def labels(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Normalised header label -> field (unit, instansi, year, target, tpn_total, area:MP ...)."""
    df = read_data_csv(data_dir, "cycle_columns.csv")
    return {norm_header(r.label): r.field for r in df.itertuples(index=False)}


def header_fields(header: list[Any]) -> dict[str, int]:
    """Column index of each known field in a header row (the first column with a label wins)."""
    found: dict[str, int] = {}
    known = labels()
    for i, cell in enumerate(header):
        name = known.get(norm_header(cell))
        if name and name not in found:
            found[name] = i
    return found


def text(value: Any) -> str:
    """A cell as one line of text; whole numbers without ".0"."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


@dataclass
class Line:
    """One data row: its number as a spreadsheet shows it, its cells by field, and what is wrong with it."""

    number: int
    cells: dict[str, Any]
    problems: list[str]

    def get(self, name: str) -> Any:
        return self.cells.get(name)


def lines(table: Table, cols: dict[str, int]) -> list[Line]:
    """The non-blank rows under the header, each with the unit, instansi and year checked."""
    out = []
    for number, row in table.data():
        if all(is_blank(c) for c in row):
            continue
        cells = {name: row[i] if i < len(row) else None for name, i in cols.items()}
        line = Line(number, cells, [])
        unit, instansi = clean(text(cells.get("unit"))), clean(text(cells.get("instansi")))
        if not unit:
            line.problems.append("Unit Kerja kosong")
        if not instansi:
            line.problems.append("Instansi kosong")
        year = parse_number(cells.get("year"))
        if year is None or not float(year).is_integer() or not 1900 < year < 2200:
            line.problems.append(f"Tahun '{text(cells.get('year'))}' tidak sah")
            year = None
        line.cells.update(unit=unit, instansi=instansi, year=None if year is None else int(year))
        out.append(line)
    return out


def mark_repeats(rows: list[Line]) -> None:
    """A unit named twice for one year in the same file: which row counts cannot be guessed."""
    first: dict[tuple[str, int], int] = {}
    for line in rows:
        if line.get("year") is None or not line.get("unit") or not line.get("instansi"):
            continue
        key = (unit_id(line.get("unit"), line.get("instansi")), line.get("year"))
        if key in first:
            line.problems.append(f"unit dan tahun yang sama sudah ada di baris {first[key]}")
        else:
            first[key] = line.number


def require(path: Path, table: Table, cols: dict[str, int], needed: dict[str, str], what: str) -> None:
    """Refuse a file whose header lacks a column it cannot do without."""
    missing = [label for name, label in needed.items() if name not in cols]
    if missing:
        raise ReadError(path, f"{what}: kolom {', '.join(missing)} tidak ada di baris judul "
                        f"(baris {(table.header_index or 0) + 1})", sheet=table.sheet)


def start(path: Path, table: Table | None, accept: Callable[[list[Any]], bool], what: str,
          needed: dict[str, str]) -> tuple[Table, dict[str, int], list[Line]]:
    """The file's table (read unless given), its header's fields (field -> column index) and its rows with unit,
    instansi and year checked; a file without the header `accept`s, or lacking a `needed` column (field -> label),
    is refused."""
    table = table or read_table(path, accept)
    if table.header_index is None:
        raise ReadError(path, f"bukan {what}: baris judul harus memuat kolom {', '.join(needed.values())}",
                        sheet=table.sheet)
    cols = header_fields(table.header)
    require(path, table, cols, needed, what)
    return table, cols, lines(table, cols)


def finish(path: Path, table: Table, rows: list[Line], what: str) -> None:
    """Mark units named twice, then refuse the whole file if any row is bad."""
    mark_repeats(rows)
    refuse_bad_rows(path, table, rows, what)


def refuse_bad_rows(path: Path, table: Table, rows: list[Line], what: str) -> None:
    """Every bad row named, and nothing of the file kept: a half-loaded list would look complete."""
    bad = [line for line in rows if line.problems]
    if bad:
        # a problem may hold commas itself ("bukan WBK, WBBM atau Tidak"): each row's problems in brackets
        listed = "; ".join(f"baris {line.number} ({'; '.join(line.problems)})" for line in bad)
        raise ReadError(path, f"{what}: {len(bad)} baris tidak sah, berkas tidak dimuat sama sekali "
                        f"(perbaiki lalu muat ulang): {listed}", sheet=table.sheet)
    if not rows:
        raise ReadError(path, f"{what}: tidak ada baris data di bawah baris judul", sheet=table.sheet)
