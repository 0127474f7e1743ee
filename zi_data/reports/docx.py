"""Word reports with python-docx: the per-unit LHE that the evaluator edits (A4, page x of y in the footer).

Text from files goes into runs as plain text: Word shows it as written, no field, link or markup is made of it.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt

from ..cycle.calibration import minimum
from ..export import printable
from ..predicates import PREDICATES
from .chart import history_chart, png
from .conclusion import HINT, conclusion, recommendations
from .data import DRAFT_MARK, DRAFT_TEXT, NUMERIC, REVIEW_MARK, Table, UnitReport
from .pdf import ELLIPSIS, one_line

FONT = "Arial"  # on every Windows and Mac running Word; LibreOffice shows it as the metric-equal Liberation Sans
METRICS = {False: "Helvetica", True: "Helvetica-Bold"}  # Arial's widths, to fit a header or footer on one line
SHADE, HEAD = "E0E0E0", "C8C8C8"  # light greys: print in black and white, rows are bold besides
TABLE_PT = 7.5
TITLE_MAX = 255  # Word's limit for a document property


def _shade(cell, fill: str) -> None:
    props = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    props.append(shd)


def _field(paragraph, code: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES): Word fills in the number. One run per part, each bold at `size`, so Word and
    LibreOffice both show the number like the words around it."""
    for tag, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        run.bold = True
        run.font.size = Pt(size)
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
    line = Emu(_text_width(doc)).pt - 6
    alert_text = f"    {alert}" if alert else ""
    head = section.header.paragraphs[0]
    room = line - (one_line_width(alert_text, True, 8) if alert else 0)
    head.add_run(printable(one_line(header, METRICS[False], 7.5, room))).font.size = Pt(7.5)
    if alert:
        run = head.add_run(alert_text)
        run.bold = True
        run.font.size = Pt(8)
    section.footer.paragraphs[0].add_run(printable(one_line(footer, METRICS[False], 7, line))).font.size = Pt(7)
    foot = section.footer.add_paragraph()
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for text, code in (("Halaman ", "PAGE"), (" dari ", "NUMPAGES")):
        run = foot.add_run(text)
        run.font.size = Pt(7.5)
        run.bold = True
        _field(foot, code, 7.5)
    return doc


def one_line_width(text: str, bold: bool, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, METRICS[bold], size)


def _text_width(doc: Document) -> int:
    s = doc.sections[0]
    return s.page_width - s.left_margin - s.right_margin


def _paragraph(doc_or_cell, text, size: float | None = None, bold: bool = False, italic: bool = False,
               style: str | None = None, centre: bool = False, after: float | None = None):
    """A paragraph of plain text (line breaks kept, what XML cannot hold shown as U+FFFD)."""
    p = doc_or_cell.add_paragraph(style=style) if style else doc_or_cell.add_paragraph()
    run = p.add_run(printable(str(text)))
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    if centre:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    return p


def _cell_text(cell, text, bold: bool = False) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run(printable(str(text)))
    run.bold = bold
    run.font.size = Pt(TABLE_PT)


def _runs_xml(text: str) -> str:
    """Text as the inside of a run: escaped, each line break a <w:br/>."""
    lines = printable(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)


def _cell_xml(text: str, width: int, bold: bool, right: bool, indent: int, fill: str | None) -> str:
    """One table cell as WordprocessingML (written as text: python-docx's per-property calls cost ~10 ms a row)."""
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    ind = f'<w:ind w:left="{140 * indent}"/>' if indent else ""
    jc = '<w:jc w:val="right"/>' if right else ""
    b = "<w:b/>" if bold else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>'
            f'<w:p><w:pPr><w:spacing w:after="0"/>{ind}{jc}</w:pPr><w:r><w:rPr>{b}<w:sz w:val="{int(2 * TABLE_PT)}"/>'
            f'</w:rPr>{_runs_xml(text)}</w:r></w:p></w:tc>')


def add_table(doc: Document, table: Table, share: float = 1.0) -> None:
    """A report table in Word: header row repeated on each page, numbers right-aligned, rows that need
    attention bold on grey; rows may break across pages (Word's default), so long cells continue."""
    if table.rows.empty:
        _paragraph(doc, table.empty, italic=True)
        return
    out = doc.add_table(rows=0, cols=len(table.columns))
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.LEFT
    _narrow_margins(out)
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


