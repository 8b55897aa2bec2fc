"""ICE 287(g) sheets: one release per published sheet (``participatingAgencies*.xlsx``, ``pendingAgencies*.xlsx``).

The as-of date is the workbook's own (a date printed above the header, else docProps/core.xml dcterms:modified),
never the file name: ICE's names carry wrong years. Participating rows go to ``agreement_287g``, pending rows to
``pending_287g``, one row per agency x support model, and each sheet to ``sheet_287g``. ICE's typos are fixed
through ``data/ice_287g_corrections.csv`` (with a reason). Also holds the table-reading and name helpers the
ICE/DOJ connectors share.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa

from sanctuarywatch.config import limit
from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.geo.normalize import COUNTY_LEVEL_AREA_WORDS, clean, split_name
from sanctuarywatch.geo.states import State, state_table
from sanctuarywatch.sources.base import (
    Finder,
    LocatedFile,
    ParseContext,
    Parsed,
    QuarantineRow,
    ReleaseFiles,
    SourceFile,
    SourceSpec,
    locate_file,
)
from sanctuarywatch.sources.safe_readers import csv_rows, decode_text, open_workbook

ICE = "https://www.ice.gov"
_DOCLIB = f"{ICE}/doclib/about/offices/ero/287g"
# The mirrored sheets (MANIFEST.csv): the last sheet of each month, Mar 2025 - May 2026, of both lists.
_PINNED = (
    ("participatingAgencies03072025am.xlsx", "64d8f35f9959578dc2d44b0e3c421a04e35d5fdbd6f002126e7302b5184ac989"),
    ("participatingAgencies04302025pm.xlsx", "a0ba7fe923f308bc506705ac7c6b930289d324b14b71a2caf1c993307a0f5bcf"),
    ("participatingAgencies05292025am.xlsx", "5d0d3292d435025b3b369f9a1a13c89a8de26ccf66cfa95a4f8ebdea7849570c"),
    ("participatingAgencies06272025am.xlsx", "9f63c87f87a67596dc7102ab2629c1ed4efae96c4f7cad487e73ff7868ca89f7"),
    ("participatingAgencies07302025pm.xlsx", "80407a41af58da4c319f40bf8b96975a6938955aa3472b8eac42e55f693970a6"),
    ("participatingAgencies08292025pm.xlsx", "f5bd8b1703ac14c773cc53b9cfbcd9bed186df1c4845dd5124dd218fd33d14d1"),
    ("participatingAgencies10012025am.xlsx", "471f48c9389e6232342d8f7cbc64cded5629c37c4e0a1ddebad1b8f824a3ad9c"),
    ("participatingAgencies10312025pm.xlsx", "f3e8fbfa1ad3c06b8a745fe1f94fb329e93dc23c21f8941734e2ee1f6109a7ca"),
    ("participatingAgencies11262025am.xlsx", "73f9fbd8dcda8c955bf4adefbc966dfcbba146a9dec93cf93f26595f93053883"),
    ("participatingAgencies12312025am.xlsx", "3148c9a8781d18561a4e4d5723b5c2029c8e73fa3c79a44cf54d6a7eb4077e0a"),
    ("participatingAgencies02022026am.xlsx", "f16cb70731995841e3ea973e97c46b917f815417ed42f70c867859630cdd6bb9"),
    ("participatingAgencies02272026am.xlsx", "ac3a707e25e9c61df7b63a5cc6c80604cc53732d355633ec4e09b8f2a4814d8d"),
    ("participatingAgencies04012026am.xlsx", "102467bb1a3e0bf567400c2017fcb2ac6aa74a4b6c57ee15fb13052646f11334"),
    ("participatingAgencies05012026am.xlsx", "f566e8b8a36279407e49abefec6fab16e88a55654040c149c45490cafcb7f02c"),
    ("participatingAgencies05182026am.xlsx", "f2d0629e4a4c7f4557d90c74998be7fec37738cd2ca35de36b0b749ca25d04e0"),
    ("pendingAgencies04302025pm.xlsx", "5732109870331053ed93328db769c634e5371d8495d0f4de3db57078c9ed0442"),
    ("pendingAgencies05302025pm.xlsx", "2dbb627163d2d246822cde262605ce83a73572e9954c6bdc804b5cf7981dbcb0"),
    ("pendingAgencies06302025am.xlsx", "08b3139e54f7ab132f99da154c1eff0f78a40b59a9c33e7c26e94427081a114d"),
    ("pendingAgencies07312025am.xlsx", "3bc3c5d9edeb4ced7aea4fdb169fc127106b605252641273c855a946fa7b2f39"),
    ("pendingAgencies08292025pm.xlsx", "1bbdeee5f5aee82be016caef9f2e302c3c511cb788f6e954819593892da34d19"),
    ("pendingAgencies09302025pm.xlsx", "2a699a00eab60e2fda6dfef06e0d816c9597d349d8dfe83a8625e14429eed0db"),
    ("pendingAgencies10312025pm.xlsx", "75ae9ee74cded18a3f85ec00710c2567704780f37fc24bc32c4ff3bb14de5601"),
    ("pendingAgencies11262025am.xlsx", "dcecee0b654dccca27d917435310f68f23cd8a4cf7812cb5039b7736e34773df"),
    ("pendingAgencies12312025am.xlsx", "79078543b815ea09d299165638c4e943a437fae149386464e8e84b34a17a7b98"),
    ("pendingAgencies01302026am.xlsx", "4b01e44920b9b8de414a0147a74ed0fbd8cf0ca91026c8f8f1f5d5ae0d68ffc4"),
    ("pendingAgencies02272026am.xlsx", "4c0fc44c608a9770250ee09b88278eb7cfc48f573b0e5859e20fbd9950d9501f"),
)
SPEC = SourceSpec(
    source_id="ice_287g",
    title="ICE 287(g) participating and pending agencies",
    publisher="U.S. Immigration and Customs Enforcement",
    url=f"{ICE}/identify-and-arrest/287g",
    licence="Public domain (U.S. federal government work)",
    description="Law enforcement agencies with a signed (participating) or requested (pending) 287(g) agreement, "
    "by support model, as listed on each sheet ICE published.",
    files=tuple(SourceFile(name, f"{_DOCLIB}/{name}", sha) for name, sha in _PINNED),
    # Case-sensitive: third-party files in the mirror's derived/ folder (ParticipatingEntities-*.xlsx,
    # agreements.csv, 287g_curated_2019.xlsx) never match.
    mirror_patterns=("participatingAgencies*.xlsx", "pendingAgencies*.xlsx"),
)
_KEY = ("state_abbr", "agency_name", "support_model")
DIFF_KEYS: dict[str, tuple[str, ...]] = {"agreement_287g": _KEY, "pending_287g": _KEY}
# sheet_date differs on every sheet by design; store.diff counts it as a change unless told to ignore it.
DIFF_IGNORE: dict[str, tuple[str, ...]] = {"agreement_287g": ("sheet_date",), "pending_287g": ("sheet_date",)}

COLUMNS: dict[str, tuple[str, ...]] = {
    "state": ("STATE",),
    "agency": ("LAW ENFORCEMENT AGENCY", "AGENCY", "AGENCY NAME"),
    "type": ("TYPE", "AGENCY TYPE"),
    "county": ("COUNTY",),
    "support": ("SUPPORT TYPE", "SUPPORT MODEL", "MODEL"),
    "signed": ("SIGNED", "DATE SIGNED", "SIGNED DATE"),
    "moa": ("MOA", "MOA LINK"),
    "addendum": ("ADDENDUM",),
}
REQUIRED = ("state", "agency", "support")
_MODEL_ABBR = {"Jail Enforcement Model": "jem", "Task Force Model": "tfm", "Warrant Service Officer": "wso"}
MODELS = {
    key: model
    for model, abbr in _MODEL_ABBR.items()
    for key in (clean(model), abbr, clean(model).removesuffix(" model"), clean(model) + " program")
}
AGENCY_COLUMNS = ("agency_id", "name", "kind", "geoid", "state_abbr", "file_name", "row_number")


# -- shared table reading -------------------------------------------------------------------------------------
@dataclass
class Sheet:
    """One table found in a file: canonical column -> index, data rows with their 1-based row numbers."""

    file_name: str
    sheet_name: str | None
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]]
    preamble: list[str] = field(default_factory=list)
    header_row: int = 1

    def value(self, row: list[Any], key: str) -> Any:
        index = self.columns.get(key)
        return row[index] if index is not None and index < len(row) else None


def _norm_header(value: Any) -> str:
    return re.sub(r"[^A-Z0-9]+", " ", str(value or "").upper()).strip()


def _header_map(row: Sequence[Any], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    cells = [_norm_header(c) for c in row]
    found: dict[str, int] = {}
    for key, aliases in columns.items():
        wanted = {_norm_header(a) for a in aliases}
        for i, cell in enumerate(cells):
            if cell in wanted and key not in found:
                found[key] = i
    return found


def _raw_grids(path: Path) -> list[tuple[str | None, list[list[Any]]]]:
    if path.stat().st_size == 0:
        raise SourceFormatError(path.name, "empty file (0 bytes)")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            book = open_workbook(path)
            return [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]
        except SourceFormatError:
            raise
        except Exception as exc:  # noqa: BLE001 - calamine raises several error types for broken files
            raise SourceFormatError(path.name, f"not a readable spreadsheet (truncated or corrupt?): {exc}") from exc
    text = decode_text(path.read_bytes(), path.name)
    return [(None, [r for _, r in csv_rows(text, path.name)])]


def read_sheets(
    path: Path, columns: dict[str, tuple[str, ...]], required: Sequence[str], scan: int = 15
) -> list[Sheet]:
    """Every sheet (or the CSV) whose header row, within the first ``scan`` rows, names the required columns."""
    sheets: list[Sheet] = []
    best: tuple[int, list[str]] = (-1, [])
    for name, grid in _raw_grids(path):
        for i, row in enumerate(grid[:scan]):
            mapping = _header_map(row, columns)
            missing = [k for k in required if k not in mapping]
            if len(mapping) > best[0]:
                best = (len(mapping), [columns[k][0] for k in missing])
            if missing:
                continue
            preamble = [" ".join(str(c) for c in r if c not in (None, "")) for r in grid[:i]]
            data = [(n, list(r)) for n, r in enumerate(grid[i + 1 :], start=i + 2) if any(text(c) for c in r)]
            sheets.append(Sheet(path.name, name, mapping, data, [p for p in preamble if p], i + 1))
            break
    if not sheets:
        if best[0] <= 0:
            raise SourceFormatError(path.name, "no header row found (empty sheet or not this source's format)")
        raise SourceFormatError(path.name, f"missing column(s) {', '.join(best[1])}")
    return sheets


def text(value: Any) -> str:
    """A cell as trimmed text ('' for empty; 12.0 -> '12')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%m-%d-%Y", "%B %d, %Y", "%b %d, %Y", "%d-%b-%Y", "%Y/%m/%d")


