"""Litigation over immigration-related grant conditions and sanctuary funding orders: a curated, reviewed table.

No single public file lists these cases, so Sanctuary Watch keeps five CSVs in the package: cases, orders,
conditions (the DOJ grant conditions, executive-order sections and directives orders reach), order_conditions
(which condition each order reached, for which program) and parties (plaintiffs, with the complaint that named
them). Every row cites a primary record and a second, independent source; a search URL is refused. A mirror
folder holding newer copies of all five files overrides the packaged ones. Plaintiffs are resolved to GEOIDs.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pyarrow as pa

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
from sanctuarywatch.sources.curated import is_search_url, iso_date, read_rows

CASES, ORDERS, CONDITIONS, ORDER_CONDITIONS, PARTIES = (
    "litigation_cases.csv",
    "litigation_orders.csv",
    "litigation_conditions.csv",
    "litigation_order_conditions.csv",
    "litigation_parties.csv",
)
FILES = (CASES, ORDERS, CONDITIONS, ORDER_CONDITIONS, PARTIES)
SPEC = SourceSpec(
    source_id="litigation",
    title="Litigation over sanctuary funding conditions (curated)",
    publisher="Sanctuary Watch, from federal court records",
    url="https://www.courtlistener.com/",
    licence="Court records are public; the curated table is CC0.",
    description="Cases, orders and the conditions each reached (program, plaintiffs, dates); two sources per row.",
    files=tuple(SourceFile(name) for name in FILES),
    mirror_patterns=FILES,
)
DIFF_KEYS = {
    "litigation_case": ("case_id",),
    "litigation_order": ("order_id",),
    "litigation_condition": ("condition_id",),
    "litigation_order_condition": ("order_id", "condition_id", "program"),
    "litigation_party": ("case_id", "party_name"),
}
CITED = ("source_url", "second_source_url")
REQUIRED = {
    CASES: ("case_id", "name", "court", "docket", "filed_date", "programs", *CITED),
    ORDERS: (
        "order_id", "case_id", "order_date", "court", "kind", "enjoins", "scope", "plaintiff_groups",
        "effective_from", "effective_to", *CITED,
    ),
    CONDITIONS: ("condition_id", "instrument", "description", "programs", "ended_date", "ended_by", *CITED),
    ORDER_CONDITIONS: ("order_id", "condition_id", "program", "fiscal_years", "note"),
    PARTIES: ("case_id", "party_name", "state", "role", "plaintiff_group", *CITED),
}  # fmt: skip
SCOPES = {"named_plaintiffs", "members", "nationwide"}
ROLES = {"plaintiff", "association", "member_class"}
PROGRAMS = {"all", "byrne_jag", "scaap", "cops"}


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = {p.name: p for p in finder.in_mirror(FILES)}
    if all(name in mirrored for name in FILES):
        files, origin = tuple(locate_file(mirrored[n]) for n in FILES), "mirror"
    else:
        folder = resources.files("sanctuarywatch.sources") / "data"
        files, origin = tuple(locate_file(Path(str(folder / n))) for n in FILES), "package"
    version = max(_dates_in(f.path) for f in files).isoformat()
    return [ReleaseFiles(version, files, origin)]


def _dates_in(path: Path) -> date:
    """The newest date a file mentions: the edition of the curated table."""
    newest = date(2000, 1, 1)
    for row in _read(path):
        for key, value in row.items():
            if key.endswith("_date") or key.startswith("effective"):
                parsed = iso_date(value)
                if parsed and parsed > newest:
                    newest = parsed
    return newest


def _read(path: Path) -> list[dict[str, str]]:
    return [row for _, row in read_rows(path, REQUIRED.get(path.name, ()))]


class _Rows:
    """Validation of one file's rows; every refusal becomes a quarantine row naming file, row and field."""

    def __init__(self, file: str, bad: list[QuarantineRow]) -> None:
        self.file, self.bad = file, bad

    def refuse(self, n: int, field: str, value: object, reason: str) -> None:
        self.bad.append(QuarantineRow(self.file, n, field, None if value is None else str(value), reason))

    def date(self, row: dict, field: str, n: int, required: bool = True) -> tuple[bool, date | None]:
        raw = (row.get(field) or "").strip()
        value = iso_date(raw)
        if raw and value is None or required and value is None:
            self.refuse(n, field, row.get(field), "not an ISO date (YYYY-MM-DD)")
            return False, None
        return True, value

    def cited(self, row: dict, n: int) -> bool:
        for field in CITED:
            url = (row.get(field) or "").strip()
            if not url.startswith(("http://", "https://")):
                self.refuse(n, field, url, "a citation must be a URL (two sources per fact)")
                return False
            if is_search_url(url) or url.rstrip("/").endswith("courtlistener.com"):
                self.refuse(n, field, url, "a search URL is not a citation")
                return False
        if row[CITED[0]].strip() == row[CITED[1]].strip():
            self.refuse(n, CITED[1], row[CITED[1]], "the second source repeats the first")
            return False
        return True

    def member(self, row: dict, field: str, allowed: set[str], n: int, what: str) -> bool:
        if row.get(field) not in allowed:
            self.refuse(n, field, row.get(field), f"{field} must be one of {what}")
            return False
        return True


