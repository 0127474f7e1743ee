"""Which column of a form sheet holds what, read from its header labels (synonyms in data/column_labels.csv).

Real workbooks move, insert, rename and delete columns, put a title block above the header and add
assessment levels side by side ("Jawaban TPI", "Jawaban TPI KESDM"). The header says which column is
which; the regulation's fixed positions are only the fallback for a sheet without a header row, and
the result then says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..answers import is_blank, option_like
from ..catalog import DATA_DIR, read_data_csv
from .base import Level, Workbook, level_keys
from .excel import cell_text, col_letter

# A title block above the header is at most this tall.
HEADER_SEARCH_ROWS = 40
# The hierarchy of the regulation's sheet: komponen, sub komponen, area, indikator, huruf, teks (B..G).
HIERARCHY_WIDTH = 6
# Fields that belong to one assessment level (the answer column and what sits beside it).
LEVEL_FIELDS = ("note", "evidence", "value", "percent")
# An unheaded column whose cells are mostly these holds answers, not evidence.
OPTION_LIKE = re.compile(r"^(ya|tidak|y|t|[a-e])$")
NON_WORD = re.compile(r"[^0-9a-z%]+")
# A column whose filled cells are at least this share of options (and this many) holds answers.
ANSWER_SHARE, MIN_ANSWER_CELLS = 0.6, 5
# A year written in a label ("Jawaban 2024"), not the year of a regulation ("90/2021").
LABEL_YEAR = re.compile(r"(?<![/\d])(20\d\d)(?![\d/])")
REGULATION_WORDS = ("permen", "peraturan", "nomor", "lampiran", "edisi")


def normalise(value: Any) -> str:
    """A header label as compared: lower case, punctuation and line breaks as single spaces."""
    return _normalise(value if isinstance(value, str) else cell_text(value))


@lru_cache(maxsize=16384)
def _normalise(text: str) -> str:
    return " ".join(NON_WORD.sub(" ", text.casefold()).split())


@lru_cache(maxsize=2)
def _label_rules(data_dir: Path = DATA_DIR) -> tuple[tuple[str, str, str], ...]:
    df = read_data_csv(data_dir, "column_labels.csv")
    return tuple((r.field, r.match, normalise(r.label)) for r in df.itertuples(index=False))


@lru_cache(maxsize=2)
def _level_keywords(data_dir: Path = DATA_DIR) -> tuple[tuple[str, str], ...]:
    df = read_data_csv(data_dir, "assessment_levels.csv")
    return tuple((r.kind, normalise(r.keyword)) for r in df.itertuples(index=False))


@lru_cache(maxsize=4096)
def field_of(label: str) -> str | None:
    """The field a header label names (answer, note, weight, ...), or None for an unknown label."""
    text = normalise(label)
    if not text:
        return None
    for name, match, pattern in _label_rules():
        if text == pattern or (match == "prefix" and text.startswith(pattern + " ")):
            return name
    return None


@lru_cache(maxsize=16384)
def kind_of(label: str) -> str | None:
    """Whose column a label names (unit, tpi, tpn), or None when it names nobody."""
    words = f" {normalise(label)} "
    for kind, keyword in _level_keywords():
        if f" {keyword} " in words:
            return kind
    return None


@dataclass
class LevelColumns:
    level: Level
    answer: int
    notes: list[int] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)
    value: int | None = None
    percent: int | None = None
    year: int | None = None  # the year its label names ("Jawaban 2024"): identity, chosen by the submission's year


@dataclass
class Columns:
    """The column map of one form sheet (list indexes, 0 = column A)."""

    header_row: int | None  # Excel row of the header; None when the fixed positions were taken
    weight: int | None
    criteria: int | None
    answer_type: int | None
    id: int | None
    hierarchy: list[int | None]  # komponen .. question text, left to right (None where a column is missing)
    levels: list[LevelColumns]
    labels: dict[int, str] = field(default_factory=dict)  # column -> header text as written
    ignored: dict[int, str] = field(default_factory=dict)  # column -> why it was not used
    fallback: str | None = None  # which fixed layout was assumed, when there is no header row
    header_rows: int = 1  # 2 when a second header row names the parts of a group ("Jawaban" over "Unit" | "TPI")

    @property
    def first_data_row(self) -> int:
        """List index of the first row below the header."""
        return (self.header_row or 0) + self.header_rows - 1 if self.header_row else 0

    def describe(self) -> dict[str, Any]:
        """Which column was taken for what, by Excel letter, for `zi score` and the stored provenance."""

        def one(i: int | None) -> str | None:
            return None if i is None else col_letter(i)

        hier = [i for i in self.hierarchy if i is not None]
        return {
            "baris_judul": self.header_row,
            "posisi_baku": self.fallback,
            "hierarki": f"{one(hier[0])}-{one(hier[-1])}" if hier else None,
            "id": one(self.id),
            "bobot": one(self.weight),
            "kriteria": one(self.criteria),
            "pilihan_jawaban": one(self.answer_type),
            "tingkat": [{
                "level": lc.level.key, "label": lc.level.label, "jawaban": one(lc.answer),
                "catatan": [one(i) for i in lc.notes], "bukti": [one(i) for i in lc.evidence],
                "nilai": one(lc.value), "persen": one(lc.percent)} for lc in self.levels],
            "diabaikan": {one(i): why for i, why in sorted(self.ignored.items())},
        }

    def summary(self) -> str:
        """The column map in one line of Bahasa Indonesia."""
        parts = []
        if self.weight is not None:
            parts.append(f"Bobot {col_letter(self.weight)}")
        if self.answer_type is not None:
            parts.append(f"Pilihan Jawaban {col_letter(self.answer_type)}")
        for lc in self.levels:
            extra = [f"catatan {','.join(col_letter(i) for i in lc.notes)}"] if lc.notes else []
            extra += [f"bukti {','.join(col_letter(i) for i in lc.evidence)}"] if lc.evidence else []
            parts.append(f"{lc.level.name} '{lc.level.label}' {col_letter(lc.answer)}"
                         + (f" ({'; '.join(extra)})" if extra else ""))
        where = f"baris judul {self.header_row}" if self.header_row else f"posisi baku {self.fallback}"
        return f"{where}: " + ", ".join(parts)


def level_cells(line: list[Any], cols: Columns) -> list[tuple[Any, str | None, str | None]]:
    """Per level of the column map: the answer cell, the notes and the evidence (joined by " | ")."""
    n = len(line)
    out = []
    for lc in cols.levels:  # called for every row of every file: plain indexing, no helper calls
        raw = line[lc.answer] if lc.answer < n else None
        out.append((None if raw == "" else raw, _joined(line, lc.notes, n) if lc.notes else None,
                    _joined(line, lc.evidence, n) if lc.evidence else None))
    return out


def record(wb: Workbook, cols: Columns, qid: str, sheet: str, row: int,
           cells: list[tuple[Any, str | None, str | None]]) -> None:
    """A catalog question found at `row`: marked matched, and one answer row per level that wrote an answer,
    a note or evidence (the cells from level_cells), in level order."""
    wb.matched.add(qid)
    for lc, (raw, note, evidence) in zip(cols.levels, cells, strict=True):
        if note is None and evidence is None and is_blank(raw):
            continue
        wb.rows.append((lc.level.key, qid, raw, note, evidence, sheet, row))


def _joined(line: list[Any], cols: list[int], n: int) -> str | None:
    if len(cols) == 1:  # the usual case: one note column, one evidence column
        c = cols[0]
        return (cell_text(line[c]) or None) if c < n and line[c] != "" else None
    texts = [cell_text(line[c]) for c in cols if c < n and line[c] != ""]
    return " | ".join(t for t in texts if t) or None


def find_header(rows: list[list[Any]]) -> tuple[int, dict[int, str]] | None:
    """(list index, {column: field}) of the header row: the row naming an answer column (or only whose column it is:
    "Unit", "TPI") and a weight or answer-type column with the most known labels, those two possibly on the row
    below it (a two-row header); None when no row in the first rows does."""
    best: tuple[int, int, dict[int, str]] | None = None
    found = [_row_fields(line) for line in rows[:HEADER_SEARCH_ROWS]]
    for i, (fields, named) in enumerate(found):
        kinds = set(fields.values())
        if "answer" not in kinds and not named:
            continue
        if not ({"weight", "answer_type"} & kinds):
            below = found[i + 1][0] if i + 1 < len(found) else {}
            if not ({"weight", "answer_type"} & set(below.values())) or not _sub_header(rows[i], rows[i + 1]):
                continue
            kinds |= set(below.values())
        if best is None or len(kinds) > best[0]:
            best = (len(kinds), i, fields)
    return None if best is None else (best[1], best[2])


def _row_fields(line: list[Any]) -> tuple[dict[int, str], bool]:
    """The known labels of a row ({column: field}), and whether a label names only whose column it is ("TPI")."""
    fields = {}
    named = False
    for c, v in enumerate(line):
        if type(v) is str and v:
            f = _label(v)
            if f is LEVEL_ONLY:
                named = True
            elif f:
                fields[c] = f
    return fields, named


LEVEL_ONLY = "level"  # _label of a label that names only whose column it is


@lru_cache(maxsize=16384)
def _label(text: str) -> str | None:
    """A header cell's field (field_of), LEVEL_ONLY for "TPI", "Unit", "Koreksi TPI", or None: one lookup a cell."""
    return field_of(text) or (LEVEL_ONLY if level_label(text) else None)