def parse_date(value: Any) -> date | None:
    """A date from a spreadsheet cell or text; None when blank; ValueError when present but not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:
        return date(1899, 12, 30) + timedelta(days=int(value))  # Excel serial day
    raw = text(value).split(" ")[0] if re.match(r"\d{4}-\d\d-\d\d \d", text(value)) else text(value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {raw!r}")


def date_in_text(name: str) -> date | None:
    """The first date written as MMDDYYYY, YYYYMMDD, YYYY-MM-DD or M/D/YYYY in a file name or title."""
    for match in re.finditer(r"(\d{4})-(\d{2})-(\d{2})|(\d{1,2})/(\d{1,2})/(\d{4})|(?<!\d)(\d{8})(?!\d)", name):
        try:
            if match.group(1):
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if match.group(4):
                return date(int(match.group(6)), int(match.group(4)), int(match.group(5)))
            digits = match.group(7)
            for y, m, d in ((digits[4:], digits[:2], digits[2:4]), (digits[:4], digits[4:6], digits[6:])):
                if 1990 <= int(y) <= 2100 and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
                    return date(int(y), int(m), int(d))
        except ValueError:
            continue
    return None


def lookup_state(value: Any) -> State | None:
    raw = text(value)
    return state_table().lookup(raw) if raw else None


_BODY_SUFFIX = re.compile(
    r"\s+(board of (county )?(commissioners|supervisors)|commissioners court|county commission|fiscal court|"
    r"city council|board of aldermen|(county )?government|office of the mayor|mayor'?s office|county executive|"
    r"(department|dept\.?|office|division|bureau|board|commission)\b.*)$",
    re.IGNORECASE,
)
_BODY_PREFIX = re.compile(
    r"^(board of (county )?(commissioners|supervisors)|office of the mayor|mayor'?s office)( of)?( the)?\s+",
    re.IGNORECASE,
)
_CITY_AND_COUNTY = re.compile(r"^(.+?),? city and county$", re.IGNORECASE)
_STATE_AGENCY_WORDS = re.compile(
    r"\b(department|office|division|authority|commission|bureau|patrol|agency|council|governor|police|corrections|"
    r"administration|services|board|law enforcement|criminal justice|attorney general)\b"
)


def _state_agency(name: str, state: State | None) -> str | None:
    """'State of California', 'Texas Department of Criminal Justice' -> the state's name, else None."""
    words = clean(name)
    for prefix in ("state of ", "commonwealth of ", "the "):
        words = words.removeprefix(prefix)
    if state and {"governor", "governors"} & set(words.split()):
        return state.name
    for st in [state] if state else state_table().states:
        key = clean(st.name)
        if words == key or (words.startswith(key + " ") and _STATE_AGENCY_WORDS.search(words[len(key) :])):
            return st.name
    return None


