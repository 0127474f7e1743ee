"""Property-based (issue 19): adding noise of the kinds offices really produce never changes a score without a
warning. Answers respelled ("Y", "B. Jika ...", a check mark, TRUE), Excel errors, formulas nobody calculated,
out-of-scale survey values, answers naming two options, blanks, and a TPI column of agreement: every reading
either scores as the clean workbook did, or names each question whose value it lost in a warning (or marks the
level "perlu diperiksa", or refuses the level or the file with its cause). The clean totals are the hand-worked
ones of tests/test_reading_shapes.py (unit 96,125, TPI 96,25)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.helpers import filled_workbook
from tests.test_reading_shapes import ED, TPI_TOTAL, UNIT_TOTAL, tpi_answers, unit_answers
from zi_data.evaluate import evaluate
from zi_data.readers import ReadError, read_workbook

ROWS = {q: int(r) for q, r in zip(ED.answerable["question_id"], ED.answerable["jawaban_row"], strict=True)}
TYPES = dict(zip(ED.answerable["question_id"], ED.answerable["answer_type"], strict=True))
CLEAN = {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL}
COLUMN = {"unit": "K", "tpi": "N"}
NAME = {"unit": "Unit", "tpi": "TPI"}

# Same value, other spelling: the score must not move.
SAME = {
    "Ya": ["Y", "ya", " YA ", "Ada", "✓", True, "Ya\u00a0", "\u200bYa", "Jawaban: Ya", "Ya, sudah dibentuk"],
    "Tidak": ["T", "tidak", "Tidak ada", False, "tidak.", "Belum ada"],
    **{x: [x.lower(), f"{x}.", f"{x.lower()})", f"({x})", f"Jawaban {x}", f"{x}. Jika ...", f" {x.lower()}. "]
       for x in "ABCDE"},
}
# Noise that may change the value: each must be named where it does.
LOSSY = ["#N/A", "#REF!", "#DIV/0!", "A/B", "B atau C", "Ya/Tidak", "ok", None, "90,5%", 72, 0.9, "x"]

# The answers that are not the best (M001 Tidak, M002 B, the TPI's SPBE C, the surveys) move a score when misread:
# every example puts its noise there, and on a few other questions.
TELLING = ["M001", "M002", "M016", "M017", "M125", "M127"]
noise = st.fixed_dictionaries({
    "kind": st.sampled_from(["same", *LOSSY]),
    "levels": st.sampled_from([("unit",), ("tpi",), ("unit", "tpi")]),
    "others": st.lists(st.sampled_from(sorted(ROWS)), max_size=8, unique=True),
    "pick": st.integers(0, 9),
    "agreement": st.booleans(),  # the TPI column holds "Sesuai"/"Tidak sesuai" instead of answers
    "formula": st.sampled_from([None, "unit", "tpi"]),  # one answer left as a formula without a value
})


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict[tuple[str, str], float | None]]:
    """The clean workbook, and what each of its answers is worth."""
    path = filled_workbook(tmp_path_factory.mktemp("noise") / "base.xlsx", unit=unit_answers(), tpi=tpi_answers())
    ev = evaluate(read_workbook(path))
    assert {a: ev.scores.total(a) for a in ev.scores.assessors} == pytest.approx(CLEAN)
    return path, {(r[0], r[1]): r[6] for r in ev.scores.question_rows}


def with_noise(base: Path, out: Path, how: dict) -> tuple[Path, dict[str, set[str]]]:
    """A copy of the clean workbook with the noise put in; per level, the questions whose cell was changed."""
    book = load_workbook(base)
    ws = book["Jawaban"]
    answers = {"unit": unit_answers(), "tpi": tpi_answers()}
    touched: dict[str, set[str]] = {"unit": set(), "tpi": set()}
    kind = how["kind"]
    for level, qid in [(lv, q) for lv in how["levels"] for q in dict.fromkeys(TELLING + how["others"])]:
        clean = answers[level].get(qid)
        pick = how["pick"] + len(touched[level])
        if kind == "same":
            forms = SAME.get(clean) if isinstance(clean, str) else None
            if not forms:
                continue
            value = forms[pick % len(forms)]
        elif TYPES[qid] == "JUMLAH" and isinstance(kind, int):
            continue  # a whole number is a count's answer, not noise
        else:
            value = kind
        ws[f"{COLUMN[level]}{ROWS[qid]}"] = value
        touched[level].add(qid)
    if how["agreement"]:
        for i, qid in enumerate(sorted(ROWS)):
            ws[f"N{ROWS[qid]}"] = "Sesuai" if i % 3 else "Tidak sesuai"
    if how["formula"]:
        ws[f"{COLUMN[how['formula']]}{ROWS['M004']}"] = '=IF(1=1,"A","B")'
    book.save(out)
    return out, touched


def every_kind(test):
    """Each kind of noise on both levels at least once, whatever hypothesis draws besides."""
    for kind in ["same", *LOSSY]:
        test = example(how={"kind": kind, "levels": ("unit", "tpi"), "others": [], "pick": 0, "agreement": False,
                            "formula": None})(test)
    for agreement, formula in ((True, None), (False, "unit"), (False, "tpi")):
        test = example(how={"kind": "same", "levels": ("unit",), "others": [], "pick": 0, "agreement": agreement,
                            "formula": formula})(test)
    return test


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=noise)
@every_kind
def test_noise_never_changes_a_score_without_a_warning(tmp_path_factory, base, how):
    clean_path, clean_values = base
    path, touched = with_noise(clean_path, tmp_path_factory.mktemp("n") / "2025_Unit Bising.xlsx", how)
    if how["formula"]:  # never read as a blank: refused, naming the cell and what to do
        with pytest.raises(ReadError, match=f"rumus tanpa nilai tersimpan \\({COLUMN[how['formula']]}{ROWS['M004']}"):
            read_workbook(path)
        return
    ev = evaluate(read_workbook(path))
    text = "\n".join(ev.warnings)
    if how["agreement"]:
        assert "tpi" not in ev.scores.assessors and "tingkat TPI tidak dinilai" in text and "'Sesuai'" in text
    values = {(r[0], r[1]): r[6] for r in ev.scores.question_rows}
    for level in CLEAN:
        if level not in ev.scores.assessors:
            continue
        marked = bool(ev.needs_review) and f"tingkat {NAME[level]}" in ev.needs_review
        moved = {q for q in touched[level] if values[(level, q)] != clean_values[(level, q)]}
        for qid in moved:
            named = f"{NAME[level]}, {qid} " in text or any(
                w.startswith(f"{NAME[level]}: ") and "belum dijawab" in w and f"{qid} " in w for w in ev.warnings)
            if values[(level, qid)] is None:  # a value lost: named, or the whole level marked for review
                assert named or marked, qid
            else:  # a value changed into another: always named, with how it was read
                assert named or f"{NAME[level]} {qid}" in text, qid
        if not moved:  # nothing named moved: the score is the clean one
            assert ev.scores.total(level) == pytest.approx(CLEAN[level])
