"""Data: upload workbooks, survey files, unit rosters and TPN results; see what was loaded, rejected and warned."""

import io
import re

import pandas as pd
import streamlit as st

from pages import common
from zi_data import queries, store
from zi_data.export import Column
from zi_data.ingest import IngestSummary, ingest_upload
from zi_data.readers.base import level_name
from zi_data.template import write_template

common.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

UPLOAD_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv"]
KINDS = {"lke": "LKE", "survey": "Survei", "roster": "Daftar unit", "tpn": "Hasil TPN"}
IDENTITY_COLUMNS = {"unit": "Unit Kerja", "instansi": "Instansi", "year": "Tahun"}
SUBMISSIONS = [
    Column("unit_name", "Unit kerja", width="medium"), Column("year", "Tahun", "int"),
    Column("is_current", "Aktif", "bool", help="Pengajuan terbaru unit itu untuk tahun itu"),
    Column("workbook_total", "Total menurut workbook", "score", phone=False),
    Column("needs_review", "Perlu diperiksa", phone=False,
           help="Berkas yang hanya sebagian cocok dengan daftar pertanyaan, dimuat atas permintaan"),
    Column("warnings", "Peringatan", "int", phone=False), Column("instansi", "Instansi", phone=False),
    Column("edition", "Edisi", phone=False), Column("layout", "Tata letak", phone=False),
    Column("file_name", "Berkas", phone=False), Column("has_tpi", "Ada TPI", "bool", phone=False),
    Column("loaded_at", "Dimuat", "date", phone=False), Column("superseded_at", "Digantikan", "date", phone=False),
    Column("deleted_at", "Dihapus", "date", phone=False)]
REJECTS = [Column("file_name", "Berkas", width="medium"), Column("reason", "Alasan", width="large"),
           Column("rejected_at", "Waktu", "date", phone=False), Column("file_path", "Lokasi", phone=False)]
WARNINGS = [Column("unit_name", "Unit kerja", width="medium"), Column("message", "Peringatan", width="large"),
            Column("year", "Tahun", "int", phone=False), Column("file_name", "Berkas", phone=False)]
HISTORY = [Column("happened_at", "Waktu", "date"), Column("event", "Kejadian"),
           Column("unit_name", "Unit kerja", width="medium"), Column("detail", "Rincian", width="large", phone=False),
           Column("year", "Tahun", "int", phone=False), Column("file_name", "Berkas", phone=False)]


def sources_text(info: dict) -> str:
    """Where each part of a file's identity was found, as one line."""
    return "; ".join(f"{IDENTITY_COLUMNS[k]}: {v}" for k, v in info["sources"].items() if k in IDENTITY_COLUMNS)


YEAR = r"(19|20)\d\d"  # a year the identity form accepts


def _is_year(value) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(YEAR, value.strip()))


def _lacks_identity(files: pd.DataFrame) -> pd.Series:
    """The LKE rows of the identity form whose unit (blank or spaces) or year is still missing."""
    return (files["Jenis"] == KINDS["lke"]) & ((files["Unit Kerja"].fillna("").str.strip() == "")
                                               | ~files["Tahun"].map(_is_year))


