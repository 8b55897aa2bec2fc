"""Benchmark: detainer records in the ICE FOIA layout through the real ingest pipeline, beside a naive baseline.

    .venv/bin/python benchmarks/detainer_ingest_bench.py [--rows 1000000] [--formats parquet,xlsx]
        [--xlsx-rows N] [--baseline-rows 50000] [--keep DIR]

For each format: generate ``--rows`` records (xlsx via xlsxwriter constant_memory, six title rows, up to 1M rows a
sheet), ingest them into a fresh store with ``ingest_source`` (discover + checksum + parse + one-transaction write),
and report rows/s and peak RSS. Baseline (clearly labelled): ``pd.read_parquet`` / ``pd.read_excel`` (openpyxl) of
a ``--baseline-rows`` file, per-row Python checks, and ``executemany`` inserts into DuckDB; its rate is
extrapolated to ``--rows``. Each measurement runs in a fresh child interpreter; peak RSS is the child's
``ru_maxrss``. Goal: 1M rows <= 60 s, <= 2 GiB RSS on 2 cores, >= 10x the baseline.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fixtures.detainer_fixture import HEADER, TITLE_ROWS, rows, table, write_record  # noqa: E402

BLOCK = 50_000


def make_parquet(path: Path, n: int) -> None:
    block = table(min(n, BLOCK))
    copies = -(-n // block.num_rows)
    pq.write_table(pa.concat_tables([block] * copies).slice(0, n), path, row_group_size=131_072)


def make_xlsx(path: Path, n: int) -> None:
    import xlsxwriter

    block = rows(min(n, BLOCK))
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date_cell = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    per_sheet, written = 1_000_000, 0
    while written < n:
        sheet = book.add_worksheet(f"Detainers {written // per_sheet + 1}")
        for r, text in enumerate(TITLE_ROWS):
            sheet.write(r, 0, text)
        sheet.write_row(len(TITLE_ROWS), 0, HEADER)
        count = min(per_sheet, n - written)
        for i in range(count):
            write_record(sheet, len(TITLE_ROWS) + 1 + i, block[(written + i) % len(block)], date_cell)
        written += count
    book.close()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_ingest(path: Path, db: Path) -> dict:
    """The real pipeline into a fresh store; parse timed separately (wrapped, not run twice)."""
    from types import SimpleNamespace

    from sanctuarywatch.sources import ice_detainers
    from sanctuarywatch.sources.base import Finder, ParseContext
    from sanctuarywatch.store.db import connect
    from sanctuarywatch.store.ingest import ingest_source

    con = connect(db)
    timing: dict[str, float] = {}

    def timed_parse(release, ctx):
        t = time.perf_counter()
        try:
            return ice_detainers.parse(release, ctx)
        finally:
            timing["parse_s"] = time.perf_counter() - t

    connector = SimpleNamespace(SPEC=ice_detainers.SPEC, discover=ice_detainers.discover, parse=timed_parse)
    started = time.perf_counter()
    [result] = ingest_source(con, connector, Finder(path.parent, db.parent / "cache", True), ParseContext())
    seconds = time.perf_counter() - started
    stored = con.execute("SELECT count(*) FROM detainer").fetchone()[0]
    con.close()
    return {"rows": result.rows_loaded + result.rows_quarantined, "stored": stored, "seconds": seconds,
            **timing, "rss_mib": _peak_mib()}  # fmt: skip


def worker_baseline(path: Path, db: Path) -> dict:
    """Naive: pandas read, per-row Python checks, executemany into DuckDB."""
    from datetime import datetime

    import duckdb
    import pandas as pd

    started = time.perf_counter()
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_excel(path, sheet_name=None, skiprows=len(TITLE_ROWS), engine="openpyxl")
        frame = pd.concat(frame.values())
    kept = [h for h in HEADER if h not in ("Birth Date", "Birth Year", "Gender")]
    states = {"NY", "IL", "TX", "CA", "FL", "GA", "AZ", "WA", "NJ", "LA", "MN"}
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE detainer ({', '.join(f'c{i} VARCHAR' for i in range(len(kept)))}, d DATE)")
    good = []
    for record in frame[kept].itertuples(index=False):
        values = [None if pd.isna(v) else str(v) for v in record]
        try:
            day = datetime.strptime(values[0][:10], "%Y-%m-%d").date()
        except (TypeError, ValueError):
            continue
        if (values[1] or "").strip().upper() in states:
            good.append([*values, day])
    con.executemany(f"INSERT INTO detainer VALUES ({', '.join('?' * (len(kept) + 1))})", good)
    con.close()
    return {"rows": len(frame), "seconds": time.perf_counter() - started, "rss_mib": _peak_mib()}


def _child(kind: str, path: Path, db: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", kind, str(path), str(db)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default="parquet,xlsx")
    parser.add_argument("--xlsx-rows", type=int, default=None, help="rows for xlsx (default: --rows)")
    parser.add_argument("--baseline-rows", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, default=None, help="generate into (and reuse) this folder")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, path, db = args.worker
        print(json.dumps((worker_ingest if kind == "ingest" else worker_baseline)(Path(path), Path(db))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        for fmt in args.formats.split(","):
            n = args.xlsx_rows if fmt == "xlsx" and args.xlsx_rows else args.rows
            make = make_parquet if fmt == "parquet" else make_xlsx
            runs = {}
            for label, count in (("ingest", n), ("baseline", min(n, args.baseline_rows))):
                folder = root / f"{fmt}-{count}"
                folder.mkdir(parents=True, exist_ok=True)
                data = folder / f"ice_detainers_bench.{fmt}"
                if not data.exists():
                    t = time.perf_counter()
                    make(data, count)
                    print(f"[{fmt}] generated {count:,} rows ({data.stat().st_size / 2**20:,.0f} MiB) "
                          f"in {time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
                db = Path(tmp) / f"{fmt}-{label}.duckdb"
                db.unlink(missing_ok=True)
                runs[label] = _child(label, data, db)
            ours, base = runs["ingest"], runs["baseline"]
            rate, base_rate = ours["rows"] / ours["seconds"], base["rows"] / base["seconds"]
            print(f"[{fmt}] sanctuarywatch ingest of {ours['rows']:,} rows: {ours['seconds']:.1f} s "
                  f"(parse {ours.get('parse_s', 0):.1f} s), {rate:,.0f} rows/s, peak RSS {ours['rss_mib']:,.0f} MiB, "
                  f"{ours['stored']:,} stored")  # fmt: skip
            print(f"[{fmt}] BASELINE pandas read + per-row checks + executemany, measured on {base['rows']:,} rows: "
                  f"{base_rate:,.0f} rows/s, peak RSS {base['rss_mib']:,.0f} MiB -> extrapolated "
                  f"{n / base_rate:,.0f} s for {n:,} rows")  # fmt: skip
            ok = ours["seconds"] * 1_000_000 / n <= 60 and ours["rss_mib"] <= 2048 and rate >= 10 * base_rate
            print(f"[{fmt}] speed-up {rate / base_rate:,.1f}x; goal (1M <= 60 s, <= 2048 MiB, >= 10x): "
                  f"{'met' if ok else 'NOT met'}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
