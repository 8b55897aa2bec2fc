"""Map messy jurisdiction and agency names to Census GEOIDs, with a confidence and the reason.

The resolver never silently guesses: a name is ``accepted`` only when one candidate is confident and
clearly ahead of the next; otherwise it is ``needs_review`` with the candidates, or ``unresolved``.
Order of evidence: curated alias (data file) > exact Census name > normalized name > fuzzy (within a state).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from rapidfuzz import fuzz, process

from sanctuarywatch.errors import InputError
from sanctuarywatch.geo.normalize import (
    AGENCY_PHRASES,
    AREA_WORDS,
    COUNTY_LEVEL_AREA_WORDS,
    base_key,
    clean,
    split_name,
    split_segments,
)
from sanctuarywatch.geo.states import State, state_table

ACCEPT_THRESHOLD = 0.90
ACCEPT_MARGIN = 0.05
CDP_CEILING = 0.85  # a census-designated place has no government: shown as a candidate, never accepted alone
MAX_INPUT_CHARS = 500
LEVELS = ("state", "county", "place")
_AGENCY_LEVEL = {
    "sheriff": "county",
    "jail": "county",
    "police": "place",
    "corrections": None,
    "state_agency": "state",
    "ice_facility": None,
}
_AGENCY_WORDS = (frozenset(w for phrase, _ in AGENCY_PHRASES for w in phrase.split()) | frozenset(AREA_WORDS)) - {
    "of",
    "the",
    "and",
    "s",
}  # 'City of New York' names a city, not a state after an agency word


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    geoid: str
    level: str
    name: str
    lsad: str | None
    state_fips: str
    state_abbr: str
    consolidated_with: str | None = None
    former: bool = False  # a county that no longer exists (e.g. Connecticut's 8, replaced in 2022)


@dataclass(frozen=True, slots=True)
class Alias:
    alias: str
    geoid: str
    state_abbr: str | None
    reason: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    geoid: str
    name: str
    level: str
    state_abbr: str
    confidence: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "geoid": self.geoid,
            "name": self.name,
            "level": self.level,
            "state": self.state_abbr,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Resolution:
    query: str
    status: str  # accepted | needs_review | unresolved
    candidates: tuple[Candidate, ...] = ()
    agency_kind: str | None = None
    note: str = ""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def geoid(self) -> str | None:
        return self.best.geoid if self.status == "accepted" and self.best else None


@dataclass
class _Query:
    state: State | None
    level: str | None
    parts_base: str
    full: str
    area_word: str | None
    agency_kind: str | None
    prefix_area: str | None
    notes: list[str] = field(default_factory=list)


def load_packaged_aliases() -> list[Alias]:
    """The curated alias table shipped with the package (geo/data/aliases.csv)."""
    path = resources.files("sanctuarywatch.geo") / "data" / "aliases.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return [
            Alias(r["alias"], r["geoid"], (r.get("state_abbr") or None), r.get("reason", ""), r.get("source", ""))
            for r in csv.DictReader(fh)
        ]


class Resolver:
    """Built once from the registry (and aliases); ``resolve`` is then a few dictionary look-ups."""

    def __init__(
        self,
        entries: Iterable[RegistryEntry],
        aliases: Iterable[Alias] = (),
        place_counties: dict[str, tuple[str, ...]] | None = None,
    ):
        self.states = state_table()
        self._place_counties = place_counties or {}
        self.entries: dict[str, RegistryEntry] = {}
        self._by_key: dict[str, list[RegistryEntry]] = defaultdict(list)
        self._by_state_keys: dict[str, list[str]] = defaultdict(list)
        self._by_compact: dict[str, list[RegistryEntry]] = defaultdict(list)  # 'de kalb' finds 'dekalb'
        for entry in entries:
            self.entries[entry.geoid] = entry
            if entry.level == "state":
                continue
            key = base_key(entry.name, entry.lsad)
            self._by_key[key].append(entry)
            self._by_compact[key.replace(" ", "")].append(entry)
            self._by_state_keys[entry.state_fips].append(key)
        self._all_keys = sorted(self._by_key)
        self._state_keys = {fips: sorted(set(keys)) for fips, keys in self._by_state_keys.items()}
        self._aliases: dict[tuple[str, str | None], Alias] = {}
        self._held: dict[tuple[str, str | None], str] = {}
        for alias in aliases:
            self.add_alias(alias)
        self._cache: dict[tuple[str, str | None, str | None], Resolution] = {}

    def add_alias(self, alias: Alias) -> None:
        if not alias.geoid:  # a name that must never be accepted alone (a joint city-county agency ...)
            self._held[(clean(alias.alias), alias.state_abbr or None)] = alias.reason
        elif alias.geoid in self.entries:
            self._aliases[(clean(alias.alias), alias.state_abbr or None)] = alias

    def counties_of(self, place_geoid: str) -> tuple[str, ...]:
        """The counties a place lies in (Census place-county relation), or the county it is one government with."""
        entry = self.entries.get(place_geoid)
        if entry and entry.consolidated_with:
            return (entry.consolidated_with,)
        return self._place_counties.get(place_geoid, ())

    def canonical(self, geoid: str) -> str:
        """The one id for a consolidated city-county: the county row."""
        entry = self.entries.get(geoid)
        if entry and entry.level == "place" and entry.consolidated_with:
            return entry.consolidated_with
        return geoid

    # -- public -----------------------------------------------------------------------------------------
    def resolve(self, text: str, state: str | None = None, level: str | None = None) -> Resolution:
        if text is None or not str(text).strip():
            raise InputError("Empty name: give the jurisdiction or agency name to resolve.")
        if len(text) > MAX_INPUT_CHARS:
            raise InputError(f"Name is {len(text):,} characters long; names longer than {MAX_INPUT_CHARS} are refused.")
        if level is not None and level not in LEVELS:
            raise InputError(f"Unknown level '{level}': use one of {', '.join(LEVELS)}.")
        state_obj = self.states.require(state) if state else None
        cache_key = (text, state_obj.fips if state_obj else None, level)
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = self._resolve(text, state_obj, level)
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[cache_key] = hit
        return hit

    # -- steps ------------------------------------------------------------------------------------------
    def _parse(self, text: str, state: State | None, level: str | None) -> _Query:
        notes: list[str] = []
        segments = split_segments(text)
        if len(segments) > 1 and all(self.states.lookup(seg) for seg in segments):
            # 'Washington, DC', 'New York, NY': a place named like a state, then its state
            last = self.states.lookup(segments[-1])
            if state and last and last.fips != state.fips:
                notes.append(f"text names {last.abbr} but state {state.abbr} was given")
            state = state or last
            segments = segments[:-1]
        kept = []
        for seg in segments:
            found = self.states.lookup(seg) if len(segments) > 1 else None
            if found and (len(seg.strip()) > 2 or seg.strip().isupper()):
                if state and found.fips != state.fips:
                    notes.append(f"text names {found.abbr} but state {state.abbr} was given")
                state = state or found
            else:
                kept.append(seg)
        if not kept:  # the whole text is a state
            kept = [text]
        raw = " ".join(kept)
        state = state or self._trailing_state(raw)
        if state and self._trailing_state(raw) == state:
            raw = raw.rsplit(" ", 1)[0] if len(raw.split()[-1]) == 2 else self._drop_state_name(raw, state)
        full = clean(raw)
        parts = split_name(full)
        return _Query(state, level, parts.base, full, parts.area_word, parts.agency_kind, parts.prefix_area, notes)

    def _trailing_state(self, raw: str) -> State | None:
        """'Weld County CO', 'Albany County New York': a state after an area or agency word."""
        tokens = raw.split()
        if len(tokens) < 2:
            return None
        last = tokens[-1]
        if len(last) == 2 and last.isupper() and clean(tokens[-2]) in _AGENCY_WORDS | {"county", "parish"}:
            return self.states.by_abbr.get(last)
        for width in (3, 2, 1):
            if len(tokens) > width and clean(tokens[-width - 1]) in _AGENCY_WORDS:
                found = self.states.by_clean_name.get(clean(" ".join(tokens[-width:])))
                if found:
                    return found
        return None

    def _drop_state_name(self, raw: str, state: State) -> str:
        tokens = raw.split()
        for width in (3, 2, 1):
            if self.states.by_clean_name.get(clean(" ".join(tokens[-width:]))) == state:
                return " ".join(tokens[:-width])
        return raw

    def _resolve(self, text: str, state: State | None, level: str | None) -> Resolution:
        q = self._parse(text, state, level)
        candidates = self._alias(q) or self._state_level(q) or self._by_name(q) or self._fuzzy(q)
        return self._decide(text, q, candidates)

    def _candidate(self, geoid: str, confidence: float, reason: str) -> Candidate:
        entry = self.entries[geoid]
        return Candidate(geoid, entry.name, entry.level, entry.state_abbr, confidence, reason)

    def _alias(self, q: _Query) -> list[Candidate]:
        abbr = q.state.abbr if q.state else None
        keys = [q.full, clean(" ".join(filter(None, [q.prefix_area, q.parts_base, q.area_word])))]
        if "city" in (q.prefix_area, q.area_word):  # 'City of Honolulu': the alias names the city's government
            keys.append(q.parts_base)
        for key in keys:
            alias = self._aliases.get((key, abbr)) or self._aliases.get((key, None))
            if not alias or (q.state is not None and self.entries[alias.geoid].state_abbr != q.state.abbr):
                continue
            geoid = alias.geoid
            if q.level and self.entries[geoid].level != q.level:
                other = self.entries[geoid].consolidated_with
                if other and self.entries[other].level == q.level:
                    geoid = other  # 'San Francisco city' asked for as a place is the place row of one government
                elif q.level != "place" or self.entries[geoid].level != "county":
                    continue  # a county alias answers a city question only where the county is the city
            return [self._candidate(geoid, 1.0, f"alias: {alias.reason}".strip())]
        return []

    def _state_level(self, q: _Query) -> list[Candidate]:
        """'California', 'State of Oregon', 'Florida Department of Corrections', 'New York State'."""
        found = self.states.by_clean_name.get(q.parts_base) or (
            self.states.by_abbr.get(q.parts_base.upper()) if q.full == q.parts_base and len(q.parts_base) == 2 else None
        )
        if not found or (q.level and q.level != "state") or (q.state and q.state.fips != found.fips):
            return []
        if q.area_word not in (None, "state"):
            # 'Washington County Department of Corrections' is a county's agency, not the State of Washington's
            return []
        if found.fips not in self.entries:
            return []
        confidence = 0.98 if (q.area_word == "state" or q.agency_kind in ("state_agency", "corrections")) else 0.95
        out = [self._candidate(found.fips, confidence, "state name")]
        if q.area_word is None and q.agency_kind is None:
            # A bare 'New York' or 'Washington' may also be a city; show them, below the state.
            others = [e for e in self._by_key.get(q.parts_base, []) if e.level != "county"]
            out += [self._candidate(self.canonical(e.geoid), 0.7, "same name, other level") for e in others]
        return out

    def _filter(self, q: _Query, entries: list[RegistryEntry]) -> list[RegistryEntry]:
        if q.state:
            entries = [e for e in entries if e.state_fips == q.state.fips]
        if q.level:
            entries = [
                e
                for e in entries
                if e.level == q.level or (q.level == "county" and e.level == "place" and e.consolidated_with)
            ]
        return entries

    def _by_name(self, q: _Query) -> list[Candidate]:
        found = list(self._by_key.get(q.parts_base, []))
        if q.area_word:  # 'Jersey City', 'Iowa City': the area word is part of the name
            found += self._by_key.get(f"{q.parts_base} {q.area_word}", [])
        # 'De Kalb', 'Du Page', 'La Salle': the same name spaced differently is the same name
        found += [e for e in self._by_compact.get(q.parts_base.replace(" ", ""), []) if e not in found]
        entries = self._filter(q, found)
        if not entries:
            return []
        scored: dict[str, Candidate] = {}
        for entry in entries:
            score, reason = self._score(q, entry)
            geoid = entry.geoid if q.level == "place" else self.canonical(entry.geoid)
            if geoid not in scored or scored[geoid].confidence < score:
                scored[geoid] = self._candidate(geoid, score, reason)
        return list(scored.values())

    def _score(self, q: _Query, entry: RegistryEntry) -> tuple[float, str]:
        """Normalized-name match: how well the area word, agency kind and state agree with this entry."""
        entry_area = clean(entry.lsad) if entry.lsad else None
        score = 0.97 if q.state else 0.93
        reason = "normalized name"
        if q.area_word:
            if entry_area == q.area_word or (q.area_word == "city" and entry_area and "city" in entry_area):
                score, reason = (1.0 if q.state else 0.96), "exact name"
            elif q.area_word in COUNTY_LEVEL_AREA_WORDS and entry.level == "county":
                score -= 0.05
                reason = f"normalized name ({q.area_word} vs {entry_area})"
            elif q.area_word == "city and county" or (q.prefix_area == "city and county"):
                score = 0.97
            else:
                score -= 0.30
                reason = f"area word differs ({q.area_word} vs {entry_area})"
        elif q.prefix_area == "city and county" and entry.consolidated_with:
            score = 0.99
        if entry.lsad == "CDP":
            return min(score, CDP_CEILING), reason + "; a census-designated place (statistical, no government)"
        if entry.former and q.agency_kind:
            # 'Hartford Correctional Center' is a state prison: a former county runs no agency today
            return min(score, CDP_CEILING), reason + "; a former county with no government of its own"
        preferred = _AGENCY_LEVEL.get(q.agency_kind or "")
        area_agrees = q.area_word in COUNTY_LEVEL_AREA_WORDS and entry.level == "county"
        if preferred and entry.level != preferred and not entry.consolidated_with and not area_agrees:
            score -= 0.25
            reason += f"; a {q.agency_kind} is usually a {preferred} agency"
        return score, reason

    def _fuzzy(self, q: _Query) -> list[Candidate]:
        if not q.parts_base or len(q.parts_base) < 4:
            return []
        keys = self._state_keys.get(q.state.fips, []) if q.state else self._all_keys
        matches = process.extract(q.parts_base, keys, scorer=fuzz.ratio, limit=4, score_cutoff=82)
        out: dict[str, Candidate] = {}
        for key, score, _ in matches:
            for entry in self._filter(q, self._by_key[key]):
                base_score, _ = self._score(q, entry)
                confidence = min(base_score, score / 100) - 0.04
                if not q.state:
                    confidence = min(confidence, ACCEPT_THRESHOLD - 0.01)  # never accept a nationwide fuzzy guess
                geoid = self.canonical(entry.geoid)
                if geoid not in out or out[geoid].confidence < confidence:
                    out[geoid] = self._candidate(geoid, confidence, f"fuzzy ({score:.0f}% like '{key}')")
        return list(out.values())

    def _decide(self, text: str, q: _Query, candidates: list[Candidate]) -> Resolution:
        ranked = tuple(sorted(candidates, key=lambda c: (-c.confidence, c.geoid))[:5])
        held = self._held.get((q.full, q.state.abbr if q.state else None)) or self._held.get((q.full, None))
        if held:
            q.notes.append(f"held for review: {held}")
        note = "; ".join(q.notes)
        if not ranked:
            return Resolution(text, "unresolved", (), q.agency_kind, note or "no candidate")
        top = ranked[0]
        runner_up = ranked[1].confidence if len(ranked) > 1 else 0.0
        accepted = top.confidence >= ACCEPT_THRESHOLD and top.confidence - runner_up >= ACCEPT_MARGIN and not q.notes
        return Resolution(text, "accepted" if accepted else "needs_review", ranked, q.agency_kind, note)
