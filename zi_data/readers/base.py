"""The contract every workbook reader fulfils: a Workbook of raw answers with provenance, or a ReadError."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..answers import is_blank

# One row per answer cell read: who answered (unit/tpi), which catalog question, the raw cell,
# the note and evidence beside it, and where it came from.
ANSWER_COLUMNS = ["assessor", "question_id", "raw", "note", "evidence", "sheet", "row"]
# Key prefix in Workbook.own_figures for an indicator group (group_name in indicators.csv).
GROUP_PREFIX = "GROUP:"


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


@dataclass
class Workbook:
    """What a reader gives back: identity, edition, answers in long form, and the workbook's own figures."""

    path: Path
    layout: str  # "jawaban" (2026 national sheet / the project's template) or "lke_zi" (PermenPANRB 90/2021)
    edition: str
    unit: str
    instansi: str
    year: int | None  # None only for `zi score` of a workbook that does not say its year
    rows: list[tuple] = field(default_factory=list)  # one tuple per answer cell, in ANSWER_COLUMNS order
    # The workbook's own cached results, by catalog id (indicator_id, area node_id, "PENGUNGKIT",
    # "HASIL", "TOTAL", or GROUP_PREFIX + group_name), for the unit's answers; compared with the
    # computed scores as warnings.
    own_figures: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def answers(self) -> pd.DataFrame:
        """The rows as a frame (ANSWER_COLUMNS); built only when someone asks."""
        return pd.DataFrame.from_records(self.rows, columns=ANSWER_COLUMNS)

    def raw_by_assessor(self) -> dict[str, dict[str, Any]]:
        """{assessor: {question_id: raw}}; the TPI is present only when it answered something."""
        out: dict[str, dict[str, Any]] = {"unit": {}}
        for assessor, qid, raw, *_ in self.rows:
            if not is_blank(raw):
                out.setdefault(assessor, {})[qid] = raw
        return out

    def warn(self, message: str, sheet: str | None = None, row: int | None = None) -> None:
        where = f"sheet '{sheet}'" if sheet else ""
        if row:
            where += f", baris {row}"
        self.warnings.append(f"{where}: {message}" if where else message)
