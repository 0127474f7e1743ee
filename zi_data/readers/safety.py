"""Refuse files that would cost unbounded time or memory, before any parser opens them; find Excel error cells."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .base import ReadError

# A filled LKE is ~100 KB and ~220 rows; these limits are generous and stated in every refusal.
MAX_FILE_BYTES = 25 * 1024 * 1024  # on disk
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # all parts of an .xlsx once unzipped
MAX_RATIO = 100  # a part of more than 1 MB that unzips to over 100 times its size is a decompression bomb
MAX_SHEET_XML_BYTES = 20 * 1024 * 1024  # one sheet's XML, when it does not state its size
MAX_ROWS = 5_000
MAX_COLUMNS = 200

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::([A-Z]+)(\d+))?"')


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB".replace(",", ".")


def check_file(path: Path) -> set[str]:
    """Raise ReadError (in Bahasa Indonesia, with the limit) for a file no reader should open.

    Returns the names of the sheets that hold Excel error cells (#REF!...): found while every sheet is looked
    at anyway, so that error_cells parses only those."""
    size = path.stat().st_size
    if size == 0:
        raise ReadError(path, "berkas kosong (0 byte)")
    if size > MAX_FILE_BYTES:
        raise ReadError(path, f"berkas terlalu besar ({mb(size)}; batas {mb(MAX_FILE_BYTES)})")
    suffix = path.suffix.lower()
    with path.open("rb") as f:
        head = f.read(8)
    if suffix in (".xlsx", ".xlsm", ".ods"):  # an .ods is a zip archive too: the same limits
        if head == OLE_MAGIC:
            data = path.read_bytes()
            if ENCRYPTED in data:
                raise ReadError(path, "workbook dilindungi kata sandi (terenkripsi): simpan ulang tanpa kata sandi")
            raise ReadError(path, "berkas berformat Excel lama (.xls) tetapi bernama .xlsx: simpan ulang sebagai .xlsx")
        if head[:4] != ZIP_MAGIC:
            raise ReadError(path, "bukan berkas Excel: isinya bukan arsip .xlsx (mungkin berkas lain yang diganti "
                            "namanya)")
        return _check_zip(path)
    elif suffix == ".xls" and head != OLE_MAGIC:
        raise ReadError(path, "bukan berkas Excel .xls yang sah")
    return set()


def _check_zip(path: Path) -> set[str]:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise ReadError(path, f"isi berkas setelah dibuka {mb(total)}, melebihi batas "
                                f"{mb(MAX_UNCOMPRESSED_BYTES)} (kemungkinan bom dekompresi)")
            for i in infos:
                if i.file_size > 1024 * 1024 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                    raise ReadError(path, f"bagian '{i.filename}' membesar {i.file_size // max(i.compress_size, 1)}"
                                    f" kali saat dibuka (batas {MAX_RATIO} kali): kemungkinan bom dekompresi")
            with_errors = {i.filename for i in infos if i.filename.startswith("xl/worksheets/")
                           and i.filename.endswith(".xml") and _check_sheet(path, z, i)}
            if not with_errors:
                return set()
            return {name for name, part in parts_of(z).items() if part in with_errors}
    except zipfile.BadZipFile as exc:
        raise ReadError(path, "berkas rusak atau terpotong (arsip .xlsx tidak utuh)") from exc


def _check_sheet(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Refuse a sheet over the limits (from its stated size, before reading it); True when it holds error cells."""
    with z.open(info) as f:
        head = f.read(4096)
        m = DIMENSION.search(head)
        if m and m.group(2):
            rows, cols = int(m.group(2)), _col_number(m.group(1).decode())
            if rows > MAX_ROWS or cols > MAX_COLUMNS:
                raise ReadError(path, f"sheet '{_sheet_name(path, info.filename)}' berukuran {rows:,} baris x "
                                f"{cols} kolom, melebihi batas {MAX_ROWS:,} baris dan {MAX_COLUMNS} kolom"
                                .replace(",", "."))
        elif info.file_size > MAX_SHEET_XML_BYTES:
            raise ReadError(path, f"sheet '{_sheet_name(path, info.filename)}' terlalu besar ({mb(info.file_size)} "
                            f"setelah dibuka; batas {mb(MAX_SHEET_XML_BYTES)}, sekitar {MAX_ROWS:,} baris)"
                            .replace(",", "."))
        data = head + f.read()
        return ERROR_MARK in data or _formula_without_value(data)


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its XML part inside an .xlsx/.xlsm."""
    with zipfile.ZipFile(path) as z:
        return parts_of(z)


def parts_of(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, in an open archive."""
    book = z.read("xl/workbook.xml").decode("utf-8", errors="replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", errors="replace")
    targets = dict(re.findall(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    out = {}
    for name, rid in re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', book):
        target = targets.get(rid, "")
        target = target.lstrip("/")
        out[_unescape(name)] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def _sheet_name(path: Path, part: str) -> str:
    try:
        return next((n for n, p in sheet_parts(path).items() if p == part), part)
    except (KeyError, zipfile.BadZipFile):
        return part


ERROR_MARK = b't="e"'  # how a sheet's XML marks a cell holding an Excel error
ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*?(?:/>|>.*?</f>))?<v>([^<]*)</v>', re.S)
# A formula cell without a cached value (written by a script or an app that does not calculate): calamine reads it
# as empty. Its formula, or nothing for a shared formula's later cells, and whether an empty <v> follows.
NO_VALUE_MARKS = (b"</f><v></v></c>", b"</f></c>", b"</f><v/></c>", b"/><v></v></c>", b'"/></c>')
FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)>(?:<f[^>]*?/>|<f[^>]*?>([^<]*)</f>)(<v\s*/>|<v></v>)?</c>')


FORMULA_ELEMENT = re.compile(rb"<f[ >]")  # a formula element (not <formula1> of a data validation)


def _formula_without_value(xml: bytes) -> bool:
    """Whether a sheet's XML may hold a formula without a cached value (cheap test; FORMULA_CELL decides)."""
    return FORMULA_ELEMENT.search(xml) is not None and any(mark in xml for mark in NO_VALUE_MARKS)


def error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column index) -> what calamine reads as empty but is not: "#REF!" etc. for cells holding an Excel error,
    "=FORMULA" for a formula without a cached value (the reader names them, never takes them for blanks)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    try:
        with zipfile.ZipFile(path) as z:  # one opening of the archive for both reads
            part = parts_of(z).get(sheet)
            if not part:
                return {}
            xml = z.read(part)
    except (KeyError, zipfile.BadZipFile):
        return {}
    out = {}
    if _formula_without_value(xml):
        for c, r, attrs, formula, empty in FORMULA_CELL.findall(xml):
            if b't="str"' in attrs and empty:  # a formula whose cached value is the empty text: a real blank
                continue
            text = _unescape(formula.decode("utf-8", errors="replace")) if formula else "(rumus bersama)"
            out[(int(r), _col_number(c.decode()) - 1)] = "=" + text
    if ERROR_MARK in xml:
        out.update({(int(r), _col_number(c.decode()) - 1): v.decode() for c, r, v in ERROR_CELL.findall(xml)})
    return out


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace(
        "&apos;", "'")
