"""Plotly figures built from query frames; plain functions, no Streamlit. Labels are in Bahasa Indonesia.

Every figure takes `compact` (a phone: shorter labels, smaller type, legends kept off the bars). Numbers in
labels and hover texts use the decimal comma (layout separators ",."); long names are shortened on the axis
and given whole on hover. Figures a person can click to open a unit carry its unit_id first in `customdata`.
Every text that comes from a file (unit and instansi names) goes into a figure through plain(): Plotly reads
HTML tags, entities and LaTeX in the texts it draws.
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

from .predicates import fmt
from .queries import AREA_KEYS, AREA_NAMES
from .readers.base import level_name, level_order

COLORS = {"unit": "#F2A541", "tpi": "#1F4E79", "WBBM": "#1B7F3B", "WBK": "#4CAF50", "Belum memenuhi": "#C0392B",
          "Belum dinilai": "#B0B7C3"}
# One colour per assessment level: the unit orange, TPI levels in blues (the last, deciding one darkest), TPN green.
LEVEL_COLORS = {"unit": "#F2A541", "tpi_1": "#6FA8DC", "tpi_2": "#3D85C6", "tpi": "#1F4E79", "tpn": "#38761D"}
# Units and instansi side by side: distinct hues, none of them the red or green that mean a predicate.
SERIES = ["#1F77B4", "#FF7F0E", "#9467BD", "#8C564B", "#17BECF", "#E377C2", "#7F7F7F", "#BCBD22", "#393B79",
          "#6B6ECF"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x"]
PREDICATES = ["WBBM", "WBK", "Belum memenuhi"]
FONT = dict(family="Inter, Segoe UI, Arial, sans-serif", size=13)
WBK_TOTAL, WBBM_TOTAL = 75, 85  # the totals' thresholds drawn as lines (data/thresholds.csv holds the rules)


_PLAIN = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "$": "&#36;"})


def plain(text) -> str:
    """Text shown by Plotly exactly as written. Plotly draws a subset of HTML in titles, tick labels, legends,
    hover texts and annotations (<a href> a live link, <b>, <br>, <span style>), decodes entities (&amp;) and
    would hand $...$ to MathJax: the characters that start them are given as entities, which Plotly shows as
    the characters themselves."""
    return "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text).translate(_PLAIN)


def _faint(color: str, alpha: float = 0.08) -> str:
    """A hex colour as a faint rgba fill."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def short(text, limit: int) -> str:
    """A name cut to `limit` characters with an ellipsis (the whole name is in the hover text)."""
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def label_limit(compact: bool) -> int:
    return 22 if compact else 52


def _short_ticks(fig: go.Figure, axis: str, names, limit: int, shorten=None) -> None:
    """Whole names stay the categories (two names cut alike would merge); only the tick text is shortened. The
    figure's categories are the names through plain(), and so are the ticks (cut before, never inside an entity)."""
    names = list(dict.fromkeys(names))
    shorten = shorten or (lambda n: short(n, limit))
    getattr(fig, f"update_{axis}axes")(tickmode="array", tickvals=[plain(n) for n in names],
                                       ticktext=[plain(shorten(n)) for n in names])


AREA_KEY_OF = {name: key for key, name in AREA_NAMES.items()}
HASIL_SHORT = {"BERSIH": "Birokrasi bersih", "PELAYANAN": "Pelayanan prima"}


def area_short(label: str, key: str | None = None) -> str:
    """"Manajemen Perubahan (Reform)" -> "MP (Reform)": on a phone, the two halves of an area stay apart. The
    area's key, when given, wins over its name (the catalog's names are longer than AREA_NAMES')."""
    name, _, part = label.partition(" (")
    key = key if isinstance(key, str) else AREA_KEY_OF.get(name)
    if key in HASIL_SHORT:
        return HASIL_SHORT[key]
    if key is None:
        return short(label, label_limit(True))
    return f"{key} ({part}" if part else key


