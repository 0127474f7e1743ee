"""Parameterised read-only queries returning the frames the dashboard pages show; no score is computed here."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from . import names, store
from .catalog import load_catalog
from .cycle import proposal as proposal_mod
from .cycle import stages
from .predicates import DIGITS
from .readers.base import level_name, level_order

AREA_KEYS = ["MP", "TL", "SDM", "AK", "PW", "PP"]
AREA_NAMES = {
    "MP": "Manajemen Perubahan", "TL": "Penataan Tatalaksana", "SDM": "Penataan Sistem Manajemen SDM",
    "AK": "Penguatan Akuntabilitas", "PW": "Penguatan Pengawasan", "PP": "Peningkatan Kualitas Pelayanan Publik",
    "BERSIH": "Birokrasi Bersih dan Akuntabel", "PELAYANAN": "Pelayanan Publik Prima",
}
# One share-of-weight column per area key (constants of this module, never user text).
AREA_COLUMNS = ", ".join(
    f"sum(case when s.area_key = '{k}' then s.score end) / sum(case when s.area_key = '{k}' then s.weight end) "
    f"as \"{k}\"" for k in [*AREA_KEYS, "BERSIH", "PELAYANAN"])
# The database may be locked for a moment by a running ingestion; readers wait this long at most.
LOCK_WAIT_S = 5.0


class DatabaseBusy(RuntimeError):
    """The database is being written by another process and could not be opened in time."""


def connect(db: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; retried while an ingestion holds the write lock for a commit."""
    try:
        return store.connect(db, read_only=True, wait_s=LOCK_WAIT_S)
    except duckdb.IOException as exc:
        raise DatabaseBusy(str(exc)) from exc


def _filters(year: int | None = None, instansi: list[str] | None = None, edition: str | None = None,
             alias: str = "c") -> tuple[str, list]:
    """A where clause over current_submissions and its parameters."""
    clauses, params = ["true"], []
    if year is not None:
        clauses.append(f"{alias}.year = ?")
        params.append(int(year))
    if instansi:
        clauses.append(f"list_contains(?, {alias}.instansi)")
        params.append(list(instansi))
    if edition:
        clauses.append(f"{alias}.edition = ?")
        params.append(str(edition))
    return " and ".join(clauses), params


def options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """What the sidebar filters offer: years (newest first, a roster's too), instansi, editions and assessment levels
    present."""
    # a year with only a roster is offered too: at the start of a cycle nobody has sent a workbook yet
    years = [r[0] for r in con.execute("select year from current_submissions union select year from stg_roster "
                                       "order by year desc").fetchall()]
    inst = [r[0] for r in con.execute("select instansi from current_submissions union select instansi from stg_roster "
                                      "order by 1").fetchall()]
    eds = [r[0] for r in con.execute("select distinct edition from current_submissions order by 1").fetchall()]
    return {"years": years, "instansi": inst, "editions": eds, "levels": assessment_levels(con)}


