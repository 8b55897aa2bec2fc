"""Load benchmark: the profile JSON endpoint at a fixed request rate on loopback, bounded in time.

Starts `sanctuarywatch serve` on 127.0.0.1 (a subprocess, against a store you give or a registry-only store it
builds), then sends GET /api/jurisdictions/{geoid}/profile at --rate requests/s for --seconds over many GEOIDs
with an async httpx client, and prints p50/p99 latency and errors. Goal: p99 <= 50 ms at 200 req/s, 0 errors.

    python benchmarks/load_bench.py [--db STORE] [--rate 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_line, write_results  # noqa: E402


def _registry_store(folder: Path) -> Path:
    from sanctuarywatch.pipeline.ingest import ingest_source
    from sanctuarywatch.sources import census_geography
    from sanctuarywatch.sources.base import Finder, ParseContext
    from sanctuarywatch.store.db import connect

    path = folder / "bench.duckdb"
    con = connect(path)
    ingest_source(con, census_geography, Finder(None, folder / "cache", offline=True), ParseContext())
    con.close()
    return path


async def _drive(base: str, geoids: list[str], rate: int, seconds: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=5.0, limits=limits) as client:

        async def one(geoid: str) -> None:
            nonlocal errors
            started = time.perf_counter()
            try:
                response = await client.get(f"/api/jurisdictions/{geoid}/profile")
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        start = time.perf_counter()
        for i in range(rate * seconds):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(geoids[i % len(geoids)])))
        await asyncio.gather(*tasks)
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or _registry_store(Path(tmp))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "SANCTUARYWATCH_DB": str(db)}
        server = subprocess.Popen([sys.executable, "-m", "sanctuarywatch.cli", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(base + "/api/jurisdictions?limit=1").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            started = time.perf_counter()
            while (
                not httpx.get(base + "/api/status").json()["warm_up"]["finished"]
                and time.perf_counter() - started < 180
            ):
                time.sleep(1)
            status = httpx.get(base + "/api/status").json()
            waited = time.perf_counter() - started
            print(f"server warm-up: {status['profiles_cached']:,} profiles cached in {waited:.0f} s")
            rows = httpx.get(base + "/api/jurisdictions", params={"level": "county", "limit": 1000}).json()["items"]
            geoids = [r["geoid"] for r in rows]
            latencies, errors = asyncio.run(_drive(base, geoids, args.rate, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=10)
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(
        f"profile JSON at {args.rate} req/s for {args.seconds} s: {len(latencies):,} requests, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, errors {errors}  (goal p99 <= 50 ms, 0 errors)"
    )
    figures = {"requests": len(latencies), "p50_ms": p50, "p99_ms": p99, "errors": errors,
               "goal_met": p99 <= 50 and errors == 0}  # fmt: skip
    write_results("load", figures, {"db": str(args.db), "rate": args.rate, "seconds": args.seconds})


if __name__ == "__main__":
    main()