def _layout(fig: go.Figure, title: str | None = None, height: int = 380, compact: bool = False,
            legend: bool = True) -> go.Figure:
    """Shared look: Indonesian number separators, the legend in a row above the plot (never over it).

    The title is kept as the figure's title text only: the dashboard (ui/widgets.chart) shows it above the
    figure as text and takes it out of the figure, so a titled figure keeps a top margin of 30 px (room for
    the threshold lines' labels) rather than room for a title drawn inside it."""
    font = dict(FONT, size=11 if compact else FONT["size"])
    fig.update_layout(
        title=dict(text=title) if title else None,
        height=height, font=font, separators=",.", plot_bgcolor="white", hoverlabel=dict(font=font),
        margin=dict(l=4, r=8, t=30 if title else (40 if legend else 16), b=8),
        showlegend=legend,
        legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom", title_text="",
                    font=dict(size=10 if compact else 12)))
    fig.update_xaxes(gridcolor="#EEE", automargin=True)
    fig.update_yaxes(gridcolor="#EEE", automargin=True)
    return fig


def empty(message: str = "Belum ada data untuk pilihan ini", compact: bool = False) -> go.Figure:
    """A figure that says there is nothing to draw. Each chart passes its own message: Streamlit derives an
    element's id from the figure, and two identical empty figures on one page are refused as duplicates."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=15, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, height=240, compact=compact, legend=False)


def _threshold_lines(fig: go.Figure, axis: str, compact: bool, values=((WBK_TOTAL, "WBK"), (WBBM_TOTAL, "WBBM"))):
    for value, label in values:
        kwargs = dict(line_dash="dash", line_color=COLORS[label], annotation_text=f"{label} {value:g}",
                      annotation_font_size=10 if compact else 11, annotation_font_color=COLORS[label])
        if axis == "x":
            fig.add_vline(x=value, annotation_position="top", **kwargs)
        else:
            fig.add_hline(y=value, annotation_position="top left", **kwargs)


def totals_histogram(df: pd.DataFrame, wbk: float = WBK_TOTAL, wbbm: float = WBBM_TOTAL,
                     compact: bool = False) -> go.Figure:
    """Distribution of total scores with the WBK and WBBM thresholds."""
    data = df[df["total"].notna()]
    if data.empty:
        return empty("Belum ada nilai total untuk pilihan ini", compact=compact)
    fig = go.Figure(go.Histogram(x=data["total"], xbins=dict(start=0, end=100.01, size=5),
                                 marker_color=COLORS["tpi"],
                                 hovertemplate="Nilai total %{x}<br>%{y} unit<extra></extra>"))
    _threshold_lines(fig, "x", compact, ((wbk, "WBK"), (wbbm, "WBBM")))
    fig.update_layout(bargap=0.05)
    fig.update_xaxes(title="Nilai total", range=[max(0, data["total"].min() // 5 * 5 - 5), 100])
    # counts of units: whole-number ticks (Plotly would mark 0,5 steps on a short axis)
    most = int(pd.cut(data["total"], bins=range(0, 105, 5), include_lowest=True).value_counts().max())
    fig.update_yaxes(title="Jumlah unit", tick0=0, dtick=max(1, -(-most // 5)))
    return _layout(fig, "Sebaran nilai total", compact=compact, legend=False)


def area_share_bars(shares: pd.DataFrame, minimum_wbk: float = 0.6, minimum_wbbm: float = 0.75,
                    compact: bool = False) -> go.Figure:
    """The six areas as a share of their weight (mean over units)."""
    data = shares.dropna(subset=["share"])
    if data.empty:
        return empty("Belum ada nilai area untuk pilihan ini", compact=compact)
    data = data.assign(pct=data["share"] * 100)
    limit = label_limit(compact)
    fig = go.Figure(go.Bar(
        x=data["pct"], y=data["area"].map(plain), orientation="h", marker_color=COLORS["tpi"],
        customdata=list(zip(data["area"].map(plain), data["units"], strict=True)),
        hovertemplate="%{customdata[0]}<br>%{x:.2f}% dari bobot<br>rata-rata %{customdata[1]} unit<extra></extra>"))
    # each bar's value in a column of its own right of 100 %, where no threshold line runs
    fig.add_trace(go.Scatter(x=[101] * len(data), y=data["area"].map(plain), mode="text", text=[f"{fmt(v, 2)}%" for v in data["pct"]],
                             textposition="middle right", showlegend=False, hoverinfo="skip",
                             textfont=dict(size=11 if compact else 12, color="#31333F")))
    # the two labels above the plot, on either side of their lines: never on a bar, nor on each other
    for value, label, dash, side in ((minimum_wbk, "WBK", "dash", "right"), (minimum_wbbm, "WBBM", "dot", "left")):
        fig.add_vline(x=value * 100, line_dash=dash, line_color=COLORS[label])
        fig.add_annotation(x=value * 100, xref="x", y=1, yref="paper", yanchor="bottom", xanchor=side,
                           text=f"{label} {value:.0%}", showarrow=False, font=dict(color=COLORS[label], size=11))
    fig.update_xaxes(range=[0, 128 if compact else 114], title="Capaian terhadap bobot (%)",
                     tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_yaxes(autorange="reversed")
    _short_ticks(fig, "y", data["area"], limit)
    return _layout(fig, "Enam area Pengungkit: capaian terhadap bobot", compact=compact, legend=False)


def predicate_donut(summary: dict, who: str = "TPI", compact: bool = False) -> go.Figure:
    """The units by their highest predicate, from queries.summary: the same counts as the headline figures."""
    counts = {"WBBM": summary["wbbm"], "WBK": summary["wbk"], "Belum memenuhi": summary["not_met"],
              "Belum dinilai": summary["unscored"]}
    counts = {k: v for k, v in counts.items() if v}
    if not counts:
        return empty("Belum ada penilaian", compact=compact)
    fig = go.Figure(go.Pie(labels=list(counts), values=list(counts.values()), hole=0.55, sort=False,
                           marker_colors=[COLORS[k] for k in counts],
                           texttemplate="%{value}<br>%{percent:.2%}",
                           hovertemplate="%{label}: %{value} unit (%{percent:.2%})<extra></extra>"))
    fig = _layout(fig, f"Status predikat (jawaban {who})", compact=compact)
    # a pie fills its whole area: the legend goes below it, where it covers nothing
    fig.update_layout(legend=dict(y=-0.02, yanchor="top"))
    return fig


def ranking_bars(df: pd.DataFrame, metric: str, label: str, top: int = 30, compact: bool = False) -> go.Figure:
    """The top units by a metric, coloured by predicate; each bar carries its unit's key (a click opens it)."""
    data = df[df[metric].notna()].nlargest(top, metric)
    if data.empty:
        return empty("Belum ada unit untuk diperingkat", compact=compact)
    names = data["unit_label"] if "unit_label" in data else data["unit_name"]
    keys = data["unit_id"] if "unit_id" in data else names
    shown = names.map(plain)
    fig = go.Figure()
    for predicate in [*PREDICATES, None]:
        sel = data["predicate"].isna() if predicate is None else data["predicate"] == predicate
        if not sel.any():
            continue
        fig.add_trace(go.Bar(
            x=data.loc[sel, metric], y=shown[sel], orientation="h",
            name=predicate or "Belum dinilai", marker_color=COLORS[predicate or "Belum dinilai"],
            customdata=list(zip(keys[sel], shown[sel], data.loc[sel, "instansi"].map(plain), strict=True)),
            hovertemplate="%{customdata[1]}<br>%{customdata[2]}<br>" + label + " %{x:.2f}<extra></extra>"))
    # one category order for every colour: the ranking, top first
    fig.update_yaxes(categoryorder="array", categoryarray=list(shown)[::-1])
    _short_ticks(fig, "y", names, label_limit(compact))
    fig.update_xaxes(title=label)
    return _layout(fig, f"{label}: {len(data)} unit teratas", height=max(320, 22 * len(data) + 110),
                   compact=compact)


