"""The demo's fast template filling: values land in the template's empty cells, typed, escaped, never elsewhere."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from zi_data.demo import fill_cells, generate

SHEET = ('<sheetData><row r="1"><c r="A1" s="1" t="inlineStr"><is><t>Unit Kerja</t></is></c>'
         '<c r="B1" s="2" t="inlineStr" /></row><row r="2"><c r="B2" s="2" t="n" /><c r="C2" /></row></sheetData>')


def test_values_fill_the_empty_cells_keeping_their_style():
    out = fill_cells(SHEET, {"B1": "Dinas A & B <Kota>", "B2": 3.6, "C2": 12})
    assert '<c r="B1" s="2" t="inlineStr"><is><t>Dinas A &amp; B &lt;Kota&gt;</t></is></c>' in out
    assert '<c r="B2" s="2" t="n"><v>3.6</v></c>' in out and '<c r="C2" t="n"><v>12</v></c>' in out
    assert '<c r="A1" s="1" t="inlineStr"><is><t>Unit Kerja</t></is></c>' in out  # a filled cell stays as it was


def test_a_value_without_an_empty_cell_is_an_error_not_a_silent_loss():
    with pytest.raises(ValueError, match="A1"):
        fill_cells(SHEET, {"A1": "lain"})  # A1 holds a label: not a cell waiting for a value
    with pytest.raises(ValueError, match="Z9"):
        fill_cells(SHEET, {"Z9": 1})


def test_demo_workbooks_open_in_openpyxl_with_identity_and_typed_answers(tmp_path):
    paths = generate(tmp_path, units=1, years=[2025], seed=3, bad_files=False, surveys=False)
    jawaban = [p for p in paths if p.suffix == ".xlsx"]
    wb = load_workbook(next(p for p in jawaban if "Identitas" in load_workbook(p, read_only=True).sheetnames))
    ident = wb["Identitas"]
    assert isinstance(ident["B1"].value, str) and ident["B3"].value == 2025
    answers = [c.value for (c,) in wb["Jawaban"].iter_rows(min_col=11, max_col=11, min_row=6) if c.value is not None]
    assert answers and all(isinstance(a, str | int | float) for a in answers)
