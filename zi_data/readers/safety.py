"""Refuse files that would cost unbounded time or memory, before any parser opens them; find Excel error cells."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..answers import Unevaluated
from .base import ReadError

# A filled LKE is ~100 KB and ~220 rows; these limits are generous and stated in every refusal.
MAX_FILE_BYTES = 25 * 1024 * 1024  # on disk
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # all parts of an .xlsx once unzipped
MAX_RATIO = 100  # a part of more than 1 MB that unzips to over 100 times its size is a decompression bomb
MAX_SHEET_XML_BYTES = 20 * 1024 * 1024  # one sheet's XML (some 100,000 cells): not even looked at past this
MAX_ROWS = 5_000
MAX_COLUMNS = 200
# Cells past those limits are strays, read as absent with a warning, when there are at most this many and each lies
# more than STRAY_GAP rows or columns past the rest of the sheet's content (a stray value at XFD1048576); more, or
# closer, and the sheet's content runs past the limits: refused.
MAX_STRAY_CELLS = 10
STRAY_GAP = 100

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::([A-Z]+)(\d+))?"')


def mb(n: int) -> str:
    return f"{thousands(round(n / 1024 / 1024))} MB"


def sheet_limits() -> str:
    """The sheet limits as messages give them: "5.000 baris x 200 kolom"."""
    return f"{thousands(MAX_ROWS)} baris x {MAX_COLUMNS} kolom"


def thousands(n: int) -> str:
    """A whole number the Indonesian way (1.048.576); a message formats only its numbers so, never its commas."""
    return f"{n:,}".replace(",", ".")


@dataclass
class Scan:
    """What the safety check found while it looked at every sheet anyway: the sheets holding Excel error cells
    (so that error_cells parses only those), and stray cells far outside the sheet limits that are read as absent
    (part -> [(cell reference, its text)]), each named in a warning."""

    error_sheets: set[str] = field(default_factory=set)
    strays: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)  # part -> sheet name, filled when strays are found

    def stray_cells(self) -> list[tuple[str, str, str]]:
        """(sheet, cell reference, text) of every stray cell."""
        return [(self.sheet_names.get(part, part), ref, text) for part, cells in self.strays.items()
                for ref, text in cells]


def check_file(path: Path) -> Scan:
    """Raise ReadError (in Bahasa Indonesia, with the limit) for a file no reader should open.

    A sheet's limits are checked on the cells that hold something, found in the sheet's XML (its stated size
    counts formatted cells too, and a parser allocates by the cells that hold values): formatted cells anywhere
    are harmless, a few stray values far outside the limits are read as absent (named in a warning), and a sheet
    whose content really extends past the limits is refused."""
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
    return Scan()


def _check_zip(path: Path) -> Scan:
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
            scan = Scan()
            with_errors = set()
            for i in infos:
                if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"):
                    errors, strays = _check_sheet(path, z, i)
                    if errors:
                        with_errors.add(i.filename)
                    if strays:
                        scan.strays[i.filename] = strays
            if with_errors or scan.strays:
                names = parts_of(z)
                scan.error_sheets = {name for name, part in names.items() if part in with_errors}
                scan.sheet_names = {part: name for name, part in names.items()}
                scan.strays = {part: [(ref, _shared(z, text)) for ref, text in cells]
                               for part, cells in scan.strays.items()}
            return scan
    except zipfile.BadZipFile as exc:
        raise ReadError(path, "berkas rusak atau terpotong (arsip .xlsx tidak utuh)") from exc


def _check_sheet(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bool, list[tuple[str, str]]]:
    """Refuse a sheet whose content exceeds the limits; returns (holds error cells, stray far cells)."""
    with z.open(info) as f:
        head = f.read(4096)
        m = DIMENSION.search(head)
        stated = (int(m.group(2)), _col_number(m.group(1).decode())) if m and m.group(2) else None
        if info.file_size > MAX_SHEET_XML_BYTES:  # not even looked at: some 100,000 cells and more
            if stated and (stated[0] > MAX_ROWS or stated[1] > MAX_COLUMNS):
                raise ReadError(path, _too_large(path, info, *stated))
            raise ReadError(path, f"sheet '{_sheet_name(path, info.filename)}' terlalu besar ({mb(info.file_size)} "
                            f"setelah dibuka; batas {mb(MAX_SHEET_XML_BYTES)}, sekitar {thousands(MAX_ROWS)} baris)")
        xml = head + f.read()
    far, plain = far_cells(xml)
    if far:
        strays = _strays(xml, far) if plain else None  # only a plainly written sheet's cells can be taken out
        if strays is None:
            raise ReadError(path, _too_large(path, info, *stated) if stated and (stated[0] > MAX_ROWS or
                                                                                  stated[1] > MAX_COLUMNS)
                            else _far_content(path, info, far))
        far = strays
    return ERROR_MARK in xml or _formula_without_value(xml), [(ref, text) for ref, text, _, _ in far]


def _too_large(path: Path, info: zipfile.ZipInfo, rows: int, cols: int) -> str:
    return (f"sheet '{_sheet_name(path, info.filename)}' berukuran {thousands(rows)} baris x {thousands(cols)} kolom, "
            f"melebihi batas {thousands(MAX_ROWS)} baris dan {MAX_COLUMNS} kolom")


def _far_content(path: Path, info: zipfile.ZipInfo, far: list[tuple[str, str, int, int]]) -> str:
    listed = ", ".join(ref for ref, *_ in far[:MAX_STRAY_CELLS])
    more = " dan lainnya" if len(far) > MAX_STRAY_CELLS else ""
    return (f"sheet '{_sheet_name(path, info.filename)}' berisi data di luar batas {sheet_limits()} (sel {listed}{more}): "
            "hapus sel itu atau pindahkan datanya ke dalam batas")


# Every cell tag but the plainest (`<c r="K202"`: one letter and a row under 1,000, as spreadsheet applications write
# the cells of a form): found with one scan of the sheet's XML (about 0.2 ms for a filled LKE), then each looked at.
CELL_TAG = re.compile(rb'<c(?! r="[A-Z][1-9]\d{0,2}")[\s>/]')
PREFIXED = re.compile(rb":c[\s>/]")  # <x:c r=...>: a cell tag with a namespace prefix
PLAIN_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9]\d{0,6})"')  # a reference as applications write it
CELL_REF = re.compile(rb'<c [^>]*?r="([A-Z]{1,3})(\d+)"')
VALUE = re.compile(rb"<(?:v|t)(?: [^>]*)?>([^<]*)</(?:v|t)>")
CELL_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')


def far_cells(xml: bytes) -> tuple[list[tuple[str, str, int, int]], bool]:
    """(reference, raw text, row, column) of the cells past the limits that hold something (a value, a formula or
    inline text; a formatted cell holds nothing), at most MAX_STRAY_CELLS + 1 of them (one more says "too many");
    and whether the sheet is written plainly (every cell with its reference first, as applications write it).

    A sheet written otherwise (references in lower case or after other attributes, cells without one, which a
    parser places after the one before, a namespace prefix) is measured by parsing its XML, slower but exact."""
    if PREFIXED.search(xml):
        return _far_cells_parsed(xml), False
    out = []
    for tag in CELL_TAG.finditer(xml):
        m = PLAIN_REF.match(xml, tag.start())
        if not m:
            return _far_cells_parsed(xml), False
        letters, digits = m.groups()
        row, col = int(digits), _col_number(letters.decode())
        if row <= MAX_ROWS and col <= MAX_COLUMNS:
            continue
        end = xml.find(b">", m.end())
        if end < 0 or xml[end - 1:end] == b"/" or xml.startswith(b"</c>", end + 1):
            continue  # <c .../> or <c ...></c>: formatting only
        close = xml.find(b"</c>", end)
        value = VALUE.search(xml, end, close if close > 0 else len(xml))
        kind = CELL_TYPE.search(xml, m.start(), end)
        text = value.group(1).decode("utf-8", "replace") if value else ""
        out.append(((letters + digits).decode(), ("s:" + text) if kind and kind.group(1) == b"s" else text, row, col))
        if len(out) > MAX_STRAY_CELLS:
            break
    return out, True


def _far_cells_parsed(xml: bytes) -> list[tuple[str, str, int, int]]:
    """far_cells by parsing the XML and placing every cell as a parser does: by its reference (any case, leading
    zeros), else right of the cell before it, in its row (by the row's number, else the row after the one before)."""
    from xml.parsers import expat

    out: list[tuple[str, str, int, int]] = []
    state = {"row": 0, "col": 0, "cell": None, "holds": False}

    def local(name: str) -> str:
        return name.rsplit(":", 1)[-1]

    def start(name: str, attrs: dict[str, str]) -> None:
        name = local(name)
        if name == "row":
            r = attrs.get("r", "")
            state["row"] = int(r) if r.isdigit() else state["row"] + 1
            state["col"] = 0
        elif name == "c":
            ref = re.fullmatch(r"([A-Za-z]{1,3})(\d+)", attrs.get("r", "").strip())
            if ref:
                state["row"], state["col"] = int(ref.group(2)), _col_number(ref.group(1).upper())
            else:
                state["col"] += 1
            state["cell"], state["holds"] = (state["row"], state["col"]), False
        elif state["cell"] is not None:
            state["holds"] = True  # a value, a formula or inline text

    def end(name: str) -> None:
        if local(name) == "c" and state["cell"] is not None:
            row, col = state["cell"]
            if state["holds"] and (row > MAX_ROWS or col > MAX_COLUMNS) and len(out) <= MAX_STRAY_CELLS:
                out.append((f"{_col_name(col)}{row}", "", row, col))
            state["cell"] = None

    parser = expat.ParserCreate(namespace_separator=None)
    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(xml, True)
    except expat.ExpatError:
        pass  # the parser will refuse a broken sheet itself
    return out


def _col_name(n: int) -> str:
    """Column number 1 -> "A", 16384 -> "XFD"."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _strays(xml: bytes, far: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]] | None:
    """The far cells when they are strays: few, and far from the rest of the sheet's content (then no header,
    question row or table row can reach them); None when they look like content that runs past the limits."""
    if len(far) > MAX_STRAY_CELLS:
        return None
    rows = cols = 0
    for letters, digits in CELL_REF.findall(xml):
        row, col = int(digits), _col_number(letters.decode())
        if row <= MAX_ROWS and col <= MAX_COLUMNS:
            rows, cols = max(rows, row), max(cols, col)
    if all(row > rows + STRAY_GAP or col > cols + STRAY_GAP for _, _, row, col in far):
        return far
    return None


def without_strays(path: Path, strays: dict[str, list[tuple[str, str]]]) -> bytes:
    """The .xlsx's bytes with the stray cells taken out of their sheets (everything else as it was)."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in strays:
                data = _drop_cells(data, {ref.encode() for ref, _ in strays[info.filename]})
            dst.writestr(info, data)
    return out.getvalue()


