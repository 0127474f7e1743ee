"""The year chart of a unit's report, drawn once as a ReportLab drawing: the PDF embeds it as vectors, the Word
report as a PNG painted here with Pillow (no browser, nothing fetched, no plotting library)."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import reportlab
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from ..export import missing
from ..predicates import fmt

BAR_UNIT, BAR_TPI = colors.white, colors.Color(0.35, 0.35, 0.35)
# DejaVu (Debian's fonts-dejavu-core, installed by `make setup`) covers far more of Unicode than the Vera fonts
# bundled with ReportLab, which are the fallback.
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path(reportlab.__file__).parent / "fonts"]
FONT_FILES = {"DejaVuSans.ttf": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
              "Vera.ttf": ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf")}


@lru_cache(maxsize=1)
def font_files() -> tuple[Path, Path, Path] | None:
    """(regular, bold, italic) TrueType files of the report font, None when neither family is found."""
    for folder in FONT_DIRS:
        for key, files in FONT_FILES.items():
            if (folder / key).exists() and all((folder / f).exists() for f in files):
                regular, bold, italic = (folder / f for f in files)
                return regular, bold, italic
    return None


def history_chart(chart, width: float, minimums: list[tuple[str, float]], fonts: tuple[str, str],
                  height: float = 58 * mm) -> Drawing:
    """Every year's totals as bars (Unit white, TPI dark grey, both outlined and labelled with their value) with
    a dashed line at each predicate's minimum total (WBK 75, WBBM 85): readable without colour. `fonts`: the
    (regular, bold) font names registered with ReportLab."""
    regular, bold = fonts
    d = Drawing(width, height)
    left, bottom, top = 26, 16, height - 22
    plot_w, plot_h = width - left - 50, top - bottom

    def y(v: float) -> float:
        return bottom + plot_h * max(0.0, min(v, 100.0)) / 100

    for v in (0, 25, 50, 75, 100):
        d.add(Line(left, y(v), left + plot_w, y(v), strokeColor=colors.Color(0.8, 0.8, 0.8), strokeWidth=0.3))
        d.add(String(left - 4, y(v) - 3, fmt(v, 0), fontName=regular, fontSize=7, textAnchor="end"))
    for predicate, v in minimums:
        label = f"{predicate} {fmt(v)}"
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


def png(drawing: Drawing, dpi: int = 200) -> bytes:
    """The drawing painted as a PNG (white ground) with Pillow: the lines, rectangles and strings
    history_chart uses, at `dpi`, text in the report font."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 72
    w, h = int(round(drawing.width * scale)), int(round(drawing.height * scale))
    image = Image.new("RGB", (w, h), "white")
    pen = ImageDraw.Draw(image)
    files = font_files()

    def at(x: float, y: float) -> tuple[float, float]:
        return x * scale, h - y * scale

    def rgb(color) -> tuple[int, int, int] | None:
        return None if color is None else tuple(int(round(255 * c)) for c in color.rgb())

    @lru_cache(maxsize=8)
    def font(name: str, size: float):
        if files is None:
            return ImageFont.load_default(size=size * scale)
        return ImageFont.truetype(str(files[1] if "Bold" in name else files[0]), size=max(1, round(size * scale)))

    for shape in drawing.contents:
        if isinstance(shape, Rect):
            (x0, y0), (x1, y1) = at(shape.x, shape.y + shape.height), at(shape.x + shape.width, shape.y)
            pen.rectangle([x0, y0, x1, y1], fill=rgb(shape.fillColor), outline=rgb(shape.strokeColor),
                          width=max(1, round((shape.strokeWidth or 0) * scale)))
        elif isinstance(shape, Line):
            _line(pen, at(shape.x1, shape.y1), at(shape.x2, shape.y2), rgb(shape.strokeColor),
                  max(1, round(shape.strokeWidth * scale)), [v * scale for v in shape.strokeDashArray or []])
        elif isinstance(shape, String):
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[shape.textAnchor]
            pen.text(at(shape.x, shape.y), shape.text, fill=rgb(shape.fillColor) or (0, 0, 0),
                     font=font(shape.fontName, shape.fontSize), anchor=anchor)
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def _line(pen, start: tuple[float, float], end: tuple[float, float], color, width: int, dash: list[float]) -> None:
    """A straight line, dashed when `dash` gives (on, off) lengths (only horizontal and vertical lines are dashed
    in the chart)."""
    if not dash:
        pen.line([start, end], fill=color, width=width)
        return
    (x0, y0), (x1, y1) = start, end
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    pos, on = 0.0, True
    steps = dash * 2 if len(dash) % 2 else dash
    i = 0
    while pos < length:
        step = steps[i % len(steps)]
        stop = min(pos + step, length)
        if on:
            pen.line([(x0 + (x1 - x0) * pos / length, y0 + (y1 - y0) * pos / length),
                      (x0 + (x1 - x0) * stop / length, y0 + (y1 - y0) * stop / length)], fill=color, width=width)
        pos, on, i = stop, not on, i + 1
