"""One workbook -> scores, WBK/WBBM checks and warnings; shared by `zi score` and ingestion."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import pandas as pd

from . import predicates
from .catalog import Catalog, Edition, load_catalog
from .predicates import fmt
from .readers.base import GROUP_PREFIX, Workbook, level_name
from .readers.levels import completeness_reasons
from .scoring import Scores, score_answers
from .surveys import apply_survey

# A workbook's own cached figure counts as different from ours beyond this (its values have 2 decimals).
OWN_FIGURE_TOLERANCE = 0.001


@dataclass
class Evaluation:
    workbook: Workbook
    edition: Edition
    scores: Scores
    rule_rows: dict[str, list[tuple]]  # assessor -> predicates.RULE_COLUMNS rows
    warnings: list[str]
    # Why a person must check these scores ("perlu diperiksa"), judged once the survey values are in: a partial
    # sheet loaded on request, a level below the completeness threshold or with an unanswered area.
    needs_review: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Sent back from worker processes: the edition (catalog frames) is looked up again, not pickled.
        state = {k: v for k, v in self.__dict__.items() if k not in ("edition", "rules")}
        state["edition_name"] = self.edition.edition
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["edition"] = load_catalog()[state.pop("edition_name")]
        self.__dict__.update(state)

    @cached_property
    def rules(self) -> pd.DataFrame:
        """Every rule for every assessor: "assessor" + predicates.RULE_COLUMNS."""
        frames = [pd.DataFrame(rows, columns=predicates.RULE_COLUMNS).assign(assessor=a)
                  for a, rows in self.rule_rows.items()]
        return pd.concat(frames, ignore_index=True)

    def summary(self, assessor: str) -> dict[str, Any] | None:
        if assessor not in self.scores.assessors:
            return None
        s = self.scores
        rules = self.rules[self.rules["assessor"] == assessor]
        areas = []
        for area in self.edition.areas.itertuples(index=False):
            row = s.row(assessor, area.node_id)
            parent = s.row(assessor, area.parent_id) if area.parent_id else None
            areas.append({
                "id": area.node_id,
                "area": area.area_key,
                "name": area.name,
                "part": parent["name"] if parent and parent["level"] == "sub_komponen" else None,
                "weight": area.weight,
                "score": round(row["score"], 4),
                "share": round(row["score"] / area.weight, 4) if area.weight else None,
                "completeness": round(row["completeness"], 4),
            })
        return {
            "total": round(s.total(assessor), 4),
            "pengungkit": round(s.level(assessor, "PENGUNGKIT"), 4),
            "hasil": round(s.level(assessor, "HASIL"), 4),
            "areas": areas,
            "predicate": predicates.predicate_of(rules),
            "rules": {
                p: {"passed": predicates.passes(rules, p), "failures": predicates.failures(rules, p)}
                for p in predicates.PREDICATES
            },
            "completeness": round(s.row(assessor, "TOTAL")["completeness"], 4),
        }

    def assessments(self) -> list[dict[str, Any]]:
        """Every level that answered, from the unit up, each with its label as written and its scores."""
        out = []
        for lv in self.workbook.levels:
            summary = self.summary(lv.key)
            if summary is None:
                continue
            out.append({"level": lv.key, "name": lv.name, "label": lv.label, "kind": lv.kind,
                        "answered": self.answered.get(lv.key, 0), **summary})
        return out

    @cached_property
    def answered(self) -> dict[str, int]:
        """Per level, the catalog questions answered with a value (survey values included)."""
        return {a: len(qids) for a, qids in valued_by_level(self.scores).items()}

    def to_json(self) -> dict[str, Any]:
        wb = self.workbook
        return {
            "file": str(wb.path),
            "unit": wb.unit,
            "instansi": wb.instansi,
            "year": wb.year,
            "edition": wb.edition,
            "layout": wb.layout,
            "assessments": self.assessments(),
            "unit_score": self.summary("unit"),
            "tpi_score": self.summary("tpi"),  # the last TPI level: the one a proposal is judged on
            "workbook_total": wb.own_figures.get("TOTAL"),
            "needs_review": self.needs_review,
            "read": wb.read_info,
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
    rule_rows = {a: predicates.check_rows({r[2]: (r[5], r[7]) for r in scores.assessor_levels(a)}, ed)
                 for a in scores.assessors}
    warnings = (list(wb.warnings) + survey_warnings + spellings_read(scores) + answer_problems(wb, scores, ed)
                + own_figure_differences(wb, scores, ed))
    valued = valued_by_level(scores)
    reasons = completeness_reasons(valued, ed, wb.matched or None)
    warnings += unanswered(scores, ed, valued, wb.matched, {r.split(":")[0] for r in reasons})
    review = "; ".join(([wb.partial] if wb.partial else []) + reasons) or None
    if survey and wb.needs_review and review != wb.needs_review:
        warnings.append(f"nilai survei ({survey_source}) melengkapi jawaban yang kosong: "
                        + (f"kini perlu diperiksa: {review}" if review else "tidak lagi perlu diperiksa"))
    return Evaluation(workbook=wb, edition=ed, scores=scores, rule_rows=rule_rows, warnings=warnings,
                      needs_review=review)


def unanswered(scores: Scores, ed: Edition, valued: dict[str, set[str]], present: set[str],
               marked: set[str]) -> list[str]:
    """Per level not marked for review: the catalog questions of the sheet left blank, by id (scored by the rules:
    left out of their indicator's mean, which a person should know). Cells that could not be valued are warned
    one by one already."""
    problems = {(r[0], r[1]) for r in scores.question_rows if r[-1] is not None}
    texts = _question_texts(ed)
    out = []
    for assessor in scores.assessors:
        if f"tingkat {level_name(assessor)}" in marked:
            continue
        blank = [q for q in _answerable_ids(ed) if q not in valued[assessor]
                 and (assessor, q) not in problems and (not present or q in present)]
        if blank:
            listed = "; ".join(f"{q} '{_short(texts[q], 40)}'" for q in blank)
            out.append(f"{level_name(assessor)}: {len(blank)} pertanyaan belum dijawab, dinilai menurut aturan (tidak "
                       f"ikut dirata-rata dalam indikatornya): {listed}")
    return out


def valued_by_level(scores: Scores) -> dict[str, set[str]]:
    """Per level, the catalog questions that hold a value (percent items are computed, not answered)."""
    out: dict[str, set[str]] = {a: set() for a in scores.assessors}
    for assessor, qid, _, role, _, _, value, _ in scores.question_rows:
        if value is not None and role != "percent":
            out[assessor].add(qid)
    return out


def spellings_read(scores: Scores) -> list[str]:
    """One warning saying which answers were read from another spelling, and how ("'Y' dibaca Ya")."""
    if not scores.notes:
        return []
    by_note: dict[str, list[str]] = {}
    for assessor, qid, note in scores.notes:
        by_note.setdefault(note, []).append(f"{level_name(assessor)} {qid}")
    parts = []
    for note, where in by_note.items():
        shown = ", ".join(where[:4]) + (f" dan {len(where) - 4} lainnya" if len(where) > 4 else "")
        parts.append(f"{note} ({shown})")
    return [f"{len(scores.notes)} jawaban ditulis dengan ejaan lain dan dibaca: " + "; ".join(parts)]


def answer_problems(wb: Workbook, scores: Scores, ed: Edition) -> list[str]:
    """Answers that fit no option, bad counts, zero denominators: reported with where they are."""
    bad = [r for r in scores.question_rows if r[-1] is not None]  # QUESTION_COLUMNS ends with problem
    if not bad:
        return []
    where = {(a, qid): (sheet, row) for a, qid, _, _, _, sheet, row in wb.rows}
    texts = _question_texts(ed)
    out = []
    for assessor, qid, *_, problem in bad:
        sheet, r = where.get((assessor, qid), (None, None))
        place = f"sheet '{sheet}', baris {r}: " if sheet else ""
        out.append(f"{place}{level_name(assessor)}, {qid} '{_short(texts[qid])}': {problem}")
    return out


@lru_cache(maxsize=8)
def _answerable_ids(ed: Edition) -> tuple[str, ...]:
    return tuple(ed.answerable["question_id"])


@lru_cache(maxsize=8)
def _question_texts(ed: Edition) -> dict[str, str]:
    return dict(zip(ed.questions["question_id"], ed.questions["text"], strict=True))


def own_figure_differences(wb: Workbook, scores: Scores, ed: Edition) -> list[str]:
    """Where the workbook's own cached figure differs from the computed one (a broken or edited formula)."""
    if not wb.own_figures or "unit" not in scores.assessors:
        return []
    lv = scores.levels[scores.levels["assessor"] == "unit"].set_index("node_id")
    groups = ed.indicators.groupby("group_name")["indicator_id"].apply(list).to_dict()
    parts = {n: p for n, p in zip(ed.structure["node_id"], ed.structure["parent_id"], strict=True)}
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
            if kind == "Area" and parts.get(key) in lv.index and lv.at[parts[key], "level"] == "sub_komponen":
                name = f"{name} ({lv.at[parts[key], 'name']})"
        else:
            continue
        if abs(ours - own) > OWN_FIGURE_TOLERANCE:
            out.append(f"{kind} '{name}': angka workbook {fmt(own, 3)} berbeda dari hasil "
                       f"hitung {fmt(ours, 3)} (selisih {fmt(ours - own, 3)})")
    return out


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."
