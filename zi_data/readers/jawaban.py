"""Read a form whose rows are catalog entries: by the question id in an ID column (the project's template),
or, for the 2026 national "Jawaban" sheet without its hierarchy, by the catalog's row number, checked by text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..answers import is_blank
from ..catalog import Catalog, Edition
from .base import Workbook
from .columns import Columns, level_cells, record
from .excel import at, cell_text
from .text import same_question

# Below this word overlap the text in the question column is not the catalog's question: the row moved.
TEXT_SIMILARITY = 0.6


@lru_cache(maxsize=4)
def catalog_ids(catalog: Catalog) -> dict[str, str]:
    """Question id -> edition, for every answerable question of every edition."""
    return {qid: name for name, ed in catalog.editions.items() for qid in ed.answerable["question_id"]}


def read_by_id(rows: list[list[Any]], sheet: str, cols: Columns, ed: Edition, wb: Workbook) -> None:
    """Rows identified by the catalog question id in the ID column; the question text is checked."""
    texts = _texts(ed)
    text_col = cols.hierarchy[-1]
    id_col = cols.id
    first_row: dict[str, int] = {}
    for i in range(cols.first_data_row, len(rows)):
        line = rows[i]
        qid = line[id_col] if id_col < len(line) else None
        if qid not in texts:  # ids are text; a number or an empty cell is no catalog question
            if not isinstance(qid, str) or (qid := qid.strip()) not in texts:
                continue
        r = i + 1
        if qid in first_row:
            if any(not is_blank(a) for a, _, _ in level_cells(line, cols)):
                wb.warn(f"baris duplikat dari pertanyaan {qid} (baris {first_row[qid]}): diabaikan", sheet, r)
            continue
        first_row[qid] = r
        text = cell_text(at(line, text_col))
        if text and not same_question(text.lstrip("- "), texts[qid], TEXT_SIMILARITY):
            wb.warn(f"teks pertanyaan {qid} tidak sesuai katalog ('{texts[qid][:60]}'): dibaca menurut ID-nya",
                    sheet, r)
        record(wb, cols, qid, sheet, r, level_cells(line, cols))


def read_by_row(rows: list[list[Any]], sheet: str, cols: Columns, ed: Edition, wb: Workbook) -> None:
    """Each catalog question at its row of the 2026 national sheet, where the row's text is that question
    (a row holding another text is not read: the rows moved)."""
    text_col = cols.hierarchy[-1]
    for qid, r, catalog_text in _plan(ed):
        line = rows[r - 1] if r <= len(rows) else []
        text = cell_text(at(line, text_col))
        if not text or not same_question(text.lstrip("- "), catalog_text, TEXT_SIMILARITY):
            continue
        record(wb, cols, qid, sheet, r, level_cells(line, cols))


@lru_cache(maxsize=8)
def _plan(ed: Edition) -> list[tuple[str, int, str]]:
    """(question_id, row, text) of every answerable question of an edition."""
    return [(q.question_id, int(q.jawaban_row), q.text) for q in ed.answerable.itertuples(index=False)]


@lru_cache(maxsize=8)
def _texts(ed: Edition) -> dict[str, str]:
    return dict(zip(ed.answerable["question_id"], ed.answerable["text"], strict=True))