def compare_units(df: pd.DataFrame, kind: str = "bar", compact: bool = False) -> go.Figure:
    """Areas of 2 to 5 units side by side, as grouped bars or a radar."""
    if df.empty:
        return empty("Pilih 2 sampai 5 unit", compact=compact)
    names = df["unit_label"] if "unit_label" in df else df["unit_name"]
    limit = label_limit(compact)
    fig = go.Figure()
    for i, (name, (_, row)) in enumerate(zip(names, df.iterrows(), strict=True)):
        pct = [pd.to_numeric(row[k], errors="coerce") * 100 for k in AREA_KEYS]
        areas = [plain(AREA_NAMES[k]) for k in AREA_KEYS]
        color = SERIES[i % len(SERIES)]
        # the unit's whole name in the hover text comes as data, never inside the template (Plotly would read
        # "%{...}" in a name as a placeholder)
        if kind == "radar":
            # a line, a marker shape and a dash of its own per unit, a faint fill: overlapping units stay apart
            theta = list(AREA_KEYS) if compact else [short(a, limit) for a in areas]
            fig.add_trace(go.Scatterpolar(
                r=pct + pct[:1], theta=theta + theta[:1], name=plain(short(name, limit + 10)), mode="lines+markers",
                fill="toself", fillcolor=_faint(color), line=dict(color=color, width=2.5, dash=DASHES[i % len(DASHES)]),
                marker=dict(symbol=SYMBOLS[i % len(SYMBOLS)], size=8), customdata=[[plain(name), a] for a in areas + areas[:1]],
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}: %{r:.2f}%<extra></extra>"))
        else:
            fig.add_trace(go.Bar(
                x=pct, y=areas, orientation="h", name=plain(short(name, limit + 10)),
                marker_color=color, customdata=[[plain(name), a] for a in areas],
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}: %{x:.2f}% dari bobot<extra></extra>"))
    title = "Perbandingan area (% dari bobot)"
    if kind == "radar":
        fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100], ticksuffix="%", tickfont=dict(size=9)),
                                     angularaxis=dict(tickfont=dict(size=11 if compact else 12))))
        return _layout(fig, title, height=400 if compact else 480, compact=compact)
    fig.update_layout(barmode="group")
    fig.update_xaxes(range=[0, 105], title="Capaian terhadap bobot (%)")
    fig.update_yaxes(autorange="reversed")
    _short_ticks(fig, "y", [AREA_NAMES[k] for k in AREA_KEYS], limit)
    return _layout(fig, title, height=160 + (14 * len(df) + 30) * len(AREA_KEYS), compact=compact)


