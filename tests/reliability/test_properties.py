"""Property-based: arbitrary answers never crash the reader or the scorer, and scores stay within their bounds."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.helpers import edition
from zi_data.answers import is_blank
from zi_data.evaluate import evaluate
from zi_data.readers import ReadError, read_workbook
from zi_data.scoring import score_answers
from zi_data.template import write_template

EDITIONS = {name: edition(name) for name in ("2019", "2021")}
CELL = st.one_of(
    st.none(),
    st.sampled_from(["Ya", "Tidak", "A", "B", "C", "D", "E", "a.", " ya ", "Y", "ok", "Ya/Tidak", "#REF!", "-",
                     "Blm Diisi", "85%", "3,6", "1.234", "1,234.5", "", "∞", "NaN", "1e309"]),
    st.text(max_size=12),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


def answers_for(ed_name: str):
    ids = EDITIONS[ed_name].answerable["question_id"].tolist()
    return st.dictionaries(st.sampled_from(ids), CELL, max_size=len(ids))


def assert_bounded(scores, ed) -> None:
    weights = dict(zip(ed.indicators["indicator_id"], ed.indicators["weight"], strict=True))
    for assessor, level, node, *_rest in scores.level_rows:
        row = scores.row(assessor, node)
        assert math.isfinite(row["score"])
        assert -1e-9 <= row["score"] <= row["weight"] + 1e-9, (node, row["score"])
        assert 0 <= row["completeness"] <= 1
        if level == "indicator":
            assert row["weight"] == weights[node]
    for assessor in scores.assessors:
        assert 0 <= scores.total(assessor) <= 100 + 1e-9


@pytest.mark.parametrize("ed_name", ["2019", "2021"])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_arbitrary_answers_never_crash_and_scores_stay_within_bounds(ed_name, data):
    ed = EDITIONS[ed_name]
    unit = data.draw(answers_for(ed_name))
    tpi = data.draw(answers_for(ed_name))
    scores = score_answers({"unit": unit, "tpi": tpi}, ed)
    assert_bounded(scores, ed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers_for("2021"))
@example(answers={"M001": "="})  # text, once taken for a formula without a value (CI, 2026-12-06)
@example(answers={"M001": "=0", "M002": "A"})
def test_arbitrary_cells_in_a_workbook_are_read_and_scored_without_crashing(tmp_path_factory, answers):
    path = tmp_path_factory.mktemp("prop") / "2025_Unit Acak.xlsx"
    write_template(path, edition="2021", unit="Unit Acak", instansi="I", year=2025)
    book = load_workbook(path)
    ws = book["Jawaban"]
    rows = EDITIONS["2021"].questions.set_index("question_id")["jawaban_row"]
    written = {}
    for qid, value in answers.items():
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)  # Excel has no NaN or infinity: a unit would type them as text
        if isinstance(value, str):
            value = "".join(ch for ch in value if ch.isprintable())  # XML cannot hold control characters
        cell = ws[f"K{int(rows[qid])}"]
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # typed text: openpyxl would write "=..." as a formula (formulas: test_never_silent)
        written[qid] = value
    book.save(path)
    if all(is_blank(v) for v in written.values()):  # nothing answered: refused, never scored as 0
        with pytest.raises(ReadError, match="workbook kosong: belum ada jawaban"):
            read_workbook(path)
        return
    valued = any(v is not None for *_, v, _p in score_answers({"unit": written}, EDITIONS["2021"]).question_rows)
    if not valued:  # cells, but none the scorer can value: refused naming them, never scored as 0
        with pytest.raises(ReadError, match="tidak berisi jawaban yang (dapat dinilai|sah)"):
            read_workbook(path)
        return
    ev = evaluate(read_workbook(path))
    assert_bounded(ev.scores, EDITIONS["2021"])
    assert all(isinstance(w, str) and w for w in ev.warnings)