def assessment_levels(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The assessment levels scored in some current submission, from the unit up."""
    levels = [r[0] for r in con.execute("select distinct p.assessor from predicates p join current_submissions c "
                                        "using (submission_id)").fetchall()]
    return sorted(levels, key=level_order)


def unit_scores(con: duckdb.DuckDBPyConnection, year: int | None, assessor: str, instansi: list[str] | None = None,
                edition: str | None = None) -> pd.DataFrame:
    """One row per current submission: totals, predicate, completeness, the six areas' shares.

    A submission without answers of the chosen assessor (no TPI yet) keeps its row with empty scores.
    """
    where, params = _filters(year, instansi, edition)
    sql = f"""
        with subs as (
            select c.submission_id, c.unit_id, c.unit_name, c.instansi, c.year, c.edition, c.has_tpi, c.file_name,
                   c.needs_review
            from current_submissions c where {where}
        ),
        lv as (
            select s.submission_id,
                   max(case when s.node_id = 'TOTAL' then s.score end) as total,
                   max(case when s.node_id = 'PENGUNGKIT' then s.score end) as pengungkit,
                   max(case when s.node_id = 'HASIL' then s.score end) as hasil,
                   max(case when s.node_id = 'TOTAL' then s.completeness end) as completeness
            from scores s join subs using (submission_id)
            where s.assessor = ? and s.level in ('total', 'komponen')
            group by s.submission_id
        ),
        area_wide as (
            select s.submission_id, {AREA_COLUMNS}
            from scores s join subs using (submission_id)
            where s.assessor = ? and s.level = 'area'
            group by s.submission_id
        ),
        final as (
            select subs.*, lv.total, lv.pengungkit, lv.hasil, lv.completeness, p.predicate, p.wbk, p.wbbm,
                   area_wide.* exclude (submission_id)
            from subs
            left join lv using (submission_id)
            left join predicates p on p.submission_id = subs.submission_id and p.assessor = ?
            left join area_wide using (submission_id)
        )
        select * from final order by total desc nulls last, unit_name
    """
    df = con.execute(sql, params + [assessor, assessor, assessor]).df()
    for key in AREA_KEYS + ["BERSIH", "PELAYANAN"]:
        if key not in df.columns:
            df[key] = pd.NA
    return df


def with_change(con: duckdb.DuckDBPyConnection, current: pd.DataFrame, year: int, assessor: str) -> pd.DataFrame:
    """Add last year's total and the change, for units that had a submission the year before.

    The change is left empty where the two totals are not comparable: the year before used another LKE
    edition (other weights, other questions), or either file is a partial one ("perlu diperiksa")."""
    prev = con.execute(
        """select c.unit_id, s.score as total_prev, c.edition as edition_prev, c.needs_review as needs_review_prev
           from current_submissions c join scores s using (submission_id)
           where c.year = ? and s.assessor = ? and s.node_id = 'TOTAL'""", [int(year) - 1, assessor]).df()
    out = current.merge(prev, on="unit_id", how="left")
    comparable = (out["edition"] == out["edition_prev"]) & out["needs_review"].isna() & out["needs_review_prev"].isna()
    out["change"] = (out["total"] - out["total_prev"]).where(comparable)
    return out


def in_review(df: pd.DataFrame) -> pd.Series:
    """Per row: the file is partial, loaded on request ("perlu diperiksa"); all False without a needs_review
    column."""
    return df["needs_review"].notna() if "needs_review" in df else pd.Series(False, index=df.index)


def summary(df: pd.DataFrame) -> dict[str, float | int | None]:
    """Headline figures of a unit_scores frame (with_change applied).

    "wbbm", "wbk" and "not_met" are exclusive groups by the highest predicate reached (the donut's slices):
    a unit meeting WBBM is not counted again under WBK. "unscored": units without a score at this level.
    A partial file loaded on request ("perlu diperiksa") is counted as a unit but left out of the mean and
    every predicate group: its score is not comparable with complete ones."""
    review = in_review(df)
    scored = df[df["total"].notna() & ~review]
    groups = scored["predicate"].value_counts()
    change = df.loc[~review, "change"].dropna() if "change" in df else pd.Series(dtype=float)
    return {
        "units": int(len(df)),
        "scored": int(len(scored)),
        "review": int(review.sum()),
        "unscored": int((df["total"].isna() & ~review).sum()),
        "mean_total": float(scored["total"].mean()) if len(scored) else None,
        "wbbm": int(groups.get("WBBM", 0)),
        "wbk": int(groups.get("WBK", 0)),
        "not_met": int(groups.get("Belum memenuhi", 0)),
        "mean_change": float(change.mean()) if len(change) else None,
        "compared": int(len(change)),
    }


def movers(df: pd.DataFrame, top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The units that rose most and those that fell most against last year (a with_change frame).

    Rises only in the first, falls only in the second, each up to `top`, largest first; a unit whose total
    did not change, whose change is unknown or whose file is partial is in neither."""
    review = in_review(df)
    change = pd.to_numeric(df["change"], errors="coerce").round(DIGITS)
    known = df[change.notna() & ~review].assign(change=change)
    rises = known[known["change"] > 0].sort_values(["change", "unit_name"], ascending=[False, True])
    falls = known[known["change"] < 0].sort_values(["change", "unit_name"], ascending=[True, True])
    return rises.head(top).reset_index(drop=True), falls.head(top).reset_index(drop=True)


def unit_labels(df: pd.DataFrame) -> pd.Series:
    """How each unit of a frame is named on screen, one label per unit_id and never one label for two units: its
    name as listed (names.shown: a name with letters that mimic Latin is marked), with the instansi when another
    unit of the frame shows the same name (two Pemda each have a "Dinas Kesehatan"). A unit named like another's
    label ("Dinas Kesehatan (Kota A)" in Kota B) gets "name — instansi" instead, and should even that be taken,
    the start of its key. Pages select and link units by unit_id, never by this label."""
    if df.empty:
        return pd.Series([], index=df.index, dtype=object)
    units = df.drop_duplicates("unit_id").set_index("unit_id")
    name, instansi = units["unit_name"].map(names.shown), units["instansi"].map(names.shown)
    label = name.where(~name.duplicated(keep=False), name + " (" + instansi + ")")
    clash = label.duplicated(keep=False)
    label = label.where(~clash, name + " — " + instansi)
    clash = label.duplicated(keep=False)
    label = label.where(~clash, label + " · " + units.index.str[:8])
    return df["unit_id"].map(label)


def area_shares(df: pd.DataFrame) -> pd.DataFrame:
    """The six pengungkit areas as a share of their weight, averaged over the units of a unit_scores frame."""
    rows = []
    for key in AREA_KEYS:
        values = pd.to_numeric(df[key], errors="coerce").dropna()
        rows.append({"area_key": key, "area": AREA_NAMES[key], "share": float(values.mean()) if len(values) else None,
                     "units": int(len(values))})
    return pd.DataFrame(rows)


def indicator_scores(con: duckdb.DuckDBPyConnection, year: int | None, assessor: str,
                     instansi: list[str] | None = None, edition: str | None = None) -> pd.DataFrame:
    """Long frame unit x indicator: score, weight, share of weight earned, points still to gain."""
    where, params = _filters(year, instansi, edition)
    sql = f"""
        with final as (
            select c.submission_id, c.unit_id, c.unit_name, c.instansi, c.edition, c.needs_review,
                   s.node_id as indicator_id,
                   s.name as indicator, s.parent_id as area_id, s.score, s.weight,
                   s.score / nullif(s.weight, 0) as share, s.weight - s.score as gain, s.completeness
            from current_submissions c join scores s using (submission_id)
            where {where} and s.assessor = ? and s.level = 'indicator'
        )
        select * from final
    """
    df = con.execute(sql, params + [assessor]).df()
    return df.merge(_area_labels(), on=["edition", "area_id"], how="left")


@lru_cache(maxsize=1)
def _area_labels() -> pd.DataFrame:
    """Area id -> "Area (Pemenuhan)" label and area key, per edition, from the catalog."""
    rows = []
    for name, ed in load_catalog().editions.items():
        labels = ed.area_labels
        for area in ed.areas.itertuples():
            rows.append({"edition": name, "area_id": area.node_id, "area_key": area.area_key,
                         "area": labels[area.node_id]})
    return pd.DataFrame(rows)


def weakest_indicators(ind: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """Indicators with the lowest mean share across units, with the points all units could still gain.

    A partial file ("perlu diperiksa") is left out: its indicators are not averaged with complete ones."""
    if "needs_review" in ind:
        ind = ind[ind["needs_review"].isna()]
    if ind.empty:
        return pd.DataFrame(columns=["indicator_id", "indicator", "area", "weight", "mean_share", "units",
                                     "total_gain", "mean_gain"])
    g = ind.groupby(["edition", "indicator_id", "indicator", "area"], as_index=False).agg(
        weight=("weight", "first"), mean_share=("share", "mean"), units=("unit_id", "nunique"),
        total_gain=("gain", "sum"), mean_gain=("gain", "mean"))
    return g.sort_values(["mean_share", "mean_gain"], ascending=[True, False]).head(top).reset_index(drop=True)


def unit_submission(con: duckdb.DuckDBPyConnection, unit_id: str, year: int) -> str | None:
    row = con.execute("select submission_id from current_submissions where unit_id = ? and year = ?",
                      [unit_id, int(year)]).fetchone()
    return row[0] if row else None


def rule_results(con: duckdb.DuckDBPyConnection, submission_id: str, assessor: str) -> pd.DataFrame:
    return con.execute(
        """select predicate, rule_id, label, target, target_name, value, minimum, passed, margin, message
           from rule_results where submission_id = ? and assessor = ? order by predicate desc, passed, margin""",
        [submission_id, assessor]).df()


def unit_gaps(con: duckdb.DuckDBPyConnection, submission_id: str, assessor: str,
              rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """A unit's indicators ordered by the points still to gain, with the rules each one is part of.

    `rules`: the submission's rule_results at this level when the caller has them already (read here if not)."""
    df = con.execute(
        """select c.edition, s.node_id as indicator_id, s.name as indicator, s.parent_id as area_id, s.score, s.weight,
                  s.weight - s.score as gain, s.completeness
           from scores s join stg_submissions c using (submission_id)
           where s.submission_id = ? and s.assessor = ? and s.level = 'indicator'
           order by gain desc, s.weight desc""", [submission_id, assessor]).df()
    df = df.merge(_area_labels(), on=["edition", "area_id"], how="left")
    fails = rule_results(con, submission_id, assessor) if rules is None else rules
    fails = fails[~fails["passed"]]
    failing_areas = set(fails["target"])
    ancestors = _ancestors()
    failing = list(zip(fails["predicate"], fails["target"], fails["target_name"], strict=True))

    def helped(edition: str, indicator: str) -> list[tuple[str, str]]:
        # An indicator helps a failing rule when the rule is about the indicator itself or a node above it
        # (its area, Pemenuhan/Reform, Pengungkit or Hasil, the total): a Hasil indicator never helps Pengungkit.
        above = {indicator, *ancestors.get((edition, indicator), ())}
        return [(predicate, name) for predicate, target, name in failing if target in above]

    rules = [helped(e, i) for e, i in zip(df["edition"], df["indicator_id"], strict=True)]
    df["membantu"] = [", ".join(p for p in ("WBK", "WBBM") if any(h[0] == p for h in hs)) for hs in rules]
    df["syarat_dibantu"] = [_rules_by_target(hs) for hs in rules]
    df["area_gagal"] = df["area_id"].isin(failing_areas)
    return df


def _rules_by_target(helped: list[tuple[str, str]]) -> str:
    """[(WBK, area), (WBBM, area), (WBBM, total)] -> "area (WBK, WBBM); total (WBBM)"."""
    by_target: dict[str, list[str]] = {}
    for predicate, name in helped:
        by_target.setdefault(name, []).append(predicate)
    return "; ".join(f"{name} ({', '.join(preds)})" for name, preds in by_target.items())


@lru_cache(maxsize=1)
def _ancestors() -> dict[tuple[str, str], tuple[str, ...]]:
    """(edition, node or indicator id) -> every node above it up to TOTAL, from the catalog's tree."""
    out = {}
    for name, ed in load_catalog().editions.items():
        parent = {r.node_id: r.parent_id for r in ed.structure.itertuples() if r.parent_id}
        parent.update({r.indicator_id: r.area_id for r in ed.indicators.itertuples()})
        for node in [*ed.structure["node_id"], *ed.indicators["indicator_id"]]:
            chain, cur = [], node
            while cur in parent:
                cur = parent[cur]
                chain.append(cur)
            out[(name, node)] = (*chain, "TOTAL")
    return out


def profile_nodes(con: duckdb.DuckDBPyConnection, submission_id: str) -> pd.DataFrame:
    """Every node of one submission's tree, total down to indicators, in the catalog's order (column `order`),
    with its code and one score and one completeness column per assessment level (score_unit, score_tpi ...)."""
    df = con.execute(
        """select c.edition, s.assessor, s.level, s.node_id, s.parent_id, s.name, s.weight, s.score, s.completeness
           from scores s join stg_submissions c using (submission_id) where s.submission_id = ?""",
        [submission_id]).df()
    if df.empty:
        return df
    out = df.drop_duplicates("node_id")[["edition", "level", "node_id", "parent_id", "name", "weight"]]
    for col in ("score", "completeness"):
        wide = df.pivot(index="node_id", columns="assessor", values=col)
        wide.columns = [f"{col}_{a}" for a in wide.columns]
        out = out.merge(wide, left_on="node_id", right_index=True, how="left")
    out = out.merge(tree_order(), on=["edition", "node_id"], how="left")
    return out.sort_values("order").reset_index(drop=True)


@lru_cache(maxsize=1)
def tree_order() -> pd.DataFrame:
    """(edition, node_id) -> code and place (`order`) in the catalog's tree read top-down: the total first, then
    each komponen, sub komponen and area followed by its indicators."""
    rows = []
    for name, ed in load_catalog().editions.items():
        s = ed.structure.sort_values("seq")
        children = {p: list(g.itertuples()) for p, g in s.groupby(s["parent_id"].fillna(""), sort=False)}
        indicators = {a: list(g.sort_values("seq").itertuples()) for a, g in ed.indicators.groupby("area_id")}
        order = [("TOTAL", "")]
        stack = list(reversed(children.get("", [])))
        while stack:  # depth first, in seq order
            node = stack.pop()
            order.append((node.node_id, node.code))
            order += [(i.indicator_id, i.code) for i in indicators.get(node.node_id, [])]
            stack += reversed(children.get(node.node_id, []))
        rows += [(name, node, code, i) for i, (node, code) in enumerate(order)]
    return pd.DataFrame(rows, columns=["edition", "node_id", "code", "order"])


def unit_years(con: duckdb.DuckDBPyConnection, unit_id: str) -> pd.DataFrame:
    """A unit's totals and predicates in every year it has a current submission, per assessment level."""
    return con.execute(
        """select c.year, c.edition, s.assessor, s.score as total, p.predicate, c.needs_review
           from current_submissions c join scores s using (submission_id)
           left join predicates p on p.submission_id = s.submission_id and p.assessor = s.assessor
           where c.unit_id = ? and s.node_id = 'TOTAL' order by c.year""", [unit_id]).df()


def failed_rules(con: duckdb.DuckDBPyConnection, year: int | None, assessor: str, instansi: list[str] | None = None,
                 edition: str | None = None) -> pd.DataFrame:
    """Every rule a current submission fails at one assessment level (the recap's areas below their minimum)."""
    where, params = _filters(year, instansi, edition)
    return con.execute(
        f"""select r.submission_id, c.edition, r.predicate, r.rule_id, r.target, r.target_name, s.level as target_level,
                   s.area_key, p.name as parent_name, r.value, r.minimum, r.margin
            from rule_results r join current_submissions c using (submission_id)
            left join scores s on s.submission_id = r.submission_id and s.assessor = r.assessor
                               and s.node_id = r.target
            left join scores p on p.submission_id = s.submission_id and p.assessor = s.assessor
                               and p.node_id = s.parent_id
            where {where} and r.assessor = ? and not r.passed""", params + [assessor]).df()


def submission(con: duckdb.DuckDBPyConnection, submission_id: str) -> dict | None:
    """Who and what one submission is: unit, instansi, year, edition, file, when loaded, why it needs review."""
    df = con.execute(
        """select s.submission_id, s.unit_id, u.unit_name, u.instansi, s.year, s.edition, s.layout, s.file_name,
                  s.file_path, s.loaded_at, s.needs_review, s.is_current
           from stg_submissions s join stg_units u using (unit_id) where s.submission_id = ?""",
        [submission_id]).df()
    return None if df.empty else df.iloc[0].to_dict()


def units_of_year(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None) -> pd.DataFrame:
    """The units with a current submission in a year (and instansi): unit_id, unit_name, instansi, submission_id."""
    where, params = _filters(year, instansi, None)
    return con.execute(f"select c.unit_id, c.unit_name, c.instansi, c.submission_id from current_submissions c "
                       f"where {where} order by c.instansi, c.unit_name", params).df()


def trend(con: duckdb.DuckDBPyConnection, assessor: str, by: str = "unit", instansi: list[str] | None = None,
          units: list[str] | None = None) -> pd.DataFrame:
    """Totals and the six areas' shares per year, per unit (with needs_review) or averaged per instansi
    (complete files only)."""
    where, params = _filters(None, instansi, None)
    if units:
        where += " and list_contains(?, c.unit_name)"
        params.append(list(units))
    df = con.execute(
        f"""with lv as (
                select c.unit_id, c.unit_name, c.instansi, c.year, c.edition, c.needs_review, s.level, s.node_id,
                       s.area_key, s.score, s.weight
                from current_submissions c join scores s using (submission_id)
                where {where} and s.assessor = ? and s.level in ('total', 'area')
            ),
            totals as (select unit_id, unit_name, instansi, year, edition, needs_review, score as total
                       from lv where level = 'total'),
            areas as (select unit_id, year, area_key, sum(score) / sum(weight) as share from lv where level = 'area'
                      group by all),
            final as (select t.*, a.area_key, a.share from totals t join areas a using (unit_id, year))
            select * from final order by unit_name, unit_id, year, area_key""", params + [assessor]).df()
    if df.empty:
        return df
    df["area"] = df["area_key"].map(AREA_NAMES)
    if by == "instansi":  # a partial file ("perlu diperiksa") is not averaged with complete ones
        df = df[df["needs_review"].isna()]
        df = df.groupby(["instansi", "year", "edition", "area_key", "area"], as_index=False).agg(
            total=("total", "mean"), share=("share", "mean"), units=("unit_id", "nunique"))
    return df


def levels_of(con: duckdb.DuckDBPyConnection, submission_id: str) -> pd.DataFrame:
    """The assessment levels of one submission, from the unit up: key, name, label as written, answered."""
    df = con.execute(
        """select assessor as level, label, kind, answered from assessments where submission_id = ? order by seq""",
        [submission_id]).df()
    if df.empty:  # stored before levels were recorded: the scored levels, with their default names
        keys = [r[0] for r in con.execute("select assessor from predicates where submission_id = ?",
                                          [submission_id]).fetchall()]
        df = pd.DataFrame({"level": sorted(keys, key=level_order)})
        df["label"], df["kind"], df["answered"] = df["level"].map(level_name), df["level"].str.split("_").str[0], pd.NA
    df["name"] = df["level"].map(level_name)
    return df


def read_info(con: duckdb.DuckDBPyConnection, submission_id: str) -> dict:
    """What was read where for one submission (sheet, header row, columns, matches, identity sources)."""
    row = con.execute("select read_info from stg_submissions where submission_id = ?", [submission_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def profile_areas(con: duckdb.DuckDBPyConnection, submission_id: str) -> pd.DataFrame:
    """Area scores of one submission, one column per assessment level (unit, tpi_1, tpi, tpn ...)."""
    df = con.execute(
        """select s.node_id as area_id, s.assessor, s.score, s.weight, c.edition
           from scores s join stg_submissions c using (submission_id)
           where s.submission_id = ? and s.level = 'area'""", [submission_id]).df()
    if df.empty:
        return df
    wide = df.pivot_table(index=["edition", "area_id", "weight"], columns="assessor", values="score").reset_index()
    wide.columns.name = None
    for a in ("unit", "tpi"):
        if a not in wide:
            wide[a] = pd.NA
    wide = wide.merge(_area_labels(), on=["edition", "area_id"], how="left")
    order = {a: i for i, a in enumerate(_area_labels()["area_id"])}
    return wide.sort_values("area_id", key=lambda s: s.map(order)).reset_index(drop=True)


def profile_questions(con: duckdb.DuckDBPyConnection, submission_id: str) -> pd.DataFrame:
    """Every question of one submission with both answers, notes, evidence and values, and the over-claim."""
    ans = con.execute(
        """with a as (select * from stg_answers where submission_id = ?),
                r as (select * from raw_answers where submission_id = ?),
                final as (
                    select a.assessor, a.question_id, a.indicator_id, a.role, a.answer, a.value, a.problem,
                           r.note, r.evidence, r.row_number
                    from a left join r using (submission_id, assessor, question_id))
           select * from final""", [submission_id, submission_id]).df()
    edition = con.execute("select edition from stg_submissions where submission_id = ?", [submission_id]).fetchone()
    if ans.empty or edition is None:
        return pd.DataFrame()
    ed = load_catalog()[edition[0]]
    q = ed.questions[ed.questions["role"] != "count"][["question_id", "indicator_id", "letter", "text", "answer_type"]]
    q = q.merge(ed.indicators[["indicator_id", "name", "weight"]].rename(columns={"name": "indicator"}),
                on="indicator_id")
    per_indicator = ed.scored_questions.groupby("indicator_id").size().rename("n_questions")
    q = q.merge(per_indicator, on="indicator_id", how="left")
    for a, label in (("unit", "unit"), ("tpi", "tpi")):
        side = ans[ans["assessor"] == a][["question_id", "answer", "value", "note", "evidence", "problem",
                                          "row_number"]]
        side = side.rename(columns={c: f"{c}_{label}" for c in side.columns if c != "question_id"})
        q = q.merge(side, on="question_id", how="left")
    # Points a question is worth: its indicator's weight shared by the indicator's questions.
    q["points"] = q["weight"] / q["n_questions"]
    # every further level (a first TPI level, the TPN) beside them: answer_<level>, value_<level>, note_<level>
    for a in sorted(set(ans["assessor"]) - {"unit", "tpi"}, key=level_order):
        side = ans[ans["assessor"] == a][["question_id", "answer", "value", "note"]]
        q = q.merge(side.rename(columns={c: f"{c}_{a}" for c in ("answer", "value", "note")}), on="question_id",
                    how="left")
    diff = (pd.to_numeric(q["value_unit"], errors="coerce") - pd.to_numeric(q["value_tpi"], errors="coerce"))
    q["overclaim"] = (diff.clip(lower=0) * q["points"]).where(diff > 1e-9, 0.0)
    q["is_overclaim"] = diff > 1e-9
    return q


def survey_vs_scores(df: pd.DataFrame, con: duckdb.DuckDBPyConnection, assessor: str) -> pd.DataFrame:
    """IPAK and IPKP (0-4) of each unit of a unit_scores frame beside its LKE scores."""
    if df.empty:
        return df.assign(ipak=pd.Series(dtype=float), ipkp=pd.Series(dtype=float))
    rows = con.execute(
        """select a.submission_id, a.question_id, a.value
           from stg_answers a where list_contains(?, a.submission_id) and a.assessor = ?
             and a.question_id in ('M125', 'M127', 'S24', 'S26')""",
        [df["submission_id"].tolist(), assessor]).df()
    keys = {"M125": "ipak", "S24": "ipak", "M127": "ipkp", "S26": "ipkp"}
    rows["field"] = rows["question_id"].map(keys)
    wide = rows.pivot_table(index="submission_id", columns="field", values="value").reset_index()
    out = df.merge(wide, on="submission_id", how="left")
    for f in ("ipak", "ipkp"):
        out[f] = pd.to_numeric(out.get(f), errors="coerce") * 4  # stored as value / 4
    return out


def submissions(con: duckdb.DuckDBPyConnection, limit: int = 5000) -> pd.DataFrame:
    return con.execute(
        """select u.unit_name, u.instansi, s.year, s.edition, s.layout, s.file_name, s.loaded_at, s.is_current,
                  s.superseded_at, s.deleted_at, s.has_tpi, s.workbook_total, s.needs_review,
                  (select count(*) from warnings w where w.submission_id = s.submission_id) as warnings,
                  s.submission_id
           from stg_submissions s join stg_units u using (unit_id)
           order by s.loaded_at desc limit ?""", [int(limit)]).df()


def rejects(con: duckdb.DuckDBPyConnection, limit: int = 2000) -> pd.DataFrame:
    return con.execute("select rejected_at, file_name, reason, file_path from rejects order by rejected_at desc "
                       "limit ?", [int(limit)]).df()


def warnings(con: duckdb.DuckDBPyConnection, submission_id: str | None = None, limit: int = 5000) -> pd.DataFrame:
    if submission_id:
        return con.execute("select message from warnings where submission_id = ?", [submission_id]).df()
    return con.execute(
        """select u.unit_name, s.year, s.file_name, w.message
           from warnings w join stg_submissions s using (submission_id) join stg_units u using (unit_id)
           where s.is_current order by u.unit_name, s.year limit ?""", [int(limit)]).df()


def loaded_results(con: duckdb.DuckDBPyConnection, submission_ids: list[str]) -> pd.DataFrame:
    """What just-loaded submissions scored: one row per submission and assessment level with the total, the
    predicate and the number of warnings, for the message after an upload."""
    if not submission_ids:
        return pd.DataFrame(columns=["submission_id", "unit_id", "unit_name", "instansi", "year", "file_name",
                                     "needs_review",
                                     "assessor", "total", "predicate", "warnings"])
    df = con.execute(
        """select s.submission_id, s.unit_id, u.unit_name, u.instansi, s.year, s.file_name, s.needs_review,
                  p.assessor,
                  t.score as total, p.predicate,
                  (select count(*) from warnings w where w.submission_id = s.submission_id) as warnings
           from stg_submissions s join stg_units u using (unit_id)
           left join predicates p on p.submission_id = s.submission_id
           left join scores t on t.submission_id = s.submission_id and t.assessor = p.assessor and t.node_id = 'TOTAL'
           where list_contains(?, s.submission_id)""", [list(submission_ids)]).df()
    order = {sid: i for i, sid in enumerate(submission_ids)}
    df["_order"] = df["submission_id"].map(order)
    df["_level"] = df["assessor"].map(lambda a: level_order(a) if isinstance(a, str) else (9, 0))
    return df.sort_values(["_order", "_level"]).drop(columns=["_order", "_level"]).reset_index(drop=True)


HISTORY_EVENTS = {"loaded": "dimuat", "superseded": "digantikan", "deleted": "dihapus",
                  "restored": "aktif kembali", "rescored": "dihitung ulang"}


def history_text(detail) -> str:
    """A history detail as a person reads it: text stays, a JSON object becomes "key: value; ..."."""
    if not isinstance(detail, str):
        return ""
    text = detail.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return text
        if isinstance(data, dict):
            return "; ".join(f"{k}: {v}" for k, v in data.items() if v not in (None, "", [], {}))
    return text


def history(con: duckdb.DuckDBPyConnection, limit: int = 1000) -> pd.DataFrame:
    return con.execute(
        """select h.happened_at, h.event, u.unit_name, s.year, coalesce(s.file_name, f.file_name) as file_name,
                  h.detail
           from history h left join stg_submissions s using (submission_id) left join stg_units u using (unit_id)
           left join raw_files f on f.sha256 = h.submission_id and s.submission_id is null
           order by h.happened_at desc limit ?""", [int(limit)]).df()


# --- the yearly cycle: roster, stages, proposals, TPN calibration ---------------------------------------------

def cycle_units(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None) -> pd.DataFrame:
    """Every unit of a year's cycle: on the roster, with a current workbook, with a TPN result or in a saved
    proposal; with what is known of it (target, totals per level, TPN decision, proposed)."""
    where, params = _filters(instansi=instansi, alias="final")
    sql = f"""
        with roster as (
            select unit_id, unit_name, instansi, target from stg_roster where year = ?
        ),
        subs as (
            select c.unit_id, c.unit_name, c.instansi, c.submission_id, c.needs_review, c.file_name
            from current_submissions c where c.year = ?
        ),
        totals as (
            select s.submission_id,
                   max(case when s.assessor = 'unit' then s.score end) as unit_total,
                   max(case when s.assessor = 'tpi' then s.score end) as tpi_total
            from scores s join subs using (submission_id)
            where s.node_id = 'TOTAL' and s.assessor in ('unit', 'tpi')
            group by s.submission_id
        ),
        tpn as (
            select unit_id, unit_name, instansi, total as tpn_total, keputusan, catatan, source as tpn_source
            from tpn_results where year = ?
        ),
        proposed as (
            select pu.unit_id, any_value(pu.unit_name) as unit_name, any_value(pu.instansi) as instansi
            from proposal_units pu join proposals p using (proposal_id)
            where p.year = ? and p.superseded_at is null and pu.status = 'diusulkan'
            group by pu.unit_id
        ),
        ids as (
            select unit_id from roster union select unit_id from subs union select unit_id from tpn
            union select unit_id from proposed
        ),
        final as (
            select ids.unit_id,
                   coalesce(subs.unit_name, roster.unit_name, tpn.unit_name, proposed.unit_name) as unit_name,
                   coalesce(subs.instansi, roster.instansi, tpn.instansi, proposed.instansi) as instansi,
                   roster.target, roster.unit_id is not null as on_roster,
                   subs.submission_id, subs.submission_id is not null as has_submission, subs.needs_review,
                   subs.file_name, totals.unit_total, totals.tpi_total, totals.tpi_total is not null as has_tpi,
                   proposed.unit_id is not null as proposed,
                   tpn.tpn_total, tpn.tpn_total is not null as has_tpn, tpn.keputusan, tpn.catatan, tpn.tpn_source
            from ids
            left join roster using (unit_id) left join subs using (unit_id) left join totals using (submission_id)
            left join tpn using (unit_id) left join proposed using (unit_id)
        )
        select * from final where {where} order by instansi, unit_name
    """
    return con.execute(sql, [int(year)] * 4 + params).df()


def cycle_status(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None,
                 today: date | None = None) -> pd.DataFrame:
    """cycle_units with each unit's stage, its label and whether it is late (deadline from data/deadlines.csv)."""
    return stages.assign(cycle_units(con, year, instansi), stages.deadline_for(int(year)), today or date.today())


def tpn_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years with a TPN level for some unit, newest first."""
    return [r[0] for r in con.execute("select distinct year from tpn_results order by year desc").fetchall()]


def proposal(con: duckdb.DuckDBPyConnection, year: int, predikat: str, kuota: int,
             instansi: list[str] | None = None) -> proposal_mod.Proposal:
    """The proposal for a year and predicate within a quota, from the last TPI level of the current submissions."""
    where, params = _filters(instansi=instansi)
    units = con.execute(
        f"""select c.unit_id, c.unit_name, c.instansi, c.needs_review, s.score as tpi_total, c.submission_id
            from current_submissions c
            left join scores s on s.submission_id = c.submission_id and s.assessor = 'tpi' and s.node_id = 'TOTAL'
            where c.year = ? and {where} order by c.unit_name""", [int(year)] + params).df()
    rules = con.execute(
        f"""select c.unit_id, r.rule_id, r.label, r.target_name, r.value, r.minimum, r.passed, r.margin, r.message
            from current_submissions c join rule_results r using (submission_id)
            where c.year = ? and {where} and r.assessor = 'tpi' and r.predicate = ?""",
        [int(year)] + params + [predikat]).df()
    return proposal_mod.build(units, rules, int(year), predikat, int(kuota), instansi)


def saved_proposals(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """The proposals saved for a year, newest first, with how many units each proposed and kept in reserve."""
    return con.execute(
        """select p.proposal_id, p.predikat, p.kuota, p.instansi, p.saved_by, p.saved_at, p.superseded_at,
                  count(*) filter (where u.status = 'diusulkan') as diusulkan,
                  count(*) filter (where u.status = 'cadangan') as cadangan,
                  count(*) filter (where u.status = 'tidak_memenuhi') as tidak_memenuhi
           from proposals p left join proposal_units u using (proposal_id)
           where p.year = ? group by all order by p.saved_at desc, p.proposal_id desc""", [int(year)]).df()


def saved_proposal(con: duckdb.DuckDBPyConnection, proposal_id: int) -> proposal_mod.Proposal | None:
    return proposal_mod.load(con, proposal_id)


def calibration_units(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None) -> pd.DataFrame:
    """Units of a year with both a last TPI level and a TPN level: totals, the TPI's predicate, the TPN decision.

    Files marked "perlu diperiksa" are left out: their scores are not comparable."""
    where, params = _filters(instansi=instansi)
    return con.execute(
        f"""with final as (
                select c.unit_id, c.unit_name, c.instansi, c.edition, s.score as tpi_total,
                       p.predicate as tpi_predicate, t.total as tpn_total, t.keputusan, t.source as tpn_source
                from current_submissions c
                join scores s on s.submission_id = c.submission_id and s.assessor = 'tpi' and s.node_id = 'TOTAL'
                join predicates p on p.submission_id = c.submission_id and p.assessor = 'tpi'
                join tpn_results t on t.unit_id = c.unit_id and t.year = c.year
                where c.year = ? and c.needs_review is null and {where}
            )
            select * from final order by unit_name""", [int(year)] + params).df()


def calibration_areas(con: duckdb.DuckDBPyConnection, year: int, instansi: list[str] | None = None) -> pd.DataFrame:
    """Per unit and area key: the last TPI level's points (Pemenuhan and Reform together), the area's weight and
    the TPN's points where known."""
    where, params = _filters(instansi=instansi)
    df = con.execute(
        f"""with tpi as (
                select c.unit_id, c.year, s.area_key, sum(s.score) as tpi, sum(s.weight) as weight
                from current_submissions c join scores s using (submission_id)
                where c.year = ? and c.needs_review is null and {where} and s.assessor = 'tpi' and s.level = 'area'
                group by all
            ),
            final as (
                select tpi.unit_id, tpi.area_key, tpi.weight, tpi.tpi, a.score as tpn
                from tpi join tpn_area_results a using (unit_id, year, area_key)
            )
            select * from final""", [int(year)] + params).df()
    df["area"] = df["area_key"].map(AREA_NAMES)
    return df
