"""Read one workbook: find its form by content, read its rows, settle identity and edition, check coverage."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..answers import unevaluated
from ..catalog import Catalog, Edition, load_catalog
from .base import ReadError, Workbook, level_keys, settings
from .columns import Columns
from .excel import col_letter
from .form import Form, find_form
from .formats import open_book
from .hierarchy import EDITION as HIERARCHY_EDITION
from .hierarchy import read_hierarchy
from .identity import Identity, resolve_identity
from .jawaban import read_by_id, read_by_row, read_by_text
from .levels import judge_levels, mark_incomplete


def read_workbook(path: str | Path, catalog: Catalog | None = None, require_identity: bool = True,
                  identity: dict[str, Any] | None = None, allow_partial: bool = False) -> Workbook:
    """Read one LKE workbook; raises ReadError with the reason in Bahasa Indonesia.

    Ingestion requires the unit and year; `zi score` does not (it stores nothing). `identity`
    ({"unit", "instansi", "year"}) is what the person loading the file says. A file that matches too
    little of the catalog is refused unless `allow_partial`; it is then marked as needing review.
    """
    path = Path(path)
    catalog = catalog or load_catalog()
    book = open_book(path)
    form = find_form(book, catalog)
    rows = book.rows(form.sheet)  # now with its Excel error cells, so they are reported
    cols = form.columns
    title = [[_no_formula(v) for v in line] for line in rows[:form.start]]
    ident, id_warnings = resolve_identity(book, title, form.sheet, identity, require_identity and not _year_in_labels(cols))
    ident, year_warnings = _answers_of_the_year(path, form.sheet, cols, ident)
    if require_identity and not ident.unit:  # asked for again: the year may have come from the labels
        resolve_identity(book, title, form.sheet, identity, True)
    by_year = _edition_for_year(catalog, ident.year, path) if ident.year else None
    wb = Workbook(path=path, layout="jawaban" if form.mode == "id" else "lke_zi", edition="", unit=ident.unit,
                  instansi=ident.instansi, year=ident.year, levels=[lc.level for lc in cols.levels])
    mode = _read(form, rows, catalog, wb, ident.edition)
    ed = catalog[wb.edition]
    wb.warnings[:0] = book.warnings + form.warnings + id_warnings + year_warnings
    if by_year and wb.edition != by_year:
        wb.warn(f"workbook edisi {wb.edition}, padahal tahun {ident.year} memakai edisi {by_year}: "
                f"dinilai dengan aturan edisi {wb.edition}")
    _check_coverage(wb, ed, form.sheet, allow_partial, rows)
    judge_levels(wb, ed, cols, form.sheet)
    answered = wb.answered()
    wb.read_info = {
        "sheet": form.sheet, "sheets": list(book.sheet_names), "mode": mode, "columns": cols.describe(),
        "catalog_questions": len(ed.answerable), "matched": len(wb.matched),
        "levels": [{"level": lv.key, "name": lv.name, "label": lv.label, "answered": answered.get(lv.key, 0)}
                   for lv in wb.levels],
        "identity": ident.sources,
    }
    if wb.partial:
        wb.read_info["partial"] = wb.partial  # kept apart: re-scoring with a survey judges completeness again
    mark_incomplete(wb, ed, form.sheet)
    return wb


def _no_formula(value: Any) -> Any:
    """A cell of the title block, with a formula without a value (put back as "=...") read as the blank it shows."""
    return "" if unevaluated(value) else value


def _formula_cells(rows: list[list[Any]]) -> list[str]:
    """The cells of a sheet holding a formula without a value ("A12")."""
    return [f"{col_letter(c)}{r}" for r, line in enumerate(rows, 1) for c, v in enumerate(line)
            if unevaluated(v)]


def _year_in_labels(cols: Columns) -> bool:
    return any(lc.year for lc in cols.levels)


def _answers_of_the_year(path: Path, sheet: str, cols: Columns, ident: Identity) -> tuple[Identity, list[str]]:
    """Answer columns whose labels name years ("Jawaban 2023", "Jawaban 2024"): the year is identity. The columns
    of the submission's year are read; a year named by no other source is taken from the only year the labels
    name; with several and no year given, the workbook is refused asking which; never last year's answers."""
    years = sorted({lc.year for lc in cols.levels if lc.year})
    if not years:
        return ident, []
    named = ", ".join(f"'{lc.level.label}' ({lc.year})" for lc in cols.levels if lc.year)
    year = ident.year
    warnings: list[str] = []
    if year is None:
        if len(years) > 1:
            raise ReadError(path, f"kolom jawaban untuk beberapa tahun ({named}) dan tahun workbook ini tidak "
                            "diketahui: sebutkan tahunnya (--tahun, atau formulir identitas di halaman Data) agar "
                            "jawaban tahun itu yang dinilai", sheet=sheet)
        year = years[0]
        label = next(lc.level.label for lc in cols.levels if lc.year)
        ident = replace(ident, year=year, sources={**ident.sources, "year": f"judul kolom '{label}'"})
    if year not in years:
        raise ReadError(path, f"workbook tahun {year}, tetapi kolom jawabannya untuk tahun lain ({named}): "
                        "tidak dinilai, agar jawaban tahun lain tidak terbaca sebagai tahun ini; periksa tahunnya atau "
                        "beri judul kolom dengan tahun yang benar", sheet=sheet)
    other = [lc for lc in cols.levels if lc.year and lc.year != year]
    if other:
        warnings.append(f"sheet '{sheet}': kolom jawaban tahun lain diabaikan: "
                        + ", ".join(f"'{lc.level.label}'" for lc in other) + f"; dinilai jawaban tahun {year}")
        cols.levels = [lc for lc in cols.levels if lc not in other]
        for lc, key in zip(cols.levels, level_keys([lc.level.kind for lc in cols.levels]), strict=True):
            lc.level = replace(lc.level, key=key)
    return ident, warnings


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
        # The 2026 national sheet keeps each question on a fixed row, its text checked; where rows were inserted
        # or removed, each row whose text is a catalog question is that question: read so where the tree failed.
        best, mode = wb, "hierarki"
        for reader, name in ((read_by_row, "baris"), (read_by_text, "teks")):
            other = Workbook(path=wb.path, layout="jawaban", edition=wb.edition, unit=wb.unit, instansi=wb.instansi,
                             year=wb.year, levels=wb.levels)
            reader(rows, form.sheet, cols, ed, other)
            if len(other.matched) > len(best.matched):
                best, mode = other, name
        if best is not wb:
            wb.rows, wb.matched, wb.layout, wb.own_figures = best.rows, best.matched, "jawaban", {}
            wb.warnings = best.warnings
        return mode
    return "hierarki"


def _check_coverage(wb: Workbook, ed: Edition, sheet: str, allow_partial: bool, rows: list[list[Any]]) -> None:
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
    formulas = _formula_cells(rows)
    if formulas:  # the questions' texts may be those formulas: the real cause, and what to do about it
        shown = ", ".join(formulas[:8]) + (f" dan {len(formulas) - 8} lainnya" if len(formulas) > 8 else "")
        reason += (f"; {len(formulas)} sel berisi rumus tanpa nilai tersimpan ({shown}): buka berkas di Excel atau "
                   "LibreOffice Calc, simpan ulang, lalu muat lagi")
    if not allow_partial:
        raise ReadError(wb.path, f"{reason}. {text}. Nilai dari sheet ini akan salah: periksa susunan sheet, atau "
                        f"muat juga dengan --terima-sebagian (ditandai 'perlu diperiksa')", sheet=sheet)
    wb.needs_review = wb.partial = reason
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
