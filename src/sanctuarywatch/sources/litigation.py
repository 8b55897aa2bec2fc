"""Litigation over immigration-related grant conditions and sanctuary funding orders: a curated, reviewed table.

No single public file lists these cases, so Sanctuary Watch keeps three CSVs (cases, orders, parties) in the
package, each row citing the court record it was taken from. A folder holding newer copies (same names) in the
mirror overrides the packaged ones. Plaintiffs are resolved to GEOIDs; the scope of each order (named
plaintiffs, members, nationwide) and its effective dates drive the coverage analysis.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources
from pathlib import Path

import pyarrow as pa

from sanctuarywatch.errors import SourceFormatError
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

FILES = ("litigation_cases.csv", "litigation_orders.csv", "litigation_parties.csv")
SPEC = SourceSpec(
    source_id="litigation",
    title="Litigation over sanctuary funding conditions (curated)",
    publisher="Sanctuary Watch, from federal court records",
    url="https://www.courtlistener.com/",
    licence="Court records are public; the curated table is CC0.",
    description="Cases, orders (scope and effective dates) and plaintiffs, each row citing its court record.",
    files=tuple(SourceFile(name) for name in FILES),
    mirror_patterns=FILES,
)
DIFF_KEYS = {
    "litigation_case": ("case_id",),
    "litigation_order": ("order_id",),
    "litigation_party": ("case_id", "party_name"),
}
REQUIRED = {
    "litigation_cases.csv": ("case_id", "name", "court", "filed_date", "programs", "source_url"),
    "litigation_orders.csv": ("order_id", "case_id", "order_date", "kind", "scope", "effective_from", "source_url"),
    "litigation_parties.csv": ("case_id", "party_name", "state", "role"),
}
SCOPES = {"named_plaintiffs", "members", "nationwide"}


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
                parsed = _date(value)
                if parsed and parsed > newest:
                    newest = parsed
    return newest


def _read(path: Path) -> list[dict[str, str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path.name, f"not UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        raise SourceFormatError(path.name, "the file is empty")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED.get(path.name, ()) if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceFormatError(path.name, f"missing column(s): {', '.join(missing)}")
    return list(reader)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _required_date(row: dict, field: str, file: str, n: int, bad: list[QuarantineRow]) -> date | None:
    value = _date(row.get(field))
    if value is None:
        bad.append(QuarantineRow(file, n, field, row.get(field), "not an ISO date (YYYY-MM-DD)"))
    return value


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    bad: list[QuarantineRow] = []
    cases, orders, parties = [], [], []
    for n, r in enumerate(_read(release.path("litigation_cases.csv")), start=2):
        filed = _required_date(r, "filed_date", "litigation_cases.csv", n, bad)
        if filed is None:
            continue
        cases.append(
            {
                "case_id": r["case_id"],
                "name": r["name"],
                "court": r["court"],
                "circuit": r.get("circuit") or None,
                "docket": r.get("docket") or None,
                "filed_date": filed,
                "status": r.get("status") or None,
                "programs": r["programs"],
                "conditions": r.get("conditions") or None,
                "url": r["source_url"],
                "file_name": "litigation_cases.csv",
                "row_number": n,
            }
        )
    known_cases = {c["case_id"] for c in cases}
    for n, r in enumerate(_read(release.path("litigation_orders.csv")), start=2):
        file = "litigation_orders.csv"
        if r["case_id"] not in known_cases:
            bad.append(QuarantineRow(file, n, "case_id", r["case_id"], "no such case in litigation_cases.csv"))
            continue
        if r["scope"] not in SCOPES:
            bad.append(QuarantineRow(file, n, "scope", r["scope"], f"scope must be one of {sorted(SCOPES)}"))
            continue
        ordered = _required_date(r, "order_date", file, n, bad)
        start = _required_date(r, "effective_from", file, n, bad)
        if ordered is None or start is None:
            continue
        orders.append(
            {
                "order_id": r["order_id"],
                "case_id": r["case_id"],
                "order_date": ordered,
                "kind": r["kind"],
                "scope": r["scope"],
                "programs": r.get("programs") or "all",
                "effective_from": start,
                "effective_to": _date(r.get("effective_to")),
                "url": r["source_url"],
                "file_name": file,
                "row_number": n,
            }
        )
    for n, r in enumerate(_read(release.path("litigation_parties.csv")), start=2):
        file = "litigation_parties.csv"
        if r["case_id"] not in known_cases:
            bad.append(QuarantineRow(file, n, "case_id", r["case_id"], "no such case in litigation_cases.csv"))
            continue
        geoid = None
        if ctx.resolver is not None:
            geoid = ctx.resolver.resolve(r["party_name"], state=r["state"] or None).geoid  # NULL: not a government
        parties.append(
            {
                "case_id": r["case_id"],
                "party_name": r["party_name"],
                "role": r["role"],
                "geoid": geoid,
                "file_name": file,
                "row_number": n,
            }
        )
    return Parsed(
        tables={"litigation_party": pa.Table.from_pylist(parties)} if parties else {},
        upserts={
            "litigation_case": pa.Table.from_pylist(cases),
            "litigation_order": pa.Table.from_pylist(orders),
        },
        quarantine=bad,
        replace=frozenset({"litigation_party"}),
    )
