"""Judge each assessment level's answers once the rows are read: every cell valued once, then each level is kept,
refused on its own with what its cells hold, or the whole workbook is refused with the real cause.

- Formulas without a cached value (a file written by a script or an app that does not calculate) are never
  read as blank: the workbook is refused naming the cells and what to do.
- A level whose column holds no answers ("Sesuai"/"Tidak sesuai", evidence texts) is refused alone, saying what
  the column holds; the other levels are kept. Only when no level is left is the workbook refused.
- A level below the completeness threshold (data/settings.csv) or with an area it answered nothing of is
  marked "perlu diperiksa": scored by the rules, but it only looks complete.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

from ..answers import (
    EXCEL_ERRORS,
    NOT_ANSWERED,
    agreement_word,
    answer_kinds,
    is_blank,
    option_like,
    unevaluated,
    value_cell,
)
from ..catalog import Edition
from .base import ReadError, Workbook, level_name, settings
from .columns import Columns
from .excel import cell_text, col_letter

# A column is taken for no answers at all when at least this many of its option cells, and this share of
# them, are no option of any answer type.
MIN_BAD_CELLS, BAD_SHARE = 10, 0.5
# Cells named in a message before "dan N lainnya".
NAMED = 8


def judge_levels(wb: Workbook, ed: Edition, cols: Columns, sheet: str) -> None:
    """Value every answer cell; refuse levels or the workbook where the cells say so; count each level's valued
    answers (wb.counted) and mark the incomplete ones (wb.needs_review)."""
    kinds = answer_kinds(ed)
    column = {lc.level.key: lc for lc in cols.levels}
    valued: dict[str, set[str]] = {lv.key: set() for lv in wb.levels}
    others: dict[str, int] = {}  # per level, the cells that hold something but no value
    formulas: list[str] = []
    errors: dict[str, list[str]] = {}
    strangers: dict[str, list[tuple[Any, int]]] = {}  # level -> option cells that hold no option of any type
    unvalued: dict[str, list[str]] = {}  # level -> the first cells that could not be valued, with why
    for key, qid, raw, _, _, _, row in wb.rows:  # every answer cell of every file: a valued one costs one lookup
        if raw is None:
            continue
        spec = kinds[qid]
        v = value_cell(raw, spec)
        if v.value is not None:
            valued[key].add(qid)
            continue
        if v is NOT_ANSWERED:  # a blank ("-", "Blm Diisi")
            continue
        others[key] = others.get(key, 0) + 1
        where = f"{col_letter(column[key].answer)}{row}" if key in column else f"baris {row}"
        text = cell_text(raw)
        if len(unvalued.setdefault(key, [])) < 3:
            unvalued[key].append(f"{where} {qid}: {v.problem}")
        if unevaluated(raw):
            formulas.append(where)
        elif text.lower() in EXCEL_ERRORS:
            errors.setdefault(key, []).append(f"{text} di {where}")
        elif spec.kind == "option" and not option_like(raw) and not isinstance(raw, (int, float)):
            strangers.setdefault(key, []).append((raw, row))
    filled = {k: len(valued[k]) + others.get(k, 0) for k in valued if valued[k] or others.get(k)}
    if not filled:
        raise ReadError(wb.path, f"workbook kosong: belum ada jawaban ({len(wb.matched)} dari {len(ed.answerable)} "
                        "pertanyaan katalog dikenali, tidak satu pun dijawab): tidak dinilai", sheet=sheet)
    if formulas:
        raise ReadError(wb.path, f"{len(formulas)} sel jawaban berisi rumus tanpa nilai tersimpan ({_listed(formulas)}):"
                        " berkas ini ditulis oleh aplikasi atau skrip yang tidak menghitung rumus, sehingga nilainya "
                        "kosong, bukan jawaban kosong. Buka berkas di Excel atau LibreOffice Calc, simpan ulang (nilainya "
                        "dihitung saat disimpan), lalu muat lagi", sheet=sheet)
    refused: dict[str, str] = {}
    for lv in wb.levels:
        key = lv.key
        if key not in filled:
            continue
        lc = column.get(key)
        bad = strangers.get(key, [])
        label = f"kolom {col_letter(lc.answer)} ('{lv.label}')" if lc else f"tingkat {lv.name}"
        options = _option_cells(wb, kinds, key) if len(bad) >= MIN_BAD_CELLS else 0
        if len(bad) >= MIN_BAD_CELLS and len(bad) >= BAD_SHARE * options:
            refused[key] = _no_answers(label, lv.name, bad, options, cols.fallback is not None)
        elif not valued.get(key):
            what = (f"{len(errors[key])} sel berisi galat Excel ({_listed(errors[key])})" if key in errors
                    else f"{filled[key]} sel terisi, tidak satu pun dapat dinilai ({'; '.join(unvalued[key])})")
            refused[key] = f"{label} tidak berisi jawaban yang dapat dinilai: {what}"
    kept = [lv for lv in wb.levels if lv.key in filled and lv.key not in refused]
    if not kept:
        raise ReadError(wb.path, "; ".join(refused.values()) or "tidak ada jawaban yang dapat dinilai", sheet=sheet)
    for lv in wb.levels:
        if lv.key in refused:
            wb.warn(f"tingkat {lv.name} tidak dinilai, tingkat lain tetap dinilai: {refused[lv.key]}", sheet)
    if refused:
        wb.levels = [lv for lv in wb.levels if lv.key not in refused]
        wb.rows = [r for r in wb.rows if r[0] not in refused]
        wb.__dict__.pop("_answered", None)  # rebuilt from the rows that are left
    wb.counted = {lv.key: len(valued.get(lv.key, ())) for lv in wb.levels if lv.key in filled}
    wb.valued = {k: frozenset(valued.get(k, ())) for k in wb.counted}


def _option_cells(wb: Workbook, kinds: dict, key: str) -> int:
    """How many cells of a level answer a question of options (Ya/Tidak, A-E)."""
    return sum(1 for k, qid, raw, *_ in wb.rows if k == key and kinds[qid].kind == "option" and not is_blank(raw))


def mark_incomplete(wb: Workbook, ed: Edition, sheet: str) -> None:
    """Mark the workbook "perlu diperiksa" where a level only looks complete (completeness_reasons); the areas the
    sheet lacks altogether are the coverage check's to name."""
    reasons = completeness_reasons(wb.valued, ed, wb.matched)
    if reasons:
        wb.needs_review = "; ".join(([wb.needs_review] if wb.needs_review else []) + reasons)
        wb.warn(f"perlu diperiksa: {'; '.join(reasons)}: nilainya dihitung menurut aturan, tetapi tidak "
                "diperingkat bersama berkas yang lengkap", sheet)


