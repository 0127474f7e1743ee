"""Plotly figures built from query frames; plain functions, no Streamlit. Labels are in Bahasa Indonesia."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from .queries import AREA_KEYS, AREA_NAMES
from .readers.base import level_name, level_order

COLORS = {"unit": "#F2A541", "tpi": "#1F4E79", "WBBM": "#1B7F3B", "WBK": "#4CAF50", "Belum memenuhi": "#C0392B"}
# One colour per assessment level: the unit orange, TPI levels in blues (the last, deciding one darkest), TPN green.
LEVEL_COLORS = {"unit": "#F2A541", "tpi_1": "#6FA8DC", "tpi_2": "#3D85C6", "tpi": "#1F4E79", "tpn": "#38761D"}
FONT = dict(family="Inter, Segoe UI, Arial, sans-serif", size=13)


def _layout(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    fig.update_layout(title=title, height=height, font=FONT, margin=dict(l=10, r=10, t=50 if title else 20, b=10),
                      legend_title_text="", separators=",.", plot_bgcolor="white", hoverlabel=dict(font=FONT))
    fig.update_xaxes(gridcolor="#EEE")
    fig.update_yaxes(gridcolor="#EEE")
    return fig


def empty(message: str = "Belum ada data untuk pilihan ini") -> go.Figure:
    """A figure that says there is nothing to draw. Each chart passes its own message: Streamlit derives an
    element's id from the figure, and two identical empty figures on one page are refused as duplicates."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=15, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, height=240)


def totals_histogram(df: pd.DataFrame, wbk: float = 75, wbbm: float = 85) -> go.Figure:
    """Distribution of total scores with the WBK and WBBM thresholds."""
    data = df[df["total"].notna()]
    if data.empty:
        return empty("Belum ada nilai total untuk pilihan ini")
    fig = px.histogram(data, x="total", nbins=20, color_discrete_sequence=[COLORS["tpi"]],
                       labels={"total": "Nilai total", "count": "Jumlah unit"})
    for value, label, color in ((wbk, "WBK", COLORS["WBK"]), (wbbm, "WBBM", COLORS["WBBM"])):
        fig.add_vline(x=value, line_dash="dash", line_color=color, annotation_text=f"{label} {value:g}",
                      annotation_position="top")
    fig.update_layout(bargap=0.05, yaxis_title="Jumlah unit")
    return _layout(fig, "Sebaran nilai total")


def area_share_bars(shares: pd.DataFrame, minimum_wbk: float = 0.6, minimum_wbbm: float = 0.75) -> go.Figure:
    """The six areas as a share of their weight (mean over units)."""
    data = shares.dropna(subset=["share"])
    if data.empty:
        return empty("Belum ada nilai area untuk pilihan ini")
    data = data.assign(pct=data["share"] * 100)
    fig = px.bar(data, x="pct", y="area", orientation="h", text=data["pct"].map(lambda v: f"{v:.1f}%".replace(".", ",")),
                 color_discrete_sequence=[COLORS["tpi"]], labels={"pct": "Capaian terhadap bobot (%)", "area": ""})
    fig.add_vline(x=minimum_wbk * 100, line_dash="dash", line_color=COLORS["WBK"],
                  annotation_text=f"WBK {minimum_wbk:.0%}", annotation_position="bottom right")
    fig.add_vline(x=minimum_wbbm * 100, line_dash="dot", line_color=COLORS["WBBM"],
                  annotation_text=f"WBBM {minimum_wbbm:.0%}", annotation_position="top right")
    fig.update_xaxes(range=[0, 105])
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Enam area Pengungkit: capaian terhadap bobot")


def predicate_donut(df: pd.DataFrame) -> go.Figure:
    data = df[df["predicate"].notna()]
    if data.empty:
        return empty("Belum ada penilaian")
    counts = data["predicate"].value_counts().reindex(["WBBM", "WBK", "Belum memenuhi"]).fillna(0).reset_index()
    counts.columns = ["predikat", "unit"]
    counts = counts[counts["unit"] > 0]
    fig = px.pie(counts, names="predikat", values="unit", hole=0.55, color="predikat", color_discrete_map=COLORS)
    fig.update_traces(textinfo="value+percent", sort=False)
    return _layout(fig, "Status predikat")


