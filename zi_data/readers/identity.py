"""Who and when a workbook is about, from wherever the unit wrote it, without renaming files.

Tried in this order, each field from the first source that has it: the "Identitas" sheet; a title block
above the LKE table ("Unit Kerja : ...", "Tahun : ..."); an identitas.csv in the file's folder; the folder
layout <Instansi>/<Tahun>/<Unit Kerja>.xlsx; the file name <Tahun>_<Unit Kerja>.xlsx. What the person
loading the file says (`--unit`, `--instansi`, `--tahun`, the form on the Data page) fills what is
missing and, said on purpose, wins over the file (with a warning when the two differ).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..names import clean, problems
from .base import ReadError
from .columns import normalise
from .excel import Book, cell_text

IDENTITY_SHEET = "Identitas"
IDENTITY_CSV = "identitas.csv"
LABELS = {
    "unit": ("unit kerja", "nama unit kerja", "unit", "nama unit", "satuan kerja", "satker"),
    "instansi": ("instansi", "nama instansi", "kementerian lembaga pemda", "k l pemda", "kementerian lembaga"),
    "year": ("tahun", "tahun penilaian", "tahun evaluasi", "tahun lke"),
    "edition": ("edisi", "edisi lke"),
}
FIELD_NAMES = {"unit": "Unit Kerja", "instansi": "Instansi", "year": "Tahun", "edition": "Edisi"}
FILE_NAME = re.compile(r"^(?P<year>(19|20)\d\d)[ _-]+(?P<unit>.+)$")
YEAR = re.compile(r"(?<!\d)((19|20)\d\d)(?!\d)")
# Said to a person whose file carries no identity: every way to give one.
HOW = ("isi sheet 'Identitas' (kolom A label, kolom B nilai: Unit Kerja, Instansi, Tahun); atau tulis di atas "
       "tabel LKE 'Unit Kerja : ...', 'Instansi : ...', 'Tahun : ...'; atau taruh identitas.csv di folder yang "
       "sama (kolom berkas, unit_kerja, instansi, tahun); atau susun folder <Instansi>/<Tahun>/<Unit Kerja>.xlsx; "
       "atau beri nama berkas <Tahun>_<Unit Kerja>.xlsx; atau sebutkan dengan --unit, --instansi, --tahun "
       "(zi score / zi ingest), atau isi formulir identitas di halaman Data")


@dataclass(frozen=True)
class Identity:
    unit: str
    instansi: str
    year: int | None  # None only when the caller allowed an unidentified workbook
    edition: str | None  # stated in the workbook, else decided by the caller
    sources: dict[str, str] = field(default_factory=dict)  # field -> where it was found (Bahasa Indonesia)


def _label(text: str) -> str | None:
    norm = normalise(text)
    for key, names in LABELS.items():
        if norm in names:
            return key
    return None


def _clean(value: Any) -> str:
    return cell_text(value).strip(" :")


def from_identity_sheet(book: Book) -> dict[str, str]:
    sheet = book.find_sheet(IDENTITY_SHEET)
    found: dict[str, str] = {}
    if not sheet:
        return found
    for line in book.rows(sheet, errors=False)[:40]:
        if len(line) < 2:
            continue
        key = _label(cell_text(line[0]).rstrip(":"))
        if key and _clean(line[1]) and key not in found:
            found[key] = _clean(line[1])
    return found


def from_title_block(rows: list[list[Any]]) -> dict[str, str]:
    """ "Unit Kerja : Dinas X" in one cell, or "Unit Kerja" | ":" | "Dinas X" across cells, above the table."""
    found: dict[str, str] = {}
    for line in rows:
        texts = [cell_text(v) for v in line]
        for i, text in enumerate(texts):
            if not text:
                continue
            label, _, value = text.partition(":")
            key = _label(label)
            if key is None or key in found:
                continue
            value = value.strip() or next((t for t in texts[i + 1:] if t and t.strip(" :")), "")
            if value.strip(" :"):
                found[key] = value.strip(" :")
    return found


def from_identity_csv(path: Path) -> tuple[dict[str, str], str | None]:
    """The row of identitas.csv (in the file's folder) that names this file; and a problem with that file."""
    listing = path.parent / IDENTITY_CSV
    if not listing.is_file():
        return {}, None
    try:
        text = listing.read_bytes().decode("utf-8-sig", errors="replace")
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        return {}, f"{IDENTITY_CSV} tidak dapat dibaca ({exc})"
    if not rows:
        return {}, None
    header = [normalise(h).replace(" ", "_") for h in rows[0]]
    names = {"berkas": ("berkas", "nama_berkas", "file"), "unit": ("unit_kerja", "unit", "nama_unit_kerja"),
             "instansi": ("instansi",), "year": ("tahun",)}
    index = {k: next((header.index(n) for n in options if n in header), None) for k, options in names.items()}
    if index["berkas"] is None:
        return {}, f"{IDENTITY_CSV} tidak punya kolom 'berkas'"
    wanted = {path.name.casefold(), path.stem.casefold()}
    for line in rows[1:]:
        if index["berkas"] < len(line) and line[index["berkas"]].strip().casefold() in wanted:
            return {k: line[i].strip() for k, i in index.items()
                    if k != "berkas" and i is not None and i < len(line) and line[i].strip()}, None
    return {}, None


def from_folder(path: Path) -> dict[str, str]:
    """<Instansi>/<Tahun>/<Unit Kerja>.xlsx: the year folder names the year, the one above it the instansi."""
    parent = path.parent
    if not re.fullmatch(r"(19|20)\d\d", parent.name) or parent.parent == parent:
        return {}
    unit = path.stem
    m = FILE_NAME.match(unit)
    if m and m.group("year") == parent.name:  # 2025/2025_Unit.xlsx: the name repeats the year
        unit = m.group("unit")
    found = {"year": parent.name, "unit": " ".join(unit.replace("_", " ").split())}
    if parent.parent.name:
        found["instansi"] = " ".join(parent.parent.name.replace("_", " ").split())
    return found


def from_file_name(path: Path) -> dict[str, str]:
    m = FILE_NAME.match(path.stem)
    if not m:
        return {}
    return {"year": m.group("year"), "unit": " ".join(m.group("unit").replace("_", " ").split())}


def resolve_identity(book: Book, title_rows: list[list[Any]], form_sheet: str | None,
                     given: dict[str, Any] | None = None, required: bool = True) -> tuple[Identity, list[str]]:
    """Unit, instansi, year (and edition when stated), with where each was found; and warnings.

    Without `required`, missing parts are left empty (for `zi score`, which stores nothing)."""
    warnings: list[str] = []
    csv_found, csv_problem = from_identity_csv(book.path)
    if csv_problem:
        warnings.append(csv_problem)
    sources = [
        (f"sheet '{IDENTITY_SHEET}'", from_identity_sheet(book)),
        (f"blok judul sheet '{form_sheet}'", from_title_block(title_rows) if form_sheet else {}),
        (IDENTITY_CSV, csv_found),
        ("susunan folder <Instansi>/<Tahun>/<Unit Kerja>", from_folder(book.path)),
        ("nama berkas <Tahun>_<Unit Kerja>", from_file_name(book.path)),
    ]
    found: dict[str, str] = {}
    where: dict[str, str] = {}
    for source, values in sources:
        for key, value in values.items():
            if value and key not in found:
                found[key], where[key] = value, source
    for key, value in (given or {}).items():
        text = _clean(value)
        if not text:
            continue
        if key in found and normalise(found[key]) != normalise(text):
            warnings.append(f"{FIELD_NAMES[key]} menurut {where[key]} '{found[key]}', diganti dengan isian "
                            f"pengguna '{text}'")
        found[key], where[key] = text, "isian pengguna"
    for key in ("unit", "instansi"):  # a name as a reader sees it; what it hid or mimics is said
        if found.get(key):
            warnings += problems(found[key], f"{FIELD_NAMES[key]} ({where[key]})")
            found[key] = clean(found[key])
    year = None
    if found.get("year"):
        m = YEAR.search(found["year"])
        if m is None:
            if required:
                raise ReadError(book.path, f"Tahun '{found['year']}' ({where['year']}) bukan tahun yang sah")
            warnings.append(f"Tahun '{found['year']}' ({where['year']}) bukan tahun yang sah")
            del found["year"], where["year"]
        else:
            year = int(m.group(1))
    missing = [FIELD_NAMES[k] for k in ("unit", "year") if not found.get(k)]
    if missing and required:
        raise ReadError(book.path, f"identitas tidak lengkap ({' dan '.join(missing)} tidak ditemukan). Cara "
                        f"memberi identitas: {HOW}")
    if missing:
        warnings.append(f"identitas tidak lengkap ({' dan '.join(missing)} tidak ditemukan)")
    return Identity(unit=found.get("unit", ""), instansi=found.get("instansi", ""), year=year,
                    edition=found.get("edition"), sources=where), warnings
