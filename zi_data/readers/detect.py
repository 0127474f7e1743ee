"""Read one workbook: find its form by content, read its rows, settle identity and edition, check coverage."""

from __future__ import annotations

from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from ..answers import is_blank
from ..catalog import DATA_DIR, Catalog, Edition, load_catalog, read_data_csv
from .base import ReadError, Workbook
from .columns import OPTION_LIKE
from .excel import EXCEL_SUFFIXES, Book, col_letter
from .form import Form, find_form
from .hierarchy import EDITION as HIERARCHY_EDITION
from .hierarchy import read_hierarchy
from .identity import resolve_identity
from .jawaban import read_by_id, read_by_row

# Answer cells looked at before a level's whole answer column is checked.
SAMPLE = 20


@lru_cache(maxsize=2)
def settings(data_dir: Path = DATA_DIR) -> dict[str, float]:
    """Reading policies kept as data (data/settings.csv)."""
    df = read_data_csv(data_dir, "settings.csv")
    return {r.key: float(r.value) for r in df.itertuples(index=False)}


def read_workbook(path: str | Path, catalog: Catalog | None = None, require_identity: bool = True,
                  identity: dict[str, Any] | None = None, allow_partial: bool = False) -> Workbook:
    """Read one LKE workbook; raises ReadError with the reason in Bahasa Indonesia.

    Ingestion requires the unit and year; `zi score` does not (it stores nothing). `identity`
    ({"unit", "instansi", "year"}) is what the person loading the file says. A file that matches too
    little of the catalog is refused unless `allow_partial`; it is then marked as needing review.
    """
    path = Path(path)
    catalog = catalog or load_catalog()
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        raise ReadError(path, f"jenis berkas '{path.suffix or '(tanpa ekstensi)'}' tidak didukung "
                        "(yang diterima: .xlsx, .xlsm, .xls)")
    book = Book(path)
    form = find_form(book, catalog)
    rows = book.rows(form.sheet)  # now with its Excel error cells, so they are reported
    cols = form.columns
    ident, id_warnings = resolve_identity(book, rows[:form.start], form.sheet, identity, require_identity)
    by_year = _edition_for_year(catalog, ident.year, path) if ident.year else None
    wb = Workbook(path=path, layout="jawaban" if form.mode == "id" else "lke_zi", edition="", unit=ident.unit,
                  instansi=ident.instansi, year=ident.year, levels=[lc.level for lc in cols.levels])
    mode = _read(form, rows, catalog, wb, ident.edition)
    ed = catalog[wb.edition]
    wb.warnings[:0] = book.warnings + form.warnings + id_warnings
    if by_year and wb.edition != by_year:
        wb.warn(f"workbook edisi {wb.edition}, padahal tahun {ident.year} memakai edisi {by_year}: "
                f"dinilai dengan aturan edisi {wb.edition}")
    answered = wb.answered()
    wb.read_info = {
        "sheet": form.sheet, "sheets": list(book.sheet_names), "mode": mode, "columns": cols.describe(),
        "catalog_questions": len(ed.answerable), "matched": len(wb.matched),
        "levels": [{"level": lv.key, "name": lv.name, "label": lv.label, "answered": answered.get(lv.key, 0)}
                   for lv in wb.levels],
        "identity": ident.sources,
    }
    if not answered:
        raise ReadError(path, f"workbook kosong: belum ada jawaban ({len(wb.matched)} dari {len(ed.answerable)} "
                        "pertanyaan katalog dikenali, tidak satu pun dijawab): tidak dinilai", sheet=form.sheet)
    _check_answer_columns(wb, ed, cols, form.sheet)
    _check_coverage(wb, ed, form.sheet, allow_partial)
    return wb


def _check_answer_columns(wb: Workbook, ed: Edition, cols, sheet: str) -> None:
    """Refuse a level whose answer column holds mostly no answers at all (text that is no option of any
    kind, like evidence descriptions): the column map is wrong (a sheet without a header whose columns
    moved) and its score would be silently wrong. Wrong options ("Ya" to an A/B/C question) are the unit's
    mistakes, warned per question when scored."""
    options = _option_questions(ed)
    for lc in cols.levels:
        cells = ((raw, row) for key, qid, raw, _, _, _, row in wb.rows
                 if key == lc.level.key and qid in options and not is_blank(raw))
        sample = list(islice(cells, SAMPLE))  # a sound column shows in its first cells: only a doubtful one
        if sum(1 for raw, _ in sample if not _answer_like(raw)) < len(sample) / 2:  # is counted whole
            continue
        cells = sample + list(cells)
        bad = [(raw, row) for raw, row in cells if not _answer_like(raw)]
        if len(bad) >= 10 and len(bad) >= 0.5 * len(cells):
            example = ", ".join(f"'{str(raw)[:30]}' (baris {row})" for raw, row in bad[:2])
            raise ReadError(wb.path, f"kolom {col_letter(lc.answer)} ('{lc.level.label}') tidak berisi jawaban yang "
                            f"sah: {len(bad)} dari {len(cells)} sel bukan pilihan jawaban (mis. {example}); kolom "
                            "jawaban salah dikenali, beri judul kolom 'Jawaban'", sheet=sheet)


