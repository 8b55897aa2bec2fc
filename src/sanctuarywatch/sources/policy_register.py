"""The policy register: laws and policies that limit, or mandate, cooperation with immigration enforcement.

A curated table (no single public file lists them): state rows in ``policies_state.csv``, local rows in
``policies_local.csv`` (same columns, see ``POLICIES_FORMAT.md``), what each does in the fixed vocabulary
``policy_vocabulary.csv``, public objections in ``disputes.csv`` and accepted user corrections in
``corrections_accepted.csv``. Every policy and dispute row cites the official text and an independent second
source; a row without both, with an unknown term, a bad date or an ``amends`` chain that does not line up is
quarantined with its file, row and field. A mirror folder holding newer copies (same names) overrides the
packaged ones, as for litigation.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import pyarrow as pa

from sanctuarywatch.geo.states import state_table
from sanctuarywatch.sources import curated
from sanctuarywatch.sources.base import (
    Finder,
    ParseContext,
    Parsed,
    QuarantineRow,
    ReleaseFiles,
    SourceFile,
    SourceSpec,
    locate_file,
)
from sanctuarywatch.sources.corrections import ACCEPTED_COLUMNS, check_rows
from sanctuarywatch.sources.curated import is_search_url, iso_date

VOCABULARY = "policy_vocabulary.csv"
POLICY_FILES = ("policies_state.csv", "policies_local.csv")
DISPUTES = "disputes.csv"
ACCEPTED = "corrections_accepted.csv"
FILES = (VOCABULARY, *POLICY_FILES, DISPUTES, ACCEPTED)

SPEC = SourceSpec(
    source_id="policy_register",
    title="Policy register: state and local laws on cooperation with immigration enforcement (curated)",
    publisher="Sanctuary Watch, from statutes, ordinances, orders and directives",
    url="https://github.com/sanctuarywatch/sanctuarywatch/tree/main/src/sanctuarywatch/sources/data",
    licence="Official texts are public records; the curated table is CC0.",
    description="Instruments and dated amendments/repeals with what each does (fixed vocabulary), each row citing "
    "the official text and a second independent source; disputes of list entries and figures; accepted corrections.",
    files=tuple(SourceFile(name) for name in FILES),
    mirror_patterns=FILES,
)
DIFF_KEYS = {
    "policy_term": ("term",),
    "policy_instrument": ("policy_id",),
    "policy_effect": ("policy_id", "term"),
    "dispute": ("dispute_id",),
    "correction": ("correction_id",),
}

POLICY_COLUMNS = (
    "policy_id",
    "state",
    "jurisdiction",
    "level",
    "geoid",
    "instrument_type",
    "name",
    "citation",
    "change",
    "amends",
    "enacted_date",
    "effective_date",
    "ended_date",
    "effects",
    "official_url",
    "second_url",
    "second_source",
    "sources_disagree",
    "notes",
)
DISPUTE_COLUMNS = (
    "dispute_id",
    "state",
    "jurisdiction",
    "geoid",
    "subject",
    "list_id",
    "figure",
    "published_value",
    "claimed_value",
    "objector",
    "statement_date",
    "statement",
    "outcome",
    "outcome_date",
    "official_url",
    "second_url",
    "second_source",
)
VOCABULARY_COLUMNS = ("term", "direction", "label", "definition")
REQUIRED = {
    VOCABULARY: VOCABULARY_COLUMNS,
    "policies_state.csv": POLICY_COLUMNS,
    "policies_local.csv": POLICY_COLUMNS,
    DISPUTES: DISPUTE_COLUMNS,
    ACCEPTED: ACCEPTED_COLUMNS,
}
INSTRUMENT_TYPES = frozenset(
    {
        "statute",
        "ordinance",
        "resolution",
        "executive_order",
        "directive",
        "sheriff_policy",
        "court_decision",
        "ballot_measure",
    }
)
CHANGES_WITH_EFFECTS = frozenset({"adopted", "amended", "reinstated"})
CHANGES_ENDING = frozenset({"repealed", "struck_down"})
CHANGES = CHANGES_WITH_EFFECTS | CHANGES_ENDING | {"enjoined"}
LEVEL_DIGITS = {"state": 2, "county": 5, "place": 7}
DIRECTIONS = frozenset({"limits", "mandates"})
SUBJECTS = frozenset({"list_entry", "figure"})
POLICY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def data_folder() -> Path:
    """The packaged curated files (``sources/data``)."""
    return Path(str(resources.files("sanctuarywatch.sources") / "data"))


def packaged_path(name: str) -> Path:
    return data_folder() / name


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = {p.name: p for p in finder.in_mirror(FILES)}
    origin = "mirror" if all(name in mirrored for name in FILES) else "package"
    chosen = [mirrored[n] if origin == "mirror" else packaged_path(n) for n in FILES]
    files = tuple(locate_file(p) for p in chosen)
    version = max((_newest_date(f.path) for f in files), default=date(2000, 1, 1)).isoformat()
    return [ReleaseFiles(version, files, origin)]


def _newest_date(path: Path) -> date:
    """The newest date a file mentions: the edition of the curated register."""
    newest = date(2000, 1, 1)
    for _, row in read_rows(path):
        for key, value in row.items():
            if key and key.endswith("_date"):
                parsed = iso_date(value)
                if parsed and parsed > newest:
                    newest = parsed
    return newest


def read_rows(path: Path, required: tuple[str, ...] | None = None) -> list[tuple[int, dict[str, str]]]:
    """(row number, row) pairs of one register file, checked for that file's required columns."""
    return curated.read_rows(path, required if required is not None else REQUIRED.get(path.name, ()))


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    bad: list[QuarantineRow] = []
    terms = _vocabulary(release.path(VOCABULARY), bad)
    registry = getattr(ctx.resolver, "entries", None)
    instruments, effects = _policies(release, terms, registry, bad)
    disputes = _disputes(release.path(DISPUTES), registry, bad)
    corrections = _corrections(release.path(ACCEPTED), bad)
    tables = {
        "policy_term": [
            {"term": t, "direction": d, "label": lab, "definition": dfn, "file_name": VOCABULARY, "row_number": n}
            for t, (d, lab, dfn, n) in terms.items()
        ],
        "policy_instrument": instruments,
        "policy_effect": effects,
        "dispute": disputes,
        "correction": corrections,
    }
    return Parsed(
        tables={name: pa.Table.from_pylist(rows) for name, rows in tables.items() if rows},
        quarantine=bad,
        replace=frozenset(tables),
    )


