"""The contract every workbook reader fulfils: a Workbook of raw answers with provenance, or a ReadError."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..answers import is_blank
from ..catalog import DATA_DIR, read_data_csv

# One row per answer cell read: which assessment level answered (unit, tpi_1, tpi, tpn), which catalog
# question, the raw cell, the note and evidence beside it, and where it came from.
ANSWER_COLUMNS = ["assessor", "question_id", "raw", "note", "evidence", "sheet", "row"]
# Key prefix in Workbook.own_figures for an indicator group (group_name in indicators.csv).
GROUP_PREFIX = "GROUP:"
# The order of assessment levels, from the unit up; "tpi" is always the last TPI level (the one a
# proposal to the national team is judged on), earlier TPI levels are tpi_1, tpi_2, ...
KIND_ORDER = {"unit": 0, "tpi": 1, "tpn": 2}


@lru_cache(maxsize=2)
def settings(data_dir: Path = DATA_DIR) -> dict[str, float]:
    """Reading policies kept as data (data/settings.csv)."""
    df = read_data_csv(data_dir, "settings.csv")
    return {r.key: float(r.value) for r in df.itertuples(index=False)}


class ReadError(Exception):
    """A workbook that cannot be read; the message is in Bahasa Indonesia and names file, sheet and row."""

    def __init__(self, path: str | Path, reason: str, sheet: str | None = None, row: int | None = None):
        self.path, self.reason, self.sheet, self.row = str(path), reason, sheet, row
        where = Path(path).name
        if sheet:
            where += f", sheet '{sheet}'"
        if row:
            where += f", baris {row}"
        super().__init__(f"{where}: {reason}")


class NoFormError(ReadError):
    """A file that holds no LKE form at all (as opposed to a form that cannot be read): a CSV refused this way may
    still be one of the small tables (survey, roster, TPN results)."""


@dataclass(frozen=True)
class Level:
    """One assessment level of a workbook: who answered (kind), its key, and its column label as written."""

    key: str  # unit | tpi_1, tpi_2, ... | tpi | tpn
    kind: str  # unit | tpi | tpn
    label: str  # the answer column's header as written ("Jawaban TPI KESDM"), or a default name

    @property
    def name(self) -> str:
        """How the level is named to a person: Unit, TPI, TPI tingkat 1, TPN."""
        return level_name(self.key)


def level_name(key: str) -> str:
    if key == "unit":
        return "Unit"
    if key == "tpi":
        return "TPI"
    if key == "tpn":
        return "TPN"
    if key.startswith("tpi_"):
        return f"TPI tingkat {key[4:]}"
    return key


def level_keys(kinds: list[str]) -> list[str]:
    """Keys for answer columns of the given kinds, in sheet order: the last TPI column is "tpi"."""
    n_tpi = kinds.count("tpi")
    keys, seen_tpi = [], 0
    for kind in kinds:
        if kind == "tpi":
            seen_tpi += 1
            keys.append("tpi" if seen_tpi == n_tpi else f"tpi_{seen_tpi}")
        else:
            keys.append(kind)
    return keys


def level_order(key: str) -> tuple[int, int]:
    """Sort key: unit, tpi_1, tpi_2, ..., tpi, tpn."""
    if key.startswith("tpi_"):
        return (1, int(key[4:]))
    return (KIND_ORDER.get(key, 3), 10_000)


DEFAULT_LEVELS = (Level("unit", "unit", "Jawaban Unit"), Level("tpi", "tpi", "Jawaban TPI"))


@dataclass
class Workbook:
    """What a reader gives back: identity, edition, levels, answers in long form, and what was read where."""

    path: Path
    layout: str  # "lke_zi": rows matched by hierarchy and text; "jawaban": rows matched by catalog id or row
    edition: str
    unit: str
    instansi: str
    year: int | None  # None only for `zi score` of a workbook that does not say its year
    rows: list[tuple] = field(default_factory=list)  # one tuple per answer cell, in ANSWER_COLUMNS order
    levels: list[Level] = field(default_factory=lambda: list(DEFAULT_LEVELS))
    # The workbook's own cached results, by catalog id (indicator_id, area node_id, "PENGUNGKIT",
    # "HASIL", "TOTAL", or GROUP_PREFIX + group_name), for the unit's answers; compared with the
    # computed scores as warnings.
    own_figures: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    matched: set[str] = field(default_factory=set)  # catalog questions found as rows, answered or not
    # What was read where: sheet, header row, columns, identity sources, matches per level (shown by
    # `zi score` and stored with the submission).
    read_info: dict[str, Any] = field(default_factory=dict)
    # Why the scores must be checked by a person ("perlu diperiksa"): a partial sheet loaded on request, a level
    # below the completeness threshold or with an unanswered area. Such a file is never ranked.
    needs_review: str | None = None
    partial: str | None = None  # the partial-sheet part of needs_review (coverage), kept apart for re-scoring
    counted: dict[str, int] | None = None  # valued answers per level, once the reader has valued them
    valued: dict[str, frozenset[str]] = field(default_factory=dict)  # per level: the questions answered with a value

    def __getstate__(self) -> dict[str, Any]:
        # sent back from ingestion's worker processes: what can be derived from the rows is not pickled
        return {k: v for k, v in self.__dict__.items() if k not in ("answers", "_answered")}

    @cached_property
    def answers(self) -> pd.DataFrame:
        """The rows as a frame (ANSWER_COLUMNS); built only when someone asks."""
        return pd.DataFrame.from_records(self.rows, columns=ANSWER_COLUMNS)

    def raw_by_assessor(self) -> dict[str, dict[str, Any]]:
        """{level: {question_id: raw}} for the levels that answered something, from the unit up.

        A fresh dict each time: the caller may change it (a survey replaces Hasil answers)."""
        return {key: dict(answers) for key, answers in self._answered.items()}

    def answered(self) -> dict[str, int]:
        """How many catalog questions each level answered with a value (a refused cell, an Excel error or a formula
        without a value is no answer)."""
        if self.counted is not None:
            return dict(self.counted)
        return {key: len(answers) for key, answers in self._answered.items()}

    @cached_property
    def _answered(self) -> dict[str, dict[str, Any]]:
        # built once the reader has set the rows; rows are not changed afterwards
        found: dict[str, dict[str, Any]] = {}
        for assessor, qid, raw, *_ in self.rows:
            if not is_blank(raw):
                found.setdefault(assessor, {})[qid] = raw
        return {lv.key: found[lv.key] for lv in self.levels if lv.key in found}

    def warn(self, message: str, sheet: str | None = None, row: int | None = None) -> None:
        where = f"sheet '{sheet}'" if sheet else ""
        if row:
            where += f", baris {row}"
        self.warnings.append(f"{where}: {message}" if where else message)