def resolve_name(ctx: ParseContext, name: str, state: State | None, level: str | None = None) -> tuple[str | None, str]:
    """(geoid, status): the resolver's answer, retried on the bare government name when the agency text defeats it."""
    if ctx.resolver is None:
        return None, "unresolved"
    abbr = state.abbr if state else None
    first = ctx.resolver.resolve(name, state=abbr, level=level)
    if first.status == "accepted":
        return first.geoid, first.status
    retries = []
    stripped = _BODY_SUFFIX.sub("", name).strip(" ,-")
    if stripped and stripped != name and split_name(clean(stripped)).area_word:
        retries.append((stripped, level))
    state_name = _state_agency(name, state)
    flipped = _CITY_AND_COUNTY.match(name.strip())
    if flipped:
        retries.append((f"City and County of {flipped.group(1)}", level))
    body = _BODY_PREFIX.sub("", name).strip()
    if body != name and body:
        retries.append((body, level))
    if state_name and level in (None, "state"):
        retries.append((state_name, "state"))
    for text_, lvl in retries:
        again = ctx.resolver.resolve(text_, state=abbr, level=lvl)
        if again.status == "accepted":
            return again.geoid, again.status
    return None, first.status


_KINDS = ("sheriff", "police", "jail", "corrections", "state_agency")