@lru_cache(maxsize=16384)
def level_label(label: str) -> str | None:
    """The level a short label names and nothing else ("Unit", "TPI", "Koreksi TPI"), or None."""
    text = normalise(label)
    return kind_of(label) if text and len(text.split()) <= 3 else None


def _filled(rows: list[list[Any]], start: int, col: int) -> list[Any]:
    """The non-empty cells of a column below the header."""
    return [line[col] for line in rows[start:] if col < len(line) and not is_blank(line[col])]


def _has_content(rows: list[list[Any]], start: int, col: int) -> bool:
    """Whether a column holds anything below the header (stops at the first cell that does)."""
    for line in rows[start:]:
        if col < len(line):
            v = line[col]
            if v != "" and v is not None and not (isinstance(v, str) and not v.strip()):
                return True
    return False


def _sub_header(header: list[Any], below: list[Any]) -> bool:
    """Whether the row below a header names the parts of its groups ("Jawaban" merged above "Unit" | "TPI"):
    every cell of it a label, one of them naming whose column it is under a group or an empty header cell."""
    labels = [(c, v) for c, v in enumerate(below) if v != "" and v is not None]
    if not labels or any(not isinstance(v, str) for _, v in labels):
        return False
    if any(field_of(v) is None and kind_of(v) is None for _, v in labels):
        return False
    return any(kind_of(v) and (c >= len(header) or not cell_text(header[c]) or field_of(cell_text(header[c])) in
                               ("answer", "note", "evidence", "value")) for c, v in labels)


