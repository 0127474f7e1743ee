"""Text from files is shown as written: the Markdown escaper of ui/text.py and the Plotly texts of zi_data/charts.py.

How a browser draws them is proven in tests/test_browser_text.py; here, what they hand to Streamlit and Plotly.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.text import JOINER, md
from zi_data import charts

# What a workbook, a TPN "Catatan" or a roster can hold that Markdown, Streamlit or Plotly would act on.
HOSTILE = [
    "![x](http://evil.example/p.png)",
    "[klik](https://evil.example/)",
    '<a href="https://evil.example/">tautan</a>',
    '<img src="http://evil.example/i.png">',
    "$x^2$ dan $$y$$",
    ":red[merah] :blue-background[biru] :smile: :material/home: :streamlit:",
    "**tebal** _miring_ ~~coret~~ ~satu~ `kode`",
    "https://evil.example/a www.evil.example a@evil.example <https://evil.example/x>",
    "&amp; &lt;b&gt; &#65; C:\\data\\x \\* \\",
    "# judul", "- daftar", "1. nomor", "> kutip", "| a | b |", "===", "---",
    "a -- b -> c <- d <-> e >= 1 <= 2 ~= 3",
    "%{x} %{customdata[0]} ^[catatan] [^1] {x}",
    "Dinas Kesehatan (Pemerintah Kota Harapan Jaya)",
]
PUNCTUATION = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation shows it alone


def as_read(markdown: str) -> str:
    """What a reader sees of md()'s output: each backslash escape shows its character, the joiners nothing, and
    a line ending in two spaces is a line break."""
    return PUNCTUATION.sub(r"\1", markdown.replace(JOINER, "")).replace("  \n", "\n")


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escaping_shows_every_character_as_written(text):
    escaped = md(text)
    assert as_read(escaped) == text
    # nothing Markdown or Streamlit acts on is left unescaped: every such character follows a backslash
    bare = re.sub(r"\\.", "", escaped)
    assert not re.search(r"[\\`*_{}\[\]()#+\-.!|<>~$:&@^=/]", bare), bare


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Cf", "Zl", "Zp"]) | st.sampled_from("\n")))
def test_any_text_reads_the_same_once_escaped(text):
    """Line by line, without the spaces at the ends of a line (Markdown drops them, as HTML does)."""
    lines = text.splitlines() or [""]
    assert as_read(md(text)) == "\n".join(line.strip() for line in lines)


@pytest.mark.parametrize("text", ["a -- b", "x -> y", "x <- y", "x <-> y", "n >= 3", "n <= 3", "n ~= 3",
                                  "logo :streamlit: di sini", "a --- b ---> c", "lihat https://evil.example/a",
                                  "HTTP://EVIL.EXAMPLE", "www.evil.example", "WWW.evil.example", "tim@evil.example"])
def test_what_streamlit_rewrites_after_parsing_stays_as_written(text):
    """Streamlit turns addresses into live links, " -- " into a dash, " -> " into an arrow, " >= " into "≥",
    ":streamlit:" into its logo, in the text it has parsed; the joiners keep those characters apart."""
    parsed = PUNCTUATION.sub(r"\1", md(text))  # the text nodes Streamlit's rewrites run on
    rewrites = [r"(^|\s)<->(\s|$)", r"(^|\s)->(\s|$)", r"(^|\s)<-(\s|$)", r"(^|\s)--(\s|$)", r"(^|\s)>=(\s|$)",
                r"(^|\s)<=(\s|$)", r"(^|\s)~=(\s|$)", r":streamlit:",
                r"(?i)(https?://|www(?=\.))", r"[-.\w+]+@[-\w]+(\.[-\w]+)+"]  # GitHub's autolinks
    assert not [r for r in rewrites if re.search(r, parsed)]
    assert parsed.replace(JOINER, "") == text


def test_the_escaped_text_loads_no_emoji_icons_or_latex():
    """Streamlit loads its emoji plugin, its icons and KaTeX when the source (before parsing) has an emoji
    shortcode, ":material/" or a $...$ pair: none of them survive the escaping."""
    source = md(":smile: :material/home: $x$ $$y$$ :+1:")
    assert not re.search(r":(?!material\/|streamlit:)[\w+-][\w_+-]*:", source)  # Streamlit's own test (hm)
    assert ":material/" not in source
    assert not re.search(r"(?<!\\)\$", source)


def test_a_multi_line_note_keeps_its_lines_and_no_line_becomes_code_or_a_list():
    assert md("satu\n- dua\n    tiga") == "satu  \n\\- dua  \ntiga"


# --- Plotly ------------------------------------------------------------------------------------------------------

def test_plotly_text_is_given_as_entities_plotly_shows_as_the_characters():
    assert charts.plain('<a href="https://evil.example/">x</a> & $y$') == \
        '&lt;a href="https://evil.example/"&gt;x&lt;/a&gt; &amp; &#36;y&#36;'
    assert charts.plain(None) == "" and charts.plain(float("nan")) == "" and charts.plain("Dinas PU") == "Dinas PU"


def texts(figure: dict, path: str = ""):
    """Every string of a figure (as sent to the browser) with where it sits."""
    if isinstance(figure, dict):
        for key, value in figure.items():
            yield from texts(value, f"{path}.{key}")
    elif isinstance(figure, list | tuple):
        for value in figure:
            yield from texts(value, path)
    elif isinstance(figure, str):
        yield path, figure


UNIT = '<a href="https://evil.example/">Dinas</a> $x$ & Co'
INSTANSI = "<b>Pemkot</b> <img src=x>"
SHOWN_UNIT = '&lt;a href="https://evil.example/"&gt;Dinas&lt;/a&gt; &#36;x&#36; &amp; Co'


def no_markup_but_ours(fig) -> list[str]:
    """The strings of a figure Plotly would act on: outside the hover templates (ours, with their <br> and <b>),
    a tag, an entity other than plain()'s or a dollar; a template holding a name (a name is data, never template)."""
    found = []
    for path, value in texts(json.loads(fig.to_json())):
        if path.endswith("template"):
            if "Dinas" in value or "Pemkot" in value:
                found.append(f"{path}: {value}")
        elif re.search(r"[<>$]|&(?!amp;|lt;|gt;|#36;)", value):
            found.append(f"{path}: {value}")
    return found


