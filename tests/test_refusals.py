"""Refused files cost no more than read ones: refusals are written with the batch (not a connection each), and a
refusal is remembered for the same bytes, reader version and givens, so an unchanged folder is not read again."""

from __future__ import annotations

import pytest

from tests.helpers import all_best, edition, filled_workbook
from tests.test_ingest import query as rows
from zi_data import ingest, store
from zi_data.template import write_template


@pytest.fixture
def refused_folder(tmp_path):
    """Twelve files that are all refused (blank forms, text named .xlsx, forms naming no unit) and one good one."""
    folder = tmp_path / "masuk"
    folder.mkdir()
    for i in range(4):
        write_template(folder / f"2025_Unit Kosong {i}.xlsx", edition="2021", unit=f"Unit {i}", instansi="I",
                       year=2025)
        (folder / f"2025_Teks {i}.xlsx").write_text(f"bukan Excel {i}")
        # answered, but no unit and no year anywhere (each its own bytes)
        filled_workbook(folder / f"lke_final_{i}.xlsx", unit={"M001": "Ya", "M125": 1 + i}, unit_name="", instansi="",
                        year=None)
    filled_workbook(folder / "2025_Unit Baik.xlsx", unit=all_best(edition("2021")), unit_name="Unit Baik")
    return folder


@pytest.fixture
def read_log(monkeypatch):
    """The workbooks each run hands to the reading workers."""
    seen: list[list[str]] = []
    original = ingest._prepared

    def recording(books, *args):
        seen.append(sorted(f.name for f, _ in books))
        return original(books, *args)

    monkeypatch.setattr(ingest, "_prepared", recording)
    return seen


def test_refused_files_are_not_read_again_in_an_unchanged_folder(tmp_path, refused_folder, read_log):
    db = tmp_path / "zi.duckdb"
    first = ingest.ingest_paths([refused_folder], db, actor_role="evaluator")
    assert first.loaded == 1 and len(first.rejected) == 12 and first.remembered == 0
    second = ingest.ingest_paths([refused_folder], db, actor_role="evaluator")
    assert read_log[1] == []  # nothing handed to a reader: every file is loaded or remembered as refused
    assert second.unchanged == 1 and second.remembered == 12
    # still said, with the same reasons, and recorded once
    assert sorted(r["reason"] for r in second.rejected) == sorted(r["reason"] for r in first.rejected)
    assert rows(db, "select count(*) from rejects") == [(12,)]
    assert "Ditolak: 12 (12 sudah ditolak sebelumnya dengan alasan yang sama dan tidak dibaca ulang)" \
        in second.describe()


def test_a_refusal_is_read_again_when_what_was_given_changes(tmp_path, refused_folder, read_log):
    db = tmp_path / "zi.duckdb"
    nameless = refused_folder / "lke_final_0.xlsx"
    ingest.ingest_paths([nameless], db, actor_role="evaluator")
    ingest.ingest_paths([nameless], db, actor_role="evaluator")
    assert read_log == [["lke_final_0.xlsx"], []]
    # the person now says who it is: read again, and loaded
    again = ingest.ingest_paths([nameless], db, actor_role="evaluator",
                                identity={"unit": "Unit X", "instansi": "I", "year": 2025})
    assert read_log[2] == ["lke_final_0.xlsx"] and again.loaded == 1
    # accepting a partial sheet is another given
    other = refused_folder / "lke_final_1.xlsx"
    ingest.ingest_paths([other], db, actor_role="evaluator")
    ingest.ingest_paths([other], db, actor_role="evaluator", allow_partial=True)
    assert read_log[3:] == [["lke_final_1.xlsx"], ["lke_final_1.xlsx"]]
    # an identitas.csv put in its folder may name it: read again, and loaded
    (refused_folder / "identitas.csv").write_text("berkas,unit_kerja,instansi,tahun\nlke_final_1.xlsx,Unit Y,I,2025\n")
    assert ingest.ingest_paths([other], db, actor_role="evaluator").loaded == 1
    # the same bytes elsewhere (another folder, another name) may read otherwise: read again
    moved = tmp_path / "2025" / "Unit Z.xlsx"
    moved.parent.mkdir()
    moved.write_bytes((refused_folder / "lke_final_2.xlsx").read_bytes())
    ingest.ingest_paths([refused_folder / "lke_final_2.xlsx"], db, actor_role="evaluator")
    ingest.ingest_paths([moved], db, actor_role="evaluator")
    assert read_log[-2:] == [["lke_final_2.xlsx"], ["Unit Z.xlsx"]]


def test_a_refusal_is_read_again_by_another_reader_version(tmp_path, refused_folder, read_log, monkeypatch):
    db = tmp_path / "zi.duckdb"
    ingest.ingest_paths([refused_folder], db, actor_role="evaluator")
    monkeypatch.setattr(ingest, "reader_version", lambda: "a-newer-reader")
    again = ingest.ingest_paths([refused_folder], db, actor_role="evaluator")
    assert len(read_log[1]) == 12 and again.remembered == 0
    # the older reader's refusals are not kept
    assert rows(db, "select distinct reader from refusals") == [("a-newer-reader",)]


def test_the_reader_version_follows_the_reading_code_and_data(tmp_path, monkeypatch):
    from zi_data import catalog

    before = ingest.reader_version()
    ingest.reader_version.cache_clear()
    data = tmp_path / "data"
    data.mkdir()
    for f in catalog.DATA_DIR.glob("*.csv"):
        (data / f.name).write_bytes(f.read_bytes())
    (data / "settings.csv").write_text((data / "settings.csv").read_text().replace(
        "min_catalog_coverage,0.9", "min_catalog_coverage,0.8"))
    monkeypatch.setattr(ingest, "DATA_DIR", data)
    try:
        assert ingest.reader_version() != before
    finally:
        ingest.reader_version.cache_clear()


def test_refusals_are_written_with_the_batch_not_a_connection_each(tmp_path, refused_folder, monkeypatch):
    """A write connection costs more than reading a workbook: refusing twelve files opens as many as loading one."""
    opened = []
    original = store.connect
    monkeypatch.setattr(store, "connect", lambda *a, **k: opened.append(a) or original(*a, **k))
    ingest.ingest_paths([refused_folder], tmp_path / "zi.duckdb", actor_role="evaluator")
    with_refusals = len(opened)
    opened.clear()
    good = refused_folder / "2025_Unit Baik.xlsx"
    ingest.ingest_paths([good], tmp_path / "other.duckdb", actor_role="evaluator")
    assert with_refusals <= len(opened)


def test_a_failed_commit_is_not_remembered(tmp_path, refused_folder, monkeypatch):
    """A refusal of the moment (the database refused the write) is tried again next time."""
    db = tmp_path / "zi.duckdb"
    good = refused_folder / "2025_Unit Baik.xlsx"
    original = ingest._write_files
    monkeypatch.setattr(ingest, "_write_files", lambda *a: (_ for _ in ()).throw(RuntimeError("disk penuh")))
    s = ingest.ingest_paths([good], db, actor_role="evaluator")
    assert "gagal disimpan (disk penuh)" in s.rejected[0]["reason"]
    monkeypatch.setattr(ingest, "_write_files", original)
    assert ingest.ingest_paths([good], db, actor_role="evaluator").loaded == 1