def _two_row_labels(header: list[Any], below: list[Any]) -> tuple[dict[int, str], dict[int, str]]:
    """(column -> label, column -> field) of a two-row header: a group's label joined to each part's."""
    labels: dict[int, str] = {}
    fields: dict[int, str] = {}
    group = ""
    for c in range(max(len(header), len(below))):
        top = cell_text(header[c]) if c < len(header) else ""
        sub = cell_text(below[c]) if c < len(below) else ""
        if top:
            group = top
        elif not sub:
            group = ""  # an empty column ends the group
            continue
        elif group and kind_of(sub) and field_of(group) in ("answer", *LEVEL_FIELDS):
            top = group  # a part of the group: "Jawaban" over "TPI"
        label = f"{top} {sub}".strip()
        labels[c] = label
        f = field_of(label) or (field_of(sub) if sub else None) or (field_of(top) if top and kind_of(sub) else None)
        if f:
            fields[c] = f
    return labels, fields


def _answer_column(rows: list[list[Any]], start: int, col: int) -> int:
    """How many cells of a column hold options, when most of its filled cells do (else 0)."""
    cells = _filled(rows, start, col)
    options = sum(1 for v in cells if option_like(v))
    return options if options >= MIN_ANSWER_CELLS and options >= ANSWER_SHARE * len(cells) else 0


def label_year(label: str) -> int | None:
    """The year an answer column's label names ("Jawaban 2024" -> 2024), or None; a regulation's year is none
    ("Jawaban (PermenPANRB Nomor 90 Tahun 2021)")."""
    found = set(LABEL_YEAR.findall(label))
    if len(found) != 1 or any(word in normalise(label) for word in REGULATION_WORDS):
        return None
    return int(found.pop())