def agency_kind(name: str, state: State | None, geoid: str | None, hint: str = "") -> str:
    """sheriff, police, jail, corrections, state_agency or other, from the name (and the sheet's TYPE)."""
    kind = split_name(clean(name)).agency_kind
    if kind == "state_agency" and geoid and len(geoid) > 2:
        kind = "other"  # e.g. 'Westchester County Department of Public Safety' is a county agency
    if kind in _KINDS:
        return kind
    if hint.strip().lower() == "state" or _state_agency(name, state) or (geoid and len(geoid) == 2):
        return "state_agency"
    return "other"


def agency_id(kind: str, state_abbr: str | None, name: str) -> str:
    """Stable id: kind, state and the name without its agency phrase, e.g. 'sheriff:FL:alachua-county'."""
    cleaned = clean(name)
    parts = split_name(cleaned)
    area = parts.area_word if parts.area_word in COUNTY_LEVEL_AREA_WORDS else None  # 'City of Tampa PD' = 'Tampa PD'
    core = " ".join(filter(None, [parts.base, area]))
    if kind not in ("sheriff", "police", "jail") or not parts.base:
        core = cleaned  # state agencies share the state's name: keep the whole name ('florida-highway-patrol')
    return f"{kind}:{state_abbr or 'US'}:{re.sub(r'[^a-z0-9]+', '-', core).strip('-')}"


