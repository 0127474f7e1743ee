"""Kesenjangan: where the points are lost, across units and for one unit, and which WBK/WBBM rules fail."""

import streamlit as st

from pages import common
from zi_data import charts, queries

common.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

st.title("Kesenjangan")
if common.require_data():
    common.caption()
    f = common.filters()
    ind = common.query("indicator_scores", f["year"], f["assessor"], f["instansi"], f["edition"])
    if ind.empty:
        st.info(f"Belum ada nilai {f['assessor_label']} untuk pilihan ini.")
        st.stop()

    st.plotly_chart(charts.indicator_heatmap(ind), width="stretch")

    st.subheader("Indikator terlemah")
    weak = queries.weakest_indicators(ind, top=15)
    st.plotly_chart(charts.weak_indicators_bar(weak), width="stretch")
    table = weak.assign(mean_share=weak["mean_share"] * 100)
    st.dataframe(table[["indicator", "area", "weight", "mean_share", "mean_gain", "total_gain", "units"]],
                 hide_index=True, width="stretch", column_config={
                     "indicator": st.column_config.TextColumn("Indikator", width="large"), "area": "Area",
                     "weight": common.score_column("Bobot"),
                     "mean_share": common.share_column("Rata-rata capaian"),
                     "mean_gain": common.score_column("Poin hilang per unit"),
                     "total_gain": common.score_column("Poin hilang (semua unit)"), "units": "Unit"})
    common.downloads(table, f"indikator_terlemah_{f['year']}", "weak")

    st.subheader("Satu unit: poin yang masih bisa diraih")
    units = ind.drop_duplicates("unit_id").sort_values("unit_name")
    name = st.selectbox("Unit kerja", units["unit_name"].tolist(), key="gap_unit")
    sid = units.loc[units["unit_name"] == name, "submission_id"].iloc[0]
    gaps = common.query("unit_gaps", sid, f["assessor"])
    rules = common.query("rule_results", sid, f["assessor"])
    fails = rules[~rules["passed"]]
    c1, c2 = st.columns(2)
    for col, predicate in ((c1, "WBK"), (c2, "WBBM")):
        sel = fails[fails["predicate"] == predicate]
        if sel.empty:
            col.success(f"Semua syarat {predicate} terpenuhi")
        else:
            col.error(f"{predicate}: {len(sel)} syarat belum terpenuhi\n\n"
                      + "\n".join(f"- {m}" for m in sel["message"]))
    st.plotly_chart(charts.gap_bars(gaps), width="stretch")
    table = gaps.assign(share=gaps["score"] / gaps["weight"] * 100)
    st.dataframe(table[["indicator", "area", "score", "weight", "share", "gain", "membantu"]], hide_index=True,
                 width="stretch", column_config={
                     "indicator": st.column_config.TextColumn("Indikator", width="large"), "area": "Area",
                     "score": common.score_column("Nilai"), "weight": common.score_column("Bobot"),
                     "share": common.share_column("Capaian"), "gain": common.score_column("Poin bisa diraih"),
                     "membantu": st.column_config.TextColumn(
                         "Membantu syarat", help="Predikat yang syaratnya belum terpenuhi dan ikut naik bila "
                                                 "indikator ini diperbaiki")})
    common.downloads(table, f"kesenjangan_{name}_{f['year']}", "gap")
