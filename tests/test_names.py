"""Whose unit is it: names read without invisible characters, letters that mimic Latin marked and warned, and every
unit listed under a label of its own (units are chosen by unit_id; see test_unit_keys.py for the pages)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import edition, filled_workbook, perfect
from zi_data import names, queries
from zi_data.cycle.roster import read_roster
from zi_data.ingest import ingest_paths

CYRILLIC_E = "\u0435"  # "е", CYRILLIC SMALL LETTER IE: drawn like Latin "e"


@pytest.mark.parametrize("written, stored", [
    ("Dinas Kes\u200behatan", "Dinas Kesehatan"),  # zero-width space
    ("\u202enatahesek sanid", "natahesek sanid"),  # right-to-left override: shown reversed, stored in this order
    ("Dinas\u200e Kesehatan\u200f", "Dinas Kesehatan"),  # left-to-right and right-to-left marks
    ("\ufeffDinas Kese\u00adhatan", "Dinas Kesehatan"),  # byte order mark, soft hyphen
    ("Dinas \u2066Kesehatan\u2069", "Dinas Kesehatan"),  # an isolate and its end
    ("Dinas\u3164Kesehatan", "DinasKesehatan"),  # Hangul filler: drawn as a blank, not a space
    ("Ｄｉｎａｓ  Kesehatan", "Dinas Kesehatan"),  # full-width letters, two spaces
    ("\U0001d403\U0001d422\U0001d427\U0001d41a\U0001d42c Kesehatan", "Dinas Kesehatan"),  # mathematical bold
])
def test_a_name_is_stored_as_a_reader_sees_it(written, stored):
    assert names.clean(written) == stored
    assert names.unit_id(written, "Kota A") == names.unit_id(stored, "Kota A")


def test_letters_that_mimic_latin_are_found_with_their_script():
    assert names.lookalikes(f"Dinas Kes{CYRILLIC_E}hatan") == [(CYRILLIC_E, "Kiril")]
    assert names.lookalikes("\u039frganisasi \u0391") == [("\u039f", "Yunani"), ("\u0391", "Yunani")]
    assert names.lookalikes("Dinas Kesehatan Kota Bandar Lampung") == []
    assert names.shown(f"Dinas Kes{CYRILLIC_E}hatan") == f"Dinas Kes{CYRILLIC_E}hatan ⚠ huruf Kiril"
    assert names.unit_id(f"Dinas Kes{CYRILLIC_E}hatan", "A") != names.unit_id("Dinas Kesehatan", "A")


def test_what_was_taken_out_or_mimics_latin_is_said():
    said = names.problems(f"\u202eDinas Kes{CYRILLIC_E}hatan", "Unit Kerja (sheet 'Identitas')")
    assert said == [
        f"Unit Kerja (sheet 'Identitas') 'Dinas Kes{CYRILLIC_E}hatan' memuat karakter tak terlihat (U+202E) yang "
        "dibuang: nama disimpan tanpa karakter itu",
        f"Unit Kerja (sheet 'Identitas') 'Dinas Kes{CYRILLIC_E}hatan' memuat huruf bukan Latin yang dapat tampak "
        f"sama dengan huruf Latin: '{CYRILLIC_E}' (huruf Kiril). Nama ini lain dari nama yang sama bunyinya dalam "
        "huruf Latin; di dasbor ditandai '⚠ huruf Kiril'"]
    assert names.problems("Dinas Kesehatan", "Unit Kerja") == []


def frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_id", "unit_name", "instansi"])


def test_a_unit_named_like_another_units_label_gets_a_label_of_its_own():
    df = frame([("a", "Dinas Kesehatan", "Pemerintah Kota Harapan Jaya"),
                ("b", "Dinas Kesehatan", "Kabupaten Lain"),
                ("c", "Dinas Kesehatan (Pemerintah Kota Harapan Jaya)", "Kabupaten Lain")])
    assert queries.unit_labels(df).tolist() == [
        "Dinas Kesehatan — Pemerintah Kota Harapan Jaya", "Dinas Kesehatan (Kabupaten Lain)",
        "Dinas Kesehatan (Pemerintah Kota Harapan Jaya) — Kabupaten Lain"]


def test_three_names_that_look_alike_are_three_labels():
    """A Latin name, the same with a Cyrillic letter, and one with a zero-width space stored before names were
    cleaned: in one instansi, never three identical entries."""
    df = frame([("a", "Dinas Kesehatan", "Kota A"), ("b", f"Dinas Kes{CYRILLIC_E}hatan", "Kota A"),
                ("c", "Dinas Kes\u200behatan", "Kota A"), ("d", "RSUD", "Kota A")])
    labels = queries.unit_labels(df).tolist()
    assert labels == ["Dinas Kesehatan — Kota A · a", f"Dinas Kes{CYRILLIC_E}hatan ⚠ huruf Kiril",
                      "Dinas Kesehatan — Kota A · c", "RSUD"]


def test_a_unit_keeps_one_label_over_several_rows():
    df = frame([("a", "Dinas Kesehatan", "Kota A"), ("b", "Dinas Kesehatan", "Kota B"),
                ("a", "Dinas Kesehatan", "Kota A")])
    assert queries.unit_labels(df).tolist() == ["Dinas Kesehatan (Kota A)", "Dinas Kesehatan (Kota B)",
                                                "Dinas Kesehatan (Kota A)"]


def test_a_workbook_naming_its_unit_with_hidden_or_look_alike_letters_is_stored_clean_and_warned(tmp_path):
    ed = edition()
    folder = tmp_path / "in"
    filled_workbook(folder / "a.xlsx", unit=perfect(ed), unit_name="Dinas Kesehatan", instansi="Kota A", year=2025)
    # the same unit to a reader: a zero-width space and a right-to-left mark, one year later
    filled_workbook(folder / "b.xlsx", unit=perfect(ed), unit_name="Dinas\u200b Kesehatan\u200f", instansi="Kota A",
                    year=2026)
    # another unit that only looks the same: a Cyrillic "е"
    filled_workbook(folder / "c.xlsx", unit=perfect(ed), unit_name=f"Dinas Kes{CYRILLIC_E}hatan", instansi="Kota A",
                    year=2026)
    db = tmp_path / "zi.duckdb"
    assert ingest_paths([folder], db, actor_role="evaluator").loaded == 3
    con = queries.connect(db)
    try:
        units = con.execute("select unit_name from stg_units order by unit_name").fetchall()
        warned = con.execute("select s.file_name, w.message from warnings w join stg_submissions s "
                             "using (submission_id) where w.message like 'Unit Kerja%' order by 1").fetchall()
    finally:
        con.close()
    assert [u for (u,) in units] == ["Dinas Kesehatan", f"Dinas Kes{CYRILLIC_E}hatan"]
    assert [f for f, _ in warned] == ["b.xlsx", "c.xlsx"]
    assert "karakter tak terlihat (U+200B, U+200F) yang dibuang" in warned[0][1]
    assert f"'{CYRILLIC_E}' (huruf Kiril)" in warned[1][1]


def test_a_roster_row_is_read_without_its_hidden_characters(tmp_path):
    path = tmp_path / "daftar.csv"
    path.write_text("Unit Kerja;Instansi;Tahun;Target\n\u202aDinas\u200b Kesehatan\u202c;Kota\u00a0A;2026;WBK\n",
                    encoding="utf-8")
    row = read_roster(path).rows[0]
    assert (row.unit, row.instansi) == ("Dinas Kesehatan", "Kota A")
