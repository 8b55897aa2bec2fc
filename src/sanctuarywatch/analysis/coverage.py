"""What the store holds for each part of an answer: which sources are loaded, what kind of copy they are
(original, derived, transcription) and whether they cover their subject completely or partially.

"Not loaded" is not zero: every figure built here carries one of three states, in every output format —
``not_loaded`` (no release of its sources is in the store: the figure is null, and the missing sources are
named), ``not_covered`` (loaded, but the release does not cover this place or period: null, with what it
does cover), or ``covered`` (a real figure, with the caveats of a partial, derived or transcribed release).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.query import rows as _rows

# Which sources each section of a profile (and each page) is built on.
SECTION_SOURCES: dict[str, tuple[str, ...]] = {
    "lists": ("doj_2025_list", "dhs_2025_list", "doj_letters_2017_2018", "doj_oig_2016", "ddor_2017"),
    "policies": ("policy_register", "ddor_2017"),
    "agreements_287g": ("ice_287g",),
    "detainers": ("ice_detainers", "ddor_2017"),
    "grants": ("doj_grants",),
    "litigation": ("litigation",),
    "facilities": ("ice_facilities",),
    "unauthorized_population": ("mpi_population",),
    "registry": ("census_geography",),
}
SOURCE_TITLES: dict[str, str] = {
    "doj_2025_list": "DOJ sanctuary jurisdiction list (Aug 2025)",
    "dhs_2025_list": "DHS sanctuary jurisdiction list (May 2025, withdrawn)",
    "doj_letters_2017_2018": "DOJ 8 U.S.C. 1373 letters (2017-2018)",
    "doj_oig_2016": "DOJ OIG memo on 8 U.S.C. 1373 (2016)",
    "ddor_2017": "ICE Declined Detainer Outcome Reports (2017)",
    "ice_287g": "ICE 287(g) participating and pending agencies sheets",
    "ice_detainers": "ICE detainer records",
    "doj_grants": "DOJ grant awards and JAG allocations",
    "litigation": "Court orders on grant conditions (curated)",
    "ice_facilities": "ICE detention facility lists",
    "mpi_population": "MPI unauthorized immigrant population estimates",
    "census_geography": "Census geography",
    "policy_register": "Policy register (curated, two sources per row)",
    "published_figures": "Published figures register (curated)",
}


def source_states(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per loaded source: releases, first and last version, weakest kind, partial or not, and the notes."""
    found = _rows(
        con,
        """SELECT source_id, count(*) AS releases, min(version) AS first_version, max(version) AS last_version,
                  CASE WHEN bool_or(kind = 'transcription') THEN 'transcription'
                       WHEN bool_or(kind = 'derived') THEN 'derived'
                       WHEN bool_or(kind = 'original') THEN 'original' ELSE max(kind) END AS kind,
                  CASE WHEN bool_or(coverage = 'partial') THEN 'partial'
                       WHEN bool_or(coverage = 'complete') THEN 'complete' END AS coverage,
                  string_agg(DISTINCT coverage_note, '; ' ORDER BY coverage_note) AS note
           FROM release GROUP BY source_id""",
    )
    return {r["source_id"]: r for r in found}


def caveat(state: dict[str, Any] | None) -> str | None:
    """The sentence a reader must see next to a figure from this source, or None for a complete original."""
    if not state:
        return None
    parts = []
    if state.get("coverage") == "partial":
        parts.append("partial coverage")
    if state.get("kind") == "derived":
        parts.append("a third party's compilation of official data")
    elif state.get("kind") == "transcription":
        parts.append("transcribed from stored copies of the publisher's text")
    if not parts:
        return None
    note = state.get("note") or ""
    return ", ".join(parts) + (f" — {note}" if note else "")


def section_coverage(con: duckdb.DuckDBPyConnection, section: str, states: dict | None = None) -> dict[str, Any]:
    """Loaded / not loaded for one section, naming each source and the caveats of those that are loaded."""
    states = source_states(con) if states is None else states
    sources = []
    for sid in SECTION_SOURCES[section]:
        state = states.get(sid)
        sources.append({"source_id": sid, "title": SOURCE_TITLES.get(sid, sid), "loaded": state is not None,
                        "kind": state and state["kind"], "coverage": state and state["coverage"],
                        "caveat": caveat(state)})  # fmt: skip
    loaded = [s for s in sources if s["loaded"]]
    return {
        "status": "loaded" if loaded else "not_loaded",
        "sources": sources,
        "missing_sources": [s["source_id"] for s in sources if not s["loaded"]],
        "caveats": [f"{s['title']}: {s['caveat']}" for s in loaded if s["caveat"]],
    }