def _answer_like(raw: Any) -> bool:
    """An option of some answer type (Ya, tidak, b., E), or a number."""
    if isinstance(raw, (int, float)):
        return True
    return bool(OPTION_LIKE.match(str(raw).strip().rstrip(".").strip().casefold()))


@lru_cache(maxsize=4)
def _option_questions(ed: Edition) -> frozenset[str]:
    """The ids of the questions answered by an option (Ya/Tidak, A-E): only these are looked at (a count or
    survey column holds numbers)."""
    return frozenset(q.question_id for q in ed.answerable.itertuples(index=False) if q.answer_type in ed.options)


def _read(form: Form, rows: list[list[Any]], catalog: Catalog, wb: Workbook, stated: str | None) -> str:
    """Read the rows in the form's mode; returns the mode used ("id", "hierarki" or "baris")."""
    cols = form.columns
    if form.mode == "id":
        wb.edition = form.edition or HIERARCHY_EDITION
        if stated and stated != wb.edition:
            wb.warn(f"sheet 'Identitas' menyebut edisi {stated}, tetapi ID pertanyaannya dari edisi {wb.edition}: "
                    f"dinilai dengan edisi {wb.edition}")
        read_by_id(rows, form.sheet, cols, catalog[wb.edition], wb)
        return "id"
    wb.edition = HIERARCHY_EDITION
    ed = catalog[wb.edition]
    read_hierarchy(rows, form.sheet, cols, ed, wb, form.start)
    if len(wb.matched) < settings()["min_catalog_coverage"] * len(ed.answerable):
        # The 2026 national sheet keeps each question on a fixed row: read that way where the tree failed.
        by_row = Workbook(path=wb.path, layout="jawaban", edition=wb.edition, unit=wb.unit, instansi=wb.instansi,
                          year=wb.year, levels=wb.levels)
        read_by_row(rows, form.sheet, cols, ed, by_row)
        if len(by_row.matched) > len(wb.matched):
            wb.rows, wb.matched, wb.layout, wb.own_figures = by_row.rows, by_row.matched, "jawaban", {}
            wb.warnings = by_row.warnings
            return "baris"
    return "hierarki"


def _check_coverage(wb: Workbook, ed: Edition, sheet: str, allow_partial: bool) -> None:
    """Refuse (or, on request, mark for review) a sheet that matches too little of the catalog; name what is missing."""
    questions = _answerable(ed)
    if len(wb.matched) == len(questions):
        return
    missing = [q for q in questions if q[0] not in wb.matched]
    areas = ed.area_labels
    found_areas = {area for qid, _, _, area in questions if qid in wb.matched}
    empty_areas = [name for area, name in areas.items() if area not in found_areas
                   and any(q[3] == area for q in questions)]
    share = len(wb.matched) / len(questions)
    listed = "; ".join(f"{qid} '{_short(text)}' ({indicator})" for qid, text, indicator, _ in missing[:8])
    more = f"; dan {len(missing) - 8} lainnya" if len(missing) > 8 else ""
    text = (f"{len(missing)} dari {len(questions)} pertanyaan katalog tidak ditemukan di sheet: {listed}{more}")
    minimum = settings()["min_catalog_coverage"]
    if share >= minimum and not empty_areas:
        wb.warn(text, sheet)
        return
    reason = f"hanya {len(wb.matched)} dari {len(questions)} pertanyaan katalog ({share:.0%}) dikenali"
    if empty_areas:
        reason += f"; tidak satu pun pertanyaan ditemukan untuk area {', '.join(empty_areas)}"
    if not allow_partial:
        raise ReadError(wb.path, f"{reason}. {text}. Nilai dari sheet ini akan salah: periksa susunan sheet, atau "
                        f"muat juga dengan --terima-sebagian (ditandai 'perlu diperiksa')", sheet=sheet)
    wb.needs_review = reason
    wb.warn(f"perlu diperiksa: {reason}; dimuat atas permintaan. {text}", sheet)


@lru_cache(maxsize=4)
def _answerable(ed: Edition) -> list[tuple[str, str, str, str]]:
    """(question id, text, indicator name, area id) of every answerable question, in catalog order."""
    ind = ed.indicators.set_index("indicator_id")
    return [(q.question_id, q.text, ind.at[q.indicator_id, "name"], ind.at[q.indicator_id, "area_id"])
            for q in ed.answerable.itertuples(index=False)]


def _short(text: str, n: int = 50) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _edition_for_year(catalog: Catalog, year: int, path: Path) -> str:
    try:
        return catalog.edition_for_year(year)
    except KeyError as exc:
        raise ReadError(path, f"tidak ada edisi LKE untuk tahun {year}") from exc
