"""Laporan: the recap of the sidebar's year and instansi, and every unit's report of one instansi as one ZIP."""

import streamlit as st

from ui import filters, loaders, router, widgets
from ui.text import md
from zi_data import queries, reports
from zi_data.export import Column
from zi_data.reports.data import safe_name

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

KINDS = {"num": "score", "num3": "score", "signed": "change", "pct": "pct", "int": "int"}  # report kinds -> tables'
# "Belum dinilai TPI (Unit: Belum memenuhi)" and "Belum mengirim LKE" whole
WIDTHS = {"no": 48, "unit_name": "medium", "instansi": "medium", "stage": 135, "predicate": 265,
          "below_WBK": "medium", "below_WBBM": "medium"}

st.title("Laporan")
if loaders.require_data():
    filters.caption()
    f = filters.current()
    path = loaders.db_path()

    st.subheader("Rekapitulasi")
    recap = loaders.recap(f["year"], f["instansi"], f["edition"])
    st.write(recap.summary())
    table = recap.table
    # the recap's own columns, as the PDF and XLSX have them; on a phone a card per unit with its predicate
    judged = f"score_{recap.judged}"
    columns = [Column(c.key, c.title, KINDS.get(c.kind, "text"), width=WIDTHS.get(c.key, 90 if c.kind == "num" else None),
                      phone=c.key in ("no", "unit_name", "stage", judged, "predicate")) for c in table.columns]
    # the predicate within the screen's width: the instansi after the areas
    columns = [c for c in columns if c.key != "instansi"] + [c for c in columns if c.key == "instansi"]
    widgets.table(table.rows, columns, key="recap_table", height=420)
    st.caption(table.intro)
    widgets.recap_buttons(f["year"], f["instansi"], f["edition"])

    st.subheader("Laporan semua unit satu instansi")
    st.caption("Satu Laporan Hasil Evaluasi (LHE) per unit kerja, dikemas dalam satu berkas ZIP. Laporan satu unit "
               "dapat diunduh di halaman Profil Unit.")
    widgets.kop_note()
    options = sorted(set(recap.table.rows["instansi"].dropna()))
    if not options:
        st.info("Tidak ada unit kerja untuk pilihan ini.")
        st.stop()
    c1, c2, c3 = st.columns([3, 2, 2])
    instansi = c1.selectbox("Instansi", options, key="report_instansi")
    fmt = c2.radio("Format", ["pdf", "docx"], key="report_format", horizontal=True,
                   format_func=widgets.FORMAT_LABELS.get)
    key = (str(path), loaders.db_version(path), loaders.kop_version(str(path)), f["year"], instansi, fmt)
    if c3.button("Buat ZIP", key="report_zip", icon=":material/folder_zip:", type="primary"):
        bar = st.progress(0.0, text="Menyiapkan laporan ...")

        def step(done: int, total: int, unit: str) -> None:
            bar.progress(done / total, text=f"{done} dari {total} laporan: {md(unit)}")

        failed: list = []
        con = queries.connect(path)
        try:
            content = reports.zip_of(reports.all_units(con, f["year"], [instansi], fmt, on_step=step,
                                                       kop=loaders.kop()[0], failed=failed), failed)
        finally:
            con.close()
        bar.empty()
        st.session_state["report_zip_file"] = (key, content, [unit for unit, _ in failed])
    made = st.session_state.get("report_zip_file")
    if made and made[0] == key:
        if made[2]:
            st.warning(f"Laporan {len(made[2])} unit kerja tidak dapat dibuat: {md('; '.join(made[2]))}. Laporan unit "
                       f"lain ada di ZIP, dengan daftar ini di {reports.FAILED_FILE}; rinciannya di log server.",
                       icon=":material/warning:")
        st.download_button(f"Unduh ZIP ({widgets.num(len(made[1]) / 1e6, 1)} MB)", made[1],
                           file_name=f"LHE_{f['year']}_{safe_name(instansi)}_{fmt}.zip", mime=reports.MIME["zip"],
                           key="report_zip_download", icon=":material/download:")