def table(rows: list[dict], columns: Sequence[str] | None = None) -> pa.Table:
    """Arrow table of the rows (every row has the same keys); ``columns`` picks and orders them."""
    return pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows] if columns else rows)


# -- 287(g) ----------------------------------------------------------------------------------------------------
LISTS = {"participatingAgencies": "participating", "pendingAgencies": "pending"}
TABLE_OF = {"participating": "agreement_287g", "pending": "pending_287g"}
_COMMON = (
    "sheet_date",
    "state_abbr",
    "agency_name",
    "agency_type",
    "support_model",
    "county_printed",
    "county_geoid",
    "moa_printed",
    "moa_url",
    "agency_id",
    "geoid",
    "resolution_status",
    "corrections",
    "file_name",
    "row_number",
)
TABLE_COLUMNS = {
    "agreement_287g": (*_COMMON, "signed_date", "addendum_printed", "addendum_url"),
    "pending_287g": _COMMON,
}
SHEET_COLUMNS = (
    "list_kind",
    "sheet_name",
    "sheet_date",
    "modified_at",
    "date_from",
    "data_rows",
    "file_name",
    "row_number",
)
STATE_TYPES = ("State", "State Agency")  # TYPE values ICE prints for state agencies
HEADER_NAMES = {key: names[0] for key, names in COLUMNS.items()}  # field names as ICE prints them


@dataclass(frozen=True)
class AsOf:
    """A sheet's as-of date, the workbook's last-modified time and where the date came from."""

    day: date
    modified: datetime | None
    source: str  # title_row | workbook_modified


def list_kind(name: str) -> str:
    """participating or pending, from the file name's prefix (the only thing the name is trusted for)."""
    for prefix, kind in LISTS.items():
        if name.startswith(prefix):
            return kind
    raise SourceFormatError(name, f"not an ICE 287(g) sheet name (expected {' or '.join(LISTS)}*.xlsx)")


def workbook_modified(path: Path) -> datetime | None:
    """dcterms:modified of docProps/core.xml (UTC, naive), or None when the workbook has none."""
    try:
        with zipfile.ZipFile(path) as book:
            core = book.read("docProps/core.xml").decode("utf-8") if "docProps/core.xml" in book.namelist() else ""
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceFormatError(path.name, f"not a readable xlsx workbook (truncated or corrupt?): {exc}") from exc
    found = re.search(r"<dcterms:modified[^>]*>\s*([^<\s]+)\s*<", core)
    if not found:
        return None
    try:
        stamp = datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
    except ValueError as exc:
        raise SourceFormatError(path.name, f"workbook last-modified time is not a date: {found.group(1)!r}") from exc
    return stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp


def as_of(path: Path) -> AsOf:
    """A date printed above the header ("Updated as of 08/05/2025"), else the workbook's last-modified date."""
    if path.stat().st_size == 0:
        raise SourceFormatError(path.name, "empty file (0 bytes)")
    modified = workbook_modified(path)
    for sheet in read_sheets(path, COLUMNS, REQUIRED):
        for line in sheet.preamble:
            printed = date_in_text(line)
            if printed:
                return AsOf(printed, modified, "title_row")
    if modified is None:
        raise SourceFormatError(path.name, "no as-of date: no date above the header and no dcterms:modified")
    return AsOf(modified.date(), modified, "workbook_modified")


