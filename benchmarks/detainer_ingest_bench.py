"""Benchmark: ingest of detainer records in the FOIA format through the real pipeline, beside a plain pandas
read + row-by-row insert baseline, with rows/s and peak RSS for each.

    python benchmarks/detainer_ingest_bench.py [--rows 1000000] [--xlsx-rows 200000] [--baseline-rows 20000]

Goal: 1M rows in <= 60 s and <= 2 GiB RSS on 2 cores, >= 10x the baseline. Each measurement runs in a fresh
child process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fixtures.detainer_fixture import HEADER, TITLE_ROWS, table  # noqa: E402


def make_parquet(path: Path, rows: int) -> None:
    block = table(50_000)
    copies = -(-rows // block.num_rows)
    pq.write_table(pa.concat_tables([block] * copies).slice(0, rows), path, row_group_size=250_000)


def make_xlsx(path: Path, rows: int) -> None:
    import xlsxwriter

    block = table(10_000).to_pylist()
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    per_sheet, written, sheet_no = 1_000_000, 0, 0
    while written < rows:
        sheet_no += 1
        sheet = book.add_worksheet(f"Detainers {sheet_no}")
        for r, text in enumerate(TITLE_ROWS):
            sheet.write(r, 0, text)
        sheet.write_row(len(TITLE_ROWS), 0, HEADER)
        n = min(per_sheet, rows - written)
        for i in range(n):
            row = block[(written + i) % len(block)]
            sheet.write_row(len(TITLE_ROWS) + 1 + i, 0, [row[h] or "" for h in HEADER])
        written += n
    book.close()


def _ingest(path: str, db: str, out) -> None:
    from sanctuarywatch.sources import census_geography, ice_detainers
    from sanctuarywatch.sources.base import Finder, ParseContext
    from sanctuarywatch.store.db import connect
    from sanctuarywatch.store.ingest import ingest_source

    con = connect(Path(db))
    ingest_source(con, census_geography, Finder(None, Path(db).parent / "cache", offline=True), ParseContext())
    started = time.perf_counter()
    [result] = ingest_source(con, ice_detainers, Finder(Path(path).parent, Path(db).parent / "c", True), ParseContext())
    seconds = time.perf_counter() - started
    out.put({"rows": result.rows_loaded + result.rows_quarantined, "seconds": seconds,
             "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})  # fmt: skip


def _baseline(path: str, db: str, rows: int, out) -> None:
    import duckdb
    import pandas as pd

    started = time.perf_counter()
    frame = (
        pd.read_parquet(path).head(rows)
        if path.endswith(".parquet")
        else pd.read_excel(path, skiprows=6, nrows=rows, engine="openpyxl")
    )
    con = duckdb.connect(db)
    con.execute(f"CREATE TABLE detainer ({', '.join(f'c{i} VARCHAR' for i in range(len(frame.columns)))})")
    marks = ", ".join("?" for _ in frame.columns)
    con.executemany(
        f"INSERT INTO detainer VALUES ({marks})",
        [[None if pd.isna(v) else str(v) for v in r] for r in frame.itertuples(index=False)],
    )
    seconds = time.perf_counter() - started
    out.put({"rows": len(frame), "seconds": seconds,
             "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})  # fmt: skip


def _run(target, *args) -> dict:
    queue: mp.Queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=target, args=(*args, queue))
    proc.start()
    proc.join()
    return queue.get(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for fmt, rows in (("parquet", args.rows), ("xlsx", args.xlsx_rows)):
            if rows <= 0:
                continue
            folder = root / fmt
            folder.mkdir()
            data = folder / f"ice_detainers_bench.{fmt}"
            started = time.perf_counter()
            (make_parquet if fmt == "parquet" else make_xlsx)(data, rows)
            print(f"[{fmt}] generated {rows:,} rows ({data.stat().st_size / 2**20:.0f} MiB) in "
                  f"{time.perf_counter() - started:.1f} s")  # fmt: skip
            ours = _run(_ingest, str(data), str(root / f"{fmt}.duckdb"))
            base = _run(_baseline, str(data), str(root / f"{fmt}-base.duckdb"), min(rows, args.baseline_rows))
            ours_rate, base_rate = ours["rows"] / ours["seconds"], base["rows"] / base["seconds"]
            print(
                f"  sanctuarywatch ingest: {ours['seconds']:.1f} s, {ours_rate:,.0f} rows/s, "
                f"peak RSS {ours['rss_mib']:,.0f} MiB"
            )
            print(
                f"  baseline (pandas read + executemany, {base['rows']:,}-row sample): {base_rate:,.0f} rows/s, "
                f"peak RSS {base['rss_mib']:,.0f} MiB -> {rows / base_rate:,.0f} s extrapolated for {rows:,}"
            )
            print(f"  speed-up {ours_rate / base_rate:.0f}x  (goal: 1M rows <= 60 s, <= 2048 MiB, >= 10x)")


if __name__ == "__main__":
    main()
