"""The real workbooks of `shared/reference/` (skipped where that folder is absent: they are never copied here)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from zi_data.cli import main
from zi_data.evaluate import evaluate
from zi_data.readers import ReadError, read_workbook

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
REAL = REFERENCE / "real"
KSPSTK = REAL / "lke-zi-2024-direktorat-kspstk.xlsx"
KESDM = REAL / "jawaban-export-template-kesdm-2021.xlsx"
LKE_RB = REAL / "lke-rb-bps-2015-not-zi.xlsx"
PUSKESMAS = REFERENCE / "lke-zi-permenpanrb-90-2021-filled.xlsx"

pytestmark = pytest.mark.skipif(not REAL.exists(), reason="../shared/reference/real is not present (see its README)")


def score_json(capsys, *args) -> dict:
    assert main(["score", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_2024_directorate_lke_scores_92_53(capsys):
    """Read by hand: Pengungkit 52,53 and Hasil 40,00; 124 of 127 rows (questions 13, 42 and 74 are missing)."""
    out = score_json(capsys, KSPSTK, "--tahun", "2024", "--unit", "Direktorat KSPSTK")
    unit = out["unit_score"]
    assert unit["total"] == pytest.approx(92.53, abs=0.01)
    assert unit["pengungkit"] == pytest.approx(52.53, abs=0.01) and unit["hasil"] == pytest.approx(40.0)
    assert out["read"]["matched"] == 124 and out["read"]["columns"]["hierarki"] == "A-F"
    missing = [w for w in out["warnings"] if "3 dari 127 pertanyaan katalog tidak ditemukan" in w]
    assert missing and all(q in missing[0] for q in ("M013", "M042", "M074"))
    # its LHKPN count: 10 reported of 1 + 10 + 0 = 11 (the typed 10 is not the sum of its parts)
    assert any("tertulis 10, padahal rinciannya 1 + 10 + 0 = 11" in w for w in out["warnings"])
    assert out["tpi_score"] is None and [a["level"] for a in out["assessments"]] == ["unit"]


def test_the_puskesmas_workbook_still_scores_95_633(capsys):
    out = score_json(capsys, PUSKESMAS)
    assert round(out["unit_score"]["total"], 3) == 95.633
    assert out["workbook_total"] == pytest.approx(95.576, abs=1e-3)
    assert out["read"]["columns"]["tingkat"][0]["bukti"] == ["P", "Q"]  # the evidence columns have no header


def _fill_kesdm(path: Path) -> None:
    """Fill the real export template as its three levels would: unit (K), TPI (O), TPI KESDM (S).

    Every option at its best, counts that make every ratio 1 (3 of 3 must report and did; no discipline
    violations), surveys 4,0: the unit scores 100. The TPI gives IPAK 3,2 -> 14,0 of 17,5: 96,5. The TPI KESDM
    gives IPAK 3,6 -> 15,75 (-1,75) and IPKP 3,2 -> 14,0 (-3,5): 94,75. Links go into N, where a reader with
    fixed columns would take them for the TPI's answers."""
    book = load_workbook(path)
    ws = book["Jawaban"]
    best = {"Ya/Tidak": "Ya", "A/B/C": "A", "A/B/C/D": "A", "A/B/C/D/E": "A"}
    for r in range(2, ws.max_row + 1):
        kind = str(ws.cell(r, 10).value or "").replace("\n", " ")
        text = " ".join(str(ws.cell(r, c).value or "") for c in range(2, 8)).casefold()
        if kind in best:
            values = [best[kind]] * 3
        elif kind == "Jumlah":
            n = 0 if "pelanggaran" in text else 3 if "melaporkan" in text else 1
            values = [n] * 3
        elif kind.startswith("Nilai"):
            ipak = "persepsi korupsi" in text
            values = [4.0, 3.2 if ipak else 4.0, 3.6 if ipak else 3.2]
        else:
            continue
        for col, value in zip((11, 15, 19), values, strict=True):
            ws.cell(r, col).value = value
        ws.cell(r, 13).value = "SK Kepala Unit"
        ws.cell(r, 14).value = f"https://drive.example.go.id/bukti/{r}"
    book.save(path)


def test_the_other_applications_export_is_read_with_its_three_levels(tmp_path, capsys):
    path = tmp_path / "2025_Unit ESDM.xlsx"
    shutil.copy(KESDM, path)
    _fill_kesdm(path)
    out = score_json(capsys, path)
    levels = [(a["level"], a["label"], a["total"]) for a in out["assessments"]]
    assert [lv[:2] for lv in levels] == [("unit", "Jawaban Unit"), ("tpi_1", "Jawaban TPI"),
                                         ("tpi", "Jawaban TPI KESDM")]
    assert [lv[2] for lv in levels] == pytest.approx([100.0, 96.5, 94.75])
    assert out["tpi_score"]["total"] == pytest.approx(94.75)
    cols = out["read"]["columns"]["tingkat"]
    assert [c["jawaban"] for c in cols] == ["K", "O", "S"]
    assert cols[0]["bukti"] == ["M", "N"] and cols[1]["nilai"] == "P" and cols[2]["catatan"] == ["V"]
    wb = read_workbook(path)
    assert not [r for r in wb.rows if r[0] != "unit" and str(r[2]).startswith("https")]


def test_the_blank_export_template_is_empty_not_zero(capsys):
    with pytest.raises(ReadError, match="workbook kosong: belum ada jawaban"):
        read_workbook(KESDM, require_identity=False)
    assert main(["score", str(KESDM)]) == 2
    assert "workbook kosong" in capsys.readouterr().err


def test_the_lke_reformasi_birokrasi_is_refused(capsys):
    with pytest.raises(ReadError, match="bukan LKE Zona Integritas: sheet ini tampaknya LKE Reformasi Birokrasi"):
        read_workbook(LKE_RB, require_identity=False)


def test_every_real_workbook_reads_the_same_whatever_it_is_named(tmp_path):
    # The identity the files lack, given by their folders: <Instansi>/<Tahun>/<Unit Kerja>.xlsx
    target = tmp_path / "Kementerian Pendidikan" / "2024" / "Direktorat KSPSTK.xlsx"
    target.parent.mkdir(parents=True)
    shutil.copy(KSPSTK, target)
    wb = read_workbook(target)
    assert (wb.unit, wb.instansi, wb.year) == ("Direktorat KSPSTK", "Kementerian Pendidikan", 2024)
    assert evaluate(wb).scores.total("unit") == pytest.approx(92.53, abs=0.01)