HASIL_CODES = {"BERSIH": "HB", "PELAYANAN": "HP"}


def indicator_code(indicator_id: str) -> str:
    """An indicator's short code for an axis: its area, P(emenuhan) or R(eform), and its number: "PEM_MP_01" ->
    "MP-P1", "REF_SDM_03" -> "SDM-R3", Hasil "HAS_BERSIH_02" -> "HB2", the 2019 edition's "MP_01" -> "MP1"."""
    m = re.fullmatch(r"(?:(PEM|REF|HAS)_)?([A-Z]+)_(\d+)", str(indicator_id))
    if not m:
        return str(indicator_id)
    part, area, number = m.group(1), m.group(2), int(m.group(3))
    if part == "HAS":
        return f"{HASIL_CODES.get(area, 'H' + area[:1])}{number}"
    return f"{area}-{part[0]}{number}" if part else f"{area}{number}"


def indicator_legend(ind: pd.DataFrame) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The codes of the heat map's axis and the names they stand for, per area in catalog order:
    [(area key, area name, [(code, indicator name)])]."""
    order = ind.drop_duplicates("indicator_id")
    out: dict[str, tuple[str, str, list]] = {}
    for r in order.itertuples():
        area = getattr(r, "area", None) or ""
        key = getattr(r, "area_key", None) or area
        out.setdefault(area, (key, area, []))[2].append((indicator_code(r.indicator_id), r.indicator))
    return list(out.values())


def indicator_heatmap(ind: pd.DataFrame, max_units: int = 60, compact: bool = False) -> go.Figure:
    """Units x indicators, coloured by the share of the indicator's weight earned; every indicator labelled on
    the axis by its short code (indicator_code; indicator_legend names them, the hover gives the whole name and
    area). Each cell carries its unit's key, for a click."""
    if ind.empty:
        return empty("Belum ada nilai indikator untuk pilihan ini", compact=compact)
    label_col = "unit_label" if "unit_label" in ind else "unit_name"
    key_col = "unit_id" if "unit_id" in ind else label_col
    units = ind.groupby(key_col)["score"].sum().sort_values(ascending=False).head(max_units).index
    data = ind[ind[key_col].isin(units)]
    label_of = dict(zip(data[key_col], data[label_col], strict=False))
    order = data.drop_duplicates("indicator_id")[["indicator_id", "indicator"]]
    pivot = data.pivot_table(index=key_col, columns="indicator_id", values="share").reindex(index=units)
    pivot = pivot[[i for i in order["indicator_id"] if i in pivot.columns]]
    names = dict(zip(order["indicator_id"], order["indicator"], strict=True))
    areas = (dict(zip(data["indicator_id"], data["area"], strict=False)) if "area" in data else {})
    x = [indicator_code(c) for c in pivot.columns]
    y = [plain(label_of[u]) for u in pivot.index]
    full = [plain(f"{names[c]} · {areas.get(c) or ''}".rstrip(" ·")) for c in pivot.columns]
    z = pivot.values * 100
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, colorscale="RdYlGn", zmin=0, zmax=100,
                               colorbar=dict(title="% bobot", ticksuffix="%", thickness=12), hoverinfo="skip",
                               xgap=1, ygap=1))
    # A heat map cell cannot be selected (clicked) in the browser; an invisible point on every cell can, and
    # carries the unit's key and the hover text.
    cells = [(r, c) for r in range(len(pivot.index)) for c in range(len(pivot.columns)) if not pd.isna(z[r][c])]
    fig.add_trace(go.Scatter(
        x=[x[c] for _, c in cells], y=[y[r] for r, _ in cells], mode="markers", showlegend=False,
        marker=dict(size=12, opacity=0, symbol="square"), selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
        customdata=[[pivot.index[r], y[r], full[c], z[r][c], x[c]] for r, c in cells],
        hovertemplate="%{customdata[1]}<br>%{customdata[4]} %{customdata[2]}<br>%{customdata[3]:.0f}% dari bobot"
                      "<extra></extra>"))
    # every code on the axis (Plotly would leave some out where they crowd)
    fig.update_xaxes(tickangle=-90, tickfont=dict(size=9 if compact else 11), side="bottom", tickmode="array",
                     tickvals=x, ticktext=x)
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=9 if compact else 11))
    _short_ticks(fig, "y", [label_of[u] for u in pivot.index], label_limit(compact))
    height = max(300, (12 if compact else 20) * len(pivot) + 150)
    return _layout(fig, "Peta capaian indikator per unit", height=height, compact=compact, legend=False)


