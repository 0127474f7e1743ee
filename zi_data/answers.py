"""Turn a raw answer cell into a value by its answer type, and say why when it cannot.

What is certain is read, and the reading is said (Valued.note: "'Y' dibaca Ya"); what is not certain is
refused with its reason (Valued.problem), never guessed: "A/B" names two options, "90,5%" is no index on a
0-4 scale. The spellings units type for options ("Y", "Ada", a check mark, TRUE from a check box) and the
words they put before an option ("Jawaban B") are data: data/answer_spellings.csv.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .catalog import DATA_DIR, Edition, read_data_csv

# Cells that mean "not answered": empty, the workbook's own "Blm Diisi" placeholder, a dash. "#N/A" is an
# Excel error, never a blank: it is named like every other error.
BLANKS = {"", "-", "–", "blm diisi", "belum diisi", "n/a"}
# Excel error values arrive as text from calamine (or are put back from the sheet's XML); they are never an answer.
EXCEL_ERRORS = {"#ref!", "#div/0!", "#value!", "#name?", "#num!", "#null!", "#n/a", "#spill!", "#calc!",
                "#getting_data", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!"}


class Unevaluated(str):
    """A formula whose value was never calculated (a file written by a script or an app that does not calculate),
    put back by the reader as its formula text ("=SUM(...)"). A type of its own: text a person typed that starts
    with "=" (a cell holding "=" or "=Ya" as text, a CSV file) is text, never taken for a formula."""


def unevaluated(raw: Any) -> bool:
    return isinstance(raw, Unevaluated)

# Counts above this are typing mistakes (no unit has a million agents of change).
MAX_COUNT = 1_000_000
# White space as compared: Python's own, plus the zero-width characters and the byte-order mark that
# copying from web pages and chat leaves in cells.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
STRIP = " \t\n\r\x0b\x0c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028" \
        "\u2029\u202f\u205f\u3000" + INVISIBLE
_NO_INVISIBLE = str.maketrans("", "", INVISIBLE)


@dataclass(frozen=True)
class Valued:
    """What one cell is worth: its normalised answer, its value (None when not answered), a problem when it
    could not be valued, and a note when it was read from another spelling ("'Y' dibaca Ya")."""

    answer: str | None
    value: float | None
    problem: str | None = None
    note: str | None = None

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
        return raw.strip(STRIP).lower() in BLANKS
    if kind is float:
        return math.isnan(raw)
    if isinstance(raw, str):
        return raw.strip(STRIP).lower() in BLANKS
    return isinstance(raw, float) and math.isnan(raw)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return " ".join(str(raw).translate(_NO_INVISIBLE).split())


def parse_number(raw: Any, *, whole: bool = False) -> float | None:
    """A number from a cell: 3.6, "3,6", "1.234" (thousands when `whole`), "1.234,5", "85%".

    Returns None when the cell holds no readable number. A trailing % divides by 100.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw) if math.isfinite(raw) else None
    text = " ".join(str(raw).translate(_NO_INVISIBLE).split())
    percent = text.endswith("%")
    text = text.rstrip("%").rstrip()
    if " " in text:  # only a thousands separator may be a space ("1 250"); "3,6 4" is no number
        if not re.fullmatch(r"[-+]?\d{1,3}( \d{3})+([.,]\d+)?", text):
            return None
        text = text.replace(" ", "")
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


@lru_cache(maxsize=2)
def _spelling_rules(data_dir: Path = DATA_DIR) -> tuple[dict[str, str], tuple[str, ...], frozenset[str]]:
    """(spelling -> option, prefix words, words of agreement) from data/answer_spellings.csv, in lower case."""
    df = read_data_csv(data_dir, "answer_spellings.csv")
    synonyms = {r.spelling.casefold(): r.option for r in df.itertuples(index=False) if r.kind == "synonym"}
    prefixes = tuple(r.spelling.casefold() for r in df.itertuples(index=False) if r.kind == "prefix")
    agreement = frozenset(r.spelling.casefold() for r in df.itertuples(index=False) if r.kind == "agreement")
    return synonyms, prefixes, agreement


def agreement_word(raw: Any) -> bool:
    """Whether a cell says it agrees or disagrees ("Sesuai", "Tidak sesuai") instead of answering."""
    return isinstance(raw, str) and _text(raw).strip(STRIP).rstrip(".").casefold() in _spelling_rules()[2]


# Two options in one cell: "A/B", "b atau c", "Ya/Tidak", "A, B", "a & b".
_TWO = re.compile(r"^\(?([a-z]+)\)?\s*(?:/|\\|,|;|&|\+|-|atau|dan|or|and)\s*\(?([a-z]+)\)?(?:\W|$)")
# An option followed by more text: "B. Jika sebagian ...", "b) ...", "Ya, jika Tim telah dibentuk", "(c) ...".
_HEAD = re.compile(r"^\(?([a-z]+)\s*(?:[.):,;]|\s-|\s\()\s*(\S.*)$")
_PARENS = re.compile(r"^\(\s*([a-z]+)\s*\)?$|^([a-z]+)\s*\)$")


