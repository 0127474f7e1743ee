"""Read external survey result files (IPAK/IPKP per unit and year) and apply them to a workbook's Hasil answers."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from .answers import is_blank, parse_number, value_of
from .catalog import DATA_DIR, load_catalog, read_data_csv
from .names import norm_name, unit_id  # noqa: F401  (their home was here: importers of old keep working)
from .predicates import fmt
from .readers.base import ReadError, level_name
from .tables import Table, norm_header, read_table

# Header spellings met in practice, normalised (lower case, no spaces/punctuation) -> field.
HEADERS = {
    "unit": {"unit", "unitkerja", "namaunitkerja", "namaunit", "satker", "satuankerja"},
    "instansi": {"instansi", "namainstansi", "kementerianlembagapemda"},
    "year": {"year", "tahun", "tahunsurvei", "tahunpenilaian"},
    "ipak": {"ipak", "ipk", "indekspersepsiantikorupsi", "indekspersepsikorupsi", "nilaiipak"},
    "ipkp": {"ipkp", "ikp", "indekspersepsikualitaspelayanan", "nilaiipkp"},
    "capaian": {"capaian", "capaiankinerja", "capaiankinerjalebihbaik"},
}
CAPAIAN_OPTIONS = ("A", "B", "C", "D", "E")


@dataclass
class SurveyRow:
    unit: str
    instansi: str
    year: int
    ipak: float | None
    ipkp: float | None
    capaian: str | None
    row: int


@dataclass
class SurveyFile:
    path: Path
    rows: list[SurveyRow]
    warnings: list[str] = field(default_factory=list)


def header_fields(header: list[Any]) -> dict[str, int]:
    """Column index of each known field in a header row."""
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = norm_header(cell)
        for name, spellings in HEADERS.items():
            if key in spellings and name not in found:
                found[name] = i
    return found


def looks_like_survey(header: list[Any]) -> bool:
    fields = header_fields(header)
    return {"unit", "year"} <= set(fields) and bool({"ipak", "ipkp"} & set(fields))


def read_survey(path: Path, table: Table | None = None) -> SurveyFile:
    """Every valid row of a survey file; invalid rows become warnings naming the row."""
    try:
        table = table or read_table(path, looks_like_survey)
    except csv.Error as exc:
        raise ReadError(path, f"berkas survei tidak dapat dibaca ({exc})") from exc
    sheet = table.sheet
    if table.header_index is None:
        raise ReadError(path, "bukan berkas survei: baris judul harus memuat kolom Unit Kerja, Tahun dan "
                        "IPAK/IPKP", sheet=sheet)
    table.check_rows(path, "max_survey_rows")
    cols = header_fields(table.header)
    out = SurveyFile(path=path, rows=[])
    where = table.where()

    def get(line: list[Any], name: str) -> Any:
        i = cols.get(name)
        return line[i] if i is not None and i < len(line) else None

    for n, line in table.data():
        if all(is_blank(c) for c in line):
            continue
        unit = " ".join(str(get(line, "unit") or "").split())
        year = parse_number(get(line, "year"))
        problems = []
        if not unit:
            problems.append("Unit Kerja kosong")
        if year is None or not (1900 < year < 2200) or not float(year).is_integer():
            problems.append(f"Tahun '{get(line, 'year')}' tidak sah")
        values: dict[str, float | None] = {}
        for name in ("ipak", "ipkp"):
            raw = get(line, name)
            if is_blank(raw):
                values[name] = None
                continue
            scale, least = _scale()
            valued = value_of(raw, "survey", scale_max=scale, least=least)  # as a workbook's survey cell is read
            if not valued.answered:
                problems.append(f"{name.upper()}: {valued.problem}")
            values[name] = None if valued.value is None else valued.value * scale
        capaian = get(line, "capaian")
        capaian = str(capaian).strip().rstrip(".").upper() if not is_blank(capaian) else None
        if capaian is not None and capaian not in CAPAIAN_OPTIONS:
            problems.append(f"Capaian kinerja '{capaian}' bukan A-E")
        if problems:
            out.warnings.append(f"{path.name}, {where}baris {n}: {'; '.join(problems)}: baris dilewati")
            continue
        out.rows.append(SurveyRow(unit=unit, instansi=" ".join(str(get(line, "instansi") or "").split()),
                                  year=int(year), ipak=values["ipak"], ipkp=values["ipkp"], capaian=capaian,
                                  row=n))
    if not out.rows:
        reason = "; ".join(w.split(": ", 1)[1] for w in out.warnings[:3]) or "tidak ada baris data"
        raise ReadError(path, f"tidak ada baris survei yang sah ({reason})", sheet=sheet)
    return out


@lru_cache(maxsize=1)
def _scale() -> tuple[float, float | None]:
    """The survey index's scale and its lowest plausible value (data/answer_types.csv, answer type SURVEI)."""
    types = next(iter(load_catalog().editions.values())).answer_types.set_index("answer_type")
    least = types.at["SURVEI", "plausible_min"]
    return float(types.at["SURVEI", "scale_max"]), None if pd.isna(least) else float(least)


@lru_cache(maxsize=4)
def survey_map(edition: str, data_dir: Path = DATA_DIR) -> dict[str, tuple[str, str]]:
    """field (ipak, ipkp, capaian) -> (question_id, label) for an edition, from data/survey_map.csv."""
    m = read_data_csv(data_dir, "survey_map.csv")
    sel = m[m["edition"] == edition]
    return {r.field: (r.question_id, r.label) for r in sel.itertuples(index=False)}


def apply_survey(raw: dict[str, dict[str, Any]], record: dict[str, Any], edition: str, source: str) -> list[str]:
    """Put a survey record's values into every assessor's Hasil answers; warn where the workbook differs.

    The survey file wins: it is the external measurement the workbook only copies.
    """
    warnings = []
    for name, (qid, label) in survey_map(edition).items():
        value = record.get(name)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        for assessor, answers in raw.items():
            stated = answers.get(qid)
            if not is_blank(stated) and not _same(stated, value):
                who = level_name(assessor)
                shown = fmt(value) if isinstance(value, float) else str(value)
                number = parse_number(stated) if isinstance(value, float) else None
                stated_text = fmt(number) if number is not None else str(stated).strip()
                warnings.append(f"{label}: workbook ({who}) menyatakan {stated_text}, berkas survei {source} "
                                f"menyatakan {shown}: dipakai nilai survei")
            answers[qid] = value
    return warnings


def _same(stated: Any, value: Any) -> bool:
    if isinstance(value, str):
        return str(stated).strip().rstrip(".").upper() == value
    number = parse_number(stated)
    return number is not None and abs(number - value) < 0.005
