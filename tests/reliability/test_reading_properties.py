"""Property-based: reshaping a workbook the way units do never changes its score.

Inserting columns (headed, or empty ones anywhere), moving the header down under a title block, renaming
the sheet behind a sheet of instructions, changing the case of answers and inserting blank rows: the
reader finds the form, the columns and the rows again, for both layouts. The totals are the hand-worked
ones of tests/test_reading_shapes.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from tests.helpers import filled_workbook
from tests.test_reading_shapes import ED, TPI_TOTAL, UNIT_TOTAL, tpi_answers, unit_answers
from zi_data.evaluate import evaluate
from zi_data.lke_writer import write_lke_zi
from zi_data.readers import read_workbook

OPTION = {"ya", "tidak", "a", "b", "c", "d", "e"}
CASES = {
    "as is": lambda v: v,
    "lower": lambda v: v.lower(),
    "upper": lambda v: v.upper(),
    "padded": lambda v: f"  {v} ",
    "dotted": lambda v: f" {v.lower()}.",
}

reshapes = st.fixed_dictionaries({
    "title_rows": st.integers(0, 4),
    "columns": st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["", "Bukti", "Link", "Keterangan Tambahan"])),
                        max_size=3),
    "blank_rows": st.lists(st.floats(0, 1), max_size=5),
    "sheet_name": st.sampled_from(["LKE", "Form LKE ZI 2025", "Sheet1", "Lembar Kerja", "lke zi (2)"]),
    "instructions_first": st.booleans(),
    "case": st.sampled_from(list(CASES)),
})


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Each layout's workbook as written, once: every example reshapes a copy of it."""
    return {layout: _base(tmp_path_factory.mktemp(layout), layout) for layout in ("lke_zi", "jawaban")}


def _base(tmp: Path, layout: str) -> tuple[Path, str]:
    if layout == "lke_zi":
        path = write_lke_zi(tmp / "base.xlsx", ED, "Unit Bentuk", "Instansi", 2025, unit_answers(),
                            levels={"Jawaban TPI": tpi_answers()})
        return path, "LKE ZI"
    return filled_workbook(tmp / "base.xlsx", unit=unit_answers(), tpi=tpi_answers()), "Jawaban"


def reshape(src: Path, form: str, out: Path, how: dict) -> Path:
    """A copy of `src` (values only) with its form sheet reshaped as `how` says."""
    book = load_workbook(src)
    grid = [list(row) for row in book[form].iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(grid) if "Bobot" in row)
    width = max(len(row) for row in grid)
    answers = [c for c, v in enumerate(grid[header]) if isinstance(v, str) and v.startswith("Jawaban")]
    for r in range(header + 1, len(grid)):
        for c in answers:
            v = grid[r][c] if c < len(grid[r]) else None
            if isinstance(v, str) and v.strip().casefold() in OPTION:
                grid[r][c] = CASES[how["case"]](v)
    for at, label in how["columns"]:  # a headed column holds something on every third row; an unheaded one nothing
        c = int(at * width)
        for r, row in enumerate(grid):
            row[c:c] = [label if r == header else (f"{label} {r}" if label and r > header and r % 3 == 0 else None)]
        width += 1
    for at in sorted(how["blank_rows"], reverse=True):
        r = header + 1 + int(at * (len(grid) - header - 1))
        grid.insert(r, [None] * width)
    title = [["LEMBAR KERJA EVALUASI PEMBANGUNAN ZONA INTEGRITAS"], ["(diisi oleh unit kerja)"], [None], ["Versi 3"]]
    grid[0:0] = title[: how["title_rows"]]
    new = Workbook()
    new.remove(new.active)
    if how["instructions_first"]:
        new.create_sheet("Petunjuk").append(["Isi kolom Jawaban dengan pilihan yang tersedia."])
    for name in book.sheetnames:
        ws = new.create_sheet(how["sheet_name"] if name == form else name)
        for row in grid if name == form else book[name].iter_rows(values_only=True):
            ws.append(list(row))
    new.save(out)
    return out


@pytest.mark.parametrize("layout", ["lke_zi", "jawaban"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=reshapes)
def test_reshaping_a_workbook_never_changes_its_score(tmp_path_factory, bases, layout, how):
    tmp = tmp_path_factory.mktemp("reshape")
    base, form = bases[layout]
    wb = read_workbook(reshape(base, form, tmp / "2025_Unit Bentuk.xlsx", how))
    ev = evaluate(wb)
    assert ev.scores.total("unit") == pytest.approx(UNIT_TOTAL)
    assert ev.scores.total("tpi") == pytest.approx(TPI_TOTAL)
    assert len(wb.matched) == len(ED.answerable)
    assert wb.read_info["sheet"] == how["sheet_name"]