def _vocabulary(path: Path, bad: list[QuarantineRow]) -> dict[str, tuple[str, str, str, int]]:
    terms: dict[str, tuple[str, str, str, int]] = {}
    for n, r in read_rows(path):
        if r["direction"] not in DIRECTIONS:
            bad.append(QuarantineRow(path.name, n, "direction", r["direction"], f"must be one of {sorted(DIRECTIONS)}"))
        elif not r["term"] or r["term"] in terms:
            bad.append(QuarantineRow(path.name, n, "term", r["term"], "empty or repeated term"))
        else:
            terms[r["term"]] = (r["direction"], r["label"], r["definition"], n)
    return terms


def _policies(release: ReleaseFiles, terms: dict, registry: dict | None, bad: list[QuarantineRow]):
    """Validated instrument rows and their effect rows, from both policy files together (ids are shared)."""
    rows = [(name, n, r) for name in POLICY_FILES for n, r in read_rows(release.path(name))]
    seen: set[str] = set()
    kept: dict[str, tuple[str, int, dict]] = {}
    for file, n, r in rows:
        problem = _policy_problem(r, terms, registry)
        if problem is None and r["policy_id"] in seen:
            problem = ("policy_id", "repeated: policy_id must be unique across both policy files")
        seen.add(r["policy_id"])
        if problem:
            bad.append(QuarantineRow(file, n, problem[0], r.get(problem[0]), problem[1]))
        else:
            kept[r["policy_id"]] = (file, n, r)
    for pid, (file, n, r) in list(kept.items()):
        problem = _chain_problem(r, kept)
        if problem:
            bad.append(QuarantineRow(file, n, "amends", r["amends"], problem))
            del kept[pid]
    instruments, effects = [], []
    for pid, (file, n, r) in kept.items():
        row_terms = _terms(r["effects"])
        directions = {terms[t][0] for t in row_terms}
        instruments.append(_instrument(r, file, n, "mixed" if len(directions) > 1 else next(iter(directions), None)))
        effects += [
            {"policy_id": pid, "term": t, "direction": terms[t][0], "file_name": file, "row_number": n}
            for t in row_terms
        ]
    return instruments, effects


