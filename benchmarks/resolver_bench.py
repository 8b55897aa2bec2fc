"""Resolver: quality on the hand-labelled real names and throughput on >= 50k messy names, beside two baselines.

Builds the registry from the real mirror's Census files (2025 Gazetteer), then for three resolvers:
  * sanctuarywatch's ``Resolver`` (normalisation, aliases, levels, review of ambiguous names);
  * addfips 0.4 (what an analyst would reach for: county names -> county FIPS; it knows no places);
  * a naive fuzzy matcher: rapidfuzz ``extractOne`` (WRatio) over the registry names of the given state, accepted
    at score >= 90;
reports on ``tests/data/resolver_labelled.csv`` (real strings from the mirror, labelled by hand against the
Gazetteer): accepted, precision (accepted and right / accepted), recall (accepted and right / labelled accepted),
and how many names a person should review were accepted anyway; then names/s on messy variants of registry
names, each with its state (the naive matcher on a sample). Goal: >= 20,000 names/s on 2 cores and precision >= 0.98.

Usage: python benchmarks/resolver_bench.py [--names 50000] [--baseline-sample 1000]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from addfips import AddFIPS
from rapidfuzz import fuzz, process

from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import census_geography
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.registry import build_resolver, registry_entries

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import MIRROR, machine_line, write_results  # noqa: E402

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "resolver_labelled.csv"
SUFFIXES = ["", " Jail", " Sheriff's Office", " Sheriffs Office", " Detention Center", " Police Department", " S.O."]
FUZZY_ACCEPT = 90


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


class Naive:
    """rapidfuzz over the registry names of the state given (all names when none), accepted at >= 90."""

    def __init__(self, entries):
        self.by_state: dict[str, list] = defaultdict(list)
        for e in entries:
            self.by_state[e.state_abbr].append(e)
            self.by_state[""].append(e)
        self.names = {k: [e.name for e in v] for k, v in self.by_state.items()}

    def resolve(self, text: str, state: str | None) -> str | None:
        key = state if state in self.names else ""
        best = process.extractOne(text, self.names[key], scorer=fuzz.WRatio)
        return self.by_state[key][best[2]].geoid if best and best[1] >= FUZZY_ACCEPT else None


def _state_abbr(state: str) -> str | None:
    """The labelled set gives states as postal codes or names; the naive matcher and addfips take either."""
    from sanctuarywatch.geo.states import state_table

    found = state_table().lookup(state) if state else None
    return found.abbr if found else None


def quality(name: str, answer, rows: list[dict]) -> dict:
    """Precision/recall of ``answer(row) -> geoid or None`` against the labels."""
    accepted = correct = review_accepted = 0
    for row in rows:
        geoid = answer(row)
        if row["expected_status"] != "accepted":
            review_accepted += geoid is not None
            continue
        if geoid is not None:
            accepted += 1
            correct += geoid == row["expected_geoid"]
    clear = sum(r["expected_status"] == "accepted" for r in rows)
    return {"resolver": name, "labelled": len(rows), "labelled_accepted": clear, "accepted": accepted,
            "correct": correct, "precision": correct / accepted if accepted else None, "recall": correct / clear,
            "review_names_accepted": review_accepted}  # fmt: skip


def _registry(folder: Path):
    con = connect(folder / "bench.duckdb")
    census = MIRROR / "census_geography"
    ingest_source(con, census_geography, Finder(census if census.is_dir() else None, folder, offline=True),
                  ParseContext())  # fmt: skip
    return con


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=50_000)
    parser.add_argument("--baseline-sample", type=int, default=1_000)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    rng = random.Random(2017)
    with LABELLED.open(encoding="utf-8") as fh:
        labelled = list(csv.DictReader(fh))
    with tempfile.TemporaryDirectory() as tmp:
        con = _registry(Path(tmp))
        entries = [e for e in registry_entries(con) if e.level != "state"]
        started = time.perf_counter()
        resolver = build_resolver(con)
        build_s = time.perf_counter() - started
        con.close()
    addfips, naive = AddFIPS(), Naive(entries)

    def ours(row):
        r = resolver.resolve(row["text"], state=row["state"] or None, level=row["level"] or None)
        return r.geoid if r.status == "accepted" else None

    def by_addfips(row):
        return addfips.get_county_fips(row["text"], state=row["state"]) if row["state"] else None

    def by_naive(row):
        return naive.resolve(row["text"], _state_abbr(row["state"]))

    scores = [quality("sanctuarywatch", ours, labelled), quality("addfips", by_addfips, labelled),
              quality(f"naive rapidfuzz >= {FUZZY_ACCEPT}", by_naive, labelled)]  # fmt: skip
    print(f"registry: {len(entries):,} counties + places (2025 Gazetteer); build {build_s * 1000:.0f} ms")
    print(f"labelled real names: {len(labelled)} ({scores[0]['labelled_accepted']} with one right answer, the rest "
          "to be reviewed or left unresolved)")  # fmt: skip
    for s in scores:
        precision = "n/a" if s["precision"] is None else f"{s['precision']:.3f}"
        print(f"  {s['resolver']:<24} accepted {s['accepted']:>4}  precision {precision}  recall {s['recall']:.3f}  "
              f"review-names accepted {s['review_names_accepted']}")  # fmt: skip

    pool = rng.choices(entries, k=args.names)
    names = [(messy_variants(e.name, e.state_abbr, rng), e.state_abbr) for e in pool]
    rates = {}
    started = time.perf_counter()
    for text, state in names:
        resolver.resolve(text, state=state)
    rates["sanctuarywatch"] = len(names) / (time.perf_counter() - started)
    started = time.perf_counter()
    for text, _ in names[: args.baseline_sample]:
        resolver.resolve(text)
    rates[f"sanctuarywatch, no state given (sample {args.baseline_sample:,})"] = args.baseline_sample / (
        time.perf_counter() - started
    )
    started = time.perf_counter()
    for text, state in names:
        addfips.get_county_fips(text, state=state)
    rates["addfips"] = len(names) / (time.perf_counter() - started)
    sample = names[: args.baseline_sample]
    started = time.perf_counter()
    for text, state in sample:
        naive.resolve(text, state)
    rates[f"naive rapidfuzz >= {FUZZY_ACCEPT} (sample {len(sample):,})"] = len(sample) / (time.perf_counter() - started)
    print(f"throughput on {len(names):,} messy names ({len({n for n, _ in names}):,} distinct):")
    for label, rate in rates.items():
        print(f"  {label:<40} {rate:>12,.0f} names/s")
    met = rates["sanctuarywatch"] >= 20_000 and (scores[0]["precision"] or 0) >= 0.98
    print("goal (>= 20,000 names/s, precision >= 0.98): " + ("met" if met else "NOT met"))
    write_results("resolver", {"quality": scores, "names_per_s": rates, "registry_entries": len(entries),
                               "build_ms": build_s * 1000, "goal_met": met}, vars(args))  # fmt: skip


if __name__ == "__main__":
    main()
