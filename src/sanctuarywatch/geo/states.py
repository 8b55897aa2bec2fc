"""States, DC and territories: FIPS code, postal abbreviation and the names sources use for them.

Read from the state list the ``addfips`` package ships (Census FIPS codes, with common variants such as
"D.C." and "Virgin Islands").
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sanctuarywatch.errors import InputError
from sanctuarywatch.geo.normalize import clean

STATES_50_AND_DC = 51


@dataclass(frozen=True, slots=True)
class State:
    fips: str
    abbr: str
    name: str

    @property
    def is_territory(self) -> bool:
        return int(self.fips) > 56


@dataclass(frozen=True)
class StateTable:
    states: tuple[State, ...]
    by_fips: dict[str, State]
    by_abbr: dict[str, State]
    by_clean_name: dict[str, State]

    def lookup(self, text: str) -> State | None:
        """A state from its FIPS code, postal abbreviation or any known name; None if not a state."""
        stripped = text.strip()
        if stripped.isdigit():
            return self.by_fips.get(stripped.zfill(2))
        if len(stripped) == 2:
            return self.by_abbr.get(stripped.upper())
        return self.by_clean_name.get(clean(stripped))

    def require(self, text: str) -> State:
        state = self.lookup(text)
        if state is None:
            raise InputError(f"Unknown state '{text}': use a postal abbreviation (NY), a name or a FIPS code.")
        return state


def _addfips_rows() -> list[dict[str, str]]:
    data = resources.files("addfips") / "data" / "states.csv"
    with data.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def state_table() -> StateTable:
    canonical: dict[str, State] = {}
    names: dict[str, State] = {}
    for row in _addfips_rows():
        fips = row["fips"].zfill(2)
        if fips not in canonical:  # the first row for a code carries its official name
            canonical[fips] = State(fips, row["postal"], row["name"])
        names[clean(row["name"])] = canonical[fips]
    for state in canonical.values():
        names.setdefault(clean(state.name), state)
    names["washington dc"] = canonical["11"]
    names["washington d c"] = canonical["11"]
    states = tuple(sorted(canonical.values(), key=lambda s: s.fips))
    return StateTable(
        states=states,
        by_fips={s.fips: s for s in states},
        by_abbr={s.abbr: s for s in states},
        by_clean_name=names,
    )