def _option(text: str, options: tuple[str, ...]) -> tuple[str | None, bool, str | None]:
    """(option as the catalog spells it, whether it was read from another spelling, why it was refused)."""
    spell = {o.casefold(): o for o in options}
    key = text.strip(STRIP).rstrip(".").strip(STRIP).casefold()
    if key in spell:
        return spell[key], False, None
    choices = "/".join(options)
    two = _TWO.match(key)
    if two and two.group(1) in spell and two.group(2) in spell and two.group(1) != two.group(2):
        return None, False, (f"jawaban '{text}' tidak sesuai pilihan {choices}: menyebut lebih dari satu pilihan "
                             f"({spell[two.group(1)]} dan {spell[two.group(2)]}), pilih satu")
    synonyms, prefixes, _ = _spelling_rules()
    for prefix in prefixes:  # "Jawaban B", "pilihan: a"
        if key.startswith(prefix + " ") or key.startswith(prefix + ":"):
            key = key[len(prefix):].lstrip(" :").rstrip(".").strip()
            break
    if key in spell:
        return spell[key], True, None
    if synonyms.get(key) in options:
        return synonyms[key], True, None
    parens = _PARENS.match(key)  # "a)", "(b)"
    if parens and (parens.group(1) or parens.group(2)) in spell:
        return spell[parens.group(1) or parens.group(2)], True, None
    head = _HEAD.match(key)
    if head and head.group(1) in spell:
        rest = head.group(2)
        other = re.match(r"^\(?([a-z]+)\)?(?:\W|$)", rest)
        if other and other.group(1) in spell:  # "a. b", "a, c": two options, not an option and its criterion
            return None, False, (f"jawaban '{text}' tidak sesuai pilihan {choices}: menyebut lebih dari satu "
                                 "pilihan, pilih satu")
        return spell[head.group(1)], True, None
    return None, False, f"jawaban '{text}' tidak sesuai pilihan {choices}"


# A survey index written with words around it: "3,62 (Sangat Baik)", "Baik: 3,62", "3,62 dari 4", "3,62/4".
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*%?")
_WORDS = re.compile(r"^[\sA-Za-z():\-–]*$")


def _number_in_words(text: str, scale_max: float) -> float | None:
    """The one index in a cell that also holds words: "3,62 (Sangat Baik)", "Baik: 3,62", "3,62/4", "3,62 dari 4"."""
    numbers = _NUMBER.findall(text)
    rest = _NUMBER.sub(" ", text)
    if any(n.endswith("%") for n in numbers):
        return None
    if len(numbers) == 2 and parse_number(numbers[1]) == scale_max and re.search(r"/|\bdari\b|\bof\b", rest):
        numbers, rest = numbers[:1], rest.replace("/", " ")  # the index and the scale it is on
    if len(numbers) != 1 or not _WORDS.match(rest):
        return None
    return parse_number(numbers[0])


def _survey(raw: Any, text: str, scale_max: float, least: float | None) -> Valued:
    scale = _fmt(scale_max)
    percent = (f"nilai survei '{text}' berupa persentase, padahal nilainya indeks 0-{scale}: tidak dinilai; isi "
               f"indeks hasil survei (0-{scale})")
    if isinstance(raw, str) and text.endswith("%"):
        return Valued(None, None, percent)
    number = parse_number(raw)
    note = None
    if number is None:
        number = _number_in_words(text, scale_max)
        if number is None:
            return Valued(None, None, percent if "%" in text else f"nilai survei '{text}' bukan angka")
        note = f"'{text}' dibaca {_shown(number)}"
    if not 0 <= number <= scale_max:
        hint = f" (tampaknya skala 0-100, bukan indeks 0-{scale})" if 10 < number <= 100 else ""
        return Valued(None, None, f"nilai survei {text} di luar rentang 0-{scale}{hint}: tidak dinilai; isi indeks "
                                  f"hasil survei (0-{scale})")
    if least is not None and number < least:
        return Valued(None, None, f"nilai survei {text} lebih kecil dari {_fmt(least)}, nilai terendah indeks survei "
                                  f"(mungkin persentase yang ditulis sebagai pecahan): tidak dinilai; isi indeks "
                                  f"hasil survei ({_fmt(least)}-{scale})")
    return Valued(_fmt(number), number / scale_max, None, note)


