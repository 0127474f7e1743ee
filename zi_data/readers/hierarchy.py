"""Read an LKE ZI sheet by its hierarchy (komponen > Pemenuhan/Reform > area > indikator > pertanyaan) and text.

The regulation's "LKE ZI" sheet, the 2026 national "Jawaban" sheet and other applications' exports all
carry the same tree in six columns left of "Bobot"; real files write its codes as text or numbers, with
or without dots, drop rows, add blank ones, and put a weight on a question row. Rows are matched to
the catalog by their place in the tree and their text, never by row number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..answers import is_blank, parse_number
from ..catalog import Edition
from ..predicates import fmt
from .base import GROUP_PREFIX, Workbook
from .columns import Columns, level_cells, normalise, record
from .excel import at, cell_text
from .text import similarity

EDITION = "2021"
# Total rows of the sheet (their own figures are compared with ours); the last one ends the table, so a
# signature block after it is never read.
TOTALS = (("TOTAL PENGUNGKIT", "PENGUNGKIT"), ("TOTAL HASIL", "HASIL"), ("EVALUASI ZONA INTEGRITAS", "TOTAL"))
# Below these a row is not taken for a catalog entry (word-overlap similarity, see text.py).
MIN_INDICATOR, MIN_QUESTION = 0.3, 0.4
ROMAN = re.compile(r"^(i|ii|iii|iv|v|vi|vii|viii|ix|x)$")
LETTER = re.compile(r"^[a-z]$")
QUESTION_CODE = re.compile(r"^([a-z]|-|–|—)$")  # a question's letter, or the dash of a lone question
CODED_TEXT = re.compile(r"^([a-h])[.)]\s+(\S.*)$")  # "a. Unit kerja telah ..." typed in one cell


@lru_cache(maxsize=4096)
def _code(text: str) -> str:
    """A numbering cell's text as compared: "a." / "a" / " c. " / "(b)" / "1." / "II." -> "a" "a" "c" "b" "1" "ii"."""
    return text.strip().lstrip("(").rstrip(".)").strip().casefold()


@dataclass(frozen=True)
class Plan:
    """The edition's tree as plain lists, so that matching a sheet does no DataFrame work per row."""

    areas: dict[str, list[tuple[str, int, str]]]  # part node -> [(area node, seq, name)]
    hasil_areas: list[tuple[str, str]]  # [(area node, name)]
    indicators: dict[str, list[tuple[str, str, str]]]  # area node -> [(indicator, name, group)]
    questions: dict[str, list[tuple[str, str, str]]]  # indicator -> [(question, role, text)]
    rules: dict[str, tuple[list[str], list[str]]]  # percent item -> (a inputs, b inputs)


@lru_cache(maxsize=4)
def plan_for(ed: Edition) -> Plan:
    s = ed.structure
    areas: dict[str, list] = {}
    hasil = []
    for n in s[s["level"] == "area"].itertuples():
        if n.parent_id == "HASIL":
            hasil.append((n.node_id, n.name))
        else:
            areas.setdefault(n.parent_id, []).append((n.node_id, int(n.seq), n.name))
    indicators: dict[str, list] = {}
    for i in ed.indicators.itertuples():
        indicators.setdefault(i.area_id, []).append((i.indicator_id, i.name, i.group_name))
    questions: dict[str, list] = {}
    for q in ed.questions.itertuples():
        questions.setdefault(q.indicator_id, []).append((q.question_id, q.role, q.text))
    rules = {r.question_id: (list(r.a), list(r.b)) for r in ed.percent_rules.itertuples()}
    return Plan(areas, hasil, indicators, questions, rules)


@dataclass
class Line:
    row: int  # Excel row (1-based)
    kind: str | None  # scored | percent | count; None when the sheet has no answer-type column
    text: str
    cells: list[tuple[Any, str | None, str | None]]  # per level: answer, note, evidence
    context: str | None = None  # the percent item a count row sits under


@dataclass
class Block:
    """The rows of one indicator, matched to its catalog questions once the block is complete."""

    indicator_id: str
    lines: list[Line] = field(default_factory=list)


