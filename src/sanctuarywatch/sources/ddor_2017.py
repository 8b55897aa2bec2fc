"""ICE Declined Detainer Outcome Report (DDOR), 2017 issues 1-3: one release per weekly PDF.

Each PDF holds a table of declined detainers (Jurisdiction, State, Citizenship, Notable Criminal Activity,
Detainer Issued Date, Declined Date) spread over several pages, and a table of jurisdictions with policies
that restrict cooperation with ICE (Jurisdiction, State, Policy). Tables are read from word positions
(pdfplumber): a table starts at its header line (repeated on later pages), columns start where the header
labels start, and a line is a new row when it has a value in a column that never wraps (State or a date
for declined detainers; State for policies); any other line is the wrapped continuation of the row above.
A ``Table N.`` heading ends a table; page footers (``Page N``) are skipped.

Row numbers are the 1-based order of the row within its table in the file (continuation lines are not
counted): declined detainers and policy jurisdictions are numbered separately.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from sanctuarywatch.errors import InputError, SourceFormatError
from sanctuarywatch.geo.states import state_table
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
from sanctuarywatch.sources.safe_readers import Deadline, open_pdf

_DOCLIB = "https://www.ice.gov/doclib/ddor"
SPEC = SourceSpec(
    source_id="ddor_2017",
    title="ICE Declined Detainer Outcome Report (2017, issues 1-3)",
    publisher="U.S. Immigration and Customs Enforcement",
    url="https://www.ice.gov/declined-detainer-outcome-report",
    licence="Public domain (U.S. federal government work)",
    description=(
        "Weekly reports (Mar-Apr 2017, then suspended) listing detainers that local jurisdictions declined, "
        "and the jurisdictions ICE said had policies restricting cooperation."
    ),
    files=(
        SourceFile("ddor2017_01-28to02-03.pdf", f"{_DOCLIB}/ddor2017_01-28to02-03.pdf"),
        SourceFile("ddor2017_02-04to02-10.pdf", f"{_DOCLIB}/ddor2017_02-04to02-10.pdf"),
        SourceFile("ddor2017_02-11to02-17.pdf", f"{_DOCLIB}/ddor2017_02-11to02-17.pdf"),
    ),
    mirror_patterns=("ddor2017_*.pdf", "*Declined*Detainer*.pdf", "*declined*detainer*.pdf"),
)
DECLINED, POLICY = "ddor_declined_detainer", "ddor_policy_jurisdiction"
DIFF_KEYS: dict[str, tuple[str, ...]] = {
    # No detainer id is published: a detainer is its jurisdiction, nationality and two dates.
    DECLINED: ("jurisdiction_printed", "state_abbr", "citizenship_country", "detainer_issued_date", "declined_date"),
    POLICY: ("jurisdiction_printed", "state_abbr"),
}
# Issue number and week differ on every issue by design; not a change to the row itself.
DIFF_IGNORE: dict[str, tuple[str, ...]] = {
    DECLINED: ("report_issue", "report_week_start", "report_week_end"),
    POLICY: ("report_issue",),
}
FIRST_WEEK = date(2017, 1, 28)  # issue 1 covers Jan 28 - Feb 3, 2017; issues are weekly

# Column -> accepted header labels (as word sequences), in printed order.
_DECLINED_HEADER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("jurisdiction_printed", ("Jurisdiction", "County", "City/County")),
    ("state_abbr", ("State",)),
    ("citizenship_country", ("Citizenship", "Country of Citizenship")),
    ("notable_criminal_activity", ("Notable Criminal Activity", "Criminal Activity")),
    ("detainer_issued_date", ("Detainer Issued Date", "Detainer Issued", "Issued Date")),
    ("declined_date", ("Declined Date", "Detainer Declined Date", "Date Declined")),
)
_POLICY_HEADER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("jurisdiction_printed", ("Jurisdiction", "County", "City/County")),
    ("state_abbr", ("State",)),
    ("policy_text", ("Policy Description", "Policy", "Policy Text")),
)
_ROW_START = {DECLINED: ("state_abbr", "detainer_issued_date", "declined_date"), POLICY: ("state_abbr",)}
_TABLE_HEADING = re.compile(r"^Table\s+\d+\b", re.I)
_FOOTER = re.compile(r"^(?:.*\|\s*)?Page\s+\d+(?:\s+of\s+\d+)?$", re.I)
_DAY = r"([A-Za-z]+\.?\s+\d{1,2})"  # 'January 28', 'Feb. 3'
_PERIOD = re.compile(rf"Reporting\s+Period:?\s*{_DAY}(?:,\s*(\d{{4}}))?\s*[-\u2013\u2014]+\s*{_DAY},\s*(\d{{4}})", re.I)
_FILE_WEEK = re.compile(r"ddor(\d{4})_(\d{2})-(\d{2})to(\d{2})-(\d{2})", re.I)
_COUNTY_WORDS = re.compile(r"\b(count(y|ies)|parish|borough|sheriff'?s?|jail)\b", re.I)
_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

_TYPES = {"report_issue": pa.int32(), "row_number": pa.int64(), "report_week_start": pa.date32(),
          "report_week_end": pa.date32(), "detainer_issued_date": pa.date32(), "declined_date": pa.date32()}
_NAMED = ("jurisdiction_printed", "state_abbr", "geoid", "resolution_status")
DECLINED_SCHEMA = pa.schema([(c, _TYPES.get(c, pa.string())) for c in (
    "report_issue", "report_week_start", "report_week_end", *_NAMED, "citizenship_country",
    "notable_criminal_activity", "detainer_issued_date", "declined_date", "file_name", "row_number")])
POLICY_SCHEMA = pa.schema([(c, _TYPES.get(c, pa.string())) for c in (
    "report_issue", *_NAMED, "policy_text", "file_name", "row_number")])  # fmt: skip


@dataclass
class Week:
    """A report's reporting period and the issue number it implies."""

    start: date
    end: date

    @property
    def issue(self) -> int:
        return (self.start - FIRST_WEEK).days // 7 + 1


