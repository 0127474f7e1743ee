"""Survei: IPAK and IPKP per unit beside the LKE scores, and how they relate to Pengungkit."""

import streamlit as st

from pages import common
from zi_data import charts

common.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

st.title("Survei")
if common.require_data():
    common.caption()
    f = common.filters()
    df = common.surveys()
    has = df.dropna(subset=["ipak", "ipkp"], how="all")
    c = st.columns(4)
    c[0].metric("Unit dengan nilai survei", f"{len(has)} dari {len(df)}")
    c[1].metric("Rata-rata IPAK", common.num(has["ipak"].mean()))
    c[2].metric("Rata-rata IPKP", common.num(has["ipkp"].mean()))
    c[3].metric("IPAK ≥ 3,6 dan IPKP ≥ 3,2", int(((has["ipak"] >= 3.6) & (has["ipkp"] >= 3.2)).sum()),
                help="Ambang survei untuk WBK (data/thresholds.csv)")
    left, right = st.columns(2)
    left.plotly_chart(charts.survey_scatter(df, "ipak"), width="stretch")
    right.plotly_chart(charts.survey_scatter(df, "ipkp"), width="stretch")
    table = df[["unit_name", "instansi", "ipak", "ipkp", "pengungkit", "hasil", "total", "predicate"]]
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "unit_name": "Unit kerja", "instansi": "Instansi", "ipak": st.column_config.NumberColumn("IPAK", format="%.2f"),
        "ipkp": st.column_config.NumberColumn("IPKP", format="%.2f"), "pengungkit": common.score_column("Pengungkit"),
        "hasil": common.score_column("Hasil"), "total": common.score_column("Total"), "predicate": "Predikat"})
    common.downloads(table, f"survei_{f['year']}", "survey")
