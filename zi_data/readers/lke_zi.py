"""Read the "LKE ZI" sheet of PermenPANRB 90/2021 as real files have it, matching rows by hierarchy and text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..answers import is_blank, parse_number
from ..catalog import Catalog, Edition
from ..predicates import fmt
from .base import GROUP_PREFIX, ReadError, Workbook
from .excel import Book, at
from .identity import Identity
from .text import similarity

EDITION = "2021"
# Column offsets from the "Bobot" (weight) column H; real files keep this shape but may shift it.
B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q = range(-6, 10)  # noqa: E741 - Excel's column letters
TOTALS = {"TOTAL PENGUNGKIT": "PENGUNGKIT", "TOTAL HASIL": "HASIL", "NILAI EVALUASI ZONA INTEGRITAS": "TOTAL"}
# Below these a row is not taken for a catalog entry (word-overlap similarity, see text.py).
MIN_INDICATOR, MIN_QUESTION = 0.3, 0.4
ROMAN = re.compile(r"^(i|ii|iii|iv|v|vi|vii|viii|ix|x)$")


def code(text: str) -> str:
    """A numbering cell's text: "a." / "a" / " c. " / "1." -> "a" / "c" / "1"."""
    return text.rstrip(".").strip().casefold() if text and not is_blank(text) else ""


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
    kind: str  # scored | percent | count
    text: str
    answer: Any
    note: str | None
    evidence: str | None
    context: str | None = None  # the percent item a count row sits under


@dataclass
class Block:
    """The rows of one indicator, matched to its catalog questions once the block is complete."""

    indicator_id: str
    lines: list[Line] = field(default_factory=list)


def read_lke_zi(book: Book, sheet: str, ident: Identity, catalog: Catalog) -> Workbook:
    ed = catalog[EDITION]
    rows = book.rows(sheet)
    h = _weight_column(rows)
    if h is None:
        raise ReadError(book.path, "bukan lembar LKE ZI: kolom 'Bobot' dan 'Jawaban' tidak ditemukan", sheet=sheet)
    wb = Workbook(path=book.path, layout="lke_zi", edition=EDITION, unit=ident.unit, instansi=ident.instansi,
                  year=ident.year)
    parser = _Parser(ed, wb, sheet, h)
    for i, line in enumerate(rows[parser.start(rows):], start=parser.start(rows) + 1):
        if parser.feed(i, line):
            break
    parser.finish()
    if not parser.records:
        raise ReadError(book.path, "tidak ada baris pertanyaan LKE yang dikenali", sheet=sheet)
    wb.rows = parser.records
    missing = len(ed.answerable) - len({r[1] for r in parser.records})
    if parser.unmatched_questions:
        wb.warn(f"{missing} pertanyaan katalog tidak ditemukan di sheet", sheet)
    return wb


def _weight_column(rows: list[list[Any]]) -> int | None:
    """Index of the "Bobot" header (column H in the regulation's sheet)."""
    for line in rows[:10]:
        texts = [str(c).strip().casefold() for c in line]
        if "bobot" in texts and any(t in ("jawaban", "pilihan jawaban") for t in texts):
            return texts.index("bobot")
    return None


