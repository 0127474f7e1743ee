"""Read the "Jawaban" layout (2026 national sheet and the project's template): one catalog entry per row."""

from __future__ import annotations

from functools import lru_cache

from ..answers import is_blank
from ..catalog import Edition
from .base import ReadError, Workbook
from .excel import Book, at, col_index
from .identity import Identity
from .text import same_question

SHEET = "Jawaban"
# Columns of the 2026 master list (excel_kolom_*): unit answer, note, evidence; TPI answer, note.
UNIT_ANSWER, UNIT_NOTE, UNIT_EVIDENCE, TPI_ANSWER, TPI_NOTE, TEXT = "K", "L", "M", "N", "Q", "G"
COLUMNS = (("unit", UNIT_ANSWER, UNIT_NOTE, UNIT_EVIDENCE), ("tpi", TPI_ANSWER, TPI_NOTE, None))
# The same columns as list indexes (None: the column does not exist for that assessor).
TEXT_AT = col_index(TEXT)
COLUMNS_AT = tuple((a, col_index(ans), col_index(note), col_index(ev) if ev else None) for a, ans, note, ev in COLUMNS)
# Below this word overlap the text in column G is not the catalog's question: the row was moved.
TEXT_SIMILARITY = 0.6


def read_jawaban(book: Book, sheet: str, ident: Identity, ed: Edition) -> Workbook:
    rows = book.rows(sheet)
    wb = Workbook(path=book.path, layout="jawaban", edition=ed.edition, unit=ident.unit,
                  instansi=ident.instansi, year=ident.year)
    records = []
    moved = 0
    plan = _plan(ed)
    for qid, r, catalog_text in plan:
        line = rows[r - 1] if r <= len(rows) else []
        text = at(line, TEXT_AT)
        if isinstance(text, str) and text.strip() and not same_question(text.lstrip("- "), catalog_text,
                                                                        TEXT_SIMILARITY):
            moved += 1
            wb.warn(f"teks pertanyaan tidak sesuai katalog ({qid}: '{catalog_text[:60]}')", sheet, r)
        for assessor, ans_at, note_at, ev_at in COLUMNS_AT:
            raw = at(line, ans_at)
            note = at(line, note_at)
            evidence = at(line, ev_at)
            if is_blank(raw) and note is None and evidence is None:
                continue
            records.append((assessor, qid, raw, _text(note), _text(evidence), sheet, r))
    if moved > len(plan) // 2:
        raise ReadError(book.path, f"baris sheet tidak sesuai katalog edisi {ed.edition} "
                        f"({moved} teks pertanyaan berbeda): bukan LKE edisi ini", sheet=sheet)
    wb.rows = records
    return wb


@lru_cache(maxsize=8)
def _plan(ed: Edition) -> list[tuple[str, int, str]]:
    """(question_id, row, text) of every answerable question of an edition."""
    return [(q.question_id, int(q.jawaban_row), q.text) for q in ed.answerable.itertuples(index=False)]


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None
