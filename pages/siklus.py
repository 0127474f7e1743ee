"""Siklus: every unit through the year's cycle, whom to propose within the quota, and the TPI beside the TPN."""

import json
from datetime import date

import pandas as pd
import streamlit as st

from ui import filters, loaders, router, signin, widgets
from ui.text import md
from zi_data import charts, names
from zi_data.cycle import calibration, stages
from zi_data.cycle import proposal as proposal_mod
from zi_data.export import Column

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

LATE = "⚠ Terlambat"
STATUS_COLUMNS = [
    Column("unit_name", "Unit kerja", width="medium"), Column("stage_label", "Tahap"),
    Column("late", "Terlambat", help="Masih belum mengirim LKE atau belum dinilai TPI setelah batas pengusulan"),
    Column("tpi_total", "Nilai TPI", "score"), Column("unit_total", "Nilai Unit", "score", phone=False),
    Column("tpn_total", "Nilai TPN", "score"), Column("keputusan", "Keputusan TPN"),
    Column("target_text", "Target", phone=False), Column("instansi", "Instansi", phone=False),
    Column("review", "Perlu diperiksa", phone=False),
]
CALIBRATION_COLUMNS = [
    Column("unit_name", "Unit kerja"), Column("instansi", "Instansi"), Column("tpi_total", "Nilai TPI", "score"),
    Column("tpi_predicate", "Predikat TPI"), Column("tpn_total", "Nilai TPN", "score"),
    Column("keputusan", "Keputusan TPN"), Column("selisih", "Selisih TPI - TPN", "change"),
]
RANKED_COLUMNS = [
    Column("rank", "No", "int", width=48), Column("unit_name", "Unit kerja", width="medium"),
    Column("tpi_total", "Nilai TPI", "score"), Column("margin", "Selisih terkecil", "score"),
    Column("closest", "Syarat terdekat", width="large"), Column("instansi", "Instansi", phone=False),
]
FAILING_COLUMNS = [
    Column("unit_name", "Unit kerja", width="medium"), Column("tpi_total", "Nilai TPI", "score", width=80),
    Column("gagal", "Syarat yang belum terpenuhi", width="large"), Column("instansi", "Instansi", phone=False),
]
BY_INSTANSI_COLUMNS = [
    Column("instansi", "Instansi", width="medium"), Column("selisih_mean", "Rata-rata selisih", "change"),
    Column("tpi_mean", "Rata-rata TPI", "score"), Column("tpn_mean", "Rata-rata TPN", "score"),
    Column("units", "Unit", "int"),
]
DISAGREEMENT_COLUMNS = [
    Column("unit_name", "Unit kerja", width="medium"), Column("tpi_predicate", "Predikat TPI"),
    Column("tpi_total", "Nilai TPI", "score"), Column("tpn_total", "Nilai TPN", "score"),
    Column("keputusan", "Keputusan TPN"), Column("alasan", "Alasan", width="large"),
    Column("instansi", "Instansi", phone=False),
]


def text(value) -> str:
    """Text for a table cell a person reads: a dash rather than None or nan."""
    return value if isinstance(value, str) and value else "–"


def ranked_table(df: pd.DataFrame, key: str) -> None:
    widgets.table(df.assign(rank=df["rank"].astype(int)), RANKED_COLUMNS, key=key)


def portalrb(year: int, inst: list[str] | None, building: proposal_mod.Proposal) -> None:
    """PortalRB's pull API (zi_data/api/): the units of the proposal being built that it would not get, the
    saved proposals' units that must be saved again, and what PortalRB last fetched of each and whether it is
    still what the proposal holds."""
    from zi_data import queries
    from zi_data.api import review, served

    st.subheader("PortalRB (API)")
    try:
        con = queries.connect(loaders.db_path())
        try:
            cannot = served.unservable(con, building.proposed)
        finally:
            con.close()
        r = review.review(loaders.db_path(), year, inst)
    except queries.DatabaseBusy:
        st.warning("Basis data sedang diperbarui oleh proses pemuatan. Muat ulang halaman sebentar lagi.")
        return
    if cannot:
        st.warning("Usulan di atas memuat unit yang tidak akan dikirim ke PortalRB: " + md("; ".join(cannot)),
                   icon=":material/report:")
    for n in r.notices:
        st.warning(f"**{md(n.unit)}** ({md(n.instansi)}, usulan {n.predikat}): {md(n.pesan)}",
                   icon=":material/sync_problem:")
    st.caption("PortalRB mengambil sendiri daftar unit yang diusulkan dan jawaban LKE-nya dari usulan tersimpan "
               "(`zi api serve`, token dari `zi api token`; lihat README). Sebelum menekan **Sesuai** di PortalRB, "
               "pastikan kolom *Masih sama* berisi ya.")
    if r.units.empty:
        st.info(f"Belum ada usulan tersimpan tahun {year} untuk dikirim ke PortalRB.", icon=":material/info:")
        return
    widgets.table(r.lists, [Column("instansi", "Instansi"), Column("predikat", "Daftar"),
                            Column("units", "Unit dikirim", "int", phone=False),
                            Column("diambil", "Terakhir diambil", "date", phone=False), Column("hasil", "Hasil"),
                            Column("sama", "Masih sama")], key="portalrb_lists")
    widgets.table(r.units, [Column("unit_name", "Unit kerja", width="medium"), Column("kategori", "Kategori"),
                            Column("diambil", "Terakhir diambil", "date", phone=False), Column("hasil", "Hasil"),
                            Column("sama", "Masih sama", help="Jawaban yang terakhir berhasil diambil PortalRB "
                                   "sama dengan yang kini dikirim API"),
                            Column("instansi", "Instansi", phone=False),
                            Column("public_id", "ID PortalRB", phone=False),
                            Column("file_name", "LKE yang dikirim", phone=False)], key="portalrb_units")


