"""Survei: IPAK and IPKP per unit beside the LKE scores, and how they relate to Pengungkit."""

import streamlit as st

from ui import filters, loaders, router, widgets
from zi_data import charts
from zi_data.export import Column

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

COLUMNS = [Column("unit_label", "Unit kerja", width="medium"), Column("ipak", "IPAK", "score"),
           Column("ipkp", "IPKP", "score"), Column("predicate", "Predikat"),
           Column("pengungkit", "Pengungkit", "score", phone=False), Column("hasil", "Hasil", "score", phone=False),
           Column("total", "Total", "score", phone=False), Column("instansi", "Instansi", phone=False),
           Column("needs_review", "Perlu diperiksa", phone=False)]

st.title("Survei")
if loaders.require_data():
    filters.caption()
    f = filters.current()
    phone = widgets.phone()
    df = loaders.surveys(f)
    has = df.dropna(subset=["ipak", "ipkp"], how="all")
    with st.container(horizontal=True, gap="medium"):
        st.metric("Unit dengan nilai survei", f"{len(has)} dari {len(df)}", width="content")
        st.metric("Rata-rata IPAK", widgets.num(has["ipak"].mean()), width="content")
        st.metric("Rata-rata IPKP", widgets.num(has["ipkp"].mean()), width="content")
        st.metric("IPAK ≥ 3,6 dan IPKP ≥ 3,2", int(((has["ipak"] >= 3.6) & (has["ipkp"] >= 3.2)).sum()),
                  help="Ambang survei untuk WBK (data/thresholds.csv)", width="content")
    # a partial file's Pengungkit is not comparable: its survey values stay in the table, not in the plots
    widgets.review_note(df, "tidak ikut dalam diagram (Pengungkit-nya tidak sebanding)")
    complete = df[df["needs_review"].isna()]
    st.caption("Klik titik untuk membuka Profil Unit unit itu.")
    left, right = st.columns(2)
    for col, index in ((left, "ipak"), (right, "ipkp")):
        with col:
            widgets.chart(charts.survey_scatter(complete, index, compact=phone), key=f"scatter_{index}",
                          open_unit=True)
    widgets.table(df, COLUMNS, key="survey_table")
    widgets.downloads(df, COLUMNS, f"survei_{f['year']}", "survey", "Survei IPAK dan IPKP")
