"""The report pages in Streamlit's AppTest: Laporan and Profil Unit read kop.toml beside the database (found,
absent, malformed), and a unit whose report fails is named while the ZIP holds the others."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from pypdf import PdfReader

from tests.test_pages import ROOT, open_page
from tests.test_reports_lhe import KOP
from tests.test_shown_text import as_read


@pytest.fixture
def folder(demo_db, tmp_path, monkeypatch):
    """A copy of the demo database in a folder of its own (where its kop.toml goes)."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(demo_db, data / "zi.duckdb")
    monkeypatch.setenv("ZI_DB", str(data / "zi.duckdb"))
    monkeypatch.chdir(ROOT)
    return data


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def zip_of_first_instansi(at) -> zipfile.ZipFile:
    at.button(key="report_zip").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return zipfile.ZipFile(io.BytesIO(at.session_state["report_zip_file"][1]))


def first_pdf_text(package: zipfile.ZipFile) -> str:
    name = next(n for n in package.namelist() if n.endswith(".pdf"))
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(package.read(name))).pages)


def test_with_kop_toml_beside_the_database_the_pages_make_lhes(folder):
    (folder / "kop.toml").write_text(KOP, encoding="utf-8")
    at = open_page("laporan")
    assert "Kop, nomor, dasar dan tim dari kop.toml di folder basis data: Inspektorat Jenderal Kementerian Uji" \
        in captions(at)
    text = first_pdf_text(zip_of_first_instansi(at))
    assert "Inspektorat Jenderal Kementerian Uji" in text and "Nomor: LHE-" in text and "DRAF" not in text
    at = open_page("profil_unit")
    assert "dari kop.toml di folder basis data: Inspektorat Jenderal Kementerian Uji" in captions(at)


def test_without_kop_toml_the_pages_say_the_reports_are_drafts(folder):
    at = open_page("laporan")
    assert "Tanpa kop.toml di folder basis data laporan unit bertanda DRAF" in captions(at)
    assert "DRAF" in first_pdf_text(zip_of_first_instansi(at))
    assert "laporan unit bertanda DRAF" in captions(open_page("profil_unit"))


def test_a_malformed_kop_toml_is_named_on_the_page_and_the_reports_stay_drafts(folder):
    (folder / "kop.toml").write_text(KOP.replace('kota = "Jakarta"', "kota = Jakarta"), encoding="utf-8")
    for page in ("laporan", "profil_unit"):
        at = open_page(page)
        warning = " ".join(as_read(w.value) for w in at.warning)  # as shown: the file's text is escaped
        assert "kop.toml tidak dipakai, laporan unit dibuat sebagai DRAF: kop.toml baris 4 kolom 8" in warning
        assert str(folder) not in warning  # no server path on screen
    assert "DRAF" in first_pdf_text(zip_of_first_instansi(open_page("laporan")))


def test_a_unit_whose_report_fails_is_named_and_the_zip_holds_the_others(folder, monkeypatch):
    from zi_data import reports

    real = reports.write_unit
    broken: list[str] = []

    def failing(report, fmt):
        if not broken:  # the first unit of the instansi
            broken.append(report.unit_name)
            raise RuntimeError("/srv/rahasia/jalur.py rusak")
        return real(report, fmt)

    monkeypatch.setattr(reports, "write_unit", failing)
    at = open_page("laporan")
    package = zip_of_first_instansi(at)
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert f"Laporan 1 unit kerja tidak dapat dibuat: {broken[0]}" in warning and "/srv/rahasia" not in warning
    assert reports.FAILED_FILE in package.namelist() and len(package.namelist()) >= 2
    assert "/srv/rahasia" not in package.read(reports.FAILED_FILE).decode()