def _cases(path: Path, bad: list[QuarantineRow]) -> list[dict]:
    check, out = _Rows(CASES, bad), []
    for n, r in enumerate(_read(path), start=2):
        ok, filed = check.date(r, "filed_date", n, required=False)
        if not (ok and check.cited(r, n)):
            continue
        out.append(
            {
                "case_id": r["case_id"],
                "name": r["name"],
                "court": r["court"],
                "circuit": r.get("circuit") or None,
                "docket": r["docket"] or None,
                "filed_date": filed,
                "status": r.get("status") or None,
                "programs": r["programs"],
                "conditions": r.get("conditions") or None,
                "url": r["source_url"],
                "second_url": r["second_source_url"],
                "file_name": CASES,
                "row_number": n,
            }
        )
    return out


def _conditions(path: Path, bad: list[QuarantineRow]) -> list[dict]:
    check, out = _Rows(CONDITIONS, bad), []
    for n, r in enumerate(_read(path), start=2):
        ok, ended = check.date(r, "ended_date", n, required=False)
        if not (ok and check.cited(r, n)):
            continue
        if any(p not in PROGRAMS for p in r["programs"].split(";")):
            check.refuse(n, "programs", r["programs"], f"programs must be drawn from {sorted(PROGRAMS)}")
            continue
        out.append(
            {
                "condition_id": r["condition_id"],
                "instrument": r["instrument"],
                "description": r["description"],
                "programs": r["programs"],
                "ended_date": ended,
                "ended_by": r["ended_by"] or None,
                "url": r["source_url"],
                "second_url": r["second_source_url"],
                "file_name": CONDITIONS,
                "row_number": n,
            }
        )
    return out


def _parties(path: Path, known_cases: set[str], ctx: ParseContext, bad: list[QuarantineRow]) -> list[dict]:
    check, out = _Rows(PARTIES, bad), []
    for n, r in enumerate(_read(path), start=2):
        if not check.member(r, "case_id", known_cases, n, "a case in litigation_cases.csv"):
            continue
        if not (check.member(r, "role", ROLES, n, str(sorted(ROLES))) and check.cited(r, n)):
            continue
        geoid = None
        if r["role"] == "plaintiff" and ctx.resolver is not None:
            geoid = ctx.resolver.resolve(r["party_name"], state=r["state"] or None).geoid
        out.append(
            {
                "case_id": r["case_id"],
                "party_name": r["party_name"],
                "role": r["role"],
                "geoid": geoid,
                "state_abbr": r["state"] or None,
                "plaintiff_group": r["plaintiff_group"] or None,
                "url": r["source_url"],
                "second_url": r["second_source_url"],
                "file_name": PARTIES,
                "row_number": n,
            }
        )
    return out


