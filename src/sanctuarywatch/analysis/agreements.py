"""287(g) agreements over time: the national series of ICE's participating-agencies sheets, and the agreements in
force in each county on a date.

An agreement is one row of a sheet: an agency x support type (Jail Enforcement Model, Task Force Model, Warrant
Service Officer). On a date, the sheet in force is the latest participating sheet published on or before it
(``sheet_287g_period``). Before the first sheet nothing is known: the figures are null ("not covered"), never 0.

A county counts an agency's agreement when the agency's GEOID or the county ICE printed (``county_geoid``) is that
county, when the agency is a place inside it (``jurisdiction_relation`` 'in_county'; a place in several counties
counts in each), or when the agency's place is consolidated with it. State agencies (TYPE "State" or "State
Agency") do not colour counties: they are counted apart.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.coverage import caveat, source_states
from sanctuarywatch.analysis.query import rows as _rows

SOURCE_ID = "ice_287g"
SUPPORT_TYPES: dict[str, str] = {
    "Jail Enforcement Model": "jail_enforcement_model",
    "Task Force Model": "task_force_model",
    "Warrant Service Officer": "warrant_service_officer",
}
STATE_AGENCY_TYPES = ("State", "State Agency")
FIGURES = ("agreements", "agencies", *SUPPORT_TYPES.values())

_BY_TYPE = ", ".join(f"count(*) FILTER (WHERE a.support_model = '{k}') AS {v}" for k, v in SUPPORT_TYPES.items())

# Participating sheets: the day's last-modified sheet wins (the view's rule), so one sheet per date.
_SHEETS = "SELECT * FROM sheet_287g_period WHERE list_kind = 'participating'"

# (release_id, agreement row, county) for every agreement that colours a county.
_AGREEMENT_COUNTY = f"""
    WITH agreement AS (
        SELECT a.*, row_number() OVER () AS agreement_row FROM agreement_287g a
        WHERE a.release_id IN (SELECT release_id FROM ({_SHEETS}))
          AND coalesce(a.agency_type, '') NOT IN {STATE_AGENCY_TYPES}
    ), linked AS (
        SELECT agreement_row, geoid AS county FROM agreement
        UNION SELECT agreement_row, county_geoid FROM agreement
        UNION SELECT a.agreement_row, r.parent_geoid FROM agreement a
              JOIN jurisdiction_relation r ON r.child_geoid = a.geoid AND r.relation = 'in_county'
        UNION SELECT a.agreement_row, j.consolidated_with FROM agreement a JOIN jurisdiction j ON j.geoid = a.geoid
        UNION SELECT a.agreement_row, c.geoid FROM agreement a JOIN jurisdiction c ON c.consolidated_with = a.geoid
    )
    SELECT a.*, c.geoid AS county FROM agreement a
    JOIN linked l USING (agreement_row)
    JOIN jurisdiction c ON c.geoid = l.county AND c.level = 'county'
"""


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    return source_states(con).get(SOURCE_ID)


def sheets(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The participating sheets, oldest first: date, the date the next one replaced it, release and file."""
    return _rows(con, f"SELECT valid_from AS sheet_date, valid_to, release_id, file_name FROM ({_SHEETS}) ORDER BY 1")


