"""The `zi` command: score, template, ingest, demo, status, pengusulan, laporan, user, backup, restore, api.
Messages for people are in Bahasa Indonesia."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from .predicates import fmt
from .readers import ReadError
from .readers.provenance import read_lines
from .store import DEFAULT_DB


def _pct(x: float) -> str:
    return f"{fmt(100 * x, 0)}%"


def print_score_table(result: dict) -> None:
    """`zi score` without --json: the same numbers as a readable table, every assessment level side by side."""
    print(f"Berkas      : {result['file']}")
    print(f"Unit kerja  : {result['unit'] or '-'}")
    print(f"Instansi    : {result['instansi'] or '-'}")
    print(f"Tahun/edisi : {result['year'] or '-'} / edisi {result['edition']} (tata letak {result['layout']})")
    print_read_info(result.get("read") or {})
    if result.get("needs_review"):
        print(f"PERLU DIPERIKSA: {result['needs_review']}")
    sides = [(a["name"], a) for a in result["assessments"]]
    width = 16
    print()
    print(f"{'':54}" + "".join(f"{label:>{width}}" for label, _ in sides))
    rows = [("Nilai total", "total"), ("Pengungkit", "pengungkit"), ("Hasil", "hasil")]
    for label, key in rows:
        print(f"{label:54}" + "".join(f"{fmt(s[key]):>{width}}" for _, s in sides))
    print(f"{'Kelengkapan jawaban':54}" + "".join(f"{_pct(s['completeness']):>{width}}" for _, s in sides))
    print()
    print("Area" + " " * 50 + "".join(f"{label:>{width}}" for label, _ in sides))
    for i, area in enumerate(sides[0][1]["areas"]):
        name = area["name"] + (f" ({area['part']})" if area["part"] else "")
        cells = "".join(f"{fmt(s['areas'][i]['score']) + ' / ' + fmt(area['weight'], 2):>{width}}" for _, s in sides)
        print(f"  {name[:52]:52}{cells}")
    print()
    for label, s in sides:
        print(f"Predikat ({label}): {s['predicate']}")
        for predicate in ("WBK", "WBBM"):
            fails = s["rules"][predicate]["failures"]
            if fails:
                print(f"  {predicate} belum terpenuhi:")
                for message in fails:
                    print(f"    - {message}")
    if result["workbook_total"] is not None:
        print(f"\nNilai total menurut workbook sendiri: {fmt(result['workbook_total'], 3)}")
    if result["warnings"]:
        print(f"\nPeringatan ({len(result['warnings'])}):")
        for w in result["warnings"]:
            print(f"  - {w}")


def print_read_info(read: dict) -> None:
    """Where the numbers came from: sheet, header row, the column taken for each thing, matches, identity."""
    for label, text in read_lines(read):
        print(f"{label:12}: {text}" if label else f"{'':14}{text}")


def identity_args(args: argparse.Namespace) -> dict | None:
    """What the person says about a file's identity (--unit, --instansi, --tahun), or None."""
    given = {"unit": args.unit, "instansi": args.instansi, "year": args.tahun}
    given = {k: v for k, v in given.items() if v not in (None, "")}
    return given or None


