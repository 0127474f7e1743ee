"""PDF reports with ReportLab: the per-unit LHE (A4 portrait) and the recap (A4 landscape).

Text from files (unit names, notes, answers) is shown exactly as written: escaped before ReportLab reads it, so
nothing in it is taken for markup or a link; long cells continue on the next page (tables split inside rows).
"""

from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import (
    Table as RLTable,
)

from ..cycle.calibration import minimum
from ..export import printable
from ..predicates import PREDICATES
from .chart import font_files, history_chart
from .conclusion import HINT, conclusion, recommendations
from .data import DRAFT_MARK, DRAFT_TEXT, NUMERIC, REVIEW_MARK, RecapReport, Table, UnitReport, when

MARGIN = 16 * mm
PAD = 3  # a table cell's left and right padding
# A cell whose text runs past this many lines continues in rows below it (ruled as one row), so a long note flows
# over pages like a paragraph; ReportLab's own split inside a row stays as the safety net.
CHUNK_LINES = 12
SPLIT_IN_ROW = 0
GRID = colors.black
SHADE = colors.Color(0.88, 0.88, 0.88)  # prints as light grey: rows that need attention, besides bold text
HEAD = colors.Color(0.78, 0.78, 0.78)
ELLIPSIS = "…"


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str, str]:
    """Register the report font family once (DejaVu, else ReportLab's own Vera; both embedded, so the PDF reads
    the same anywhere): (regular, bold, italic) names."""
    files = font_files()
    if files is None:
        return ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")  # the PDF's own fonts: Latin-1 only
    names = ("ZISans", "ZISans-Bold", "ZISans-Italic")
    for name, f in zip(names, files, strict=True):
        pdfmetrics.registerFont(TTFont(name, str(f)))
    pdfmetrics.registerFontFamily("ZISans", normal=names[0], bold=names[1], italic=names[2], boldItalic=names[1])
    return names


