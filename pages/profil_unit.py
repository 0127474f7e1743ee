"""Profil Unit: one unit and year, the unit's answers beside the TPI's, and where the unit over-claims."""

from datetime import date

import pandas as pd
import streamlit as st

from ui import filters, loaders, router, widgets
from ui.text import md
from zi_data import charts
from zi_data.cycle import stages
from zi_data.export import Column
from zi_data.readers.base import level_name, level_order
from zi_data.readers.provenance import read_lines
from zi_data.reports.data import safe_name

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed


def cycle_line(row: pd.Series, year: int) -> None:
    """Where the unit stands in the year's cycle (Siklus): its stage, lateness and the national team's result."""
    today = date.today()
    status = loaders.query("cycle_status", year, [row["instansi"]], today)
    mine = status[status["unit_id"] == row["unit_id"]]
    if mine.empty:
        return
    u = mine.iloc[0]
    parts = [f"Tahap siklus {year}: **{u['stage_label']}**"]
    if u["terlambat"]:
        parts.append(f"terlambat (batas pengusulan {stages.tanggal(stages.deadline_for(year))})")
    if isinstance(u.get("target"), str) and u["target"]:
        parts.append(f"target {u['target']}")
    if pd.notna(u.get("tpn_total")):
        parts.append(f"nilai TPN {widgets.num(u['tpn_total'])}")
    if u.get("keputusan") in ("WBK", "WBBM"):
        parts.append(f"predikat {u['keputusan']} ditetapkan TPN")
    st.markdown(" · ".join(parts))
    if isinstance(u.get("catatan"), str) and u["catatan"].strip():
        st.caption(f"Catatan TPN: {md(u['catatan'])}")


