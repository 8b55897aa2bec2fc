"""Who runs the jails a jurisdiction's detainers are sent to, where that is not the county.

Most jails are county-run, but six states run one unified jail-and-prison system (Connecticut, Rhode Island,
Vermont, Delaware, Alaska, Hawaii) and some cities run their own (New York City). ``data/jail_operators.csv``
lists these exceptions, each with its reason and two sources; everything not listed is county-run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

OPERATORS = {"state", "city"}


@dataclass(frozen=True)
class JailOperator:
    scope: str
    state_abbr: str
    geoid: str
    name: str
    operator: str
    serves_geoids: tuple[str, ...]
    reason: str
    source_url: str
    second_source_url: str

    def as_dict(self) -> dict[str, object]:
        return {"operator": self.operator, "name": self.name, "geoid": self.geoid, "reason": self.reason,
                "serves_geoids": list(self.serves_geoids),
                "sources": [self.source_url, self.second_source_url]}  # fmt: skip


@lru_cache(maxsize=1)
def jail_operators() -> tuple[JailOperator, ...]:
    """The exceptions to county-run jails, from ``geo/data/jail_operators.csv``."""
    path = resources.files("sanctuarywatch.geo") / "data" / "jail_operators.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        if r["operator"] not in OPERATORS or not r["source_url"] or not r["second_source_url"]:
            raise ValueError(f"jail_operators.csv: bad row for {r['geoid']}: operator and two sources are required")
        out.append(JailOperator(r["scope"], r["state_abbr"], r["geoid"], r["name"], r["operator"],
                                tuple(r["serves_geoids"].split()), r["reason"], r["source_url"],
                                r["second_source_url"]))  # fmt: skip
    return tuple(out)


def operator_for(geoid: str, state_abbr: str | None) -> JailOperator | None:
    """The non-county operator of the jails serving this jurisdiction (a city that runs its own, or a state with
    a unified system), or None when the county runs them."""
    for op in jail_operators():
        if op.scope == "place" and (geoid == op.geoid or geoid in op.serves_geoids):
            return op
    for op in jail_operators():
        if op.scope == "state" and op.state_abbr == state_abbr:
            return op
    return None