def _terms(cell: str) -> list[str]:
    return [t.strip() for t in cell.split(";") if t.strip()]


def _policy_problem(r: dict, terms: dict, registry: dict | None) -> tuple[str, str] | None:
    """The first (field, reason) that makes the row unusable, or None."""
    for field in ("policy_id", "state", "jurisdiction", "level", "geoid", "name", "citation", "second_source"):
        if not r[field]:
            return field, "required"
    if not POLICY_ID.match(r["policy_id"]):
        return "policy_id", "use lowercase letters, digits and '-' only"
    problem = _place_problem(r["state"], r["level"], r["geoid"], registry)
    if problem:
        return problem
    if r["instrument_type"] not in INSTRUMENT_TYPES:
        return "instrument_type", f"must be one of {sorted(INSTRUMENT_TYPES)}"
    if r["change"] not in CHANGES:
        return "change", f"must be one of {sorted(CHANGES)}"
    if r["change"] != "adopted" and not r["amends"]:
        return "amends", f"a '{r['change']}' row must name the policy_id it changes"
    for field in ("enacted_date", "effective_date"):
        if iso_date(r[field]) is None:
            return field, "required, as an ISO date (YYYY-MM-DD)"
    if r["ended_date"]:
        ended = iso_date(r["ended_date"])
        if ended is None:
            return "ended_date", "not an ISO date (YYYY-MM-DD)"
        if ended <= iso_date(r["effective_date"]):
            return "ended_date", "must be after effective_date"
    row_terms = _terms(r["effects"])
    unknown = [t for t in row_terms if t not in terms]
    if unknown:
        return "effects", f"unknown vocabulary term(s): {', '.join(unknown)} (see policy_vocabulary.csv)"
    if r["change"] in CHANGES_WITH_EFFECTS and not row_terms:
        return "effects", f"a '{r['change']}' row must list at least one vocabulary term"
    if r["change"] in CHANGES_ENDING and row_terms:
        return "effects", f"a '{r['change']}' row ends an instrument and lists no effects"
    return url_problem(r["official_url"], r["second_url"])


def _place_problem(state: str, level: str, geoid: str, registry: dict | None) -> tuple[str, str] | None:
    st = state_table().lookup(state) if len(state) == 2 and state.isupper() else None
    if st is None:
        return "state", "not a USPS state code"
    if level not in LEVEL_DIGITS:
        return "level", f"must be one of {sorted(LEVEL_DIGITS)}"
    if not geoid.isdigit() or len(geoid) != LEVEL_DIGITS[level] or not geoid.startswith(st.fips):
        return "geoid", f"a {level} GEOID has {LEVEL_DIGITS[level]} digits and starts with {state}'s FIPS {st.fips}"
    if registry is not None:
        entry = registry.get(geoid)
        if entry is None:
            return "geoid", "not in the jurisdiction registry"
        if entry.level != level:
            return "level", f"the registry has {geoid} as a {entry.level}"
    return None


def url_problem(official: str, second: str) -> tuple[str, str] | None:
    """Both sources present, web addresses, different, and not search-result pages."""
    for field, url in (("official_url", official), ("second_url", second)):
        if not url:
            return field, "required: every row cites the official text and a second independent source"
        if not url.startswith(("https://", "http://")):
            return field, "must be a web address starting with https://"
        if is_search_url(url):
            return field, "a search-result address is not a citation; give the page that states the fact"
    if official.rstrip("/") == second.rstrip("/"):
        return "second_url", "must differ from official_url (a second, independent source)"
    return None


