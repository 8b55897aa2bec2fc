"""Resolver throughput on >= 50k messy names, beside a naive baseline, in one run.

Builds a registry store from packaged data in a temporary folder, generates messy variants of real
registry names (abbreviations, case, agency words, state suffixes, typos), then prints names/s for:
  * our resolver, cold (a new Resolver, so no cached answers) over all names;
  * the naive baseline: rapidfuzz.process.extractOne over every registry name, on a sample, extrapolated.
Goal: >= 20,000 names/s on 2 cores.

Usage: python benchmarks/resolver_bench.py [--names 50000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from sanctuarywatch.sources import census_geography
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.ingest import ingest_source
from sanctuarywatch.store.registry import build_resolver, registry_entries

SUFFIXES = ["", " Jail", " Sheriff's Office", " Sheriffs Office", " Detention Center", " Police Department", " S.O."]


def messy_variants(name: str, state: str, rng: random.Random) -> str:
    text = name.replace("County", rng.choice(["County", "Co.", "Cnty", "County"]))
    text = text.replace("Saint ", rng.choice(["St. ", "Saint ", "St "]))
    text += rng.choice(SUFFIXES)
    form = rng.random()
    if form < 0.3:
        text = f"{text}, {state}"
    elif form < 0.4:
        text = f"{state} - {text}"
    elif form < 0.5:
        text = f"{text} ({state})"
    if rng.random() < 0.3:
        text = text.upper()
    if rng.random() < 0.05 and len(text) > 8:  # a typo
        i = rng.randrange(1, len(text) - 1)
        text = text[:i] + text[i + 1 :]
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=50_000)
    parser.add_argument("--baseline-sample", type=int, default=1_000)
    args = parser.parse_args()
    rng = random.Random(2017)
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        ingest_source(con, census_geography, Finder(None, Path(tmp), offline=True), ParseContext())
        entries = [e for e in registry_entries(con) if e.level != "state"]
        names = [messy_variants(e.name, e.state_abbr, rng) for e in rng.choices(entries, k=args.names)]
        distinct = len(set(names))

        start = time.perf_counter()
        resolver = build_resolver(con)
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        statuses: dict[str, int] = {}
        for text in names:
            status = resolver.resolve(text).status
            statuses[status] = statuses.get(status, 0) + 1
        ours_s = time.perf_counter() - start

        choices = [e.name for e in entries]
        sample = names[: args.baseline_sample]
        start = time.perf_counter()
        for text in sample:
            process.extractOne(text, choices, scorer=fuzz.WRatio)
        base_s = time.perf_counter() - start
        con.close()

    ours_rate = len(names) / ours_s
    base_rate = len(sample) / base_s
    print(
        f"registry entries (counties + places): {len(entries):,}; input names: {len(names):,} ({distinct:,} distinct)"
    )
    print(f"resolver build: {build_s * 1000:.0f} ms")
    print(f"sanctuarywatch resolver: {ours_rate:,.0f} names/s ({ours_s:.2f} s)  statuses: {statuses}")
    print(
        f"naive baseline (rapidfuzz extractOne over every name, {len(sample):,}-name sample): {base_rate:,.0f} names/s"
    )
    print(
        f"speed-up: {ours_rate / base_rate:,.1f}x   goal: >= 20,000 names/s -> "
        + ("met" if ours_rate >= 20_000 else "NOT met")
    )


if __name__ == "__main__":
    main()
