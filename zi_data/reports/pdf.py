"""PDF reports with ReportLab: the per-unit draft LHE (A4 portrait) and the recap (A4 landscape)."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
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
from ..export import missing
from ..predicates import PREDICATES, fmt
from .data import NUMERIC, REVIEW_MARK, RecapReport, Table, UnitReport, when

# DejaVu (Debian's fonts-dejavu-core, installed by `make setup`) covers far more of Unicode than the Vera
# fonts bundled with ReportLab, which are the fallback; both are embedded, so the PDF reads the same anywhere.
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path(reportlab.__file__).parent / "fonts"]
FONT_FILES = {"DejaVuSans.ttf": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
              "Vera.ttf": ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf")}
MARGIN = 16 * mm
GRID = colors.black
SHADE = colors.Color(0.88, 0.88, 0.88)  # prints as light grey: rows that need attention, besides bold text
HEAD = colors.Color(0.78, 0.78, 0.78)
BAR_UNIT, BAR_TPI = colors.white, colors.Color(0.35, 0.35, 0.35)


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str, str]:
    """Register the report font family once: (regular, bold, italic) names."""
    for folder in FONT_DIRS:
        for key, files in FONT_FILES.items():
            if (folder / key).exists() and all((folder / f).exists() for f in files):
                names = ("ZISans", "ZISans-Bold", "ZISans-Italic")
                for name, f in zip(names, files, strict=True):
                    pdfmetrics.registerFont(TTFont(name, str(folder / f)))
                pdfmetrics.registerFontFamily("ZISans", normal=names[0], bold=names[1], italic=names[2],
                                              boldItalic=names[1])
                return names
    return ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")  # the PDF's own fonts: Latin-1 only


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    regular, bold, italic = fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=11.5)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=15, leading=19, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=10, leading=13, spaceAfter=8),
        "h2": ParagraphStyle("h2", base, fontName=bold, fontSize=11.5, leading=14, spaceBefore=10, spaceAfter=4),
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
    }


@lru_cache(maxsize=64)
def indented(style: str, depth: int) -> ParagraphStyle:
    """A cell style moved right by a tree row's depth (wrapped lines stay indented too)."""
    base = styles()[style]
    return base if not depth else ParagraphStyle(f"{style}_{depth}", base, leftIndent=7 * depth)


def para(text: str, style: str = "base") -> Paragraph:
    return Paragraph(escape(str(text)), styles()[style])


def table_flowable(table: Table, width: float) -> RLTable | Paragraph:
    """A report table as a ReportLab table: header repeated on every page, numbers right-aligned, rows that need
    attention bold on grey (so they show in black and white), tree rows indented."""
    if table.rows.empty:
        return para(table.empty, "note")
    total = sum(c.width for c in table.columns)
    widths = [width * c.width / total for c in table.columns]
    data = [[para(c.title, "head_num" if c.kind in NUMERIC else "head") for c in table.columns]]
    commands = [("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    for i in range(len(table.rows)):
        bold = table.flag(i, "_bold")
        row = []
        for col in table.columns:
            numeric = col.kind in NUMERIC
            style = ("cell_num" if numeric else "cell") + ("_bold" if bold else "")
            depth = table.depth(i) if col.key == table.indent else 0
            row.append(Paragraph(escape(table.text(i, col)), indented(style, depth)))
        data.append(row)
        if table.flag(i, "_shade"):
            commands.append(("BACKGROUND", (0, i + 1), (-1, i + 1), SHADE))
    out = RLTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    out.setStyle(TableStyle(commands))
    return out


def section(number: int | None, table: Table, width: float) -> list:
    title = f"{number}. {table.title}" if number else table.title
    # the heading stays with the start of its table
    head = [para(title, "h2")] + ([para(table.intro, "small"), Spacer(1, 3)] if table.intro else [])
    body = [table_flowable(table, width)]
    out = [CondPageBreak(40 * mm), *head, *body]
    if table.note:
        out.append(para(table.note, "note"))
    return out


def history_chart(chart, width: float, minimums: list[tuple[str, float]], height: float = 58 * mm) -> Drawing:
    """Every year's totals as bars (Unit white, TPI dark grey, both outlined and labelled with their value) with
    a dashed line at each predicate's minimum total (WBK 75, WBBM 85): readable without colour."""
    regular, bold, _ = fonts()
    d = Drawing(width, height)
    left, bottom, top = 26, 16, height - 22
    plot_w, plot_h = width - left - 50, top - bottom

    def y(v: float) -> float:
        return bottom + plot_h * max(0.0, min(v, 100.0)) / 100

    for v in (0, 25, 50, 75, 100):
        d.add(Line(left, y(v), left + plot_w, y(v), strokeColor=colors.Color(0.8, 0.8, 0.8), strokeWidth=0.3))
        d.add(String(left - 4, y(v) - 3, fmt(v, 0), fontName=regular, fontSize=7, textAnchor="end"))
    for predicate, v in minimums:
        label = f"{predicate} {fmt(v, 0 if float(v).is_integer() else 2)}"
        d.add(Line(left, y(v), left + plot_w, y(v), strokeColor=colors.black, strokeWidth=0.7,
                   strokeDashArray=[3, 2]))
        d.add(String(left + plot_w + 3, y(v) - 3, label, fontName=regular, fontSize=7))
    n = max(len(chart), 1)
    slot = plot_w / n
    bar = min(slot / 3, 28)
    for i, r in enumerate(chart.itertuples()):
        x0 = left + i * slot + slot / 2 - bar
        for k, (value, fill) in enumerate(((r.unit, BAR_UNIT), (r.tpi, BAR_TPI))):
            if missing(value):
                continue
            x = x0 + k * bar
            d.add(Rect(x, bottom, bar - 2, y(value) - bottom, fillColor=fill, strokeColor=colors.black,
                       strokeWidth=0.6))
            d.add(String(x + (bar - 2) / 2, y(value) + 2, fmt(value), fontName=regular, fontSize=6.5,
                         textAnchor="middle"))
        d.add(String(left + i * slot + slot / 2, bottom - 11, str(r.year), fontName=bold, fontSize=8,
                     textAnchor="middle"))
    has_tpi = bool(chart["tpi"].notna().any())
    for k, (label, fill) in enumerate((("Nilai Unit", BAR_UNIT), ("Nilai TPI", BAR_TPI))[:1 + has_tpi]):
        lx = left + 90 * k
        d.add(Rect(lx, height - 10, 8, 8, fillColor=fill, strokeColor=colors.black, strokeWidth=0.6))
        d.add(String(lx + 11, height - 9, label, fontName=regular, fontSize=7.5))
    return d


def numbered_canvas(header: str, footer: str, alert: str | None):
    """A canvas class that writes the running header and footer with "Halaman x dari y" once the page count
    is known."""
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
            self.saveState()
            self.setFont(regular, 7.5)
            self.drawString(MARGIN, h - 10 * mm, header)
            if alert:
                self.setFont(bold, 8)
                self.drawRightString(w - MARGIN, h - 10 * mm, alert)
            self.setLineWidth(0.4)
            self.line(MARGIN, h - 11.5 * mm, w - MARGIN, h - 11.5 * mm)
            self.line(MARGIN, 12 * mm, w - MARGIN, 12 * mm)
            self.setFont(regular, 7)
            self.drawString(MARGIN, 8.5 * mm, footer[:150])
            self.setFont(bold, 7.5)
            self.drawRightString(w - MARGIN, 8.5 * mm, f"Halaman {self._pageNumber} dari {total}")
            self.restoreState()

    return NumberedCanvas


def _build(story: list, pagesize, title: str, header: str, footer: str, alert: str | None = None) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
                            bottomMargin=17 * mm, title=title, author="ZI Monitor", creator="ZI Monitor",
                            lang="id-ID")
    doc.build(story, canvasmaker=numbered_canvas(header, footer, alert))
    return buf.getvalue()


def review_box(text: str, width: float) -> RLTable:
    """The loud mark of a partial file loaded on request: a thick black frame with the reason."""
    box = RLTable([[para(REVIEW_MARK, "alert")], [para(text, "base")]], colWidths=[width])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 2.5, colors.black), ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                             ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 4),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return box