def ranking_bars(df: pd.DataFrame, metric: str, label: str, top: int = 30) -> go.Figure:
    data = df[df[metric].notna()].nlargest(top, metric)
    if data.empty:
        return empty("Belum ada unit untuk diperingkat")
    # category_orders keeps the ranking: colouring by predicate would otherwise group the bars.
    fig = px.bar(data, x=metric, y="unit_name", orientation="h", color="predicate", color_discrete_map=COLORS,
                 category_orders={"unit_name": data["unit_name"].tolist(),
                                  "predicate": ["WBBM", "WBK", "Belum memenuhi"]},
                 labels={metric: label, "unit_name": "", "predicate": "Predikat"}, hover_data=["instansi"])
    return _layout(fig, f"{label}: {len(data)} unit teratas", height=max(320, 22 * len(data) + 80))


def compare_units(df: pd.DataFrame, kind: str = "bar") -> go.Figure:
    """Areas of 2 to 5 units side by side, as grouped bars or a radar."""
    if df.empty:
        return empty("Pilih 2 sampai 5 unit")
    long = df.melt(id_vars=["unit_name"], value_vars=AREA_KEYS, var_name="area_key", value_name="share")
    long["area"] = long["area_key"].map(AREA_NAMES)
    long["pct"] = pd.to_numeric(long["share"], errors="coerce") * 100
    if kind == "radar":
        fig = go.Figure()
        for unit, g in long.groupby("unit_name", sort=False):
            fig.add_trace(go.Scatterpolar(r=list(g["pct"]) + [g["pct"].iloc[0]],
                                          theta=list(g["area"]) + [g["area"].iloc[0]], name=unit, fill="toself",
                                          opacity=0.6))
        fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100], ticksuffix="%")))
        return _layout(fig, "Perbandingan area (% dari bobot)", height=460)
    fig = px.bar(long, x="pct", y="area", color="unit_name", barmode="group", orientation="h",
                 labels={"pct": "Capaian terhadap bobot (%)", "area": "", "unit_name": "Unit"})
    fig.update_xaxes(range=[0, 105])
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Perbandingan area (% dari bobot)", height=120 + 70 * len(AREA_KEYS))


def indicator_heatmap(ind: pd.DataFrame, max_units: int = 60) -> go.Figure:
    """Units x indicators, coloured by the share of the indicator's weight earned."""
    if ind.empty:
        return empty("Belum ada nilai indikator untuk pilihan ini")
    units = (ind.groupby("unit_name")["score"].sum().sort_values(ascending=False).head(max_units).index)
    data = ind[ind["unit_name"].isin(units)].copy()
    order = data.drop_duplicates("indicator_id")[["indicator_id", "indicator"]]
    data["label"] = data["indicator_id"].str.replace("_", " ")
    pivot = data.pivot_table(index="unit_name", columns="indicator_id", values="share").reindex(index=units)
    pivot = pivot[[i for i in order["indicator_id"] if i in pivot.columns]]
    names = dict(zip(order["indicator_id"], order["indicator"], strict=True))
    fig = go.Figure(go.Heatmap(
        z=pivot.values * 100, x=[names[c] for c in pivot.columns], y=list(pivot.index), colorscale="RdYlGn",
        zmin=0, zmax=100, colorbar=dict(title="% bobot", ticksuffix="%"),
        hovertemplate="%{y}<br>%{x}<br>%{z:.0f}% dari bobot<extra></extra>"))
    fig.update_xaxes(showticklabels=False, title="Indikator (arahkan kursor untuk nama)")
    return _layout(fig, "Peta capaian indikator per unit", height=max(360, 16 * len(pivot) + 120))


