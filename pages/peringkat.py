"""Peringkat: rank units by total, Pengungkit, Hasil or any area; compare 2 to 5 units side by side."""

import streamlit as st

from pages import common
from zi_data import charts
from zi_data.queries import AREA_KEYS, AREA_NAMES

common.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

METRICS = {"Nilai total": "total", "Pengungkit": "pengungkit", "Hasil": "hasil",
           **{f"Area: {AREA_NAMES[k]}": k for k in AREA_KEYS}}

st.title("Peringkat")
if common.require_data():
    common.caption()
    f = common.filters()
    df = common.scores().copy()
    # A partial file loaded on request is not ranked with complete ones: listed apart, marked.
    review = df[df["needs_review"].notna()]
    df = df[df["needs_review"].isna()]
    c1, c2 = st.columns([2, 3])
    metric_label = c1.selectbox("Urutkan menurut", list(METRICS), key="rank_metric")
    search = c2.text_input("Cari unit kerja", key="rank_search", placeholder="ketik sebagian nama unit")
    metric = METRICS[metric_label]
    if search:
        df = df[df["unit_name"].str.contains(search, case=False, regex=False)]
    df = df.sort_values(metric, ascending=False, na_position="last").reset_index(drop=True)
    df.insert(0, "peringkat", range(1, len(df) + 1))
    for key in AREA_KEYS:
        df[key] = df[key] * 100
    df["kelengkapan"] = df["completeness"] * 100
    cols = ["peringkat", "unit_name", "instansi", "total", "pengungkit", "hasil", *AREA_KEYS, "predicate",
            "kelengkapan", "change"]
    config = {
        "peringkat": st.column_config.NumberColumn("No", format="%d", width="small"),
        "unit_name": st.column_config.TextColumn("Unit kerja", width="medium"),
        "instansi": "Instansi",
        "total": common.score_column("Total"),
        "pengungkit": common.score_column("Pengungkit", "maks. 60"),
        "hasil": common.score_column("Hasil", "maks. 40"),
        **{k: common.share_column(k, f"{AREA_NAMES[k]}: capaian terhadap bobot") for k in AREA_KEYS},
        "predicate": st.column_config.TextColumn("Predikat"),
        "kelengkapan": common.share_column("Kelengkapan", "Pertanyaan yang sudah dijawab"),
        "change": common.score_column("Perubahan", "Nilai total dibanding tahun lalu"),
    }
    st.caption(f"{len(df)} unit · kolom area: % capaian terhadap bobot area (Pemenuhan + Reform)")
    if len(review):
        st.warning(f"{len(review)} unit tidak diperingkat karena berkasnya **perlu diperiksa** (hanya sebagian sheet "
                   "yang cocok dengan daftar pertanyaan): "
                   + "; ".join(f"{r.unit_name} ({r.needs_review})" for r in review.itertuples()),
                   icon=":material/report:")
    st.dataframe(df[cols], column_config=config, hide_index=True, width="stretch", height=420)
    export = df[cols].rename(columns={"unit_name": "unit_kerja", "predicate": "predikat", "change": "perubahan"})
    common.downloads(export, f"peringkat_{f['year']}_{metric}", "peringkat")
    st.plotly_chart(charts.ranking_bars(df, metric, metric_label),
                    width="stretch")

    st.subheader("Bandingkan unit")
    names = df["unit_name"].tolist()
    chosen = st.multiselect("Pilih 2 sampai 5 unit", names, default=names[:3] if len(names) >= 3 else names,
                            max_selections=5, key="rank_compare")
    kind = st.radio("Tampilan", ["Batang", "Radar"], horizontal=True, key="rank_kind")
    if 2 <= len(chosen) <= 5:
        sel = df[df["unit_name"].isin(chosen)].copy()
        for k in AREA_KEYS:
            sel[k] = sel[k] / 100
        st.plotly_chart(charts.compare_units(sel, "radar" if kind == "Radar" else "bar"), width="stretch")
        st.dataframe(sel[["unit_name", "total", "pengungkit", "hasil", "predicate"]], hide_index=True,
                     column_config={"unit_name": "Unit kerja", "total": common.score_column("Total"),
                                    "pengungkit": common.score_column("Pengungkit"),
                                    "hasil": common.score_column("Hasil"), "predicate": "Predikat"})
    else:
        st.info("Pilih 2 sampai 5 unit untuk dibandingkan.")
