"""Load benchmark: mixed traffic at fixed request rates on loopback, cold and warm, bounded in time.

For each rate (default 100, 200, 400 req/s) it starts a fresh `sanctuarywatch serve` on 127.0.0.1 and sends mixed
traffic at once (cold: nothing cached yet, warm-up running); then, on one server whose warm-up has finished (or
--warm-timeout passed), the same rates again (warm). The mix: profile JSON and profile pages over every page
jurisdiction, jurisdiction listings and name searches, list members, home, lists, declined-detainer reports for
each published week, the map data, the 287(g) series and sources, and a few profiles as of a random day.
Prints p50/p99 latency of all answers, errors (anything but 200 and 503, or no answer) and 503s (load shed) per
run. Goal: p99 <= 50 ms and 0 errors at 200 req/s; at 400 req/s quick 503s, never multi-second waits.

    python benchmarks/load_bench.py --db STORE [--rates 100,200,400] [--seconds 15] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_line, write_results  # noqa: E402


def _targets(db: Path) -> dict[str, list]:
    """What the traffic asks for, read from the store (read-only: the server serves its own snapshot)."""
    from sanctuarywatch.analysis import catalog
    from sanctuarywatch.store.db import connect

    con = connect(db, read_only=True)
    try:
        geoids = catalog.page_geoids(con)
        names = [f"{n}, {s}" for n, s in con.execute("SELECT name, state_abbr FROM jurisdiction WHERE level = "
                                                     "'county' ORDER BY geoid LIMIT 500").fetchall()]  # fmt: skip
        weeks = [
            str(r[0]) for r in con.execute("SELECT DISTINCT report_week_start FROM ddor_declined_detainer").fetchall()
        ]
        lists = [r[0] for r in con.execute("SELECT DISTINCT list_id FROM list_membership").fetchall()]
    finally:
        con.close()
    return {"geoids": geoids, "names": names, "weeks": weeks or ["2017-01-28"], "lists": lists}


def _mix(t: dict[str, list], rng: random.Random):
    """One request path of the mixed traffic (weights in percent)."""
    g = rng.choice(t["geoids"])
    day = date(2008, 1, 1) + timedelta(days=rng.randrange(6500))
    choices = [
        (33, f"/api/jurisdictions/{g}/profile"),
        (15, f"/jurisdictions/{g}/"),
        (10, f"/api/jurisdictions?level=county&limit=100&offset={rng.randrange(32) * 100}"),
        (6, f"/api/lists/{rng.choice(t['lists'])}/members?offset={rng.randrange(6) * 100}"),
        (5, f"/api/jurisdictions?q={rng.choice(t['names'])}"),
        (5, "/"),
        (5, "/lists/"),
        (5, f"/api/reports/declined-detainers?week={rng.choice(t['weeks'])}"),
        (4, "/data/map.json"),
        (4, rng.choice(["/api/287g/series", "/api/sources", "/api/lists", "/api/lists/compare"])),
        (3, f"/api/jurisdictions/{g}"),
        (5, f"/api/jurisdictions/{g}/profile?as_of={day}"),
    ]
    pick = rng.randrange(sum(w for w, _ in choices))
    for weight, path in choices:
        if pick < weight:
            return path
        pick -= weight
    raise AssertionError


async def _get(port: int, path: str) -> int:
    """One GET on a new loopback connection; the status code. (httpx's pool, not the server, was the bottleneck
    past ~100 req/s: a bare request per connection keeps the client out of the figures.)"""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"GET {quote(path, safe='/?=&,:')} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        while await reader.read(65536):
            pass
        return status
    finally:
        writer.close()


async def _drive(port: int, paths: list[str], rate: int) -> dict:
    latencies: list[float] = []
    counts = {"ok": 0, "shed": 0, "errors": 0}

    async def one(path: str) -> None:
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(_get(port, path), 10)
            key = {200: "ok", 503: "shed"}.get(status, "errors")
        except (OSError, TimeoutError, ValueError, IndexError):
            key = "errors"
        counts[key] += 1
        latencies.append((time.perf_counter() - started) * 1000)

    tasks = []
    start = time.perf_counter()
    for i, path in enumerate(paths):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(path)))
    await asyncio.gather(*tasks)
    latencies.sort()
    n = len(latencies)
    return {"rate": rate, "requests": n, "p50_ms": round(latencies[n // 2], 1),
            "p99_ms": round(latencies[min(n - 1, int(n * 0.99))], 1), "max_ms": round(latencies[-1], 1),
            "errors": counts["errors"], "shed_503": counts["shed"]}  # fmt: skip


class Server:
    def __init__(self, db: Path, workers: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "sanctuarywatch.cli", "serve", "--port", str(self.port), "--db", str(db),
               "--workers", str(workers)]  # fmt: skip
        self.proc = subprocess.Popen(cmd, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/api/status", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("the server did not start within 60 s")

    def warm(self, timeout: float) -> float:
        """Seconds until every worker reports its warm-up finished (each answer comes from one worker)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            states = [httpx.get(self.base + "/api/status", headers={"connection": "close"}).json() for _ in range(6)]
            if all(s["warm_up"]["finished"] for s in states):
                break
            time.sleep(2)
        return time.monotonic() - started

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _line(phase: str, r: dict) -> str:
    return (f"{phase:5} {r['rate']:4} req/s: {r['requests']:6,} requests  p50 {r['p50_ms']:7.1f} ms  "
            f"p99 {r['p99_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms  errors {r['errors']}  "
            f"503s {r['shed_503']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="A store (e.g. the real mirror ingested).")
    parser.add_argument("--rates", default="100,200,400")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warm-timeout", type=float, default=600)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    print(machine_line(), flush=True)
    targets = _targets(args.db)
    results = []
    for rate in rates:
        rng = random.Random(rate)
        server = Server(args.db, args.workers)
        try:
            r = {"phase": "cold", **asyncio.run(_drive(server.port, [_mix(targets, rng) for _ in range(rate *
                                                                       args.seconds)], rate))}  # fmt: skip
        finally:
            server.stop()
        print(_line("cold", r), flush=True)
        results.append(r)
    server = Server(args.db, args.workers)
    try:
        waited = server.warm(args.warm_timeout)
        print(f"warm-up: {waited:.0f} s", flush=True)
        for rate in rates:
            rng = random.Random(rate + 1)
            paths = [_mix(targets, rng) for _ in range(rate * args.seconds)]
            r = {"phase": "warm", **asyncio.run(_drive(server.port, paths, rate))}
            print(_line("warm", r), flush=True)
            results.append(r)
            time.sleep(2)
    finally:
        server.stop()
    goal = [r for r in results if r["rate"] == 200]
    met = all(r["p99_ms"] <= 50 and r["errors"] == 0 and r["shed_503"] == 0 for r in goal)
    seen = ", ".join(f"{r['phase']} p99 {r['p99_ms']} ms" for r in goal)
    print(f"goal p99 <= 50 ms, 0 errors, no 503 at 200 req/s: {'met' if met else 'NOT met'} ({seen})")
    write_results("load", {"runs": results, "goal_met_200": met, "warm_up_s": round(waited)},
                  {"db": str(args.db), "rates": rates, "seconds": args.seconds, "workers": args.workers})  # fmt: skip


if __name__ == "__main__":
    main()
