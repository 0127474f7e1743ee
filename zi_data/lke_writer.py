"""Write a workbook in the "LKE ZI" layout of PermenPANRB 90/2021, optionally with the quirks of real files.

Used for demo data and, with `quirks`, to build test fixtures shaped like the workbooks units send.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from .catalog import Edition

QUIRKS = {
    "no_dot",  # question letters without a dot: "a" instead of "a."
    "out_of_order",  # the last two letters of an indicator swapped (c. before b.)
    "trailing_space",  # letters and texts padded with spaces
    "type_ya",  # answer type "Ya" instead of "Ya/Tidak"
    "lower_padded",  # answers typed " a ", "ya "
    "spacer",  # an empty row inside an indicator
    "hidden_sheets",  # the two hidden leftover sheets of the real file
    "signature",  # the minister's signature block after the table
    "column_a_noise",  # unreliable numbers in column A
    "merged",  # indicator names merged across F:G, as in the real file
    "no_identity",  # no Identitas sheet (identity from the file name only)
}
TYPE_LABELS = {"YA_TIDAK": "Ya/Tidak", "ABC": "A/B/C", "ABCD": "A/B/C/D", "ABCDE": "A/B/C/D/E", "SURVEI": "Nilai (0-4)",
               "JUMLAH": "Jumlah", "PERSEN": "%"}


def write_lke_zi(path: Path, ed: Edition, unit: str, instansi: str, year: int, answers: dict[str, Any],
                 notes: dict[str, str] | None = None, quirks: set[str] | frozenset[str] = frozenset(),
                 own_figures: dict[str, float] | None = None, subtotals: dict[str, Any] | None = None,
                 seed: int = 1) -> Path:
    """Write the sheet; `own_figures` puts cached numbers in column L (indicator/area ids, PENGUNGKIT,
    HASIL, TOTAL, GROUP:<name>), `subtotals` types a "Jumlah yang harus melaporkan" row under the
    percent item given (e.g. {"P7": 12})."""
    unknown = set(quirks) - QUIRKS
    if unknown:
        raise ValueError(f"unknown quirks {unknown}")
    notes, own, subtotals = notes or {}, own_figures or {}, subtotals or {}
    rng = random.Random(seed)
    wb = Workbook()
    ws = wb.active
    ws.title = "LKE ZI"
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
    ws["B1"] = "LAMPIRAN III PERATURAN MENTERI PANRB NOMOR 90 TAHUN 2021"
    for col, label in zip("ABHIJKLMO", ("1", "Penilaian", "Bobot", "Penjelasan", "Pilihan Jawaban", "Jawaban", "Nilai",
                                        " %", "Catatan/Keterangan/Penjelasan"), strict=True):
        ws[f"{col}2"] = label
        ws[f"{col}2"].font = Font(bold=True)
    pad = " " if "trailing_space" in quirks else ""
    r = 3
    s = ed.structure
    questions = ed.questions
    rules = ed.percent_rules.set_index("question_id")

    def put(row: int, **cells: Any) -> None:
        for col, value in cells.items():
            ws[f"{col}{row}"] = value
        if "column_a_noise" in quirks:
            ws[f"A{row}"] = rng.randint(1, 400)

    def letter(text: str) -> str:
        if not text or text == "-":
            return text
        return (text if "no_dot" in quirks else f"{text}.") + pad

    def answer(qid: str, atype: str) -> Any:
        value = answers.get(qid)
        if isinstance(value, str) and "lower_padded" in quirks:
            return f" {value.lower()} "
        return value

    def question_rows(qs) -> None:
        nonlocal r
        qs = list(qs.itertuples(index=False))
        scored = [q for q in qs if q.role == "scored"]
        if "out_of_order" in quirks and len(scored) >= 3:  # the letters of the last two swap places
            i, j = qs.index(scored[-2]), qs.index(scored[-1])
            qs[i], qs[j] = qs[j], qs[i]
        spacer_after = scored[0].question_id if "spacer" in quirks and len(scored) > 1 else None
        for q in qs:
            if q.role == "count" and _is_input_of_rule(q.question_id, rules):
                continue  # written under their percent row
            typ = TYPE_LABELS[q.answer_type]
            if q.answer_type == "YA_TIDAK" and "type_ya" in quirks:
                typ = "Ya"
            if q.role == "percent":
                put(r, F=letter(q.letter), G=q.text + pad, J="%")
                r += 1
                rule = rules.loc[q.question_id]
                inputs = list(dict.fromkeys([*rule["b"], *rule["a"]]))
                for cid in inputs:
                    c = questions.set_index("question_id").loc[cid]
                    put(r, G=f"- {c.text}", J="Jumlah", K=answers.get(cid), O=notes.get(cid))
                    r += 1
                    if q.question_id in subtotals and cid == rule["b"][-1]:
                        put(r, F="-", G="Jumlah yang harus melaporkan", J="Jumlah", K=subtotals[q.question_id])
                        r += 1
                continue
            put(r, F=letter(q.letter) if q.role == "scored" else None,
                G=(f"- {q.text}" if q.role == "count" else q.text) + pad, I=q.criteria or None, J=typ,
                K=answer(q.question_id, q.answer_type), O=notes.get(q.question_id))
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
            ws.merge_cells(f"F{r}:G{r}")
        r += 1

    for komp in s[s["level"] == "komponen"].itertuples():
        put(r, B=komp.code, C=komp.name.upper(), H=float(komp.weight))
        r += 1
        if komp.node_id == "PENGUNGKIT":
            for part in s[s["parent_id"] == komp.node_id].itertuples():
                put(r, C=part.code, D=part.name.upper(), H=float(part.weight), L=own.get(part.node_id))
                r += 1
                for area in s[s["parent_id"] == part.node_id].itertuples():
                    put(r, D=area.code, E=area.name.upper(), H=float(area.weight), L=own.get(area.node_id))
                    r += 1
                    inds = ed.indicators[ed.indicators["area_id"] == area.node_id]
                    groups_done: set[str] = set()
                    for ind in inds.itertuples():
                        if ind.group_name and ind.group_name not in groups_done:
                            groups_done.add(ind.group_name)
                            members = inds[inds["group_name"] == ind.group_name]
                            put(r, E=ind.code.replace("a.", "iii."), F=ind.group_name,
                                H=float(members["weight"].sum()), J="%", L=own.get(f"GROUP:{ind.group_name}"))
                            r += 1
                            indicator_row(ind, "E")
                        elif ind.group_name:
                            indicator_row(ind, None)  # the second member has no code, as in the real file
                        else:
                            indicator_row(ind)
                        question_rows(questions[questions["indicator_id"] == ind.indicator_id])
            put(r, B="TOTAL PENGUNGKIT", L=own.get("PENGUNGKIT"))
            r += 2
        else:
            for area in s[s["parent_id"] == komp.node_id].itertuples():
                put(r, C=area.code, D=area.name.upper(), H=float(area.weight), L=own.get(area.node_id))
                r += 1
                for n, ind in enumerate(ed.indicators[ed.indicators["area_id"] == area.node_id].itertuples()):
                    q = questions[questions["indicator_id"] == ind.indicator_id].iloc[0]
                    put(r, D="ab"[n], E=q.text, H=float(ind.weight), I=q.criteria or None,
                        J=TYPE_LABELS[q.answer_type], K=answer(q.question_id, q.answer_type),
                        L=own.get(ind.indicator_id), O=notes.get(q.question_id))
                    r += 1
            put(r, B="TOTAL HASIL", L=own.get("HASIL"))
            r += 2
    put(r, B="NILAI EVALUASI ZONA INTEGRITAS", L=own.get("TOTAL"))
    if "signature" in quirks:
        ws[f"J{r + 5}"] = "MENTERI PENDAYAGUNAAN APARATUR NEGARA DAN REFORMASI BIROKRASI"
        ws[f"K{r + 11}"] = "ttd"
        ws[f"J{r + 14}"] = "NAMA MENTERI"
    for col, width in {"F": 6, "G": 60, "I": 40, "J": 12, "K": 10, "O": 30}.items():
        ws.column_dimensions[col].width = width
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _is_input_of_rule(qid: str, rules) -> bool:
    return any(qid in (*rule["a"], *rule["b"]) for _, rule in rules.iterrows())