def _count(raw: Any, text: str) -> Valued:
    if isinstance(raw, str) and raw.strip(STRIP).endswith("%"):
        return Valued(None, None, f"jumlah '{text}' berupa persentase: isi dengan bilangan (jumlah orang/berkas)")
    number = parse_number(raw, whole=True)
    note = None
    if number is None and isinstance(raw, str):
        # "12 orang", "3 dokumen": one whole number and words
        found = _NUMBER.findall(text)
        if len(found) == 1 and not found[0].endswith("%") and _WORDS.match(_NUMBER.sub(" ", text)) \
                and re.search(r"[A-Za-z]", text):
            number = parse_number(found[0], whole=True)
            note = f"'{text}' dibaca {_shown(number)}" if number is not None else None
    if number is None:
        return Valued(None, None, f"jumlah '{text}' bukan angka")
    if number < 0:
        return Valued(None, None, f"jumlah {text} negatif")
    if number > MAX_COUNT:
        return Valued(None, None, f"jumlah {text} tidak wajar (lebih dari {MAX_COUNT:,})".replace(",", "."))
    if abs(number - round(number)) > 1e-9:
        return Valued(None, None, f"jumlah {text} bukan bilangan bulat: isi dengan jumlah orang/berkas")
    return Valued(_fmt(round(number)), float(round(number)), None, note)


def value_of(raw: Any, kind: str, options: dict[str, float] | tuple | None = None,
             scale_max: float | None = None, least: float | None = None) -> Valued:
    """Value a raw cell. `kind` is the answer type's kind: option, count, survey or percent; `options` the
    answer type's options with their values, `scale_max` and `least` a survey's scale and its least plausible
    value."""
    if is_blank(raw):
        return NOT_ANSWERED
    opts = options if options is None or type(options) is tuple else tuple(options.items())
    return _valued(raw, kind, opts, scale_max, least)


@dataclass(frozen=True, eq=False)  # hashed by identity: one per question of an edition (answer_kinds)
class AnswerKind:
    """What value_of needs to value a question's cells."""

    kind: str
    options: tuple | None  # (option, value) pairs
    scale_max: float | None
    least: float | None


@lru_cache(maxsize=65536, typed=True)
def value_cell(raw: Any, spec: AnswerKind) -> Valued:
    """value_of for a cell of a question (its answer_kinds entry), cached: the same cells ("Ya", "A", 5, 3.6) come
    back in file after file, and the reader and the scorer both ask. Cells are what a workbook holds (text,
    numbers, booleans, dates): hashable."""
    return value_of(raw, spec.kind, spec.options, spec.scale_max, spec.least)


def _valued(raw: Any, kind: str, options: tuple | None, scale_max: float | None, least: float | None) -> Valued:
    text = _text(raw)
    low = text.lower()
    if low in EXCEL_ERRORS:
        return Valued(None, None, f"sel berisi galat Excel {text}")
    if unevaluated(raw):
        return Valued(None, None, f"sel berisi rumus tanpa nilai tersimpan ({text[:40]}): buka berkas di Excel atau "
                                  "LibreOffice, simpan ulang, lalu muat lagi")
    if kind == "option":
        assert options is not None
        values = dict(options)
        option, mapped, problem = _option(text, tuple(values))
        if option is None:
            return Valued(None, None, problem)
        return Valued(option, values[option], None, f"'{_cut(text)}' dibaca {option}" if mapped else None)
    if kind == "count":
        return _count(raw, text)
    if kind == "survey":
        assert scale_max is not None
        return _survey(raw, text, scale_max, least)
    if kind == "percent":
        # Percent items are computed from their count inputs; a typed percentage is not used.
        return NOT_ANSWERED
    raise ValueError(f"unknown answer kind {kind!r}")


@lru_cache(maxsize=8)
def answer_kinds(ed: Edition) -> dict[str, AnswerKind]:
    """question_id -> what value_of needs for its cells (kind, options, scale, least plausible value)."""
    types = ed.answer_types.set_index("answer_type")
    by_type: dict[str, AnswerKind] = {}
    for name in types.index:
        scale, least = types.at[name, "scale_max"], types.at[name, "plausible_min"]
        options = ed.options.get(name)
        by_type[name] = AnswerKind(types.at[name, "kind"], tuple(options.items()) if options else None,
                                   None if math.isnan(scale) else float(scale),
                                   None if math.isnan(least) else float(least))
    return {q.question_id: by_type[q.answer_type] for q in ed.questions.itertuples(index=False)}


@lru_cache(maxsize=1)
def _every_option() -> tuple[str, ...]:
    return ("Ya", "Tidak", "A", "B", "C", "D", "E")


def option_like(raw: Any) -> bool:
    """Whether a cell holds an option of some answer type (Ya, tidak, "b.", "B. Jika ...", a check mark):
    a column of these holds answers, whatever its header says."""
    if is_blank(raw) or isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return False
    return _option(_text(raw), _every_option())[0] is not None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def _cut(text: str, n: int = 30) -> str:
    """A cell's text shortened for a message ("b. Jika sebagian menggunakan pr...")."""
    return text if len(text) <= n else text[: n - 3] + "..."


def _shown(number: float) -> str:
    """A number as a person reads it in a message: decimal comma."""
    return _fmt(number).replace(".", ",")