def columns_from_header(rows: list[list[Any]], index: int, fields: dict[int, str]) -> tuple[Columns, list[str]]:
    """The column map from the header row at list index `index`; also warnings about columns not used."""
    header = rows[index]
    above = rows[index - 1] if index > 0 else []
    below = rows[index + 1] if index + 1 < len(rows) else []
    header_rows = 1
    if below and _sub_header(header, below):
        labels, fields = _two_row_labels(header, below)
        header_rows = 2
    else:
        labels = {c: cell_text(v) for c, v in enumerate(header) if cell_text(v)}
    fields = dict(fields)
    start = index + header_rows
    warnings: list[str] = []

    def first(name: str) -> int | None:
        return next((c for c in sorted(fields) if fields[c] == name), None)

    weight = first("weight")

    def full_label(c: int, answers: list[int]) -> str:
        """The label with the group heading above it, when a two-row header names whose column it is.

        The heading is looked for from the column leftwards, not past the previous answer column nor the
        weight column: a title block further left ("... diisi oleh TPI") names no column."""
        label = labels.get(c, "")
        if kind_of(label) is None and above and header_rows == 1:
            stop = max([-1 if weight is None else weight] + [a for a in answers if a < c])
            group = next((cell_text(above[g]) for g in range(min(c, len(above) - 1), stop, -1)
                          if cell_text(above[g])), "")
            if group and kind_of(group):
                return f"{group} {label}".strip()
        return label

    # A column headed by whose it is ("TPI", "Koreksi TPI", "Hasil Penilaian TPI", "Nilai Evaluator") that holds
    # options is an answer column, whatever else its label says; a "Nilai" column of numbers stays a value.
    for c, label in labels.items():
        if fields.get(c) in (None, "value") and kind_of(label) and _answer_column(rows, start, c):
            fields[c] = "answer"
    answers = [c for c in sorted(fields) if fields[c] == "answer"]
    kinds = [kind_of(full_label(c, answers)) or "unit" for c in answers]
    years = {c: label_year(labels.get(c, "")) for c in answers}
    kept: list[tuple[int, str]] = []
    ignored: dict[int, str] = {}
    for c, kind in zip(answers, kinds, strict=True):
        same = [k for k, kk in kept if kk == kind]
        if kind != "tpi" and same and not (years[c] and all(years[k] and years[k] != years[c] for k in same)):
            ignored[c] = f"kolom jawaban kedua untuk {kind.upper() if kind != 'unit' else 'Unit'}"
            warnings.append(f"kolom {col_letter(c)} '{labels[c]}': jawaban kedua untuk "
                            f"{'Unit' if kind == 'unit' else kind.upper()} tidak jelas milik siapa, diabaikan "
                            "(beri judul yang menyebut penilainya, mis. 'Jawaban TPI')")
            continue
        kept.append((c, kind))
    keys = level_keys([k for _, k in kept])
    levels = [LevelColumns(Level(key, kind, full_label(c, answers)), c, year=years[c])
              for (c, kind), key in zip(kept, keys, strict=True)]
    by_col = {lc.answer: lc for lc in levels}

    def owner(c: int) -> LevelColumns | None:
        if not levels:
            return None
        kind = kind_of(full_label(c, answers))
        named = [lc for lc in levels if kind and lc.level.kind == kind]
        pool = named or levels
        left = [lc for lc in pool if lc.answer < c]
        return left[-1] if left else pool[0]

    for c in sorted(fields):
        name = fields[c]
        if name not in LEVEL_FIELDS:
            continue
        lc = owner(c)
        if lc is None:
            continue
        if name == "note":
            lc.notes.append(c)
        elif name == "evidence":
            lc.evidence.append(c)
        elif name == "value" and lc.value is None:
            lc.value = c
        elif name == "percent" and lc.percent is None:
            lc.percent = c
    width = max((len(line) for line in rows[start:]), default=0)
    if levels:
        # Unheaded columns with content right of the answers hold evidence (the regulation's sheet
        # keeps its evidence links in P and Q without a header) unless they look like answers.
        for c in range(levels[0].answer + 1, width):
            if c in labels or c in by_col or not _has_content(rows, start, c):
                continue
            cells = _filled(rows, start, c)
            options = sum(1 for v in cells if OPTION_LIKE.match(cell_text(v).casefold().rstrip(".")))
            if options >= 0.8 * len(cells) and len(cells) >= 5:
                ignored[c] = "tanpa judul, berisi jawaban"
                warnings.append(f"kolom {col_letter(c)} tanpa judul berisi jawaban ({len(cells)} baris): "
                                "tidak dinilai; beri judul yang menyebut penilainya, mis. 'Jawaban TPI'")
                continue
            owner_lc = owner(c)
            if owner_lc is not None:
                owner_lc.evidence.append(c)
    for c, label in labels.items():
        if c not in fields and c not in ignored:
            ignored[c] = f"judul tidak dikenal '{label}'"
            if levels and c > levels[0].answer and (n := _answer_column(rows, start, c)):
                warnings.append(f"kolom {col_letter(c)} '{label}' berisi jawaban ({n} baris) tetapi judulnya tidak "
                                "menyebut kolom jawaban atau penilainya: tidak dinilai; beri judul mis. 'Jawaban TPI'")
    right = weight if weight is not None else min(
        [c for c in (first("criteria"), first("answer_type"), answers[0] if answers else None) if c is not None],
        default=0)
    id_col = first("id")

    def unheaded_or_hierarchy(c: int) -> bool:
        return c != id_col and (c not in labels or fields.get(c) == "hierarchy")

    hierarchy = _hierarchy(rows, start, right, unheaded_or_hierarchy)
    cols = Columns(header_row=index + 1, weight=weight, criteria=first("criteria"), answer_type=first("answer_type"),
                   id=id_col, hierarchy=hierarchy, levels=levels, labels=labels, ignored=ignored,
                   header_rows=header_rows)
    return cols, warnings


