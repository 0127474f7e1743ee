"""Find the LKE form among a workbook's sheets by its content, whatever the sheet's name or position.

A form sheet has a header naming an answer column (or, without a header, the regulation's layout
anchored on the Pengungkit row) and many rows whose answer type is Ya/Tidak, A/B/C, %, Jumlah... It is an
LKE ZI when its tree has the component Pengungkit, or when its ID column holds catalog question ids
(the project's template). An LKE Reformasi Birokrasi looks much the same and is refused by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..answers import is_blank
from ..catalog import DATA_DIR, Catalog, read_data_csv
from .base import NoFormError, ReadError
from .columns import (
    HEADER_SEARCH_ROWS,
    Columns,
    columns_from_header,
    columns_from_positions,
    field_of,
    find_header,
    hierarchy_to,
    normalise,
)
from .excel import Book, cell_text
from .hierarchy import EDITION as TREE_EDITION
from .hierarchy import component_row, weight_column
from .jawaban import catalog_ids, text_hits

# A sheet with fewer answer-type cells (or catalog ids) than this holds no questionnaire.
MIN_QUESTION_ROWS = 10
# Columns looked at for answer types and tree markers when there is no header to say where they are.
SCAN_COLUMNS = 30
CODE_PREFIX = re.compile(r"^(?:[a-z]|[ivx]+|\d+)\s+")
# In the 2026 national sheet (and the template) the ID column is A and Bobot is H: seven columns apart.
NATIONAL_WEIGHT = 7
# A sheet whose rows carry at least this share of an edition's question texts is an LKE ZI of that edition.
TEXT_SHARE = 0.5


@lru_cache(maxsize=2)
def _markers(data_dir: Path = DATA_DIR) -> tuple[tuple[str, str, str], ...]:
    df = read_data_csv(data_dir, "form_markers.csv")
    return tuple((r.kind, r.match, normalise(r.phrase)) for r in df.itertuples(index=False))


@lru_cache(maxsize=2)
def _answer_types(catalog: Catalog) -> frozenset[str]:
    """Every spelling of an answer type ("Ya/Tidak", "A/B/C", "%", "Jumlah", "Nilai (0-4)"), normalised, from the
    catalog's answer types."""
    names = set()
    for ed in catalog.editions.values():
        for r in ed.answer_types.itertuples(index=False):
            for alias in [r.label, *r.aliases.split("|")]:
                names.add(normalise(alias))
    return frozenset(n for n in names if n)


@dataclass
class Form:
    """The sheet to read and how: its column map, the reading mode and where the table starts."""

    sheet: str
    columns: Columns
    mode: str  # "id": rows by catalog question id; "hierarchy": by the tree and the text
    edition: str | None  # the edition whose ids the ID column holds (mode "id")
    start: int  # list index of the first row of the table
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Sheet:
    name: str
    columns: Columns | None
    start: int
    warnings: list[str]
    questions: list[list[Any]]  # its rows that are questions
    id_hits: dict[str, int]
    zi: set[str]
    rb: list[str]
    texts: tuple[str | None, int, int | None] | None = None  # text_hits, where they were counted

    def carries_questions(self, catalog: Catalog) -> bool:
        """Whether its rows carry the question texts of the edition read by the tree and the text (an LKE ZI of
        PermenPANRB 90/2021, whatever else its header says)."""
        edition, hits, _ = self.texts or (None, 0, None)
        return edition == TREE_EDITION and hits >= TEXT_SHARE * len(catalog[edition].answerable)

    @property
    def score(self) -> int:
        return len(self.questions) + max(self.id_hits.values(), default=0)