def weak_indicators_bar(weak: pd.DataFrame) -> go.Figure:
    if weak.empty:
        return empty("Belum ada indikator untuk pilihan ini")
    data = weak.assign(pct=weak["mean_share"] * 100, label=weak["indicator"].str.slice(0, 55))
    fig = px.bar(data, x="pct", y="label", orientation="h", color="total_gain", color_continuous_scale="Reds",
                 labels={"pct": "Rata-rata capaian (% bobot)", "label": "", "total_gain": "Poin hilang"},
                 hover_data={"area": True, "weight": True, "mean_gain": ":.2f"})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 100])
    return _layout(fig, "Indikator terlemah di semua unit", height=max(360, 26 * len(data) + 90))


def gap_bars(gaps: pd.DataFrame, top: int = 15) -> go.Figure:
    data = gaps[gaps["gain"] > 1e-9].head(top)
    if data.empty:
        return empty("Tidak ada poin yang tersisa: semua indikator penuh")
    data = data.assign(label=data["indicator"].str.slice(0, 55))
    fig = px.bar(data, x="gain", y="label", orientation="h", color="area_gagal",
                 color_discrete_map={True: COLORS["Belum memenuhi"], False: COLORS["tpi"]},
                 labels={"gain": "Poin yang masih bisa diraih", "label": "", "area_gagal": "Area belum memenuhi"},
                 hover_data={"area": True, "score": ":.2f", "weight": True})
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Indikator dengan poin terbanyak yang belum diraih", height=max(340, 26 * len(data) + 90))


def trend_lines(df: pd.DataFrame, y: str, color: str, title: str, editions: list[str] | None = None) -> go.Figure:
    if df.empty:
        return empty("Belum ada data tren untuk pilihan ini")
    data = df.copy()
    label = "Nilai total" if y == "total" else "Capaian (% bobot)"
    if y == "share":
        data["share"] = data["share"] * 100
    fig = px.line(data.sort_values("year"), x="year", y=y, color=color, markers=True,
                  labels={"year": "Tahun", y: label, color: ""})
    fig.update_xaxes(dtick=1)
    note = ("Nilai total hanya sebanding dalam satu edisi LKE" if y == "total"
            else "Capaian area (% bobot) sebanding antar edisi LKE")
    if editions and len(set(editions)) > 1 and y == "total":
        note += f" — data ini memuat edisi {', '.join(sorted(set(editions)))}"
    fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=1.08, showarrow=False, xanchor="left",
                       font=dict(size=12, color="#555"))
    return _layout(fig, title, height=430)


def profile_area_bars(areas: pd.DataFrame) -> go.Figure:
    """Areas as a share of their weight, one bar per assessment level present (unit, TPI levels, TPN)."""
    if areas.empty:
        return empty("Belum ada nilai area untuk unit ini")
    levels = sorted((c for c in areas.columns if c not in ("edition", "area_id", "weight", "area", "area_key")
                     and areas[c].notna().any()), key=level_order)
    long = areas.melt(id_vars=["area", "weight"], value_vars=levels, var_name="penilai",
                      value_name="score").dropna(subset=["score"])
    long["pct"] = long["score"] / long["weight"] * 100
    long["penilai"] = long["penilai"].map(level_name)
    names = [level_name(k) for k in levels]
    fig = px.bar(long, x="pct", y="area", color="penilai", barmode="group", orientation="h",
                 color_discrete_map={level_name(k): LEVEL_COLORS.get(k, "#7F7F7F") for k in levels},
                 category_orders={"penilai": names},
                 labels={"pct": "Capaian terhadap bobot (%)", "area": "", "penilai": ""},
                 hover_data={"score": ":.2f", "weight": True})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 105])
    return _layout(fig, "Nilai per area: " + ", ".join(names), height=520)