def hierarchy_to(rows: list[list[Any]], cols: Columns, text: int) -> None:
    """Put the hierarchy columns where the question text is known to be (found by its content): the text column
    and the columns left of it that hold something, as the tree of a sheet is written."""
    def allowed(c: int) -> bool:
        return c != cols.id and (c not in cols.labels or field_of(cols.labels[c]) in (None, "hierarchy"))

    cols.hierarchy = _hierarchy(rows, cols.first_data_row, text + 1, allowed)


def _hierarchy(rows: list[list[Any]], start: int, right: int, allowed) -> list[int | None]:
    """The six hierarchy columns: the last columns left of `right` that are allowed and hold something."""
    cols = [c for c in range(right) if allowed(c) and _has_content(rows, start, c)]
    cols = cols[-HIERARCHY_WIDTH:]
    return [None] * (HIERARCHY_WIDTH - len(cols)) + cols  # type: ignore[list-item]


# The fixed positions, relative to the Bobot column (H), when a sheet has no header row:
# the regulation's "LKE ZI" sheet (answer K, value L, percent M, note O, evidence P-Q) and the
# 2026 national "Jawaban" sheet (unit K-M, TPI answer N, TPI note Q).
REGULATION = {"criteria": 1, "answer_type": 2, "levels": [("unit", "Jawaban", 3, [7], [8, 9], 4, 5)]}
NATIONAL = {"criteria": 1, "answer_type": 2,
            "levels": [("unit", "Jawaban Unit", 3, [4], [5], None, None), ("tpi", "Jawaban TPI", 6, [9], [], None, None)]}


def columns_from_positions(rows: list[list[Any]], weight: int, national: bool) -> Columns:
    """The column map of a sheet without a header row, from the Bobot column found by its content."""
    spec = NATIONAL if national else REGULATION
    levels = [LevelColumns(Level(key, key, label), weight + a, [weight + n for n in notes],
                           [weight + e for e in evidence], None if v is None else weight + v,
                           None if p is None else weight + p)
              for key, label, a, notes, evidence, v, p in spec["levels"]]  # type: ignore[attr-defined]
    hierarchy = [c if c >= 0 else None for c in range(weight - HIERARCHY_WIDTH, weight)]
    return Columns(header_row=None, weight=weight, criteria=weight + spec["criteria"],  # type: ignore[operator]
                   answer_type=weight + spec["answer_type"], id=None, hierarchy=hierarchy,  # type: ignore[operator]
                   levels=levels, fallback="lembar 'Jawaban' nasional 2026" if national else
                   "Lampiran III PermenPANRB 90/2021")
