"""Page speed with a large database: each page's query functions, and a full AppTest run of each page.

The database (2,000 units x 4 years by default) is built through the same scoring and writing path
as `zi ingest`, from demo answers held in memory rather than Excel files (writing 8,000 workbooks
would only measure openpyxl).
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from pathlib import Path

from zi_data import queries
from zi_data.catalog import load_catalog
from zi_data.cycle.demo import add_cycle
from zi_data.demo import answers_for
from zi_data.demo_units import make_units
from zi_data.evaluate import evaluate
from zi_data.ingest import IngestSummary, Prepared, _write_batch
from zi_data.readers.base import Workbook
from zi_data.store import connect

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".bench"
YEARS = [2023, 2024, 2025, 2026]
PAGES = ["ringkasan", "peringkat", "kesenjangan", "tren", "profil_unit", "survei", "siklus", "data"]


def _fingerprint() -> str:
    """What the database is built from (the library, its data files, this builder): a cached database built by
    other code (an older schema, no cycle data) is not reused."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "zi_data").rglob("*.py"), *(ROOT / "data").glob("*.csv"), Path(__file__)]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def build(units: int) -> Path:
    db = WORK / f"pages-{units}-{_fingerprint()}.duckdb"
    if db.exists():
        return db
    for old in [*WORK.glob(f"pages-{units}.duckdb*"), *WORK.glob(f"pages-{units}-*.duckdb*")]:
        old.unlink()  # built by other code: never read again
    rng = random.Random(5)
    catalog = load_catalog()
    people = make_units(units, rng)
    con = connect(db)
    summary = IngestSummary()
    t = time.perf_counter()
    for yi, year in enumerate(YEARS):
        ed = catalog[catalog.edition_for_year(year)]
        batch = []
        for i, unit in enumerate(people):
            unit_ans, tpi_ans, notes = answers_for(unit, ed, yi, rng)
            rows = [("unit", q, v, notes.get(q), None, "Jawaban", 0) for q, v in unit_ans.items()]
            rows += [("tpi", q, v, None, None, "Jawaban", 0) for q, v in tpi_ans.items()]
            wb = Workbook(path=Path(f"{year}_{unit.name}.xlsx"), layout="jawaban", edition=ed.edition,
                          unit=unit.name, instansi=unit.instansi, year=year, rows=rows)
            sha = f"bench-{year}-{i}"
            batch.append(Prepared.of(wb.path, sha, 0, evaluate(wb, catalog)))
            if len(batch) == 500:
                _write_batch(con, batch, summary)
                batch = []
        _write_batch(con, batch, summary)
    con.close()
    # the cycle: a roster each year, TPN results for the earlier years, a saved proposal
    add_cycle(WORK / f"pages-{units}-cycle", db, units, YEARS, seed=5)
    print(f"built {db.name}: {summary.loaded} submissions in {time.perf_counter() - t:.0f} s")
    return db


def time_queries(db: Path) -> dict[str, float]:
    """Seconds for the query functions each page calls (cold: Streamlit's cache is not involved)."""
    con = queries.connect(db)
    year = queries.options(con)["years"][0]
    out = {}

    def clock(name, fn):
        t = time.perf_counter()
        fn()
        out[name] = round(time.perf_counter() - t, 3)

    def ringkasan():
        for a in ("tpi", "tpi"):
            df = queries.with_change(con, queries.unit_scores(con, year, a), year, a)
            queries.summary(df)
            queries.area_shares(df)

    def peringkat():
        queries.with_change(con, queries.unit_scores(con, year, "tpi"), year, "tpi")

    def kesenjangan():
        ind = queries.indicator_scores(con, year, "tpi")
        queries.weakest_indicators(ind)
        sid = ind["submission_id"].iloc[0]
        queries.unit_gaps(con, sid, "tpi")
        queries.rule_results(con, sid, "tpi")

    def tren():
        queries.unit_scores(con, year, "tpi")
        queries.trend(con, "tpi", "unit")

    def profil_unit():
        df = queries.unit_scores(con, year, "unit")
        queries.unit_scores(con, year, "tpi")
        sid = df["submission_id"].iloc[0]
        queries.profile_questions(con, sid)
        queries.profile_areas(con, sid)
        queries.warnings(con, sid)

    def survei():
        queries.survey_vs_scores(queries.unit_scores(con, year, "tpi"), con, "tpi")

    def siklus():
        queries.cycle_status(con, year)
        queries.proposal(con, year, "WBK", 25)
        queries.saved_proposals(con, year)
        tpn_year = queries.tpn_years(con)[0]
        queries.calibration_units(con, tpn_year)
        queries.calibration_areas(con, tpn_year)

    def data():
        queries.submissions(con)
        queries.rejects(con)
        queries.warnings(con)
        queries.history(con)

    for name, fn in zip(PAGES, (ringkasan, peringkat, kesenjangan, tren, profil_unit, survei, siklus, data),
                        strict=True):
        clock(name, fn)
    con.close()
    return out


def time_apptest(db: Path) -> dict[str, dict[str, float]]:
    """Seconds for a full AppTest run of each page: first (empty cache) and again (cached)."""
    from streamlit.testing.v1 import AppTest

    os.environ["ZI_DB"] = str(db)
    out = {}
    for name in PAGES:
        runs = []
        for _ in range(2):
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
            t = time.perf_counter()
            at.run()
            if name != "ringkasan":
                at.switch_page(f"pages/{name}.py")
                t = time.perf_counter()
                at.run()
            runs.append(round(time.perf_counter() - t, 3))
            assert not at.exception, [e.message for e in at.exception]
        out[name] = {"first_s": runs[0], "cached_s": runs[1]}
    return out


def bench_pages(units: int = 2000) -> dict:
    from benchmarks.cold import bench_cold

    db = build(units)
    return {"units": units, "years": len(YEARS), "cold_first_page": bench_cold(db), "queries_s": time_queries(db),
            "apptest": time_apptest(db)}
