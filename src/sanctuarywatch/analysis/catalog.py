"""Read-only look-ups the interfaces need beside the analyses: jurisdiction listings, one jurisdiction,
sources and releases, map measures, and the set of jurisdictions worth a page. SQL lives here, not in views."""

from __future__ import annotations

from typing import Any

import duckdb

from sanctuarywatch.analysis.query import rows as _rows
from sanctuarywatch.errors import NotFoundError


def list_jurisdictions(
    con: duckdb.DuckDBPyConnection, level: str | None = None, state: str | None = None, limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    """A page of jurisdictions (by state, level, name, then GEOID: 90 share a name) and the total matching."""
    where = "WHERE (? IS NULL OR level = ?) AND (? IS NULL OR state_abbr = upper(?))"
    params = [level, level, state, state]
    total = con.execute(f"SELECT count(*) FROM jurisdiction {where}", params).fetchone()[0]
    rows = _rows(
        con,
        f"""SELECT geoid, name, level, lsad, state_abbr, population, consolidated_with, release_id, file_name,
                   row_number FROM jurisdiction {where}
            ORDER BY state_abbr, CASE level WHEN 'state' THEN 0 WHEN 'county' THEN 1 ELSE 2 END, name, geoid
            LIMIT ? OFFSET ?""",
        params + [limit, offset],
    )
    return rows, total


def get_jurisdiction(con: duckdb.DuckDBPyConnection, geoid: str) -> dict[str, Any]:
    found = _rows(
        con,
        """SELECT geoid, name, level, lsad, state_abbr, state_fips, population, consolidated_with, release_id,
                  file_name, row_number FROM jurisdiction WHERE geoid = ?""",
        [geoid],
    )
    if not found:
        raise NotFoundError(f"No jurisdiction with GEOID '{geoid}'.")
    return found[0]


def sources_and_releases(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _rows(
        con,
        """SELECT s.source_id, s.title, s.publisher, s.url, s.licence, r.release_id, r.version, r.content_sha256,
                  r.origin, r.retrieved_at, r.ingested_at, r.rows_loaded, r.rows_quarantined, r.kind, r.coverage,
                  r.coverage_note
           FROM release r JOIN source s USING (source_id) ORDER BY s.source_id, r.version""",
    )


def map_measures(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The county map's data: for every county, lists naming it (a state's listing counts for its counties; a
    withdrawn list still counts: it was published), detainers recorded and declined, and 287(g) agreements in force
    on each participating sheet's date. A measure whose source is not loaded, or does not cover a county (detainer
    records of other states), is null there, never 0; ``measures`` says which and why."""
    from datetime import date

    from sanctuarywatch.analysis import agreements
    from sanctuarywatch.analysis.coverage import caveat, detainer_coverage, section_coverage, source_states

    states = source_states(con)
    lists_loaded = section_coverage(con, "lists", states)["status"] == "loaded"
    held = detainer_coverage(con, [], date.today(), states) if "ice_detainers" in states else {}
    covered_states = held.get("covered_states") or []
    dates, in_force = agreements.county_counts_by_sheet(con)
    rows = con.execute(
        """WITH listed AS (
               SELECT c.geoid, count(DISTINCT m.list_id) AS lists
               FROM list_membership m
               JOIN jurisdiction j ON j.geoid = m.geoid
               JOIN jurisdiction c ON c.level = 'county' AND (
                    c.geoid = m.geoid OR (j.level = 'state' AND c.state_fips = j.geoid)
                    OR c.geoid = j.consolidated_with
                    OR c.geoid IN (SELECT parent_geoid FROM jurisdiction_relation
                                   WHERE child_geoid = m.geoid AND relation = 'in_county'))
               WHERE m.resolution_status IN ('accepted', 'reviewed')
               GROUP BY c.geoid),
           held AS (SELECT geoid, sum(detainers)::BIGINT AS detainers, sum(declined)::BIGINT AS declined
                    FROM detainer_monthly WHERE geoid IS NOT NULL GROUP BY geoid)
           SELECT c.geoid, c.state_abbr IN (SELECT unnest(?::VARCHAR[])) AS covered, coalesce(l.lists, 0),
                  coalesce(h.detainers, 0), coalesce(h.declined, 0)
           FROM jurisdiction c LEFT JOIN listed l USING (geoid) LEFT JOIN held h USING (geoid)
           WHERE c.level = 'county' ORDER BY c.geoid""",
        [covered_states],
    ).fetchall()
    counties = {
        g: {"lists": n if lists_loaded else None, "detainers": d if covered else None,
            "declined": x if covered else None, "agreements_287g": in_force.get(g) if dates else None}
        for g, covered, n, d, x in rows
    }  # fmt: skip
    detainer_note = (
        f"Detainer records cover facilities in {', '.join(covered_states)}, {held.get('period')}; other counties: "
        "not covered (unknown, not zero)."
        if covered_states else "No detainer records are loaded: unknown, not zero."
    )  # fmt: skip
    return {
        "measures": {
            "lists": {"status": "loaded" if lists_loaded else "not_loaded", "note": None},
            "detainers": {"status": "loaded" if covered_states else "not_loaded", "covered_states": covered_states,
                          "period": held.get("period"), "caveat": caveat(states.get("ice_detainers")),
                          "note": detainer_note},
            "agreements_287g": {"status": "loaded" if dates else "not_loaded", "sheet_dates": dates,
                                "caveat": caveat(states.get("ice_287g")),
                                "note": "Agreements (agency x support type) on ICE's participating-agencies sheet in "
                                        "force on the date; a city's agreement counts for its county; state agencies "
                                        "are not shown on the map."},
        },
        "counties": counties,
    }  # fmt: skip


def top_listed(con: duckdb.DuckDBPyConnection, limit: int = 25) -> list[dict[str, Any]]:
    """Jurisdictions named by the most lists (the no-script view of the map)."""
    return _rows(
        con,
        """SELECT m.geoid, j.name, j.level, j.state_abbr, count(DISTINCT m.list_id) AS lists,
                  string_agg(DISTINCT m.list_id, ', ' ORDER BY m.list_id) AS list_ids
           FROM list_membership m JOIN jurisdiction j USING (geoid)
           WHERE m.resolution_status IN ('accepted', 'reviewed')
           GROUP BY ALL ORDER BY lists DESC, j.state_abbr, j.name LIMIT ?""",
        [limit],
    )


def page_geoids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every state and county, and every place any source names: the jurisdictions that get a page."""
    rows = con.execute(
        """SELECT geoid FROM jurisdiction WHERE level IN ('state', 'county')
           UNION SELECT geoid FROM list_membership WHERE geoid IS NOT NULL
           UNION SELECT geoid FROM agreement_287g WHERE geoid IS NOT NULL
           UNION SELECT geoid FROM grant_award WHERE geoid IS NOT NULL
           UNION SELECT geoid FROM ddor_policy_jurisdiction WHERE geoid IS NOT NULL
           UNION SELECT geoid FROM ddor_declined_detainer WHERE geoid IS NOT NULL
           UNION SELECT geoid FROM litigation_party WHERE geoid IS NOT NULL
           UNION SELECT geoid FROM policy_instrument WHERE geoid IS NOT NULL
           ORDER BY 1"""
    ).fetchall()
    known = {r[0] for r in con.execute("SELECT geoid FROM jurisdiction").fetchall()}
    return [r[0] for r in rows if r[0] in known]


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Headline counts for the home page; a figure whose sources are not loaded is None (shown as 'not loaded')."""
    from sanctuarywatch.analysis.coverage import section_coverage, source_states

    states = source_states(con)
    loaded = {section: section_coverage(con, section, states)["status"] == "loaded"
              for section in ("lists", "agreements_287g", "detainers", "litigation")}  # fmt: skip
    row = con.execute(
        """SELECT (SELECT count(DISTINCT list_id) FROM list_membership),
                  (SELECT count(DISTINCT geoid) FROM list_membership WHERE geoid IS NOT NULL),
                  (SELECT count(*) FROM agreement_287g WHERE sheet_date = (SELECT max(sheet_date) FROM agreement_287g)),
                  (SELECT max(sheet_date) FROM agreement_287g),
                  (SELECT count(*) FROM detainer), (SELECT count(*) FROM litigation_case),
                  (SELECT count(*) FROM release)"""
    ).fetchone()
    return {
        "lists": row[0] if loaded["lists"] else None,
        "listed_jurisdictions": row[1] if loaded["lists"] else None,
        "agreements_287g": row[2] if loaded["agreements_287g"] else None,
        "latest_287g_sheet": row[3],
        "detainers": row[4] if loaded["detainers"] else None,
        "detainer_caveats": section_coverage(con, "detainers", states)["caveats"],
        "cases": row[5] if loaded["litigation"] else None,
        "releases": row[6],
    }


def designation_lists(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Each list with its editions and entry counts."""
    return _rows(
        con,
        """SELECT l.list_id, l.title, l.publisher, l.kind, l.url, count(m.list_id) AS entries,
                  count(DISTINCT m.edition) AS editions, min(m.edition_date) AS first_edition,
                  max(m.edition_date) AS latest_edition, max(m.withdrawn_date) AS withdrawn_date,
                  count(*) FILTER (WHERE m.resolution_status IN ('accepted', 'reviewed')) AS resolved
           FROM designation_list l LEFT JOIN list_membership m USING (list_id) GROUP BY ALL ORDER BY l.list_id""",
    )


def list_members(
    con: duckdb.DuckDBPyConnection, list_id: str, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """A page of a list's memberships (every edition), with provenance."""
    if not con.execute("SELECT 1 FROM designation_list WHERE list_id = ?", [list_id]).fetchone():
        raise NotFoundError(f"No designation list '{list_id}'.")
    total = con.execute("SELECT count(*) FROM list_membership WHERE list_id = ?", [list_id]).fetchone()[0]
    rows = _rows(
        con,
        """SELECT m.edition, m.edition_date, m.withdrawn_date, m.as_printed, m.state_as_printed, m.category,
                  m.geoid, m.level, m.confidence, m.resolution_status, m.page_order, m.note, m.source_address,
                  (SELECT string_agg(f.flag, '; ' ORDER BY f.flag) FROM list_entry_flag f
                   WHERE f.release_id = m.release_id AND f.file_name = m.file_name
                     AND f.row_number = m.row_number) AS flags,
                  m.release_id, m.file_name, m.row_number
           FROM list_membership m WHERE m.list_id = ? ORDER BY m.edition_date, m.row_number LIMIT ? OFFSET ?""",
        [list_id, limit, offset],
    )
    return rows, total


def validation_results(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The latest run of the data-quality invariants (``sanctuarywatch validate``) for the sources page: counts per
    status and every row that is not a pass. ``status`` is 'not_run' when no run is stored (never shown as clean)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'validation_result'").fetchone()[0]
    rows = _rows(
        con,
        """SELECT run_at, check_name, subject, status, detail, reason, release_id, file_name, row_number
           FROM validation_result
           ORDER BY CASE status WHEN 'fail' THEN 0 WHEN 'warn' THEN 1 WHEN 'not checked' THEN 2 ELSE 3 END,
                    check_name, subject""",
    ) if exists else []  # fmt: skip
    if not rows:
        message = "The data-quality checks have not been run on this copy (sanctuarywatch validate)."
        return {"status": "not_run", "run_at": None, "counts": {}, "rows": [], "message": message}
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("pass", "warn", "fail", "not checked")}
    return {"status": "fail" if counts["fail"] else "pass", "run_at": rows[0]["run_at"], "counts": counts,
            "rows": [r for r in rows if r["status"] != "pass"], "message": None}  # fmt: skip
