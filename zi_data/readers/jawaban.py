"""Read the "Jawaban" layout (2026 national sheet and the project's template): one catalog entry per row."""

from __future__ import annotations

from difflib import SequenceMatcher

import pandas as pd

from ..answers import is_blank
from ..catalog import Edition
from .base import ANSWER_COLUMNS, ReadError, Workbook
from .excel import Book, cell
from .identity import Identity

SHEET = "Jawaban"
# Columns of the 2026 master list (excel_kolom_*): unit answer, note, evidence; TPI answer, note.
UNIT_ANSWER, UNIT_NOTE, UNIT_EVIDENCE, TPI_ANSWER, TPI_NOTE, TEXT = "K", "L", "M", "N", "Q", "G"
# Below this similarity the text in column G is not the catalog's question: the row was moved.
TEXT_SIMILARITY = 0.6


def similar(a: str, b: str) -> float:
    a, b = " ".join(a.casefold().split()), " ".join(b.casefold().split())
    return SequenceMatcher(None, a, b).ratio()


def read_jawaban(book: Book, sheet: str, ident: Identity, ed: Edition) -> Workbook:
    rows = book.rows(sheet)
    wb = Workbook(path=book.path, layout="jawaban", edition=ed.edition, unit=ident.unit,
                  instansi=ident.instansi, year=ident.year, answers=pd.DataFrame(columns=ANSWER_COLUMNS))
    records = []
    moved = 0
    for q in ed.answerable.itertuples(index=False):
        r = int(q.jawaban_row)
        text = cell(rows, r, TEXT)
        if isinstance(text, str) and text.strip() and similar(text, q.text) < TEXT_SIMILARITY:
            moved += 1
            wb.warn(f"teks pertanyaan tidak sesuai katalog ({q.question_id}: '{q.text[:60]}')", sheet, r)
        for assessor, ans_col, note_col, ev_col in (("unit", UNIT_ANSWER, UNIT_NOTE, UNIT_EVIDENCE),
                                                    ("tpi", TPI_ANSWER, TPI_NOTE, None)):
            raw = cell(rows, r, ans_col)
            note = cell(rows, r, note_col)
            evidence = cell(rows, r, ev_col) if ev_col else None
            if is_blank(raw) and note is None and evidence is None:
                continue
            records.append((assessor, q.question_id, raw, _text(note), _text(evidence), sheet, r))
    if moved > len(ed.answerable) // 2:
        raise ReadError(book.path, f"baris sheet tidak sesuai katalog edisi {ed.edition} "
                        f"({moved} teks pertanyaan berbeda): bukan LKE edisi ini", sheet=sheet)
    wb.answers = pd.DataFrame.from_records(records, columns=ANSWER_COLUMNS)
    return wb


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None