def _narrow_margins(table) -> None:
    """Cell margins of 1 mm (Word's default is 1,9 mm): narrow columns (codes, numbers) keep "M002" on one line."""
    props = table._tbl.tblPr
    props.append(parse_xml(f'<w:tblCellMar {nsdecls("w")}><w:left w:w="57" w:type="dxa"/>'
                           '<w:right w:w="57" w:type="dxa"/></w:tblCellMar>'))


def _widths(table, widths: list[int]) -> None:
    """Fixed column widths, set on the grid (LibreOffice reads it) and on every cell (Word reads those)."""
    table.autofit = False
    for j, w in enumerate(widths):
        table.columns[j].width = w
        for cell in table.columns[j].cells:
            cell.width = w


def _pairs(doc: Document, pairs: list[tuple[str, object]]) -> None:
    out = doc.add_table(rows=len(pairs), cols=2)
    out.style = "Table Grid"
    width = _text_width(doc)
    _widths(out, [int(width * 0.25), int(width * 0.75)])
    for i, (k, v) in enumerate(pairs):
        cells = out.rows[i].cells
        _cell_text(cells[0], k, bold=True)
        _cell_text(cells[1], v)


def _grid(doc: Document, head: list[str], rows: list[list[str]], shares: list[float]) -> None:
    """A small bordered table with a grey header row (the team, the members' signatures)."""
    out = doc.add_table(rows=1 + len(rows), cols=len(head))
    out.style = "Table Grid"
    _narrow_margins(out)
    _widths(out, [int(_text_width(doc) * f) for f in shares])
    for j, title in enumerate(head):
        _cell_text(out.rows[0].cells[j], title, bold=True)
        _shade(out.rows[0].cells[j], HEAD)
    for i, row in enumerate(rows, 1):
        for j, value in enumerate(row):
            _cell_text(out.rows[i].cells[j], value)


def _section(doc: Document, title: str, table: Table | None = None, share: float = 1.0) -> None:
    doc.add_heading(title, level=2)
    if table is None:
        return
    if table.intro:
        _paragraph(doc, table.intro, size=8)
    add_table(doc, table, share)
    if table.note:
        _paragraph(doc, table.note, size=8, italic=True)


def _bytes(doc: Document) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _mark_box(doc: Document, mark: str, text: str) -> None:
    box = doc.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    cell = box.rows[0].cells[0]
    _shade(cell, SHADE)
    run = cell.paragraphs[0].add_run(mark)
    run.bold = True
    run.font.size = Pt(11)
    _paragraph(cell, text)


def _rule_below(paragraph) -> None:
    """A double rule under the letterhead."""
    props = paragraph._p.get_or_add_pPr()
    border = parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="thinThickSmallGap" w:sz="18" w:space="4" '
                       'w:color="000000"/></w:pBdr>')
    props.append(border)


def _heading(doc: Document, report: UnitReport) -> None:
    if report.kop:
        _paragraph(doc, report.kop.penilai, size=13, bold=True, centre=True, after=0)
        last = _paragraph(doc, report.kop.alamat, size=8.5, centre=True) if report.kop.alamat else None
        if last is None:
            last = doc.paragraphs[-1]
        _rule_below(last)
        _paragraph(doc, "LAPORAN HASIL EVALUASI ZONA INTEGRITAS", size=13, bold=True, centre=True, after=0)
        _paragraph(doc, f"{report.unit_name} · Tahun {report.year}", size=10, centre=True, after=0)
        _paragraph(doc, f"Nomor: {report.number()}", size=10, centre=True)
    else:
        doc.add_heading("Laporan Hasil Evaluasi Zona Integritas", level=1)
        _paragraph(doc, report.subtitle())
        _mark_box(doc, DRAFT_MARK, DRAFT_TEXT)
        _paragraph(doc, "", after=0)


def _chart(doc: Document, report: UnitReport) -> None:
    """The year chart as the PDF draws it, painted to a PNG (the table follows it)."""
    if not len(report.history_chart):
        return
    width = Emu(int(_text_width(doc))).pt
    minimums = [(p, least) for p in PREDICATES if (least := minimum(report.edition, p)) is not None]
    from .pdf import fonts

    drawing = history_chart(report.history_chart, width, minimums, fonts()[:2])
    doc.add_picture(io.BytesIO(png(drawing)), width=Emu(int(_text_width(doc))))


