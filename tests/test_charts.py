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
    assert fig.layout.yaxis.dtick == 1  # units are counted in whole numbers


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
    assert [t.name for t in fig.data] == ["WBBM", "WBK"]


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
    # the indicators' names on the axis, numbered in catalog order, so the map reads on paper too
    assert list(hm.y) == ["A", "B"] and list(hm.x) == ["1. Satu", "2. Dua"]
    assert hm.z.tolist() == [[100.0, 50.0], [20.0, 0.0]]
    assert fig.layout.xaxis.showticklabels is not False


def test_trend_says_totals_compare_only_within_an_edition():
    df = pd.DataFrame({"year": [2021, 2022], "total": [70.0, 75.0], "unit_name": ["A", "A"]})
    fig = charts.trend_lines(df, "total", "unit_name", "Tren", ["2019", "2021"])
    notes = [a.text for a in fig.layout.annotations]
    assert any("hanya sebanding dalam satu edisi" in n and "2019, 2021" in n for n in notes)


def test_trend_of_totals_draws_the_wbk_and_wbbm_lines_and_distinct_colours():
    df = pd.DataFrame({"year": [2024, 2025] * 3, "total": [70.0, 75.0, 80.0, 82.0, 60.0, 66.0],
                       "unit_name": ["A", "A", "B", "B", "C", "C"]})
    fig = charts.trend_lines(df, "total", "unit_name", "Tren")
    lines = {s.y0 for s in fig.layout.shapes}
    assert lines == {75, 85} and {"WBK 75", "WBBM 85"} <= {a.text for a in fig.layout.annotations}
    colours = [t.line.color for t in fig.data]
    assert len(set(colours)) == 3 and not set(colours) & {charts.COLORS["Belum memenuhi"], charts.COLORS["WBK"]}


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


@pytest.mark.parametrize("fn", [charts.totals_histogram, charts.survey_scatter])
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


def test_the_donut_shows_the_headline_counts_and_whose_answers():
    summary = {"wbbm": 2, "wbk": 10, "not_met": 24, "unscored": 3}
    fig = charts.predicate_donut(summary, "Unit")
    assert list(fig.data[0].labels) == ["WBBM", "WBK", "Belum memenuhi", "Belum dinilai"]
    assert list(fig.data[0].values) == [2, 10, 24, 3]
    assert "jawaban Unit" in fig.layout.title.text
    empty = charts.predicate_donut({"wbbm": 0, "wbk": 0, "not_met": 0, "unscored": 0})
    assert "Belum ada" in empty.layout.annotations[0].text


def test_gap_legend_says_in_words_whether_the_area_fails():
    gaps = pd.DataFrame({"indicator": ["Satu", "Dua"], "area": ["MP", "TL"], "score": [0.0, 1.0],
                         "weight": [2.0, 3.0], "gain": [2.0, 2.0], "area_gagal": [True, False]})
    fig = charts.gap_bars(gaps)
    assert [t.name for t in fig.data] == ["Areanya belum memenuhi syarat", "Areanya sudah memenuhi syarat"]


def test_long_names_are_shortened_on_the_axis_but_kept_whole_as_categories():
    long_a = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sejahtera Raya"
    long_b = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sejahtera Jaya"
    df = pd.DataFrame({"unit_name": [long_a, long_b], "instansi": ["X", "X"], "total": [80.0, 70.0],
                       "predicate": ["WBK", "Belum memenuhi"]})
    fig = charts.ranking_bars(df, "total", "Nilai total", compact=True)
    assert list(fig.layout.yaxis.tickvals) == [long_a, long_b]  # two categories, not one merged
    assert all(len(t) <= 22 and t.endswith("…") for t in fig.layout.yaxis.ticktext)
    assert [c[0] for t in fig.data for c in t.customdata] == [long_a, long_b]  # the click opens the whole name


def test_compared_units_never_take_a_predicates_colour(units):
    fig = charts.compare_units(units.iloc[:2], "bar")
    used = {t.marker.color for t in fig.data}
    assert not used & {charts.COLORS["Belum memenuhi"], charts.COLORS["WBK"], charts.COLORS["WBBM"]}


def test_legends_sit_above_the_plot_not_over_it():
    df = pd.DataFrame({"pengungkit": [40, 50, 60], "ipak": [3.0, 3.5, 4.0], "instansi": ["X", "Y", "Z"],
                       "unit_name": ["A", "B", "C"]})
    legend = charts.survey_scatter(df, "ipak").layout.legend
    assert legend.orientation == "h" and legend.y >= 1 and legend.yanchor == "bottom"


def test_every_heatmap_cell_carries_its_unit_for_a_click():
    ind = pd.DataFrame({"unit_name": ["A", "A", "B"], "indicator_id": ["i1", "i2", "i1"],
                        "indicator": ["Satu", "Dua", "Satu"], "score": [1, 0.5, 0.2], "share": [1.0, 0.5, 0.2]})
    points = charts.indicator_heatmap(ind).data[1]
    # B has no value for "Dua": no point there
    assert [c[0] for c in points.customdata] == ["A", "A", "B"] and list(points.x) == ["1. Satu", "2. Dua", "1. Satu"]


@pytest.mark.parametrize("label, expected", [
    ("Manajemen Perubahan (Pemenuhan)", "MP (Pemenuhan)"), ("Penguatan Pengawasan (Reform)", "PW (Reform)"),
    ("Manajemen Perubahan", "MP"), ("Birokrasi yang Bersih dan Akuntabel", "Birokrasi yang Bersih…"),
])
def test_a_phone_names_areas_by_their_short_key_keeping_the_half(label, expected):
    assert charts.area_short(label) == expected


def test_on_a_phone_the_profile_names_areas_by_key_even_when_the_catalog_names_them_longer():
    areas = pd.DataFrame({"area": ["Penataan Sistem Manajemen SDM Aparatur (Pemenuhan)",
                                   "Birokrasi yang Bersih dan Akuntabel"], "area_key": ["SDM", "BERSIH"],
                          "weight": [5.0, 22.5], "unit": [4.0, 20.0]})
    fig = charts.profile_area_bars(areas, compact=True)
    assert list(fig.layout.yaxis.ticktext) == ["SDM (Pemenuhan)", "Birokrasi bersih"]