st.title("Siklus")
if loaders.require_data():
    f = filters.current()
    year, inst = f["year"], f["instansi"]
    phone = widgets.phone()
    today = date.today()
    deadline = stages.deadline_for(year)
    status = loaders.query("cycle_status", year, inst, today)
    scope = filters.instansi_text(inst)
    when = "sudah lewat" if today > deadline else f"{(deadline - today).days} hari lagi"
    st.caption(f"Tahun {year} · {md(scope)} · batas pengusulan ke KemenPANRB {stages.tanggal(deadline)} ({when}) · "
               "nilai TPI adalah tingkat TPI terakhir")

    # --- where every unit stands ----------------------------------------------------------------------------
    counts = status["stage"].value_counts()
    # figures side by side that wrap on a narrow screen, as on Ringkasan
    with st.container(horizontal=True, gap="medium"):
        st.metric("Unit dalam siklus", len(status), width="content",
                  help="Unit di daftar unit, unit yang mengirim LKE, dan unit dengan hasil TPN tahun ini")
        st.metric("Belum mengirim LKE", int(counts.get("belum_mengirim", 0)), width="content")
        st.metric("Terlambat", int(status["terlambat"].sum()), width="content",
                  help=f"Masih belum mengirim LKE atau belum dinilai TPI setelah {stages.tanggal(deadline)}")
        st.metric("Diusulkan", int(counts.get("diusulkan", 0)), width="content",
                  help="Dalam usulan tersimpan yang berlaku dan belum ada hasil TPN-nya")
        st.metric("Ditetapkan", int(counts.get("ditetapkan", 0)), width="content",
                  help="Predikat WBK/WBBM ditetapkan menurut hasil TPN")
    if not status["on_roster"].any():
        st.info("Belum ada daftar unit untuk tahun ini: muat berkas daftar unit (kolom Unit Kerja, Instansi, Tahun, "
                "Target) di halaman **Data** agar unit yang belum mengirim LKE terlihat.", icon=":material/info:")
    left, right = st.columns([3, 2])
    with left:
        widgets.chart(charts.stage_funnel(stages.funnel(status), compact=phone))
    per_stage = pd.DataFrame({"Tahap": [stages.STAGE_LABELS[s] for s in stages.STAGES],
                              "Unit": [int(counts.get(s, 0)) for s in stages.STAGES]})
    right.markdown("**Unit per tahap saat ini**")
    right.dataframe(per_stage, hide_index=True, width="stretch")
    off_roster = int((~status["on_roster"]).sum()) if status["on_roster"].any() else 0
    if off_roster:
        right.caption(f"{off_roster} unit mengirim LKE atau punya hasil TPN tetapi tidak ada di daftar unit "
                      "(target –).")

    st.subheader("Unit dan tahapnya")
    a, b = st.columns([3, 1])
    chosen = a.multiselect("Tahap", list(stages.STAGE_LABELS.values()), key="cycle_stages", select_all=False,
                           placeholder="Semua tahap")
    only_late = b.toggle("Hanya yang terlambat", key="cycle_late")
    shown = status
    if chosen:
        shown = shown[shown["stage_label"].isin(chosen)]
    if only_late:
        shown = shown[shown["terlambat"]]
    # names as listed everywhere (names.shown): one that mimics another with non-Latin letters is marked
    rows = shown.assign(unit_name=shown["unit_name"].map(names.shown), target_text=shown["target"].map(text),
                        late=shown["terlambat"].map({True: LATE, False: ""}),
                        review=shown["needs_review"].map(lambda v: "ya" if isinstance(v, str) else ""))
    widgets.table(rows, STATUS_COLUMNS, key="cycle_table", height=420)
    st.caption(f"{len(rows)} unit · nilai dengan dua desimal; – berarti belum ada")
    widgets.downloads(rows, STATUS_COLUMNS, f"siklus_{year}", "cycle", "Unit dan tahap siklus")

    # --- whom to propose ---------------------------------------------------------------------------------------
    st.subheader("Usulan ke KemenPANRB")
    st.caption("Kandidat: unit yang nilai tingkat TPI terakhirnya memenuhi semua syarat predikat. Urutan: nilai TPI, "
               "lalu selisih terkecil terhadap syarat (yang lebih aman lebih dulu), lalu nama. Instansi mengikuti "
               "filter di samping.")
    saved = loaders.query("saved_proposals", year)
    a, b, _ = st.columns([1, 1, 2])
    predikat = a.radio("Predikat", ["WBK", "WBBM"], horizontal=True, key="prop_predikat")
    # the quota of the year's latest saved proposal, else the 25 places one inspectorate general had
    kuota = int(b.number_input("Kuota", min_value=0, max_value=10_000, step=1, key="prop_kuota",
                               value=int(saved["kuota"].iloc[0]) if len(saved) else 25,
                               help="Jumlah unit yang boleh diusulkan"))
    p = loaders.query("proposal", year, predikat, kuota, inst)
    failing = p.failing
    rule_fails = failing[failing["reason"] == "gagal"]
    review = failing[failing["reason"] == "perlu_diperiksa"]
    unassessed = failing[failing["reason"] == "belum_dinilai"]
    with st.container(horizontal=True, gap="medium"):
        st.metric("Kandidat", len(p.proposed) + len(p.reserves), width="content",
                  help=f"Memenuhi semua syarat {predikat}")
        st.metric("Dalam kuota", len(p.proposed), width="content", help="Diusulkan dalam usulan ini")
        st.metric("Cadangan", len(p.reserves), width="content")
        st.metric(f"Belum memenuhi {predikat}", len(rule_fails), width="content")
    st.markdown(f"**Diusulkan ({len(p.proposed)})**")
    if p.proposed.empty:
        st.info(f"Tidak ada unit yang diusulkan: belum ada unit yang memenuhi semua syarat {predikat}"
                + (" atau kuota 0." if kuota == 0 else "."))
    else:
        ranked_table(p.proposed, "prop_proposed")
    if len(p.reserves):
        st.markdown(f"**Cadangan ({len(p.reserves)})**: memenuhi syarat, di luar kuota")
        ranked_table(p.reserves, "prop_reserves")
    if len(rule_fails):
        st.markdown(f"**Belum memenuhi syarat {predikat} ({len(rule_fails)})**")
        widgets.table(rule_fails.assign(gagal=rule_fails["gagal"].map(" · ".join)), FAILING_COLUMNS,
                      key="prop_failing", wrap=True)
    if len(review):
        st.warning("Tidak diikutkan karena berkasnya **perlu diperiksa**: "
                   + "; ".join(md(f"{r.unit_name} ({r.gagal[0].removeprefix('perlu diperiksa: ')})")
                               for r in review.itertuples()), icon=":material/report:")
    if len(unassessed):
        with st.expander(f"Belum dinilai TPI ({len(unassessed)}): belum dapat diusulkan"):
            st.markdown(md(", ".join(unassessed["unit_name"])))

    c1, c2, _ = st.columns([1, 1, 2])
    # the workbook is written only when asked for (a callable runs on the click, not on every rerun)
    c1.download_button("Unduh usulan (XLSX)", lambda p=p: proposal_mod.to_xlsx(p), key="prop_xlsx",
                       file_name=f"usulan_{predikat}_{year}.xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if signin.allowed("propose"):
        if c2.button("Simpan usulan", key="prop_save", type="primary", icon=":material/save:"):
            who = st.session_state.get("user_name") or "?"
            try:  # save() checks the role itself, whatever this page shows
                pid = proposal_mod.save(loaders.db_path(), p, who, actor_role=signin.role())
            except PermissionError as exc:
                st.error(str(exc))
            else:
                st.cache_data.clear()
                # drawn again from the top, so the stages above show the units now proposed
                st.session_state["prop_saved"] = (f"Usulan nomor {pid} disimpan oleh {md(who)}: {len(p.proposed)} unit "
                                                  f"diusulkan, {len(p.reserves)} cadangan. Unit yang diusulkan kini "
                                                  "di tahap Diusulkan.")
                st.rerun()
    else:
        c2.caption("Menyimpan usulan hanya untuk peran Evaluator (TPI) dan Admin.")

    if "prop_saved" in st.session_state:
        st.success(st.session_state.pop("prop_saved"), icon=":material/check_circle:")
    if len(saved):
        with st.expander(f"Usulan tersimpan tahun {year} ({len(saved)})", icon=":material/history:"):
            listing = pd.DataFrame({
                "Nomor": saved["proposal_id"].astype(int), "Predikat": saved["predikat"],
                "Kuota": saved["kuota"].astype(int),
                "Instansi": saved["instansi"].map(lambda v: filters.instansi_text(json.loads(v))),
                "Disimpan oleh": saved["saved_by"], "Waktu": saved["saved_at"].map(stages.tanggal),
                "Diusulkan": saved["diusulkan"].astype(int), "Cadangan": saved["cadangan"].astype(int),
                "Status": saved["superseded_at"].map(lambda v: "digantikan" if pd.notna(v) else "berlaku")})
            st.dataframe(listing, hide_index=True, width="stretch")
            labels = {f"Nomor {r.Nomor} · {r.Predikat} · {r.Instansi} · {r.Waktu}": r.Nomor
                      for r in listing.itertuples()}
            pick = st.selectbox("Unduh usulan tersimpan", list(labels), key="prop_saved_pick")
            chosen_p = loaders.query("saved_proposal", int(labels[pick]))
            if chosen_p is not None:
                st.download_button("Unduh XLSX", lambda p=chosen_p: proposal_mod.to_xlsx(p), key="prop_saved_xlsx",
                                   file_name=f"usulan_{chosen_p.predikat}_{year}_nomor_{labels[pick]}.xlsx",
                                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                   icon=":material/download:")

    portalrb(year, inst, p)

    # --- the TPI beside the TPN ----------------------------------------------------------------------------------
    st.subheader("Kalibrasi TPI dan TPN")
    years = loaders.query("tpn_years")
    if not years:
        st.info("Belum ada hasil TPN. Muat berkas hasil TPN (kolom Unit Kerja, Instansi, Tahun, Nilai TPN; boleh "
                "ditambah Pengungkit, Hasil, nilai per area, Keputusan, Catatan) di halaman **Data**.",
                icon=":material/info:")
    else:
        cy = st.selectbox("Tahun hasil TPN", years, index=years.index(year) if year in years else 0, key="calib_year")
        units = loaders.query("calibration_units", cy, inst)
        compared = calibration.by_unit(units)
        areas = calibration.by_area(loaders.query("calibration_areas", cy, inst))
        differ = calibration.disagreements(units)
        with st.container(horizontal=True, gap="medium"):
            st.metric("Unit dengan nilai TPI dan TPN", len(compared), width="content")
            st.metric("Rata-rata selisih TPI − TPN", widgets.num(compared["selisih"].mean() if len(compared) else None),
                      width="content", help="Positif: TPI memberi nilai lebih tinggi daripada TPN")
            st.metric("TPI memenuhi, TPN tidak", len(differ), width="content",
                      help="TPI menyatakan WBK/WBBM, tetapi keputusan TPN lebih rendah atau nilai TPN di bawah minimum")
        left, right = st.columns(2)
        with left:
            if phone:
                st.caption("Titik di atas garis putus-putus: TPI memberi nilai lebih tinggi daripada TPN.")
            widgets.chart(charts.tpi_tpn_scatter(compared, compact=phone))
        with right:
            widgets.chart(charts.calibration_area_bars(areas, compact=phone))
        per = calibration.by_instansi(units)
        st.markdown("**Selisih per instansi**")
        widgets.table(per.assign(units=per["units"].astype(int)), BY_INSTANSI_COLUMNS, key="calib_instansi")
        st.markdown(f"**TPI menyatakan memenuhi, TPN tidak ({len(differ)})**")
        if differ.empty:
            st.caption("Tidak ada: setiap unit yang dinyatakan memenuhi oleh TPI juga memenuhi menurut TPN.")
        else:
            widgets.table(differ.assign(keputusan=differ["keputusan"].map(text)), DISAGREEMENT_COLUMNS,
                          key="calib_disagreements", wrap=True)
        widgets.downloads(compared, CALIBRATION_COLUMNS, f"kalibrasi_{cy}", "calib", "Kalibrasi TPI dan TPN",
                          note=f"tahun {cy} · {scope}")
