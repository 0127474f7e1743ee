"""Figure functions on small frames: the right traces, labels in Bahasa Indonesia, a message when empty."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from zi_data import charts
from zi_data.queries import AREA_KEYS

DATA = Path(__file__).resolve().parents[1] / "data"


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
    assert list(fig.data[1].text) == ["50,00%", "75,00%"]


def test_area_values_and_threshold_labels_stay_off_the_wbk_and_wbbm_lines():
    # a bar ending on the WBBM line (75 %) and one just before the WBK line (58 %)
    shares = pd.DataFrame({"area_key": ["MP", "TL"], "area": ["Manajemen Perubahan", "Penataan Tatalaksana"],
                           "share": [0.75, 0.58], "units": [2, 2]})
    for compact in (False, True):
        fig = charts.area_share_bars(shares, compact=compact)
        assert fig.data[0].text is None  # nothing written on the bars, where the lines cross them
        values = fig.data[1]
        assert values.mode == "text" and set(values.x) == {101} and values.textposition == "middle right"
        lines = sorted(s.x0 for s in fig.layout.shapes)
        assert lines == [60.0, 75.0] and max(fig.layout.xaxis.range) > 101
        labels = {a.text: a for a in fig.layout.annotations}
        wbk, wbbm = labels["WBK 60%"], labels["WBBM 75%"]
        # above the plot, each on the far side of its line: the two never meet, nor touch a bar
        assert (wbk.yref, wbk.y, wbk.yanchor, wbk.xanchor) == ("paper", 1, "bottom", "right")
        assert (wbbm.yref, wbbm.y, wbbm.yanchor, wbbm.xanchor) == ("paper", 1, "bottom", "left")


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
    ind = pd.DataFrame({"unit_name": ["A", "A", "B", "B"], "indicator_id": ["PEM_MP_01", "REF_MP_02"] * 2,
                        "indicator": ["Satu", "Dua", "Satu", "Dua"], "score": [1, 0.5, 0.2, 0.0],
                        "share": [1.0, 0.5, 0.2, 0.0]})
    fig = charts.indicator_heatmap(ind)
    hm = fig.data[0]
    # the indicators by their short codes, in catalog order
    assert list(hm.y) == ["A", "B"] and list(hm.x) == ["MP-P1", "MP-R2"]
    assert hm.z.tolist() == [[100.0, 50.0], [20.0, 0.0]]
    assert fig.layout.xaxis.showticklabels is not False


@pytest.mark.parametrize("indicator_id, code", [
    ("PEM_MP_01", "MP-P1"), ("REF_SDM_03", "SDM-R3"), ("PEM_PP_05", "PP-P5"), ("HAS_BERSIH_02", "HB2"),
    ("HAS_PELAYANAN_01", "HP1"), ("MP_01", "MP1"), ("HAS_BERSIH_01", "HB1"), ("lain", "lain"),
])
def test_an_indicator_is_coded_by_its_area_its_half_and_its_number(indicator_id, code):
    assert charts.indicator_code(indicator_id) == code


def test_the_heatmap_labels_every_indicator_of_the_catalog_and_its_legend_names_them():
    rows = pd.read_csv(DATA / "indicators.csv")
    rows = rows[rows["edition"].astype(str) == "2021"]
    ind = pd.DataFrame({"unit_name": "A", "indicator_id": rows["indicator_id"], "indicator": rows["name"],
                        "area": rows["area_id"], "area_key": rows["area_id"], "score": 1.0, "share": 0.5})
    fig = charts.indicator_heatmap(ind)
    codes = list(fig.layout.xaxis.ticktext)
    # one tick per indicator, each given (none left out where they crowd), and no two alike
    assert len(codes) == len(rows) == len(set(codes)) and list(fig.layout.xaxis.tickvals) == codes
    assert fig.layout.xaxis.tickmode == "array"
    legend = {code: name for _, _, items in charts.indicator_legend(ind) for code, name in items}
    assert legend == dict(zip(codes, rows["name"], strict=True))


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
    assert [c[0] for c in points.customdata] == ["A", "A", "B"] and list(points.x) == ["i1", "i2", "i1"]


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


def test_radar_units_stay_apart_by_line_marker_and_colour(units):
    three = pd.concat([units.iloc[:2], units.iloc[:1].assign(unit_name="D")], ignore_index=True)
    fig = charts.compare_units(three, "radar")
    # each unit its own colour, dash and marker shape; fills faint enough to see the others through them
    assert len({t.line.color for t in fig.data}) == len({t.line.dash for t in fig.data}) == 3
    assert len({t.marker.symbol for t in fig.data}) == 3 and all("lines" in t.mode for t in fig.data)
    assert all(t.fillcolor.startswith("rgba(") and float(t.fillcolor.rstrip(")").split(",")[-1]) <= 0.15
               for t in fig.data)
    assert all((t.opacity or 1) == 1 for t in fig.data)


def test_on_a_phone_the_radar_names_areas_by_key_so_its_labels_stay_inside():
    df = pd.DataFrame({"unit_name": ["A", "B"], **{k: [0.9, 0.7] for k in AREA_KEYS}})
    fig = charts.compare_units(df, "radar", compact=True)
    assert list(fig.data[0].theta) == [*AREA_KEYS, AREA_KEYS[0]]


def test_tpi_tpn_points_take_a_distinct_colour_and_shape_per_instansi():
    units = pd.DataFrame({"unit_name": list("ABCDEF"), "instansi": ["I1", "I2", "I3", "I4", "I5", "I6"],
                          "tpi_total": [80.0, 82, 70, 90, 60, 75], "tpn_total": [78.0, 80, 72, 85, 61, 70]})
    fig = charts.tpi_tpn_scatter(units)
    points = [t for t in fig.data if t.mode == "markers"]
    colours = [t.marker.color for t in points]
    assert len(points) == 6 and len(set(colours)) == 6 and len({t.marker.symbol for t in points}) >= 5
    predicates = {charts.COLORS[p] for p in ("WBBM", "WBK", "Belum memenuhi")}
    assert not set(colours) & predicates
    assert fig.layout.xaxis.title.text.startswith("Nilai TPN (")  # the diagonal explained on a wide screen
    compact = charts.tpi_tpn_scatter(units, compact=True)
    assert compact.layout.xaxis.title.text == "Nilai TPN"  # whole on a phone; the page's caption explains


def test_on_a_phone_the_calibration_bars_name_areas_by_key():
    areas = pd.DataFrame({"area_key": ["SDM", "BERSIH"], "area": ["Penataan Sistem Manajemen SDM Aparatur",
                                                                  "Birokrasi yang Bersih dan Akuntabel"],
                          "units": [2, 2], "selisih_mean": [3.0, 1.0], "selisih_share": [0.2, 0.05]})
    assert list(charts.calibration_area_bars(areas, compact=True).layout.yaxis.ticktext) == ["SDM", "Birokrasi bersih"]
    wide = charts.calibration_area_bars(areas)
    assert list(wide.layout.yaxis.ticktext) == list(areas["area"])  # whole names on a wide screen