def discover(finder: Finder) -> list[ReleaseFiles]:
    """One release per sheet, versioned by its as-of date (``YYYY-MM-DD``; pending sheets ``YYYY-MM-DD-pending``).

    A byte-identical copy (the same sheet in two folders) is read once. Two different sheets of one list with the
    same as-of date get the time of day too (``YYYY-MM-DDTHHMMSS``); if even that ties, a clear error.
    """
    mirrored = finder.in_mirror(SPEC.mirror_patterns)
    located = [locate_file(p) for p in mirrored] if mirrored else finder.fetch(SPEC, SPEC.files)
    unique = {f.sha256: f for f in reversed(located)}  # first path of identical copies wins
    dated = sorted(((list_kind(f.name), as_of(f.path), f) for f in unique.values()), key=lambda t: t[2].name)
    same_day = Counter((kind, when.day) for kind, when, _ in dated)
    by_version: dict[str, LocatedFile] = {}
    for kind, when, file in dated:
        version = when.day.isoformat()
        if same_day[(kind, when.day)] > 1 and when.modified:
            version = when.modified.strftime("%Y-%m-%dT%H%M%S")
        version += "-pending" if kind == "pending" else ""
        if version in by_version:
            raise SourceFormatError(
                file.name,
                f"same {kind} as-of date and time as {by_version[version].name} ({version}) "
                "but different content: keep one of them in the mirror",
            )
        by_version[version] = file
    origin = "mirror" if mirrored else "download"
    return [ReleaseFiles(v, (f,), origin) for v, f in sorted(by_version.items())]


# -- corrections (data, not code) ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Correction:
    field: str
    as_printed: str
    corrected: str
    file: str
    reason: str


