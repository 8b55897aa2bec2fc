"""Benchmark: the weekly declined-detainer report and the jurisdiction profile on a store of 1M detainers.

Builds a store (registry from the package, 300 facilities in real counties, N synthetic detainer records
spread over 2022-2025 with ~8% declined), refreshes the summaries, then prints the report time for several
weeks and profile p50/p95 over 200 jurisdictions, both as SQL per request and as served (ProfileIndex, loaded
once). Goals: report <= 1 s, served profile <= 20 ms p50.

    python benchmarks/analysis_bench.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sanctuarywatch.analysis.ddor_report import declined_detainer_report
from sanctuarywatch.analysis.profile import jurisdiction_profile
from sanctuarywatch.analysis.profile_index import ProfileIndex
from sanctuarywatch.analysis.summaries import refresh_summaries
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import census_geography
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
from sanctuarywatch.web.pages import to_json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_line, write_results  # noqa: E402


def build(path: Path, rows: int):
    con = connect(path)
    ingest_source(con, census_geography, Finder(None, path.parent / "cache", offline=True), ParseContext())
    con.execute(
        """INSERT INTO ice_facility (facility_code, name, state_abbr, geoid, resolution_status, release_id, file_name)
           SELECT 'F' || lpad(CAST(row_number() OVER () AS VARCHAR), 5, '0'), name || ' Jail', state_abbr, geoid,
                  'accepted', 'bench', 'bench'
           FROM (SELECT * FROM jurisdiction WHERE level = 'county' ORDER BY hash(geoid) LIMIT 300)"""
    )
    started = time.perf_counter()
    con.execute(
        f"""INSERT INTO detainer (prepare_date, facility_state, facility_code, detainer_type, criminality,
                                 lift_reason, citizenship_country, release_id, file_name, row_number)
            SELECT DATE '2022-01-01' + CAST(hash(i) % 1461 AS INTEGER), f.state_abbr, f.facility_code,
                   'Detainer', ['1 Convicted Criminal', '2 Pending Criminal Charges',
                                '3 Other Immigration Violator'][1 + CAST(hash(i * 7) % 3 AS INTEGER)],
                   CASE WHEN hash(i * 13) % 100 < 8 THEN 'Detainer Declined by LEA'
                        WHEN hash(i * 13) % 100 < 60 THEN 'Removed' ELSE NULL END,
                   ['Mexico', 'Guatemala', 'Honduras', 'El Salvador', 'India'][1 + CAST(hash(i * 3) % 5 AS INTEGER)],
                   'bench', 'bench.parquet', i
            FROM range({rows}) t(i)
            JOIN (SELECT facility_code, state_abbr, row_number() OVER (ORDER BY facility_code) - 1 AS k
                  FROM ice_facility) f ON f.k = hash(i * 31) % 300"""
    )
    print(f"generated {rows:,} detainer rows in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    summary_rows = refresh_summaries(con)
    print(f"refresh_summaries: {summary_rows:,} county-month rows in {time.perf_counter() - started:.2f} s")
    return con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        con = build(Path(tmp) / "bench.duckdb", args.rows)
        times = []
        for k in range(8):
            week = date(2023, 1, 2) + timedelta(weeks=7 * k)
            started = time.perf_counter()
            report = declined_detainer_report(con, week)
            times.append(time.perf_counter() - started)
        print(
            f"weekly report: {len(report.rows):,} declined rows in the last week; "
            f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms  (goal <= 1000 ms)"
        )
        geoids = [
            r[0]
            for r in con.execute(
                "SELECT geoid FROM ice_facility UNION ALL SELECT geoid FROM (SELECT geoid FROM jurisdiction "
                "ORDER BY hash(geoid) LIMIT 100)"
            ).fetchall()
        ][:200]
        jurisdiction_profile(con, geoids[0])  # warm the catalog
        started = time.perf_counter()
        index = ProfileIndex(con)  # what the server and the static build load once, then answer from
        index_s = time.perf_counter() - started
        same = sum(to_json(index.profile(con, g)) == to_json(jurisdiction_profile(con, g)) for g in geoids[:20])
        print(f"profile index: loaded in {index_s:.2f} s; same JSON as the SQL profile for {same} of 20 checked")
        percentiles = {}
        for label, one in (("SQL, per request (jurisdiction_profile)", lambda g: jurisdiction_profile(con, g)),
                           ("served (ProfileIndex)", lambda g: index.profile(con, g))):  # fmt: skip
            samples = []
            for geoid in geoids:
                started = time.perf_counter()
                one(geoid)
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            p50, p95 = samples[len(samples) // 2], samples[int(len(samples) * 0.95)]
            percentiles[label] = {"p50_ms": p50, "p95_ms": p95}
            print(f"profile, {label}: {len(samples)} jurisdictions, p50 {p50:.2f} ms, p95 {p95:.2f} ms")
        served = percentiles["served (ProfileIndex)"]["p50_ms"]
        print(f"goal (report <= 1000 ms, served profile p50 <= 20 ms): "
              f"{'met' if max(times) <= 1 and served <= 20 else 'NOT met'}")  # fmt: skip
        con.close()
    figures = {"rows": args.rows, "report_median_ms": statistics.median(times) * 1000,
               "report_max_ms": max(times) * 1000, "profile": percentiles, "profile_index_load_s": index_s,
               "goal_met": max(times) <= 1 and served <= 20}  # fmt: skip
    write_results("analysis", figures, vars(args))


if __name__ == "__main__":
    main()