def cmd_score(args: argparse.Namespace) -> int:
    from .evaluate import evaluate
    from .readers import read_workbook

    try:
        wb = read_workbook(args.file, require_identity=False, identity=identity_args(args),
                           allow_partial=args.terima_sebagian)
        result = evaluate(wb).to_json()
    except ReadError as exc:
        print(f"Gagal membaca {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError:
        print(f"Gagal membaca {args.file}: berkas tidak ditemukan", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_score_table(result)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from .template import write_template

    out = write_template(args.out, edition=args.edition, unit=args.unit, instansi=args.instansi, year=args.year)
    print(f"Template LKE edisi {args.edition} ditulis ke {out}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest import cli_ingest

    return cli_ingest(args, identity_args(args))


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import cli_demo

    return cli_demo(args)


def cmd_laporan(args: argparse.Namespace) -> int:
    """`zi laporan`: one unit's report, the recap, or every unit's report into a folder. A unit's report carries
    the kop from --kop, else from kop.toml beside the database, else it is a draft (DRAF)."""
    from . import reports
    from .ingest import Progress
    from .reports import kop as kop_file
    from .reports.data import ReportError, find_submission, units_with_data

    try:
        kop = kop_file.load(args.kop) if args.kop else kop_file.find(args.db)
    except kop_file.KopError as exc:
        print(f"Laporan tidak dibuat: {exc}", file=sys.stderr)
        return 2
    con = _open_read(args.db)
    if con is None:
        return 2
    instansi = [args.instansi] if args.instansi else None
    if not args.rekap:
        print(f"Kop dan tim: {args.kop or kop_file.beside(args.db)}" if kop else
              f"Tanpa kop.toml (tidak ada {kop_file.beside(args.db)}): laporan unit bertanda DRAF")
    failed: list = []
    try:
        if args.unit:
            sid = find_submission(con, args.unit, args.tahun, args.instansi)
            content = reports.unit_bytes(con, sid, args.format, kop=kop)
            _write(args.out, content)
            print(f"Laporan {args.unit} tahun {args.tahun} ({args.format.upper()}) ditulis ke {args.out}")
        elif args.rekap:
            units_with_data(con, args.tahun, instansi)
            _write(args.out, reports.recap_bytes(con, args.tahun, instansi, args.format))
            print(f"Rekapitulasi tahun {args.tahun} ({args.format.upper()}) ditulis ke {args.out}")
        else:
            if args.out.exists() and not args.out.is_dir():
                raise ReportError(f"{args.out} adalah berkas; --semua menulis ke sebuah folder")
            bar: list[Progress] = []

            def step(_done: int, total: int, unit: str) -> None:
                if not bar:
                    bar.append(Progress(total, enabled=True))
                bar[0].step(unit)

            count = 0
            for name, content in reports.all_units(con, args.tahun, instansi, args.format, on_step=step, kop=kop,
                                                   failed=failed):
                _write(args.out / name, content)
                count += 1
            if bar:
                bar[0].close()
            print(f"{count} laporan ({args.format.upper()}) ditulis ke {args.out}")
            for unit, exc in failed:
                print(f"Laporan {unit} gagal dibuat: {type(exc).__name__}: {exc}", file=sys.stderr)
            if failed:
                print(f"{len(failed)} laporan gagal dibuat; laporan unit lain tetap ditulis.", file=sys.stderr)
    except ReportError as exc:
        print(f"Laporan tidak dibuat: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    return 1 if failed else 0


def _write(out: Path, content: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)


def cmd_user(args: argparse.Namespace) -> int:
    import getpass

    from .access import COMMAND_LINE_ROLE, add_user, users_file

    path = args.file or users_file()
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Kata sandi: ")
    if len(password) < 10:
        print("Kata sandi minimal 10 karakter.", file=sys.stderr)
        return 2
    try:
        add_user(path, args.username, password, args.role, args.name, actor_role=COMMAND_LINE_ROLE)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"Pengguna {args.username} ({args.role}) disimpan di {path}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from .backup import BusyError, backup

    try:
        done = backup(args.db, args.out)
    except (FileNotFoundError, FileExistsError, ValueError, BusyError) as exc:
        print(f"Cadangan tidak dibuat: {exc}", file=sys.stderr)
        return 2
    print(f"Cadangan {args.db} ditulis ke {done.path}: {done.submissions} pengajuan, "
          f"{fmt(done.size_bytes / 1024 / 1024, 1)} MB.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from .backup import BusyError, restore

    try:
        done = restore(args.backup, args.db)
    except (FileNotFoundError, ValueError, BusyError) as exc:
        print(f"Pemulihan dibatalkan, {args.db} tidak diubah: {exc}", file=sys.stderr)
        return 2
    print(f"{done.path} dipulihkan dari {args.backup}: {done.submissions} pengajuan.")
    print(f"Basis data sebelumnya disimpan sebagai {done.kept}." if done.kept
          else "Sebelumnya belum ada basis data di sana.")
    return 0


def _rounded(value) -> float | None:
    """A number for JSON: None for a missing one, else rounded off its float noise."""
    import math

    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 6)


def _cell(value, digits: int = 2) -> str:
    from .export import missing

    return "-" if missing(value) else fmt(float(value), digits)


def _open_read(db: Path):
    """A read connection for `zi laporan`, `zi status` and `zi pengusulan`; None, with the reason on stderr, when
    the database does not exist or is being written."""
    from .queries import DatabaseBusy, connect

    if not Path(db).exists():
        print(f"Basis data {db} tidak ada: muat data dulu dengan `zi ingest` atau `zi demo`.", file=sys.stderr)
        return None
    try:
        return connect(db)
    except DatabaseBusy:
        print(f"Basis data {db} sedang dipakai untuk menulis; coba lagi sebentar lagi.", file=sys.stderr)
        return None


def cmd_status(args: argparse.Namespace) -> int:
    from .cycle.stages import STAGE_LABELS, STAGES, deadline_for, tanggal
    from .queries import cycle_status

    con = _open_read(args.db)
    if con is None:
        return 2
    try:
        df = cycle_status(con, args.tahun, args.instansi)
        notices = _proposal_notices(con, args.tahun, args.instansi)
    finally:
        con.close()
    if args.json:
        units = [{"unit": r.unit_name, "instansi": r.instansi, "target": r.target if isinstance(r.target, str) else None,
                  "stage": r.stage, "unit_total": _rounded(r.unit_total), "tpi_total": _rounded(r.tpi_total),
                  "tpn_total": _rounded(r.tpn_total),
                  "keputusan": r.keputusan if isinstance(r.keputusan, str) else None, "terlambat": bool(r.terlambat)}
                 for r in df.itertuples()]
        print(json.dumps({"tahun": args.tahun, "units": units, "pemberitahuan_usulan": [
            {"unit": n.unit, "instansi": n.instansi, "predikat": n.predikat, "pesan": n.pesan} for n in notices]},
            ensure_ascii=False, indent=2))
        return 0
    scope = ", ".join(args.instansi) if args.instansi else "semua instansi"
    print(f"Tahun {args.tahun} · {scope} · batas pengusulan {tanggal(deadline_for(args.tahun))} · {len(df)} unit")
    counts = df["stage"].value_counts()
    print("Tahap: " + "; ".join(f"{STAGE_LABELS[s]} {int(counts.get(s, 0))}" for s in STAGES)
          + f"; terlambat {int(df['terlambat'].sum())}")
    for n in notices:
        print(f"PERHATIAN usulan {n.predikat}: {n.unit} ({n.instansi}): {n.pesan}")
    if df.empty:
        return 0
    print()
    header = f"{'Unit kerja':36} {'Instansi':30} {'Target':6} {'Tahap':20} {'Unit':>7} {'TPI':>7} {'TPN':>7} " \
             f"{'Keputusan':9} Terlambat"
    print(header)
    print("-" * len(header))
    for r in df.itertuples():
        print(f"{r.unit_name[:36]:36} {r.instansi[:30]:30} {r.target if isinstance(r.target, str) else '-':6} "
              f"{r.stage_label:20} {_cell(r.unit_total):>7} {_cell(r.tpi_total):>7} {_cell(r.tpn_total):>7} "
              f"{r.keputusan if isinstance(r.keputusan, str) else '-':9} {'TERLAMBAT' if r.terlambat else ''}")
    return 0


def _proposal_notices(con, year: int, instansi: list[str] | None) -> list:
    """What must be done before PortalRB fetches a saved proposal (zi_data/api/served.py)."""
    from .api.served import notices

    return notices(con, year, instansi)


def _unservable(con, proposed) -> list[str]:
    from .api.served import unservable

    return unservable(con, proposed)


def cmd_pengusulan(args: argparse.Namespace) -> int:
    import getpass

    from . import access
    from .cycle import proposal as proposal_mod
    from .queries import proposal

    if args.kuota < 0:
        print("Kuota tidak boleh negatif.", file=sys.stderr)
        return 2
    con = _open_read(args.db)
    if con is None:
        return 2
    try:
        p = proposal(con, args.tahun, args.predikat, args.kuota, args.instansi)
        cannot = _unservable(con, p.proposed)
    finally:
        con.close()
    if args.simpan:
        who = args.oleh or getpass.getuser()
        pid = proposal_mod.save(args.db, p, who, actor_role=access.COMMAND_LINE_ROLE)
        print(f"Usulan nomor {pid} disimpan oleh {who}.", file=sys.stderr)
    for line in cannot:  # said where the proposal is saved: PortalRB's API will not send these units
        print(f"PERHATIAN: {line}", file=sys.stderr)
    if args.json:
        print(json.dumps(p.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(p.title())
    for title, df in (("Diusulkan", p.proposed), ("Cadangan", p.reserves)):
        print(f"\n{title} ({len(df)}):")
        for r in df.itertuples():
            print(f"  {r.rank:>3}. {r.unit_name[:40]:40} {r.instansi[:30]:30} TPI {_cell(r.tpi_total):>6}  "
                  f"selisih terkecil {_cell(r.margin)}  ({r.closest})")
    print(f"\nTidak memenuhi ({len(p.failing)}):")
    for r in p.failing.itertuples():
        print(f"  {r.unit_name} ({r.instansi}), TPI {_cell(r.tpi_total)}")
        for message in r.gagal:
            print(f"      - {message}")
    return 0


def add_reading_args(p: argparse.ArgumentParser) -> None:
    """Identity for files that do not state it, and loading a partial sheet on purpose."""
    p.add_argument("--unit", default=None, help="nama unit kerja (satu berkas), bila berkas tidak menyebutnya")
    p.add_argument("--instansi", default=None, help="nama instansi, bila berkas tidak menyebutnya")
    p.add_argument("--tahun", type=int, default=None, help="tahun penilaian, bila berkas tidak menyebutnya")
    p.add_argument("--terima-sebagian", action="store_true",
                   help="tetap muat sheet yang cocok kurang dari 90%% dengan katalog (ditandai 'perlu diperiksa')")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zi", description="ZI Monitor: nilai LKE Zona Integritas (WBK/WBBM).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("score", help="nilai satu workbook LKE tanpa menyentuh basis data")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="cetak satu objek JSON")
    add_reading_args(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("template", help="tulis LKE kosong untuk diisi unit kerja")
    p.add_argument("out", type=Path)
    p.add_argument("--edition", default="2021", help="edisi LKE (2019 atau 2021)")
    p.add_argument("--unit", default="", help="nama unit kerja untuk sheet Identitas")
    p.add_argument("--instansi", default="", help="nama instansi untuk sheet Identitas")
    p.add_argument("--year", type=int, default=None, help="tahun penilaian untuk sheet Identitas")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("ingest", help="muat workbook LKE dan berkas survei ke basis data")
    p.add_argument("paths", nargs="+", type=Path, help="berkas atau folder (dibaca rekursif)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--json", action="store_true", help="cetak ringkasan sebagai satu objek JSON")
    add_reading_args(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("demo", help="buat workbook contoh dan muat ke basis data")
    p.add_argument("--units", type=int, default=60)
    p.add_argument("--years", default="2023-2026", help="rentang tahun, mis. 2023-2026")
    p.add_argument("--out", type=Path, default=Path("data/raw/demo"))
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--if-empty", action="store_true", help="hanya bila basis data masih kosong")
    p.add_argument("--no-ingest", action="store_true", help="tulis berkas saja, jangan dimuat")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("laporan", help="tulis laporan hasil evaluasi per unit atau rekapitulasi (PDF, DOCX, XLSX)",
                       description="Laporan satu unit (--unit), rekapitulasi (--rekap) atau laporan setiap unit ke "
                                   "satu folder (--semua).")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", help="nama unit kerja (laporan satu unit)")
    which.add_argument("--rekap", action="store_true", help="rekapitulasi semua unit tahun itu (pdf atau xlsx)")
    which.add_argument("--semua", action="store_true", help="laporan setiap unit, satu berkas per unit, ke folder --out")
    p.add_argument("--tahun", type=int, required=True, help="tahun penilaian")
    p.add_argument("--instansi", default=None, help="hanya instansi ini (wajib bila nama unit ada di beberapa instansi)")
    p.add_argument("--format", choices=["pdf", "docx", "xlsx"], default="pdf")
    p.add_argument("--out", type=Path, required=True, help="berkas tujuan (folder untuk --semua)")
    p.add_argument("--kop", type=Path, default=None,
                   help="kop, nomor, dasar dan tim LHE (TOML, contoh data/kop.contoh.toml); tanpa ini dibaca "
                        "kop.toml di folder basis data bila ada, bila tidak laporan bertanda DRAF")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.set_defaults(func=cmd_laporan)

    p = sub.add_parser("status", help="tahap setiap unit dalam siklus ZI satu tahun (daftar unit, LKE, TPI, TPN)")
    p.add_argument("--tahun", type=int, required=True)
    p.add_argument("--instansi", action="append", default=None, help="hanya instansi ini (boleh diulang)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--json", action="store_true", help="cetak satu objek JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("pengusulan", help="unit yang diusulkan ke KemenPANRB dalam kuota, cadangan, yang belum "
                                          "memenuhi")
    p.add_argument("--tahun", type=int, required=True)
    p.add_argument("--predikat", choices=["WBK", "WBBM"], required=True)
    p.add_argument("--kuota", type=int, required=True, help="jumlah unit yang boleh diusulkan")
    p.add_argument("--instansi", action="append", default=None, help="hanya instansi ini (boleh diulang)")
    p.add_argument("--simpan", action="store_true", help="simpan usulan ini (siapa dan kapan dicatat)")
    p.add_argument("--oleh", default=None, help="nama yang menyimpan (bawaan: pengguna sistem operasi)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--json", action="store_true", help="cetak satu objek JSON")
    p.set_defaults(func=cmd_pengusulan)

    p = sub.add_parser("user", help="tambah atau ganti pengguna dasbor (kontrol akses)")
    p.add_argument("username")
    p.add_argument("--role", choices=["viewer", "evaluator", "admin"], default="viewer")
    p.add_argument("--name", default="", help="nama yang ditampilkan")
    p.add_argument("--file", type=Path, default=None, help="berkas pengguna (bawaan: $ZI_USERS atau "
                                                            ".streamlit/users.toml)")
    p.add_argument("--password-stdin", action="store_true", help="baca kata sandi dari stdin")
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("backup", help="salin basis data dengan aman, juga saat dasbor berjalan")
    p.add_argument("out", type=Path, help="berkas cadangan baru (tidak pernah ditimpa)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="ganti basis data dengan cadangan; yang lama disimpan sebagai .bak")
    p.add_argument("backup", type=Path, help="berkas cadangan dari zi backup")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.set_defaults(func=cmd_restore)

    from .api.cli import add_parser as add_api_parser  # zi api token | serve | periksa (zi_data/api/cli.py)

    add_api_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE") and argv is None:  # `zi score x | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
