"""Answers -> values -> indicator, area, Pemenuhan/Reform, Pengungkit, Hasil and total, with completeness.

Every assessment level (the unit, each TPI level, the TPN) is scored separately by the same rules
(ZI-RULES "Scoring").
The arithmetic runs on plain dicts over a per-edition plan (a workbook has ~130 rows, and
ingesting thousands of them must stay fast); the results come out as DataFrames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import pandas as pd

from .answers import AnswerKind, Valued, answer_kinds, value_cell
from .catalog import Edition

LEVELS = ("indicator", "area", "sub_komponen", "komponen", "total")
LEVEL_COLUMNS = ["assessor", "level", "node_id", "parent_id", "area_key", "name", "weight", "score",
                 "answered", "expected", "completeness"]
QUESTION_COLUMNS = ["assessor", "question_id", "indicator_id", "role", "raw", "answer", "value", "problem"]


@dataclass(frozen=True)
class Plan:
    """An edition's catalog arranged for scoring one workbook quickly."""

    answer_kind: dict[str, AnswerKind]  # question_id -> how its cells are valued (answers.answer_kinds)
    question_rows: list[tuple[str, str, str]]  # question_id, indicator_id, role (catalog order)
    rules: list[tuple[str, str, list[str], list[str]]]  # question_id, formula, a, b
    indicators: list[tuple[str, str, str, float, list[str]]]  # id, area_id, name, weight, scored question ids
    nodes: list[tuple[str, str, str, str, str, float]]  # bottom-up: id, parent, level, area_key, name, weight


@lru_cache(maxsize=8)
def plan_for(ed: Edition) -> Plan:
    answer_kind = answer_kinds(ed)
    question_rows = [(q.question_id, q.indicator_id, q.role) for q in ed.questions.itertuples(index=False)]
    rules = [(r.question_id, r.formula, list(r.a), list(r.b)) for r in ed.percent_rules.itertuples(index=False)]
    scored = ed.scored_questions
    indicators = [
        (i.indicator_id, i.area_id, i.name, float(i.weight),
         scored.loc[scored["indicator_id"] == i.indicator_id, "question_id"].tolist())
        for i in ed.indicators.itertuples(index=False)
    ]
    depth = {"area": 0, "sub_komponen": 1, "komponen": 2}
    # Bottom-up so each node is complete before it is added to its parent; catalog order within a level.
    ordered = sorted(ed.structure.itertuples(), key=lambda n: (depth[n.level], n.Index))
    nodes = [(n.node_id, n.parent_id, n.level, n.area_key, n.name, float(n.weight)) for n in ordered]
    return Plan(answer_kind, question_rows, rules, indicators, nodes)


def percent_value(formula: str, a: float, b: float) -> float | None:
    """A percent item from its summed count inputs (ZI-RULES "Percent items"); None = no value."""
    if formula == "ratio":
        if b == 0:
            return None  # a zero denominator gives no value, never a division error
        return min(a / b, 1.0)
    if formula == "decline":  # a = violations last year, b = this year
        if a == 0:
            return 1.0 if b == 0 else 0.0
        return max((a - b) / a, 0.0)
    raise ValueError(f"unknown percent formula {formula!r}")


def value_answers(raw: Mapping[str, Any], ed: Edition) -> dict[str, Valued]:
    """Value every catalog question for one assessor; percent items are computed from their counts."""
    plan = plan_for(ed)
    valued: dict[str, Valued] = {}
    for qid, _, role in plan.question_rows:
        if role == "percent":
            continue
        valued[qid] = value_cell(raw.get(qid), plan.answer_kind[qid])
    for qid, formula, a_ids, b_ids in plan.rules:
        inputs = [valued[i] for i in a_ids + b_ids]
        if not all(v.answered for v in inputs):
            missing = [i for i in a_ids + b_ids if not valued[i].answered]
            valued[qid] = Valued(None, None, None if len(missing) == len(inputs) else
                                 f"belum lengkap: jumlah {', '.join(missing)} belum diisi")
            continue
        a = sum(valued[i].value for i in a_ids)  # type: ignore[misc]
        b = sum(valued[i].value for i in b_ids)  # type: ignore[misc]
        value = percent_value(formula, a, b)
        problem = None if value is not None else "penyebut nol: tidak dinilai"
        valued[qid] = Valued(None if value is None else f"{value:.4f}", value, problem)
    return valued


