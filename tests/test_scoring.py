"""Scores worked out by hand from ZI-RULES, compared with what the engine computes."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import all_best, edition, perfect
from zi_data import predicates
from zi_data.scoring import percent_value, score_answers


def total(answers, ed, assessor="unit"):
    return score_answers({assessor: answers}, ed).total(assessor)


@pytest.mark.parametrize("name", ["2019", "2021"])
def test_everything_at_its_best_scores_100(name):
    ed = edition(name)
    s = score_answers({"unit": perfect(ed)}, ed)
    assert s.total("unit") == pytest.approx(100)
    assert s.level("unit", "PENGUNGKIT") == pytest.approx(60)
    assert s.level("unit", "HASIL") == pytest.approx(40)
    lv = s.levels[s.levels["level"] == "total"]
    assert lv["completeness"].iloc[0] == 1


@pytest.mark.parametrize("name", ["2019", "2021"])
def test_everything_blank_scores_0_and_is_incomplete(name):
    ed = edition(name)
    s = score_answers({"unit": {}}, ed)
    assert s.total("unit") == 0
    lv = s.levels
    assert (lv["score"] == 0).all() and (lv["completeness"] == 0).all()
    assert s.questions["problem"].isna().all()


def test_unanswered_questions_are_left_out_of_the_mean():
    ed = edition("2021")
    # PEM_MP_02 "Rencana Pembangunan ZI" (weight 1) has M003 Ya/Tidak, M004 A/B/C, M005 A/B/C.
    s = score_answers({"unit": {"M003": "Ya", "M004": "B"}}, ed)
    lv = s.levels.set_index("node_id")
    assert lv.at["PEM_MP_02", "score"] == pytest.approx((1 + 0.5) / 2 * 1)
    assert lv.at["PEM_MP_02", "answered"] == 2 and lv.at["PEM_MP_02", "expected"] == 3
    assert lv.at["PEM_MP_02", "completeness"] == pytest.approx(2 / 3)


def test_a_mixed_workbook_with_percent_items_a_zero_denominator_and_the_discipline_rule():
    ed = edition("2021")
    answers = perfect(ed)
    answers.update({
        # normalisation: these all count as their option
        "M001": " ya ", "M003": "YA", "M004": "a", "M005": "A.",
        # PEM_MP_01 Tim Kerja (0.5): Ya + B -> (1 + 0.5) / 2 x 0.5 = 0.375, loses 0.125
        "M002": "b",
        # REF_MP_01 Komitmen (2): a = 3 changes / 4 agents = 0.75; b = 0 integrated / 3 made = 0
        "M088": 4, "M089": 3, "M090": 3, "M091": 0,
        # REF_SDM_03 discipline (2): (4 last year - 1 this year) / 4 = 0.75 -> 1.5, loses 0.5
        "M102": 4, "M103": 1, "M104": 1,
        # REF_PW_02 complaints (3): 0 to follow up -> zero denominator: no value, indicator 0
        "M110": 0, "M111": 0, "M112": 0,
        # REF_PW_03 LHKPN (1): 9 reported / (1 + 2 + 7) = 0.9, loses 0.1
        "M113": 1, "M114": 2, "M115": 7, "M116": 9,
        # surveys: IPAK 3.6 -> 15.75 (loses 1.75); IPKP "3,2" -> 14 (loses 3.5)
        "M125": 3.6, "M127": "3,2",
    })
    s = score_answers({"unit": answers}, ed)
    lv = s.levels.set_index("node_id")
    assert lv.at["PEM_MP_01", "score"] == pytest.approx(0.375)
    assert lv.at["REF_MP_01", "score"] == pytest.approx((0.75 + 0) / 2 * 2)
    assert lv.at["REF_SDM_03", "score"] == pytest.approx(1.5)
    assert lv.at["REF_PW_02", "score"] == 0 and lv.at["REF_PW_02", "completeness"] == 0
    assert lv.at["REF_PW_03", "score"] == pytest.approx(0.9)
    assert lv.at["HAS_BERSIH_01", "score"] == pytest.approx(15.75)
    assert lv.at["HAS_PELAYANAN", "score"] == pytest.approx(14)
    expected = 100 - 0.125 - (2 - 0.75) - 0.5 - 3 - 0.1 - 1.75 - 3.5
    assert s.total("unit") == pytest.approx(expected)  # 89.775
    assert lv.at["TOTAL", "answered"] == lv.at["TOTAL", "expected"] - 1  # only the complaints item is missing
    problems = s.questions.set_index("question_id")["problem"]
    assert problems["P5"] == "penyebut nol: tidak dinilai"
    assert problems.drop("P5").isna().all()


@pytest.mark.parametrize("last, this, expected", [(0, 0, 1.0), (0, 2, 0.0), (4, 1, 0.75), (2, 5, 0.0), (3, 3, 0.0)])
def test_the_discipline_rule(last, this, expected):
    assert percent_value("decline", last, this) == pytest.approx(expected)


@pytest.mark.parametrize("a, b, expected", [(3, 4, 0.75), (6, 4, 1.0), (0, 4, 0.0), (1, 0, None), (0, 0, None)])
def test_ratios_are_capped_at_one_and_zero_denominators_give_no_value(a, b, expected):
    assert percent_value("ratio", a, b) == (pytest.approx(expected) if expected is not None else None)


def test_unit_and_tpi_are_scored_separately():
    ed = edition("2021")
    unit = perfect(ed)
    tpi = dict(unit)
    tpi["M092"] = "C"  # REF_MP_02 Komitmen Pimpinan (1): A/B/C/D/E, C = 0.5 -> loses 0.5
    tpi["M125"] = 3.0  # IPAK 3.0 / 4 x 17.5 = 13.125 -> loses 4.375
    s = score_answers({"unit": unit, "tpi": tpi}, ed)
    assert s.assessors == ("unit", "tpi")
    assert s.total("unit") == pytest.approx(100)
    assert s.total("tpi") == pytest.approx(100 - 0.5 - 4.375)


def test_an_answer_that_fits_no_option_is_reported_and_left_out():
    ed = edition("2021")
    s = score_answers({"unit": {"M001": "ok", "M002": "A"}}, ed)
    q = s.questions.set_index("question_id")
    assert q.at["M001", "value"] is None or pd.isna(q.at["M001", "value"])
    assert "tidak sesuai pilihan Ya/Tidak" in q.at["M001", "problem"]
    # the indicator is the mean of the one valid answer: 1 x 0.5
    assert s.level("unit", "PEM_MP_01") == pytest.approx(0.5)


def test_2019_tlhp_is_a_percent_of_findings_followed_up():
    ed = edition("2019")
    answers = perfect(ed)
    rule = ed.percent_rules.set_index("question_id").loc["S25"]
    answers[rule.a[0]] = 3  # followed up
    answers[rule.b[0]] = 4  # findings
    assert total(answers, ed) == pytest.approx(100 - 5 * (1 - 3 / 4))


def levels_with(total_score: float) -> pd.DataFrame:
    """Level rows where every rule but the total passes comfortably (edition 2021, WBK)."""
    ed = edition("2021")
    rows = [("TOTAL", "Nilai", total_score), ("PENGUNGKIT", "Pengungkit", 50.0), ("HAS_BERSIH", "Bersih", 20.0),
            ("HAS_BERSIH_01", "IPAK", 16.0), ("HAS_BERSIH_02", "Capaian", 5.0), ("HAS_PELAYANAN", "IPKP", 16.0)]
    rows += [(a.node_id, a.name, a.weight) for a in ed.areas.itertuples() if a.node_id.startswith(("PEM", "REF"))]
    return pd.DataFrame(rows, columns=["node_id", "name", "score"])


def test_predicate_boundary_74_99_fails_and_75_passes():
    ed = edition("2021")
    failing = predicates.check(levels_with(74.99), ed)
    wbk = failing[failing["predicate"] == "WBK"]
    assert not wbk.set_index("rule_id").at["total", "passed"]
    assert wbk[wbk["rule_id"] != "total"]["passed"].all()
    assert predicates.predicate_of(failing) == "Belum memenuhi"
    assert predicates.failures(failing, "WBK") == [
        "Nilai 74,99 dari minimum 75,00: kurang 0,01"]
    passing = predicates.check(levels_with(75.00), ed)
    assert passing[passing["predicate"] == "WBK"]["passed"].all()
    assert predicates.predicate_of(passing) == "WBK"
    # 75 reached as a sum of floats that lands a hair below still passes
    assert predicates.predicate_of(predicates.check(levels_with(0.1 * 3 + 74.7 - 1e-12), ed)) == "WBK"


def test_a_failing_area_says_which_and_by_how_much():
    ed = edition("2021")
    lv = levels_with(90.0)
    lv.loc[lv["node_id"] == "REF_PW", "score"] = 4.2  # 60 % of 7.5 is 4.5
    rules = predicates.check(lv, ed)
    assert predicates.failures(rules, "WBK") == [
        "Penguatan Pengawasan (Reform) 4,20 dari minimum 4,50: kurang 0,30"]
    ref_pw = rules[(rules["predicate"] == "WBK") & (rules["target"] == "REF_PW")].iloc[0]
    assert ref_pw["margin"] == pytest.approx(4.2 - 4.5)


def test_all_best_with_equal_counts_loses_discipline_and_asset_reports():
    ed = edition("2021")
    # every count 5: no decline in violations, (5 - 5) / 5 = 0, loses the 2 points of REF_SDM_03;
    # LHKPN and LHKASN: 5 reported of 5 + 5 + 5 obliged = 1/3 of 1 point each
    assert total(all_best(ed), ed) == pytest.approx(100 - 2 - 2 * (1 - 5 / 15))
