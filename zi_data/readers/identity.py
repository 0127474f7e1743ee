"""Who and when a workbook is about: the "Identitas" sheet, else a file name `<Tahun>_<Unit Kerja>.xlsx`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import ReadError
from .excel import Book

IDENTITY_SHEET = "Identitas"
LABELS = {
    "unit": ("unit kerja", "nama unit kerja", "unit"),
    "instansi": ("instansi", "nama instansi", "kementerian/lembaga/pemda"),
    "year": ("tahun", "tahun penilaian", "tahun evaluasi"),
    "edition": ("edisi", "edisi lke"),
}
FILE_NAME = re.compile(r"^(?P<year>(19|20)\d\d)[ _-]+(?P<unit>.+)$")


@dataclass(frozen=True)
class Identity:
    unit: str
    instansi: str
    year: int | None  # None only when the caller allowed an unidentified workbook
    edition: str | None  # stated in the workbook, else decided by the caller


def _clean(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()) if value is not None else ""


def read_identity(book: Book, required: bool = True) -> Identity:
    """Unit, instansi, year (and edition when stated); without `required`, missing parts are left empty."""
    found: dict[str, str] = {}
    sheet = book.find_sheet(IDENTITY_SHEET)
    if sheet:
        for line in book.rows(sheet, errors=False)[:40]:
            if len(line) < 2:
                continue
            label = _clean(line[0]).rstrip(":").strip().casefold()
            for key, names in LABELS.items():
                if label in names and _clean(line[1]) and key not in found:
                    found[key] = _clean(line[1])
    m = FILE_NAME.match(book.path.stem)
    if m:
        found.setdefault("year", m.group("year"))
        found.setdefault("unit", " ".join(m.group("unit").replace("_", " ").split()))
    missing = [label for key, label in (("unit", "Unit Kerja"), ("year", "Tahun")) if not found.get(key)]
    if missing and not required:
        year = found.get("year")
        return Identity(unit=found.get("unit", ""), instansi=found.get("instansi", ""),
                        year=int(year) if year and re.fullmatch(r"(19|20)\d\d", year) else None,
                        edition=found.get("edition"))
    if missing:
        raise ReadError(
            book.path,
            f"identitas tidak lengkap ({' dan '.join(missing)} tidak ditemukan): isi sheet '{IDENTITY_SHEET}' "
            "(kolom A label, kolom B nilai) atau beri nama berkas <Tahun>_<Unit Kerja>.xlsx",
        )
    year_text = found["year"]
    if not re.fullmatch(r"(19|20)\d\d", year_text):
        raise ReadError(book.path, f"Tahun '{year_text}' bukan tahun yang sah", sheet=sheet)
    return Identity(unit=found["unit"], instansi=found.get("instansi", ""), year=int(year_text),
                    edition=found.get("edition"))

