"""Load the LKE catalog (editions, tree, questions, answer types, percent rules, thresholds) from data/*.csv."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

DATA_DIR = Path(os.environ.get("ZI_DATA_DIR", Path(__file__).resolve().parents[1] / "data"))

# Roles of catalog questions: a "scored" question has an answer of its own, a "percent" item is
# computed from "count" inputs, which are never scored themselves.
SCORED_ROLES = ("scored", "percent")


def read_data_csv(data_dir: Path, name: str) -> pd.DataFrame:
    """One of the data/*.csv tables as text, empty cells as "" (never NaN); callers convert and cache."""
    return pd.read_csv(data_dir / name, dtype=str, keep_default_na=False)


@dataclass(frozen=True, eq=False)  # hashed by identity: one object per edition per process
class Edition:
    """Everything needed to score one edition of the LKE."""

    edition: str
    name: str
    regulation: str
    structure: pd.DataFrame  # node_id, parent_id, level, code, name, weight, seq, area_key
    indicators: pd.DataFrame  # indicator_id, area_id, seq, code, name, group_name, weight
    questions: pd.DataFrame  # question_id, indicator_id, seq, letter, text, criteria, answer_type, role, jawaban_row
    percent_rules: pd.DataFrame  # question_id, formula, a (list), b (list)
    thresholds: pd.DataFrame  # predicate, rule_id, label, scope, target, min_value, min_share, source
    options: dict[str, dict[str, float]] = field(repr=False)  # answer_type -> option -> value
    answer_types: pd.DataFrame = field(repr=False)

    # Derived views are cached: they are asked for once per workbook read or scored.
    @cached_property
    def areas(self) -> pd.DataFrame:
        return self.structure[self.structure["level"] == "area"]

    @cached_property
    def area_labels(self) -> dict[str, str]:
        """Area node id -> its name as shown, with the part of Pengungkit it sits in: "Area (Pemenuhan)"."""
        s = self.structure.set_index("node_id")
        out = {}
        for area in self.areas.itertuples():
            parent = area.parent_id
            part = s.at[parent, "name"] if parent and s.at[parent, "level"] == "sub_komponen" else None
            out[area.node_id] = f"{area.name} ({part})" if part else area.name
        return out

    @cached_property
    def scored_questions(self) -> pd.DataFrame:
        return self.questions[self.questions["role"].isin(SCORED_ROLES)]

    @cached_property
    def answerable(self) -> pd.DataFrame:
        """Questions a workbook carries an answer for (everything but the computed percent items)."""
        return self.questions[self.questions["role"] != "percent"]

    def node_component(self, node_id: str) -> str:
        """The komponen (PENGUNGKIT/HASIL) a structure node belongs to."""
        s = self.structure.set_index("node_id")
        while s.at[node_id, "parent_id"]:
            node_id = s.at[node_id, "parent_id"]
        return node_id


@dataclass(frozen=True, eq=False)
class Catalog:
    editions: dict[str, Edition]
    edition_years: pd.DataFrame  # edition, first_year, last_year

    def __getitem__(self, edition: str) -> Edition:
        try:
            return self.editions[str(edition)]
        except KeyError:
            known = ", ".join(sorted(self.editions))
            raise KeyError(f"Edisi LKE '{edition}' tidak dikenal (yang ada: {known})") from None

    def edition_for_year(self, year: int) -> str:
        """The edition whose years cover `year` (the latest one when ranges overlap)."""
        found = [e for e, first, last in self.year_ranges if first <= year <= last]
        if not found:
            raise KeyError(f"Tidak ada edisi LKE untuk tahun {year}")
        return found[-1]

    @cached_property
    def year_ranges(self) -> list[tuple[str, int, int]]:
        return [(str(r.edition), int(r.first_year), int(r.last_year)) for r in self.edition_years.itertuples()]


def _num(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    df = df.copy()
    for c in cols:
        df[c] = pd.to_numeric(df[c].replace("", None), errors="raise")
    return df


@lru_cache(maxsize=4)
def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """The whole catalog, read once per process (the CSVs are small and never change at run time)."""
    data_dir = Path(data_dir)
    editions_df = _num(read_data_csv(data_dir, "editions.csv"), "first_year", "last_year")
    structure = _num(read_data_csv(data_dir, "structure.csv"), "weight", "seq")
    indicators = _num(read_data_csv(data_dir, "indicators.csv"), "weight", "seq")
    questions = _num(read_data_csv(data_dir, "questions.csv"), "seq", "jawaban_row")
    rules = read_data_csv(data_dir, "percent_rules.csv")
    rules["a"] = rules["a"].str.split("+")
    rules["b"] = rules["b"].str.split("+")
    thresholds = _num(read_data_csv(data_dir, "thresholds.csv"), "min_value", "min_share")
    types = _num(read_data_csv(data_dir, "answer_types.csv"), "scale_max", "plausible_min")
    opts = _num(read_data_csv(data_dir, "answer_options.csv"), "value")
    options: dict[str, dict[str, float]] = {}
    for row in opts.itertuples(index=False):
        options.setdefault(row.answer_type, {})[row.option] = float(row.value)

    editions = {}
    for row in editions_df.itertuples(index=False):
        e = row.edition

        def sel(df: pd.DataFrame, e: str = e) -> pd.DataFrame:
            return df[df["edition"] == e].drop(columns="edition").reset_index(drop=True)

        editions[e] = Edition(
            edition=e,
            name=row.name,
            regulation=row.regulation,
            structure=sel(structure),
            indicators=sel(indicators),
            questions=sel(questions),
            percent_rules=sel(rules),
            thresholds=sel(thresholds),
            options=options,
            answer_types=types,
        )
    return Catalog(editions=editions, edition_years=editions_df[["edition", "first_year", "last_year"]])
