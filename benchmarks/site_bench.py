"""Static export on the real mirror: the whole site (every state, every county, every place a source names), pages
per second and the single-file downloads.

Loads the real mirror with ``sanctuarywatch ingest all --from MIRROR`` into a fresh store (or uses ``--db``), then
times ``web.export.build_site`` into a temporary folder and counts what it wrote: profile pages, other pages, data
files, bytes. Goal: the whole site in <= 10 minutes on 2 cores.

    python benchmarks/site_bench.py [--db STORE] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import MIRROR, machine_line, write_results  # noqa: E402


def _real_store(folder: Path) -> tuple[Path, float]:
    path = folder / "real.duckdb"
    env = {**os.environ, "SANCTUARYWATCH_OFFLINE": "1", "SANCTUARYWATCH_DB": str(path)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sanctuarywatch.cli", "ingest", "all", "--from", str(MIRROR)],
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"ingest of the real mirror failed:\n{done.stdout}\n{done.stderr}")
    return path, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a store already holding the real mirror")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    from sanctuarywatch.store.db import connect
    from sanctuarywatch.web.export import build_site

    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            db, ingest_s = args.db, None
        else:
            if not MIRROR.is_dir():
                raise SystemExit(f"the real mirror {MIRROR} is missing (set SANCTUARYWATCH_MIRROR)")
            db, ingest_s = _real_store(Path(tmp))
            print(f"real mirror ingested in {ingest_s:.1f} s")
        con = connect(db, read_only=True)
        named = con.execute(
            "SELECT level, count(*) FROM jurisdiction GROUP BY level ORDER BY level"
        ).fetchall()  # registry size, for scale
        con.close()
        out = Path(tmp) / "site"
        started = time.perf_counter()
        summary = build_site(db, out, workers=args.workers)
        seconds = time.perf_counter() - started
        files = [p for p in out.rglob("*") if p.is_file()]
        html = sum(1 for p in files if p.suffix == ".html")
        size = sum(p.stat().st_size for p in files)
        profiles = summary.jurisdictions
    figures = {"seconds": seconds, "pages": summary.pages, "html_files": html, "profile_pages": profiles,
               "data_files": summary.data_files, "files": len(files), "bytes": size,
               "pages_per_s": summary.pages / seconds, "profile_pages_per_s": profiles / seconds,
               "ingest_s": ingest_s, "registry": dict(named), "goal_met": seconds <= 600}  # fmt: skip
    print(f"registry: {', '.join(f'{n:,} {lvl}' for lvl, n in named)}")
    print(f"static site: {summary.pages:,} pages ({profiles:,} jurisdiction profiles: every state, every county and "
          f"every place a source names), {len(files):,} files, {size / 2**20:,.0f} MiB in {seconds:.1f} s")  # fmt: skip
    print(f"  {summary.pages / seconds:,.1f} pages/s ({profiles / seconds:,.1f} profile pages/s)  "
          f"goal (whole site <= 600 s): {'met' if seconds <= 600 else 'NOT met'}")  # fmt: skip
    write_results("site", figures, {"db": str(args.db), "workers": args.workers})


if __name__ == "__main__":
    main()
