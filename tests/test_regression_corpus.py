"""The regression corpus: every layout the project has read, written by the project's own writers, with its
total per assessment level. A change that alters how any of them is read fails here.

Totals marked "by hand" are worked out in tests/test_reading_shapes.py (unit_answers 96,125; tpi_answers
96,25; itjen_answers 98,5; a perfect sheet 100). The demo workbooks' totals are pinned: they were scored by the
reader of 2026-11-25 (before issue 19) and must not move; the demo's random answers make them unhandy to
work out by hand, and the point of a pin is that nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.helpers import drop_reform_pengawasan, edition, filled_workbook, national_workbook, perfect
from tests.test_reading_shapes import (
    ED,
    ITJEN_TOTAL,
    SHAPES,
    TPI_TOTAL,
    UNIT_TOTAL,
    itjen_answers,
    tpi_answers,
    unit_answers,
)
from zi_data.demo import generate
from zi_data.evaluate import evaluate
from zi_data.lke_writer import write_lke_zi
from zi_data.readers import read_workbook


def _lke(quirks=frozenset(), **kw):
    def build(tmp: Path) -> Path:
        return write_lke_zi(tmp / "2025_Unit Korpus.xlsx", ED, "Unit Korpus", "Instansi", 2025, unit_answers(),
                            quirks=quirks, **kw)
    return build


def _template(tmp: Path) -> Path:
    return filled_workbook(tmp / "t.xlsx", unit=unit_answers(), tpi=tpi_answers())


def _template_moved(tmp: Path) -> Path:
    path = _template(tmp)
    book = load_workbook(path)
    ws = book["Jawaban"]
    ws.insert_cols(11, 2)
    ws["K5"], ws["L5"] = "Bukti", "Link"
    ws.insert_rows(1, 3)
    book.save(path)
    return path


def _template_headerless(tmp: Path) -> Path:
    path = _template(tmp)
    book = load_workbook(path)
    book["Jawaban"].delete_rows(5)
    book.save(path)
    return path


def _template_2019(tmp: Path) -> Path:
    ed = edition("2019")
    return filled_workbook(tmp / "t2019.xlsx", "2019", unit=perfect(ed), tpi=perfect(ed), year=2020)


def _group_heading(tmp: Path) -> Path:
    path = write_lke_zi(tmp / "2025_U.xlsx", ED, "U", "I", 2025, unit_answers(), levels={"Jawaban": tpi_answers()},
                        quirks={"no_value_columns"})
    book = load_workbook(path)
    ws = book["LKE ZI"]
    second = [c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "Jawaban"][1]
    ws.cell(1, second).value = "Penilaian TPI"
    book.save(path)
    return path


def _national(**kw):
    def build(tmp: Path) -> Path:
        return national_workbook(tmp / "2026_Unit Nasional.xlsx", unit=unit_answers(), tpi=tpi_answers(), **kw)
    return build


# name -> (builder, {level: total}, allow_partial); totals by hand (see the module's docstring)
HAND = {
    **{f"LKE ZI: {shape}": (_lke(quirks), {"unit": UNIT_TOTAL}, False) for shape, quirks in SHAPES.items()},
    "LKE ZI without a header row": (_lke({"no_header"}), {"unit": UNIT_TOTAL}, False),
    "LKE ZI with three levels": (_lke({"bukti_link_before_answers"}, unit_label="Jawaban Unit",
                                      levels={"Jawaban TPI": tpi_answers(), "Jawaban TPI KESDM": itjen_answers()}),
                                 {"unit": UNIT_TOTAL, "tpi_1": TPI_TOTAL, "tpi": ITJEN_TOTAL}, False),
    "LKE ZI with a TPN column": (_lke(levels={"Jawaban TPI": tpi_answers(), "Jawaban TPN (KemenPANRB)": itjen_answers()}),
                                 {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL, "tpn": ITJEN_TOTAL}, False),
    "LKE ZI with a group heading above the header": (_group_heading, {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL}, False),
    # Penguatan Pengawasan (Reform, 7,5) gone, loaded on request: 96,125 - 7,5
    "LKE ZI missing an area, loaded on request": (lambda tmp: _drop_area(_lke()(tmp)), {"unit": UNIT_TOTAL - 7.5},
                                                  True),
    "template (rows by question id)": (_template, {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL}, False),
    "template with columns inserted and the header moved down": (_template_moved,
                                                                 {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL}, False),
    "template without its header row": (_template_headerless, {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL}, False),
    "template of edition 2019": (_template_2019, {"unit": 100.0, "tpi": 100.0}, False),
    "2026 national sheet": (_national(), {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL}, False),
    "2026 national sheet, question rows only": (_national(headings=False), {"unit": UNIT_TOTAL, "tpi": TPI_TOTAL},
                                                False),
}


def _drop_area(path: Path) -> Path:
    drop_reform_pengawasan(path)
    return path


@pytest.mark.parametrize("name", list(HAND))
def test_every_layout_read_before_scores_as_before(tmp_path, name):
    build, expected, partial = HAND[name]
    wb = read_workbook(build(tmp_path), allow_partial=partial)
    ev = evaluate(wb)
    assert {a: round(ev.scores.total(a), 4) for a in ev.scores.assessors} == pytest.approx(expected)


# The demo's workbooks (its template filled in the national layout, the LKE ZI sheet, a ministry's two TPI
# levels, a revision in a subfolder, edition 2019 for 2020), seed 19, pinned.
DEMO = {
    "2020/Kementerian_Keuangan/2020_KPPN Harapan Jaya.xlsx": {"unit": 87.7683, "tpi": 79.1711},
    "2020/Kementerian_Keuangan/revisi/2020_KPPN Harapan Jaya.xlsx": {"unit": 86.4344, "tpi": 75.2078},
    "2020/Kepolisian_Daerah_Nusantara/2020_Polres Bahagia.xlsx": {"unit": 60.4033, "tpi": 58.6637},
    "2020/Pemerintah_Kota_Harapan_Jaya/2020_Kecamatan Cempaka.xlsx": {"unit": 53.878, "tpi": 51.1022},
    "2024/Kementerian_Keuangan/2024_KPPN Harapan Jaya.xlsx": {"unit": 83.9118, "tpi_1": 75.7878, "tpi": 72.0932},
    "2024/Kepolisian_Daerah_Nusantara/2024_Polres Bahagia.xlsx": {"unit": 94.4159},
    "2024/Pemerintah_Kabupaten_Sejahtera/2024_Dinas Pendidikan.xlsx": {"unit": 58.111},
    "2024/Pemerintah_Kabupaten_Sejahtera/2024_Inspektorat Daerah.xlsx": {"unit": 92.1429, "tpi": 89.6337},
    "2024/Pemerintah_Kabupaten_Sejahtera/2024_Puskesmas Mawar.xlsx": {"unit": 95.4449, "tpi": 91.3768},
    "2024/Pemerintah_Kota_Harapan_Jaya/2024_Dinas Kependudukan dan Pencatatan Sipil.xlsx": {"unit": 92.7701,
                                                                                          "tpi": 88.7703},
    "2024/Pemerintah_Kota_Harapan_Jaya/2024_Kecamatan Cempaka.xlsx": {"unit": 82.1167, "tpi": 75.0951},
    "2024/Pemerintah_Kota_Harapan_Jaya/2024_Puskesmas Melati.xlsx": {"unit": 48.5414, "tpi": 42.8271},
    "2026/Kementerian_Keuangan/2026_KPPN Harapan Jaya.xlsx": {"unit": 47.7592, "tpi_1": 39.348, "tpi": 37.1396},
    "2026/Kepolisian_Daerah_Nusantara/2026_Polres Bahagia.xlsx": {"unit": 90.9733},
    "2026/Pemerintah_Kabupaten_Sejahtera/2026_Dinas Pendidikan.xlsx": {"unit": 96.3514},
    "2026/Pemerintah_Kabupaten_Sejahtera/2026_Inspektorat Daerah.xlsx": {"unit": 87.8433},
    "2026/Pemerintah_Kabupaten_Sejahtera/2026_Puskesmas Mawar.xlsx": {"unit": 92.655, "tpi": 90.2483},
    "2026/Pemerintah_Kabupaten_Sejahtera/revisi/2026_Dinas Pendidikan.xlsx": {"unit": 93.1632, "tpi": 87.8049},
    "2026/Pemerintah_Kota_Harapan_Jaya/2026_Dinas Kependudukan dan Pencatatan Sipil.xlsx": {"unit": 59.9503},
    "2026/Pemerintah_Kota_Harapan_Jaya/2026_Kecamatan Cempaka.xlsx": {"unit": 50.189},
    "2026/Pemerintah_Kota_Harapan_Jaya/2026_Puskesmas Melati.xlsx": {"unit": 55.5693, "tpi": 43.8709},
}


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    generate(root, units=3, years=[2020], seed=19, bad_files=False, surveys=False)
    generate(root, units=8, years=[2024, 2026], seed=19, bad_files=False, surveys=False)
    return root


def test_the_demo_workbooks_score_as_pinned(demo_folder):
    found = {str(p.relative_to(demo_folder)): p for p in demo_folder.rglob("*.xlsx")}
    assert set(found) == set(DEMO)
    for name, expected in DEMO.items():
        ev = evaluate(read_workbook(found[name]))
        assert {a: round(ev.scores.total(a), 4) for a in ev.scores.assessors} == pytest.approx(expected), name