def one_line(text: str, font: str, size: float, width: float) -> str:
    """`text` on one line of `width` points: whole when it fits, else cut and ended with "…" (for running headers
    and footers, which cannot wrap; the body carries the text whole)."""
    text = " ".join(str(text).split())
    if stringWidth(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if stringWidth(text[:mid].rstrip() + ELLIPSIS, font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS


def markup(text) -> str:
    """Any text as ReportLab paragraph markup that shows it literally: <, > and & escaped (so no tag, link or
    entity in it is read), line breaks kept, what no font can draw shown as U+FFFD."""
    lines = printable(str(text)).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(escape(line) for line in lines)


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    regular, bold, italic = fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=11.5)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=15, leading=19, spaceAfter=2),
        "lhe_title": ParagraphStyle("lhe_title", base, fontName=bold, fontSize=13, leading=17, alignment=TA_CENTER,
                                    spaceBefore=4),
        "centre": ParagraphStyle("centre", base, fontSize=10, leading=13, alignment=TA_CENTER),
        "kop": ParagraphStyle("kop", base, fontName=bold, fontSize=13, leading=16, alignment=TA_CENTER),
        "kop_small": ParagraphStyle("kop_small", base, fontSize=8.5, leading=11, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=10, leading=13, spaceAfter=8),
        "h2": ParagraphStyle("h2", base, fontName=bold, fontSize=11.5, leading=14, spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", base, fontName=bold, fontSize=9.5, leading=12, spaceBefore=6, spaceAfter=2),
        "body": ParagraphStyle("body", base, fontSize=9, leading=12, spaceAfter=4),
        "item": ParagraphStyle("item", base, fontSize=9, leading=12, spaceAfter=3, leftIndent=14, bulletIndent=2),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10),
        "note": ParagraphStyle("note", base, fontName=italic, fontSize=8, leading=10, spaceBefore=2, spaceAfter=4),
        "cell": ParagraphStyle("cell", base, fontSize=7.5, leading=9),
        "cell_bold": ParagraphStyle("cell_bold", base, fontName=bold, fontSize=7.5, leading=9),
        "cell_num": ParagraphStyle("cell_num", base, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "cell_num_bold": ParagraphStyle("cell_num_bold", base, fontName=bold, fontSize=7.5, leading=9,
                                        alignment=TA_RIGHT),
        "head": ParagraphStyle("head", base, fontName=bold, fontSize=7.5, leading=9),
        "head_num": ParagraphStyle("head_num", base, fontName=bold, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "alert": ParagraphStyle("alert", base, fontName=bold, fontSize=10, leading=13),
        "sign": ParagraphStyle("sign", base, fontSize=9, leading=12),
        "sign_name": ParagraphStyle("sign_name", base, fontName=bold, fontSize=9, leading=12),
    }


@lru_cache(maxsize=64)
def indented(style: str, depth: int) -> ParagraphStyle:
    """A cell style moved right by a tree row's depth (wrapped lines stay indented too)."""
    base = styles()[style]
    return base if not depth else ParagraphStyle(f"{style}_{depth}", base, leftIndent=7 * depth)


def para(text, style: str = "base", **kwargs) -> Paragraph:
    return Paragraph(markup(text), styles()[style], **kwargs)


def grid(rows: list[list], widths: list[float], commands: list | None = None, **kwargs) -> RLTable:
    """A ReportLab table whose rows may split across pages (a cell longer than a page continues on the next)."""
    out = RLTable(rows, colWidths=widths, hAlign="LEFT", splitInRow=SPLIT_IN_ROW, **kwargs)
    out.setStyle(TableStyle(commands if commands is not None else
                            [("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return out


def pieces(text: str, style: ParagraphStyle, width: float) -> list[Paragraph]:
    """A cell's text as paragraphs of at most about CHUNK_LINES lines in a `width`-point column, cut between lines
    by ReportLab itself (one paragraph when shorter); nothing is left out."""
    whole = Paragraph(markup(text), style)
    avail, limit = width - 2 * PAD, CHUNK_LINES * style.leading
    if len(text) * style.fontSize * 0.2 * style.leading < avail * limit:  # far shorter at any character width
        return [whole]
    out, rest = [], whole
    while True:
        _, height = rest.wrap(avail, 1e9)
        if height <= 1.5 * limit:
            return [*out, rest]
        parts = rest.split(avail, limit)
        if len(parts) < 2:
            return [*out, rest]
        out.append(parts[0])
        rest = parts[1]


def rows_of(cells: list[tuple[str, ParagraphStyle]], widths: list[float]) -> list[list]:
    """One logical table row as one or more ReportLab rows: a cell longer than CHUNK_LINES lines continues in
    the rows below, the other cells empty there."""
    parts = [pieces(text, style, w) for (text, style), w in zip(cells, widths, strict=True)]
    return [[p[k] if k < len(p) else "" for p in parts] for k in range(max(len(p) for p in parts))]


def ruled(groups: list[int], header: int = 0, head_fill=None) -> list:
    """Table commands that draw each logical row (its continuation rows included) as one ruled box: vertical
    lines everywhere, a horizontal line only above and below each group. `groups`: each group's row count."""
    commands = [("BOX", (0, 0), (-1, -1), 0.4, GRID), ("INNERGRID", (0, 0), (-1, header - 1), 0.4, GRID)] \
        if header else [("BOX", (0, 0), (-1, -1), 0.4, GRID)]
    commands += [("LINEBEFORE", (1, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if head_fill is not None and header:
        commands.append(("BACKGROUND", (0, 0), (-1, header - 1), head_fill))
    row = header
    for n in groups:
        commands.append(("LINEABOVE", (0, row), (-1, row), 0.4, GRID))
        if n > 1:  # continuation rows read on as one text: no padding between the pieces
            commands += [("BOTTOMPADDING", (0, row), (-1, row + n - 2), 0),
                         ("TOPPADDING", (0, row + 1), (-1, row + n - 1), 0)]
        row += n
    return commands


def table_flowable(table: Table, width: float) -> RLTable | Paragraph:
    """A report table as a ReportLab table: header repeated on every page, numbers right-aligned, rows that need
    attention bold on grey (so they show in black and white), tree rows indented, long cells continued."""
    if table.rows.empty:
        return para(table.empty, "note")
    total = sum(c.width for c in table.columns)
    widths = [width * c.width / total for c in table.columns]
    data = [[para(c.title, "head_num" if c.kind in NUMERIC else "head") for c in table.columns]]
    groups, shaded = [], []
    for i in range(len(table.rows)):
        bold = table.flag(i, "_bold")
        cells = []
        for col in table.columns:
            numeric = col.kind in NUMERIC
            style = ("cell_num" if numeric else "cell") + ("_bold" if bold else "")
            depth = table.depth(i) if col.key == table.indent else 0
            cells.append((table.text(i, col), indented(style, depth)))
        rows = rows_of(cells, widths)
        if table.flag(i, "_shade"):
            shaded.append((len(data), len(data) + len(rows) - 1))
        data += rows
        groups.append(len(rows))
    commands = [("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
                *ruled(groups, header=1, head_fill=HEAD)]
    commands += [("BACKGROUND", (0, a), (-1, b), SHADE) for a, b in shaded]
    return grid(data, widths, commands, repeatRows=1)


def section(number: int | None, table: Table, width: float) -> list:
    title = f"{number}. {table.title}" if number else table.title
    # the heading stays with the start of its table
    head = [para(title, "h2")] + ([para(table.intro, "small"), Spacer(1, 3)] if table.intro else [])
    body = [table_flowable(table, width)]
    out = [CondPageBreak(40 * mm), *head, *body]
    if table.note:
        out.append(para(table.note, "note"))
    return out


def numbered_canvas(header: str, footer: str, alert: str | None):
    """A canvas class that writes the running header and footer with "Halaman x dari y" once the page count
    is known; header and footer are fitted to one line (ending in "…" when cut)."""
    regular, bold, _ = fonts()

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            w, h = self._pagesize
            line = w - 2 * MARGIN
            self.saveState()
            alert_w = stringWidth(alert, bold, 8) + 12 if alert else 0
            self.setFont(regular, 7.5)
            self.drawString(MARGIN, h - 10 * mm, one_line(header, regular, 7.5, line - alert_w))
            if alert:
                self.setFont(bold, 8)
                self.drawRightString(w - MARGIN, h - 10 * mm, alert)
            self.setLineWidth(0.4)
            self.line(MARGIN, h - 11.5 * mm, w - MARGIN, h - 11.5 * mm)
            self.line(MARGIN, 12 * mm, w - MARGIN, 12 * mm)
            page = f"Halaman {self._pageNumber} dari {total}"
            self.setFont(regular, 7)
            self.drawString(MARGIN, 8.5 * mm, one_line(footer, regular, 7, line - stringWidth(page, bold, 7.5) - 12))
            self.setFont(bold, 7.5)
            self.drawRightString(w - MARGIN, 8.5 * mm, page)
            self.restoreState()

    return NumberedCanvas


def _build(story: list, pagesize, title: str, header: str, footer: str, alert: str | None = None) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
                            bottomMargin=17 * mm, title=title, author="ZI Monitor", creator="ZI Monitor",
                            lang="id-ID")
    doc.build(story, canvasmaker=numbered_canvas(header, footer, alert))
    return buf.getvalue()


def mark_box(mark: str, text: str, width: float) -> RLTable:
    """A loud mark (DRAF, PERLU DIPERIKSA): a thick black frame on grey with the reason."""
    return grid([[para(mark, "alert")], [para(text, "base")]], [width],
                [("BOX", (0, 0), (-1, -1), 2.5, colors.black), ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                 ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 4),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 4)])


def pairs(rows: list[tuple[str, object]], width: float) -> RLTable:
    """A two-column table of labels and values (identity, sources); a long value continues below."""
    widths = [38 * mm, width - 38 * mm]
    bold, cell = styles()["cell_bold"], styles()["cell"]
    data, groups = [], []
    for k, v in rows:
        part = rows_of([(str(k), bold), (str(v), cell)], widths)
        data += part
        groups.append(len(part))
    return grid(data, widths, [("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
                               *ruled(groups), ("LINEBELOW", (0, -1), (-1, -1), 0.4, GRID)])


def heading(report: UnitReport, width: float) -> list:
    """The letterhead (the kop's penilai and address over a double rule), the title, the number; or the DRAF box."""
    s = []
    if report.kop:
        s += [para(report.kop.penilai, "kop")]
        if report.kop.alamat:
            s.append(para(report.kop.alamat, "kop_small"))
        s += [Spacer(1, 3), HRFlowable(width="100%", thickness=1.6, color=colors.black, spaceAfter=1),
              HRFlowable(width="100%", thickness=0.5, color=colors.black, spaceAfter=8)]
        s += [para("LAPORAN HASIL EVALUASI ZONA INTEGRITAS", "lhe_title"),
              para(f"{report.unit_name} · Tahun {report.year}", "centre"),
              para(f"Nomor: {report.number()}", "centre"), Spacer(1, 10)]
    else:
        s += [para("Laporan Hasil Evaluasi Zona Integritas", "title"), para(report.subtitle(), "subtitle"),
              mark_box(DRAFT_MARK, DRAFT_TEXT, width), Spacer(1, 6)]
    return s


def team_table(report: UnitReport, width: float) -> list:
    rows = report.team()
    if not rows:
        return []
    head = [para(t, "head") for t in ("No", "Nama", "NIP", "Peran")]
    body = [[para(c, "cell") for c in row] for row in rows]
    return [Spacer(1, 6), para("Tim evaluasi", "h3"),
            grid([head, *body], [width * f for f in (0.06, 0.44, 0.28, 0.22)],
                 [("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                  ("VALIGN", (0, 0), (-1, -1), "TOP")], repeatRows=1)]


def conclusion_section(number: int, report: UnitReport) -> list:
    s = [CondPageBreak(50 * mm), para(f"{number}. Simpulan dan rekomendasi", "h2"), para(HINT, "note"),
         para("Simpulan", "h3")]
    s += [para(t, "body") for t in conclusion(report)]
    recs = recommendations(report)
    if recs:
        s.append(para("Rekomendasi", "h3"))
        s += [para(t, "item", bulletText=f"{i}.") for i, t in enumerate(recs, 1)]
    return s


def signature_block(report: UnitReport, width: float, lead: list) -> list:
    """Place and date, then "Mengetahui" (left) and the team leader (right) with room to sign, names and NIPs;
    the members below with a place to sign each. Dotted lines in a draft. `lead`: the flowables just before it,
    kept on its page (a signature never stands alone on a page)."""
    (left_head, left_name, left_nip), (right_head, right_name, right_nip) = report.signers()
    half = width / 2
    rows = [["", para(report.place_date(), "sign")],
            [para(left_head, "sign"), para(right_head, "sign")],
            [Spacer(1, 20 * mm), Spacer(1, 20 * mm)],
            [para(left_name, "sign_name"), para(right_name, "sign_name")],
            [para(left_nip, "sign"), para(right_nip, "sign")]]
    block = [grid(rows, [half, half], [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])]
    members = report.kop.anggota if report.kop else ()
    if members:
        head = [para(t, "head") for t in ("No", "Anggota tim", "NIP", "Tanda tangan")]
        body = [[para(str(i), "cell"), para(p.nama, "cell"), para(p.nip, "cell"), ""]
                for i, p in enumerate(members, 1)]
        block += [Spacer(1, 8), grid([head, *body], [width * f for f in (0.06, 0.44, 0.26, 0.24)],
                                     [("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                                      ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 1), (-1, -1), 12)],
                                     repeatRows=1)]
    return [KeepTogether([*lead, Spacer(1, 10), *block])]


def unit_pdf(report: UnitReport) -> bytes:
    """The per-unit LHE as PDF bytes (a draft marked DRAF without the kop)."""
    width = A4[0] - 2 * MARGIN
    s = heading(report, width)
    s.append(pairs(report.identity(), width))
    s += team_table(report, width)
    if report.needs_review:
        s += [Spacer(1, 6), mark_box(REVIEW_MARK, report.review_text(), width)]
    s += [Spacer(1, 6), para(f"Predikat menurut {report.judged_name}: {report.predicate}", "alert")]
    for i, table in enumerate(report.tables()[:-1], 1):
        s += section(i, table, width)
    n = len(report.tables())
    hist = report.history
    s += [CondPageBreak(95 * mm), para(f"{n}. {hist.title}", "h2")]
    if len(report.history_chart):
        minimums = [(p, least) for p in PREDICATES if (least := minimum(report.edition, p)) is not None]
        s += [history_chart(report.history_chart, width, minimums, fonts()[:2]), Spacer(1, 4)]
    s.append(table_flowable(hist, width * 0.7))
    s += [CondPageBreak(40 * mm), para(f"{n + 1}. Sumber data", "h2"), pairs(report.sources(), width)]
    if report.warnings:
        s.append(para(f"Peringatan saat membaca berkas ({len(report.warnings)}):", "small"))
        for w in report.warnings[:20]:
            s.append(para(f"• {w}", "small"))
        if len(report.warnings) > 20:
            s.append(para(f"… dan {len(report.warnings) - 20} peringatan lain (lihat halaman Data).", "small"))
    s += conclusion_section(n + 2, report)
    if report.is_draft:  # room for the evaluator's own notes, kept with the signatures
        lead = [Spacer(1, 4), para("Catatan evaluator:", "small"),
                grid([[""] for _ in range(6)], [width], [("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID)],
                     rowHeights=[8 * mm] * 6)]
    else:
        lead = [s.pop()]
    s += signature_block(report, width, lead)
    return _build(s, A4, report.document_title(), report.running_header(), report.provenance(), report.marks())


def recap_pdf(recap: RecapReport) -> bytes:
    """The recap as PDF bytes, landscape A4 for the wide table."""
    page = landscape(A4)
    width = page[0] - 2 * MARGIN
    s = [para("Rekapitulasi Penilaian Zona Integritas", "title"),
         para(f"Tahun {recap.year} · {recap.scope} · predikat menurut {recap.judged_name}", "subtitle"),
         para(recap.summary(), "base"), Spacer(1, 4), para(recap.table.intro, "small"), Spacer(1, 4),
         table_flowable(recap.table, width)]
    footer = f"Dicetak {when(recap.printed_at)} oleh ZI Monitor dari basis data penilaian"
    return _build(s, page, recap.title, f"ZI Monitor · {recap.title}", footer)
