"""Reading published designation lists: HTML pages grouped under headings, CSV tables and transcriptions.

A list page names jurisdictions under headings — by kind ("States", "Counties", "Cities") as DOJ's 2025 list
does, or by state then kind as DHS's 2025 list does — with one entry per list item, table row or printed line.
Each entry keeps its text as printed; the resolver's answer sits beside it, never in place of it. Entries the
resolver cannot place stay in the table as unresolved or needs_review (the list printed them). When a list gives
no kind, the category is inferred from the name: a county-level word (County, Parish, Borough) makes a county, a
bare state name a state, anything else a city.

A publisher's oddities (a phrase printed where a name belongs, swapped headings) are data, not branches:
``data/lists_flags.csv`` flags them — with a reason and, where needed, the name and level to resolve instead —
and each flag is stored in ``list_entry_flag``. ``data/lists_redactions.csv`` removes person names from
transcribers' notes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import pyarrow as pa
from bs4 import BeautifulSoup

from sanctuarywatch.errors import InputError, SourceFormatError
from sanctuarywatch.geo.normalize import clean
from sanctuarywatch.geo.resolver import MAX_INPUT_CHARS
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
from sanctuarywatch.sources.safe_readers import csv_dicts, decode_text, duplicate_header

CATEGORY_WORDS = {"state": "state", "count": "county", "parish": "county", "cit": "city", "town": "city",
                  "municipal": "city", "local": "city"}  # fmt: skip
LEVEL_FOR = {"state": "state", "county": "county", "city": "place"}
_TRAILING_STATE = re.compile(r"^(?P<name>.+?)\s*(?:,\s*|\s+\(|\s+-\s+)(?P<state>[A-Za-z .]+?)\)?\s*$")
_COUNTY_WORDS = re.compile(r"\b(county|counties|parish|census area|municipio)\b")
_PARTIAL = re.compile(r"partial", re.IGNORECASE)
DIFF_KEYS = {"list_membership": ("list_id", "as_printed", "state_as_printed")}
DIFF_IGNORE = {"list_membership": ("edition", "edition_date", "page_order", "source_address", "note")}
MEMBERSHIP_FIELDS = (
    "list_id", "edition", "edition_date", "withdrawn_date", "as_printed", "state_as_printed", "category", "geoid",
    "level", "confidence", "resolution_status", "page_order", "source_address", "note", "edition_stands_alone",
    "file_name", "row_number",
)  # fmt: skip


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
    edition_from_name: bool = True  # False when a file's date is a capture date, not the list's (DHS)
    edition_mode: str = "supersedes"  # or "separate": each edition is its own dated event (DOJ 1373 letters)


@dataclass(frozen=True)
class Entry:
    text: str
    state: str | None
    category: str | None
    row_number: int
    page_order: int | None = None
    source_address: str | None = None
    note: str | None = None
    artefact: str | None = None  # set when the line is a print artefact (e.g. repeated at a page break)


@dataclass(frozen=True)
class Flag:
    flag: str
    reason: str
    resolve_name: str | None
    resolve_level: str | None
    resolve_state: str | None = None

    @property
    def changes_resolution(self) -> bool:
        return bool(self.resolve_name or self.resolve_level or self.resolve_state)


def discover_lists(finder: Finder, spec: SourceSpec, info: ListInfo | date) -> list[ReleaseFiles]:
    """One release per mirrored file (edition from a date in its name), else the public page.

    A file whose name or folder says it is partial is never a release: a partial copy is not the list."""
    info_default = info.default_edition if isinstance(info, ListInfo) else info
    from_name = info.edition_from_name if isinstance(info, ListInfo) else True
    found = [p for p in finder.in_mirror(spec.mirror_patterns) if not _is_partial(p, finder)]
    if not found:
        files = finder.fetch(spec, spec.files)
        return [ReleaseFiles(info_default.isoformat(), tuple(files), "download")]
    releases = []
    for path in found:
        edition = (_date_in_name(path.name) if from_name else None) or info_default
        releases.append(ReleaseFiles(edition.isoformat(), (locate_file(path),), "mirror"))
    return sorted(releases, key=lambda r: r.version)


def _is_partial(path: Path, finder: Finder) -> bool:
    inside = path.relative_to(finder.mirror_dir) if finder.mirror_dir else Path(path.name)
    return any(_PARTIAL.search(part) for part in inside.parts)


def _date_in_name(name: str) -> date | None:
    match = re.search(r"(20\d\d)[-_]?(\d\d)[-_]?(\d\d)", name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceFormatError(path.name, "the file is empty")
    return decode_text(raw, path.name)


def category_of(heading: str) -> str | None:
    lowered = heading.lower()
    return next((cat for word, cat in CATEGORY_WORDS.items() if word in lowered), None)


def html_entries(path: Path) -> Iterator[Entry]:
    """Entries under headings: a kind heading sets the category; a state-name heading sets the state."""
    text = read_text(path)
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
            elif category_of(label):
                category, state = category_of(label), None if category_of(label) == "state" else state
            continue
        if node.name == "tr" and node.find("th"):
            continue
        cells = (
            [" ".join(c.get_text(" ", strip=True).split()) for c in node.find_all("td")] if node.name == "tr" else []
        )
        n += 1
        if cells:
            yield Entry(
                cells[0], cells[1] if len(cells) > 1 else state, category_of(cells[2]) if len(cells) > 2 else category,
                n, n,
            )  # fmt: skip
        else:
            yield Entry(label, state, category, n, n)


def csv_entries(path: Path) -> Iterator[Entry]:
    """Rows of a CSV list or transcription: ``jurisdiction`` (required), ``state``, ``category`` and, in the
    mirror's transcriptions, ``page_order``, ``source_address`` and ``note``."""
    header, records = csv_dicts(read_text(path), path.name)
    fields = [f.lower() for f in header]
    duplicate_header(fields, path.name)
    if "jurisdiction" not in fields:
        raise SourceFormatError(path.name, f"no 'jurisdiction' column (columns: {', '.join(fields) or 'none'})")
    for n, row in records:
        low = {k.lower(): (v or "").strip() for k, v in row.items() if k}
        order = low.get("page_order", "")
        if order and not order.isdigit():
            raise SourceFormatError(path.name, f"page_order '{order}' is not a whole number", row=n, field="page_order")
        yield Entry(
            low.get("jurisdiction", ""), low.get("state") or None, category_of(low.get("category", "")), n,
            int(order) if order else None, low.get("source_address") or None, low.get("note") or None,
        )  # fmt: skip


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
    found = state_table().lookup(re.sub(r"^state of\s+", "", name.strip(), flags=re.IGNORECASE))
    if found and (state is None or state == found):
        return "state"
    return "city"