@dataclass
class _Table:
    """A table being read: its column starts (x positions) and rows of column -> text."""

    kind: str
    starts: list[tuple[str, float]]
    rows: list[dict[str, str]] = field(default_factory=list)


# -- discovery ----------------------------------------------------------------------------------------------
def week_from_name(name: str) -> Week | None:
    """The reporting week encoded in ICE's file name, e.g. ``ddor2017_01-28to02-03.pdf``."""
    match = _FILE_WEEK.search(name)
    if not match:
        return None
    year, m1, d1, m2, d2 = (int(g) for g in match.groups())
    try:
        start = date(year, m1, d1)
        end = date(year + (1 if (m2, d2) < (m1, d1) else 0), m2, d2)
    except ValueError:
        return None
    return Week(start, end)


def week_from_text(text: str) -> Week | None:
    """The week from a ``Reporting Period: January 28, 2017 - February 3, 2017`` line (first year optional)."""
    match = _PERIOD.search(text)
    if not match:
        return None
    first, first_year, second, year = match.groups()
    try:
        end = _month_day(second, int(year))
        start = _month_day(first, int(first_year or year))
    except ValueError:
        return None
    if first_year is None and start > end:
        start = start.replace(year=start.year - 1)
    return Week(start, end)


def _month_day(text: str, year: int) -> date:
    month, day = re.sub(r"\s+", " ", text.replace(".", "")).strip().split(" ")
    return datetime.strptime(f"{month[:3]} {day} {year}", "%b %d %Y").date()


def _first_page_text(path: Path) -> str:
    with open_pdf(path) as pdf:
        if not pdf.pages:
            return ""
        return pdf.pages[0].extract_text() or ""


def discover(finder: Finder) -> list[ReleaseFiles]:
    """One release per mirrored PDF (version = week start, ISO); else the three known issues, downloaded."""
    paths = finder.in_mirror(SPEC.mirror_patterns)
    located = [locate_file(p) for p in paths] if paths else finder.fetch(SPEC, SPEC.files)
    origin = "mirror" if paths else "download"
    releases = []
    for f in located:
        week = week_from_name(f.name)
        if week is None:
            try:
                week = week_from_text(_first_page_text(f.path))
            except Exception:  # noqa: BLE001 - unreadable here; parse() refuses it with a clear message
                week = None
        version = week.start.isoformat() if week else f"unknown ({f.name})"
        releases.append(ReleaseFiles(version, (f,), origin))
    return sorted(releases, key=lambda r: r.version)