def _conclusion(doc: Document, number: int, report: UnitReport) -> None:
    doc.add_heading(f"{number}. Simpulan dan rekomendasi", level=2)
    _paragraph(doc, HINT, size=8, italic=True)
    doc.add_heading("Simpulan", level=3)
    for text in conclusion(report):
        _paragraph(doc, text)
    recs = recommendations(report)
    if recs:
        doc.add_heading("Rekomendasi", level=3)
        for text in recs:
            _paragraph(doc, text, style="List Number")


def _signatures(doc: Document, report: UnitReport) -> None:
    """Place and date, "Mengetahui" (left) and the team leader (right), room to sign, names and NIPs; the
    members below with a place to sign each."""
    (left_head, left_name, left_nip), (right_head, right_name, right_nip) = report.signers()
    for p in doc.paragraphs[-2:]:  # the last words of the conclusion go with the signatures
        p.paragraph_format.keep_with_next = True
    out = doc.add_table(rows=5, cols=2)
    half = int(_text_width(doc) / 2)
    _widths(out, [half, half])
    rows = [("", report.place_date()), (left_head, right_head), ("", ""), (left_name, right_name),
            (left_nip, right_nip)]
    for i, (left, right) in enumerate(rows):
        for j, text in enumerate((left, right)):
            cell = out.rows[i].cells[j]
            run = cell.paragraphs[0].add_run(printable(text))
            run.bold = i == 3
            cell.paragraphs[0].paragraph_format.keep_with_next = True  # the block stays on one page
            if i == 2:
                cell.paragraphs[0].paragraph_format.space_before = Pt(48)
    members = report.kop.anggota if report.kop else ()
    if members:
        _paragraph(doc, "", after=0).paragraph_format.keep_with_next = True
        _grid(doc, ["No", "Anggota tim", "NIP", "Tanda tangan"],
              [[str(i), p.nama, p.nip, ""] for i, p in enumerate(members, 1)], [0.06, 0.44, 0.26, 0.24])


def unit_docx(report: UnitReport) -> bytes:
    """The per-unit LHE as a Word document (the same sections as the PDF, the chart as a picture); a draft marked
    DRAF without the kop."""
    doc = _document(report.running_header(), report.provenance(), report.marks())
    title = printable(" ".join(report.document_title().split()))  # a property holds 255 characters: "…" when cut
    doc.core_properties.title = title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1] + ELLIPSIS
    doc.core_properties.author = "ZI Monitor"
    doc.core_properties.language = "id-ID"
    _heading(doc, report)
    _pairs(doc, report.identity())
    team = report.team()
    if team:
        doc.add_heading("Tim evaluasi", level=3)
        _grid(doc, ["No", "Nama", "NIP", "Peran"], [list(r) for r in team], [0.06, 0.44, 0.28, 0.22])
    if report.needs_review:
        _paragraph(doc, "", after=0)
        _mark_box(doc, REVIEW_MARK, report.review_text())
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(6)
    run = p.add_run(printable(f"Predikat menurut {report.judged_name}: {report.predicate}"))
    run.bold = True
    run.font.size = Pt(11)
    tables = report.tables()
    for i, table in enumerate(tables, 1):
        if table is report.history:
            doc.add_heading(f"{i}. {table.title}", level=2)
            _chart(doc, report)
            add_table(doc, table, 0.7)
        else:
            _section(doc, f"{i}. {table.title}", table)
    n = len(tables)
    _section(doc, f"{n + 1}. Sumber data")
    _pairs(doc, report.sources())
    if report.warnings:
        _paragraph(doc, f"Peringatan saat membaca berkas ({len(report.warnings)}):")
        for w in report.warnings[:20]:
            _paragraph(doc, w, style="List Bullet")
        if len(report.warnings) > 20:
            _paragraph(doc, f"… dan {len(report.warnings) - 20} peringatan lain (lihat halaman Data).")
    _conclusion(doc, n + 2, report)
    _paragraph(doc, "", after=0)
    _signatures(doc, report)
    return _bytes(doc)
