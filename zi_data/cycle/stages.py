"""Where each unit stands in a year's cycle, derived from what is stored; the proposal deadline and lateness."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..catalog import DATA_DIR, read_data_csv

STAGES = ("belum_mengirim", "lke_masuk", "dinilai_tpi", "diusulkan", "dievaluasi_tpn", "ditetapkan",
          "tidak_ditetapkan")
STAGE_LABELS = {
    "belum_mengirim": "Belum mengirim LKE", "lke_masuk": "LKE masuk", "dinilai_tpi": "Dinilai TPI",
    "diusulkan": "Diusulkan", "dievaluasi_tpn": "Dievaluasi TPN", "ditetapkan": "Ditetapkan",
    "tidak_ditetapkan": "Tidak ditetapkan",
}
# Stages at which a unit is late once the proposal deadline has passed: nothing the TPI could propose yet.
LATE_STAGES = ("belum_mengirim", "lke_masuk")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
DEFAULT_ROW = "bawaan"


def stage_of(has_submission: bool, has_tpi: bool, proposed: bool, has_tpn: bool, keputusan: str | None) -> str:
    """The furthest stage a unit has reached; a later fact wins (a TPN decision implies the earlier steps)."""
    if keputusan in ("WBK", "WBBM"):
        return "ditetapkan"
    if keputusan == "Tidak":
        return "tidak_ditetapkan"
    if has_tpn:
        return "dievaluasi_tpn"
    if proposed:
        return "diusulkan"
    if has_tpi:
        return "dinilai_tpi"
    return "lke_masuk" if has_submission else "belum_mengirim"


@lru_cache(maxsize=4)
def deadlines(data_dir: Path = DATA_DIR) -> tuple[dict[int, date], tuple[int, int]]:
    """The proposal deadline of each listed year, and the (month, day) of every other year, from data/deadlines.csv."""
    df = read_data_csv(data_dir, "deadlines.csv")
    years: dict[int, date] = {}
    default = None
    for r in df.itertuples(index=False):
        where = f"data/deadlines.csv, tahun '{r.tahun}'"
        if r.tahun.strip() == DEFAULT_ROW:
            m = re.fullmatch(r"(\d\d)-(\d\d)", r.batas_pengusulan.strip())
            if not m:
                raise ValueError(f"{where}: batas bawaan harus BB-HH (bulan-hari), bukan '{r.batas_pengusulan}'")
            default = (int(m.group(1)), int(m.group(2)))
            date(2000, *default)  # a real day of the year (29 February included)
        else:
            try:
                years[int(r.tahun)] = datetime.strptime(r.batas_pengusulan.strip(), "%Y-%m-%d").date()
            except ValueError as exc:
                raise ValueError(f"{where}: batas harus TTTT-BB-HH, bukan '{r.batas_pengusulan}'") from exc
    if default is None:
        raise ValueError(f"data/deadlines.csv: baris '{DEFAULT_ROW}' (batas untuk tahun yang tidak tercantum) tidak ada")
    return years, default


def deadline_for(year: int, data_dir: Path = DATA_DIR) -> date:
    """The last day proposals for `year` may be sent: the year's own row, else the default day of that year."""
    years, (month, day) = deadlines(data_dir)
    if int(year) in years:
        return years[int(year)]
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return date(int(year), month, day)


def tanggal(d: date | datetime) -> str:
    """31 Mei 2026 (and the time, 31 Mei 2026 14.05, for a datetime)."""
    text = f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    return f"{text} {d:%H.%M}" if isinstance(d, datetime) else text


def assign(units: pd.DataFrame, deadline: date, today: date) -> pd.DataFrame:
    """Add stage, its label and lateness to a frame of units (has_submission, has_tpi, proposed, has_tpn,
    keputusan); late = still at belum_mengirim or lke_masuk after the deadline day."""
    out = units.copy()
    out["stage"] = [stage_of(bool(r.has_submission), bool(r.has_tpi), bool(r.proposed), bool(r.has_tpn),
                             r.keputusan if isinstance(r.keputusan, str) else None)
                    for r in out.itertuples(index=False)] if len(out) else pd.Series(dtype=str)
    out["stage_label"] = out["stage"].map(STAGE_LABELS)
    out["terlambat"] = out["stage"].isin(LATE_STAGES) & (today > deadline)
    order = {s: i for i, s in enumerate(STAGES)}
    out["stage_order"] = out["stage"].map(order)
    return out.sort_values(["stage_order", "instansi", "unit_name"]).drop(columns="stage_order").reset_index(drop=True)


def funnel(status: pd.DataFrame) -> pd.DataFrame:
    """How many units reached each step (a later stage counts for every step before it): stage, label, units.

    "Tidak ditetapkan" is a sibling of "Ditetapkan": both count as evaluated by the TPN; the last step
    counts the units granted a predicate."""
    reached = status["stage"].map({s: i for i, s in enumerate(STAGES)})
    final = STAGES.index("ditetapkan")
    rows = [("semua", "Unit dalam siklus", len(status))]
    for i, stage in enumerate(STAGES[1:final + 1], start=1):
        at_least = reached >= i if stage != "ditetapkan" else status["stage"] == "ditetapkan"
        rows.append((stage, STAGE_LABELS[stage], int(at_least.sum())))
    return pd.DataFrame(rows, columns=["stage", "label", "units"])
