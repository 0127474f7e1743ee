"""Ringkasan: leadership's view of the year at a glance."""

import streamlit as st

from pages import common
from zi_data import charts, queries

common.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

st.title("Ringkasan")
if common.require_data():
    common.caption()
    f = common.filters()
    df = common.scores()
    tpi = common.scores(assessor="tpi")  # WBK/WBBM counts always on the TPI's answers
    s = queries.summary(df)
    st_tpi = queries.summary(tpi)
    not_assessed = int(tpi["total"].isna().sum())

    c = st.columns(5)
    c[0].metric("Unit kerja", s["units"], help="Unit dengan LKE tahun ini (pengajuan terbaru)")
    c[1].metric(f"Rata-rata nilai total ({f['assessor_label']})", common.num(s["mean_total"]),
                delta=None if s["mean_change"] is None else common.num(s["mean_change"]) + " dari tahun lalu",
                help="Rata-rata atas unit yang sudah dinilai; perubahan dihitung untuk unit yang juga ada tahun lalu")
    c[2].metric("Memenuhi WBK (TPI)", st_tpi["wbk"], help="Semua syarat WBK terpenuhi pada jawaban TPI")
    c[3].metric("Memenuhi WBBM (TPI)", st_tpi["wbbm"], help="Semua syarat WBBM terpenuhi pada jawaban TPI")
    c[4].metric("Belum dinilai TPI", not_assessed)
    if s["review"]:
        st.warning(f"{s['review']} unit **perlu diperiksa** (berkasnya hanya sebagian cocok dengan daftar pertanyaan): "
                   "tidak ikut dalam rata-rata dan hitungan predikat.", icon=":material/report:")

    left, right = st.columns([3, 2])
    left.plotly_chart(charts.totals_histogram(df), width="stretch")
    right.plotly_chart(charts.predicate_donut(df), width="stretch")
    st.plotly_chart(charts.area_share_bars(queries.area_shares(df)), width="stretch")

    st.subheader("Perubahan dibanding tahun lalu")
    moved = df[df["change"].notna()].copy()
    if moved.empty:
        st.info("Belum ada data tahun sebelumnya untuk dibandingkan.")
    else:
        moved = moved.sort_values("change", ascending=False)
        table = moved[["unit_name", "instansi", "total_prev", "total", "change", "predicate"]]
        up, down = st.columns(2)
        config = {"unit_name": "Unit kerja", "instansi": "Instansi",
                  "total_prev": common.score_column("Tahun lalu"), "total": common.score_column("Tahun ini"),
                  "change": common.score_column("Perubahan"), "predicate": "Predikat"}
        up.markdown("**Naik paling banyak**")
        up.dataframe(table.head(10), column_config=config, hide_index=True, width="stretch")
        down.markdown("**Turun paling banyak**")
        down.dataframe(table.tail(10).iloc[::-1], column_config=config, hide_index=True, width="stretch")
        common.downloads(table, f"perubahan_{f['year']}", "ringkasan")
