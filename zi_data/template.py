"""Write the blank LKE workbook (Identitas + Jawaban sheets, dropdowns) that units fill and the reader reads back."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

from .catalog import Edition, load_catalog

HEADER_ROWS = 5  # the 2026 national sheet starts its entries at row 6
# The 2026 master list's columns (excel_kolom_*): unit answer, note, evidence; TPI answer, note; question text.
# The reader finds them by their header labels, not by these letters.
UNIT_ANSWER, UNIT_NOTE, UNIT_EVIDENCE, TPI_ANSWER, TPI_NOTE, TEXT = "K", "L", "M", "N", "Q", "G"
COLUMNS = {  # column -> (header, width)
    "A": ("No", 6),
    "B": ("Komponen", 12),
    "C": ("Sub Komponen", 12),
    "D": ("Area", 8),
    "E": ("Indikator", 8),
    "F": ("Huruf", 6),
    TEXT: ("Pertanyaan", 60),
    "H": ("Bobot", 8),
    "I": ("Kriteria Penilaian", 50),
    "J": ("Pilihan Jawaban", 13),
    UNIT_ANSWER: ("Jawaban Unit", 12),
    UNIT_NOTE: ("Catatan Unit", 30),
    UNIT_EVIDENCE: ("Bukti Dukung Unit", 30),
    TPI_ANSWER: ("Jawaban TPI", 12),
    "O": ("", 4),
    "P": ("", 4),
    TPI_NOTE: ("Catatan TPI", 30),
}
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
GROUP_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="BFBFBF")


def write_template(out: str | Path | BinaryIO, edition: str = "2021", unit: str = "", instansi: str = "",
                   year: int | None = None) -> Path | BinaryIO:
    """Write the blank LKE of an edition to a path (or an open binary stream)."""
    ed = load_catalog()[edition]
    if isinstance(out, (str, Path)):
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    _identity_sheet(wb.active, ed, unit, instansi, year)
    _answer_sheet(wb.create_sheet("Jawaban"), ed)
    wb.save(out)
    return out


def _identity_sheet(ws, ed: Edition, unit: str, instansi: str, year: int | None) -> None:
    ws.title = "Identitas"
    rows = [
        ("Unit Kerja", unit),
        ("Instansi", instansi),
        ("Tahun", year),
        ("Edisi", ed.edition),
        ("Regulasi", ed.regulation),
    ]
    for i, (label, value) in enumerate(rows, 1):
        ws.cell(i, 1, label).font = Font(bold=True)
        c = ws.cell(i, 2, value)
        if i <= 3:
            c.fill = INPUT_FILL
    ws.cell(7, 1, "Petunjuk").font = Font(bold=True)
    help_lines = [
        "Isi Unit Kerja, Instansi dan Tahun di atas (kolom B).",
        "Isi jawaban unit di sheet 'Jawaban' kolom K (pilih dari daftar), catatan di kolom L, bukti dukung di kolom M.",
        "Kolom N dan Q diisi oleh TPI (Tim Penilai Internal).",
        "Baris 'Jumlah' diisi angka; persentase dihitung otomatis oleh ZI Monitor.",
        "Nilai survei (IPAK/IPKP) diisi dengan skala 0-4.",
    ]
    for i, line in enumerate(help_lines, 8):
        ws.cell(i, 1, line)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 60


def _answer_sheet(ws, ed: Edition) -> None:
    ws["A1"] = f"LEMBAR KERJA EVALUASI ZONA INTEGRITAS - {ed.name} ({ed.regulation})"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = "Isi kolom berwarna kuning. Jangan mengubah urutan baris: ZI Monitor membaca jawaban per baris."
    for col, (header, width) in COLUMNS.items():
        c = ws[f"{col}{HEADER_ROWS}"]
        c.value = header
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"H{HEADER_ROWS + 1}"

    structure = ed.structure.set_index("node_id")
    indicators = ed.indicators.set_index("indicator_id")
    used = {int(r) for r in ed.answerable["jawaban_row"]}
    taken = set(used)
    validations: dict[str, DataValidation] = {}

    def place_heading(first_row: int, lines: list[tuple[str, str, float | None]]) -> None:
        # Headings go on the free rows right above the first question under them, innermost last.
        r = first_row - 1
        for text, col, weight in reversed(lines):
            if r <= HEADER_ROWS or r in taken:
                return
            taken.add(r)
            ws[f"{col}{r}"] = text
            if weight is not None:
                ws[f"H{r}"] = weight
            for c in "ABCDEFGHIJ":
                ws[f"{c}{r}"].fill = GROUP_FILL
            ws[f"{col}{r}"].font = Font(bold=True)
            r -= 1

    seen_nodes: set[str] = set()
    seen_ind: set[str] = set()
    type_labels = ed.answer_types.set_index("answer_type")["label"].to_dict()
    percent_headings = _percent_headings(ed)
    for q in ed.questions.itertuples(index=False):
        ind = indicators.loc[q.indicator_id]
        if q.role == "percent":
            continue
        r = int(q.jawaban_row)
        lines = []
        chain = []
        node = ind.area_id
        while node:
            chain.append(node)
            node = structure.at[node, "parent_id"]
        for node in reversed(chain):
            if node not in seen_nodes:
                seen_nodes.add(node)
                n = structure.loc[node]
                col = {"komponen": "B", "sub_komponen": "C", "area": "D"}[n.level]
                lines.append((f"{n.code} {n['name'].upper() if n.level != 'area' else n['name']}", col, n.weight))
        if q.indicator_id not in seen_ind:
            seen_ind.add(q.indicator_id)
            lines.append((f"{ind.code} {ind['name']}", "E", ind.weight))
        pct = percent_headings.get(q.question_id)
        if pct:
            lines.append((pct, "F", None))
        place_heading(r, lines)

        ws[f"A{r}"] = q.question_id
        ws[f"F{r}"] = q.letter or ""
        ws[f"{TEXT}{r}"] = ("- " if q.role == "count" else "") + q.text
        ws[f"I{r}"] = q.criteria or None
        ws[f"J{r}"] = type_labels[q.answer_type]
        for col in (TEXT, "I"):
            ws[f"{col}{r}"].alignment = Alignment(wrap_text=True, vertical="top")
        for col in (UNIT_ANSWER, UNIT_NOTE, UNIT_EVIDENCE, TPI_ANSWER, TPI_NOTE):
            ws[f"{col}{r}"].fill = INPUT_FILL
            ws[f"{col}{r}"].border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
        dv = validations.get(q.answer_type)
        if dv is None:
            dv = _validation(ed, q.answer_type)
            validations[q.answer_type] = dv
            ws.add_data_validation(dv)
        dv.add(f"{UNIT_ANSWER}{r}")
        dv.add(f"{TPI_ANSWER}{r}")


def _percent_headings(ed: Edition) -> dict[str, str]:
    """For the first count input (by row) of each percent item: the percent item as a heading line."""
    q = ed.questions.set_index("question_id")
    out = {}
    for rule in ed.percent_rules.itertuples(index=False):
        first = min([*rule.a, *rule.b], key=lambda i: int(q.at[i, "jawaban_row"]))
        item = q.loc[rule.question_id]
        out[first] = f"{item.letter} {item.text} (%: dihitung otomatis)"
    return out


def _validation(ed: Edition, answer_type: str) -> DataValidation:
    options = ed.options.get(answer_type)
    if options:
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        dv.error = f"Pilih salah satu: {', '.join(options)}"
    elif answer_type == "SURVEI":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="4", allow_blank=True)
        dv.error = "Nilai survei harus antara 0 dan 4"
    else:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Isi dengan bilangan bulat 0 atau lebih"
    dv.errorTitle = "Jawaban tidak sah"
    dv.showErrorMessage = True
    return dv
