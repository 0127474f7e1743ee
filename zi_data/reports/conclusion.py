"""The drafted conclusion and recommendations of a unit's LHE, worded from its numbers for the evaluator to edit:
the verdict of every level with the rules that fail, and the indicators that would lift those rules most."""

from __future__ import annotations

import pandas as pd

from ..predicates import NOT_MET, fmt
from .data import UnitReport, points

HINT = ("Simpulan dan rekomendasi di bawah disusun otomatis oleh ZI Monitor dari nilai di atas sebagai rancangan; "
        "evaluator menyunting dan melengkapinya (versi Word) sebelum laporan ditandatangani.")


def conclusion(report: UnitReport) -> list[str]:
    """Paragraphs: the verdict per level (total, predicate, the rules that keep it from the next predicate), the
    over-claim and a partial file's mark."""
    totals = report.totals_of()
    out = []
    for key, name, label in report.levels:
        total = totals.get(key)
        predicate = report.predicates.get(key)
        head = f"Menurut penilaian {name} ({label})" if label and label != name else f"Menurut penilaian {name}"
        if total is None:
            out.append(f"{head}, nilai total belum dapat dihitung.")
            continue
        text = f"{head}, nilai total {report.unit_name} tahun {report.year} adalah {fmt(total)}"
        text += f" dengan predikat {predicate}." if predicate in ("WBK", "WBBM") else \
            f"; {NOT_MET.lower()} syarat WBK." if predicate == NOT_MET else "."
        failing = report.failing.get(key, pd.DataFrame())
        target = "WBK" if predicate == NOT_MET else "WBBM" if predicate == "WBK" else None
        if target and len(failing):
            missing = failing[failing["predicate"] == target]
            if len(missing):
                text += (f" Syarat {target} yang belum terpenuhi ({len(missing)}): "
                         + "; ".join(_rule(r) for r in missing.itertuples()) + ".")
        elif predicate == "WBBM":
            text += " Semua syarat WBBM terpenuhi."
        out.append(text)
    if "tpi" in {k for k, _, _ in report.levels}:
        over = report.overclaims.rows
        if len(over):
            out.append(f"Sebanyak {len(over)} pertanyaan dinilai Unit lebih tinggi daripada TPI, dengan selisih "
                       f"{fmt(points(over['overclaim']))} poin (bagian klaim berlebih).")
        else:
            out.append("Tidak ada pertanyaan yang dinilai Unit lebih tinggi daripada TPI.")
    if report.needs_review:
        out.append(f"Berkas sumber perlu diperiksa: {report.needs_review}; nilai di atas belum dapat menjadi dasar "
                   "keputusan.")
    return out


def recommendations(report: UnitReport) -> list[str]:
    """Numbered recommendations: raise the indicators that lift the failing rules most (by the judged level), then
    review the over-claimed answers."""
    gaps = report.lifts
    out = []
    for r in gaps.itertuples():
        line = (f"Meningkatkan indikator {r.indicator} ({r.area}): nilai {fmt(r.score)} dari bobot {fmt(r.weight)}, "
                f"peluang {fmt(r.gain)} poin")
        line += f"; membantu memenuhi syarat {r.syarat_dibantu}." if r.syarat_dibantu else "."
        out.append(line)
    if not out and report.predicate != "WBBM":
        out.append("Meningkatkan nilai indikator dengan peluang terbesar (bagian peluang nilai).")
    if len(report.overclaims.rows):
        out.append(f"Menelaah kembali penilaian mandiri pada {len(report.overclaims.rows)} pertanyaan dengan klaim "
                   "berlebih agar jawaban Unit sesuai dengan bukti dukungnya.")
    if report.predicate == "WBBM" and not out:
        out.append("Mempertahankan capaian dan memastikan bukti dukung setiap jawaban tetap lengkap.")
    return out


def _rule(r) -> str:
    return f"{r.label}: {r.target_name} {fmt(r.value)} dari minimum {fmt(r.minimum)} (kurang {fmt(abs(r.margin))})"
