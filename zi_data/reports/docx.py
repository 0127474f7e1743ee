"""Word reports with python-docx: the per-unit draft LHE that the evaluator edits (A4, page x of y in the footer)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt

from .data import NUMERIC, REVIEW_MARK, Table, UnitReport

FONT = "Arial"  # on every Windows and Mac running Word; LibreOffice shows it as the metric-equal Liberation Sans
SHADE, HEAD = "E0E0E0", "C8C8C8"  # light greys: print in black and white, rows are bold besides
TABLE_PT = 7.5


def _shade(cell, fill: str) -> None:
    props = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    props.append(shd)


def _field(run, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) inside a run: Word fills in the number."""
    for tag, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _document(header: str, footer: str, alert: str | None) -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(9.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    section.top_margin, section.bottom_margin = Cm(1.8), Cm(1.8)
    head = section.header.paragraphs[0]
    head.text = header
    head.runs[0].font.size = Pt(7.5)
    if alert:
        run = head.add_run(f"    {alert}")
        run.bold = True
        run.font.size = Pt(8)
    section.footer.paragraphs[0].add_run(footer).font.size = Pt(7)
    foot = section.footer.add_paragraph()
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for text, code in (("Halaman ", "PAGE"), (" dari ", "NUMPAGES")):
        run = foot.add_run(text)
        run.font.size = Pt(7.5)
        run.bold = True
        run = foot.add_run()
        run.bold = True
        run.font.size = Pt(7.5)
        _field(run, code)
    return doc


def _text_width(doc: Document) -> int:
    s = doc.sections[0]
    return s.page_width - s.left_margin - s.right_margin


def _cell_text(cell, text: str, bold: bool = False) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(TABLE_PT)


def _cell_xml(text: str, width: int, bold: bool, right: bool, indent: int, fill: str | None) -> str:
    """One table cell as WordprocessingML (written as text: python-docx's per-property calls cost ~10 ms a row)."""
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    ind = f'<w:ind w:left="{140 * indent}"/>' if indent else ""
    jc = '<w:jc w:val="right"/>' if right else ""
    b = "<w:b/>" if bold else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>'
            f'<w:p><w:pPr><w:spacing w:after="0"/>{ind}{jc}</w:pPr><w:r><w:rPr>{b}<w:sz w:val="{int(2 * TABLE_PT)}"/>'
            f'</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>')


def add_table(doc: Document, table: Table, share: float = 1.0) -> None:
    """A report table in Word: header row repeated on each page, numbers right-aligned, rows that need
    attention bold on grey."""
    if table.rows.empty:
        doc.add_paragraph(table.empty).runs[0].italic = True
        return
    out = doc.add_table(rows=0, cols=len(table.columns))
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.LEFT
    total = sum(c.width for c in table.columns)
    widths = [int(_text_width(doc) * share * c.width / total) for c in table.columns]
    _widths(out, widths)
    twips = [Emu(w).twips for w in widths]
    ns = nsdecls("w")
    head = "".join(_cell_xml(c.title, w, True, c.kind in NUMERIC, 0, HEAD) for c, w in zip(table.columns, twips,
                                                                                                strict=True))
    out._tbl.append(parse_xml(f"<w:tr {ns}><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>"))
    for i in range(len(table.rows)):
        bold, fill = table.flag(i, "_bold"), SHADE if table.flag(i, "_shade") else None
        cells = "".join(_cell_xml(table.text(i, c), w, bold, c.kind in NUMERIC,
                                  table.depth(i) if c.key == table.indent else 0, fill)
                        for c, w in zip(table.columns, twips, strict=True))
        out._tbl.append(parse_xml(f"<w:tr {ns}>{cells}</w:tr>"))


def _widths(table, widths: list[int]) -> None:
    """Fixed column widths, set on the grid (LibreOffice reads it) and on every cell (Word reads those)."""
    table.autofit = False
    for j, w in enumerate(widths):
        table.columns[j].width = w
        for cell in table.columns[j].cells:
            cell.width = w


def _pairs(doc: Document, pairs: list[tuple[str, str]]) -> None:
    out = doc.add_table(rows=len(pairs), cols=2)
    out.style = "Table Grid"
    width = _text_width(doc)
    _widths(out, [int(width * 0.25), int(width * 0.75)])
    for i, (k, v) in enumerate(pairs):
        cells = out.rows[i].cells
        _cell_text(cells[0], k, bold=True)
        _cell_text(cells[1], v)


def _section(doc: Document, title: str, table: Table | None = None, share: float = 1.0) -> None:
    doc.add_heading(title, level=2)
    if table is None:
        return
    if table.intro:
        doc.add_paragraph(table.intro).runs[0].font.size = Pt(8)
    add_table(doc, table, share)
    if table.note:
        p = doc.add_paragraph(table.note)
        p.runs[0].italic = True
        p.runs[0].font.size = Pt(8)


def _bytes(doc: Document) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def unit_docx(report: UnitReport) -> bytes:
    """The per-unit draft LHE as a Word document (the same sections as the PDF; the chart as its table)."""
    doc = _document(report.running_header(), report.provenance(), REVIEW_MARK if report.needs_review else None)
    doc.core_properties.title = report.document_title()
    doc.core_properties.author = "ZI Monitor"
    doc.core_properties.language = "id-ID"
    doc.add_heading("Laporan Hasil Evaluasi Zona Integritas", level=1)
    doc.add_paragraph(report.subtitle())
    _pairs(doc, report.identity())
    if report.needs_review:
        box = doc.add_table(rows=1, cols=1)
        box.style = "Table Grid"
        cell = box.rows[0].cells[0]
        _shade(cell, SHADE)
        p = cell.paragraphs[0]
        p.add_run(REVIEW_MARK).bold = True
        cell.add_paragraph(report.review_text())
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(6)
    run = p.add_run(f"Predikat menurut {report.judged_name}: {report.predicate}")
    run.bold = True
    run.font.size = Pt(11)
    tables = report.tables()
    for i, table in enumerate(tables, 1):
        _section(doc, f"{i}. {table.title}", table, share=0.7 if table is report.history else 1.0)
    n = len(tables)
    _section(doc, f"{n + 1}. Catatan dan saran perbaikan")
    doc.add_paragraph("Diisi oleh evaluator.").runs[0].font.size = Pt(8)
    for _ in range(12):
        doc.add_paragraph("")
    doc.add_paragraph("Evaluator,\t\t\t\t\t\tTanggal:")
    for _ in range(3):
        doc.add_paragraph("")
    doc.add_paragraph("(..............................................)")
    _section(doc, f"{n + 2}. Sumber data")
    _pairs(doc, report.sources())
    if report.warnings:
        doc.add_paragraph(f"Peringatan saat membaca berkas ({len(report.warnings)}):")
        for w in report.warnings[:20]:
            doc.add_paragraph(w, style="List Bullet")
    return _bytes(doc)