# -- reading the PDF ----------------------------------------------------------------------------------------
def _check_pdf(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(1024)
        size = fh.seek(0, 2)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if size == 0:
        raise SourceFormatError(path.name, "empty file (0 bytes)")
    if b"%PDF-" not in head:
        raise SourceFormatError(path.name, "not a PDF (no %PDF- header)")
    if b"%%EOF" not in tail:
        raise SourceFormatError(path.name, "truncated PDF (no %%EOF marker at the end of the file)")


def _lines(page) -> list[tuple[str, list[dict]]]:
    """The page's words grouped into text lines (top to bottom), each as (text, words left to right)."""
    words = sorted(page.extract_words(keep_blank_chars=False, use_text_flow=False), key=lambda w: (w["top"], w["x0"]))
    lines: list[list[dict]] = []
    for word in words:
        if lines and abs(word["top"] - lines[-1][0]["top"]) <= 2.5:
            lines[-1].append(word)
        else:
            lines.append([word])
    out = []
    for line in lines:
        line.sort(key=lambda w: w["x0"])
        out.append((" ".join(w["text"] for w in line), line))
    return out


def _match_header(words: list[dict], header: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, float]]:
    """Column starts if the line is exactly this header's labels, in order and nothing else; else []."""
    texts = [w["text"].lower() for w in words]
    starts: list[tuple[str, float]] = []
    i = 0
    for column, labels in header:
        candidates = sorted((lb.lower().split() for lb in labels), key=len, reverse=True)  # longest label first
        parts = next((p for p in candidates if texts[i : i + len(p)] == p), None)
        if parts is None:
            return []
        starts.append((column, words[i]["x0"]))
        i += len(parts)
    return starts if i == len(texts) else []


def _cells(words: list[dict], starts: list[tuple[str, float]]) -> dict[str, str]:
    cells: dict[str, list[str]] = {column: [] for column, _ in starts}
    for word in words:
        column = starts[0][0]
        for name, x in starts:
            if word["x0"] >= x - 4:
                column = name
        cells[column].append(word["text"])
    return {k: " ".join(v) for k, v in cells.items()}


def _join(before: str, more: str) -> str:
    if not before or not more:
        return before or more
    return before + more if before.endswith("-") else f"{before} {more}"


def read_tables(path: Path, ctx: ParseContext) -> tuple[str, dict[str, _Table]]:
    """Text of page 1 and the two tables, read page by page (``ctx.progress(page, pages)``)."""
    _check_pdf(path)
    deadline = Deadline(path.name)
    tables: dict[str, _Table] = {}
    current: _Table | None = None
    first_text = ""
    try:
        with open_pdf(path) as pdf:
            total = len(pdf.pages)
            if total == 0:
                raise SourceFormatError(path.name, "the PDF has no pages")
            for number, page in enumerate(pdf.pages, start=1):
                deadline.check()
                lines = _lines(page)
                if number == 1:
                    first_text = "\n".join(text for text, _ in lines)
                for text, words in lines:
                    current = _take_line(text, words, current, tables)
                ctx.progress(number, total)
    except SourceFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types for damaged files
        raise SourceFormatError(path.name, f"not a readable PDF (damaged or truncated?): {exc}") from exc
    return first_text, tables


def _take_line(text: str, words: list[dict], current: _Table | None, tables: dict[str, _Table]) -> _Table | None:
    """Feed one line to the table state machine; returns the table now being read (or None)."""
    if _FOOTER.match(text):
        return current
    for kind, header in ((DECLINED, _DECLINED_HEADER), (POLICY, _POLICY_HEADER)):
        starts = _match_header(words, header)
        if starts:
            table = tables.setdefault(kind, _Table(kind, starts))
            table.starts = starts  # a header repeated on a new page may sit a little differently
            return table
    if _TABLE_HEADING.match(text) or current is None:
        return None
    cells = _cells(words, current.starts)
    if any(cells.get(c) for c in _ROW_START[current.kind]) or not current.rows:
        current.rows.append(cells)
    else:
        last = current.rows[-1]
        for column, value in cells.items():
            last[column] = _join(last.get(column, ""), value)
    return current


# -- rows ---------------------------------------------------------------------------------------------------
def _date(value: str) -> date:
    match = _MDY.match(value.strip())
    if not match:
        raise ValueError("missing date" if not value.strip() else "not a date in M/D/YYYY form")
    month, day, year = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"not a calendar date (no month {month})")
    if not 1 <= day <= monthrange(year, month)[1]:
        raise ValueError(f"not a calendar date (no day {day} in month {month} of {year})")
    return date(year, month, day)


