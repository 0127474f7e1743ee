"""Parameterised read-only queries returning the frames the dashboard pages show; no score is computed here."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from . import store
from .catalog import load_catalog
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
    """What the sidebar filters offer: years (newest first), instansi, editions and assessment levels present."""
    years = [r[0] for r in con.execute("select distinct year from current_submissions order by year desc").fetchall()]
    inst = [r[0] for r in con.execute("select distinct instansi from current_submissions order by 1").fetchall()]
    eds = [r[0] for r in con.execute("select distinct edition from current_submissions order by 1").fetchall()]
    levels = [r[0] for r in con.execute("select distinct p.assessor from predicates p join current_submissions c "
                                        "using (submission_id)").fetchall()]
    return {"years": years, "instansi": inst, "editions": eds, "levels": sorted(levels, key=level_order)}


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


# Exclusive predicate groups, the highest first: a WBBM unit is counted under WBBM only.
PREDICATE_GROUPS = ("WBBM", "WBK", "Belum memenuhi")


def summary(df: pd.DataFrame) -> dict[str, float | int | None]:
    """Headline figures of a unit_scores frame (with_change applied).

    "wbbm", "wbk" and "not_met" are exclusive groups by the highest predicate reached (the donut's slices):
    a unit meeting WBBM is not counted again under WBK. "unscored": units without a score at this level.
    A partial file loaded on request ("perlu diperiksa") is counted as a unit but left out of the mean and
    every predicate group: its score is not comparable with complete ones."""
    review = df["needs_review"].notna() if "needs_review" in df else pd.Series(False, index=df.index)
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
    review = df["needs_review"].notna() if "needs_review" in df else pd.Series(False, index=df.index)
    change = pd.to_numeric(df["change"], errors="coerce").round(DIGITS)
    known = df[change.notna() & ~review].assign(change=change)
    rises = known[known["change"] > 0].sort_values(["change", "unit_name"], ascending=[False, True])
    falls = known[known["change"] < 0].sort_values(["change", "unit_name"], ascending=[True, True])
    return rises.head(top).reset_index(drop=True), falls.head(top).reset_index(drop=True)


def unit_labels(df: pd.DataFrame) -> pd.Series:
    """How a unit is named on screen and in the address: its name, with the instansi when another unit of the
    frame has the same name (two Pemda each have a "Dinas Kesehatan")."""
    if df.empty:
        return pd.Series([], index=df.index, dtype=object)
    twice = df["unit_name"].duplicated(keep=False)
    return df["unit_name"].where(~twice, df["unit_name"] + " (" + df["instansi"] + ")")


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
        s = ed.structure.set_index("node_id")
        for area in ed.areas.itertuples():
            parent = area.parent_id
            part = s.at[parent, "name"] if parent and s.at[parent, "level"] == "sub_komponen" else None
            rows.append({"edition": name, "area_id": area.node_id, "area_key": area.area_key,
                         "area": f"{area.name} ({part})" if part else area.name})
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


def unit_gaps(con: duckdb.DuckDBPyConnection, submission_id: str, assessor: str) -> pd.DataFrame:
    """A unit's indicators ordered by the points still to gain, with the rules each one is part of."""
    df = con.execute(
        """select c.edition, s.node_id as indicator_id, s.name as indicator, s.parent_id as area_id, s.score, s.weight,
                  s.weight - s.score as gain, s.completeness
           from scores s join stg_submissions c using (submission_id)
           where s.submission_id = ? and s.assessor = ? and s.level = 'indicator'
           order by gain desc, s.weight desc""", [submission_id, assessor]).df()
    df = df.merge(_area_labels(), on=["edition", "area_id"], how="left")
    fails = rule_results(con, submission_id, assessor)
    fails = fails[~fails["passed"]]
    failing_areas = set(fails["target"])
    failing_predicates = {p: set(fails.loc[fails["predicate"] == p, "target"]) for p in ("WBK", "WBBM")}

    def helps(row) -> str:
        # An indicator helps a failing rule when the rule is about its area or about the totals.
        out = []
        for predicate, targets in failing_predicates.items():
            if row["area_id"] in targets or targets & {"TOTAL", "PENGUNGKIT", row["indicator_id"]}:
                out.append(predicate)
        return ", ".join(out)

    df["membantu"] = df.apply(helps, axis=1) if len(df) else []
    df["area_gagal"] = df["area_id"].isin(failing_areas)
    return df


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
            select * from final""", params + [assessor]).df()
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
        return pd.DataFrame(columns=["submission_id", "unit_name", "instansi", "year", "file_name", "needs_review",
                                     "assessor", "total", "predicate", "warnings"])
    df = con.execute(
        """select s.submission_id, u.unit_name, u.instansi, s.year, s.file_name, s.needs_review, p.assessor,
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
        """select h.happened_at, h.event, u.unit_name, s.year, s.file_name, h.detail
           from history h left join stg_submissions s using (submission_id) left join stg_units u using (unit_id)
           order by h.happened_at desc limit ?""", [int(limit)]).df()
