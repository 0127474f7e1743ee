"""Data: upload workbooks, survey files, unit rosters and TPN results; see what was loaded, rejected and warned."""

import io
import logging
import re

import pandas as pd
import streamlit as st

from ui import address, loaders, router, signin, widgets
from ui.text import md
from zi_data import queries, store, withdraw, workers
from zi_data.export import Column
from zi_data.ingest import IngestSummary, ingest_upload
from zi_data.names import norm_name, similar_names
from zi_data.readers.base import level_name
from zi_data.template import write_template

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

UPLOAD_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv"]
KINDS = {"lke": "LKE", "survey": "Survei", "roster": "Daftar unit", "tpn": "Hasil TPN"}
SIDE_KINDS = {"survey": "Survei", "roster": "Daftar unit", "tpn": "Hasil TPN"}
IDENTITY_COLUMNS = {"unit": "Unit Kerja", "instansi": "Instansi", "year": "Tahun"}
LAYOUTS = {"lke_zi": "Lembar LKE ZI", "jawaban": "Lembar Jawaban"}  # the reader's layouts, as a person names them
SUBMISSIONS = [
    Column("unit_name", "Unit kerja", width="medium"), Column("year", "Tahun", "int", width=60),
    Column("instansi", "Instansi", width="medium"),
    Column("is_current", "Aktif", "bool", help="Pengajuan terbaru unit itu untuk tahun itu", width=60),
    Column("workbook_total", "Total menurut workbook", "score", phone=False,
           help="Nilai total yang tertulis di workbook itu sendiri, bila ada"),
    Column("needs_review", "Perlu diperiksa", phone=False,
           help="Berkas yang hanya sebagian cocok dengan daftar pertanyaan, dimuat atas permintaan"),
    Column("warnings", "Peringatan", "int", phone=False),
    Column("edition", "Edisi", phone=False), Column("layout", "Tata letak", phone=False,
                                                     help="Lembar LKE ZI: sheet LKE menurut hierarki dan teksnya; "
                                                          "Lembar Jawaban: sheet menurut ID atau baris pertanyaan"),
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
db = loaders.db_path()

st.subheader("Unggah LKE, hasil survei, daftar unit dan hasil TPN")
can_upload = signin.allowed("upload")
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
def preview_text(info: dict) -> tuple[str, str]:
    """What an LKE would score (each level's total and predicate) and how much of the catalog its form matched."""
    if info["kind"] != "lke":
        return "", ""
    found = info.get("levels") or []
    levels = " · ".join(f"{level_name(k)} {widgets.num(total)} ({predicate})" for k, total, predicate, _ in found)
    matched, questions = info.get("matched"), info.get("questions")
    cover = (f"{matched}/{questions} dikenali ({widgets.num(100 * matched / questions, 0)}%); dijawab "
             + ", ".join(f"{level_name(k)} {n}" for k, _, _, n in found) if matched is not None and questions else "")
    return levels or "belum ada jawaban yang dinilai", cover


def identity_table(found: list[dict]) -> pd.DataFrame:
    """One row per file: what it says about itself, what it would score, and the cells still to fill (None: the
    editor shows its placeholder there). Other files than LKE need no identity: their cells stay blank."""
    rows = []
    for i in found:
        lke = i["kind"] == "lke"
        score, cover = preview_text(i)
        rows.append({"Berkas": i["file"], "Jenis": KINDS.get(i["kind"], "tidak dapat dibaca"),
                     "Unit Kerja": (i["unit"] or None) if lke else "", "Instansi": (i["instansi"] or None) if lke else "",
                     "Tahun": (str(i["year"]) if i["year"] else None) if lke else "", "Nilai": score or "–",
                     "Cakupan": cover or "–", "Masalah": i["problem"] or "–", "Ditemukan dari": sources_text(i) or "–"})
    return pd.DataFrame(rows)


def new_instansi_input(known: list[str]) -> None:
    """An instansi not yet in the list, added only when confirmed; one that looks like a known one is warned."""
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    name = c1.text_input("Instansi baru (belum ada di daftar)", key="new_instansi_name", max_chars=200, live=True,
                         placeholder="mis. Pemerintah Kabupaten Contoh",
                         help="Instansi yang belum ada di basis data. Setelah ditambahkan, pilih di kolom Instansi.")
    name = " ".join((name or "").split())
    if not name:
        return
    same = [k for k in known if norm_name(k) == norm_name(name)]
    if same:
        c1.info(f"Sudah ada di daftar sebagai {same[0]!r}: pilih itu di kolom Instansi.", icon=":material/info:")
        return
    close = similar_names(name, known)
    if close:
        c1.warning(f"{name!r} mirip dengan instansi yang sudah ada: {', '.join(map(repr, close))}. Bila sama, pilih "
                   "yang sudah ada di kolom Instansi.", icon=":material/warning:")
    label = f"Tetap tambahkan {name!r}" if close else f"Ya, tambahkan {name!r}"
    if c2.button(label, key="new_instansi_add", icon=":material/add:"):
        st.session_state["new_instansi"] = [*st.session_state.get("new_instansi", []), name]
        del st.session_state["new_instansi_name"]
        st.rerun()


def doubtful_instansi(edited: pd.DataFrame, known: list[str]) -> dict[str, list[str]]:
    """Instansi in the table that are new to the database and look like a known one (or like another new one in
    the same upload): each with the names it resembles."""
    chosen = [v for v in edited.loc[edited["Jenis"] == KINDS["lke"], "Instansi"].dropna().unique() if str(v).strip()]
    new = [v for v in chosen if v not in known and v not in st.session_state.get("new_instansi", [])]
    return {v: close for v in new if (close := similar_names(v, [*known, *chosen]))}


if can_upload and files:
    # What each file says about itself, before anything is stored: the unit, instansi and year it names
    # (and where), what it would score, or why it cannot be loaded. What is missing is asked for here.
    found = [loaders.identify(f.name, f.getvalue()) for f in files]
    table = identity_table(found)
    missing = _lacks_identity(table)
    if missing.any():
        st.warning(f"{int(missing.sum())} berkas tidak menyebut unit kerja atau tahunnya: lengkapi di tabel di bawah "
                   "sebelum dimuat (atau beri sheet 'Identitas', nama berkas <Tahun>_<Unit Kerja>.xlsx, atau "
                   "'Unit Kerja : ...' di atas tabel LKE).", icon=":material/edit_note:")
    known = loaders.query("options")["instansi"] if loaders.has_data() else []
    offered = sorted({*known, *st.session_state.get("new_instansi", []),
                      *(v for v in table["Instansi"] if isinstance(v, str) and v)})
    st.caption("Nilai dan cakupan dihitung dari berkas sebelum dimuat (nilai Hasil dapat berubah oleh berkas survei "
               "yang sudah dimuat). Klik sel \"isi di sini\" untuk mengisinya; Instansi dipilih dari daftar.")
    edited = st.data_editor(
        table, hide_index=True, width="stretch", key="upload_identity", placeholder="isi di sini",
        disabled=["Berkas", "Jenis", "Nilai", "Cakupan", "Ditemukan dari", "Masalah"],
        row_height=widgets.WRAP_ROW_HEIGHT,  # long names and reasons wrap in their cells, whole
        # what is typed and what the file would score within a 1440 px screen; the notes after them
        column_config={
            "Berkas": st.column_config.TextColumn("Berkas", width=140),
            "Jenis": st.column_config.TextColumn("Jenis", width=55),
            "Unit Kerja": st.column_config.TextColumn("Unit Kerja", width=170, max_chars=200,
                                                      help="Nama unit kerja seperti pada LKE"),
            "Instansi": st.column_config.SelectboxColumn(
                "Instansi", width=180, options=offered,
                help="Instansi yang sudah ada di basis data; instansi baru ditambahkan di bawah tabel"),
            # the year as text: an empty number cell would show "None"
            "Tahun": st.column_config.TextColumn("Tahun", width=90, max_chars=4, validate=f"^{YEAR}$"),
            "Nilai": st.column_config.TextColumn("Nilai (sebelum dimuat)", width=170),
            "Cakupan": st.column_config.TextColumn("Cakupan", width=170,
                                                   help="Pertanyaan katalog yang dikenali di berkas, dan yang dijawab "
                                                        "tiap tingkat penilaian"),
            "Ditemukan dari": st.column_config.TextColumn("Ditemukan dari", width="medium"),
            "Masalah": st.column_config.TextColumn("Masalah", width="large")})
    for info in found:  # why a file cannot be loaded, whole (its cell holds three lines)
        if info["problem"]:
            st.error(md(info["problem"]), icon=":material/block:")
    new_instansi_input(offered)
    doubtful = doubtful_instansi(edited, known)
    for name, close in doubtful.items():
        st.warning(f"Instansi {name!r} belum ada di basis data dan mirip dengan {', '.join(map(repr, close))}. Bila "
                   "sama, pilih yang sudah ada di kolom Instansi.", icon=":material/warning:")
    confirmed = not doubtful or st.checkbox(
        f"Ya, {', '.join(map(repr, doubtful))} memang instansi baru", key="upload_new_instansi_ok")
    partial = st.checkbox("Tetap muat sheet yang hanya sebagian cocok dengan katalog (ditandai 'perlu diperiksa')",
                          key="upload_partial", help="Tanpa ini, sheet yang cocok kurang dari 90% dengan daftar "
                                                     "pertanyaan ditolak karena nilainya akan salah.")
    if st.button("Muat ke basis data", type="primary", disabled=bool(_lacks_identity(edited).any()) or not confirmed,
                 icon=":material/upload:"):
        upload_dir = db.parent / "raw" / "uploads"
        results = []
        try:
            with st.spinner("Memuat berkas ..."):
                for f, info, row in zip(files, found, edited.to_dict("records"), strict=True):
                    given = {key: row[col] for key, col in IDENTITY_COLUMNS.items()
                             if _changed(row[col], info[key])} if info["kind"] == "lke" else None
                    # ingest_upload checks the role itself, whatever this page shows
                    s = ingest_upload(f.name, f.getvalue(), db, upload_dir, actor_role=signin.role(),
                                      identity=given or None, allow_partial=partial)
                    results.append((f.name, s))
        except PermissionError as exc:
            results.append(("", IngestSummary(rejected=[{"file": "", "reason": str(exc)}])))
        except Exception:  # the load runs in a child process; what it could not say is in the server's log
            logging.getLogger("zi_monitor").exception("unggahan gagal")
            results.append(("", IngestSummary(rejected=[{"file": "", "reason": "Pemuatan gagal karena kesalahan di "
                                                         "server; berkas yang belum tampil di atas tidak dimuat. Coba "
                                                         "lagi, atau hubungi pengelola bila berulang."}])))
        st.cache_data.clear()
        st.session_state["upload_results"] = [(name, s.rejected, s.loaded, s.surveys, s.superseded, s.submissions,
                                               s.rosters, s.tpn) for name, s in results]
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
        st.rerun()


def side_files_control() -> None:
    """Admin: withdraw a loaded roster, TPN results or survey file (its rows leave every page, the history keeps
    who, when and why)."""
    files = loaders.query("side_files")
    with st.expander("Tarik daftar unit, hasil TPN atau berkas survei (Admin)", icon=":material/remove_circle:"):
        if files.empty:
            st.caption("Tidak ada daftar unit, hasil TPN atau berkas survei yang termuat.")
            return
        st.caption("Baris yang masih berasal dari berkas itu dihapus dari semua tampilan (unit yang disebut berkas "
                   "survei dihitung ulang tanpa nilainya); berkasnya dicatat di tab Riwayat beserta siapa, kapan dan "
                   "alasannya, dan boleh dimuat lagi kelak. Baris yang dulu digantikan berkas itu tidak kembali.")
        # chosen by the file's hash: two files may bear one name
        labels = {r.sha256: f"{SIDE_KINDS[r.kind]} · {r.file_name} · {r.rows} baris" for r in files.itertuples()}
        # withdraw_file checks the role itself
        admin_removal(labels, "withdraw", "Berkas", "Alasan penarikan", "Tarik berkas", withdraw.withdraw_file,
                      lambda label, detail: detail[:1].upper() + detail[1:])


def admin_removal(options: dict[str, str], key: str, what: str, reason_label: str, button: str, remove,
                  done) -> None:
    """Choose one of `options` (id -> label: chosen by its id, two may read alike), say why, and remove it:
    remove(db, id, by=..., reason=..., actor_role=...) runs in a child process (the dashboard's own process only
    reads) and checks the role itself; done(label, what remove returned) is the message afterwards (file text in
    it is shown as written)."""
    choice = st.selectbox(what, list(options), key=f"{key}_choice", format_func=options.get)
    reason = st.text_input(reason_label, key=f"{key}_reason", live=True)
    if st.button(button, key=f"{key}_button", disabled=not reason.strip()):
        try:
            result = workers.write(remove, db, choice, by=st.session_state.get("user_name", "?"),
                                   reason=reason.strip(), actor_role=signin.role())
        except (*workers.PERSON_ERRORS, workers.WriteFailed) as exc:
            st.error(workers.message(exc))  # the library's own words, no file text
        else:
            st.cache_data.clear()
            st.success(md(done(options[choice], result)))


def show_results() -> None:
    """What the last upload did, file by file: the scores and predicates it got, its warnings, a way to its
    profile; kept on screen until the next upload."""
    found = st.session_state.get("upload_results")
    if not found:
        return
    st.markdown("**Hasil pemuatan terakhir**")
    sids = [sid for r in found for sid in r[5]]
    scored = loaders.query("loaded_results", sids)
    for i, (name, rejected, loaded, surveys, superseded, subs, rosters, tpn) in enumerate(found):
        for r in rejected:
            st.error(f"Ditolak: {md(r['reason'])}", icon=":material/block:")
        if rejected:
            continue
        if surveys and not loaded:
            st.success(f"{md(name)}: berkas survei dimuat; nilai Hasil unit yang disebutnya dihitung ulang.",
                       icon=":material/check_circle:")
            continue
        if rosters or tpn:
            what = "daftar unit" if rosters else "hasil TPN"
            st.success(f"{md(name)}: {what} dimuat; tahap siklus unit yang disebutnya diperbarui (halaman Siklus).",
                       icon=":material/check_circle:")
            continue
        if not loaded:
            st.info(f"{md(name)}: tidak berubah (sudah pernah dimuat).", icon=":material/info:")
            continue
        for sid in subs:
            rows = scored[scored["submission_id"] == sid]
            if rows.empty:
                continue
            first = rows.iloc[0]
            levels = " · ".join(f"{level_name(r.assessor)} {widgets.num(r.total)} ({r.predicate})"
                                for r in rows.itertuples() if isinstance(r.assessor, str))
            with st.container(border=True):
                st.markdown(f":material/check_circle: **{md(name)}** dimuat: {md(first.unit_name)} "
                            f"({md(first.instansi)}), tahun {first.year}"
                            + (", menggantikan pengajuan lama" if superseded else ""))
                st.markdown(f"Nilai total dan predikat: {levels or 'belum ada jawaban yang dinilai'}")
                if isinstance(first.needs_review, str):
                    st.warning(f"**Perlu diperiksa**: {md(first.needs_review)}", icon=":material/report:")
                if first.warnings > 0:  # loaded_results counts them: the messages are fetched only when there are any
                    warns = loaders.query("warnings", sid)
                    with st.expander(f"{len(warns)} peringatan"):
                        for m in warns["message"]:
                            st.markdown(f"- {md(m)}")
                if st.button("Buka Profil Unit", key=f"open_{i}_{sid}", icon=":material/apartment:"):
                    address.open_profile(first.unit_id, first.year)


show_results()

with st.expander("Unduh template LKE kosong"):
    edition = st.selectbox("Edisi", ["2021", "2019"], key="tpl_edition")
    buf = io.BytesIO()
    write_template(buf, edition=edition)
    st.download_button("Unduh template", buf.getvalue(), file_name=f"template_lke_zi_{edition}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")

if loaders.has_data() or (db.exists() and db.stat().st_size > 0):
    tabs = st.tabs(["Pengajuan", "Ditolak", "Peringatan", "Riwayat"])
    with tabs[0]:
        subs = loaders.query("submissions")
        # newest year first, then by instansi and unit; a unit's active file of a year before its others
        subs = subs.assign(layout=subs["layout"].map(lambda v: LAYOUTS.get(v, v))).sort_values(
            ["year", "instansi", "unit_name", "is_current", "loaded_at"], ascending=[False, True, True, False, False],
            ignore_index=True)
        st.caption(f"{len(subs)} berkas dimuat; yang aktif (terbaru per unit dan tahun) ditandai.")
        shown = widgets.empty_last(subs, SUBMISSIONS)
        widgets.table(subs, shown, key="subs_table", height=380)
        widgets.downloads(subs, SUBMISSIONS, "pengajuan", "subs", "Pengajuan", note="semua tahun dan instansi")
    with tabs[1]:
        rej = loaders.query("rejects")
        st.caption(f"{len(rej)} berkas atau baris ditolak, dengan alasannya.")
        widgets.table(rej, REJECTS, key="rejects_table", wrap=True)  # a reason is read whole
        widgets.downloads(rej, REJECTS, "ditolak", "rej", "Berkas ditolak", note="semua tahun dan instansi")
    with tabs[2]:
        warn = loaders.query("warnings").sort_values(["year", "unit_name"], ascending=[False, True],
                                                      kind="stable", ignore_index=True)
        st.caption(f"{len(warn)} peringatan pada pengajuan aktif.")
        widgets.table(warn, WARNINGS, key="warnings_table", wrap=True)
        widgets.downloads(warn, WARNINGS, "peringatan", "warn", "Peringatan", note="pengajuan aktif, semua tahun")
    with tabs[3]:
        hist = loaders.query("history")
        hist = hist.assign(event=hist["event"].map(lambda e: queries.HISTORY_EVENTS.get(e, e)),
                           detail=hist["detail"].map(queries.history_text))
        widgets.table(hist, HISTORY, key="history_table", wrap=True)
    if signin.allowed("delete"):
        with st.expander("Hapus pengajuan (Admin)", icon=":material/delete:"):
            st.caption("Pengajuan yang dihapus keluar dari semua tampilan, tetapi tetap tersimpan beserta siapa, "
                       "kapan dan alasannya (tab Riwayat). Bila yang dihapus adalah berkas terbaru, berkas "
                       "sebelumnya untuk unit dan tahun itu aktif kembali.")
            active = subs[subs["deleted_at"].isna()]
            # chosen by its key: two submissions may read alike (two "Dinas Kesehatan", one file name)
            labels = {r.submission_id: f"{r.unit_name} ({r.instansi}) · {r.year} · {r.file_name}"
                      for r in active.itertuples()}
            # delete_submission checks the role itself
            admin_removal(labels, "delete", "Pengajuan", "Alasan penghapusan", "Hapus pengajuan",
                          store.delete_submission, lambda label, _: f"Dihapus: {label}")
        side_files_control()
else:
    st.info("Basis data masih kosong: unggah berkas di atas.")