def survey_scatter(df: pd.DataFrame, index: str = "ipak") -> go.Figure:
    data = df.dropna(subset=[index, "pengungkit"])
    name = {"ipak": "IPAK", "ipkp": "IPKP"}[index]
    if data.empty:
        return empty(f"Belum ada nilai survei {name} untuk pilihan ini")
    fig = px.scatter(data, x="pengungkit", y=index, color="instansi", hover_name="unit_name",
                     labels={"pengungkit": "Nilai Pengungkit (maks. 60)", index: f"{name} (0-4)", "instansi": ""})
    if len(data) >= 3:
        corr = data["pengungkit"].corr(data[index])
        fig.add_annotation(text=f"korelasi r = {corr:.2f}".replace(".", ","), xref="paper", yref="paper", x=0.01,
                           y=0.99, showarrow=False, xanchor="left", font=dict(size=12, color="#555"))
    return _layout(fig, f"{name} dan Pengungkit", height=420)


STAGE_COLORS = ["#9E9E9E", "#F2A541", "#1F4E79", "#6FA8DC", "#38761D", "#1B7F3B"]


def stage_funnel(steps: pd.DataFrame) -> go.Figure:
    """Units that reached each step of the year's cycle (stages.funnel): a funnel with counts and shares."""
    if steps.empty or int(steps["units"].iloc[0]) == 0:
        return empty("Belum ada unit dalam siklus tahun ini")
    fig = go.Figure(go.Funnel(
        y=steps["label"], x=steps["units"], textinfo="value+percent initial",
        marker=dict(color=STAGE_COLORS[:len(steps)]),
        hovertemplate="%{y}: %{x} unit (%{percentInitial:.0%} dari semua unit)<extra></extra>"))
    return _layout(fig, "Tahap siklus: unit yang sudah mencapai tiap tahap", height=360)


def tpi_tpn_scatter(units: pd.DataFrame) -> go.Figure:
    """Each unit's last TPI total against the TPN's, with the diagonal where both agree."""
    data = units.dropna(subset=["tpi_total", "tpn_total"])
    if data.empty:
        return empty("Belum ada unit dengan nilai TPI dan TPN")
    fig = px.scatter(data, x="tpn_total", y="tpi_total", color="instansi", hover_name="unit_name",
                     hover_data={"tpn_total": ":.2f", "tpi_total": ":.2f", "instansi": False},
                     labels={"tpn_total": "Nilai TPN (titik di atas garis: TPI lebih tinggi)", "tpi_total": "Nilai TPI",
                             "instansi": ""})
    low = max(0.0, float(min(data["tpn_total"].min(), data["tpi_total"].min())) - 2)
    high = min(101.0, float(max(data["tpn_total"].max(), data["tpi_total"].max())) + 2)
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="TPI = TPN",
                             line=dict(color="#888", dash="dash"), hoverinfo="skip"))
    fig.update_xaxes(range=[low, high])
    fig.update_yaxes(range=[low, high])
    fig = _layout(fig, "Nilai TPI dan TPN per unit", height=480)
    # below the plot: on a phone a legend at the side would cover the points
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0))
    return fig


def calibration_area_bars(areas: pd.DataFrame) -> go.Figure:
    """Mean TPI minus TPN per area (points), the areas the TPN marks down most on top."""
    if areas.empty:
        return empty("Hasil TPN belum memuat nilai per area")
    data = areas.assign(label=areas["selisih_mean"].map(lambda v: f"{v:.2f}".replace(".", ",")),
                        share=areas["selisih_share"] * 100)
    fig = px.bar(data, x="selisih_mean", y="area", orientation="h", text="label",
                 color_discrete_sequence=[COLORS["tpi"]],
                 hover_data={"units": True, "share": ":.1f", "selisih_mean": ":.2f", "label": False},
                 labels={"selisih_mean": "Selisih TPI − TPN (poin)", "area": "", "units": "Unit",
                         "share": "% dari bobot area"})
    fig.update_yaxes(autorange="reversed")
    fig.add_vline(x=0, line_color="#888")
    return _layout(fig, "Area yang paling diturunkan TPN", height=max(300, 48 * len(data) + 110))