def _chain_problem(r: dict, kept: dict) -> str | None:
    """An amendment/repeal row must name a kept row that ends exactly when this one takes effect."""
    if not r["amends"]:
        return None
    target = kept.get(r["amends"])
    if target is None:
        return "names no valid policy_id in either policy file"
    ended = target[2]["ended_date"]
    if ended != r["effective_date"]:
        return f"the amended row's ended_date ({ended or 'empty'}) must equal this row's effective_date"
    return None


def _instrument(r: dict, file: str, n: int, direction: str | None) -> dict:
    return {
        "policy_id": r["policy_id"],
        "state_abbr": r["state"],
        "jurisdiction": r["jurisdiction"],
        "level": r["level"],
        "geoid": r["geoid"],
        "instrument_type": r["instrument_type"],
        "name": r["name"],
        "citation": r["citation"],
        "change": r["change"],
        "amends": r["amends"] or None,
        "enacted_date": iso_date(r["enacted_date"]),
        "effective_date": iso_date(r["effective_date"]),
        "ended_date": iso_date(r["ended_date"]),
        "direction": direction,
        "official_url": r["official_url"],
        "second_url": r["second_url"],
        "second_source": r["second_source"],
        "sources_disagree": r["sources_disagree"] or None,
        "notes": r["notes"] or None,
        "file_name": file,
        "row_number": n,
    }


def _disputes(path: Path, registry: dict | None, bad: list[QuarantineRow]) -> list[dict]:
    out = []
    for n, r in read_rows(path):
        problem = _dispute_problem(r, registry)
        if problem:
            bad.append(QuarantineRow(path.name, n, problem[0], r.get(problem[0]), problem[1]))
            continue
        out.append(
            {
                "dispute_id": r["dispute_id"],
                "state_abbr": r["state"],
                "jurisdiction": r["jurisdiction"],
                "geoid": r["geoid"],
                "subject": r["subject"],
                "list_id": r["list_id"] or None,
                "figure": r["figure"] or None,
                "published_value": r["published_value"] or None,
                "claimed_value": r["claimed_value"] or None,
                "objector": r["objector"],
                "statement_date": iso_date(r["statement_date"]),
                "statement": r["statement"],
                "outcome": r["outcome"] or None,
                "outcome_date": iso_date(r["outcome_date"]),
                "official_url": r["official_url"],
                "second_url": r["second_url"],
                "second_source": r["second_source"],
                "file_name": path.name,
                "row_number": n,
            }
        )
    return out


def _dispute_problem(r: dict, registry: dict | None) -> tuple[str, str] | None:
    for field in ("dispute_id", "jurisdiction", "objector", "statement", "second_source"):
        if not r[field]:
            return field, "required"
    level = {2: "state", 5: "county", 7: "place"}.get(len(r["geoid"]), "place")
    problem = _place_problem(r["state"], level, r["geoid"], registry)
    if problem:
        return problem
    if r["subject"] not in SUBJECTS:
        return "subject", f"must be one of {sorted(SUBJECTS)}"
    if r["subject"] == "list_entry" and not r["list_id"]:
        return "list_id", "a list_entry dispute names the list (e.g. doj_2025)"
    if r["subject"] == "figure" and not r["figure"]:
        return "figure", "a figure dispute says what the figure counts"
    if iso_date(r["statement_date"]) is None:
        return "statement_date", "required, as an ISO date (YYYY-MM-DD)"
    if r["outcome_date"] and iso_date(r["outcome_date"]) is None:
        return "outcome_date", "not an ISO date (YYYY-MM-DD)"
    return url_problem(r["official_url"], r["second_url"])


def _corrections(path: Path, bad: list[QuarantineRow]) -> list[dict]:
    rows = read_rows(path)
    errors = check_rows(rows, path.name, accepted=True)
    failed = {e.row for e in errors}
    bad += [QuarantineRow(path.name, e.row, e.field, e.value, e.problem) for e in errors]
    return [
        {
            **{c: (r[c] or None) for c in ACCEPTED_COLUMNS if not c.endswith("_date")},
            "submitted_date": iso_date(r["submitted_date"]),
            "accepted_date": iso_date(r["accepted_date"]),
            "file_name": path.name,
            "row_number": n,
        }
        for n, r in rows
        if n not in failed
    ]
