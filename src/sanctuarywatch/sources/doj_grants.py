"""DOJ grant awards: OJP award data (CSV export) and BJS Byrne JAG allocation tables (xlsx/CSV, one per year).

Both become ``grant_award`` rows with a short program code (``byrne_jag``, ``scaap``, ``cops_hiring`` ...), the
printed program name, the recipient resolved to a jurisdiction and the amount as DECIMAL. Rows with a bad
amount, fiscal year, state or date go to quarantine with the field and the reason.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.geo.normalize import clean
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
from sanctuarywatch.sources.ice_287g import (
    Sheet,
    date_in_text,
    lookup_state,
    parse_date,
    read_sheets,
    resolve_name,
    table,
    text,
)

SPEC = SourceSpec(
    source_id="doj_grants",
    title="DOJ grant awards and Byrne JAG allocations",
    publisher="U.S. Department of Justice (Office of Justice Programs, Bureau of Justice Statistics, COPS Office)",
    url="https://data.ojp.usdoj.gov/",
    licence="Public domain (U.S. federal government work)",
    description="OJP/COPS awards (JAG, SCAAP, COPS Hiring ...) and BJS JAG formula allocations, by recipient.",
    files=(
        SourceFile("ojp_awards.csv", "https://data.ojp.usdoj.gov/api/views/gcnb-d2r9/rows.csv?accessType=DOWNLOAD"),
    ),
    mirror_patterns=("ojp_awards*.csv", "*OJP*Award*.csv", "*jag*alloc*.xlsx", "*JAG*Alloc*.xlsx", "*jag*alloc*.csv"),
)
DIFF_KEYS: dict[str, tuple[str, ...]] = {"grant_award": ("award_id", "recipient_name")}

OJP_COLUMNS: dict[str, tuple[str, ...]] = {
    "award_id": ("award_number", "award_id", "grant_number", "award_no"),
    "fiscal_year": ("fiscal_year", "award_fiscal_year", "fy"),
    "office": ("program_office", "awarding_agency", "awarding_office", "funding_office", "component"),
    "program": ("solicitation_title", "program", "program_name", "solicitation", "program_title"),
    "recipient": ("recipient_name", "grantee", "grantee_name", "awardee", "recipient"),
    "state": ("state", "recipient_state", "grantee_state", "state_abbr"),
    "amount": ("award_amount", "amount", "award_amt", "total_award_amount"),
    "award_date": ("award_date", "date_awarded"),
    "sub_award": ("is_subaward", "is_sub_award", "sub_award", "subaward", "pass_through", "is_pass_through"),
    "prime": ("prime_recipient", "prime_recipient_name", "pass_through_entity", "prime_awardee"),
}
OJP_REQUIRED = ("award_id", "fiscal_year", "program", "recipient", "state", "amount")
JAG_COLUMNS: dict[str, tuple[str, ...]] = {
    "state": ("State",),
    "recipient": ("Jurisdiction Name", "Jurisdiction", "Unit of Local Government"),
    "gov_type": ("Government Type", "Type of Government", "Govt Type"),
    "amount": ("Eligible Individual Allocation", "Eligible Individual Allocations", "Individual Allocation"),
    "joint": ("Joint Allocation", "Joint Allocations"),
    "disparate": ("Disparate", "Disparate Jurisdiction", "Disparate Flag"),
}
JAG_REQUIRED = ("state", "recipient", "amount")
JAG_STATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "state": ("State",),
    "amount": ("State Award", "State Government Award", "State Allocation", "Total State Award"),
}
PROGRAMS: tuple[tuple[str, str], ...] = (
    ("byrne criminal justice innovation", "byrne_cji"),
    ("justice assistance grant", "byrne_jag"),
    ("byrne jag", "byrne_jag"),
    ("jag program", "byrne_jag"),
    ("state criminal alien assistance", "scaap"),
    ("scaap", "scaap"),
    ("cops hiring", "cops_hiring"),
    ("community policing development", "cops_cpd"),
    ("anti methamphetamine", "cops_amp"),
    ("anti heroin", "cops_ahtf"),
    ("project safe neighborhoods", "psn"),
    ("victims of crime act", "voca"),
    ("voca", "voca"),
    ("violence against women", "vawa"),
    ("stop formula", "vawa"),
    ("residential substance abuse", "rsat"),
    ("coverdell", "coverdell"),
    ("second chance", "second_chance"),
    ("body worn camera", "bwc"),
    ("comprehensive opioid", "cosssap"),
    ("dna capacity", "dna_backlog"),
)
_TRUE = {"y", "yes", "true", "t", "1", "x", "sub award", "subaward"}


def program_code(printed: str) -> str:
    """Short code for a program or solicitation title; 'other' when not one of the tracked programs."""
    words = clean(printed).replace("-", " ")
    for phrase, code in PROGRAMS:
        if phrase in words:
            return code
    return "other"


def _is_jag_table(path: Path) -> bool:
    return "jag" in path.name.lower() and "alloc" in path.name.lower()


def _fiscal_year_in(name: str) -> int | None:
    match = re.search(r"(?i)FY\s*-?\s*(\d{4}|\d{2})(?!\d)|(?<!\d)(20\d{2})(?!\d)", name)
    if not match:
        return None
    digits = match.group(1) or match.group(2)
    return int(digits) + 2000 if len(digits) == 2 else int(digits)


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = finder.in_mirror(SPEC.mirror_patterns)
    if not mirrored:
        return [ReleaseFiles(date.today().isoformat(), tuple(finder.fetch(SPEC, SPEC.files)), "download")]
    releases = []
    for path in mirrored:
        if _is_jag_table(path):
            year = _fiscal_year_in(path.stem)
            version = f"{year}-10-01 JAG allocations" if year else path.stem
        else:
            found = date_in_text(path.stem)
            version = found.isoformat() if found else path.stem
        releases.append(ReleaseFiles(version, (locate_file(path),), "mirror"))
    return sorted(releases, key=lambda r: r.version)


def _amount(value: Any) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        raw = text(value).replace("$", "").replace(",", "").strip()
        if raw.startswith("(") and raw.endswith(")"):
            raw = "-" + raw[1:-1]
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"not an amount: {text(value)!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {text(value)!r}")
    if amount < 0:
        raise ValueError("negative amount (a de-obligation, not an award)")
    if amount >= Decimal("1e16"):
        raise ValueError("amount too large for DECIMAL(18,2)")
    return amount.quantize(Decimal("0.01"))


def _fiscal_year(value: Any) -> int:
    raw = text(value).upper().replace("FY", "").strip()
    if not re.fullmatch(r"\d{4}", raw) or not 1980 <= int(raw) <= date.today().year + 2:
        raise ValueError(f"not a fiscal year: {text(value)!r}")
    return int(raw)


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    rows: list[dict] = []
    quarantine: list[QuarantineRow] = []
    for file in release.files:
        if _is_jag_table(file.path):
            rows += _parse_jag(file.path, ctx, quarantine)
        else:
            for sheet in read_sheets(file.path, OJP_COLUMNS, OJP_REQUIRED):
                rows += _parse_ojp(sheet, ctx, quarantine)
    return Parsed(tables={"grant_award": table(rows)}, quarantine=quarantine)


def _parse_ojp(sheet: Sheet, ctx: ParseContext, quarantine: list[QuarantineRow]) -> list[dict]:
    out = []
    for done, (n, row) in enumerate(sheet.rows, start=1):
        ctx.progress(done, len(sheet.rows))
        award_id, recipient = text(sheet.value(row, "award_id")), text(sheet.value(row, "recipient"))
        program = text(sheet.value(row, "program"))
        problem: tuple[str, Any, str] | None = None
        if not award_id:
            problem = ("award_number", None, "no award number")
        elif not recipient:
            problem = ("recipient_name", None, "no recipient name")
        elif not program:
            problem = ("solicitation_title", None, "no program name")
        state = lookup_state(sheet.value(row, "state"))
        if problem is None and state is None:
            problem = ("state", sheet.value(row, "state"), "not a state name or abbreviation")
        values: dict[str, Any] = {}
        for key, column, convert in (
            ("fiscal_year", "fiscal_year", _fiscal_year),
            ("amount", "award_amount", _amount),
            ("award_date", "award_date", parse_date),
        ):
            if problem is not None:
                break
            try:
                values[key] = convert(sheet.value(row, key))
            except ValueError as exc:
                problem = (column, sheet.value(row, key), str(exc))
        if problem is not None:
            quarantine.append(QuarantineRow(sheet.file_name, n, problem[0], text(problem[1]) or None, problem[2]))
            continue
        assert state is not None
        geoid, status = resolve_name(ctx, recipient, state)
        out.append(
            {
                "award_id": award_id,
                "program": program_code(program),
                "program_title": program,
                "awarding_office": text(sheet.value(row, "office")) or None,
                "recipient_name": recipient,
                "state_abbr": state.abbr,
                "joint_amount": None,
                "is_pass_through": clean(text(sheet.value(row, "sub_award"))) in _TRUE,
                "prime_recipient": text(sheet.value(row, "prime")) or None,
                "geoid": geoid,
                "resolution_status": status,
                "file_name": sheet.file_name,
                "row_number": n,
                **values,
            }
        )
    return out


def _jag_level(gov_type: str) -> str | None:
    kind = gov_type.lower()
    return "county" if "county" in kind or "parish" in kind else None


def _parse_jag(path: Path, ctx: ParseContext, quarantine: list[QuarantineRow]) -> list[dict]:
    sheets = read_sheets(path, JAG_COLUMNS, JAG_REQUIRED)
    year = _fiscal_year_in(path.stem) or next(
        (y for s in sheets for line in s.preamble if (y := _fiscal_year_in(line))), None
    )
    if year is None:
        raise SourceFormatError(path.name, "no fiscal year in the file name or title rows")
    out: list[dict] = []
    for sheet in sheets:
        for done, (n, row) in enumerate(sheet.rows, start=1):
            ctx.progress(done, len(sheet.rows))
            printed = text(sheet.value(row, "recipient"))
            state = lookup_state(sheet.value(row, "state"))
            name = printed.rstrip("*").strip()
            if not name:
                quarantine.append(QuarantineRow(path.name, n, "Jurisdiction Name", None, "no jurisdiction name"))
                continue
            if state is None:
                quarantine.append(
                    QuarantineRow(
                        path.name,
                        n,
                        "State",
                        text(sheet.value(row, "state")) or None,
                        "not a state name or abbreviation",
                    )
                )
                continue
            try:
                amount = _amount(sheet.value(row, "amount"))
                joint_raw = sheet.value(row, "joint")
                joint = _amount(joint_raw) if text(joint_raw) not in ("", "-", "$-") else None
            except ValueError as exc:
                quarantine.append(
                    QuarantineRow(
                        path.name,
                        n,
                        "Eligible Individual Allocation",
                        text(sheet.value(row, "amount")) or None,
                        str(exc),
                    )
                )
                continue
            gov_type = text(sheet.value(row, "gov_type"))
            geoid, status = resolve_name(ctx, name, state, level=_jag_level(gov_type))
            slug = re.sub(r"[^a-z0-9]+", "-", clean(name)).strip("-")
            out.append(
                {
                    "award_id": f"JAG-FY{year}-{state.abbr}-{slug}",
                    "fiscal_year": year,
                    "program": "byrne_jag",
                    "program_title": "Edward Byrne Memorial Justice Assistance Grant (JAG) allocation",
                    "awarding_office": "BJS",
                    "recipient_name": name,
                    "state_abbr": state.abbr,
                    "amount": amount,
                    "joint_amount": joint,
                    "award_date": None,
                    "is_pass_through": False,
                    "prime_recipient": None,
                    "geoid": geoid,
                    "resolution_status": status,
                    "file_name": path.name,
                    "row_number": n,
                }
            )
    out += _jag_state_awards(path, year, ctx, quarantine)
    return out


def _jag_state_awards(path: Path, year: int, ctx: ParseContext, quarantine: list[QuarantineRow]) -> list[dict]:
    """The optional state-award sheet: one award to each state administering agency."""
    try:
        sheets = read_sheets(path, JAG_STATE_COLUMNS, ("state", "amount"))
    except SourceFormatError:
        return []
    out = []
    for sheet in sheets:
        for n, row in sheet.rows:
            state = lookup_state(sheet.value(row, "state"))
            if state is None:
                continue  # totals and footnote rows
            try:
                amount = _amount(sheet.value(row, "amount"))
            except ValueError as exc:
                quarantine.append(
                    QuarantineRow(path.name, n, "State Award", text(sheet.value(row, "amount")), str(exc))
                )
                continue
            out.append(
                {
                    "award_id": f"JAG-FY{year}-{state.abbr}-state",
                    "fiscal_year": year,
                    "program": "byrne_jag",
                    "program_title": "Edward Byrne Memorial Justice Assistance Grant (JAG) state award",
                    "awarding_office": "BJS",
                    "recipient_name": state.name,
                    "state_abbr": state.abbr,
                    "amount": amount,
                    "joint_amount": None,
                    "award_date": None,
                    "is_pass_through": False,
                    "prime_recipient": None,
                    "geoid": state.fips,
                    "resolution_status": "accepted",
                    "file_name": path.name,
                    "row_number": n,
                }
            )
    return out