def weak_indicators_bar(weak: pd.DataFrame, compact: bool = False) -> go.Figure:
    if weak.empty:
        return empty("Belum ada indikator untuk pilihan ini", compact=compact)
    data = weak.assign(pct=weak["mean_share"] * 100)
    limit = label_limit(compact)
    fig = go.Figure(go.Bar(
        x=data["pct"], y=data["indicator"].map(plain), orientation="h",
        # from a mid red (never near white, so every bar shows) to a dark red: the more points lost, the darker
        marker=dict(color=data["total_gain"], colorscale=[[0, "#F4A582"], [1, "#67001F"]], showscale=not compact,
                    colorbar=dict(title="Poin hilang", thickness=12)),
        text=[f"{v:.0f}%" for v in data["pct"]], textposition="outside",
        customdata=data[["indicator", "area", "weight", "mean_gain", "total_gain"]].assign(
            indicator=data["indicator"].map(plain), area=data["area"].map(plain)),
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>rata-rata capaian %{x:.2f}% · bobot "
                      "%{customdata[2]:.2f}<br>poin hilang per unit %{customdata[3]:.2f}, semua unit "
                      "%{customdata[4]:.2f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    _short_ticks(fig, "y", data["indicator"], limit)
    fig.update_xaxes(range=[0, 110], title="Rata-rata capaian (% bobot)")
    return _layout(fig, "Indikator terlemah di semua unit", height=max(360, 26 * len(data) + 110), compact=compact,
                   legend=False)


GAP_GROUPS = {True: "Areanya belum memenuhi syarat", False: "Areanya sudah memenuhi syarat"}


def gap_bars(gaps: pd.DataFrame, top: int = 15, compact: bool = False) -> go.Figure:
    data = gaps[gaps["gain"] > 1e-9].head(top)
    if data.empty:
        return empty("Tidak ada poin yang tersisa: semua indikator penuh", compact=compact)
    fig = go.Figure()
    for failing, name in GAP_GROUPS.items():
        sel = data["area_gagal"].astype(bool) == failing
        if not sel.any():
            continue
        part = data[sel]
        fig.add_trace(go.Bar(
            x=part["gain"], y=part["indicator"].map(plain), orientation="h", name=name,
            marker_color=COLORS["Belum memenuhi"] if failing else COLORS["tpi"],
            customdata=part[["indicator", "area", "score", "weight"]].assign(
                indicator=part["indicator"].map(plain), area=part["area"].map(plain)),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>nilai %{customdata[2]:.2f} dari bobot "
                          "%{customdata[3]:.2f}<br>%{x:.2f} poin masih bisa diraih<extra></extra>"))
    fig.update_yaxes(categoryorder="array", categoryarray=list(data["indicator"].map(plain))[::-1])
    _short_ticks(fig, "y", data["indicator"], label_limit(compact))
    fig.update_xaxes(title="Poin yang masih bisa diraih")
    return _layout(fig, "Indikator dengan poin terbanyak yang belum diraih", height=max(340, 26 * len(data) + 120),
                   compact=compact)


def trend_lines(df: pd.DataFrame, y: str, color: str, title: str, editions: list[str] | None = None,
                compact: bool = False) -> go.Figure:
    """Totals (with the WBK and WBBM lines) or area shares over the years, one distinct colour per line."""
    if df.empty:
        return empty("Belum ada data tren untuk pilihan ini", compact=compact)
    data = df.sort_values("year").copy()
    label = "Nilai total" if y == "total" else "Capaian (% bobot)"
    if y == "share":
        data["share"] = data["share"] * 100
    fig = go.Figure()
    limit = label_limit(compact)
    for i, (name, g) in enumerate(data.groupby(color, sort=False)):
        fig.add_trace(go.Scatter(
            x=g["year"], y=g[y], mode="lines+markers", name=plain(short(name, limit + 10)),
            line=dict(color=SERIES[i % len(SERIES)], width=2.5), marker=dict(size=8),
            customdata=[plain(name)] * len(g), hovertemplate="%{customdata}<br>%{x}: %{y:.2f}<extra></extra>"))
    fig.update_xaxes(dtick=1, title="Tahun", tickformat="d")
    fig.update_yaxes(title=label)
    if y == "total":
        _threshold_lines(fig, "y", compact)
    note = ("Nilai total hanya sebanding dalam satu edisi LKE" if y == "total"
            else "Capaian area (% bobot) sebanding antar edisi LKE")
    if editions and len(set(editions)) > 1 and y == "total":
        note += f" — data ini memuat edisi {', '.join(sorted(set(editions)))}"
    fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=-0.02, yshift=-50, showarrow=False,
                       xanchor="left", yanchor="top", font=dict(size=11, color="#555"))
    fig = _layout(fig, title, height=440 if compact else 460, compact=compact)
    fig.update_layout(margin=dict(b=70))
    return fig


def profile_area_bars(areas: pd.DataFrame, compact: bool = False) -> go.Figure:
    """Areas as a share of their weight, one bar per assessment level present (unit, TPI levels, TPN)."""
    if areas.empty:
        return empty("Belum ada nilai area untuk unit ini", compact=compact)
    levels = sorted((c for c in areas.columns if c not in ("edition", "area_id", "weight", "area", "area_key")
                     and areas[c].notna().any()), key=level_order)
    limit = label_limit(compact)
    fig = go.Figure()
    for key in levels:
        part = areas.dropna(subset=[key])
        pct = part[key] / part["weight"] * 100
        fig.add_trace(go.Bar(
            x=pct, y=part["area"].map(plain), orientation="h", name=level_name(key),
            marker_color=LEVEL_COLORS.get(key, "#7F7F7F"),
            customdata=part[["area", key, "weight"]].assign(area=part["area"].map(plain)),
            hovertemplate=level_name(key) + "<br>%{customdata[0]}<br>%{customdata[1]:.2f} dari bobot "
                          "%{customdata[2]:.2f} (%{x:.2f}%)<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    keys = dict(zip(areas["area"], areas["area_key"], strict=True)) if "area_key" in areas else {}
    _short_ticks(fig, "y", areas["area"], limit, (lambda a: area_short(a, keys.get(a))) if compact else None)
    fig.update_xaxes(range=[0, 105], title="Capaian terhadap bobot (%)")
    names = [level_name(k) for k in levels]
    return _layout(fig, "Nilai per area: " + ", ".join(names), height=max(420, 60 + 18 * len(areas) * len(levels)),
                   compact=compact)


def survey_scatter(df: pd.DataFrame, index: str = "ipak", compact: bool = False) -> go.Figure:
    """A survey index against Pengungkit, one colour per instansi; each point carries its unit's key."""
    data = df.dropna(subset=[index, "pengungkit"])
    name = {"ipak": "IPAK", "ipkp": "IPKP"}[index]
    if data.empty:
        return empty(f"Belum ada nilai survei {name} untuk pilihan ini", compact=compact)
    labels = data["unit_label"] if "unit_label" in data else data["unit_name"]
    keys = data["unit_id"] if "unit_id" in data else labels
    fig = go.Figure()
    for i, (inst, g) in enumerate(data.groupby("instansi", sort=True)):
        fig.add_trace(go.Scatter(
            x=g["pengungkit"], y=g[index], mode="markers", name=plain(short(inst, 30)),
            marker=dict(color=SERIES[i % len(SERIES)], size=9, line=dict(width=0.5, color="white")),
            customdata=list(zip(keys[g.index], labels[g.index].map(plain), g["instansi"].map(plain), strict=True)),
            hovertemplate="%{customdata[1]}<br>%{customdata[2]}<br>Pengungkit %{x:.2f} · " + name
                          + " %{y:.2f}<extra></extra>"))
    fig.update_xaxes(title="Nilai Pengungkit (maks. 60)")
    fig.update_yaxes(title=f"{name} (0-4)")
    if len(data) >= 3:
        corr = data["pengungkit"].corr(data[index])
        fig.add_annotation(text=f"korelasi r = {fmt(corr, 2)}", xref="paper", yref="paper", x=0.01,
                           y=0.99, showarrow=False, xanchor="left", yanchor="top", font=dict(size=12, color="#555"))
    return _layout(fig, f"{name} dan Pengungkit", height=460, compact=compact)


STAGE_COLORS = ["#9E9E9E", "#F2A541", "#1F4E79", "#6FA8DC", "#38761D", "#1B7F3B"]


def stage_funnel(steps: pd.DataFrame, compact: bool = False) -> go.Figure:
    """Units that reached each step of the year's cycle (stages.funnel): a funnel with counts and shares."""
    if steps.empty or int(steps["units"].iloc[0]) == 0:
        return empty("Belum ada unit dalam siklus tahun ini", compact=compact)
    fig = go.Figure(go.Funnel(
        y=steps["label"], x=steps["units"], textinfo="value+percent initial",
        marker=dict(color=STAGE_COLORS[:len(steps)]),
        hovertemplate="%{y}: %{x} unit (%{percentInitial:.0%} dari semua unit)<extra></extra>"))
    return _layout(fig, "Tahap siklus: unit yang sudah mencapai tiap tahap", height=320 if compact else 360,
                   compact=compact, legend=False)


def tpi_tpn_scatter(units: pd.DataFrame, compact: bool = False) -> go.Figure:
    """Each unit's last TPI total against the TPN's, with the diagonal where both agree; one colour and marker
    shape per instansi (distinct hues, none of a predicate's)."""
    data = units.dropna(subset=["tpi_total", "tpn_total"])
    if data.empty:
        return empty("Belum ada unit dengan nilai TPI dan TPN", compact=compact)
    fig = go.Figure()
    for i, (inst, g) in enumerate(data.groupby("instansi", sort=True)):
        fig.add_trace(go.Scatter(
            x=g["tpn_total"], y=g["tpi_total"], mode="markers", name=plain(short(inst, 30 if compact else 45)),
            marker=dict(color=SERIES[i % len(SERIES)], symbol=SYMBOLS[i % len(SYMBOLS)], size=10,
                        line=dict(width=0.5, color="white")),
            customdata=list(zip(g["unit_name"].map(plain), g["instansi"].map(plain), strict=True)),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>TPN %{x:.2f} · TPI %{y:.2f}<extra></extra>"))
    low = max(0.0, float(min(data["tpn_total"].min(), data["tpi_total"].min())) - 2)
    high = min(101.0, float(max(data["tpn_total"].max(), data["tpi_total"].max())) + 2)
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="TPI = TPN",
                             line=dict(color="#888", dash="dash"), hoverinfo="skip"))
    # the reading of the diagonal in the axis title on a wide screen; on a phone the page's caption says it
    fig.update_xaxes(range=[low, high],
                     title="Nilai TPN" if compact else "Nilai TPN (titik di atas garis: TPI lebih tinggi)")
    fig.update_yaxes(range=[low, high], title="Nilai TPI")
    fig = _layout(fig, "Nilai TPI dan TPN per unit", height=420 if compact else 480, compact=compact)
    # below the plot: on a phone a legend at the side would cover the points
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0))
    return fig


def calibration_area_bars(areas: pd.DataFrame, compact: bool = False) -> go.Figure:
    """Mean TPI minus TPN per area (points), the areas the TPN marks down most on top; on a phone the areas by
    their short key (whole names on touch)."""
    if areas.empty:
        return empty("Hasil TPN belum memuat nilai per area", compact=compact)
    data = areas.assign(label=areas["selisih_mean"].map(lambda v: fmt(v, 2)), share=areas["selisih_share"] * 100,
                        area=areas["area"].map(plain))
    fig = go.Figure(go.Bar(
        x=data["selisih_mean"], y=data["area"], orientation="h", text=data["label"], textposition="auto",
        marker_color=COLORS["tpi"], customdata=data[["area", "units", "share"]],
        hovertemplate="%{customdata[0]}<br>selisih %{x:.2f} poin (%{customdata[2]:.2f}% dari bobot area)"
                      "<br>%{customdata[1]} unit<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    keys = dict(zip(data["area"], data["area_key"], strict=True)) if "area_key" in data else {}
    _short_ticks(fig, "y", data["area"], label_limit(compact), (lambda a: area_short(a, keys.get(a))) if compact else None)
    fig.update_xaxes(title="Selisih TPI − TPN (poin)")
    fig.add_vline(x=0, line_color="#888")
    return _layout(fig, "Area yang paling diturunkan TPN", height=max(300, 48 * len(data) + 110), compact=compact,
                   legend=False)
