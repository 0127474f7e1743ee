"""Downloads open safely in a spreadsheet: no formula runs, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pandas as pd
from openpyxl import load_workbook

from zi_data.export import to_csv_bytes, to_xlsx_bytes

HOSTILE = pd.DataFrame({"unit": ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "Aman"],
                        "total": [90.5, -3.0, 0.0, 1.0, 2.0]})


def test_xlsx_neutralises_formulas_and_keeps_numbers_numeric():
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(HOSTILE)))["Data"]
    texts = [ws.cell(r, 1).value for r in range(2, 7)]
    assert texts == ["'=HYPERLINK(\"http://x\")", "'+1+2", "'-2+3", "'@SUM(A1)", "Aman"]
    assert all(ws.cell(r, 1).data_type == "s" for r in range(2, 7))
    assert [ws.cell(r, 2).value for r in range(2, 7)] == [90.5, -3.0, 0.0, 1.0, 2.0]
    assert all(ws.cell(r, 2).data_type == "n" for r in range(2, 7))


def test_csv_neutralises_formulas_and_uses_indonesian_separators():
    rows = list(csv.reader(io.StringIO(to_csv_bytes(HOSTILE).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["unit", "total"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "90,5"]
    assert rows[2] == ["'+1+2", "-3,0"] and rows[5] == ["Aman", "2,0"]