def hostile_units() -> pd.DataFrame:
    return pd.DataFrame({
        "unit_id": ["k1", "k2", "k3"], "unit_name": [UNIT, "Dinas B", "Dinas C"],
        "unit_label": [UNIT, "Dinas B", "Dinas C"], "instansi": [INSTANSI, INSTANSI, "Kota"],
        "total": [80.0, 70.0, 60.0], "pengungkit": [50.0, 45.0, 40.0], "hasil": [30.0, 25.0, 20.0],
        "ipak": [3.5, 3.0, 3.8], "ipkp": [3.4, 3.1, 3.2], "predicate": ["WBK", "Belum memenuhi", None],
        **{k: [0.8, 0.7, 0.6] for k in charts.AREA_KEYS}})


def test_every_unit_chart_holds_unit_and_instansi_names_only_as_plain_text():
    units = hostile_units()
    ind = pd.DataFrame({"unit_id": ["k1", "k1", "k2"], "unit_label": [UNIT, UNIT, "Dinas B"],
                        "indicator_id": ["i1", "i2", "i1"], "indicator": ["Satu", "Dua", "Satu"],
                        "area": ["MP", "MP", "MP"], "score": [1.0, 0.5, 0.2], "share": [1.0, 0.5, 0.2]})
    trend = pd.DataFrame({"unit_label": [UNIT, UNIT], "year": [2025, 2026], "total": [70.0, 80.0]})
    calib = pd.DataFrame({"unit_name": [UNIT], "instansi": [INSTANSI], "tpi_total": [80.0], "tpn_total": [75.0]})
    figures = {
        "ranking": charts.ranking_bars(units, "total", "Nilai total"),
        "compare bar": charts.compare_units(units.iloc[:2], "bar"),
        "compare radar": charts.compare_units(units.iloc[:2], "radar"),
        "heatmap": charts.indicator_heatmap(ind),
        "trend": charts.trend_lines(trend, "total", "unit_label", "Nilai total per tahun"),
        "survey": charts.survey_scatter(units, "ipak"),
        "tpi tpn": charts.tpi_tpn_scatter(calib),
    }
    for name, fig in figures.items():
        assert no_markup_but_ours(fig) == [], name
        strings = [v for _, v in texts(json.loads(fig.to_json()))]
        assert any(SHOWN_UNIT in v for v in strings), f"{name}: the unit's whole name is not in the figure"
        assert not any(UNIT in v for v in strings), f"{name}: the name as raw HTML"


def test_a_click_on_a_unit_carries_its_key_and_the_hover_its_plain_name():
    units = hostile_units()
    bars = charts.ranking_bars(units, "total", "Nilai total")
    assert sorted(c[0] for t in bars.data for c in t.customdata) == ["k1", "k2", "k3"]
    first = next(c for t in bars.data for c in t.customdata if c[0] == "k1")
    assert list(first[1:]) == [SHOWN_UNIT, "&lt;b&gt;Pemkot&lt;/b&gt; &lt;img src=x&gt;"]
    assert [c[0] for t in charts.survey_scatter(units, "ipak").data for c in t.customdata] == ["k1", "k2", "k3"]
    ind = pd.DataFrame({"unit_id": ["k1", "k2"], "unit_label": [UNIT, "Dinas B"], "indicator_id": ["i1", "i1"],
                        "indicator": ["Satu", "Satu"], "score": [1.0, 0.2], "share": [1.0, 0.2]})
    points = charts.indicator_heatmap(ind).data[1]
    assert [c[0] for c in points.customdata] == ["k1", "k2"] and list(points.y) == [SHOWN_UNIT, "Dinas B"]
