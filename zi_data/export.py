"""CSV and XLSX downloads of any table, safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

# A text cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    # UTF-8 with BOM so Excel opens Indonesian text correctly; ";" is what Indonesian Excel expects.
    return safe_frame(df).to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Data") -> bytes:
    data = safe_frame(df)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(data.columns))
    for row in data.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for i, col in enumerate(data.columns, 1):
        width = max([len(str(col))] + [len(str(v)) for v in data.iloc[:200, i - 1].tolist()]) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(width, 60)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars -> Python numbers
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value
