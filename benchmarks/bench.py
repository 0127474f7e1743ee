"""`make bench`: ingestion speed against two baselines in the same process, and peak memory.

Baselines: pandas.read_excel with openpyxl (what a notebook would do), and a raw python-calamine read of
every sheet of the same files (the least any reader must do). The reader alone is timed too, one
process, so that where the time goes shows.

Figures are ratios against a baseline measured in the same run, never pass/fail limits.
    python -m benchmarks.bench [--files 1000] [--pages] [--reports] [--api]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".bench"


def generate(n: int) -> Path:
    """N demo workbooks (the jawaban layout and the LKE ZI sheet), cached between runs."""
    from zi_data.demo import generate as demo

    folder = WORK / f"files-{n}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    years = [2023, 2024, 2025, 2026]
    units = max(1, n // len(years))
    t = time.perf_counter()
    demo(folder, units=units, years=years, seed=11, bad_files=False, surveys=False)
    marker.write_text("ok")
    print(f"generated {sum(1 for _ in folder.rglob('*.xls*'))} workbooks in {time.perf_counter() - t:.1f} s")
    return folder


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def bench_ingest(n: int) -> dict:
    from python_calamine import CalamineWorkbook

    from zi_data.access import COMMAND_LINE_ROLE
    from zi_data.ingest import ingest_paths
    from zi_data.readers import read_workbook

    folder = generate(n)
    files = sorted(folder.rglob("*.xls*"))
    db = WORK / "bench.duckdb"
    for p in WORK.glob("bench.duckdb*"):
        p.unlink()

    t = time.perf_counter()
    for f in files:
        pd.read_excel(f, sheet_name=None, engine="openpyxl")
    baseline = time.perf_counter() - t

    t = time.perf_counter()
    for f in files:
        book = CalamineWorkbook.from_path(str(f))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    raw = time.perf_counter() - t

    t = time.perf_counter()
    for f in files:
        read_workbook(f)
    reader = time.perf_counter() - t

    t = time.perf_counter()
    first = ingest_paths([folder], db, actor_role=COMMAND_LINE_ROLE)  # as `zi ingest`
    ingest = time.perf_counter() - t

    t = time.perf_counter()
    again = ingest_paths([folder], db, actor_role=COMMAND_LINE_ROLE)
    unchanged = time.perf_counter() - t

    return {
        "files": len(files),
        "baseline_pandas_openpyxl_s": round(baseline, 2),
        "baseline_files_per_s": round(len(files) / baseline, 1),
        "ingest_s": round(ingest, 2),
        "ingest_files_per_s": round(len(files) / ingest, 1),
        "speedup_vs_baseline": round(baseline / ingest, 2),
        "raw_calamine_read_s": round(raw, 2),
        "ingest_vs_raw_read": round(ingest / raw, 2),
        "reader_only_s_one_process": round(reader, 2),
        "reader_vs_raw_read": round(reader / raw, 2),
        "loaded": first.loaded,
        "rejected": len(first.rejected),
        "reingest_unchanged_s": round(unchanged, 2),
        "reingest_unchanged": again.unchanged,
        "peak_memory_mb": round(peak_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--pages", action="store_true", help="also time the dashboard pages")
    parser.add_argument("--units", type=int, default=2000, help="units in the page benchmark database")
    parser.add_argument("--reports", action="store_true", help="also time the reports (60 units)")
    parser.add_argument("--api", action="store_true", help="also time the PortalRB API over HTTPS")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    result = {"ingest": bench_ingest(args.files)}
    if args.pages:
        from benchmarks.pages import bench_pages

        result["pages"] = bench_pages(args.units)
    if args.reports:
        from benchmarks.reports import bench_reports

        result["reports"] = bench_reports(60)
    if args.api:
        from benchmarks.api import bench_api

        result["api"] = bench_api(args.units)
    print(json.dumps(result, indent=2))
    (WORK / "last.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