def _changed(value, found) -> bool:
    """A cell the person filled or corrected (not what the file itself said)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return False
    if found is None or found == "":
        return True
    return str(value).strip() != str(found).strip()


st.title("Data")
db = common.db_path()

st.subheader("Unggah LKE, hasil survei, daftar unit dan hasil TPN")
can_upload = common.allowed("upload")
if not can_upload:
    st.info("Unggah dan pemuatan berkas hanya untuk peran Evaluator (TPI) dan Admin.", icon=":material/lock:")
st.caption("Workbook LKE (.xlsx, .xlsm, .xls, .ods, atau sheet LKE sebagai .csv) satu per unit per tahun, atau "
           "berkas survei (.csv/.xlsx dengan kolom "
           "Unit Kerja, Tahun, IPAK, IPKP), daftar unit (Unit Kerja, Instansi, Tahun, Target) atau hasil TPN (Unit "
           "Kerja, Instansi, Tahun, Nilai TPN, Keputusan ...). Berkas yang sama tidak dimuat dua kali; berkas baru "
           "untuk unit dan tahun yang sama menggantikan yang lama (riwayat tetap disimpan). Daftar unit dan hasil "
           "TPN dengan satu baris salah ditolak seluruhnya, dengan nomor barisnya.")
# A new key after each load empties the uploader: the files just loaded are not offered (or loaded) again.
files = st.file_uploader("Pilih berkas", type=UPLOAD_TYPES, accept_multiple_files=True,
                         key=f"upload_files_{st.session_state.get('upload_round', 0)}") if can_upload else None
if can_upload and files:
    # What each file says about itself, before anything is stored: the unit, instansi and year it names
    # (and where), or why it cannot be loaded. What is missing is asked for here, not guessed.
    found = [common.identify(f.name, f.getvalue()) for f in files]
    table = pd.DataFrame([{"Berkas": i["file"], "Jenis": KINDS.get(i["kind"], "tidak dapat dibaca"),
                           "Unit Kerja": i["unit"], "Instansi": i["instansi"],
                           "Tahun": str(i["year"] or ""), "Ditemukan dari": sources_text(i),
                           "Masalah": i["problem"] or ""}
                          for i in found])
    missing = _lacks_identity(table)
    if missing.any():
        st.warning(f"{int(missing.sum())} berkas tidak menyebut unit kerja atau tahunnya: lengkapi di tabel di bawah "
                   "sebelum dimuat (atau beri sheet 'Identitas', nama berkas <Tahun>_<Unit Kerja>.xlsx, atau "
                   "'Unit Kerja : ...' di atas tabel LKE).", icon=":material/edit_note:")
    edited = st.data_editor(
        table, hide_index=True, width="stretch", key="upload_identity",
        disabled=["Berkas", "Jenis", "Ditemukan dari", "Masalah"],
        # the year as text: an empty number cell would show "None"
        column_config={"Tahun": st.column_config.TextColumn("Tahun", max_chars=4, validate=f"^{YEAR}$"),
                       "Masalah": st.column_config.TextColumn("Masalah", width="large")})
    partial = st.checkbox("Tetap muat sheet yang hanya sebagian cocok dengan katalog (ditandai 'perlu diperiksa')",
                          key="upload_partial", help="Tanpa ini, sheet yang cocok kurang dari 90% dengan daftar "
                                                     "pertanyaan ditolak karena nilainya akan salah.")
    if st.button("Muat ke basis data", type="primary", disabled=bool(_lacks_identity(edited).any()),
                 icon=":material/upload:"):
        upload_dir = db.parent / "raw" / "uploads"
        results = []
        try:
            with st.spinner("Memuat berkas ..."):
                for f, info, row in zip(files, found, edited.to_dict("records"), strict=True):
                    given = {key: row[col] for key, col in IDENTITY_COLUMNS.items()
                             if _changed(row[col], info[key])} if info["kind"] == "lke" else None
                    # ingest_upload checks the role itself, whatever this page shows
                    s = ingest_upload(f.name, f.getvalue(), db, upload_dir, actor_role=common.role(),
                                      identity=given or None, allow_partial=partial)
                    results.append((f.name, s))
        except PermissionError as exc:
            results.append(("", IngestSummary(rejected=[{"file": "", "reason": str(exc)}])))
        st.cache_data.clear()
        st.session_state["upload_results"] = [(name, s.rejected, s.loaded, s.surveys, s.superseded, s.submissions,
                                               s.rosters, s.tpn) for name, s in results]
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
        st.rerun()


def profile_label(unit_name: str, instansi: str, year: int) -> str:
    """The unit as Profil Unit lists it for that year (its unit_label: the name, with the instansi when another
    unit has the same name), so opening it there selects this unit and not its namesake."""
    units = common.scores(year=year, assessor="unit")
    same = units[(units["unit_name"] == unit_name) & (units["instansi"] == instansi)]
    return same["unit_label"].iloc[0] if len(same) else unit_name


def show_results() -> None:
    """What the last upload did, file by file: the scores and predicates it got, its warnings, a way to its
    profile; kept on screen until the next upload."""
    found = st.session_state.get("upload_results")
    if not found:
        return
    st.markdown("**Hasil pemuatan terakhir**")
    sids = [sid for r in found for sid in r[5]]
    scored = common.query("loaded_results", sids)
    for i, (name, rejected, loaded, surveys, superseded, subs, rosters, tpn) in enumerate(found):
        for r in rejected:
            st.error(f"Ditolak: {r['reason']}", icon=":material/block:")
        if rejected:
            continue
        if surveys and not loaded:
            st.success(f"{name}: berkas survei dimuat; nilai Hasil unit yang disebutnya dihitung ulang.",
                       icon=":material/check_circle:")
            continue
        if rosters or tpn:
            what = "daftar unit" if rosters else "hasil TPN"
            st.success(f"{name}: {what} dimuat; tahap siklus unit yang disebutnya diperbarui (halaman Siklus).",
                       icon=":material/check_circle:")
            continue
        if not loaded:
            st.info(f"{name}: tidak berubah (sudah pernah dimuat).", icon=":material/info:")
            continue
        for sid in subs:
            rows = scored[scored["submission_id"] == sid]
            if rows.empty:
                continue
            first = rows.iloc[0]
            levels = " · ".join(f"{level_name(r.assessor)} {common.num(r.total)} ({r.predicate})"
                                for r in rows.itertuples() if isinstance(r.assessor, str))
            with st.container(border=True):
                st.markdown(f":material/check_circle: **{name}** dimuat: {first.unit_name} ({first.instansi}), "
                            f"tahun {first.year}" + (", menggantikan pengajuan lama" if superseded else ""))
                st.markdown(f"Nilai total dan predikat: {levels or 'belum ada jawaban yang dinilai'}")
                if isinstance(first.needs_review, str):
                    st.warning(f"**Perlu diperiksa**: {first.needs_review}", icon=":material/report:")
                if first.warnings > 0:  # loaded_results counts them: the messages are fetched only when there are any
                    warns = common.query("warnings", sid)
                    with st.expander(f"{len(warns)} peringatan"):
                        for m in warns["message"]:
                            st.markdown(f"- {m}")
                if st.button("Buka Profil Unit", key=f"open_{i}_{sid}", icon=":material/apartment:"):
                    common.open_profile(profile_label(first.unit_name, first.instansi, int(first.year)),
                                        first.year)


show_results()

with st.expander("Unduh template LKE kosong"):
    edition = st.selectbox("Edisi", ["2021", "2019"], key="tpl_edition")
    buf = io.BytesIO()
    write_template(buf, edition=edition)
    st.download_button("Unduh template", buf.getvalue(), file_name=f"template_lke_zi_{edition}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")

if common.has_data() or (db.exists() and db.stat().st_size > 0):
    tabs = st.tabs(["Pengajuan", "Ditolak", "Peringatan", "Riwayat"])
    with tabs[0]:
        subs = common.query("submissions")
        st.caption(f"{len(subs)} berkas dimuat; yang aktif (terbaru per unit dan tahun) ditandai.")
        common.table(subs, SUBMISSIONS, key="subs_table", height=380)
        common.downloads(subs, SUBMISSIONS, "pengajuan", "subs", "Pengajuan", note="semua tahun dan instansi")
    with tabs[1]:
        rej = common.query("rejects")
        st.caption(f"{len(rej)} berkas atau baris ditolak, dengan alasannya.")
        common.table(rej, REJECTS, key="rejects_table")
        common.downloads(rej, REJECTS, "ditolak", "rej", "Berkas ditolak", note="semua tahun dan instansi")
    with tabs[2]:
        warn = common.query("warnings")
        st.caption(f"{len(warn)} peringatan pada pengajuan aktif.")
        common.table(warn, WARNINGS, key="warnings_table")
        common.downloads(warn, WARNINGS, "peringatan", "warn", "Peringatan", note="pengajuan aktif, semua tahun")
    with tabs[3]:
        hist = common.query("history")
        hist = hist.assign(event=hist["event"].map(lambda e: queries.HISTORY_EVENTS.get(e, e)),
                           detail=hist["detail"].map(queries.history_text))
        common.table(hist, HISTORY, key="history_table")
    if common.allowed("delete"):
        with st.expander("Hapus pengajuan (Admin)", icon=":material/delete:"):
            st.caption("Pengajuan yang dihapus keluar dari semua tampilan, tetapi tetap tersimpan beserta siapa, "
                       "kapan dan alasannya (tab Riwayat). Bila yang dihapus adalah berkas terbaru, berkas "
                       "sebelumnya untuk unit dan tahun itu aktif kembali.")
            active = subs[subs["deleted_at"].isna()]
            labels = {f"{r.unit_name} · {r.year} · {r.file_name}": r.submission_id for r in active.itertuples()}
            choice = st.selectbox("Pengajuan", list(labels), key="delete_choice")
            reason = st.text_input("Alasan penghapusan", key="delete_reason")
            if st.button("Hapus pengajuan", key="delete_button", disabled=not reason.strip()):
                try:  # delete_submission checks the role itself
                    store.delete_submission(db, labels[choice], by=st.session_state.get("user_name", "?"),
                                            reason=reason.strip(), actor_role=common.role())
                except PermissionError as exc:
                    st.error(str(exc))
                else:
                    st.cache_data.clear()
                    st.success(f"Dihapus: {choice}")
else:
    st.info("Basis data masih kosong: unggah berkas di atas.")
