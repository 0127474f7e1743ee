"""Turn a raw answer cell into a value by its answer type, and say why when it cannot."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Cells that mean "not answered": empty, the workbook's own "Blm Diisi" placeholder, a dash.
BLANKS = {"", "-", "–", "blm diisi", "belum diisi", "n/a", "#n/a"}
# Excel error values arrive as text from calamine; they are never an answer.
EXCEL_ERRORS = {"#ref!", "#div/0!", "#value!", "#name?", "#num!", "#null!", "#n/a", "#spill!", "#calc!"}
# Counts above this are typing mistakes (no unit has a million agents of change).
MAX_COUNT = 1_000_000


@dataclass(frozen=True)
class Valued:
    """What one cell is worth: its normalised answer, its value (None when not answered) and a problem."""

    answer: str | None
    value: float | None
    problem: str | None = None

    @property
    def answered(self) -> bool:
        return self.value is not None


NOT_ANSWERED = Valued(None, None)


def is_blank(raw: Any) -> bool:
    # called for every cell read: exact type checks first (bool, int and float subclasses are not blank)
    if raw is None:
        return True
    kind = type(raw)
    if kind is str:
        return raw.strip().lower() in BLANKS
    if kind is float:
        return math.isnan(raw)
    if isinstance(raw, str):
        return raw.strip().lower() in BLANKS
    return isinstance(raw, float) and math.isnan(raw)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return " ".join(str(raw).split())


def parse_number(raw: Any, *, whole: bool = False) -> float | None:
    """A number from a cell: 3.6, "3,6", "1.234" (thousands when `whole`), "1.234,5", "85%".

    Returns None when the cell holds no readable number. A trailing % divides by 100.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw) if math.isfinite(raw) else None
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "")
    percent = text.endswith("%")
    text = text.rstrip("%")
    if not re.fullmatch(r"[-+]?[\d.,]*\d[\d.,]*", text):
        return None
    if "," in text and "." in text:
        # The separator that comes last is the decimal one: "1.234,5" and "1,234.5".
        dec, thou = (",", ".") if text.rfind(",") > text.rfind(".") else (".", ",")
        text = text.replace(thou, "").replace(dec, ".")
    elif "," in text:
        text = text.replace(",", "") if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+", text) and whole else text.replace(",", ".")
    elif "." in text and whole and re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")  # Indonesian thousands separator in a count
    try:
        number = float(text)
    except ValueError:
        return None
    return number / 100 if percent else number


@lru_cache(maxsize=64)
def _spellings(options: tuple[str, ...]) -> dict[str, str]:
    """Each option as compared (lower case) -> as the catalog spells it."""
    return {option.casefold(): option for option in options}


def value_of(raw: Any, kind: str, options: dict[str, float] | None = None,
             scale_max: float | None = None) -> Valued:
    """Value a raw cell. `kind` is the answer type's kind: option, count, survey or percent."""
    if is_blank(raw):
        return NOT_ANSWERED
    text = _text(raw)
    if text.lower() in EXCEL_ERRORS:
        return Valued(None, None, f"sel berisi galat Excel {text}")
    if kind == "option":
        assert options is not None
        # "ya", " Ya ", "YA", "a", "A." -> the option as the catalog spells it
        option = _spellings(tuple(options)).get(text.strip().rstrip(".").strip().casefold())
        if option is None:
            choices = "/".join(options)
            return Valued(None, None, f"jawaban '{text}' tidak sesuai pilihan {choices}")
        return Valued(option, options[option])
    if kind == "count":
        number = parse_number(raw, whole=True)
        if isinstance(raw, str) and raw.strip().endswith("%"):
            return Valued(None, None, f"jumlah '{text}' berupa persentase: isi dengan bilangan (jumlah orang/berkas)")
        if number is None:
            return Valued(None, None, f"jumlah '{text}' bukan angka")
        if number < 0:
            return Valued(None, None, f"jumlah {text} negatif")
        if number > MAX_COUNT:
            return Valued(None, None, f"jumlah {text} tidak wajar (lebih dari {MAX_COUNT:,})".replace(",", "."))
        return Valued(_fmt(number), number)
    if kind == "survey":
        assert scale_max is not None
        number = parse_number(raw)
        if number is None:
            return Valued(None, None, f"nilai survei '{text}' bukan angka")
        if not 0 <= number <= scale_max:
            return Valued(None, None, f"nilai survei {text} di luar rentang 0-{_fmt(scale_max)}")
        return Valued(_fmt(number), number / scale_max)
    if kind == "percent":
        # Percent items are computed from their count inputs; a typed percentage is not used.
        return NOT_ANSWERED
    raise ValueError(f"unknown answer kind {kind!r}")


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))