def _orders(path: Path, known_cases: set[str], groups: dict[str, set[str]], bad: list[QuarantineRow]) -> list[dict]:
    check, out = _Rows(ORDERS, bad), []
    for n, r in enumerate(_read(path), start=2):
        if not check.member(r, "case_id", known_cases, n, "a case in litigation_cases.csv"):
            continue
        if not check.member(r, "scope", SCOPES, n, str(sorted(SCOPES))):
            continue
        if not check.member(r, "enjoins", {"true", "false"}, n, "true or false"):
            continue
        wanted = set(r["plaintiff_groups"].split(";"))
        if r["plaintiff_groups"] != "all" and not wanted <= groups.get(r["case_id"], set()):
            check.refuse(n, "plaintiff_groups", r["plaintiff_groups"], "names a group no party of the case has")
            continue
        dates = [check.date(r, f, n) for f in ("order_date", "effective_from")]
        ok_to, until = check.date(r, "effective_to", n, required=False)
        if not (all(ok for ok, _ in dates) and ok_to and check.cited(r, n)):
            continue
        if until is not None and until <= dates[1][1]:
            check.refuse(n, "effective_to", r["effective_to"], "must be after effective_from")
            continue
        out.append(
            {
                "order_id": r["order_id"],
                "case_id": r["case_id"],
                "order_date": dates[0][1],
                "court": r["court"],
                "kind": r["kind"],
                "enjoins": r["enjoins"] == "true",
                "scope": r["scope"],
                "plaintiff_groups": r["plaintiff_groups"],
                "effective_from": dates[1][1],
                "effective_to": until,
                "ends_because": r.get("ends_because") or None,
                "url": r["source_url"],
                "second_url": r["second_source_url"],
                "file_name": ORDERS,
                "row_number": n,
            }
        )
    return out


def _order_conditions(path: Path, orders: set[str], conditions: set[str], bad: list[QuarantineRow]) -> list[dict]:
    check, out = _Rows(ORDER_CONDITIONS, bad), []
    for n, r in enumerate(_read(path), start=2):
        if not check.member(r, "order_id", orders, n, "an order in litigation_orders.csv"):
            continue
        if not check.member(r, "condition_id", conditions, n, "a condition in litigation_conditions.csv"):
            continue
        if not check.member(r, "program", PROGRAMS, n, str(sorted(PROGRAMS))):
            continue
        out.append(
            {
                "order_id": r["order_id"],
                "condition_id": r["condition_id"],
                "program": r["program"],
                "fiscal_years": r["fiscal_years"] or None,
                "note": r["note"] or None,
                "file_name": ORDER_CONDITIONS,
                "row_number": n,
            }
        )
    return out


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    bad: list[QuarantineRow] = []
    cases = _cases(release.path(CASES), bad)
    known_cases = {c["case_id"] for c in cases}
    conditions = _conditions(release.path(CONDITIONS), bad)
    parties = _parties(release.path(PARTIES), known_cases, ctx, bad)
    groups: dict[str, set[str]] = {}
    for p in parties:
        groups.setdefault(p["case_id"], set()).add(p["plaintiff_group"])
    orders = _orders(release.path(ORDERS), known_cases, groups, bad)
    reached = _order_conditions(
        release.path(ORDER_CONDITIONS), {o["order_id"] for o in orders}, {c["condition_id"] for c in conditions}, bad
    )
    for order in orders:  # the programs column summarises the order's conditions
        order["programs"] = ";".join(sorted({r["program"] for r in reached if r["order_id"] == order["order_id"]}))
    tables = {
        "litigation_case": cases,
        "litigation_order": orders,
        "litigation_condition": conditions,
        "litigation_order_condition": reached,
        "litigation_party": parties,
    }
    return Parsed(
        tables={name: pa.Table.from_pylist(rows) for name, rows in tables.items() if rows},
        quarantine=bad,
        replace=frozenset(tables),  # a curated edition replaces the last: a row taken out must not linger
    )