def read_hierarchy(rows: list[list[Any]], sheet: str, cols: Columns, ed: Edition, wb: Workbook,
                   start: int) -> None:
    """Match the rows of a form sheet to the catalog, from list index `start`; fills wb.rows and wb.matched."""
    parser = _Parser(ed, wb, sheet, cols)
    for i in range(start, len(rows)):
        if parser.feed(i + 1, rows[i]):
            break
    parser.finish()


def component_row(rows: list[list[Any]], limit: int = 60) -> tuple[int, int] | None:
    """(list index, column) of the PENGUNGKIT component's name, for a sheet without a header row."""
    for i, line in enumerate(rows[:limit]):
        for c, v in enumerate(line[:12]):
            if isinstance(v, str) and normalise(v).startswith("pengungkit"):
                return i, c
    return None


def weight_column(line: list[Any], after: int) -> int | None:
    """The column of the component's weight (60) right of its name: the Bobot column."""
    for c in range(after + 1, len(line)):
        if parse_number(line[c]) == 60:
            return c
    return None


class _Parser:
    def __init__(self, ed: Edition, wb: Workbook, sheet: str, cols: Columns):
        self.ed, self.wb, self.sheet, self.cols = ed, wb, sheet, cols
        self.plan = plan_for(ed)
        self.pos = cols.hierarchy  # B..G of the regulation's sheet
        self.levels = cols.levels
        # The workbook's own computed values are read from the unit's "Nilai" column, when it has one.
        self.value_col = next((lc.value for lc in cols.levels if lc.level.kind == "unit"), None)
        self.component: str | None = None
        self.part: str | None = None
        self.area: str | None = None
        self.block: Block | None = None
        self.used_indicators: set[str] = set()

    def texts(self, line: list[Any]) -> list[str]:
        n = len(line)
        return [cell_text(line[c]) if c is not None and c < n and line[c] != "" else "" for c in self.pos]

    def cells(self, line: list[Any]) -> list[tuple[Any, str | None, str | None]]:
        return level_cells(line, self.cols)

    def answer_type(self, line: list[Any]) -> str:
        return normalise(at(line, self.cols.answer_type)) if self.cols.answer_type is not None else ""

    # -- one row -------------------------------------------------------------------------------
    def feed(self, r: int, line: list[Any]) -> bool:
        """Take one row; True once the final total has been read (a signature block may follow)."""
        texts = self.texts(line)
        if not any(texts):
            return False
        if texts[0] or texts[1]:  # the total rows write their label at the start of the row
            label = " ".join(texts).upper()
            for marker, key in TOTALS:
                if marker in label:
                    self._own(key, at(line, self.value_col))
                    return key == "TOTAL"
        b, c, d, e, f, _ = (_code(t) for t in texts)
        t_c, t_d, t_e, t_f, t_g = texts[1:]
        name_c = normalise(t_c) if t_c else ""
        if b in ("a", "b", "") and name_c.startswith(("pengungkit", "hasil")) and not d:
            self._close_block()
            self.component = "PENGUNGKIT" if name_c.startswith("pengungkit") else "HASIL"
            self.part = self.area = None
            return False
        if self.component == "HASIL":
            self._hasil_row(r, line, c, d, t_d, t_e, t_f, t_g)
            return False
        if self.component is None:
            return False
        if QUESTION_CODE.match(f) and t_g and self.block is not None:
            # A question row, even when it carries a weight ("Komitmen Pimpinan" in real files).
            self._question_row(r, line, t_g, f)
            return False
        weight = parse_number(at(line, self.cols.weight)) if self.cols.weight is not None else None
        merged = CODED_TEXT.match(t_f) if not t_g and weight is None else None
        if merged and self.block is not None:  # letter and question typed in one cell
            self._question_row(r, line, merged.group(2), merged.group(1))
            return False
        name_d = t_d.upper()
        if ROMAN.match(c) and ("PEMENUHAN" in name_d or "REFORM" in name_d):
            self._close_block()
            self.part = "PEMENUHAN" if "PEMENUHAN" in name_d else "REFORM"
            self.area = None
            self._own(self.part, at(line, self.value_col))
            return False
        if d.isdigit() and t_e and self.part:
            self._close_block()
            self.area = self._area(int(d), t_e)
            if self.area:
                self._own(self.area, at(line, self.value_col))
            return False
        coded = (ROMAN.match(e) or LETTER.match(e)) and t_f
        uncoded = t_f and not QUESTION_CODE.match(f) and (weight is not None or not t_g or t_g == t_f)
        if self.area and (coded or uncoded):
            self._indicator_row(line, t_f or t_e)
            return False
        if t_g and self.block is not None:
            self._question_row(r, line, t_g, f)
        return False

    def _area(self, number: int, name: str) -> str | None:
        areas = self.plan.areas.get(self.part, [])
        for node, seq, area_name in areas:
            if seq == number and similarity(name, area_name) >= MIN_INDICATOR:
                return node
        scored = sorted(((similarity(name, area_name), node) for node, _, area_name in areas), reverse=True)
        return scored[0][1] if scored and scored[0][0] >= MIN_INDICATOR else None

    def _indicator_row(self, line: list[Any], name: str) -> None:
        self._close_block()
        inds = self.plan.indicators.get(self.area, [])
        candidates = [(similarity(name, i_name), ind, False) for ind, i_name, _ in inds
                      if ind not in self.used_indicators]
        groups = {g for _, _, g in inds if g and GROUP_PREFIX + g not in self.used_indicators}
        candidates += [(similarity(name, g) + 0.001, GROUP_PREFIX + g, True) for g in groups]
        if not candidates:
            return
        score, key, is_group = max(candidates)
        if score < MIN_INDICATOR:
            return
        self.used_indicators.add(key)
        self._own(key, at(line, self.value_col))
        if not is_group:
            self.block = Block(key)

    def _question_row(self, r: int, line: list[Any], text: str, letter: str) -> None:
        typ = self.answer_type(line)
        kind: str | None
        if typ.startswith(("%", "persen")):
            kind = "percent"
        elif typ.startswith(("jumlah", "jml")):
            kind = "count"
        elif typ:
            kind = "scored"
        else:
            kind = None  # no answer-type column: decided by the best catalog match (see _close_block)
        if text.startswith("-") and letter in ("", "-", "–", "—") and kind in ("scored", None):
            kind = "count"
        self.block.lines.append(Line(row=r, kind=kind, text=text.lstrip("-–— ").strip(),  # type: ignore[union-attr]
                                     cells=self.cells(line)))

    def _hasil_row(self, r: int, line: list[Any], c: str, d: str, t_d: str, t_e: str, t_f: str, t_g: str) -> None:
        if ROMAN.match(c) and t_d:  # a sub-component: an area of Hasil
            self._close_block()
            score, node = max((similarity(t_d, a_name), a) for a, a_name in self.plan.hasil_areas)
            self.area = node if score >= MIN_INDICATOR else None
            if self.area:
                self._own(self.area, at(line, self.value_col))
            return
        text = t_e or t_f or t_g
        if not text or not self.area:
            return
        if self.cols.answer_type is not None and not self.answer_type(line):
            return
        inds = self.plan.indicators.get(self.area, [])
        score, ind = max((similarity(text, i_name), i) for i, i_name, _ in inds)
        cells = self.cells(line)
        if score < MIN_QUESTION:
            self._unmatched(r, text, cells)
            return
        self._own(ind, at(line, self.value_col))
        record(self.wb, self.cols, self.plan.questions[ind][0][0], self.sheet, r, cells)

    # -- matching a finished indicator block ------------------------------------------------------
    def _close_block(self) -> None:
        block, self.block = self.block, None
        if block is None or not block.lines:
            return
        qs = self.plan.questions[block.indicator_id]
        for line in block.lines:
            if line.kind is None:  # no answer-type column: the role of the catalog question it reads most like
                line.kind = max((similarity(line.text, text), role) for _, role, text in qs)[1]
        context = None
        for line in block.lines:  # count rows belong to the percent row above them
            if line.kind == "percent":
                context = self._best(line, [q for q in qs if q[1] == "percent"])
                line.context = context
            elif line.kind == "count":
                line.context = context
        mine = {q[0] for q in qs}
        assigned: dict[int, str] = {}
        for kind in ("scored", "percent", "count"):
            lines = [x for x in block.lines if x.kind == kind]
            for ctx in dict.fromkeys(x.context for x in lines):
                group = [x for x in lines if x.context == ctx]
                cands = [q for q in qs if q[1] == kind]
                if kind == "count" and ctx:  # not the inputs of the indicator's other percent items
                    others = {i for p, (a, b) in self.plan.rules.items() if p != ctx and p in mine for i in a + b}
                    cands = [q for q in cands if q[0] not in others]
                assigned.update(self._assign(group, cands))
        for line in block.lines:
            qid = assigned.get(line.row)
            if line.kind == "percent":
                continue  # computed from its counts, whatever the sheet's cached value says
            if qid is None:
                self._unassigned(line, block, assigned)
                continue
            record(self.wb, self.cols, qid, self.sheet, line.row, line.cells)

    def _best(self, line: Line, cands: list[tuple[str, str, str]]) -> str | None:
        scored = [(similarity(line.text, text), qid) for qid, _, text in cands]
        return max(scored)[1] if scored and max(scored)[0] >= MIN_QUESTION else None

    def _assign(self, lines: list[Line], cands: list[tuple[str, str, str]]) -> dict[int, str]:
        """Greedy one-to-one matching of rows to catalog questions, best similarity first."""
        # best similarity first; on a tie the upper row wins (a duplicate below it is the copy)
        pairs = sorted(((similarity(x.text, text), x.row, qid) for x in lines for qid, _, text in cands),
                       key=lambda p: (-p[0], p[1], p[2]))
        rows_done: set[int] = set()
        qids_done: set[str] = set()
        out = {}
        for score, row, qid in pairs:
            if score < MIN_QUESTION or row in rows_done or qid in qids_done:
                continue
            out[row] = qid
            rows_done.add(row)
            qids_done.add(qid)
        return out

    def _unassigned(self, line: Line, block: Block, assigned: dict[int, str]) -> None:
        """A row that is no catalog question: a duplicate, or a typed subtotal checked against its parts."""
        texts = {qid: text for qid, _, text in self.plan.questions[block.indicator_id]}
        for row, qid in assigned.items():
            if row != line.row and similarity(line.text, texts[qid]) >= 0.95:
                if any(not is_blank(a) for a, _, _ in line.cells):
                    self.wb.warn(f"baris duplikat dari pertanyaan {qid} (baris {row}): diabaikan, dipakai baris "
                                 f"{row}", self.sheet, line.row)
                return
        rule = self.plan.rules.get(line.context) if line.context else None
        if line.kind == "count" and rule is not None and len(rule[1]) > 1:
            parts = [x for x in block.lines if x.context == line.context]
            checked = False
            for k, lc in enumerate(self.levels):
                value = parse_number(line.cells[k][0])
                if value is None:
                    continue
                by_qid = {assigned.get(x.row): x.cells[k][0] for x in parts}
                numbers = [parse_number(by_qid.get(qid)) for qid in rule[1]]
                if not all(n is not None for n in numbers):
                    continue
                checked = True
                total = sum(numbers)  # type: ignore[arg-type]
                if abs(total - value) > 1e-9:
                    shown = " + ".join(fmt(n, 0) for n in numbers)  # type: ignore[arg-type]
                    who = "" if k == 0 else f" ({lc.level.name})"
                    self.wb.warn(f"'{line.text}'{who} tertulis {fmt(value, 0)}, padahal rinciannya {shown} = "
                                 f"{fmt(total, 0)}: dipakai rinciannya", self.sheet, line.row)
            if checked:
                return
        self._unmatched(line.row, line.text, line.cells)

    def _unmatched(self, row: int, text: str, cells: list[tuple[Any, str | None, str | None]]) -> None:
        if any(not is_blank(a) for a, _, _ in cells):
            self.wb.warn(f"baris berisi jawaban tetapi tidak cocok dengan pertanyaan katalog mana pun: "
                         f"'{text[:60]}'", self.sheet, row)

    def _own(self, key: str, value: Any) -> None:
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if number is not None:
            self.wb.own_figures[key] = float(number)

    def finish(self) -> None:
        self._close_block()