def completeness_reasons(answered: dict[str, frozenset[str] | set[str]], ed: Edition,
                         present: set[str] | frozenset[str] | None = None) -> list[str]:
    """Why levels only look complete: fewer valued answers than the threshold's share of the catalog, or an area
    with none. `answered` maps each level to the catalog questions it answered with a value; `present`, when
    given, the questions the sheet has (an area it lacks altogether is not called unanswered)."""
    areas = _areas(ed)
    catalog = frozenset().union(*areas.values())
    total = len(catalog)
    minimum = settings()["min_level_completeness"]
    out = []
    for key, qids in answered.items():
        count = len(catalog & qids)
        empty = [ed.area_labels[area] for area, ids in areas.items()
                 if not ids & qids and (not present or ids & present)]
        parts = []
        if count < minimum * total:
            parts.append(f"hanya {count} dari {total} pertanyaan dijawab ({_pct(count / total)}; batas "
                         f"{_pct(minimum)})")
        if empty:
            more = f" dan {len(empty) - 4} area lain" if len(empty) > 4 else ""
            parts.append(f"area {', '.join(empty[:4])}{more} belum dijawab sama sekali")
        if parts:
            out.append(f"tingkat {level_name(key)}: {' dan '.join(parts)}")
    return out


@lru_cache(maxsize=8)
def _areas(ed: Edition) -> dict[str, frozenset[str]]:
    """Area node id -> the answerable questions under it, in catalog order."""
    area_of = dict(zip(ed.indicators["indicator_id"], ed.indicators["area_id"], strict=True))
    out: dict[str, set[str]] = {a: set() for a in ed.areas["node_id"]}
    for q in ed.answerable.itertuples(index=False):
        out[area_of[q.indicator_id]].add(q.question_id)
    return {a: frozenset(ids) for a, ids in out.items() if ids}


def _no_answers(label: str, name: str, bad: list[tuple[Any, int]], option_cells: int, fallback: bool) -> str:
    """What a column that holds no answers holds, and what to do about it."""
    text = (f"{label} tidak berisi jawaban yang sah: {len(bad)} dari {option_cells} sel pertanyaan pilihan bukan "
            f"pilihan jawaban, melainkan {_examples(bad)}")
    if fallback:  # the sheet has no header: its columns were assumed, and they moved
        return text + "; kolom jawaban salah dikenali, beri judul kolom 'Jawaban'"
    if sum(1 for raw, _ in bad if agreement_word(raw)) >= BAD_SHARE * len(bad):
        return (text + f": tampaknya persetujuan atas jawaban Unit, bukan jawaban {name} sendiri; isi kolom itu dengan "
                "pilihan jawaban (Ya/Tidak, A-E, angka) agar tingkat ini dapat dinilai")
    return text + "; isi kolom itu dengan pilihan jawaban (Ya/Tidak, A-E, angka) agar tingkat ini dapat dinilai"


def _examples(bad: list[tuple[Any, int]]) -> str:
    """The commonest values of a column: "'Sesuai' (80 sel), 'Tidak sesuai' (40 sel)"."""
    counts = Counter(cell_text(raw)[:40] for raw, _ in bad)
    first_row = {}
    for raw, row in bad:
        first_row.setdefault(cell_text(raw)[:40], row)
    shown = [f"'{t}' ({n} sel, mis. baris {first_row[t]})" if n > 1 else f"'{t}' (baris {first_row[t]})"
             for t, n in counts.most_common(3)]
    more = len(counts) - 3
    return ", ".join(shown) + (f" dan {more} isian lain" if more > 0 else "")


def _listed(cells: list[str]) -> str:
    return ", ".join(cells[:NAMED]) + (f" dan {len(cells) - NAMED} lainnya" if len(cells) > NAMED else "")


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"