def find_form(book: Book, catalog: Catalog) -> Form:
    """The form sheet of a workbook; ReadError (in Bahasa Indonesia) when there is none or it is no LKE ZI."""
    sheets = [_inspect(name, book.rows(name, errors=False), catalog) for name in book.sheet_names]
    forms = [s for s in sheets if s.columns is not None and s.score >= MIN_QUESTION_ROWS]
    if not forms:
        rb = next((s for s in sheets if s.rb and not s.zi), None)
        if rb:
            raise _not_zi(book, rb)
        headed = [s for s in sheets if s.columns is not None and s.columns.header_row]
        if headed:  # a header was found: the rows below it are what is wrong, not the header
            s = max(headed, key=lambda s: s.score)
            assert s.columns is not None
            raise NoFormError(book.path, f"tidak ada sheet LKE yang dikenali: baris judul ditemukan (baris "
                              f"{s.columns.header_row}), tetapi di bawahnya "
                              f"hanya {s.score} baris pertanyaan dengan jenis jawaban (Ya/Tidak, A/B/C, Jumlah ...) "
                              f"atau ID pertanyaan katalog, sedikitnya {MIN_QUESTION_ROWS}: bukan lembar LKE yang "
                              "terisi pertanyaannya", sheet=s.name)
        names = ", ".join(f"'{n}'" for n in book.sheet_names) or "(tidak ada)"
        raise NoFormError(book.path, "tidak ada sheet LKE yang dikenali: tidak ada sheet dengan baris judul berisi "
                        "kolom 'Jawaban' dan 'Bobot'/'Pilihan Jawaban' serta baris pertanyaan (Ya/Tidak, A/B/C, "
                        f"Jumlah ...); sheet yang ada: {names}")
    answered = {s.name: _answered(s) for s in forms} if len(forms) > 1 else {}
    filled = [s for s in forms if answered.get(s.name)]
    if len(filled) > 1:  # which one is assessed (last year's copy? the TPI's?) is not for the reader to guess
        listed = ", ".join(f"'{s.name}' ({answered[s.name]} pertanyaan terjawab)" for s in filled)
        raise ReadError(book.path, f"workbook memuat {len(filled)} sheet LKE yang berisi jawaban ({listed}): tidak "
                        "jelas mana yang dinilai; sisakan satu sheet LKE yang berisi jawaban per workbook (hapus sheet "
                        "lain atau pindahkan ke workbook sendiri), lalu muat ulang")
    best = filled[0] if filled else max(forms, key=lambda s: s.score)  # the first of equals: max keeps the first
    warnings = list(best.warnings)
    others = [s.name for s in forms if s is not best]
    if others:
        warnings.append(f"workbook memuat lebih dari satu sheet LKE ('{best.name}', "
                        f"{', '.join(repr(n) for n in others)}): dibaca sheet '{best.name}'"
                        + (", satu-satunya yang berisi jawaban" if filled else ""))
    cols = best.columns
    assert cols is not None
    if cols.fallback:
        warnings.append(f"sheet tanpa baris judul kolom: kolom dibaca dari posisi baku {cols.fallback} "
                        f"({cols.summary()}); periksa hasilnya")
    edition, hits = max(best.id_hits.items(), key=lambda kv: kv[1], default=(None, 0))
    if edition and hits >= 0.5 * len(catalog[edition].answerable):
        return Form(best.name, cols, "id", edition, best.start, warnings)
    if not {"pengungkit", "pemenuhan"} <= best.zi and best.texts is None:
        best.texts = text_hits(book.rows(best.name, errors=False)[best.start:], catalog, SCAN_COLUMNS)
    if "pengungkit" not in best.zi and not best.carries_questions(catalog):
        raise _not_zi(book, best)
    if "pemenuhan" not in best.zi and not best.carries_questions(catalog):
        raise ReadError(book.path, "LKE tanpa sub komponen Pemenuhan/Reform (susunan sebelum PermenPANRB 90/2021) "
                        "belum dapat dibaca dari hierarkinya: salin jawabannya ke template edisi 2019 "
                        "(zi template --edition 2019)", sheet=best.name)
    return Form(best.name, cols, "hierarchy", None, best.start, warnings)


def _not_zi(book: Book, sheet: _Sheet) -> ReadError:
    if sheet.rb:
        seen = ", ".join(f"'{t}'" for t in sheet.rb[:3])
        return ReadError(book.path, f"bukan LKE Zona Integritas: sheet ini tampaknya LKE Reformasi Birokrasi "
                         f"(ditemukan {seen}); ZI Monitor hanya membaca LKE Zona Integritas (komponen Pengungkit "
                         "dan Hasil)", sheet=sheet.name)
    return ReadError(book.path, "bukan LKE Zona Integritas: sheet berisi pertanyaan tetapi komponen PENGUNGKIT tidak "
                     "ditemukan", sheet=sheet.name)


def _inspect(name: str, rows: list[list[Any]], catalog: Catalog) -> _Sheet:
    header = find_header(rows)
    warnings: list[str] = []
    cols: Columns | None = None
    start = 0
    if header:
        cols, warnings = columns_from_header(rows, *header)
        start = cols.first_data_row
    id_hits, id_col = _id_hits(rows[start:], [cols.id] if cols is not None and cols.id is not None else [0, 1, 2],
                               catalog)
    by_id = max(id_hits.values(), default=0) >= 0.5 * min(len(ed.answerable) for ed in catalog.editions.values())
    texts = None
    if cols is None:
        comp = component_row(rows)
        weight = weight_column(rows[comp[0]], comp[1]) if comp else None
        if comp and weight is not None:
            cols = columns_from_positions(rows, weight, national=normalise(name) == "jawaban")
            start = comp[0]
        elif by_id and id_col is not None:  # the template without its header: the 2026 sheet's positions
            cols = columns_from_positions(rows, id_col + NATIONAL_WEIGHT, national=True)
            cols.id = id_col
        else:  # the 2026 national sheet names few of its columns: its rows carry the catalog's questions
            texts = text_hits(rows, catalog, SCAN_COLUMNS)
            if texts[2] is not None and texts[1] >= MIN_QUESTION_ROWS:
                cols, warnings, start = _by_question_texts(rows, texts[2])
    if cols is not None and cols.weight is None and cols.header_row and not by_id:
        # no Bobot column to end the tree: the question text's column, found by its content, ends it
        texts = texts or text_hits(rows[start:], catalog, SCAN_COLUMNS)
        if texts[2] is not None and texts[1] >= MIN_QUESTION_ROWS:
            hierarchy_to(rows, cols, texts[2])
    if cols is not None and cols.answer_type is None and cols.header_row:
        cols.answer_type = _type_column(rows[start:], cols, catalog)
    zi, rb = (set(), []) if by_id else _tree_markers(rows, cols)  # rows by question id: the ids say enough
    return _Sheet(name, cols, start, warnings, _question_rows(rows[start:], cols, catalog), id_hits, zi, rb, texts)


