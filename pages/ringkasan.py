"""Ringkasan: leadership's view of the year at a glance."""

import streamlit as st

from ui import address, filters, loaders, router, widgets
from zi_data import charts, queries
from zi_data.export import Column

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

# Half the page each on a 1440 px screen: the name, the change, this year's total and the predicate fit whole.
MOVERS = [Column("unit_label", "Unit kerja", width=180), Column("change", "Perubahan", "change", width=80),
          Column("total", "Tahun ini", "score", width=75), Column("predicate", "Predikat"),
          Column("total_prev", "Tahun lalu", "score", phone=False, width=75),
          Column("instansi", "Instansi", phone=False)]

st.title("Ringkasan")
if loaders.require_data():
    filters.caption()
    f = filters.current()
    who = f["assessor_label"]
    df = loaders.scores(f)
    s = queries.summary(df)
    # One set of figures, all on the answers chosen in the sidebar: the counts are the donut's slices.
    with st.container(horizontal=True, gap="medium"):
        st.metric("Unit kerja", s["units"], help="Unit dengan LKE tahun ini (pengajuan terbaru)", width="content")
        st.metric(f"Rata-rata nilai total ({who})", widgets.num(s["mean_total"]), width="content",
                  delta=None if s["mean_change"] is None else widgets.signed(s["mean_change"]) + " dari tahun lalu",
                  help="Rata-rata atas unit yang sudah dinilai; perubahan: rata-rata atas unit yang juga dinilai "
                       "tahun lalu dengan edisi LKE yang sama")
        st.metric(f"Predikat WBBM ({who})", s["wbbm"], width="content",
                  help=f"Unit yang semua syarat WBBM-nya terpenuhi pada jawaban {who}")
        st.metric(f"Predikat WBK ({who})", s["wbk"], width="content",
                  help=f"Unit yang semua syarat WBK-nya terpenuhi pada jawaban {who}, tetapi belum WBBM (unit WBBM "
                       "dihitung di WBBM saja, seperti pada diagram status predikat)")
        st.metric(f"Belum memenuhi ({who})", s["not_met"], width="content")
        st.metric(f"Belum dinilai ({who})", s["unscored"], width="content",
                  help=f"Unit yang berkasnya belum memuat jawaban {who}")
    widgets.review_note(df)

    phone = widgets.phone()
    complete = df[df["needs_review"].isna()]  # a partial file's scores are not comparable: left out of the charts
    left, right = st.columns([3, 2])
    with left:
        widgets.chart(charts.totals_histogram(complete, compact=phone))
    with right:
        widgets.chart(charts.predicate_donut(s, who, compact=phone))
    widgets.chart(charts.area_share_bars(queries.area_shares(complete), compact=phone))

    st.subheader("Perubahan dibanding tahun lalu")
    rises, falls = queries.movers(df)
    if not s["compared"]:
        st.info("Belum ada nilai tahun lalu (dengan edisi LKE yang sama) untuk dibandingkan.")
    else:
        st.caption(f"{s['compared']} unit dapat dibandingkan dengan tahun lalu (jawaban {who}). "
                   "Klik baris untuk membuka Profil Unit.")
        up, down = st.columns(2)
        for col, frame, title, none, key in (
                (up, rises, "Naik paling banyak", "Tidak ada unit yang nilainya naik.", "rises"),
                (down, falls, "Turun paling banyak", "Tidak ada unit yang nilainya turun.", "falls")):
            with col:
                st.markdown(f"**{title}**")
                if frame.empty:
                    st.info(none)
                    continue
                row = widgets.table(frame, MOVERS, key=key, select=True)
                if row is not None:
                    address.open_profile(frame["unit_id"].iloc[row])
        moved = df[df["change"].notna() & df["needs_review"].isna()].sort_values("change", ascending=False)
        widgets.downloads(moved, MOVERS, f"perubahan_{f['year']}", "ringkasan", "Perubahan nilai total")
