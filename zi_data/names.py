"""Unit and instansi names: read without invisible characters, compared and keyed, letters that mimic Latin found."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

# Characters that show nothing but make two names that look the same different strings: besides Unicode's format
# characters (zero-width spaces and joiners, the bidirectional marks, embeddings, overrides and isolates, the soft
# hyphen, the byte order mark: category Cf), the fillers drawn as blanks.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Scripts whose letters look like Latin ones (Cyrillic "а" beside Latin "a", Greek "Ο" beside "O" ...): in the
# names of Indonesian government units they can only mimic another name. Script (Unicode name) -> how it is said.
LOOKALIKE_SCRIPTS = {"CYRILLIC": "Kiril", "GREEK": "Yunani", "ARMENIAN": "Armenia", "CHEROKEE": "Cherokee",
                     "COPTIC": "Koptik", "LISU": "Lisu"}


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ch in BLANK_LETTERS


def clean(text: Any) -> str:
    """A name as it is stored and shown: compatibility forms folded to their letters (NFKC: full-width "Ｄｉｎａｓ",
    mathematical bold "𝐃𝐢𝐧𝐚𝐬" are "Dinas"), invisible characters taken out, spaces collapsed. Two names a reader
    cannot tell apart this way become one name, so one unit."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return " ".join("".join(ch for ch in text if not _invisible(ch)).split())


def lookalikes(text: Any) -> list[tuple[str, str]]:
    """The letters of a name from scripts that mimic Latin, each once, with the script's name: [("е", "Kiril")]."""
    found: dict[str, str] = {}
    for ch in clean(text):
        script = unicodedata.name(ch, "").split(" ")[0]
        if ch.isalpha() and script in LOOKALIKE_SCRIPTS:
            found.setdefault(ch, LOOKALIKE_SCRIPTS[script])
    return list(found.items())


def shown(text: Any) -> str:
    """A name as the dashboard lists it: clean(), and a mark naming the scripts when it holds letters that mimic
    Latin ones ("Dinas Kesеhatan ⚠ huruf Kiril"), so it is never listed as a twin of the name it copies."""
    name = clean(text)
    scripts = list(dict.fromkeys(script for _, script in lookalikes(name)))
    return f"{name} ⚠ huruf {', '.join(scripts)}" if scripts else name


def problems(text: Any, what: str) -> list[str]:
    """What a reader should know about a name as written in a file (Bahasa Indonesia; `what` says which name):
    invisible characters taken out, letters written in another form, letters that mimic Latin ones."""
    raw = "" if text is None else str(text)
    name = clean(raw)
    out = []
    hidden = sorted({f"U+{ord(ch):04X}" for ch in unicodedata.normalize("NFKC", raw) if _invisible(ch)})
    if hidden:
        out.append(f"{what} '{name}' memuat karakter tak terlihat ({', '.join(hidden)}) yang dibuang: nama disimpan "
                   "tanpa karakter itu")
    if " ".join(raw.split()) != name and not hidden:
        out.append(f"{what} '{raw}' ditulis dengan bentuk huruf khusus dan dibaca sebagai '{name}'")
    letters = lookalikes(name)
    if letters:
        listed = ", ".join(f"'{ch}' (huruf {script})" for ch, script in letters)
        mark = shown(name)[len(name) + 1:]
        out.append(f"{what} '{name}' memuat huruf bukan Latin yang dapat tampak sama dengan huruf Latin: "
                   f"{listed}. Nama ini lain dari nama yang sama bunyinya dalam huruf Latin; di dasbor ditandai '{mark}'")
    return out


def norm_name(text: Any) -> str:
    """How unit and instansi names are compared: case, spaces, punctuation and invisible characters do not count."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in clean(text).casefold()).split())


def unit_id(unit: str, instansi: str) -> str:
    """A unit's key: its instansi and name as compared (norm_name), hashed; the same for every way of writing them."""
    return hashlib.md5(f"{norm_name(instansi)}|{norm_name(unit)}".encode()).hexdigest()[:16]


def similar_names(name: str, names, typos: int = 2) -> list[str]:
    """The names a person would take for `name`: the same once case, spaces and punctuation are left out, or a
    typo apart ("Kementrian Agama" for "Kementerian Agama": at most `typos` letters, and at most one in eight,
    so "Kabupaten Bogor" and "Kabupaten Bone" stay two names). The closest first; `name` itself is left out."""
    key = norm_name(name)
    found = []
    for other in dict.fromkeys(names):
        other_key = norm_name(other)
        if other == name or not other_key:
            continue
        limit = min(typos, min(len(key), len(other_key)) // 8)
        distance = 0 if other_key == key else _edits(key, other_key, limit)
        if distance <= limit:
            found.append((distance, other))
    return [other for _, other in sorted(found)]


def _edits(a: str, b: str, limit: int) -> int:
    """Letters to insert, delete or change to turn a into b (Levenshtein), or limit + 1 once it is more."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > limit:
            return limit + 1
    return row[-1]
