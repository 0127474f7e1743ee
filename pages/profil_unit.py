"""Profil Unit: one unit and year, the unit's answers beside the TPI's, and where the unit over-claims."""

import pandas as pd
import streamlit as st

from pages import common
from zi_data import charts
from zi_data.readers.base import level_name
from zi_data.readers.provenance import read_summary

common.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

st.title("Profil Unit")
if common.require_data():
    f = common.filters()
    df = common.scores(assessor="unit")
    if df.empty:
        st.info("Tidak ada unit untuk pilihan ini.")
        st.stop()
    tpi = common.scores(assessor="tpi")
    names = sorted(df["unit_name"].tolist())
    assessed = set(tpi.loc[tpi["total"].notna(), "unit_name"])
    first = next((i for i, n in enumerate(names) if n in assessed), 0)  # open on a unit the TPI has assessed
    name = st.selectbox("Unit kerja", names, index=first, key="profile_unit")
    row = df[df["unit_name"] == name].iloc[0]
    trow = tpi[tpi["unit_name"] == name].iloc[0]
    st.caption(f"{row['instansi']} · tahun {f['year']} · edisi {row['edition']} · berkas {row['file_name']}")
    if isinstance(row.get("needs_review"), str):
        st.warning(f"**Perlu diperiksa**: {row['needs_review']}. Berkas ini dimuat atas permintaan walau hanya "
                   "sebagian cocok dengan daftar pertanyaan; nilainya tidak sebanding dengan unit lain.",
                   icon=":material/report:")

    questions = common.query("profile_questions", row["submission_id"])
    over = questions[questions["is_overclaim"]] if not questions.empty else questions
    c = st.columns(4)
    c[0].metric("Nilai total Unit", common.num(row["total"]))
    c[1].metric("Nilai total TPI", common.num(trow["total"]),
                delta=None if pd.isna(trow["total"]) else common.num(trow["total"] - row["total"]) + " dari Unit")
    c[2].metric("Klaim berlebih", f"{common.num(over['overclaim'].sum() if len(over) else 0)} poin",
                help="Jumlah poin pertanyaan yang nilainya menurut Unit lebih tinggi daripada menurut TPI "
                     "(selisih nilai x bobot indikator dibagi jumlah pertanyaannya)")
    c[3].metric("Pertanyaan diklaim lebih", len(over))
    st.markdown(f"Predikat menurut Unit: {common.badge(row['predicate'])} &nbsp; "
                f"Predikat menurut TPI: {common.badge(trow['predicate'])}")
    st.caption("Laporan hasil evaluasi unit ini (draf LHE): nilai per tingkat, syarat WBK/WBBM, area dan indikator, "
               "klaim berlebih, peluang nilai, riwayat, dan ruang catatan evaluator.")
    common.report_buttons(row["submission_id"], name, f["year"])

    areas = common.query("profile_areas", row["submission_id"])
    st.plotly_chart(charts.profile_area_bars(areas), width="stretch")

    st.subheader("Jawaban per pertanyaan")
    only = st.toggle("Hanya pertanyaan dengan klaim berlebih", key="profile_only_over")
    table = questions.copy()
    if only:
        table = table[table["is_overclaim"]]
    table = table.assign(kode=table["question_id"], value_unit=table["value_unit"] * 100,
                         value_tpi=table["value_tpi"] * 100)
    # levels beyond the unit and the (last) TPI: a first TPI level, the TPN, side by side with their notes
    levels = common.query("levels_of", row["submission_id"])["level"].tolist()
    extra = [k for k in levels if k not in ("unit", "tpi") and f"answer_{k}" in table.columns]
    cols = ["kode", "indicator", "text", "answer_unit", *[f"answer_{k}" for k in extra], "answer_tpi", "value_unit",
            "value_tpi", "overclaim", "note_unit", "evidence_unit", *[f"note_{k}" for k in extra], "note_tpi"]
    view = table[cols].reset_index(drop=True)
    flagged = table["is_overclaim"].reset_index(drop=True)

    def highlight(r):
        return ["background-color: #FDE2E1" if flagged.iloc[r.name] else "" for _ in r]

    st.dataframe(view.style.apply(highlight, axis=1), hide_index=True, width="stretch", height=460,
                 column_config={
                     "kode": st.column_config.TextColumn("Kode", width="small"),
                     "indicator": "Indikator", "text": st.column_config.TextColumn("Pertanyaan", width="large"),
                     "answer_unit": "Jawaban Unit", "answer_tpi": "Jawaban TPI",
                     "value_unit": common.share_column("Nilai Unit"), "value_tpi": common.share_column("Nilai TPI"),
                     "overclaim": st.column_config.NumberColumn("Klaim berlebih (poin)", format="%.3f"),
                     "note_unit": "Catatan Unit", "evidence_unit": "Bukti dukung", "note_tpi": "Catatan TPI",
                     **{f"answer_{k}": f"Jawaban {level_name(k)}" for k in extra},
                     **{f"note_{k}": f"Catatan {level_name(k)}" for k in extra}})
    st.caption("Baris merah: Unit memberi nilai lebih tinggi daripada TPI.")
    common.downloads(view, f"profil_{name}_{f['year']}", "profile")

    read = common.query("read_info", row["submission_id"])
    if read:
        with st.expander("Cara berkas ini dibaca"):
            st.markdown(read_summary(read))

    warnings = common.query("warnings", row["submission_id"])
    if len(warnings):
        with st.expander(f"Peringatan saat membaca berkas ({len(warnings)})"):
            for m in warnings["message"]:
                st.markdown(f"- {m}")