def _by_question_texts(rows: list[list[Any]], text_col: int) -> tuple[Columns | None, list[str], int]:
    """The columns of a sheet found by its question texts: its header is the first row naming an answer column
    ("Jawaban Unit"), whatever else it names; without one, the 2026 sheet's positions from the text column."""
    for i in range(min(len(rows), HEADER_SEARCH_ROWS)):
        fields = {c: f for c, v in enumerate(rows[i]) if isinstance(v, str) and v and (f := field_of(v))}
        if "answer" in fields.values():
            cols, warnings = columns_from_header(rows, i, fields)
            hierarchy_to(rows, cols, text_col)
            return cols, warnings, cols.first_data_row
    # the national sheet's weight column is right of the question text
    return columns_from_positions(rows, text_col + 1, national=True), [], 0


def _type_column(rows: list[list[Any]], cols: Columns, catalog: Catalog) -> int | None:
    """The unheaded column of answer types ("Ya/Tidak", "A/B/C", "Jumlah" ...), found by its content."""
    types = _answer_types(catalog)
    answers = {lc.answer for lc in cols.levels}
    counts: dict[int, int] = {}
    for line in rows:
        for c, v in enumerate(line[:SCAN_COLUMNS]):
            if c not in answers and isinstance(v, str) and v and normalise(v) in types:
                counts[c] = counts.get(c, 0) + 1
    best = max(counts, key=counts.get, default=None)  # type: ignore[arg-type]
    return best if best is not None and counts[best] >= MIN_QUESTION_ROWS else None


def _question_rows(rows: list[list[Any]], cols: Columns | None, catalog: Catalog) -> list[list[Any]]:
    """The rows that are questions: an answer type (Ya/Tidak, A/B/C, Jumlah ...) in their answer-type column."""
    if cols is None:
        return []
    types = _answer_types(catalog)
    c = cols.answer_type
    if c is not None:
        return [line for line in rows if c < len(line) and isinstance(line[c], str) and normalise(line[c]) in types]
    return [line for line in rows if any(isinstance(v, str) and normalise(v) in types for v in line[:SCAN_COLUMNS])]


def _answered(sheet: _Sheet) -> int:
    """How many of a form sheet's question rows hold an answer of some level."""
    assert sheet.columns is not None
    answers = [lc.answer for lc in sheet.columns.levels if lc.answer is not None]
    return sum(1 for line in sheet.questions if any(a < len(line) and not is_blank(line[a]) for a in answers))


def _id_hits(rows: list[list[Any]], columns: list[int], catalog: Catalog) -> tuple[dict[str, int], int | None]:
    """How many rows hold a catalog question id, per edition, and in which of `columns` most of them are."""
    ids = catalog_ids(catalog)
    hits: dict[str, int] = {}
    where: dict[int, int] = {}
    for line in rows:
        for c in columns:
            if c < len(line) and isinstance(line[c], str) and line[c] in ids:
                hits[ids[line[c]]] = hits.get(ids[line[c]], 0) + 1
                where[c] = where.get(c, 0) + 1
                break
    return hits, max(where, key=where.get) if where else None


def _tree_markers(rows: list[list[Any]], cols: Columns | None) -> tuple[set[str], list[str]]:
    """ZI markers (pengungkit, pemenuhan) found in the tree; the texts of LKE RB markers when none is."""
    limit = cols.weight if cols is not None and cols.weight is not None else SCAN_COLUMNS
    zi: set[str] = set()
    rb: list[str] = []
    markers = _markers()
    for line in rows:
        for v in line[:limit]:
            if not isinstance(v, str) or not v:
                continue
            text = normalise(v)
            bare = CODE_PREFIX.sub("", text)
            for kind, match, phrase in markers:
                hit = bare.startswith(phrase) if match == "prefix" else phrase in text
                if not hit:
                    continue
                if kind == "zi":
                    zi.add(phrase)
                elif len(rb) < 5 and cell_text(v) not in rb:
                    rb.append(cell_text(v)[:60])
        if {"pengungkit", "pemenuhan"} <= zi:
            break  # an LKE ZI: the rest of the sheet says nothing more about what kind of sheet it is
    return zi, rb
