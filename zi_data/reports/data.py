"""What a report shows, gathered once from the pages' query frames; the PDF, DOCX and XLSX writers only lay it out."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from .. import queries
from ..catalog import load_catalog
from ..cycle.stages import STAGE_LABELS, tanggal
from ..export import missing
from ..predicates import NOT_MET, fmt, predicate_of
from ..readers.base import level_name, level_order

if TYPE_CHECKING:
    from .kop import Kop

# What the cycle tells a report about each unit of a year; every field but unit_id may be empty.
CYCLE_COLUMNS = ["unit_id", "unit_name", "instansi", "stage", "tpn_total", "tpn_decision", "tpn_note"]
PASSED, FAILED = "Terpenuhi", NOT_MET
DASH = "–"
# The mark of a partial file loaded on request, on every page and in the identity of a unit's report.
REVIEW_MARK = "PERLU DIPERIKSA"
# The mark of a unit's report made without the inspectorate's kop.toml (no letterhead, number, team or signatures).
DRAFT_MARK = "DRAF"
DRAFT_TEXT = ("Kop, nomor, dasar penugasan dan tim evaluasi belum diisi: laporan ini draf dan belum dapat "
              "ditandatangani. Isi kop.toml di folder basis data (contoh: data/kop.contoh.toml) atau berikan "
              "--kop BERKAS pada zi laporan.")
# What a draft leaves for the evaluator to write by hand: a place, a date, a name, a NIP.
BLANK = "." * 36
# The gaps table's words for an indicator that helps no failing rule.
NO_RULE_HELPED = "Tidak ada syarat yang belum terpenuhi"
# Indicators listed as the unit's biggest chances to gain points, and those named in the drafted recommendations.
TOP_GAPS = 10
TOP_LIFTS = 5


class ReportError(ValueError):
    """A report that cannot be made; the message is for a person, in Bahasa Indonesia."""


def judged_level(keys: list[str]) -> str:
    """The level whose answers a report and the pages judge by: the (last) TPI where it scored, else the first of
    `keys` (given from the unit up), the unit when there are none."""
    return "tpi" if "tpi" in keys else (keys[0] if keys else "unit")


def cycle_info(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None) -> pd.DataFrame:
    """The yearly cycle's view of every unit of a year (CYCLE_COLUMNS): its stage, the TPN's total, decision and
    note (from a TPN results file, else a workbook's own TPN column), None where unknown."""
    status = queries.cycle_status(con, int(year), instansi)
    if status.empty:
        return pd.DataFrame(columns=CYCLE_COLUMNS)
    out = status.rename(columns={"keputusan": "tpn_decision", "catatan": "tpn_note"})
    return out[CYCLE_COLUMNS].astype(object).where(out[CYCLE_COLUMNS].notna(), None)


# ---------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Col:
    """One column of a report table: its key in the rows, its title, how its values read, its relative width."""

    key: str
    title: str
    kind: str = "text"  # text | num (2 decimals) | signed | pct | int (counts and years)
    width: float = 1.0


NUMERIC = {"num", "signed", "pct", "int"}


@dataclass
class Table:
    """A titled table: rows hold raw values under each column key; `_bold`, `_shade` (True/False), `_depth`
    (indent of a tree row) and `_kind` (a row whose numbers read another way, e.g. pct) style single rows."""

    title: str
    columns: list[Col]
    rows: pd.DataFrame
    intro: str = ""
    empty: str = "Tidak ada."
    note: str = ""
    indent: str | None = None  # the column indented by a row's `_depth` (the names of a tree)

    @cached_property
    def records(self) -> list[dict]:
        """The rows as dicts, read once: writers ask for every cell."""
        return self.rows.to_dict("records")

    def flag(self, i: int, name: str) -> bool:
        value = self.records[i].get(name)
        return False if missing(value) else bool(value)

    def kind(self, i: int, col: Col) -> str:
        override = self.records[i].get("_kind")
        return override if col.kind in NUMERIC and isinstance(override, str) else col.kind

    def value(self, i: int, col: Col):
        value = self.records[i].get(col.key)
        return None if missing(value) else value

    def text(self, i: int, col: Col) -> str:
        return cell_text(self.value(i, col), self.kind(i, col))

    def depth(self, i: int) -> int:
        depth = self.records[i].get("_depth")
        return 0 if missing(depth) else int(depth)


def cell_text(value, kind: str = "text") -> str:
    """A value as it reads in a report: Indonesian numbers (96,13; 85,50%; +1,25), a dash when empty."""
    if missing(value):
        return DASH
    if isinstance(value, str) or kind == "text":
        return str(value)
    value = float(value)
    if kind == "pct":
        return f"{fmt(100 * value)}%"
    if kind == "int":
        return f"{int(round(value))}"
    if kind == "signed":
        return ("+" if value > 0 else "") + fmt(value)
    return fmt(value)


def answer_text(answer, answer_type: str | None = None) -> str | None:
    """An answer as a person reads it: options as given, a percent item's ratio as 92,86%, numbers with a
    decimal comma (the store keeps 0.9286 and 3.2)."""
    if missing(answer):
        return None
    try:
        number = float(answer)
    except (TypeError, ValueError):
        return str(answer)
    if answer_type == "PERSEN":
        return f"{fmt(100 * number)}%"
    return fmt(number) if number != int(number) else f"{int(number)}"


def when(ts) -> str:
    """A timestamp the Indonesian way: 25-11-2026 14:05."""
    return DASH if missing(ts) else pd.Timestamp(ts).strftime("%d-%m-%Y %H:%M")


# ---------------------------------------------------------------------------------------------- per unit


@dataclass
class UnitReport:
    """Everything the per-unit report (draft LHE) shows, frames already shaped into tables."""

    unit_name: str
    instansi: str
    year: int
    edition: str
    regulation: str
    file_name: str
    file_path: str
    loaded_at: object
    submission_id: str
    needs_review: str | None
    levels: list[tuple[str, str, str]]  # (key, name, label as written) of every scored level, from the unit up
    judged: str  # the level the rules are shown for: the (last) TPI when it answered, else the unit
    predicates: dict[str, str]
    totals: Table
    rules: Table
    tree: Table
    overclaims: Table
    gaps: Table
    history: Table
    history_chart: pd.DataFrame  # year, unit, tpi (the totals drawn as bars)
    warnings: list[str]
    printed_at: datetime
    stage: str | None = None
    tpn_total: float | None = None
    tpn_decision: str | None = None
    tpn_note: str | None = None
    failing: dict[str, pd.DataFrame] = field(default_factory=dict)  # per level: its rules that fail
    # the indicators that lift failing rules most (judged level): indicator, area, score, weight, gain, syarat_dibantu
    lifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    kop: Kop | None = None  # the inspectorate's letterhead and team (kop.toml); None: the report is a draft

    @property
    def judged_name(self) -> str:
        return level_name(self.judged)

    @property
    def predicate(self) -> str:
        return self.predicates.get(self.judged) or DASH

    @property
    def is_draft(self) -> bool:
        return self.kop is None

    def marks(self) -> str | None:
        """The loud marks at the top of every page: DRAF without a kop, PERLU DIPERIKSA for a partial file."""
        marks = [m for m, on in ((DRAFT_MARK, self.is_draft), (REVIEW_MARK, bool(self.needs_review))) if on]
        return " · ".join(marks) or None

    def number(self) -> str | None:
        """The report's number from the kop's pattern, None for a draft."""
        return self.kop.number(self.year, self.unit_name) if self.kop else None

    def totals_of(self) -> dict[str, float | None]:
        """Each level's total (the first row of the totals table)."""
        if self.totals.rows.empty:
            return {}
        first = self.totals.records[0]
        return {k: None if missing(first.get(f"score_{k}")) else float(first[f"score_{k}"]) for k, _, _ in self.levels}

    def place_date(self) -> str:
        """Where and when the report is signed: the kop's city and the day it was printed (blank in a draft)."""
        return f"{self.kop.kota}, {tanggal(self.printed_at.date())}" if self.kop else f"{BLANK}, {BLANK}"

    def signers(self) -> list[tuple[str, str, str]]:
        """(heading, name, NIP line) of the two signatures: the official who acknowledges it ("Mengetahui") on the
        left, the team leader on the right; dotted lines to fill in by hand in a draft."""
        if not self.kop:
            return [(f"Mengetahui,\n{BLANK}", f"({BLANK})", f"NIP {BLANK}"),
                    ("Ketua Tim Evaluasi,", f"({BLANK})", f"NIP {BLANK}")]
        m, k = self.kop.mengetahui, self.kop.ketua_tim
        return [(f"Mengetahui,\n{m.jabatan}", m.nama, f"NIP {m.nip}"), ("Ketua Tim Evaluasi,", k.nama, f"NIP {k.nip}")]

    def team(self) -> list[tuple[str, str, str, str]]:
        """(No, name, NIP, role) of the evaluation team from the kop; empty in a draft."""
        if not self.kop:
            return []
        return [(str(i), p.nama, p.nip, role) for i, (role, p) in enumerate(self.kop.team(), 1)]

    def identity(self) -> list[tuple[str, str | int]]:
        rows = [("Unit kerja", self.unit_name), ("Instansi", self.instansi), ("Tahun penilaian", self.year),
                ("Edisi LKE", f"{self.edition} ({self.regulation})"),
                ("Tingkat penilaian", "; ".join(f"{name} ({label})" for _, name, label in self.levels)),
                ("Berkas sumber", self.file_name), ("Dimuat", when(self.loaded_at))]
        if self.stage:
            rows.append(("Tahap siklus", STAGE_LABELS.get(self.stage, self.stage)))
        if self.tpn_decision:
            rows.append(("Keputusan TPN", self.tpn_decision))
        if self.tpn_note:
            rows.append(("Catatan TPN", self.tpn_note))
        if self.kop:
            rows += [("Penilai", self.kop.penilai), ("Dasar penugasan", self.kop.dasar)]
        return rows

    def tables(self) -> list[Table]:
        return [self.totals, self.rules, self.tree, self.overclaims, self.gaps, self.history]

    def provenance(self) -> str:
        return (f"Sumber: {self.file_name}, dimuat {when(self.loaded_at)}; dicetak {when(self.printed_at)} "
                f"oleh ZI Monitor")

    def document_title(self) -> str:
        """The title in the file's properties."""
        return f"Laporan Hasil Evaluasi ZI {self.unit_name} {self.year}"

    def subtitle(self) -> str:
        return (f"Draf untuk evaluator · {self.unit_name} · Tahun {self.year}" if self.is_draft
                else f"{self.unit_name} · Tahun {self.year}")

    def running_header(self) -> str:
        """The line at the top of every page."""
        return f"ZI Monitor · Laporan Hasil Evaluasi ZI · {self.unit_name} · {self.instansi} · {self.year}"

    def review_text(self) -> str:
        """Why a partial file's numbers must not decide anything, under REVIEW_MARK (only with needs_review)."""
        return (f"{self.needs_review}. Berkas ini dimuat atas permintaan walau hanya sebagian cocok dengan daftar "
                "pertanyaan LKE: nilainya tidak sebanding dengan unit lain dan belum boleh dipakai sebagai dasar "
                "keputusan.")

    def sources(self) -> list[tuple[str, str]]:
        """The "Sumber data" section: which file the numbers come from, when it was loaded and when this was printed
        (no server path, no file hash: a report leaves the office)."""
        rows = [("Berkas", self.file_name), ("Dimuat", when(self.loaded_at)), ("Dicetak", when(self.printed_at))]
        if self.kop:
            rows.append(("Kop dan tim", f"{self.kop.file_name}"))
        return rows


def unit_report(con: duckdb.DuckDBPyConnection, submission_id: str, cycle: pd.DataFrame | None = None,
                printed_at: datetime | None = None, kop: Kop | None = None) -> UnitReport:
    """Gather one submission's frames with the pages' queries and shape them into a UnitReport."""
    info = queries.submission(con, submission_id)
    if info is None:
        raise ReportError(f"pengajuan {submission_id} tidak ada di basis data")
    if cycle is None:
        cycle = cycle_info(con, int(info["year"]), [info["instansi"]])
    nodes = queries.profile_nodes(con, submission_id)
    levels = queries.levels_of(con, submission_id)
    scored = [k for k in levels["level"] if f"score_{k}" in nodes]
    judged = judged_level(sorted(scored, key=level_order))
    rules = {k: queries.rule_results(con, submission_id, k) for k in scored}
    return build_unit_report(
        info=info, levels=levels[levels["level"].isin(scored)], nodes=nodes, rules=rules,
        questions=queries.profile_questions(con, submission_id),
        gaps=queries.unit_gaps(con, submission_id, judged, rules.get(judged)),
        years=queries.unit_years(con, info["unit_id"]),
        warnings=queries.warnings(con, submission_id)["message"].tolist(),
        cycle=cycle, printed_at=printed_at, judged=judged, kop=kop)


def build_unit_report(info: dict, levels: pd.DataFrame, nodes: pd.DataFrame, rules: dict[str, pd.DataFrame],
                      questions: pd.DataFrame, gaps: pd.DataFrame, years: pd.DataFrame, warnings: list[str],
                      cycle: pd.DataFrame | None = None, printed_at: datetime | None = None,
                      judged: str | None = None, kop: Kop | None = None) -> UnitReport:
    """A UnitReport from the query frames alone (no database): the shape every writer lays out. `judged`: the
    level the rules are shown for, when the caller chose it already (by default judged_level of `levels`)."""
    keys = sorted(levels["level"], key=level_order)
    labels = levels.set_index("level")["label"].to_dict()
    judged = judged or judged_level(keys)
    # the rule used at ingestion, so the report names the predicate the predicates table holds
    predicates = {k: DASH if r.empty else predicate_of(r) for k, r in rules.items()}
    mine = cycle[cycle["unit_id"] == info["unit_id"]] if cycle is not None and len(cycle) else pd.DataFrame()
    stage = _opt(mine["stage"].iloc[0]) if len(mine) else None
    tpn_total = _opt(mine["tpn_total"].iloc[0]) if len(mine) else None
    tpn_decision = _opt(mine["tpn_decision"].iloc[0]) if len(mine) else None
    tpn_note = _opt(mine["tpn_note"].iloc[0]) if len(mine) and "tpn_note" in mine else None
    # The TPN's total from the cycle is shown only where the workbook has no TPN column of its own.
    cycle_tpn = tpn_total if "tpn" not in keys else None
    over = questions[questions["is_overclaim"]] if len(questions) and "is_overclaim" in questions else pd.DataFrame()
    edition = load_catalog()[info["edition"]]
    return UnitReport(
        unit_name=info["unit_name"], instansi=info["instansi"], year=int(info["year"]), edition=info["edition"],
        regulation=edition.regulation, file_name=info["file_name"], file_path=info["file_path"],
        loaded_at=info["loaded_at"], submission_id=info["submission_id"],
        needs_review=info["needs_review"] if isinstance(info.get("needs_review"), str) else None,
        levels=[(k, level_name(k), labels.get(k) or level_name(k)) for k in keys], judged=judged,
        predicates=predicates,
        totals=_totals_table(nodes, keys, predicates, cycle_tpn),
        rules=_rules_table(rules.get(judged, pd.DataFrame()), judged),
        tree=_tree_table(nodes, keys, judged, rules.get(judged, pd.DataFrame())),
        overclaims=_overclaim_table(over, "tpi" in keys),
        gaps=_gaps_table(gaps, judged),
        history=_history_table(years),
        history_chart=_history_chart(years),
        warnings=list(warnings), printed_at=printed_at or datetime.now(),
        stage=stage, tpn_total=tpn_total, tpn_decision=tpn_decision, tpn_note=tpn_note,
        failing={k: _failing(r) for k, r in rules.items() if k in keys}, lifts=_lifts(gaps), kop=kop)


def _lifts(gaps: pd.DataFrame) -> pd.DataFrame:
    """The indicators with most points to gain among those that help a failing rule."""
    cols = ["indicator", "area", "score", "weight", "gain", "syarat_dibantu"]
    if gaps.empty or "membantu" not in gaps:
        return pd.DataFrame(columns=cols)
    helps = gaps[(gaps["membantu"] != "") & (gaps["gain"] > 1e-9)]
    return helps.sort_values("gain", ascending=False, kind="stable").head(TOP_LIFTS)[cols].reset_index(drop=True)


def _failing(rules: pd.DataFrame) -> pd.DataFrame:
    """A level's rules that fail, WBK before WBBM, the largest shortfall first."""
    if rules.empty:
        return rules
    out = rules[~rules["passed"].astype(bool)]
    order = out["predicate"].map({"WBK": 0, "WBBM": 1})
    return out.assign(_order=order).sort_values(["_order", "margin"]).drop(columns="_order").reset_index(drop=True)


def _opt(value):
    return None if missing(value) else value


def _level_cols(keys: list[str], kind: str = "num", width: float = 0.8) -> list[Col]:
    return [Col(f"score_{k}", level_name(k), kind, width) for k in keys]


def _totals_table(nodes: pd.DataFrame, keys: list[str], predicates: dict[str, str],
                  cycle_tpn: float | None) -> Table:
    top = nodes[nodes["level"].isin(["total", "komponen", "sub_komponen"])] if len(nodes) else nodes
    cols = [Col("name", "Komponen", width=2.4), Col("weight", "Bobot", "num", 0.7), *_level_cols(keys)]
    rows = top[["name", "weight", "level", *[f"score_{k}" for k in keys]]].copy() if len(top) else pd.DataFrame()
    if len(rows):
        rows["name"] = rows["name"].where(rows["level"] != "total", "Nilai total")
        rows["_bold"] = rows["level"].isin(["total", "komponen"])
        rows["_depth"] = rows["level"].map({"total": 0, "komponen": 0, "sub_komponen": 1})
        total = nodes[nodes["level"] == "total"].iloc[0]
        extra = pd.DataFrame([
            {"name": "Kelengkapan jawaban", "_kind": "pct", **{f"score_{k}": total.get(f"completeness_{k}")
                                                               for k in keys}},
            {"name": "Predikat", "_bold": True, **{f"score_{k}": predicates.get(k, DASH) for k in keys}},
        ])
        rows = pd.concat([rows.drop(columns="level"), extra], ignore_index=True)
    if cycle_tpn is not None:
        cols.append(Col("tpn_cycle", "TPN (hasil evaluasi)", "num", 0.9))
        rows["tpn_cycle"] = None
        rows.loc[0, "tpn_cycle"] = cycle_tpn
    return Table("Nilai per tingkat penilaian", cols, rows.reset_index(drop=True),
                 empty="Belum ada nilai untuk pengajuan ini.", indent="name")


def _rules_table(rules: pd.DataFrame, judged: str) -> Table:
    cols = [Col("status", "Status", width=1.2), Col("predicate", "Predikat", width=0.8),
            Col("label", "Syarat", width=1.9), Col("target_name", "Bagian yang dinilai", width=2.3),
            Col("value", "Nilai", "num", 0.7), Col("minimum", "Minimum", "num", 0.95),
            Col("margin", "Selisih", "signed", 0.7)]
    rows = pd.DataFrame(columns=[c.key for c in cols])
    if len(rules):
        rows = rules.assign(_order=rules["predicate"].map({"WBK": 0, "WBBM": 1}))
        rows = rows.sort_values(["passed", "_order", "margin"]).reset_index(drop=True)
        rows["status"] = rows["passed"].map({True: PASSED, False: FAILED})
        rows["_bold"] = ~rows["passed"].astype(bool)
        rows["_shade"] = rows["_bold"]
    failing = int((~rules["passed"].astype(bool)).sum()) if len(rules) else 0
    intro = (f"Syarat WBK dan WBBM menurut jawaban {level_name(judged)}; {failing} syarat belum terpenuhi, "
             "ditulis lebih dulu (tebal, berlatar abu-abu). Selisih: nilai dikurangi minimum.")
    return Table(f"Predikat dan syarat WBK/WBBM (menurut {level_name(judged)})", cols, rows, intro=intro,
                 empty="Belum ada nilai untuk diperiksa terhadap syarat.")


def _tree_table(nodes: pd.DataFrame, keys: list[str], judged: str, rules: pd.DataFrame) -> Table:
    cols = [Col("code", "Kode", width=0.55), Col("name", "Area / indikator", width=3.0),
            Col("weight", "Bobot", "num", 0.7), *_level_cols(keys, width=0.7),
            Col("share", f"% bobot ({level_name(judged)})", "pct", 0.8),
            Col("min_wbk", "Min. WBK", "num", 0.65), Col("min_wbbm", "Min. WBBM", "num", 0.7),
            Col("status", "Keterangan", width=1.1)]
    if nodes.empty:
        return Table("Nilai per area dan indikator", cols, pd.DataFrame(columns=[c.key for c in cols]))
    rows = nodes[nodes["level"] != "total"].copy()
    rows["share"] = rows[f"score_{judged}"] / rows["weight"].where(rows["weight"] > 0) if f"score_{judged}" in rows \
        else None
    mins = rules.pivot_table(index="target", columns="predicate", values="minimum", aggfunc="first") \
        if len(rules) else pd.DataFrame()
    fails = rules[~rules["passed"].astype(bool)].groupby("target")["predicate"].agg(set).to_dict() \
        if len(rules) else {}
    rows["min_wbk"] = rows["node_id"].map(mins["WBK"]) if "WBK" in mins else None
    rows["min_wbbm"] = rows["node_id"].map(mins["WBBM"]) if "WBBM" in mins else None

    def status(node_id: str) -> str | None:
        if node_id not in mins.index:  # no rule is about this node
            return None
        failed = fails.get(node_id, set())
        if "WBK" in failed:
            return "Belum memenuhi min. WBK"
        if "WBBM" in failed:
            return "Belum memenuhi min. WBBM"
        return "Memenuhi minimum"

    rows["status"] = rows["node_id"].map(status).fillna("")
    rows["_depth"] = rows["level"].map({"komponen": 0, "sub_komponen": 1, "area": 2, "indicator": 3})
    rows["_bold"] = rows["level"] != "indicator"
    rows["_shade"] = rows["level"].isin(["komponen", "sub_komponen"])
    intro = ("Nilai setiap area dan indikator per tingkat penilaian; % bobot dan keterangan menurut jawaban "
             f"{level_name(judged)}. Minimum: syarat WBK/WBBM untuk area (dan indikator survei) tersebut.")
    return Table("Nilai per area dan indikator", cols, rows.reset_index(drop=True), intro=intro, indent="name")


def _overclaim_table(over: pd.DataFrame, has_tpi: bool) -> Table:
    cols = [Col("question_id", "Kode", width=0.6), Col("indicator", "Indikator", width=1.2),
            Col("text", "Pertanyaan", width=2.3), Col("answer_unit", "Jawaban Unit", width=0.8),
            Col("answer_tpi", "Jawaban TPI", width=0.8), Col("overclaim", "Selisih (poin)", "num", 0.75),
            Col("claim_unit", "Catatan dan bukti Unit", width=1.8), Col("note_tpi", "Catatan TPI", width=1.8)]
    if not has_tpi:
        return Table("Pertanyaan dengan klaim berlebih", cols, pd.DataFrame(columns=[c.key for c in cols]),
                     empty="Belum ada jawaban TPI: klaim berlebih belum dapat dihitung.")
    if len(over):
        over = over.assign(claim_unit=[_claim(n, e) for n, e in zip(over.get("note_unit", pd.Series(None, over.index)),
                                                                    over.get("evidence_unit", pd.Series(None, over.index)),
                                                                    strict=True)])
    rows = over[[c.key for c in cols] + ["answer_type"]].reset_index(drop=True) if len(over) else pd.DataFrame(
        columns=[c.key for c in cols])
    for side in ("answer_unit", "answer_tpi"):
        if len(rows):
            rows[side] = [answer_text(a, t) for a, t in zip(rows[side], rows["answer_type"], strict=True)]
    total = points(over["overclaim"]) if len(over) else 0.0
    intro = ("Pertanyaan yang nilainya menurut Unit lebih tinggi daripada menurut TPI. Selisih (poin) = "
             "(nilai Unit - nilai TPI) x bobot indikator / jumlah pertanyaannya.")
    note = f"{len(rows)} pertanyaan, jumlah selisih {fmt(total)} poin." if len(rows) else ""
    return Table("Pertanyaan dengan klaim berlebih", cols, rows, intro=intro, note=note,
                 empty="Tidak ada: tidak satu pun jawaban Unit bernilai lebih tinggi daripada jawaban TPI.")


def _claim(note, evidence) -> str | None:
    """What the unit wrote beside an answer: its note and its evidence, each as written."""
    parts = [f"{label}: {v}" for label, v in (("Catatan", note), ("Bukti", evidence))
             if isinstance(v, str) and v.strip()]
    return "\n".join(parts) or None


def points(values: pd.Series) -> float:
    """A sum of points without the noise of binary fractions (0,125 + 3,5 is 3,625, shown 3,63, not 3,62)."""
    return round(float(pd.to_numeric(values, errors="coerce").sum()), 9)


def _gaps_table(gaps: pd.DataFrame, judged: str) -> Table:
    cols = [Col("no", "No", "int", 0.35), Col("indicator", "Indikator", width=2.6), Col("area", "Area", width=2.0),
            Col("score", f"Nilai ({level_name(judged)})", "num", 0.7), Col("weight", "Bobot", "num", 0.6),
            Col("gain", "Peluang (poin)", "num", 0.85), Col("syarat_dibantu", "Membantu syarat", width=2.4)]
    rows = gaps[gaps["gain"] > 1e-9].head(TOP_GAPS).reset_index(drop=True) if len(gaps) else pd.DataFrame()
    if len(rows):
        rows["no"] = range(1, len(rows) + 1)
        rows["syarat_dibantu"] = rows["syarat_dibantu"].replace("", NO_RULE_HELPED)
    else:
        rows = pd.DataFrame(columns=[c.key for c in cols])
    intro = (f"Indikator dengan poin terbanyak yang masih dapat diraih (bobot - nilai menurut {level_name(judged)}), "
             "dan syarat yang belum terpenuhi yang ikut terangkat bila nilainya naik.")
    return Table(f"{TOP_GAPS} indikator dengan peluang nilai terbesar", cols, rows, intro=intro,
                 empty="Tidak ada: semua indikator sudah bernilai penuh.")


def _history_table(years: pd.DataFrame) -> Table:
    """Every year's totals per level; the predicate by the TPI, or the unit's own where the TPI had not assessed."""
    shown = sorted(set(years["assessor"]), key=level_order) if len(years) else []
    cols = [Col("year", "Tahun", "int", 0.6), Col("edition", "Edisi", width=0.6), *_level_cols(shown),
            Col("predicate", "Predikat", width=1.6)]
    if years.empty:
        return Table("Nilai total dari tahun ke tahun", cols, pd.DataFrame(columns=[c.key for c in cols]))
    wide = years.pivot_table(index=["year", "edition"], columns="assessor", values="total").reset_index()
    wide.columns = [c if c in ("year", "edition") else f"score_{c}" for c in wide.columns]
    by_tpi = years[years["assessor"] == "tpi"].set_index("year")["predicate"].to_dict()
    by_unit = years[years["assessor"] == "unit"].set_index("year")["predicate"].to_dict()
    wide["predicate"] = [by_tpi[y] if isinstance(by_tpi.get(y), str) else
                         (f"{by_unit[y]} (menurut Unit)" if isinstance(by_unit.get(y), str) else None)
                         for y in wide["year"]]
    wide["year"] = wide["year"].astype(int)
    return Table("Nilai total dari tahun ke tahun", cols, wide.sort_values("year").reset_index(drop=True))


def _history_chart(years: pd.DataFrame) -> pd.DataFrame:
    """year, unit, tpi: the totals drawn as bars (the TPI's where it assessed)."""
    if years.empty:
        return pd.DataFrame(columns=["year", "unit", "tpi"])
    wide = years.pivot_table(index="year", columns="assessor", values="total")
    return pd.DataFrame({"year": wide.index.astype(int), "unit": wide.get("unit"),
                         "tpi": wide.get("tpi")}).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- recap


@dataclass
class RecapReport:
    """Every unit of a year (and instansi) with its totals per level, predicate, stage and weak areas."""

    year: int
    instansi: list[str]
    judged: str
    table: Table
    counts: dict[str, int] = field(default_factory=dict)
    printed_at: datetime = field(default_factory=datetime.now)

    @property
    def judged_name(self) -> str:
        return level_name(self.judged)

    @property
    def scope(self) -> str:
        return ", ".join(self.instansi) if self.instansi else "semua instansi"

    @property
    def title(self) -> str:
        return (f"Rekapitulasi Penilaian Zona Integritas Tahun {self.year} · {self.scope} · "
                f"predikat menurut {level_name(self.judged)}")

    def summary(self) -> str:
        c = self.counts
        return (f"{c.get('units', 0)} unit kerja; dinilai {level_name(self.judged)}: {c.get('judged', 0)}; "
                f"WBBM {c.get('WBBM', 0)}, WBK {c.get('WBK', 0)}, belum memenuhi {c.get(NOT_MET, 0)}"
                + (f"; perlu diperiksa {c['review']}" if c.get("review") else "")
                + (f"; belum mengirim {c['not_sent']}" if c.get("not_sent") else ""))


def recap_report(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None,
                 edition: str | None = None, cycle: pd.DataFrame | None = None,
                 printed_at: datetime | None = None) -> RecapReport:
    """Gather the recap's frames (unit_scores per level, failed rules) and shape them."""
    instansi = list(instansi or [])
    levels = queries.assessment_levels(con) or ["unit"]
    scores = {k: queries.unit_scores(con, year, k, instansi, edition) for k in levels}
    judged = judged_level(levels)
    failed = {k: queries.failed_rules(con, year, k, instansi, edition) for k in {judged, "unit"} if k in levels}
    if cycle is None:
        cycle = cycle_info(con, year, instansi)
    return build_recap(year, instansi, scores, failed, cycle, printed_at)


def build_recap(year: int, instansi: list[str], scores: dict[str, pd.DataFrame], failed: dict[str, pd.DataFrame],
                cycle: pd.DataFrame | None = None, printed_at: datetime | None = None) -> RecapReport:
    """The recap from unit_scores frames (one per level) and failed_rules frames, sorted like the ranking."""
    keys = sorted(scores, key=level_order)
    judged = judged_level(keys)
    base = scores["unit"] if "unit" in scores else scores[judged]
    rows = base[["submission_id", "unit_id", "unit_name", "instansi", "edition", "needs_review"]].copy()
    present = []
    for k in keys:
        df = scores[k].set_index("submission_id")
        if df["total"].notna().any():
            present.append(k)
            rows[f"score_{k}"] = rows["submission_id"].map(df["total"])
            rows[f"pred_{k}"] = rows["submission_id"].map(df["predicate"])
    # The judged level's predicate; a unit the TPI has not assessed yet says so, with its own claim.
    rows["predicate"] = [
        p if isinstance(p, str) else (f"Belum dinilai {level_name(judged)} (Unit: {u})" if isinstance(u, str)
                                      else "Belum dinilai")
        for p, u in zip(rows.get(f"pred_{judged}", pd.Series(None, index=rows.index)),
                        rows.get("pred_unit", pd.Series(None, index=rows.index)), strict=True)]
    for predicate in ("WBK", "WBBM"):
        rows[f"below_{predicate}"] = _areas_below(rows, failed, judged, predicate)
    cyc = cycle if cycle is not None and len(cycle) else pd.DataFrame(columns=CYCLE_COLUMNS)
    rows = rows.merge(cyc[["unit_id", "stage", "tpn_total"]].drop_duplicates("unit_id"), on="unit_id", how="left")
    # Roster units that sent nothing this year appear too, with their stage, when the cycle knows them.
    missing = cyc[~cyc["unit_id"].isin(rows["unit_id"])]
    if len(missing):
        rows = pd.concat([rows, missing[["unit_id", "unit_name", "instansi", "stage", "tpn_total"]]],
                         ignore_index=True)
    has_tpn_level = "score_tpn" in rows
    if rows["tpn_total"].notna().any() and has_tpn_level:
        rows["score_tpn"] = rows["score_tpn"].fillna(rows["tpn_total"])
    elif rows["tpn_total"].notna().any():
        rows["score_tpn"] = rows["tpn_total"]
        present.append("tpn")
    review = queries.in_review(rows)
    sent = rows["submission_id"].notna()
    sort_cols = [c for c in (f"score_{judged}", "score_unit") if c in rows]
    rows["_group"] = (~sent) * 2 + (review & sent) * 1  # ranked units, then "perlu diperiksa", then not sent
    rows = rows.sort_values(["_group", *sort_cols, "unit_name"], ascending=[True, *[False] * len(sort_cols), True],
                            na_position="last").reset_index(drop=True)
    ranked = rows["_group"] == 0
    rows["no"] = None
    rows.loc[ranked, "no"] = range(1, int(ranked.sum()) + 1)
    rows["stage"] = rows["stage"].map(lambda s: STAGE_LABELS.get(s, s) if isinstance(s, str) else None)
    rows["note"] = [f"Perlu diperiksa: {r}" if isinstance(r, str) else None for r in rows.get("needs_review")]
    rows["_bold"] = False
    rows["_shade"] = rows["_group"] > 0
    cols = [Col("no", "No", "int", 0.45), Col("unit_name", "Unit kerja", width=2.2),
            Col("instansi", "Instansi", width=1.6)]
    if rows["stage"].notna().any():
        cols.append(Col("stage", "Tahap", width=1.0))
    present = sorted(set(present), key=level_order)
    cols += [Col(f"score_{k}", f"Nilai {level_name(k)}", "num", 1.0) for k in present]  # two lines at most
    cols += [Col("predicate", f"Predikat ({level_name(judged)})", width=1.2),
             Col("below_WBK", "Area di bawah minimum WBK", width=2.2),
             Col("below_WBBM", "Area di bawah minimum WBBM", width=2.2)]
    if rows["note"].notna().any():
        cols.append(Col("note", "Catatan", width=1.3))
    judged_pred = rows.get(f"pred_{judged}", pd.Series(None, index=rows.index, dtype=object))
    scored = judged_pred[ranked & judged_pred.notna()]
    counts = {"units": int(sent.sum()), "judged": int(len(scored)), "review": int((review & sent).sum()),
              "not_sent": int((~sent).sum()), **{p: int((scored == p).sum()) for p in ("WBBM", "WBK", NOT_MET)}}
    intro = (f"Urutan seperti Peringkat: nilai {level_name(judged)}, lalu nilai Unit. Area di bawah minimum menurut "
             f"jawaban {level_name(judged)} (menurut Unit bila {level_name(judged)} belum menilai). Unit yang berkasnya "
             "perlu diperiksa tidak diberi peringkat dan ditulis di bawah. " + AREA_LEGEND)
    table = Table("Rekapitulasi unit kerja", cols, rows, intro=intro,
                  empty="Tidak ada unit kerja untuk tahun dan instansi ini.")
    return RecapReport(year=int(year), instansi=instansi, judged=judged, table=table, counts=counts,
                       printed_at=printed_at or datetime.now())


def _areas_below(rows: pd.DataFrame, failed: dict[str, pd.DataFrame], judged: str, predicate: str) -> list:
    """Per row: the areas below the predicate's minimum, by the judged level or the unit's where it has none."""
    def names(level: str) -> dict[str, str]:
        df = failed.get(level)
        if df is None or df.empty:
            return {}
        df = df[(df["predicate"] == predicate) & (df["target_level"] == "area")]
        df = df.merge(queries.tree_order(), left_on=["edition", "target"], right_on=["edition", "node_id"],
                      how="left").sort_values("order")
        return {sid: _area_list(g) for sid, g in df.groupby("submission_id", sort=False)}

    by_judged, by_unit = names(judged), names("unit")
    judged_col = rows.get(f"score_{judged}", pd.Series(None, index=rows.index))
    return [by_judged.get(s, "Tidak ada") if not missing(t) else
            (by_unit.get(s, "Tidak ada") + " (menurut Unit)" if not missing(u) else None)
            for s, t, u in zip(rows["submission_id"], judged_col,
                               rows.get("score_unit", pd.Series(None, index=rows.index)), strict=True)]


# Short area names in the recap, explained under its title (a wide table of full names runs for pages).
AREA_SHORT = {"MP": "MP", "TL": "TL", "SDM": "SDM", "AK": "AK", "PW": "PW", "PP": "PP", "BERSIH": "Bersih",
              "PELAYANAN": "Pelayanan"}
AREA_LEGEND = ("MP: Manajemen Perubahan, TL: Penataan Tatalaksana, SDM: Penataan Sistem Manajemen SDM, "
               "AK: Penguatan Akuntabilitas, PW: Penguatan Pengawasan, PP: Peningkatan Kualitas Pelayanan Publik, "
               "Bersih: Birokrasi yang Bersih dan Akuntabel, Pelayanan: Pelayanan Publik yang Prima.")


def _area_list(failed: pd.DataFrame) -> str:
    """Failed areas grouped by their part: "Pemenuhan: MP, TL; Reform: SDM"."""
    parts = []
    for part, g in failed.groupby(failed["parent_name"].fillna(""), sort=False):
        names = ", ".join(AREA_SHORT.get(k, n) if isinstance(k, str) else n
                          for k, n in zip(g["area_key"], g["target_name"], strict=True))
        parts.append(f"{part}: {names}" if part else names)
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------- finding units


def units_with_data(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None) -> pd.DataFrame:
    """The units with a current submission in a year (and instansi); a ReportError when there are none."""
    units = queries.units_of_year(con, year, instansi)
    if units.empty:
        raise ReportError(f"Tidak ada data untuk tahun {year}"
                          + (f" dan instansi {', '.join(instansi)}" if instansi else "") + ".")
    return units


def find_submission(con: duckdb.DuckDBPyConnection, name: str, year: int, instansi: str | None = None) -> str:
    """The current submission of the unit called `name` in `year`; a ReportError says what is wrong and what
    might be meant (close names, the instansi to choose)."""
    units = units_with_data(con, year)
    if instansi:
        inst = units[units["instansi"].map(_norm) == _norm(instansi)]
        if inst.empty:
            close = difflib.get_close_matches(instansi, sorted(set(units["instansi"])), n=3, cutoff=0.5)
            raise ReportError(f"Instansi '{instansi}' tidak ada pada tahun {year}."
                              + (f" Mungkin maksudnya: {', '.join(close)}." if close else ""))
        units = inst
    match = units[units["unit_name"].map(_norm) == _norm(name)]
    if match.empty:
        names = {_norm(n): n for n in sorted(set(units["unit_name"]))}
        close = [names[n] for n in difflib.get_close_matches(_norm(name), list(names), n=5, cutoff=0.5)]
        close += [n for k, n in names.items() if _norm(name) in k and n not in close][:5 - len(close)]
        where = f" instansi {instansi}" if instansi else ""
        raise ReportError(f"Unit kerja '{name}' tidak ada pada tahun {year}{where}."
                          + (f" Mungkin maksudnya: {', '.join(close)}." if close else ""))
    if len(match) > 1:
        raise ReportError(f"Unit kerja '{name}' ada di lebih dari satu instansi pada tahun {year}: "
                          f"{', '.join(sorted(match['instansi']))}. Pilih salah satu dengan --instansi.")
    return str(match["submission_id"].iloc[0])


def _norm(text: str) -> str:
    return " ".join(str(text).casefold().split())


def safe_name(text: str) -> str:
    """A file-name part from any unit name: ASCII letters, digits and hyphens only."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")
    return slug[:80] or "unit"


def report_file_names(units: pd.DataFrame, year: int, ext: str) -> list[str]:
    """One distinct, safe file name per unit (units_of_year rows): the instansi is added only where two units
    share a name."""
    base = [f"LHE_{year}_{safe_name(n)}" for n in units["unit_name"]]
    dup = pd.Series(base).duplicated(keep=False)
    names = [f"{b}_{safe_name(i)}" if d else b for b, i, d in zip(base, units["instansi"], dup, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for n in names:  # names that still collide after the instansi (their ASCII forms match) get a number
        seen[n] = seen.get(n, 0) + 1
        out.append(f"{n}.{ext}" if seen[n] == 1 else f"{n}_{seen[n]}.{ext}")
    return out
