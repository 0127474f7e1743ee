"""CSV and XLSX downloads of any table: labelled headers, numbers rounded as on screen, a note of what the file
holds, and safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .predicates import fmt, half_up

# A text cell starting with one of these is run as a formula by spreadsheet programs reading a CSV.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel's limits: a cell holds at most 32,767 characters; a sheet title at most 31, none of / \ ? * [ ] :, not
# starting or ending with an apostrophe, unique in its workbook (compared without case); "History" is Excel's own.
CELL_MAX = 32767
SHEET_TITLE_MAX = 31
SHEET_TITLE_BAD = re.compile(r"[/\\?*\[\]:]")
SHEET_TITLE_RESERVED = {"history"}
# Control characters XML 1.0 cannot hold (all but tab, line feed and carriage return): XLSX and DOCX files cannot
# store them, so they are shown as U+FFFD, the replacement character, never dropped without a trace.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
REPLACEMENT = "\ufffd"
KINDS = ("text", "score", "change", "int", "pct", "date", "bool")
DECIMALS = {"score": 2, "change": 2, "pct": 2}  # decimals of each kind of number, on screen and in files


@dataclass(frozen=True)
class Column:
    """One column of a table a person reads: where it comes from, its label, what kind of value it holds.

    kind: "text"; "score" (2 decimals); "change" (a score with its sign on screen, +8,36); "int"; "pct" (a share already x100, 2 decimals in files, a bar on
    screen); "date" (a timestamp); "bool" (ya/tidak). `phone`: still shown on a narrow screen (a phone's card).
    `bar`: a "pct" column drawn as a bar on screen (else as a number, "85%", for narrow columns)."""
    key: str
    label: str
    kind: str = "text"
    help: str | None = None
    width: str | int | None = None
    phone: bool = True
    bar: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def labelled(df: pd.DataFrame, columns: list[Column]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The columns in order under their labels, and each label's kind (for to_csv_bytes / to_xlsx_bytes)."""
    out = df[[c.key for c in columns]].copy()
    out.columns = [c.label for c in columns]
    return out, {c.label: c.kind for c in columns}


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (for CSV: an XLSX cell written as
    text is never run, see put()); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def printable(text: str) -> str:
    """Text as an XML document (XLSX, DOCX) can hold it: control characters shown as U+FFFD, nothing else changed."""
    return CONTROL.sub(REPLACEMENT, text)


def cell_limit(text: str) -> str:
    """Text that fits an Excel cell: over 32,767 characters it is cut, and says so at its end."""
    if len(text) <= CELL_MAX:
        return text
    mark = f" … [terpotong: teks asli {len(text)} karakter]"
    return text[:CELL_MAX - len(mark)] + mark


def put(cell, value) -> None:
    """Write a value into an openpyxl cell as a reader should see it: text stays text, exactly as written (a cell
    stored as a string is never run as a formula, so no apostrophe is added), with what XML cannot hold shown as
    U+FFFD and text longer than a cell can hold cut visibly (cell_limit); numbers, dates and empties as they are."""
    if isinstance(value, str):
        cell.value = cell_limit(printable(value))
        cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    else:
        cell.value = value


def sheet_title(text: str, taken: Iterable[str] = ()) -> str:
    """A sheet title Excel accepts, from any text (a unit's name, a page title): the characters it refuses
    (/ \\ ? * [ ] :) become "-", apostrophes and spaces at either end go, at most 31 characters (ending in "…" when
    cut), "Data" when nothing is left, and a number is added when the workbook already has that title (`taken`,
    compared without case, as Excel does)."""
    title = " ".join(SHEET_TITLE_BAD.sub("-", printable(str(text)).replace(REPLACEMENT, "-")).split())
    title = title.strip("' ") or "Data"
    if len(title) > SHEET_TITLE_MAX:
        title = title[:SHEET_TITLE_MAX - 1].rstrip("' ") + "…"
    used = {t.casefold() for t in taken} | SHEET_TITLE_RESERVED
    base, n = title, 1
    while title.casefold() in used:
        n += 1
        suffix = f" ({n})"
        title = base[:SHEET_TITLE_MAX - len(suffix)].rstrip("' ") + suffix
    return title


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _kinds(df: pd.DataFrame, kinds: dict[str, str] | None) -> dict[str, str]:
    """Each column's kind: as given, else from its type (a float column is a score: two decimals)."""
    kinds = kinds or {}
    out = {}
    for col in df.columns:
        if col in kinds:
            out[col] = kinds[col]
        elif pd.api.types.is_bool_dtype(df[col]):
            out[col] = "bool"
        elif pd.api.types.is_integer_dtype(df[col]):
            out[col] = "int"
        elif pd.api.types.is_float_dtype(df[col]):
            out[col] = "score"
        elif pd.api.types.is_datetime64_any_dtype(df[col]):
            out[col] = "date"
        else:
            out[col] = "text"
    return out


def missing(value) -> bool:
    """An empty cell: None, pandas' NA or NaT, or a float NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def rounded(value: float, digits: int) -> float:
    """Half up, as fmt() shows it: 96.125 -> 96.13 (Python's round() gives 96.12)."""
    return float(half_up(value, digits))


def _text(value, kind: str) -> str:
    """A cell as the CSV holds it: numbers the Indonesian way, as on screen."""
    if missing(value):
        return ""
    if isinstance(value, str):
        return value
    if kind in DECIMALS:
        return fmt(float(value), DECIMALS[kind])
    if kind == "int":  # counts and years: no thousands separator (a year 2.026 would read as a number)
        return str(int(rounded(value, 0)))
    if kind == "bool":
        return "ya" if bool(value) else "tidak"
    if kind == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def to_csv_bytes(df: pd.DataFrame, note: str | None = None, kinds: dict[str, str] | None = None) -> bytes:
    """`;`-separated, decimal comma, UTF-8 with BOM (what Indonesian Excel expects); numbers rounded to 2 decimals.

    `note` (year, filters, whose answers) is the first line, one cell, with an empty line before the header."""
    data = safe_frame(df)
    kind = _kinds(df, kinds)
    kind = {neutralise(str(c)): k for c, k in kind.items()}
    text = pd.DataFrame({c: [_text(v, kind[c]) for v in data[c].tolist()] for c in data.columns},
                        columns=list(data.columns))
    body = text.to_csv(index=False, sep=";")
    if note:
        body = pd.DataFrame([[neutralise(note)]]).to_csv(index=False, header=False, sep=";") + "\n" + body
    return body.encode("utf-8-sig")


NUMBER_FORMATS = {"score": "0.00", "change": "+0.00;-0.00;0.00", "pct": "0.00", "int": "0", "date": "yyyy-mm-dd hh:mm"}


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Data", note: str | None = None,
                  kinds: dict[str, str] | None = None) -> bytes:
    """One sheet: the note (when given) in A1 above the table, numbers as numbers rounded to 2 decimals with a
    number format (Excel shows them with the reader's own decimal separator), the header frozen."""
    # imported here: openpyxl is needed only when a file is asked for, not to show the first page
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    kind = _kinds(df, kinds)
    kinds_in_order = [kind[c] for c in df.columns]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(sheet)
    if note:
        put(ws.cell(1, 1), note)
        ws["A1"].font = Font(bold=True)
    header_row = 3 if note else 1  # the note, an empty row, then the header
    for j, col in enumerate(df.columns, 1):
        put(ws.cell(header_row, j), str(col))
        ws.cell(header_row, j).font = Font(bold=True)
    for i, row in enumerate(df.itertuples(index=False), header_row + 1):
        for j, (v, k) in enumerate(zip(row, kinds_in_order, strict=True), 1):
            put(ws.cell(i, j), _cell(v, k))
    for i, (col, k) in enumerate(zip(df.columns, kinds_in_order, strict=True), 1):
        letter = get_column_letter(i)
        if k in NUMBER_FORMATS:
            for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=i, max_col=i):
                cell.number_format = NUMBER_FORMATS[k]
        width = max([len(str(col))] + [len(_text(v, k)) for v in df.iloc[:200, i - 1].tolist()]) + 2
        ws.column_dimensions[letter].width = min(width, 60)
    ws.freeze_panes = f"A{header_row + 1}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value, kind: str = "text"):
    if missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars -> Python numbers
        value = value.item()
    if kind == "bool":
        return "ya" if bool(value) else "tidak"
    if kind in ("int", *DECIMALS) and isinstance(value, int | float) and not isinstance(value, bool):
        return int(rounded(value, 0)) if kind == "int" else rounded(value, DECIMALS[kind])
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    return value
