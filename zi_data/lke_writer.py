"""Write a workbook in the "LKE ZI" layout of PermenPANRB 90/2021, optionally in the shapes units really send.

Used for demo data and, with `quirks` and extra assessment `levels`, to build test fixtures shaped like
the workbooks of the field (see `shared/reference/real/`), without copying any of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .catalog import Edition

QUIRKS = {
    "no_dot",  # question letters without a dot: "a" instead of "a."
    "out_of_order",  # the last two letters of an indicator swapped (c. before b.)
    "trailing_space",  # letters and texts padded with spaces
    "type_ya",  # answer type "Ya" instead of "Ya/Tidak"
    "lower_padded",  # answers typed " a ", "ya "
    "dotted_answers",  # answers typed " b. ", "ya."
    "spacer",  # an empty row inside an indicator
    "blank_rows",  # empty rows between indicators and areas
    "hidden_sheets",  # the two hidden leftover sheets of the real file
    "signature",  # the minister's signature block after the table
    "column_a_noise",  # unreliable numbers in column A
    "merged",  # indicator names merged across F:G, as in the real file
    "no_identity",  # no Identitas sheet (identity from the file name only)
    "numeric_codes",  # area numbers stored as numbers (1, 2, ...), as a sheet rebuilt from Google Sheets has them
    "weighted_question",  # the weight of a one-question indicator typed on its question row too
    "title_block",  # "LEMBAR KERJA ...", "Unit Kerja : ...", "Instansi : ...", "Tahun : ..." above the header
    "renamed_sheet",  # the form sheet named "Form LKE ZI 2025"
    "instructions_first",  # a sheet of instructions before the form
    "bukti_link_before_answers",  # "Bukti" and "Link" columns inserted before the answers
    "no_value_columns",  # the Nilai and % columns deleted
    "notes_after_answer",  # the note right after the answer
    "hidden_columns",  # the criteria and value columns hidden
    "protected",  # the sheet protected
    "no_header",  # no header row at all (the reader falls back to the regulation's positions)
}
TYPE_LABELS = {"YA_TIDAK": "Ya/Tidak", "ABC": "A/B/C", "ABCD": "A/B/C/D", "ABCDE": "A/B/C/D/E", "SURVEI": "Nilai (0-4)",
               "JUMLAH": "Jumlah", "PERSEN": "%"}
FORM_SHEET = "LKE ZI"


def _plan(quirks: set[str] | frozenset[str], unit_label: str, levels: list[str]) -> list[tuple[str, str]]:
    """(role, header) of every column from A, in order. Roles: the regulation's letters for the unit's
    columns (B..G hierarchy, H weight, I criteria, J type, K answer, L value, M percent, O note, P/Q
    evidence), "bukti"/"link" for inserted evidence, "lvN:answer|value|note" for extra levels, "" blank."""
    plan = [("A", "1"), ("B", "Penilaian"), ("C", ""), ("D", ""), ("E", ""), ("F", ""), ("G", ""), ("H", "Bobot"),
            ("I", "Penjelasan"), ("J", "Pilihan Jawaban")]
    if "bukti_link_before_answers" in quirks:
        plan += [("bukti", "Bukti"), ("link", "Link")]
    plan.append(("K", unit_label))
    if "notes_after_answer" in quirks:
        plan.append(("O", "Catatan/Keterangan/Penjelasan"))
    if "no_value_columns" not in quirks:
        plan += [("L", "Nilai"), ("M", " %")]
    if "notes_after_answer" not in quirks:
        plan += [("N", ""), ("O", "Catatan/Keterangan/Penjelasan")]
    plan += [("P", ""), ("Q", "")]
    for i, label in enumerate(levels):
        plan += [(f"lv{i}:answer", label)]
        if "no_value_columns" not in quirks:
            plan += [(f"lv{i}:value", "Nilai")]
        plan += [(f"lv{i}:note", f"Catatan {label.removeprefix('Jawaban ').strip()}".strip())]
    return plan


@dataclass(frozen=True)
class _Lookups:
    """An edition's catalog as plain dicts and lists, built once: the writer looks things up per row, and
    pandas lookups per row cost more than writing the workbook."""
    questions_of: dict  # indicator_id -> [question rows as namedtuples]
    text: dict  # question_id -> text
    rules: dict  # percent question_id -> {"a": [...], "b": [...]}
    rule_inputs: frozenset  # count question ids that feed a percent rule
    indicators_of: dict  # area node_id -> [indicator rows as namedtuples]
    weight: dict  # indicator_id -> weight


@lru_cache(maxsize=8)
def _lookups(ed: Edition) -> _Lookups:
    q = ed.questions
    questions_of: dict[str, list] = {}
    for row in q.itertuples(index=False):
        questions_of.setdefault(row.indicator_id, []).append(row)
    rules = {r.question_id: {"a": list(r.a), "b": list(r.b)} for r in ed.percent_rules.itertuples(index=False)}
    indicators_of: dict[str, list] = {}
    for ind in ed.indicators.itertuples():
        indicators_of.setdefault(ind.area_id, []).append(ind)
    return _Lookups(questions_of=questions_of, text=dict(zip(q["question_id"], q["text"], strict=True)),
                    rules=rules, rule_inputs=frozenset(i for r in rules.values() for i in (*r["a"], *r["b"])),
                    indicators_of=indicators_of,
                    weight=dict(zip(ed.indicators["indicator_id"], ed.indicators["weight"], strict=True)))


def write_lke_zi(path: Path, ed: Edition, unit: str, instansi: str, year: int, answers: dict[str, Any],
                 notes: dict[str, str] | None = None, quirks: set[str] | frozenset[str] = frozenset(),
                 own_figures: dict[str, float] | None = None, subtotals: dict[str, Any] | None = None,
                 seed: int = 1, levels: dict[str, dict[str, Any]] | None = None,
                 unit_label: str = "Jawaban") -> Path:
    """Write the sheet; `own_figures` puts cached numbers in the unit's Nilai column (indicator/area ids,
    PENGUNGKIT, HASIL, TOTAL, GROUP:<name>), `subtotals` types a "Jumlah yang harus melaporkan" row under
    the percent item given (e.g. {"P7": 12}); `levels` adds assessment levels beside the unit's answers,
    by header label ({"Jawaban TPI": {...}, "Jawaban TPI KESDM": {...}})."""
    unknown = set(quirks) - QUIRKS
    if unknown:
        raise ValueError(f"unknown quirks {unknown}")
    notes, own, subtotals, levels = notes or {}, own_figures or {}, subtotals or {}, levels or {}
    rng = random.Random(seed)
    plan = _plan(quirks, unit_label, list(levels))
    col = {role: get_column_letter(i) for i, (role, _) in enumerate(plan, 1)}
    wb = Workbook()
    ws = wb.active
    ws.title = "Form LKE ZI 2025" if "renamed_sheet" in quirks else FORM_SHEET
    if "instructions_first" in quirks:
        info = wb.create_sheet("Petunjuk", 0)
        for i, text in enumerate(("PETUNJUK PENGISIAN LEMBAR KERJA EVALUASI",
                                  "1. Isi kolom Jawaban dengan pilihan yang tersedia (Ya/Tidak, A/B/C ...).",
                                  "2. Baris Jumlah diisi angka; persentase dihitung otomatis.",
                                  "3. Lampirkan bukti dukung pada kolom Bukti dan tautannya pada kolom Link."), 1):
            info.cell(i, 1, text)
    if "hidden_sheets" in quirks:
        for i, name in enumerate(("Utama", "Ctt Eval")):
            hidden = wb.create_sheet(name, i)
            hidden["B1"] = "Penilaian"
            hidden.sheet_state = "hidden"
    if "no_identity" not in quirks:
        ident = wb.create_sheet("Identitas")
        for i, (label, value) in enumerate((("Unit Kerja", unit), ("Instansi", instansi), ("Tahun", year)), 1):
            ident.cell(i, 1, label)
            ident.cell(i, 2, value)
    r = 1
    if "title_block" in quirks:
        ws["B1"] = "LEMBAR KERJA EVALUASI PEMBANGUNAN ZONA INTEGRITAS"
        ws["B2"] = f"Unit Kerja : {unit}"
        ws["B3"], ws["D3"], ws["E3"] = "Instansi", ":", instansi  # label and value in separate cells
        ws["B4"], ws["E4"] = "Tahun :", year
        r = 6
    else:
        ws["B1"] = "LAMPIRAN III PERATURAN MENTERI PANRB NOMOR 90 TAHUN 2021"
        r = 2
    if "no_header" not in quirks:
        for i, (_, label) in enumerate(plan, 1):
            if label:
                ws.cell(r, i, label).font = Font(bold=True)
        r += 1
    pad = " " if "trailing_space" in quirks else ""
    s = ed.structure
    look = _lookups(ed)
    rules = look.rules

    def put(row: int, **cells: Any) -> None:
        for role, value in cells.items():
            if value is not None and role in col:
                ws[f"{col[role]}{row}"] = value
        if "column_a_noise" in quirks:
            ws[f"{col['A']}{row}"] = rng.randint(1, 400)

    def letter(text: str) -> str:
        if not text or text == "-":
            return text
        return (text if "no_dot" in quirks else f"{text}.") + pad

    def shaped(value: Any) -> Any:
        if isinstance(value, str) and "lower_padded" in quirks:
            return f" {value.lower()} "
        if isinstance(value, str) and "dotted_answers" in quirks:
            return f" {value.lower()}. "
        return value

    def level_cells(qid: str) -> dict[str, Any]:
        """The extra levels' answers and notes on a question's row."""
        out = {}
        for i, (label, given) in enumerate(levels.items()):
            out[f"lv{i}:answer"] = shaped(given.get(qid))
            if given.get(qid) is not None and given.get(qid) != answers.get(qid):
                out[f"lv{i}:note"] = f"Dinilai ulang ({label})"
        return out

    def question_rows(qs: list) -> None:
        nonlocal r
        qs = list(qs)
        scored = [q for q in qs if q.role == "scored"]
        if "out_of_order" in quirks and len(scored) >= 3:  # the letters of the last two swap places
            i, j = qs.index(scored[-2]), qs.index(scored[-1])
            qs[i], qs[j] = qs[j], qs[i]
        spacer_after = scored[0].question_id if "spacer" in quirks and len(scored) > 1 else None
        for q in qs:
            if q.role == "count" and q.question_id in look.rule_inputs:
                continue  # written under their percent row
            typ = TYPE_LABELS[q.answer_type]
            if q.answer_type == "YA_TIDAK" and "type_ya" in quirks:
                typ = "Ya"
            if q.role == "percent":
                put(r, F=letter(q.letter), G=q.text + pad, J="%")
                r += 1
                rule = rules[q.question_id]
                inputs = list(dict.fromkeys([*rule["b"], *rule["a"]]))
                for cid in inputs:
                    put(r, G=f"- {look.text[cid]}", J="Jumlah", K=answers.get(cid), O=notes.get(cid),
                        **level_cells(cid))
                    r += 1
                    if q.question_id in subtotals and cid == rule["b"][-1]:
                        put(r, F="-", G="Jumlah yang harus melaporkan", J="Jumlah", K=subtotals[q.question_id])
                        r += 1
                continue
            weight = None
            if "weighted_question" in quirks and len(scored) == 1 and q.role == "scored":
                weight = float(look.weight[q.indicator_id])
            put(r, F=letter(q.letter) if q.role == "scored" else None,
                G=(f"- {q.text}" if q.role == "count" else q.text) + pad, H=weight, I=q.criteria or None, J=typ,
                K=shaped(answers.get(q.question_id)), O=notes.get(q.question_id),
                bukti="Dokumen pendukung" if answers.get(q.question_id) is not None else None,
                link="https://drive.example.go.id/bukti" if answers.get(q.question_id) is not None else None,
                **level_cells(q.question_id))
            r += 1
            if q.question_id == spacer_after:
                r += 1  # an empty row inside the indicator

    def indicator_row(ind, code_col: str | None = "E") -> None:
        nonlocal r
        cells = {"F": ind.name, "H": float(ind.weight)}
        if code_col:
            cells[code_col] = ind.code
        if "merged" in quirks:
            cells["G"] = ind.name
        if ind.indicator_id in own:
            cells["L"] = own[ind.indicator_id]
        put(r, **cells)
        if "merged" in quirks:
            ws.merge_cells(f"{col['F']}{r}:{col['G']}{r}")
        r += 1

    def area_code(code: str) -> Any:
        return int(code.rstrip(".")) if "numeric_codes" in quirks and code.rstrip(".").isdigit() else code

    for komp in s[s["level"] == "komponen"].itertuples():
        put(r, B=komp.code, C=komp.name.upper(), H=float(komp.weight))
        r += 1
        if komp.node_id == "PENGUNGKIT":
            for part in s[s["parent_id"] == komp.node_id].itertuples():
                put(r, C=part.code, D=part.name.upper(), H=float(part.weight), L=own.get(part.node_id))
                r += 1
                for area in s[s["parent_id"] == part.node_id].itertuples():
                    put(r, D=area_code(area.code), E=area.name.upper(), H=float(area.weight),
                        L=own.get(area.node_id))
                    r += 1
                    inds = look.indicators_of.get(area.node_id, [])
                    groups_done: set[str] = set()
                    for ind in inds:
                        if ind.group_name and ind.group_name not in groups_done:
                            groups_done.add(ind.group_name)
                            group_weight = sum(i.weight for i in inds if i.group_name == ind.group_name)
                            put(r, E=ind.code.replace("a.", "iii."), F=ind.group_name,
                                H=float(group_weight), J="%", L=own.get(f"GROUP:{ind.group_name}"))
                            r += 1
                            indicator_row(ind, "E")
                        elif ind.group_name:
                            indicator_row(ind, None)  # the second member has no code, as in the real file
                        else:
                            indicator_row(ind)
                        question_rows(look.questions_of.get(ind.indicator_id, []))
                        if "blank_rows" in quirks:
                            r += 1
            put(r, B="TOTAL PENGUNGKIT", L=own.get("PENGUNGKIT"))
            r += 2
        else:
            for area in s[s["parent_id"] == komp.node_id].itertuples():
                put(r, C=area.code, D=area.name.upper(), H=float(area.weight), L=own.get(area.node_id))
                r += 1
                for n, ind in enumerate(look.indicators_of.get(area.node_id, [])):
                    q = look.questions_of[ind.indicator_id][0]
                    put(r, D="ab"[n], E=q.text, H=float(ind.weight), I=q.criteria or None,
                        J=TYPE_LABELS[q.answer_type], K=shaped(answers.get(q.question_id)),
                        L=own.get(ind.indicator_id), O=notes.get(q.question_id), **level_cells(q.question_id))
                    r += 1
            put(r, B="TOTAL HASIL", L=own.get("HASIL"))
            r += 2
    put(r, B="NILAI EVALUASI ZONA INTEGRITAS", L=own.get("TOTAL"))
    if "signature" in quirks:
        ws[f"{col['J']}{r + 5}"] = "MENTERI PENDAYAGUNAAN APARATUR NEGARA DAN REFORMASI BIROKRASI"
        ws[f"{col['K']}{r + 11}"] = "ttd"
        ws[f"{col['J']}{r + 14}"] = "NAMA MENTERI"
    for role, width in {"F": 6, "G": 60, "I": 40, "J": 12, "K": 10, "O": 30}.items():
        ws.column_dimensions[col[role]].width = width
    if "hidden_columns" in quirks:
        for role in ("I", "L", "M"):
            if role in col:
                ws.column_dimensions[col[role]].hidden = True
    if "protected" in quirks:
        ws.protection.sheet = True
        ws.protection.password = "rahasia"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