def _drop_cells(xml: bytes, refs: set[bytes]) -> bytes:
    """The sheet's XML without the cells of `refs` (a plainly written sheet: see far_cells)."""
    parts, pos = [], 0
    for tag in CELL_TAG.finditer(xml):
        m = PLAIN_REF.match(xml, tag.start())
        if not m or m.group(1) + m.group(2) not in refs:
            continue
        start = m.start()
        end = xml.find(b">", m.end())
        close = xml.find(b"</c>", end)
        if start < pos or end < 0 or close < 0:
            continue
        parts.append(xml[pos:start])
        pos = close + 4
    parts.append(xml[pos:])
    return b"".join(parts)


def _shared(z: zipfile.ZipFile, text: str) -> str:
    """A far cell's text for its warning: a shared string looked up, shortened."""
    if text.startswith("s:"):
        try:
            strings = re.findall(rb"<si>(.*?)</si>", z.read("xl/sharedStrings.xml"), re.S)
            text = re.sub(rb"<[^>]+>", b"", strings[int(text[2:])]).decode("utf-8", "replace")
        except (KeyError, ValueError, IndexError):
            text = ""
    text = _unescape(" ".join(text.split()))
    return text if len(text) <= 40 else text[:37] + "..."


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
            out[(int(r), _col_number(c.decode()) - 1)] = Unevaluated("=" + text)
    if ERROR_MARK in xml:
        out.update({(int(r), _col_number(c.decode()) - 1): v.decode() for c, r, v in ERROR_CELL.findall(xml)})
    return out


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace(
        "&apos;", "'")