def detainer_coverage(
    con: duckdb.DuckDBPyConnection, scope_geoids: list[str], as_of: date, states: dict | None = None
) -> dict[str, Any]:
    """Whether the loaded detainer records cover these counties on this date: the states their facilities are
    in and the period their prepare dates span; DDOR weeks cover the jurisdictions ICE printed."""
    base = section_coverage(con, "detainers", states)
    if base["status"] == "not_loaded":
        return {**base, "message": "No detainer source is loaded: figures are unknown, not zero."}
    held = con.execute(
        """SELECT list(DISTINCT facility_state ORDER BY facility_state), min(prepare_date), max(prepare_date)
           FROM detainer WHERE facility_state IS NOT NULL"""
    ).fetchone()
    covered_states, first, last = (held[0] or []), held[1], held[2]
    scope_states = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT state_abbr FROM jurisdiction WHERE geoid IN (SELECT unnest(?))", [scope_geoids]
        ).fetchall()  # fmt: skip
    }
    return detainer_verdict(base, covered_states, first, last, scope_states, as_of)


def detainer_verdict(
    base: dict[str, Any], covered_states: list[str], first: date | None, last: date | None,
    scope_states: set[str], as_of: date,
) -> dict[str, Any]:  # fmt: skip
    """The covered / not covered verdict from what the records hold (states, first and last prepare date) and the
    states of the jurisdictions asked about; shared by the SQL path and the server's per-snapshot index."""
    period = f"{first} to {last}" if first else "no dated record"
    if not first or not scope_states & set(covered_states) or as_of < first:
        where = ", ".join(covered_states) or "no state"
        return {**base, "status": "not_covered", "covered_states": covered_states, "period": period,
                "message": f"The loaded detainer records cover facilities in {where}, {period}; none covers "
                           "this jurisdiction on this date: figures are unknown, not zero."}  # fmt: skip
    return {**base, "status": "covered", "covered_states": covered_states, "period": period,
            "message": f"Detainer records cover facilities in {', '.join(covered_states)}, {period}."}  # fmt: skip


def report_coverage(
    con: duckdb.DuckDBPyConnection, start: date, end: date, published: bool, states: dict | None = None
) -> dict[str, Any]:
    """Whether a declined-detainer report for start..end rests on data: ICE's own table for a published week,
    or detainer records whose prepare dates reach into the range; otherwise the count is unknown, not zero."""
    base = section_coverage(con, "detainers", states)
    if published:
        return {**base, "status": "covered", "message": "ICE's own table for this week (2017 DDOR)."}
    if base["status"] == "not_loaded":
        return {**base, "message": "Neither ICE's 2017 reports nor detainer records are loaded: the number of "
                                   "declined detainers is unknown, not zero."}  # fmt: skip
    first, last, held = con.execute(
        "SELECT min(prepare_date), max(prepare_date), list(DISTINCT facility_state ORDER BY facility_state) "
        "FROM detainer"
    ).fetchone()
    ddor_loaded = "ddor_2017" not in base["missing_sources"]
    if first is None or end < first or start > last:
        held_text = f"facilities in {', '.join(held or [])}, {first} to {last}" if first else "no dated record"
        why = "ICE published no report for this week" if ddor_loaded else "ICE's 2017 reports are not loaded"
        return {**base, "status": "not_covered",
                "message": f"{why}, and the loaded detainer records ({held_text}) do not reach this range: "
                           "the number of declined detainers is unknown, not zero."}  # fmt: skip
    return {**base, "status": "covered", "covered_states": held, "period": f"{first} to {last}",
            "message": f"Rebuilt from detainer records of facilities in {', '.join(held or [])} ({first} to {last}); "
                       "jurisdictions elsewhere are not covered."}  # fmt: skip
