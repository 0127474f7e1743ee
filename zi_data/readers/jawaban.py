"""Read a form whose rows are catalog entries: by the question id in an ID column (the project's template),
or, for the 2026 national "Jawaban" sheet without its hierarchy, by the catalog's row number, checked by text.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

from ..answers import is_blank
from ..catalog import Catalog, Edition
from .base import Workbook
from .columns import Columns, level_cells, record
from .excel import at, cell_text
from .text import same_question, tokens

# Below this word overlap the text in the question column is not the catalog's question: the row moved.
TEXT_SIMILARITY = 0.6
# Cells shorter than this are codes, letters or answers, never a question's text.
MIN_TEXT = 12


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


@lru_cache(maxsize=4)
def catalog_texts(catalog: Catalog) -> dict[frozenset[str], list[tuple[str, str]]]:
    """A question's words (text.tokens: case, punctuation and filler words aside) -> [(edition, question id)], in
    catalog order (two count inputs may share their text: "Jumlah Perubahan yang dibuat")."""
    out: dict[frozenset[str], list[tuple[str, str]]] = {}
    for name, ed in catalog.editions.items():
        for words, qids in catalog_texts_of(ed).items():
            out.setdefault(words, []).extend((name, qid) for qid in qids)
    return out


def text_hits(rows: list[list[Any]], catalog: Catalog, limit: int) -> tuple[str | None, int, int | None]:
    """(edition, how many rows carry one of its question texts, the column most of them are in), looking at the first
    `limit` columns: a sheet whose rows carry the catalog's questions is an LKE ZI, whatever its header says."""
    index = catalog_texts(catalog)
    editions: Counter[str] = Counter()
    columns: Counter[int] = Counter()
    for line in rows:
        for c, v in enumerate(line[:limit]):
            if type(v) is str and len(v) >= MIN_TEXT:
                hit = index.get(tokens(v))
                if hit:
                    editions.update({name for name, _ in hit})
                    columns[c] += 1
                    break
    if not editions:
        return None, 0, None
    (edition, hits), = editions.most_common(1)
    return edition, hits, columns.most_common(1)[0][0]


def read_by_text(rows: list[list[Any]], sheet: str, cols: Columns, ed: Edition, wb: Workbook) -> None:
    """Each row whose text in the question column (or another column of the tree) is a catalog question's (its words),
    wherever the row is: the national sheet with rows inserted or removed, a tree without its component rows. Two
    questions with the same words are taken in catalog order."""
    text_cols = [c for c in reversed(cols.hierarchy) if c is not None]  # the text's column first (Hasil rows
    index = catalog_texts_of(ed)  # of the regulation's sheet carry theirs further left)
    typed = cols.answer_type
    taken: set[str] = set()
    for i in range(cols.first_data_row, len(rows)):
        line = rows[i]
        if typed is not None and at(line, typed) is None:
            continue  # a heading (an indicator named like its one question), not a question row
        for c in text_cols:
            text = at(line, c)
            if isinstance(text, str) and len(text) >= MIN_TEXT:
                qid = next((q for q in index.get(tokens(text), ()) if q not in taken), None)
                if qid is not None:
                    taken.add(qid)
                    record(wb, cols, qid, sheet, i + 1, level_cells(line, cols))
                    break


@lru_cache(maxsize=8)
def catalog_texts_of(ed: Edition) -> dict[frozenset[str], list[str]]:
    """One edition's question words -> its question ids, in catalog order."""
    out: dict[frozenset[str], list[str]] = {}
    for qid, text in zip(ed.answerable["question_id"], ed.answerable["text"], strict=True):
        out.setdefault(tokens(text), []).append(qid)
    return out
