"""Tren: scores over the years per unit, per instansi, or per area."""

import streamlit as st

from pages import common
from zi_data import charts

common.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

st.title("Tren")
if common.require_data():
    f = common.filters()
    inst = ", ".join(f["instansi"]) if f["instansi"] else "semua instansi"
    st.caption(f"Semua tahun · {inst} · jawaban {f['assessor_label']}")
    by = st.radio("Tampilkan per", ["Unit kerja", "Instansi", "Area"], horizontal=True, key="trend_by")
    if by == "Unit kerja":
        latest = common.scores()
        names = latest.sort_values("total", ascending=False)["unit_name"].tolist()
        all_units = common.query("trend", f["assessor"], "unit", f["instansi"])
        options = sorted(set(all_units["unit_name"])) if not all_units.empty else []
        default = [n for n in names if n in options][:5]
        chosen = st.multiselect("Unit kerja", options, default=default, key="trend_units")
        data = all_units[all_units["unit_name"].isin(chosen)] if chosen else all_units.iloc[0:0]
        totals = data.drop_duplicates(["unit_name", "year"])
        st.plotly_chart(charts.trend_lines(totals, "total", "unit_name", "Nilai total per tahun",
                                           totals["edition"].tolist()), width="stretch")
        if len(chosen) == 1:
            st.plotly_chart(charts.trend_lines(data, "share", "area", "Capaian area per tahun"),
                            width="stretch")
        table = totals[["unit_name", "instansi", "year", "edition", "total"]]
    elif by == "Instansi":
        data = common.query("trend", f["assessor"], "instansi", f["instansi"])
        totals = data.drop_duplicates(["instansi", "year"])
        st.plotly_chart(charts.trend_lines(totals, "total", "instansi", "Rata-rata nilai total per instansi",
                                           totals["edition"].tolist()), width="stretch")
        table = totals[["instansi", "year", "edition", "total", "units"]]
    else:
        data = common.query("trend", f["assessor"], "instansi", f["instansi"])
        if not data.empty:
            data = data.groupby(["year", "area_key", "area"], as_index=False)["share"].mean()
        st.plotly_chart(charts.trend_lines(data, "share", "area", "Rata-rata capaian enam area per tahun"),
                        width="stretch")
        table = data
    common.downloads(table, "tren", "trend")