def score_values(valued: Mapping[str, Valued], ed: Edition) -> list[tuple]:
    """Roll question values up the tree; rows in LEVEL_COLUMNS order without the assessor."""
    plan = plan_for(ed)
    rows: list[tuple] = []
    acc: dict[str, list[float]] = {}  # node_id -> [score, answered, expected]
    for ind_id, area_id, name, weight, qids in plan.indicators:
        values = [valued[q].value for q in qids if valued[q].value is not None]
        answered, expected = len(values), len(qids)
        score = sum(values) / answered * weight if answered else 0.0  # type: ignore[arg-type]
        rows.append(("indicator", ind_id, area_id, "", name, weight, score, answered, expected,
                     answered / expected if expected else 0.0))
        a = acc.setdefault(area_id, [0.0, 0, 0])
        a[0] += score
        a[1] += answered
        a[2] += expected
    total = [0.0, 0, 0]
    for node_id, parent_id, level, area_key, name, weight in plan.nodes:
        score, answered, expected = acc.get(node_id, [0.0, 0, 0])
        rows.append((level, node_id, parent_id, area_key, name, weight, score, answered, expected,
                     answered / expected if expected else 0.0))
        up = acc.setdefault(parent_id, [0.0, 0, 0]) if parent_id else total
        up[0] += score
        up[1] += answered
        up[2] += expected
    rows.append(("total", "TOTAL", "", "", "Nilai Evaluasi Zona Integritas", 100.0, total[0], total[1], total[2],
                 total[1] / total[2] if total[2] else 0.0))
    return rows


@dataclass
class Scores:
    """One workbook scored: per question and per level, for each assessor present.

    Rows are kept as tuples (QUESTION_COLUMNS, LEVEL_COLUMNS); the frames are built on demand.
    """

    question_rows: list[tuple]
    level_rows: list[tuple]
    assessors: tuple[str, ...]
    # (assessor, question_id, how the cell was read) for every answer read from another spelling ("'Y' dibaca Ya")
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    _by_node: dict[tuple[str, str], tuple] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_node = {(r[0], r[2]): r for r in self.level_rows}

    @cached_property
    def questions(self) -> pd.DataFrame:
        return pd.DataFrame(self.question_rows, columns=QUESTION_COLUMNS)

    @cached_property
    def levels(self) -> pd.DataFrame:
        return pd.DataFrame(self.level_rows, columns=LEVEL_COLUMNS)

    def row(self, assessor: str, node_id: str) -> dict[str, Any]:
        return dict(zip(LEVEL_COLUMNS, self._by_node[(assessor, node_id)], strict=True))

    def level(self, assessor: str, node_id: str) -> float:
        return float(self._by_node[(assessor, node_id)][LEVEL_COLUMNS.index("score")])

    def total(self, assessor: str) -> float:
        return self.level(assessor, "TOTAL")

    def assessor_levels(self, assessor: str) -> list[tuple]:
        return [r for r in self.level_rows if r[0] == assessor]


def score_answers(answers: Mapping[str, Mapping[str, Any]], ed: Edition) -> Scores:
    """Score raw answers given as {level: {question_id: raw cell}}, each level (unit, tpi_1, tpi, tpn ...)
    separately by the same rules, in the order given."""
    q_rows: list[tuple] = []
    l_rows: list[tuple] = []
    notes: list[tuple[str, str, str]] = []
    index = {qid: (ind, role) for qid, ind, role in plan_for(ed).question_rows}
    for assessor, raw in answers.items():
        valued = value_answers(raw, ed)
        for qid, v in valued.items():
            ind, role = index[qid]
            q_rows.append((assessor, qid, ind, role, raw.get(qid), v.answer, v.value, v.problem))
            if v.note:
                notes.append((assessor, qid, v.note))
        l_rows.extend((assessor, *r) for r in score_values(valued, ed))
    return Scores(question_rows=q_rows, level_rows=l_rows, assessors=tuple(answers), notes=notes)
