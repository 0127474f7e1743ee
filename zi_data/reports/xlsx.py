"""Excel reports with openpyxl: the numbers of a unit's report and the recap, numbers (and years) kept as numbers,
text exactly as written (export.put)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..export import put, sheet_title
from .data import DRAFT_MARK, DRAFT_TEXT, NUMERIC, REVIEW_MARK, RecapReport, Table, UnitReport, when

# Number formats; Excel shows them with the reader's separators (a decimal comma in Indonesian Excel).
FORMATS = {"num": "#,##0.00", "signed": "+#,##0.00;-#,##0.00;0.00", "pct": "0.00%", "int": "0"}
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEAD_FILL = PatternFill("solid", fgColor="C8C8C8")
SHADE_FILL = PatternFill("solid", fgColor="E0E0E0")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


def write_table(ws, table: Table, top: int, title_lines: list[str]) -> None:
    """Title lines, then the header at row `top`, then the rows: frozen header, filters, number formats."""
    for i, line in enumerate(title_lines, 1):
        put(ws.cell(i, 1), line)
        ws.cell(i, 1).font = TITLE if i == 1 else Font(italic=True)
    for j, col in enumerate(table.columns, 1):
        cell = ws.cell(top, j)
        put(cell, col.title)
        cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEAD_FILL, BORDER, WRAP
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = 12 if col.kind in NUMERIC else min(14 + 10 * col.width, 60)
    for i in range(len(table.rows)):
        bold, shade = table.flag(i, "_bold"), table.flag(i, "_shade")
        for j, col in enumerate(table.columns, 1):
            value = table.value(i, col)
            kind = table.kind(i, col)
            numeric = kind in NUMERIC and not isinstance(value, str)
            if value is not None and numeric:
                value = float(value) if kind != "int" else int(value)
            elif value is not None:
                indent = "  " * table.depth(i) if col.key == table.indent else ""
                value = indent + str(value)
            cell = ws.cell(top + 1 + i, j)
            put(cell, value)
            cell.border, cell.alignment = BORDER, WRAP
            if numeric:
                cell.number_format = FORMATS[kind]
            if bold:
                cell.font = BOLD
            if shade:
                cell.fill = SHADE_FILL
    last = top + max(len(table.rows), 1)
    ws.freeze_panes = ws.cell(top + 1, 1)
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(table.columns))}{last}"
    ws.print_options.gridLines = False
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{top}:{top}"


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SHEET_NAMES = ["Nilai per tingkat", "Syarat WBK-WBBM", "Area dan indikator", "Klaim berlebih", "Peluang nilai",
               "Riwayat"]


def unit_xlsx(report: UnitReport) -> bytes:
    """The per-unit report's numbers: an identity sheet, then one sheet per table."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title("Identitas")
    ws.cell(1, 1, "Laporan Hasil Evaluasi Zona Integritas" + (" (draf)" if report.is_draft else "")).font = TITLE
    rows = [*report.identity(), ("Predikat", f"{report.predicate} (menurut {report.judged_name})")]
    if report.kop:
        rows.insert(0, ("Nomor", report.number()))
    if report.needs_review:
        rows.insert(0, (REVIEW_MARK, report.needs_review))
    if report.is_draft:
        rows.insert(0, (DRAFT_MARK, DRAFT_TEXT))
    rows += [("Dicetak", when(report.printed_at))]
    for i, (k, v) in enumerate(rows, 3):
        ws.cell(i, 1, k).font = BOLD
        put(ws.cell(i, 2), v)
        ws.cell(i, 2).alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 22, 80
    title = f"{report.unit_name} · {report.instansi} · {report.year}"
    for name, table in zip(SHEET_NAMES, report.tables(), strict=True):
        lines = [f"{table.title}", title] + ([table.intro] if table.intro else [])
        write_table(wb.create_sheet(sheet_title(name, wb.sheetnames)), table, len(lines) + 2, lines)
    return _save(wb)


def recap_xlsx(recap: RecapReport) -> bytes:
    """The recap: a title naming year, instansi and level, the summary, then the table."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(f"Rekap {recap.year}")
    lines = [recap.title, recap.summary(), recap.table.intro, f"Dicetak {when(recap.printed_at)} oleh ZI Monitor"]
    write_table(ws, recap.table, len(lines) + 2, lines)
    return _save(wb)
