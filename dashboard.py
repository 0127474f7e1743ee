"""ZI Monitor dashboard: routes to the pages and holds the shared sidebar filters."""

import streamlit as st

from pages import common

st.set_page_config(page_title="ZI Monitor", page_icon=":material/verified_user:", layout="wide")

PAGES = [
    st.Page("pages/ringkasan.py", title="Ringkasan", icon=":material/dashboard:", default=True),
    st.Page("pages/peringkat.py", title="Peringkat", icon=":material/leaderboard:"),
    st.Page("pages/kesenjangan.py", title="Kesenjangan", icon=":material/troubleshoot:"),
    st.Page("pages/tren.py", title="Tren", icon=":material/trending_up:"),
    st.Page("pages/profil_unit.py", title="Profil Unit", icon=":material/apartment:"),
    st.Page("pages/siklus.py", title="Siklus", icon=":material/conversion_path:"),
    st.Page("pages/survei.py", title="Survei", icon=":material/poll:"),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
]

st.sidebar.title("ZI Monitor")
st.sidebar.caption("Pemantauan Zona Integritas menuju WBK/WBBM")
if not common.access_gate():
    st.stop()
common.sidebar_filters()
page = st.navigation(PAGES)
page.run()
