"""Report speed: one unit's report in each format, and every report of 60 units, on this machine.

The database (60 units x 4 years) is built like the page benchmark's. The baseline, measured in the same run,
is gathering the report frames alone (the queries the pages run): the ratio says what laying out costs.
    python -m benchmarks.reports [--units 60]
"""

from __future__ import annotations

import argparse
import json
import time

from benchmarks.pages import YEARS, build
from zi_data import queries, reports
from zi_data.reports import data


def bench_reports(units: int = 60) -> dict:
    db = build(units)
    con = queries.connect(db)
    year = YEARS[-1]
    subs = queries.units_of_year(con, year)
    sid = subs["submission_id"].iloc[0]
    reports.write_unit(data.unit_report(con, sid), "pdf")  # fonts registered, modules imported: not timed

    def clock(fn, repeat: int = 3) -> float:
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        return round(best, 3)

    out: dict = {"units": len(subs), "year": year}
    out["one_report_frames_s"] = clock(lambda: data.unit_report(con, sid))
    for fmt in reports.UNIT_FORMATS:
        out[f"one_report_{fmt}_s"] = clock(lambda fmt=fmt: reports.unit_bytes(con, sid, fmt))
    frames_all = clock(lambda: [data.unit_report(con, s) for s in subs["submission_id"]], repeat=1)
    out["all_frames_s"] = frames_all
    for fmt in ("pdf", "docx"):
        t = time.perf_counter()
        n = sum(1 for _ in reports.all_units(con, year, None, fmt))
        elapsed = time.perf_counter() - t
        out[f"all_{fmt}_s"] = round(elapsed, 2)
        out[f"all_{fmt}_per_report_s"] = round(elapsed / n, 3)
        out[f"all_{fmt}_vs_frames_only"] = round(elapsed / frames_all, 2)
    for fmt in reports.RECAP_FORMATS:
        out[f"recap_{fmt}_s"] = clock(lambda fmt=fmt: reports.recap_bytes(con, year, None, fmt))
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=60)
    print(json.dumps(bench_reports(parser.parse_args().units), indent=2))


if __name__ == "__main__":
    main()