class _Parser:
    def __init__(self, ed: Edition, wb: Workbook, sheet: str, h: int):
        self.ed, self.wb, self.sheet, self.h = ed, wb, sheet, h
        self.plan = plan_for(ed)
        self.component: str | None = None
        self.part: str | None = None
        self.area: str | None = None
        self.block: Block | None = None
        self.used_indicators: set[str] = set()
        self.percent: str | None = None
        self.records: list[tuple] = []
        self.unmatched_questions = False

    def start(self, rows: list[list[Any]]) -> int:
        for i, line in enumerate(rows[:10]):
            if any(str(c).strip().casefold() == "bobot" for c in line):
                return i + 1
        return 0

    def cell(self, line: list[Any], offset: int) -> Any:
        return at(line, self.h + offset)

    def text(self, line, offset) -> str:
        v = self.cell(line, offset)
        return " ".join(str(v).split()) if v is not None else ""

    # -- one row -------------------------------------------------------------------------------
    def feed(self, r: int, line: list[Any]) -> bool:
        """Take one row; True once the final total has been read (a signature block may follow)."""
        texts = [self.text(line, x) for x in (B, C, D, E, F, G)]  # each cell's text once per row
        label = " ".join(texts).upper()
        for marker, key in TOTALS.items():
            if marker in label:
                self._own(key, self.cell(line, L))
                return key == "TOTAL"
        b, c, d, e = (code(t) for t in texts[:4])
        t_c, t_d, t_e, t_f, t_g = texts[1:]
        if b in ("a", "b") and t_c:
            self._close_block()
            self.component = "PENGUNGKIT" if "PENGUNGKIT" in t_c.upper() else "HASIL"
            self.part = self.area = None
            return False
        if self.component == "HASIL":
            self._hasil_row(r, line, c, d)
            return False
        # Hierarchy rows carry a weight; question rows do not. (Merged cells repeat their text to the
        # right, so an empty G column cannot tell them apart.)
        weight = parse_number(self.cell(line, H))
        if weight is None:
            question = t_g
            if question and self.block is not None:
                self._question_row(r, line, question)
            return False
        if c in ("i", "ii") and t_d:
            self._close_block()
            name = t_d.upper()
            self.part = "PEMENUHAN" if "PEMENUHAN" in name else "REFORM" if "REFORM" in name else None
            self.area = None
            if self.part:
                self._own(self.part, self.cell(line, L))
            return False
        if d.isdigit() and t_e and self.part:
            self._close_block()
            self.area = self._area(int(d), t_e)
            if self.area:
                self._own(self.area, self.cell(line, L))
            return False
        if self.area and (ROMAN.match(e) or t_f):
            self._indicator_row(line)
        return False

    def _area(self, number: int, name: str) -> str | None:
        areas = self.plan.areas.get(self.part, [])
        for node, seq, area_name in areas:
            if seq == number and similarity(name, area_name) >= MIN_INDICATOR:
                return node
        scored = sorted(((similarity(name, area_name), node) for node, _, area_name in areas), reverse=True)
        return scored[0][1] if scored and scored[0][0] >= MIN_INDICATOR else None

    def _indicator_row(self, line: list[Any]) -> None:
        self._close_block()
        name = self.text(line, F) or self.text(line, E)
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
        self._own(key, self.cell(line, L))
        if not is_group:
            self.block = Block(key)
            self.percent = None

    def _question_row(self, r: int, line: list[Any], text: str) -> None:
        typ = self.text(line, J).casefold()
        kind = "percent" if typ.startswith("%") else "count" if typ.startswith("jumlah") else "scored"
        if kind == "count" or (kind == "scored" and text.startswith("-") and is_blank(self.cell(line, F))):
            kind = "count"
        evidence = " | ".join(t for t in (self.text(line, P), self.text(line, Q)) if t) or None
        self.block.lines.append(Line(row=r, kind=kind, text=text.lstrip("- ").strip(),
                                     answer=self.cell(line, K), note=self.text(line, O) or None,
                                     evidence=evidence))

    def _hasil_row(self, r: int, line: list[Any], c: str, d: str) -> None:
        typ = self.text(line, J)
        if c in ("i", "ii") and self.text(line, D) and not typ:  # a sub-component: an area of Hasil
            self._close_block()
            name = self.text(line, D)
            score, node = max((similarity(name, a_name), a) for a, a_name in self.plan.hasil_areas)
            self.area = node if score >= MIN_INDICATOR else None
            if self.area:
                self._own(self.area, self.cell(line, L))
            return
        text = self.text(line, E) or self.text(line, F) or self.text(line, G)
        if not typ or not text or not self.area:
            return
        inds = self.plan.indicators.get(self.area, [])
        score, ind = max((similarity(text, i_name), i) for i, i_name, _ in inds)
        if score < MIN_QUESTION:
            self._unmatched(r, text, self.cell(line, K))
            return
        self._own(ind, self.cell(line, L))
        qid = self.plan.questions[ind][0][0]
        self._record(qid, r, self.cell(line, K), self.text(line, O) or None,
                     " | ".join(t for t in (self.text(line, P), self.text(line, Q)) if t) or None)

    # -- matching a finished indicator block ------------------------------------------------------
    def _close_block(self) -> None:
        block, self.block = self.block, None
        if block is None or not block.lines:
            return
        qs = self.plan.questions[block.indicator_id]
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
            self._record(qid, line.row, line.answer, line.note, line.evidence)

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
                if not is_blank(line.answer):
                    self.wb.warn(f"baris duplikat dari pertanyaan {qid} (baris {row}): diabaikan, dipakai baris "
                                 f"{row}", self.sheet, line.row)
                return
        value = parse_number(line.answer)
        rule = self.plan.rules.get(line.context) if line.context else None
        if line.kind == "count" and rule is not None and value is not None:
            parts = {assigned.get(x.row): x.answer for x in block.lines if x.context == line.context}
            numbers = [parse_number(parts.get(qid)) for qid in rule[1]]
            if len(rule[1]) > 1 and all(n is not None for n in numbers):
                total = sum(numbers)  # type: ignore[arg-type]
                if abs(total - value) > 1e-9:
                    shown = " + ".join(fmt(n, 0) for n in numbers)  # type: ignore[arg-type]
                    self.wb.warn(f"'{line.text}' tertulis {fmt(value, 0)}, padahal rinciannya {shown} = "
                                 f"{fmt(total, 0)}: dipakai rinciannya", self.sheet, line.row)
                return
        self._unmatched(line.row, line.text, line.answer)

    def _unmatched(self, row: int, text: str, answer: Any) -> None:
        if not is_blank(answer):
            self.unmatched_questions = True
            self.wb.warn(f"baris berisi jawaban tetapi tidak cocok dengan pertanyaan katalog mana pun: "
                         f"'{text[:60]}'", self.sheet, row)

    def _record(self, qid: str, row: int, answer: Any, note: str | None, evidence: str | None) -> None:
        if is_blank(answer) and note is None and evidence is None:
            return
        self.records.append(("unit", qid, answer, note, evidence, self.sheet, row))

    def _own(self, key: str, value: Any) -> None:
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if number is not None:
            self.wb.own_figures[key] = float(number)

    def finish(self) -> None:
        self._close_block()
        found = {r[1] for r in self.records}
        self.unmatched_questions = self.unmatched_questions or len(found) < len(self.ed.answerable)
