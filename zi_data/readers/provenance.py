"""What was read where (a submission's read_info), said in Bahasa Indonesia for `zi score` and the dashboard."""

from __future__ import annotations

from typing import Any

from .base import level_name
from .identity import FIELD_NAMES

MODES = {"hierarki": "menurut hierarki dan teks", "id": "menurut ID pertanyaan", "baris": "menurut nomor baris"}


def read_lines(read: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) lines: the sheet and header row, the column taken for each thing, matches, identity."""
    if not read:
        return []
    cols = read.get("columns", {})
    where = (f"baris judul {cols['baris_judul']}" if cols.get("baris_judul")
             else f"tanpa baris judul: posisi baku {cols.get('posisi_baku')}")
    lines = [("Dibaca dari", f"sheet '{read.get('sheet')}', {where}, {MODES.get(read.get('mode'), read.get('mode'))}")]
    parts = [f"{name} {cols[key]}" for key, name in (("hierarki", "hierarki"), ("bobot", "Bobot"),
                                                      ("pilihan_jawaban", "Pilihan Jawaban")) if cols.get(key)]
    lines.append(("Kolom", ", ".join(parts)))
    for lv in cols.get("tingkat", []):
        extra = [f"catatan {','.join(lv['catatan'])}"] if lv["catatan"] else []
        extra += [f"bukti {','.join(lv['bukti'])}"] if lv["bukti"] else []
        extra += [f"nilai {lv['nilai']}"] if lv.get("nilai") else []
        lines.append(("", f"{lv['label']} ({level_name(lv['level'])}): jawaban {lv['jawaban']}"
                          + (f"; {'; '.join(extra)}" if extra else "")))
    if cols.get("diabaikan"):
        lines.append(("", "diabaikan: " + ", ".join(f"{k} ({v})" for k, v in cols["diabaikan"].items())))
    answered = ", ".join(f"{lv['name']} {lv['answered']}" for lv in read.get("levels", []))
    lines.append(("Cocok", f"{read.get('matched')} dari {read.get('catalog_questions')} pertanyaan katalog; "
                           f"dijawab: {answered}"))
    ident = read.get("identity") or {}
    if ident:
        lines.append(("Identitas", "; ".join(f"{FIELD_NAMES.get(k, k)} dari {v}" for k, v in ident.items())))
    return lines