def _data_rows(name: str) -> list[dict[str, str]]:
    with (resources.files("sanctuarywatch.sources") / "data" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def flag_table() -> dict[tuple[str, str, str, str], list[tuple[str, str, Flag]]]:
    """(list_id, as_printed) -> [(edition, state, category, flag)] from data/lists_flags.csv ('' = any)."""
    table: dict = {}
    for r in _data_rows("lists_flags.csv"):
        flag = Flag(
            r["flag"], r["reason"], r["resolve_name"] or None, r["resolve_level"] or None, r["resolve_state"] or None
        )
        table.setdefault((r["list_id"], r["as_printed"]), []).append((r["edition"], r["state"], r["category"], flag))
    return table


def flags_for(list_id: str, edition: str, as_printed: str, state: str | None, category: str) -> list[Flag]:
    found = flag_table().get((list_id, as_printed), [])
    return [f for e, s, c, f in found if e in ("", edition) and s in ("", state or "") and c in ("", category)]


@cache
def _state_spellings() -> dict[str, str]:
    return {r["as_printed"]: r["state_abbr"] for r in _data_rows("lists_state_spellings.csv")}


def lookup_state(text: str | None):
    """The state a list prints, also in the spellings of data/lists_state_spellings.csv ('Nev.', 'Fla.')."""
    if not text:
        return None
    return state_table().lookup(text) or state_table().lookup(_state_spellings().get(text.strip(), ""))


@cache
def _redactions() -> tuple[tuple[str, str, str], ...]:
    return tuple((r["file_name"], r["find"], r["replace"]) for r in _data_rows("lists_redactions.csv"))


def redact(file_name: str, note: str | None) -> str | None:
    for name, find, repl in _redactions():
        if note and name == file_name:
            note = note.replace(find, repl)
    return note


def _resolve(ctx: ParseContext, name: str, state, category: str, flags: Iterable[Flag]) -> tuple:
    """The resolver's answer for an entry, read as printed unless a flag says what to resolve instead."""
    target, level, resolved_as = name, LEVEL_FOR.get(category), None
    for f in (f for f in flags if f.changes_resolution):
        state = lookup_state(f.resolve_state) or state
        target = state.name if f.resolve_name == "@state" and state else (f.resolve_name or name)
        level = None if f.resolve_level == "any" else (f.resolve_level or level)
        where = f", {state.abbr}" if f.resolve_state and state else ""
        resolved_as = f"{'state heading' if f.resolve_name == '@state' else target}{where} ({level or 'any level'})"
    # The level hint is the list's word for the entry; when that answer is not accepted its status is kept.
    return ctx.resolver.resolve(target, state=state.abbr if state else None, level=level), resolved_as


def parse_list(release: ReleaseFiles, ctx: ParseContext, info: ListInfo, entries: list[Entry] | None = None) -> Parsed:
    """list_membership rows (with the resolver's answer), list_entry_flag rows and the designation_list record."""
    file: LocatedFile = release.files[0]
    if entries is None:
        reader = csv_entries if file.name.lower().endswith(".csv") else html_entries
        entries = list(reader(file.path))
    if not entries:
        raise SourceFormatError(file.name, "no list entries found")
    if ctx.resolver is None:
        raise ValueError("parse_list needs ctx.resolver (build it from the store's registry)")
    edition = date.fromisoformat(release.version) if re.fullmatch(r"\d{4}-\d\d-\d\d", release.version) else None
    has_order = any(e.page_order is not None for e in entries)
    rows, flagged, bad, seen = [], [], [], set()
    for i, entry in enumerate(entries, start=1):
        ctx.progress(i, len(entries))
        name, state_text = _split_state(entry)
        reason = _refusal(entry, name, state_text, seen)
        if reason:
            field, value = ("state", state_text) if reason == "unknown state" else ("jurisdiction", entry.text)
            bad.append(QuarantineRow(file.name, entry.row_number, field, value and _shown(value), reason))
            continue
        seen.add((name, state_text))
        state = lookup_state(state_text)
        category = entry.category or infer_category(name, state_text)
        flags = flags_for(info.list_id, release.version, entry.text, state_text, category)
        if has_order and entry.page_order is None:
            flags.append(Flag("position_unknown", "the transcription could not see where the list prints this "
                              "entry, so page_order is blank", None, None))  # fmt: skip
        try:
            result, resolved_as = _resolve(ctx, name, state, category, flags)
        except InputError as exc:  # a name the resolver refuses (too long): this entry, not the whole list
            bad.append(QuarantineRow(file.name, entry.row_number, "jurisdiction", _shown(entry.text), str(exc)))
            continue
        best = result.best if result.status == "accepted" else None
        geoid = ctx.resolver.canonical(best.geoid) if best else None
        rows.append({
            "list_id": info.list_id, "edition": release.version, "edition_date": edition or info.default_edition,
            "withdrawn_date": info.withdrawn, "as_printed": entry.text, "state_as_printed": state_text,
            "category": category, "geoid": geoid, "level": ctx.resolver.entries[geoid].level if geoid else None,
            "confidence": best.confidence if best else (result.best.confidence if result.best else None),
            "resolution_status": result.status, "page_order": entry.page_order,
            "source_address": entry.source_address, "note": redact(file.name, entry.note),
            "edition_stands_alone": info.edition_mode == "separate", "file_name": file.name,
            "row_number": entry.row_number,
        })  # fmt: skip
        flagged += [{"list_id": info.list_id, "edition": release.version, "as_printed": entry.text,
                     "state_as_printed": state_text, "flag": f.flag, "reason": f.reason,
                     "resolved_as": resolved_as if f.changes_resolution else None,
                     "file_name": file.name, "row_number": entry.row_number} for f in flags]  # fmt: skip
    return Parsed(
        tables={"list_membership": _table(rows, MEMBERSHIP_FIELDS)},
        # Flags are reference rows (keyed by release, file, row, flag): rows_loaded counts list entries only.
        upserts={
            "designation_list": pa.Table.from_pylist([_listing(info)]),
            "list_entry_flag": pa.Table.from_pylist(flagged),
        },
        quarantine=bad,
    )


def _refusal(entry: Entry, name: str, state_text: str | None, seen: set) -> str | None:
    if entry.artefact:
        return entry.artefact
    if not name.strip():
        return "empty entry"
    if len(entry.text) > MAX_INPUT_CHARS:
        return f"entry is {len(entry.text):,} characters long; names longer than {MAX_INPUT_CHARS} are refused"
    if state_text and lookup_state(state_text) is None:
        return "unknown state"
    if (name, state_text) in seen:
        return "duplicate entry"
    return None


def _shown(value: str, keep: int = 200) -> str:
    """A quarantined value as stored: long values are cut (the row number points at the full text)."""
    return value if len(value) <= keep else f"{value[:keep]}… ({len(value):,} characters)"


def _table(rows: list[dict], fields: tuple[str, ...]) -> pa.Table:
    types = {
        "page_order": pa.int32(),
        "confidence": pa.float64(),
        "row_number": pa.int64(),
        "edition_stands_alone": pa.bool_(),
    }
    schema = pa.schema([(f, types.get(f, pa.date32() if f.endswith("_date") else pa.string())) for f in fields])
    return pa.Table.from_pylist(rows, schema=schema)


def _listing(info: ListInfo) -> dict:
    return {"list_id": info.list_id, "title": info.title, "publisher": info.publisher, "kind": info.kind,
            "url": info.url, "description": info.description}  # fmt: skip