def national_series(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Per participating sheet: listed agreements (rows), distinct agencies and agreements by support type.
    With no sheet loaded the status is ``not_loaded`` and there are no points (not a zero line)."""
    state = _state(con)
    if state is None:
        why = "ICE's 287(g) sheets are not loaded: the number of agreements is unknown, not zero."
        return {"status": "not_loaded", "source_id": SOURCE_ID, "caveat": None, "items": [], "message": why}
    items = _rows(
        con,
        f"""SELECT p.valid_from AS sheet_date, count(*) AS agreements, count(DISTINCT a.agency_id) AS agencies,
                   {_BY_TYPE}, p.release_id, p.file_name
            FROM ({_SHEETS}) p JOIN agreement_287g a USING (release_id)
            GROUP BY ALL ORDER BY p.valid_from""",
    )
    return {"status": "loaded", "source_id": SOURCE_ID, "caveat": caveat(state), "items": items,
            "message": f"{len(items)} participating sheets, {items[0]['sheet_date']} to {items[-1]['sheet_date']}."
            if items else "No participating sheet is loaded."}  # fmt: skip


def series_rows(series: dict[str, Any]) -> list[dict[str, Any]]:
    """The series as CSV rows with a fixed header; a not-loaded series is one row of blanks saying so."""
    if not series["items"]:
        return [{"status": series["status"], "sheet_date": None, **dict.fromkeys(FIGURES), "release_id": None,
                 "file_name": None}]  # fmt: skip
    return [{"status": "covered", **r} for r in series["items"]]


def sheet_on(con: duckdb.DuckDBPyConnection, on: date) -> dict[str, Any] | None:
    """The participating sheet in force on a date, or None before the first sheet."""
    found = _rows(
        con,
        f"""SELECT valid_from AS sheet_date, valid_to, release_id, file_name FROM ({_SHEETS})
            WHERE valid_from <= ? AND (? < valid_to OR valid_to IS NULL)""",
        [on, on],
    )
    return found[0] if found else None


def in_force(con: duckdb.DuckDBPyConnection, on: date) -> dict[str, Any]:
    """Agreements in force on a date, nationally and per county (every county, 0 where none), from the sheet in
    force then. Before the first sheet, or with no sheet loaded, every figure is null with the reason."""
    state = _state(con)
    counties = _rows(con, "SELECT geoid, name, state_abbr FROM jurisdiction WHERE level = 'county' ORDER BY geoid")
    sheet = sheet_on(con, on) if state else None
    if sheet is None:
        return _unknown(con, on, state, counties)
    totals = _rows(
        con,
        f"""WITH placed AS (SELECT DISTINCT release_id, file_name, row_number FROM ({_AGREEMENT_COUNTY})
                            WHERE release_id = $1)
            SELECT count(*) AS agreements, count(DISTINCT agency_id) AS agencies,
                   count(*) FILTER (WHERE coalesce(agency_type, '') IN {STATE_AGENCY_TYPES}) AS state_agency_agreements,
                   count(p.row_number) AS county_agreements,
                   count(*) FILTER (WHERE p.row_number IS NULL
                                    AND coalesce(agency_type, '') NOT IN {STATE_AGENCY_TYPES}) AS unplaced_agreements
            FROM agreement_287g a LEFT JOIN placed p USING (release_id, file_name, row_number)
            WHERE a.release_id = $1""",
        [sheet["release_id"]],
    )[0]
    per_county = {
        r["geoid"]: r
        for r in _rows(
            con,
            f"""SELECT county AS geoid, count(*) AS agreements, count(DISTINCT agency_id) AS agencies, {_BY_TYPE}
                FROM ({_AGREEMENT_COUNTY}) a WHERE release_id = ? GROUP BY county""",
            [sheet["release_id"]],
        )
    }
    zero = dict.fromkeys(FIGURES, 0)
    until = sheet["valid_to"] or "a later sheet is loaded"
    return {"date": on, "status": "covered", "sheet": sheet, "caveat": caveat(state), "totals": totals,
            "reason": f"From ICE's participating-agencies sheet of {sheet['sheet_date']}, in force until {until}.",
            "counties": [{**c, **{k: per_county.get(c["geoid"], zero)[k] for k in FIGURES}}
                         for c in counties]}  # fmt: skip


def _unknown(con: duckdb.DuckDBPyConnection, on: date, state: dict | None, counties: list[dict]) -> dict[str, Any]:
    """in_force's answer when no sheet was in force: every figure null, with the reason."""
    if state is None:
        status, why = "not_loaded", "ICE's 287(g) sheets are not loaded: agreements in force are unknown, not zero."
    else:
        known = sheets(con)
        first = known[0]["sheet_date"] if known else None
        status = "not_covered"
        why = f"Not covered: the first loaded 287(g) sheet is of {first}; what was in force on {on} is unknown, not 0."
    totals = ("agreements", "agencies", "state_agency_agreements", "county_agreements", "unplaced_agreements")
    blank = [{**c, **dict.fromkeys(FIGURES)} for c in counties]
    return {"date": on, "status": status, "reason": why, "sheet": None, "caveat": caveat(state),
            "totals": dict.fromkeys(totals), "counties": blank}  # fmt: skip


def in_force_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-county CSV rows with a fixed header: status and sheet on every row, then the counts, then the sheet's
    release and file (the counts' provenance); blanks when not covered."""
    sheet = result["sheet"] or {}
    return [{"date": result["date"], "status": result["status"], "sheet_date": sheet.get("sheet_date"), **c,
             "release_id": sheet.get("release_id"), "file_name": sheet.get("file_name")}
            for c in result["counties"]]  # fmt: skip


def county_counts_by_sheet(con: duckdb.DuckDBPyConnection) -> tuple[list[date], dict[str, list[int]]]:
    """For the map: the sheet dates, and per county the agreements in force on each (0 where none; every
    county listed). No sheet loaded gives no dates and no counties."""
    dates = [s["sheet_date"] for s in sheets(con)] if _state(con) else []
    if not dates:
        return [], {}
    found = con.execute(
        f"""SELECT county, list(n ORDER BY sheet_date) FROM (
                SELECT c.geoid AS county, s.valid_from AS sheet_date, count(a.county) AS n
                FROM jurisdiction c CROSS JOIN ({_SHEETS}) s
                LEFT JOIN ({_AGREEMENT_COUNTY}) a ON a.county = c.geoid AND a.release_id = s.release_id
                WHERE c.level = 'county' GROUP BY ALL)
            GROUP BY county"""
    ).fetchall()
    return dates, {g: counts for g, counts in found}
