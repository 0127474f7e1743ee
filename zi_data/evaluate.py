"""One workbook -> scores, WBK/WBBM checks and warnings; shared by `zi score` and ingestion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import predicates
from .catalog import Catalog, Edition, load_catalog
from .predicates import fmt
from .readers.base import GROUP_PREFIX, Workbook
from .scoring import ASSESSOR_LABELS, Scores, score_answers
from .surveys import apply_survey

# A workbook's own cached figure counts as different from ours beyond this (its values have 2 decimals).
OWN_FIGURE_TOLERANCE = 0.001


@dataclass
class Evaluation:
    workbook: Workbook
    edition: Edition
    scores: Scores
    rules: pd.DataFrame  # assessor + predicates.RULE_COLUMNS
    warnings: list[str]

    def levels(self, assessor: str) -> pd.DataFrame:
        lv = self.scores.levels
        return lv[lv["assessor"] == assessor]

    def summary(self, assessor: str) -> dict[str, Any] | None:
        if assessor not in self.scores.assessors:
            return None
        lv = self.levels(assessor).set_index("node_id")
        rules = self.rules[self.rules["assessor"] == assessor]
        areas = []
        for area in self.edition.areas.itertuples(index=False):
            row = lv.loc[area.node_id]
            parent = lv.loc[area.parent_id] if area.parent_id in lv.index else None
            areas.append({
                "id": area.node_id,
                "area": area.area_key,
                "name": area.name,
                "part": parent["name"] if parent is not None and parent["level"] == "sub_komponen" else None,
                "weight": area.weight,
                "score": round(float(row["score"]), 4),
                "share": round(float(row["score"]) / area.weight, 4) if area.weight else None,
                "completeness": round(float(row["completeness"]), 4),
            })
        return {
            "total": round(float(lv.at["TOTAL", "score"]), 4),
            "pengungkit": round(float(lv.at["PENGUNGKIT", "score"]), 4),
            "hasil": round(float(lv.at["HASIL", "score"]), 4),
            "areas": areas,
            "predicate": predicates.predicate_of(rules),
            "rules": {
                p: {"passed": bool(rules.loc[rules["predicate"] == p, "passed"].all()),
                    "failures": predicates.failures(rules, p)}
                for p in predicates.PREDICATES
            },
            "completeness": round(float(lv.at["TOTAL", "completeness"]), 4),
        }

    def to_json(self) -> dict[str, Any]:
        wb = self.workbook
        return {
            "file": str(wb.path),
            "unit": wb.unit,
            "instansi": wb.instansi,
            "year": wb.year,
            "edition": wb.edition,
            "layout": wb.layout,
            "unit_score": self.summary("unit"),
            "tpi_score": self.summary("tpi"),
            "workbook_total": wb.own_figures.get("TOTAL"),
            "warnings": self.warnings,
        }


def evaluate(wb: Workbook, catalog: Catalog | None = None, survey: dict[str, Any] | None = None,
             survey_source: str = "") -> Evaluation:
    """Score a workbook; a survey record ({ipak, ipkp, capaian}) replaces the Hasil answers it covers."""
    catalog = catalog or load_catalog()
    ed = catalog[wb.edition]
    raw = wb.raw_by_assessor()
    survey_warnings = apply_survey(raw, survey, ed.edition, survey_source) if survey else []
    scores = score_answers(raw, ed)
    rules = pd.concat(
        [predicates.check(scores.levels[scores.levels["assessor"] == a], ed).assign(assessor=a)
         for a in scores.assessors],
        ignore_index=True,
    )
    warnings = (list(wb.warnings) + survey_warnings + answer_problems(wb, scores, ed)
                + own_figure_differences(wb, scores, ed))
    return Evaluation(workbook=wb, edition=ed, scores=scores, rules=rules, warnings=warnings)


def answer_problems(wb: Workbook, scores: Scores, ed: Edition) -> list[str]:
    """Answers that fit no option, bad counts, zero denominators: reported with where they are."""
    q = scores.questions
    bad = q[q["problem"].notna()]
    if bad.empty:
        return []
    where = {(a, qid): (s, r) for a, qid, s, r in wb.answers[["assessor", "question_id", "sheet", "row"]]
             .itertuples(index=False)}
    texts = ed.questions.set_index("question_id")["text"]
    out = []
    for row in bad.itertuples(index=False):
        sheet, r = where.get((row.assessor, row.question_id), (None, None))
        place = f"sheet '{sheet}', baris {r}: " if sheet else ""
        who = ASSESSOR_LABELS[row.assessor]
        out.append(f"{place}{who}, {row.question_id} '{_short(texts[row.question_id])}': {row.problem}")
    return out


def own_figure_differences(wb: Workbook, scores: Scores, ed: Edition) -> list[str]:
    """Where the workbook's own cached figure differs from the computed one (a broken or edited formula)."""
    if not wb.own_figures or "unit" not in scores.assessors:
        return []
    lv = scores.levels[scores.levels["assessor"] == "unit"].set_index("node_id")
    groups = ed.indicators.groupby("group_name")["indicator_id"].apply(list).to_dict()
    kinds = {"indicator": "Indikator", "area": "Area", "sub_komponen": "Sub komponen", "komponen": "Komponen",
             "total": "Nilai"}
    out = []
    for key, own in wb.own_figures.items():
        if key.startswith(GROUP_PREFIX):  # an indicator made of indicators (LHKPN + LHKASN)
            name = key[len(GROUP_PREFIX):]
            members = groups.get(name)
            if not members:
                continue
            ours, kind = float(lv.loc[members, "score"].sum()), "Indikator"
        elif key in lv.index:
            ours, kind, name = float(lv.at[key, "score"]), kinds[lv.at[key, "level"]], lv.at[key, "name"]
        else:
            continue
        if abs(ours - own) > OWN_FIGURE_TOLERANCE:
            out.append(f"{kind} '{name}': angka workbook {fmt(own, 3)} berbeda dari hasil "
                       f"hitung {fmt(ours, 3)} (selisih {fmt(ours - own, 3)})")
    return out


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."