st.title("Profil Unit")
if loaders.require_data():
    f = filters.current()
    phone = widgets.phone()
    df = loaders.scores(f, assessor="unit")
    if df.empty:
        st.info("Tidak ada unit untuk pilihan ini.")
        st.stop()
    tpi = loaders.scores(f, assessor="tpi")
    units = df.sort_values("unit_label")
    assessed = set(tpi.loc[tpi["total"].notna(), "unit_id"])
    first = next((i for i, u in enumerate(units["unit_id"]) if u in assessed), 0)  # a unit the TPI has assessed
    unit_id = filters.unit_select("Unit kerja", units, default=first,
                                  review=set(df.loc[df["needs_review"].notna(), "unit_id"]))
    # the unit and its TPI scores by the unit's key: two units whose labels read alike are never mixed
    row = df[df["unit_id"] == unit_id].iloc[0]
    trow = tpi[tpi["unit_id"] == unit_id].iloc[0]
    name = row["unit_label"]
    st.caption(md(f"{row['instansi']} · tahun {f['year']} · edisi {row['edition']} · berkas {row['file_name']}"))
    if isinstance(row.get("needs_review"), str):
        st.warning(f"**Perlu diperiksa**: {md(row['needs_review'])}. Berkas ini dimuat atas permintaan walau hanya "
                   "sebagian cocok dengan daftar pertanyaan; nilainya tidak sebanding dengan unit lain dan tidak "
                   "ikut dalam peringkat maupun rata-rata.", icon=":material/report:")

    questions = loaders.query("profile_questions", row["submission_id"])
    over = questions[questions["is_overclaim"]] if not questions.empty else questions
    tpi_assessed = pd.notna(trow["total"])
    with st.container(horizontal=True, gap="medium"):
        st.metric("Nilai total Unit", widgets.num(row["total"]), width="content")
        st.metric("Nilai total TPI", widgets.num(trow["total"]), width="content",
                  delta=None if pd.isna(trow["total"]) else widgets.signed(trow["total"] - row["total"]) + " dari Unit")
        if tpi_assessed:
            st.metric("Klaim berlebih", f"{widgets.num(over['overclaim'].sum() if len(over) else 0)} poin",
                      width="content", help="Jumlah poin pertanyaan yang nilainya menurut Unit lebih tinggi daripada "
                                            "menurut TPI (selisih nilai x bobot indikator dibagi jumlah pertanyaannya)")
            st.metric("Pertanyaan diklaim lebih", len(over), width="content")
        else:  # nothing to compare with: never "0 poin", which would read as a clean result
            st.metric("Klaim berlebih", "belum dinilai TPI", width="content",
                      help="Klaim berlebih dihitung dari jawaban Unit yang nilainya lebih tinggi daripada jawaban TPI; "
                           "berkas ini belum memuat jawaban TPI")
    st.markdown(f"Predikat menurut Unit: {widgets.badge(row['predicate'])} &nbsp; "
                f"Predikat menurut TPI: {widgets.badge(trow['predicate'])}")
    cycle_line(row, f["year"])
    st.caption("Laporan Hasil Evaluasi (LHE) unit ini: nilai per tingkat, syarat WBK/WBBM, area dan indikator, klaim "
               "berlebih, peluang nilai, riwayat, rancangan simpulan dan rekomendasi, dan lembar tanda tangan.")
    widgets.report_buttons(row["submission_id"], name, f["year"])

    # Why each level's predicate is what it is: the rules that fail, with value, minimum and shortfall.
    levels = loaders.query("levels_of", row["submission_id"])
    scored = sorted(levels["level"], key=lambda k: (k != "tpi", level_order(k)))  # the deciding TPI first
    st.subheader("Syarat WBK dan WBBM")
    tabs = st.tabs([f"Menurut {level_name(k)}" for k in scored]) if scored else []
    for tab, key in zip(tabs, scored, strict=True):
        with tab:
            widgets.failing_rules(loaders.query("rule_results", row["submission_id"], key), level_name(key))

    areas = loaders.query("profile_areas", row["submission_id"])
    widgets.chart(charts.profile_area_bars(areas, compact=phone))

    st.subheader("Jawaban per pertanyaan")
    only = st.toggle("Hanya pertanyaan dengan klaim berlebih", key="profile_only_over")
    table = questions.copy()
    if only:
        table = table[table["is_overclaim"]]
    table = table.assign(kode=table["question_id"], value_unit=table["value_unit"] * 100,
                         value_tpi=table["value_tpi"] * 100).reset_index(drop=True)
    # levels beyond the unit and the (last) TPI: a first TPI level, the TPN, side by side with their notes
    extra = [k for k in levels["level"].tolist() if k not in ("unit", "tpi") and f"answer_{k}" in table.columns]
    columns = [
        Column("kode", "Kode", width="small"),
        Column("text", "Pertanyaan", width="large"),
        Column("answer_unit", "Jawaban Unit"),
        *[Column(f"answer_{k}", f"Jawaban {level_name(k)}", phone=False) for k in extra],
        Column("answer_tpi", "Jawaban TPI"),
        Column("overclaim", "Klaim berlebih (poin)", "score"),
        Column("value_unit", "Nilai Unit", "pct", phone=False), Column("value_tpi", "Nilai TPI", "pct", phone=False),
        Column("indicator", "Indikator", phone=False),
        Column("note_unit", "Catatan Unit", width="medium", phone=False),
        Column("evidence_unit", "Bukti dukung", width="medium", phone=False),
        *[Column(f"note_{k}", f"Catatan {level_name(k)}", phone=False) for k in extra],
        Column("note_tpi", "Catatan TPI", width="medium", phone=False),
    ]
    st.caption("Baris merah: Unit memberi nilai lebih tinggi daripada TPI. Klik baris untuk membaca pertanyaan, "
               "catatan dan bukti dukungnya utuh.")
    picked = widgets.table(table, columns, key="profile_questions", height=460, select=True,
                           flag=table["is_overclaim"])
    if picked is not None:
        q = table.iloc[picked]
        with st.container(border=True):
            st.markdown(f"**{md(q['kode'])} · {md(q['indicator'])}**")
            st.markdown(md(q["text"]))
            for col in [c for c in columns if c.key.startswith(("answer_", "note_", "evidence_"))]:
                value = q.get(col.key)
                text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()
                st.markdown(f"**{col.label}:** {md(text) or '–'}")
            st.markdown(f"**Nilai Unit / TPI:** {widgets.num(q['value_unit'], 0)}% / {widgets.num(q['value_tpi'], 0)}%"
                        f" · **klaim berlebih:** {widgets.num(q['overclaim'])} poin")
    widgets.downloads(table, columns, f"profil_{safe_name(row['unit_name'])}_{f['year']}", "profile", f"Profil Unit {name}")

    read = loaders.query("read_info", row["submission_id"])
    if read:
        with st.expander("Cara berkas ini dibaca"):
            # what the file's own headers and sheet names say, as written
            st.markdown("\n".join(f"- **{label}**: {md(text)}" if label else f"  - {md(text)}"
                                   for label, text in read_lines(read)))

    warnings = loaders.query("warnings", row["submission_id"])
    if len(warnings):
        with st.expander(f"Peringatan saat membaca berkas ({len(warnings)})"):
            for m in warnings["message"]:
                st.markdown(f"- {md(m)}")