def load_corrections() -> dict[tuple[str, str], list[Correction]]:
    """sources/data/ice_287g_corrections.csv keyed by (ICE column name, cell text as printed, spaces trimmed)."""
    source = resources.files("sanctuarywatch.sources") / "data" / "ice_287g_corrections.csv"
    rows = list(csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"))))
    out: dict[tuple[str, str], list[Correction]] = {}
    for n, row in enumerate(rows, start=2):
        fix = Correction(*(text(row.get(k)) for k in ("field", "as_printed", "corrected", "file", "reason")))
        if fix.field not in HEADER_NAMES.values() or not fix.as_printed or not fix.reason:
            raise SourceFormatError(source.name, "a correction needs a known field, as_printed and reason", row=n)
        out.setdefault((fix.field, fix.as_printed), []).append(fix)
    return out


def _cell(sheet: Sheet, row: list[Any], key: str, fixes: dict, applied: list[str]) -> Any:
    """The cell's value, or the corrected text when the corrections file names it (the reason is noted)."""
    raw = sheet.value(row, key)
    field_name = HEADER_NAMES[key]
    for fix in fixes.get((field_name, text(raw)), ()):
        if fix.file in ("", sheet.file_name):
            applied.append(f"{field_name} {text(raw)!r} -> {fix.corrected!r}: {fix.reason}")
            return fix.corrected
    return raw


# -- hyperlinks without loading the workbook ----------------------------------------------------------------------
def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _worksheet_part(book: zipfile.ZipFile, sheet_name: str | None) -> str | None:
    workbook = book.read("xl/workbook.xml").decode("utf-8")
    rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    rid = None
    for tag in re.findall(r"<sheet\b[^>]*>", workbook):
        name = re.search(r'\bname="([^"]*)"', tag)
        if sheet_name is None or (name and html.unescape(name.group(1)) == sheet_name):
            rid = re.search(r'\s[\w]+:id="([^"]+)"', tag)
            break
    if rid is None:
        return None
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        if f'Id="{rid.group(1)}"' in tag:
            target = re.search(r'Target="([^"]+)"', tag)
            return target.group(1).lstrip("/") if target.group(1).startswith("/") else f"xl/{target.group(1)}"
    return None


def _hyperlink_tags(book: zipfile.ZipFile, part: str) -> str:
    """The <hyperlinks> block at the end of a worksheet, read in chunks (memory stays flat on big sheets)."""
    kept, found = b"", False
    with book.open(part) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            kept = kept + chunk if found else kept[-16:] + chunk
            if not found and (at := kept.find(b"<hyperlinks")) >= 0:
                kept, found = kept[at:], True
    return kept.decode("utf-8", "replace") if found else ""


def hyperlinks(path: Path, sheet_name: str | None) -> dict[tuple[int, int], str]:
    """(row, column index) -> external hyperlink target, from the worksheet XML and its relationships."""
    with zipfile.ZipFile(path) as book:
        part = _worksheet_part(book, sheet_name)
        if part is None or part not in book.namelist():
            return {}
        rels_part = re.sub(r"([^/]+)$", r"_rels/\1.rels", part)
        rels = book.read(rels_part).decode("utf-8") if rels_part in book.namelist() else ""
        tags = _hyperlink_tags(book, part)
    targets = {
        m.group(1): html.unescape(m.group(2))
        for m in re.finditer(r'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
    }
    links: dict[tuple[int, int], str] = {}
    for tag in re.findall(r"<hyperlink\b[^>]*>", tags):
        ref, rid = re.search(r'\bref="([^"]+)"', tag), re.search(r'\s[\w]+:id="([^"]+)"', tag)
        if not (ref and rid and rid.group(1) in targets):
            continue
        cells = [re.fullmatch(r"([A-Z]+)(\d+)", c) for c in ref.group(1).split(":")]
        if not all(cells):
            continue
        first, last = cells[0], cells[-1]
        rows = int(last.group(2)) - int(first.group(2)) + 1
        span = rows * (_column_index(last.group(1)) - _column_index(first.group(1)) + 1)
        if span > limit("max_xlsx_cells"):
            raise SourceFormatError(path.name, f"a hyperlink over {ref.group(1)} ({span:,} cells) passes the limit "
                                    f"max_xlsx_cells = {limit('max_xlsx_cells'):,}", field="hyperlink")  # fmt: skip
        for r in range(int(first.group(2)), int(last.group(2)) + 1):
            for c in range(_column_index(first.group(1)), _column_index(last.group(1)) + 1):
                links[(r, c)] = targets[rid.group(1)]
    return links


# -- parse ----------------------------------------------------------------------------------------------------
def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    rows: dict[str, list[dict]] = {"agreement_287g": [], "pending_287g": []}
    sheets: list[dict] = []
    agencies: dict[str, dict] = {}
    quarantine: list[QuarantineRow] = []
    fixes = load_corrections()
    for file in release.files:
        kind, when = list_kind(file.name), as_of(file.path)
        found = read_sheets(file.path, COLUMNS, REQUIRED)
        if not any(sheet.rows for sheet in found):  # a header alone would be a release of 0 agreements
            raise SourceFormatError(file.name, "a header but no agency rows: not a complete 287(g) sheet")
        for sheet in found:
            links = hyperlinks(file.path, sheet.sheet_name) if file.path.suffix.lower() == ".xlsx" else {}
            seen: set[tuple[str, str, str]] = set()
            for done, (n, row) in enumerate(sheet.rows, start=1):
                ctx.progress(done, len(sheet.rows))
                rec = _record(sheet, n, row, kind, when.day, links, fixes, quarantine)
                if rec is None:
                    continue
                key = (rec["state_abbr"], rec["agency_name"].lower(), rec["support_model"])
                if key in seen:
                    reason = f"duplicate row for {rec['support_model']} on this sheet"
                    quarantine.append(QuarantineRow(file.name, n, "LAW ENFORCEMENT AGENCY", rec["agency_name"], reason))
                    continue
                seen.add(key)
                agency = _resolve(ctx, rec)
                agencies.setdefault(agency["agency_id"], agency)
                rows[TABLE_OF[kind]].append(rec)
            values = (
                kind,
                sheet.sheet_name or "",
                when.day,
                when.modified,
                when.source,
                len(sheet.rows),
                file.name,
                sheet.header_row,
            )
            sheets.append(dict(zip(SHEET_COLUMNS, values, strict=True)))
    tables = {name: table(recs, TABLE_COLUMNS[name]) for name, recs in rows.items() if recs}
    upserts = {"sheet_287g": table(sheets, SHEET_COLUMNS)}  # an upsert: rows_loaded counts agreements only
    if agencies:
        upserts["agency"] = table(list(agencies.values()), AGENCY_COLUMNS)
    return Parsed(
        tables=tables,
        upserts=upserts,
        quarantine=quarantine,
    )


def _resolve(ctx: ParseContext, rec: dict) -> dict:
    """Fill geoid, resolution_status, county_geoid and agency_id on a row; return its agency record."""
    state = state_table().by_abbr[rec["state_abbr"]]
    rec["geoid"], rec["resolution_status"] = resolve_name(ctx, rec["agency_name"], state)
    if rec["geoid"] is None and ctx.resolver is not None and rec["agency_type"] in STATE_TYPES:
        # ICE's own TYPE says the agency is the state's ('Florida State Guard', 'Office of Agricultural Law
        # Enforcement'): its jurisdiction is the state, resolved by name like any other.
        answer = ctx.resolver.resolve(state.name, state=state.abbr, level="state")
        rec["geoid"], rec["resolution_status"] = (answer.geoid, answer.status) if answer.geoid else (None, "unresolved")
    county = rec["geoid"] if rec["geoid"] and len(rec["geoid"]) == 5 else None
    if county is None and rec["county_printed"] and ctx.resolver is not None:
        answer = ctx.resolver.resolve(rec["county_printed"], state=state.abbr, level="county")
        county = answer.geoid if answer.status == "accepted" else None
    rec["county_geoid"] = county
    kind = agency_kind(rec["agency_name"], state, rec["geoid"], rec["agency_type"] or "")
    rec["agency_id"] = agency_id(kind, state.abbr, rec["agency_name"])
    values = (rec["agency_id"], rec["agency_name"], kind, rec["geoid"], state.abbr, rec["file_name"], rec["row_number"])
    return dict(zip(AGENCY_COLUMNS, values, strict=True))


def _record(
    sheet: Sheet,
    n: int,
    row: list[Any],
    kind: str,
    sheet_date: date,
    links: dict[tuple[int, int], str],
    fixes: dict,
    quarantine: list[QuarantineRow],
) -> dict | None:
    """One sheet row as a store row (before resolution), or None after quarantining it with the reason."""
    applied: list[str] = []

    def cell(key: str) -> Any:
        return _cell(sheet, row, key, fixes, applied)

    def refuse(key: str, reason: str) -> None:
        quarantine.append(
            QuarantineRow(sheet.file_name, n, HEADER_NAMES[key], text(sheet.value(row, key)) or None, reason)
        )

    def link(key: str) -> str | None:
        printed = text(sheet.value(row, key))
        found = links.get((n, sheet.columns[key])) if key in sheet.columns else None
        return found or (printed if printed.lower().startswith("http") else None)

    name = text(cell("agency"))
    if not name:
        refuse("agency", "no agency name")
        return None
    state = lookup_state(cell("state"))
    if state is None:
        refuse("state", "not a state name or abbreviation")
        return None
    model = MODELS.get(clean(text(cell("support"))))
    if model is None:
        refuse("support", "not a known 287(g) support model")
        return None
    rec = {
        "sheet_date": sheet_date,
        "state_abbr": state.abbr,
        "agency_name": name,
        "agency_type": text(cell("type")) or None,
        "support_model": model,
        "county_printed": text(cell("county")) or None,
        "moa_printed": text(sheet.value(row, "moa")) or None,
        "moa_url": link("moa"),
        "file_name": sheet.file_name,
        "row_number": n,
    }
    if kind == "participating":
        try:
            rec["signed_date"] = parse_date(cell("signed"))
        except ValueError as exc:
            refuse("signed", str(exc))
            return None
        rec["addendum_printed"] = text(sheet.value(row, "addendum")) or None
        rec["addendum_url"] = link("addendum")
    rec["corrections"] = "; ".join(applied) or None
    return rec
