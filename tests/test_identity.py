"""Who and when a workbook is about, from wherever the unit wrote it, without renaming any file."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.helpers import edition, filled_workbook, perfect
from zi_data.cli import main
from zi_data.ingest import identify_upload, ingest_paths
from zi_data.lke_writer import write_lke_zi
from zi_data.readers import ReadError, read_workbook

ED = edition("2021")


def bare(path, **kw):
    """A real-looking LKE sheet with no Identitas sheet: its name and folder are all it has (its note differs
    by name, so that two of them are never the same bytes)."""
    return write_lke_zi(path, ED, "ignored", "ignored", 2025, perfect(ED), notes={"M001": path.name},
                        quirks={"no_identity"} | kw.pop("q", set()), **kw)


def test_the_identitas_sheet_comes_first(tmp_path):
    path = write_lke_zi(tmp_path / "2024_Nama Lain.xlsx", ED, "Dinas A", "Pemkot B", 2025, perfect(ED))
    wb = read_workbook(path)
    assert (wb.unit, wb.instansi, wb.year) == ("Dinas A", "Pemkot B", 2025)
    assert wb.read_info["identity"] == {"unit": "sheet 'Identitas'", "instansi": "sheet 'Identitas'",
                                        "year": "sheet 'Identitas'"}


def test_a_title_block_above_the_table_names_unit_instansi_and_year(tmp_path):
    path = write_lke_zi(tmp_path / "lke final.xlsx", ED, "Direktorat Contoh", "Kementerian Contoh", 2025, perfect(ED),
                        quirks={"title_block", "no_identity"})
    wb = read_workbook(path)
    assert (wb.unit, wb.instansi, wb.year) == ("Direktorat Contoh", "Kementerian Contoh", 2025)
    assert set(wb.read_info["identity"].values()) == {"blok judul sheet 'LKE ZI'"}


def test_identitas_csv_in_the_folder_names_each_file(tmp_path):
    bare(tmp_path / "LKE Puskesmas.xlsx")
    bare(tmp_path / "lke-kua.xlsx")
    (tmp_path / "identitas.csv").write_text(
        "berkas;unit_kerja;instansi;tahun\nLKE Puskesmas.xlsx;Puskesmas Mawar;Pemkab Sejahtera;2025\n"
        "lke-kua;KUA Melati;Kementerian Agama;2024\n", encoding="utf-8")
    a = read_workbook(tmp_path / "LKE Puskesmas.xlsx")
    b = read_workbook(tmp_path / "lke-kua.xlsx")  # the name without its extension is enough
    assert (a.unit, a.instansi, a.year) == ("Puskesmas Mawar", "Pemkab Sejahtera", 2025)
    assert (b.unit, b.instansi, b.year) == ("KUA Melati", "Kementerian Agama", 2024)
    assert a.read_info["identity"]["unit"] == "identitas.csv"


def test_the_folder_layout_instansi_year_unit(tmp_path):
    path = bare(tmp_path / "Kementerian Agama" / "2025" / "KUA Kecamatan Melati.xlsx")
    wb = read_workbook(path)
    assert (wb.unit, wb.instansi, wb.year) == ("KUA Kecamatan Melati", "Kementerian Agama", 2025)
    assert wb.read_info["identity"]["year"] == "susunan folder <Instansi>/<Tahun>/<Unit Kerja>"


def test_the_file_name_year_and_unit(tmp_path):
    wb = read_workbook(bare(tmp_path / "2026_Polsek Cempaka.xlsx"))
    assert (wb.unit, wb.instansi, wb.year) == ("Polsek Cempaka", "", 2026)


def test_what_the_person_says_fills_the_gaps_and_wins_with_a_warning(tmp_path):
    path = bare(tmp_path / "2026_Polsek Cempaka.xlsx")
    wb = read_workbook(path, identity={"instansi": "Polda Nusantara"})
    assert (wb.unit, wb.instansi, wb.year) == ("Polsek Cempaka", "Polda Nusantara", 2026)
    assert wb.read_info["identity"]["instansi"] == "isian pengguna" and not wb.warnings
    wb = read_workbook(path, identity={"year": 2025})
    assert wb.year == 2025
    assert "Tahun menurut nama berkas <Tahun>_<Unit Kerja> '2026', diganti dengan isian pengguna '2025'" in wb.warnings


def test_a_file_with_no_identity_is_refused_with_every_way_to_give_one(tmp_path):
    with pytest.raises(ReadError) as err:
        read_workbook(bare(tmp_path / "lke.xlsx"))
    message = str(err.value)
    for way in ("sheet 'Identitas'", "Unit Kerja : ...", "identitas.csv", "<Instansi>/<Tahun>/<Unit Kerja>.xlsx",
                "<Tahun>_<Unit Kerja>.xlsx", "--unit, --instansi, --tahun", "halaman Data"):
        assert way in message


def test_zi_ingest_takes_the_identity_flags_for_one_file_and_refuses_unit_for_many(tmp_path, capsys):
    one = bare(tmp_path / "a" / "lke.xlsx")
    db = tmp_path / "zi.duckdb"
    assert main(["ingest", str(one), "--db", str(db), "--unit", "Dinas X", "--tahun", "2025", "--instansi", "Pemkot Y",
                 "--json"]) == 0
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("select unit_name, instansi, year, read_info from current_submissions").fetchone()
    con.close()
    assert row[:3] == ("Dinas X", "Pemkot Y", 2025)
    assert json.loads(row[3])["identity"] == {"unit": "isian pengguna", "instansi": "isian pengguna",
                                              "year": "isian pengguna"}
    bare(tmp_path / "a" / "lke2.xlsx")
    capsys.readouterr()
    assert main(["ingest", str(tmp_path / "a"), "--db", str(db), "--unit", "Dinas X", "--tahun", "2025"]) == 2
    assert "--unit hanya untuk satu berkas, padahal ada 2 berkas" in capsys.readouterr().err


def test_a_folder_from_the_field_loads_without_renaming_anything(tmp_path):
    root = tmp_path / "kiriman"
    bare(root / "Kementerian Agama" / "2025" / "KUA Melati.xlsx")
    bare(root / "Pemkot" / "lke puskesmas final.xlsx")
    (root / "Pemkot" / "identitas.csv").write_text("berkas,unit_kerja,instansi,tahun\n"
                                                    "lke puskesmas final.xlsx,Puskesmas Anggrek,Pemkot,2025\n")
    write_lke_zi(root / "ekspor" / "export (3).xlsx", ED, "Direktorat Z", "Kementerian Z", 2025, perfect(ED),
                 quirks={"title_block", "no_identity"})
    summary = ingest_paths([root], tmp_path / "zi.duckdb", actor_role="evaluator")
    assert summary.loaded == 3 and not summary.rejected
    con = duckdb.connect(str(tmp_path / "zi.duckdb"), read_only=True)
    units = con.execute("select unit_name, instansi, year from current_submissions order by 1").fetchall()
    con.close()
    assert units == [("Direktorat Z", "Kementerian Z", 2025), ("KUA Melati", "Kementerian Agama", 2025),
                     ("Puskesmas Anggrek", "Pemkot", 2025)]


def test_two_files_with_the_same_bytes_in_one_run_are_said_not_counted_as_unchanged(tmp_path):
    a = bare(tmp_path / "x" / "2025_Dinas A.xlsx")
    twin = tmp_path / "y" / "2025_Dinas A.xlsx"
    twin.parent.mkdir()
    twin.write_bytes(a.read_bytes())
    summary = ingest_paths([tmp_path / "x", tmp_path / "y"], tmp_path / "zi.duckdb", actor_role="evaluator")
    assert (summary.loaded, summary.unchanged, summary.twins) == (1, 0, [(str(twin), str(a))])
    assert "Berkas kembar (isinya sama persis dengan berkas lain, dilewati): 1" in summary.describe()


def test_an_upload_is_identified_before_it_is_loaded(tmp_path):
    path = bare(tmp_path / "2025_Dinas Sosial.xlsx")
    info = identify_upload("2025_Dinas Sosial.xlsx", path.read_bytes())
    assert (info["kind"], info["unit"], info["year"], info["problem"]) == ("lke", "Dinas Sosial", 2025, None)
    info = identify_upload("lke.xlsx", path.read_bytes())
    assert (info["kind"], info["unit"], info["year"]) == ("lke", "", None)
    info = identify_upload("survei.csv", b"Unit Kerja;Tahun;IPAK;IPKP\nDinas Sosial;2025;3,6;3,5\n")
    assert info["kind"] == "survey"
    info = identify_upload("catatan.xlsx", b"bukan excel")
    assert info["kind"] is None and "bukan berkas Excel" in info["problem"]


def test_an_upload_says_what_it_would_score_and_how_much_of_the_catalog_it_covers_before_loading(tmp_path):
    questions = len(ED.answerable)
    tpi = perfect(ED)
    dropped = sorted(tpi)[:3]  # the TPI left three questions unanswered
    for qid in dropped:
        del tpi[qid]
    path = filled_workbook(tmp_path / "lke.xlsx", unit=perfect(ED), tpi=tpi)
    info = identify_upload("lke.xlsx", path.read_bytes())
    # every catalog question found; the unit answered all of them and scores 100 (WBBM)
    assert (info["matched"], info["questions"]) == (questions, questions)
    unit, last = info["levels"]
    assert unit == ("unit", 100.0, "WBBM", questions)
    assert (last[0], last[3]) == ("tpi", questions - 3)
    assert not {"levels", "matched"} & {k for k, v in identify_upload("s.csv", b"Unit Kerja;Tahun;IPAK;IPKP\n"
                                                                         b"A;2025;3;3\n").items() if v}
