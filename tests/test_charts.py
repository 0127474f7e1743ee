"""Figure functions on small frames: the right traces, labels in Bahasa Indonesia, a message when empty."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from zi_data import charts
from zi_data.queries import AREA_KEYS


@pytest.fixture
def units():
    return pd.DataFrame({
        "unit_name": ["A", "B", "C"], "instansi": ["X", "X", "Y"], "total": [90.0, 80.0, None],
        "pengungkit": [55.0, 45.0, None], "predicate": ["WBBM", "WBK", None],
        **{k: [0.9, 0.7, None] for k in AREA_KEYS},
    })


def test_histogram_counts_only_scored_units_and_marks_thresholds(units):
    fig = charts.totals_histogram(units)
    assert isinstance(fig, go.Figure)
    assert list(fig.data[0].x) == [90.0, 80.0]
    assert {a.text for a in fig.layout.annotations} == {"WBK 75", "WBBM 85"}
    assert fig.layout.xaxis.title.text == "Nilai total"


def test_area_shares_are_percent_of_weight():
    shares = pd.DataFrame({"area_key": ["MP", "TL"], "area": ["Manajemen Perubahan", "Penataan Tatalaksana"],
                           "share": [0.5, 0.75], "units": [2, 2]})
    fig = charts.area_share_bars(shares)
    assert list(fig.data[0].x) == [50.0, 75.0]
    assert list(fig.data[0].text) == ["50,0%", "75,0%"]


def test_ranking_keeps_the_order_of_the_metric_across_colours(units):
    fig = charts.ranking_bars(units, "total", "Nilai total")
    # horizontal bars are drawn bottom-up: the array ends with the unit shown on top
    assert list(fig.layout.yaxis.categoryarray)[::-1] == ["A", "B"]


@pytest.mark.parametrize("kind, trace", [("bar", go.Bar), ("radar", go.Scatterpolar)])
def test_comparison_has_one_trace_per_unit(units, kind, trace):
    fig = charts.compare_units(units.iloc[:2], kind)
    assert len(fig.data) == 2 and all(isinstance(t, trace) for t in fig.data)


def test_heatmap_is_units_by_indicators_in_percent():
    ind = pd.DataFrame({"unit_name": ["A", "A", "B", "B"], "indicator_id": ["i1", "i2", "i1", "i2"],
                        "indicator": ["Satu", "Dua", "Satu", "Dua"], "score": [1, 0.5, 0.2, 0.0],
                        "share": [1.0, 0.5, 0.2, 0.0]})
    fig = charts.indicator_heatmap(ind)
    hm = fig.data[0]
    assert list(hm.y) == ["A", "B"] and list(hm.x) == ["Satu", "Dua"]
    assert hm.z.tolist() == [[100.0, 50.0], [20.0, 0.0]]


def test_trend_says_totals_compare_only_within_an_edition():
    df = pd.DataFrame({"year": [2021, 2022], "total": [70.0, 75.0], "unit_name": ["A", "A"]})
    fig = charts.trend_lines(df, "total", "unit_name", "Tren", ["2019", "2021"])
    note = fig.layout.annotations[0].text
    assert "hanya sebanding dalam satu edisi" in note and "2019, 2021" in note


def test_profile_bars_show_unit_and_tpi():
    areas = pd.DataFrame({"area": ["MP", "TL"], "weight": [4.0, 2.0], "unit": [4.0, 1.0], "tpi": [2.0, 1.0]})
    fig = charts.profile_area_bars(areas)
    assert [t.name for t in fig.data] == ["Unit", "TPI"]
    assert list(fig.data[1].x) == [50.0, 50.0]


def test_survey_scatter_reports_the_correlation():
    df = pd.DataFrame({"pengungkit": [40, 50, 60], "ipak": [3.0, 3.5, 4.0], "instansi": ["X"] * 3,
                       "unit_name": ["A", "B", "C"]})
    fig = charts.survey_scatter(df, "ipak")
    assert "korelasi r = 1,00" in fig.layout.annotations[0].text


@pytest.mark.parametrize("fn", [charts.totals_histogram, charts.predicate_donut, charts.survey_scatter])
def test_empty_frames_give_a_message_not_an_error(fn):
    df = pd.DataFrame({"total": [], "predicate": [], "ipak": [], "pengungkit": []})
    fig = fn(df)
    assert "Belum ada" in fig.layout.annotations[0].text


def test_stage_funnel_shows_each_step_with_its_count():
    steps = pd.DataFrame({"stage": ["semua", "lke_masuk"], "label": ["Unit dalam siklus", "LKE masuk"],
                          "units": [10, 7]})
    fig = charts.stage_funnel(steps)
    assert isinstance(fig.data[0], go.Funnel)
    assert list(fig.data[0].y) == ["Unit dalam siklus", "LKE masuk"] and list(fig.data[0].x) == [10, 7]
    assert "Belum ada unit" in charts.stage_funnel(steps.assign(units=0)).layout.annotations[0].text


def test_tpi_tpn_scatter_draws_the_diagonal_over_both_axes():
    units = pd.DataFrame({"unit_name": ["A", "B"], "instansi": ["X", "Y"], "tpi_total": [90.0, 80.0],
                          "tpn_total": [85.0, 82.0]})
    fig = charts.tpi_tpn_scatter(units)
    diagonal = fig.data[-1]
    assert diagonal.name == "TPI = TPN" and list(diagonal.x) == list(diagonal.y) == [78.0, 92.0]
    assert fig.layout.yaxis.title.text == "Nilai TPI"


def test_calibration_bars_put_the_area_marked_down_most_on_top():
    areas = pd.DataFrame({"area_key": ["PW", "MP"], "area": ["Penguatan Pengawasan", "Manajemen Perubahan"],
                          "units": [1, 2], "selisih_mean": [3.0, 1.0], "selisih_share": [0.2, 0.125]})
    fig = charts.calibration_area_bars(areas)
    assert list(fig.data[0].y) == ["Penguatan Pengawasan", "Manajemen Perubahan"]
    assert list(fig.data[0].text) == ["3,00", "1,00"] and fig.layout.yaxis.autorange == "reversed"
