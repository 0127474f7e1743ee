"""`zi api token | serve | periksa`: the command line of the PortalRB API (zi_data/cli.py adds the subparser)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..store import DEFAULT_DB


def cmd_token(args: argparse.Namespace) -> int:
    from . import tokens

    path = args.file or tokens.tokens_file()
    try:
        if args.daftar:
            return _list_tokens(path)
        if not args.nama:
            print("Sebutkan NAMA token (atau --daftar).", file=sys.stderr)
            return 2
        if args.cabut:
            try:
                t = tokens.revoke(path, args.nama)
            except KeyError:
                print(f"Token {args.nama} tidak ada di {path}.", file=sys.stderr)
                return 2
            print(f"Token {t.name} ({t.instansi}) dicabut pada {t.dicabut}: permintaan berikutnya dengan token itu "
                  "ditolak (401), tanpa memulai ulang server.")
            return 0
        if not args.instansi:
            print("Sebutkan --instansi untuk token baru.", file=sys.stderr)
            return 2
        instansi = _known_instansi(args.db, args.instansi)
        if instansi is None:
            return 2
        token, replaced = tokens.create(path, args.nama, instansi)
    except (tokens.TokenFileError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"Token {args.nama} untuk instansi {instansi} disimpan (hanya hash-nya) di {path}"
          + (": token lama dengan nama ini tidak berlaku lagi." if replaced else "."), file=sys.stderr)
    print("Salin token berikut ke PortalRB sekarang; token ini tidak ditampilkan lagi:", file=sys.stderr)
    print(token)
    return 0


def _list_tokens(path: Path) -> int:
    from .tokens import read_tokens

    found = read_tokens(path)
    if not found:
        print(f"Belum ada token di {path}. Buat dengan `zi api token NAMA --instansi \"...\"`.")
        return 0
    print(f"Token di {path} (hanya hash yang disimpan):")
    for t in found.values():
        state = f"dicabut {t.dicabut}" if t.dicabut else "aktif"
        print(f"  {t.name:24} {t.instansi[:40]:40} dibuat {t.dibuat}  {state}")
    return 0


def _known_instansi(db: Path, given: str) -> str | None:
    """The instansi as the database spells it (compared without case or punctuation); None with the reason."""
    from difflib import get_close_matches

    from .. import queries
    from ..names import norm_name

    if not Path(db).exists():
        print(f"Basis data {db} tidak ada: token dibuat untuk instansi yang datanya ada (--db).", file=sys.stderr)
        return None
    try:
        con = queries.connect(db)
    except queries.DatabaseBusy:
        print(f"Basis data {db} sedang dipakai untuk menulis; coba lagi sebentar lagi.", file=sys.stderr)
        return None
    try:
        names = [r[0] for r in con.execute("select distinct instansi from stg_units union "
                                           "select distinct instansi from stg_roster order by 1").fetchall()]
    finally:
        con.close()
    for name in names:
        if norm_name(name) == norm_name(given):
            return name
    close = get_close_matches(given, names, n=3, cutoff=0.5)
    print(f"Instansi '{given}' tidak ada di {db}." + (f" Maksudnya: {', '.join(close)}?" if close else
                                                      f" Yang ada: {', '.join(names[:10])}"), file=sys.stderr)
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    from .server import ServeError, serve

    try:
        serve(args.db, host=args.host, port=args.port, tahun=args.tahun, prefix=args.prefix, certfile=args.certfile,
              keyfile=args.keyfile, tokens_path=args.tokens, per_minute=args.batas_per_menit,
              plain_http=args.tanpa_tls)
    except ServeError as exc:
        print(f"Server API tidak dijalankan: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_periksa(args: argparse.Namespace) -> int:
    from .periksa import periksa

    token = args.token or os.environ.get("ZI_API_TOKEN")
    if not token:
        print("Beri token dengan --token atau variabel lingkungan ZI_API_TOKEN.", file=sys.stderr)
        return 2
    try:
        delays = tuple(float(x) for x in args.jeda.split(",")) if args.jeda else ()
    except ValueError:
        print("--jeda harus daftar detik dipisah koma, mis. 0,60,120", file=sys.stderr)
        return 2
    return periksa(args.url, token, cafile=args.cafile, timeout=args.timeout, delays=delays)


def add_parser(sub) -> None:
    """The `zi api` command and its three subcommands."""
    api = sub.add_parser("api", help="API tarik PortalRB: token, server, pemeriksaan",
                         description="API yang diambil PortalRB (KemenPANRB): unit yang diusulkan dan jawaban LKE-nya.")
    cmds = api.add_subparsers(dest="api_command", required=True)

    p = cmds.add_parser("token", help="buat, daftar atau cabut token API (disimpan hanya hash-nya)")
    p.add_argument("nama", nargs="?", help="nama token, mis. portalrb")
    p.add_argument("--instansi", help="instansi yang datanya boleh dibaca token ini")
    p.add_argument("--daftar", action="store_true", help="tampilkan semua token (tanpa tokennya)")
    p.add_argument("--cabut", action="store_true", help="cabut token NAMA (berlaku pada permintaan berikutnya)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help="basis data untuk memeriksa nama instansi")
    p.add_argument("--file", type=Path, default=None,
                   help="berkas token (bawaan: $ZI_API_TOKENS atau .streamlit/api_tokens.toml)")
    p.set_defaults(func=cmd_token)

    p = cmds.add_parser("serve", help="jalankan server API (HTTPS bila diberi sertifikat)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8502)
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--tahun", type=int, default=None, help="tahun yang dilayani (bawaan: tahun usulan terakhir)")
    p.add_argument("--prefix", default="", help="awalan alamat, mis. /zi-api")
    p.add_argument("--certfile", type=Path, default=None, help="sertifikat TLS (PEM)")
    p.add_argument("--keyfile", type=Path, default=None, help="kunci privat TLS (PEM)")
    p.add_argument("--tokens", type=Path, default=None, help="berkas token (bawaan: $ZI_API_TOKENS atau "
                                                              ".streamlit/api_tokens.toml)")
    p.add_argument("--batas-per-menit", type=int, default=None,
                   help="permintaan per menit per token (bawaan: $ZI_API_PER_MINUTE atau 300)")
    p.add_argument("--tanpa-tls", action="store_true", help="izinkan HTTP biasa pada alamat selain 127.0.0.1")
    p.set_defaults(func=cmd_serve)

    p = cmds.add_parser("periksa", help="ambil API seperti PortalRB dan periksa setiap jawaban")
    p.add_argument("--url", required=True, help="URL dasar yang akan didaftarkan di PortalRB")
    p.add_argument("--token", default=None, help="token (atau variabel lingkungan ZI_API_TOKEN)")
    p.add_argument("--cafile", type=Path, default=None, help="sertifikat otoritas tambahan (PEM) untuk HTTPS")
    p.add_argument("--timeout", type=float, default=30.0, help="batas waktu per permintaan, detik")
    p.add_argument("--jeda", default="0,60,120", help="jeda percobaan ulang PortalRB, detik (bawaan 0,60,120)")
    p.set_defaults(func=cmd_periksa)
