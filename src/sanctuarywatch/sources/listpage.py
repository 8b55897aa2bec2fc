"""Reading published designation lists: HTML pages grouped under headings, and CSV tables.

A list page names jurisdictions under headings — by kind ("States", "Counties", "Cities") as DOJ's 2025 list
does, or by state ("California", "Colorado" ...) as DHS's 2025 list does — with one entry per list item or
table row. Each entry keeps its text as printed; the resolver's answer sits beside it, never in place of it.
Entries the resolver cannot place stay in the table as unresolved or needs_review (the list printed them).
When a list gives no kind (DHS groups only by state), the category is inferred from the name: a county-level
word (County, Parish, Borough) makes a county, a bare state name a state, anything else a city.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
from bs4 import BeautifulSoup

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.geo.normalize import clean
from sanctuarywatch.geo.states import state_table
from sanctuarywatch.sources.base import (
    Finder,
    LocatedFile,
    ParseContext,
    Parsed,
    QuarantineRow,
    ReleaseFiles,
    SourceSpec,
    locate_file,
)

CATEGORY_WORDS = {"state": "state", "count": "county", "parish": "county", "cit": "city", "town": "city",
                  "municipal": "city", "local": "city"}  # fmt: skip
LEVEL_FOR = {"state": "state", "county": "county", "city": "place"}
_TRAILING_STATE = re.compile(r"^(?P<name>.+?)\s*(?:,\s*|\s+\(|\s+-\s+)(?P<state>[A-Za-z .]+?)\)?\s*$")
_COUNTY_WORDS = re.compile(r"\b(county|counties|parish|census area|municipio)\b")
DIFF_KEYS = {"list_membership": ("list_id", "as_printed", "state_as_printed")}
DIFF_IGNORE = {"list_membership": ("edition", "edition_date")}


@dataclass(frozen=True)
class ListInfo:
    list_id: str
    title: str
    publisher: str
    kind: str
    url: str
    description: str
    default_edition: date
    withdrawn: date | None = None


@dataclass(frozen=True)
class Entry:
    text: str
    state: str | None
    category: str | None
    row_number: int


def discover_lists(finder: Finder, spec: SourceSpec, default_edition: date) -> list[ReleaseFiles]:
    """One release per mirrored file (edition from a date in its name), else the public page."""
    found = finder.in_mirror(spec.mirror_patterns)
    if not found:
        files = finder.fetch(spec, spec.files)
        return [ReleaseFiles(default_edition.isoformat(), tuple(files), "download")]
    releases = []
    for path in found:
        edition = _date_in_name(path.name) or default_edition
        releases.append(ReleaseFiles(edition.isoformat(), (locate_file(path),), "mirror"))
    return sorted(releases, key=lambda r: r.version)


def _date_in_name(name: str) -> date | None:
    match = re.search(r"(20\d\d)[-_]?(\d\d)[-_]?(\d\d)", name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceFormatError(path.name, "the file is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path.name, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from exc


def _category(heading: str) -> str | None:
    lowered = heading.lower()
    return next((cat for word, cat in CATEGORY_WORDS.items() if word in lowered), None)


def html_entries(path: Path) -> Iterator[Entry]:
    """Entries under headings: a kind heading sets the category; a state-name heading sets the state."""
    text = _text(path)
    if "<" not in text or not re.search(r"<(li|tr|h[1-6])\b", text, re.IGNORECASE):
        raise SourceFormatError(path.name, "not an HTML list page (no headings, list items or table rows)")
    soup = BeautifulSoup(text, "html.parser")
    main = soup.find("main") or soup.find("article") or soup.body or soup
    states = state_table()
    category: str | None = None
    state: str | None = None
    n = 0
    for node in main.find_all(["h1", "h2", "h3", "h4", "li", "tr"]):
        label = " ".join(node.get_text(" ", strip=True).split())
        if node.name.startswith("h"):
            as_state = states.lookup(label)
            if as_state:
                state, category = label, None
            elif _category(label):
                category, state = _category(label), None if _category(label) == "state" else state
            continue
        if node.name == "tr" and node.find("th"):
            continue
        cells = (
            [" ".join(c.get_text(" ", strip=True).split()) for c in node.find_all("td")] if node.name == "tr" else []
        )
        n += 1
        if cells:
            yield Entry(
                cells[0], cells[1] if len(cells) > 1 else state, _category(cells[2]) if len(cells) > 2 else category, n
            )
        else:
            yield Entry(label, state, category, n)


def csv_entries(path: Path) -> Iterator[Entry]:
    reader = csv.DictReader(io.StringIO(_text(path)))
    fields = [f.lower() for f in (reader.fieldnames or [])]
    if "jurisdiction" not in fields:
        raise SourceFormatError(path.name, f"no 'jurisdiction' column (columns: {', '.join(fields) or 'none'})")
    for n, row in enumerate(reader, start=2):
        low = {k.lower(): (v or "").strip() for k, v in row.items() if k}
        yield Entry(low.get("jurisdiction", ""), low.get("state") or None, _category(low.get("category", "")), n)


def _split_state(entry: Entry) -> tuple[str, str | None]:
    """'Newark, NJ' / 'Newark (NJ)' -> ('Newark', 'NJ') when the tail is a state; else the text as is."""
    if entry.state:
        return entry.text, entry.state
    match = _TRAILING_STATE.match(entry.text)
    if match and state_table().lookup(match["state"].strip()):
        return match["name"].strip(), match["state"].strip()
    return entry.text, None


def infer_category(name: str, state_text: str | None) -> str:
    """The category of an entry printed without one: county, state or (anything else) city."""
    cleaned = clean(name)
    state = state_table().lookup(state_text) if state_text else None
    alaska = state is not None and state.abbr == "AK"
    if _COUNTY_WORDS.search(cleaned) or (alaska and re.search(r"\bborough\b", cleaned)):
        return "county"  # a borough is a county only in Alaska; New Jersey's boroughs are municipalities
    found = state_table().lookup(name)
    if found and (state is None or state == found):
        return "state"
    return "city"


def parse_list(release: ReleaseFiles, ctx: ParseContext, info: ListInfo) -> Parsed:
    """list_membership rows (with the resolver's answer) and the designation_list record."""
    file: LocatedFile = release.files[0]
    entries = list(csv_entries(file.path) if file.name.lower().endswith(".csv") else html_entries(file.path))
    if not entries:
        raise SourceFormatError(file.name, "no list entries found")
    if ctx.resolver is None:
        raise ValueError("parse_list needs ctx.resolver (build it from the store's registry)")
    states = state_table()
    edition = date.fromisoformat(release.version) if re.fullmatch(r"\d{4}-\d\d-\d\d", release.version) else None
    rows, bad, seen = [], [], set()
    for i, entry in enumerate(entries, start=1):
        ctx.progress(i, len(entries))
        name, state_text = _split_state(entry)
        if not name.strip():
            bad.append(QuarantineRow(file.name, entry.row_number, "jurisdiction", entry.text, "empty entry"))
            continue
        state = states.lookup(state_text) if state_text else None
        if state_text and state is None:
            bad.append(QuarantineRow(file.name, entry.row_number, "state", state_text, "unknown state"))
            continue
        if (name, state_text) in seen:
            bad.append(QuarantineRow(file.name, entry.row_number, "jurisdiction", name, "duplicate entry"))
            continue
        seen.add((name, state_text))
        category = entry.category or infer_category(name, state_text)
        # The level hint is the list's word for the entry; when that answer is not accepted its status is kept.
        result = ctx.resolver.resolve(name, state=state.abbr if state else None, level=LEVEL_FOR.get(category))
        best = result.best if result.status == "accepted" else None
        geoid = ctx.resolver.canonical(best.geoid) if best else None
        rows.append({
            "list_id": info.list_id, "edition": release.version, "edition_date": edition or info.default_edition,
            "withdrawn_date": info.withdrawn, "as_printed": entry.text, "state_as_printed": state_text,
            "category": category, "geoid": geoid, "level": ctx.resolver.entries[geoid].level if geoid else None,
            "confidence": best.confidence if best else (result.best.confidence if result.best else None),
            "resolution_status": result.status, "file_name": file.name, "row_number": entry.row_number,
        })  # fmt: skip
    listing = {"list_id": info.list_id, "title": info.title, "publisher": info.publisher, "kind": info.kind,
               "url": info.url, "description": info.description}  # fmt: skip
    return Parsed(
        tables={"list_membership": pa.Table.from_pylist(rows)},
        upserts={"designation_list": pa.Table.from_pylist([listing])},
        quarantine=bad,
    )