def unit_pdf(report: UnitReport) -> bytes:
    """The per-unit draft LHE as PDF bytes."""
    width = A4[0] - 2 * MARGIN
    s = []
    s.append(para("Laporan Hasil Evaluasi Zona Integritas", "title"))
    s.append(para(report.subtitle(), "subtitle"))
    ident = RLTable([[para(k, "cell_bold"), para(v, "cell")] for k, v in report.identity()],
                    colWidths=[38 * mm, width - 38 * mm], hAlign="LEFT")
    ident.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    s.append(ident)
    if report.needs_review:
        s += [Spacer(1, 6), review_box(report.review_text(), width)]
    s += [Spacer(1, 6), para(f"Predikat menurut {report.judged_name}: {report.predicate}", "alert")]
    for i, table in enumerate(report.tables()[:-1], 1):
        s += section(i, table, width)
    n = len(report.tables())
    hist = report.history
    s += [CondPageBreak(95 * mm), para(f"{n}. {hist.title}", "h2")]
    if len(report.history_chart):
        minimums = [(p, least) for p in PREDICATES if (least := minimum(report.edition, p)) is not None]
        s += [history_chart(report.history_chart, width, minimums), Spacer(1, 4)]
    s.append(table_flowable(hist, width * 0.7))
    s += [CondPageBreak(120 * mm), para(f"{n + 1}. Catatan dan saran perbaikan", "h2"),
          para("Diisi oleh evaluator.", "small"), Spacer(1, 4)]
    lines = RLTable([[""] for _ in range(14)], colWidths=[width], rowHeights=[8 * mm] * 14)
    lines.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID)]))
    sign = RLTable([[para("Evaluator,", "base"), para("Tanggal:", "base")],
                    [Spacer(1, 18 * mm), ""], [para("(..............................................)", "base"), ""]],
                   colWidths=[width / 2, width / 2])
    s += [lines, Spacer(1, 10), KeepTogether(sign)]
    s += [CondPageBreak(40 * mm), para(f"{n + 2}. Sumber data", "h2")]
    ptab = RLTable([[para(k, "cell_bold"), para(v, "cell")] for k, v in report.sources()],
                   colWidths=[38 * mm, width - 38 * mm], hAlign="LEFT")
    ptab.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    s.append(ptab)
    if report.warnings:
        s.append(para(f"Peringatan saat membaca berkas ({len(report.warnings)}):", "small"))
        for w in report.warnings[:20]:
            s.append(para(f"• {w}", "small"))
        if len(report.warnings) > 20:
            s.append(para(f"… dan {len(report.warnings) - 20} peringatan lain (lihat halaman Data).", "small"))
    return _build(s, A4, report.document_title(), report.running_header(), report.provenance(),
                  REVIEW_MARK if report.needs_review else None)


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