def _resolve(resolver, text: str, abbr: str) -> tuple[str | None, str]:
    """Any level first; a county hint only as a fallback for names that say County, Parish, Sheriff or Jail.

    Asking for the county level first would turn a bare city name into its namesake county ('Austin' TX,
    'Hartford' CT, 'Los Angeles' CA); without the hint the resolver already prefers the county for
    'X County' and for sheriffs and jails, and leaves a bare ambiguous name for review.
    """
    if resolver is None:
        return None, "unresolved"
    levels: tuple[str | None, ...] = (None, "county") if _COUNTY_WORDS.search(text) else (None,)
    statuses = []
    for level in levels:
        try:
            resolution = resolver.resolve(text, state=abbr, level=level)
        except InputError:
            return None, "unresolved"
        if resolution.status == "accepted":
            return resolution.geoid, "accepted"
        statuses.append(resolution.status)
    return None, "needs_review" if "needs_review" in statuses else "unresolved"


def _rows(table: _Table | None, file_name: str, week: Week, ctx: ParseContext, quarantine: list) -> list[dict]:
    """Typed rows of one table. Refused (quarantined, one entry per row, first problem only): no name, a
    missing or unknown state, a missing or impossible date. Policy-table reasons start ``policy table:``
    since both tables number rows from 1. Names the resolver cannot place are kept, with their status."""
    prefix = "policy table: " if table and table.kind == POLICY else ""
    out = []
    for n, row in enumerate(table.rows if table else [], start=1):
        name, abbr = row.get("jurisdiction_printed", "").strip(), row.get("state_abbr", "").strip().upper()
        problem = ("jurisdiction_printed", "missing jurisdiction") if not name else None
        if problem is None and abbr not in state_table().by_abbr:
            problem = ("state_abbr", "unknown state abbreviation" if abbr else "missing state")
        record = {"report_issue": week.issue, "jurisdiction_printed": name, "state_abbr": abbr}
        for column in ("detainer_issued_date", "declined_date") if table.kind == DECLINED and not problem else ():
            try:
                record[column] = _date(row.get(column, ""))
            except ValueError as exc:
                problem = (column, str(exc))
                break
        if problem:
            quarantine.append(QuarantineRow(file_name, n, problem[0], row.get(problem[0], ""), prefix + problem[1]))
            continue
        record["geoid"], record["resolution_status"] = _resolve(ctx.resolver, name, abbr)
        for column in ("citizenship_country", "notable_criminal_activity", "policy_text"):
            record[column] = row.get(column, "").strip() or None
        out.append(record | {"report_week_start": week.start, "report_week_end": week.end,
                             "file_name": file_name, "row_number": n})  # fmt: skip
    return out


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    """Both tables of the release's PDF; bad dates and states quarantined, unresolved names kept."""
    if len(release.files) != 1:
        raise SourceFormatError(release.version, f"expected one PDF per release, got {len(release.files)}")
    file = release.files[0]
    first_text, tables = read_tables(file.path, ctx)
    week = week_from_text(first_text) or week_from_name(file.name)
    if week is None:
        raise SourceFormatError(file.name, "no 'Reporting Period: <date> - <date>' line and no week in the file name")
    named = week_from_name(file.name)
    if named and named.start != week.start:
        raise SourceFormatError(
            file.name, f"file name says the week of {named.start} but the report covers {week.start} - {week.end}"
        )
    if week.issue < 1 or week.end - week.start > timedelta(days=7):
        raise SourceFormatError(file.name, f"reporting period {week.start} - {week.end} is not a DDOR week")
    declined = tables.get(DECLINED)
    if declined is None or not declined.rows:
        raise SourceFormatError(file.name, "no declined-detainer table (header Jurisdiction, State, Citizenship ...)")
    quarantine: list[QuarantineRow] = []
    declined_rows = _rows(declined, file.name, week, ctx, quarantine)
    policy_rows = _rows(tables.get(POLICY), file.name, week, ctx, quarantine)
    return Parsed(
        tables={
            DECLINED: pa.Table.from_pylist(declined_rows, schema=DECLINED_SCHEMA),
            POLICY: pa.Table.from_pylist(policy_rows, schema=POLICY_SCHEMA),
        },
        quarantine=quarantine,
    )
