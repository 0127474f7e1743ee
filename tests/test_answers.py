"""Raw cells -> values: normalisation of options, numbers the Indonesian way, and what is refused."""

from __future__ import annotations

import pytest

from zi_data.answers import parse_number, value_of

YA = {"Ya": 1.0, "Tidak": 0.0}
ABCD = {"A": 1.0, "B": 0.67, "C": 0.33, "D": 0.0}


@pytest.mark.parametrize("raw", ["Ya", "ya", " Ya ", "YA", "Ya.", "yA "])
def test_ya_is_recognised_however_it_is_typed(raw):
    assert value_of(raw, "option", YA).value == 1.0


@pytest.mark.parametrize("raw, expected", [("a", 1.0), ("A.", 1.0), (" b ", 0.67), ("C", 0.33), ("d.", 0.0)])
def test_letters_are_recognised_with_case_and_dot(raw, expected):
    assert value_of(raw, "option", ABCD).value == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "Blm Diisi", "-"])
def test_blank_cells_are_unanswered_without_a_problem(raw):
    v = value_of(raw, "option", ABCD)
    assert v.value is None and v.problem is None


@pytest.mark.parametrize("raw", ["X", "ok", "Ya/Tidak", "E", "1"])
def test_an_answer_outside_the_options_is_reported_not_scored(raw):
    v = value_of(raw, "option", YA if raw != "E" else ABCD)
    assert v.value is None
    assert "tidak sesuai pilihan" in v.problem


@pytest.mark.parametrize("raw, expected", [
    (3.6, 3.6), ("3,6", 3.6), ("3.6", 3.6), ("85%", 0.85), ("1.234,5", 1234.5), ("1,234.5", 1234.5),
])
def test_numbers_in_indonesian_and_english_notation(raw, expected):
    assert parse_number(raw) == pytest.approx(expected)


def test_dotted_thousands_in_a_count():
    assert parse_number("1.234", whole=True) == 1234


def test_survey_value_is_divided_by_four_and_range_checked():
    assert value_of("3,6", "survey", scale_max=4).value == pytest.approx(0.9)
    assert "di luar rentang" in value_of(4.5, "survey", scale_max=4).problem


@pytest.mark.parametrize("raw, problem", [(-1, "negatif"), ("abc", "bukan angka"), (5_000_000, "tidak wajar")])
def test_bad_counts_are_reported(raw, problem):
    v = value_of(raw, "count")
    assert v.value is None and problem in v.problem


def test_excel_error_values_are_reported():
    assert "galat Excel" in value_of("#REF!", "option", ABCD).problem
