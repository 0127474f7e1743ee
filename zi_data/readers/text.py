"""How a sheet's text is compared with the catalog's: word overlap, ignoring case, punctuation and filler words."""

from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset({"jumlah", "yang", "dan", "di", "dalam", "untuk", "atas", "terhadap", "dengan", "pada", "dari",
                       "ke", "telah", "oleh", "secara", "atau", "a", "b", "c", "d", "e", "f", "g", "h", "i", "ii",
                       "iii", "iv", "v"})


@lru_cache(maxsize=16384)
def tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in re.split(r"[^0-9a-z]+", text.casefold()) if t and t not in STOPWORDS)


@lru_cache(maxsize=65536)
def similarity(sheet_text: str, catalog_text: str) -> float:
    """Word-overlap F1 (0..1), plus a hair of length similarity to break ties.

    F1 rather than containment: "Jumlah yang harus melaporkan" (a subtotal row) is contained in
    "Jumlah Kepala satuan kerja yang harus melaporkan" but covers little of it. Cached: the same sheet
    texts meet the same catalog texts in file after file.
    """
    a, b = tokens(str(sheet_text)), tokens(str(catalog_text))
    if not a or not b:
        return 0.0
    common = len(a & b)
    f1 = 2 * common / (len(a) + len(b)) if common else 0.0
    la, lb = len(sheet_text), len(catalog_text)
    return f1 + 0.01 * min(la, lb) / max(la, lb, 1)


def same_question(sheet_text: str, catalog_text: str, threshold: float) -> bool:
    """Cheap check that a row still holds its catalog question (identical text needs no scoring)."""
    if " ".join(sheet_text.split()).casefold() == " ".join(catalog_text.split()).casefold():
        return True
    a, b = tokens(sheet_text), tokens(catalog_text)
    return bool(a and b) and 2 * len(a & b) / (len(a) + len(b)) >= threshold
