"""The dashboard's queries on a database whose numbers are worked out by hand here."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import edition, filled_workbook, perfect
from zi_data import queries
from zi_data.ingest import ingest_paths


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    ed = edition("2021")
    root = tmp_path_factory.mktemp("q")
    unit_a = perfect(ed)
    tpi_a = dict(unit_a, M002="B")  # TPI: Tim Kerja (0.5) = (1 + 0.5) / 2 x 0.5 = 0.375, loses 0.125
    filled_workbook(root / "in" / "2026_A.xlsx", unit=unit_a, tpi=tpi_a, unit_name="Unit A", instansi="Inst 1",
                    year=2026)
    filled_workbook(root / "in" / "2026_B.xlsx", unit={"M001": "Ya"}, unit_name="Unit B", instansi="Inst 2",
                    year=2026)
    last_year = dict(unit_a, M125=2.0)  # IPAK 2.0 -> 8.75 instead of 17.5: total 91.25
    filled_workbook(root / "in" / "2025_A.xlsx", unit=last_year, tpi=last_year, unit_name="Unit A",
                    instansi="Inst 1", year=2025)
    # Unit C moves from the 2019 edition (until 2021) to the 2021 edition (from 2022): totals not comparable
    filled_workbook(root / "in" / "2021_C.xlsx", "2019", unit=perfect(edition("2019")), unit_name="Unit C",
                    instansi="Inst 1", year=2021)
    filled_workbook(root / "in" / "2022_C.xlsx", unit={"M001": "Ya"}, unit_name="Unit C", instansi="Inst 1",
                    year=2022)
    path = root / "q.duckdb"
    ingest_paths([root / "in"], path, actor_role="evaluator")
    return path


def test_unit_scores_for_the_unit_answers(con):
    df = queries.unit_scores(con, 2026, "unit").set_index("unit_name")
    assert df.at["Unit A", "total"] == pytest.approx(100)
    assert df.at["Unit B", "total"] == pytest.approx(0.5)
    # Unit B: MP = PEM_MP 0.5 + REF_MP 0 over the area's weights 4 + 4
    assert df.at["Unit B", "MP"] == pytest.approx(0.5 / 8)
    assert df.at["Unit A", "predicate"] == "WBBM" and df.at["Unit B", "predicate"] == "Belum memenuhi"
    assert df.at["Unit B", "completeness"] == pytest.approx(1 / 113)


def test_a_unit_without_tpi_answers_keeps_its_row_without_scores(con):
    df = queries.unit_scores(con, 2026, "tpi").set_index("unit_name")
    assert df.at["Unit A", "total"] == pytest.approx(100 - 0.125)
    assert df.loc["Unit B"].isna()["total"]


def test_filters_by_instansi_and_year(con):
    assert queries.unit_scores(con, 2026, "unit", ["Inst 2"])["unit_name"].tolist() == ["Unit B"]
    assert queries.unit_scores(con, 2025, "unit")["unit_name"].tolist() == ["Unit A"]
    assert queries.unit_scores(con, 2026, "unit", edition="2019").empty


def test_change_against_last_year(con):
    df = queries.with_change(con, queries.unit_scores(con, 2026, "unit"), 2026, "unit").set_index("unit_name")
    assert df.at["Unit A", "total_prev"] == pytest.approx(100 - 17.5 + 2.0 / 4 * 17.5)
    assert df.at["Unit A", "change"] == pytest.approx(17.5 - 8.75)
    assert df.loc["Unit B"].isna()["change"]
    s = queries.summary(df.reset_index())
    # Unit B answered 1 of 127 questions: scored by the rules (0,5) but marked "perlu diperiksa", so it is counted
    # as a unit and left out of the mean and the predicate groups
    assert df.at["Unit B", "needs_review"].startswith("tingkat Unit: hanya 1 dari 127 pertanyaan dijawab")
    assert s["units"] == 2 and s["mean_total"] == pytest.approx(100) and s["wbbm"] == 1


def test_no_change_is_given_across_lke_editions(con):
    df = queries.with_change(con, queries.unit_scores(con, 2022, "unit"), 2022, "unit").set_index("unit_name")
    assert df.at["Unit C", "total_prev"] == pytest.approx(100) and df.at["Unit C", "edition_prev"] == "2019"
    assert df.isna().at["Unit C", "change"]


def test_the_weakest_indicators_and_the_points_to_gain(con):
    ind = queries.indicator_scores(con, 2026, "tpi")
    weak = queries.weakest_indicators(ind, top=1)
    assert weak.iloc[0]["indicator_id"] == "PEM_MP_01"  # the only indicator below full, at 0.375 / 0.5
    assert weak.iloc[0]["mean_share"] == pytest.approx(0.75)
    assert weak.iloc[0]["total_gain"] == pytest.approx(0.125)


def test_unit_gaps_are_ordered_by_points_and_say_which_rules_they_help(con):
    sid = queries.unit_scores(con, 2026, "unit").set_index("unit_name").at["Unit B", "submission_id"]
    gaps = queries.unit_gaps(con, sid, "unit")
    assert gaps.iloc[0]["gain"] == pytest.approx(17.5) and gaps.iloc[0]["gain"] >= gaps.iloc[-1]["gain"]
    assert "WBK" in gaps.iloc[0]["membantu"]
    rules = queries.rule_results(con, sid, "unit")
    total = rules[(rules["predicate"] == "WBK") & (rules["rule_id"] == "total")].iloc[0]
    assert not total["passed"] and total["margin"] == pytest.approx(0.5 - 75)


def test_profile_shows_both_answers_and_the_overclaim(con):
    sid = queries.unit_scores(con, 2026, "unit").set_index("unit_name").at["Unit A", "submission_id"]
    q = queries.profile_questions(con, sid).set_index("question_id")
    assert (q.at["M002", "answer_unit"], q.at["M002", "answer_tpi"]) == ("A", "B")
    # M002 is one of the 2 questions of Tim Kerja (0.5): worth 0.25 points, the TPI grants half
    assert q.at["M002", "overclaim"] == pytest.approx((1 - 0.5) * 0.5 / 2)
    assert q["is_overclaim"].sum() == 1 and q["overclaim"].sum() == pytest.approx(0.125)
    areas = queries.profile_areas(con, sid).set_index("area_id")
    assert areas.at["PEM_MP", "unit"] == pytest.approx(4) and areas.at["PEM_MP", "tpi"] == pytest.approx(3.875)


def test_survey_values_beside_scores(con):
    df = queries.unit_scores(con, 2026, "unit")
    s = queries.survey_vs_scores(df, con, "unit").set_index("unit_name")
    assert s.at["Unit A", "ipak"] == pytest.approx(4) and s.at["Unit A", "ipkp"] == pytest.approx(4)


def test_trend_per_unit_and_per_instansi(con):
    t = queries.trend(con, "unit", "unit")
    totals = t.drop_duplicates(["unit_name", "year"]).set_index(["unit_name", "year"])["total"]
    assert totals[("Unit A", 2025)] == pytest.approx(91.25) and totals[("Unit A", 2026)] == pytest.approx(100)
    # in the same order on every run (the chart's line colours follow it): by unit, year, area
    keys = list(zip(t["unit_name"], t["year"], t["area_key"], strict=True))
    assert keys == sorted(keys)
    by_inst = queries.trend(con, "unit", "instansi")
    # Inst 2's only unit (B, 1 answer of 127) is marked "perlu diperiksa": not averaged with complete files
    assert set(by_inst["instansi"]) == {"Inst 1"}


def test_data_tables(con):
    assert len(queries.submissions(con)) == 5
    assert queries.rejects(con).empty
    assert list(queries.history(con)["event"]).count("loaded") == 5


def test_every_query_takes_parameters_not_formatted_text(con):
    # a hostile instansi name is data, not SQL
    assert queries.unit_scores(con, 2026, "unit", ["x'); drop table scores; --"]).empty
    assert len(queries.unit_scores(con, 2026, "unit")) == 2


def movers_frame() -> pd.DataFrame:
    """Seven units of one instansi, changes worked out by hand: 70 -> 78.36 is +8.36, 80 -> 79.06 is -0.94."""
    rows = [  # unit, last year, this year, partial file
        ("Naik Banyak", 70.00, 78.36, None),
        ("Naik Sedikit", 60.00, 60.50, None),
        ("Turun Sedikit", 80.00, 79.06, None),
        ("Turun Banyak", 90.00, 85.00, None),
        ("Tetap", 75.00, 75.00, None),
        ("Baru Tahun Ini", None, 72.00, None),
        ("Sebagian", 50.00, 95.00, "hanya 100 dari 127 pertanyaan"),
    ]
    df = pd.DataFrame(rows, columns=["unit_name", "total_prev", "total", "needs_review"])
    # with_change leaves the change of a partial file empty; this frame says what it would be, to show
    # that movers() sets it apart on its own
    return df.assign(change=df["total"] - df["total_prev"])


def test_movers_list_only_rises_under_naik_and_only_falls_under_turun():
    rises, falls = queries.movers(movers_frame())
    assert rises["unit_name"].tolist() == ["Naik Banyak", "Naik Sedikit"]
    assert rises["change"].tolist() == [pytest.approx(8.36), pytest.approx(0.50)]
    assert falls["unit_name"].tolist() == ["Turun Banyak", "Turun Sedikit"]
    assert falls["change"].tolist() == [pytest.approx(-5.00), pytest.approx(-0.94)]


def test_movers_leave_out_unchanged_unknown_and_partial_units():
    rises, falls = queries.movers(movers_frame())
    listed = set(rises["unit_name"]) | set(falls["unit_name"])
    assert not listed & {"Tetap", "Baru Tahun Ini", "Sebagian"}


def test_movers_are_empty_when_every_unit_rose():
    df = movers_frame()
    rises, falls = queries.movers(df[df["unit_name"].str.startswith("Naik")])
    assert len(rises) == 2 and falls.empty


def test_movers_keep_the_top_n_of_each_side():
    rises, falls = queries.movers(movers_frame(), top=1)
    assert rises["unit_name"].tolist() == ["Naik Banyak"] and falls["unit_name"].tolist() == ["Turun Banyak"]


def test_summary_counts_each_unit_under_its_highest_predicate_only():
    df = pd.DataFrame({"unit_name": list("ABCDEF"), "total": [90.0, 88.0, 80.0, 60.0, None, 95.0],
                       "predicate": ["WBBM", "WBBM", "WBK", "Belum memenuhi", None, "WBBM"],
                       "needs_review": [None, None, None, None, None, "sebagian"],
                       "change": [1.0, None, -2.0, None, None, 9.0]})
    s = queries.summary(df)
    # F is partial: counted as a unit, in no group and not in the mean; E has no score at this level
    assert (s["units"], s["wbbm"], s["wbk"], s["not_met"], s["unscored"], s["review"]) == (6, 2, 1, 1, 1, 1)
    assert s["mean_total"] == pytest.approx((90 + 88 + 80 + 60) / 4)
    assert s["mean_change"] == pytest.approx((1.0 - 2.0) / 2) and s["compared"] == 2


def test_a_unit_name_used_twice_is_told_apart_by_its_instansi():
    df = pd.DataFrame({"unit_id": ["a", "b", "c"], "unit_name": ["Dinas Kesehatan", "Dinas Kesehatan", "RSUD"],
                       "instansi": ["Kota A", "Kab B", "Kota A"]})
    assert queries.unit_labels(df).tolist() == ["Dinas Kesehatan (Kota A)", "Dinas Kesehatan (Kab B)", "RSUD"]
