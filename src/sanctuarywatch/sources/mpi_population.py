"""MPI estimates of the unauthorized immigrant population, mid-2023: the U.S., each state and DC, and the
largest counties (about 290; the rest are not published, so this source is partial).

The workbook has two sheets, ``U.S. and States`` and ``U.S. and Counties``: a title on row 2, the header on row 3,
the U.S. total on row 4, then one row per area until a blank row, then footnotes. Some county rows combine
several counties ("Miami-Dade-Monroe Counties, Florida") or are Massachusetts MSAs or a "Suburban Denver" group:
those are stored once, never split, flagged ``combined``, and their members (with ``whole`` / ``part``) come from
``data/mpi_combined_areas.csv`` into ``mpi_population_member``. A combined-looking label missing from that file
is quarantined, not guessed.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pyarrow as pa

from sanctuarywatch.errors import SourceFormatError
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
from sanctuarywatch.sources.safe_readers import open_workbook

FILE = "MPI_unauthorized_population_county_estimates_2023.xlsx"
SPEC = SourceSpec(
    source_id="mpi_population",
    title="Unauthorized immigrant population estimates, mid-2023 (U.S., states, largest counties)",
    publisher="Migration Policy Institute (MPI), U.S. Immigration Policy Program Data Hub",
    url="https://www.migrationpolicy.org/programs/us-immigration-policy-program-data-hub/"
    "unauthorized-immigrant-population-profiles",
    licence="MPI terms of use (figures may be cited with attribution).",
    description="MPI analysis of 2019-23 ACS and 2023/2008 SIPP data, weighted to 2023 estimates by Jennifer Van "
    "Hook (Penn State). Original workbook; partial: counties only for the ~290 largest, some rows combining "
    "several counties.",
    files=(SourceFile(FILE, None, "1d74b399b6b28f7506a10cbdc932cc86e7dd403a22516b0697291cf23549dd0d"),),
    mirror_patterns=("MPI_unauthorized_population*.xlsx",),
)
DIFF_KEYS = {
    "mpi_population": ("area_level", "area_printed"),
    "mpi_population_member": ("area_printed", "member_geoid"),
}
DATA = Path(__file__).resolve().parent / "data"
HEADER_ROW = 3  # spreadsheet row (1-based) of the column header on both sheets
SHEETS = {
    "U.S. and States": ("State", "Number of Unauthorized Immigrants",
                        "State Share of the Total Unauthorized Immigrant Population"),
    "U.S. and Counties": ("State", "County", "Number of Unauthorized Immigrants",
                          "County Share of the Total Unauthorized Immigrant Population"),
}  # fmt: skip
COMBINED_LOOK = re.compile(r"Counties|Parishes|MSA|\+|-.*\b(County|City)\b", re.IGNORECASE)
COLUMNS = ("area_level", "area_printed", "state_abbr", "geoid", "resolution_status", "combined",
           "unauthorized_population", "population_share", "sheet", "file_name", "row_number")  # fmt: skip


def discover(finder: Finder) -> list[ReleaseFiles]:
    found = finder.in_mirror(SPEC.mirror_patterns)
    if not found:
        found = [f.path for f in finder.fetch(SPEC, SPEC.files)]
    return [ReleaseFiles("2023-mid", (locate_file(p),), "mirror") for p in found]


@cache
def combined_areas() -> dict[str, list[dict[str, str]]]:
    """``data/mpi_combined_areas.csv``: area label as printed -> its member counties (GEOID, name, portion)."""
    out: dict[str, list[dict[str, str]]] = {}
    with (DATA / "mpi_combined_areas.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["area_printed"], []).append(row)
    return out


def _rows(path: Path, sheet: str) -> list[list]:
    """The sheet's rows from the top (row 1 first), checking the header."""
    try:
        book = open_workbook(path)
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except SourceFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a wrong-shape file
        raise SourceFormatError(path.name, f"sheet '{sheet}' cannot be read ({exc})") from exc
    header = tuple(str(c).strip() for c in grid[HEADER_ROW - 1][: len(SHEETS[sheet])]) if len(grid) >= 3 else ()
    if header != SHEETS[sheet]:
        raise SourceFormatError(
            path.name, f"sheet '{sheet}' row {HEADER_ROW} is {list(header)}, expected {list(SHEETS[sheet])}",
            row=HEADER_ROW,
        )  # fmt: skip
    return grid


def _body(grid: list[list]) -> list[tuple[int, list]]:
    """(spreadsheet row, cells) from below the header to the first blank row; footnotes follow it."""
    out = []
    for i in range(HEADER_ROW, len(grid)):
        if not any(str(c).strip() for c in grid[i]):
            break
        out.append((i + 1, grid[i]))
    return out


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    file = release.files[0]
    pinned = SPEC.files[0]
    if file.name == pinned.name and file.sha256 != pinned.sha256:
        raise SourceFormatError(file.name, f"sha256 {file.sha256} is not the pinned {pinned.sha256}: a new edition?")
    states = state_table()
    rows: list[dict] = []
    members: list[dict] = []
    bad: list[QuarantineRow] = []
    for sheet in SHEETS:
        county_sheet = sheet == "U.S. and Counties"
        for row_no, cells in _body(_rows(file.path, sheet)):
            state_text, label = str(cells[0]).strip(), str(cells[1 if county_sheet else 0]).strip()
            count, share = (_number(c) for c in cells[(2 if county_sheet else 1) :][:2])
            field = SHEETS[sheet][2 if county_sheet else 1]
            if count is None or share is None:
                bad.append(QuarantineRow(file.name, row_no, field, str(cells), "count or share is not a number"))
                continue
            base = {"area_printed": label, "unauthorized_population": round(count), "population_share": share,
                    "sheet": sheet, "file_name": file.name, "row_number": row_no, "combined": False}  # fmt: skip
            if label == "United States":
                rows.append({**base, "area_level": "nation", "state_abbr": None, "geoid": None,
                             "resolution_status": "accepted"})  # fmt: skip
                continue
            state = states.lookup(state_text)
            if state is None:
                bad.append(QuarantineRow(file.name, row_no, "State", state_text, "not a state name"))
                continue
            if not county_sheet:
                rows.append({**base, "area_level": "state", "state_abbr": state.abbr, "geoid": state.fips,
                             "resolution_status": "accepted"})  # fmt: skip
                continue
            area = combined_areas().get(label)
            if area:
                rows.append({**base, "area_level": "combined", "state_abbr": state.abbr, "geoid": None,
                             "resolution_status": "combined", "combined": True})  # fmt: skip
                members += [{**m, "file_name": file.name, "row_number": row_no} for m in area]
                continue
            if COMBINED_LOOK.search(label):
                why = "looks like several counties but is not in mpi_combined_areas.csv"
                bad.append(QuarantineRow(file.name, row_no, "County", label, why))
                continue
            name = label.rsplit(",", 1)[0].strip()
            hit = ctx.resolver.resolve(name, state=state.abbr, level="county")
            rows.append({**base, "area_level": "county", "state_abbr": state.abbr, "geoid": hit.geoid,
                         "resolution_status": hit.status})  # fmt: skip
    if not rows:
        raise SourceFormatError(file.name, "no estimate rows under the headers")
    return Parsed(
        tables={
            "mpi_population": pa.Table.from_pylist([{c: r[c] for c in COLUMNS} for r in rows]),
            "mpi_population_member": pa.Table.from_pylist(members),
        },
        quarantine=bad,
    )
