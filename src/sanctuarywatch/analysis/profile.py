"""A jurisdiction's profile: who it is, which lists name it, its policies, 287(g) agreements, detainers,
DOJ grant dollars and the litigation that covers it — each fact with the release, file and row it came from.

``as_of`` answers with what was published or in force on that date (lists by edition date, 287(g) sheets by
sheet date, detainers by prepare date, awards by fiscal year, orders by their effective dates).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.audit_flags import detainer_flag_counts
from sanctuarywatch.analysis.coverage import detainer_coverage, section_coverage, source_states
from sanctuarywatch.analysis.litigation import cases_covering
from sanctuarywatch.analysis.policies import corrections_for, disputes_for, policy_practice, register_rows
from sanctuarywatch.analysis.published import for_jurisdiction
from sanctuarywatch.analysis.query import rows as _rows
from sanctuarywatch.analysis.relations import related_geoids
from sanctuarywatch.errors import NotFoundError
from sanctuarywatch.geo.jails import JailOperator, operator_for

FAR_FUTURE = date(9999, 12, 31)


def identity_sql(where: str) -> str:
    """Who a jurisdiction is, with its state's name (``where``: a filter on ``j``, or empty for every one)."""
    return f"""SELECT j.geoid, j.name, j.level, j.lsad, j.state_abbr, j.state_fips, j.population, j.population_year,
                      j.population_source, j.consolidated_with, s.name AS state_name, j.release_id, j.file_name,
                      j.row_number
               FROM jurisdiction j LEFT JOIN jurisdiction s ON s.geoid = j.state_fips AND s.level = 'state'
               {where}"""


def _identity(con: duckdb.DuckDBPyConnection, geoid: str) -> dict[str, Any]:
    found = _rows(con, identity_sql("WHERE j.geoid = ?"), [geoid])
    if not found:
        raise NotFoundError(f"No jurisdiction with GEOID '{geoid}'. Search by name: sanctuarywatch resolve NAME.")
    return found[0]


def _relations(con: duckdb.DuckDBPyConnection, geoid: str) -> tuple[list[dict], list[dict]]:
    parents = _rows(
        con,
        """SELECT r.parent_geoid AS geoid, j.name, j.level, r.relation FROM jurisdiction_relation r
           JOIN jurisdiction j ON j.geoid = r.parent_geoid WHERE r.child_geoid = ? ORDER BY j.level DESC, j.name""",
        [geoid],
    )
    children = _rows(
        con,
        """SELECT r.child_geoid AS geoid, j.name, j.level, r.relation FROM jurisdiction_relation r
           JOIN jurisdiction j ON j.geoid = r.child_geoid
           WHERE r.parent_geoid = ? AND r.relation <> 'in_state' ORDER BY j.name""",
        [geoid],
    )
    return parents, children


def _aliases(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
    """Other names the sources printed for this jurisdiction (as resolved), most frequent first."""
    rows = con.execute(
        """SELECT name FROM (
               SELECT as_printed AS name FROM list_membership WHERE geoid IN (SELECT unnest(?))
               UNION ALL SELECT agency_name FROM agreement_287g WHERE geoid IN (SELECT unnest(?))
               UNION ALL SELECT jurisdiction_printed FROM ddor_policy_jurisdiction WHERE geoid IN (SELECT unnest(?))
           ) GROUP BY name ORDER BY count(*) DESC, name LIMIT 20""",
        [ids, ids, ids],
    ).fetchall()
    return [r[0] for r in rows]


def _lists(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date) -> list[dict]:
    return _rows(
        con,
        """SELECT m.list_id, l.title, l.publisher, l.kind, m.edition, m.edition_date, m.withdrawn_date,
                  m.as_printed, m.state_as_printed, m.category, m.release_id, m.file_name, m.row_number,
                  (m.withdrawn_date IS NOT NULL AND m.withdrawn_date <= ?) AS withdrawn,
                  coalesce(m.edition_stands_alone, false) AS dated_event, m.note, r.kind AS release_kind,
                  (SELECT list(f.flag || ': ' || f.reason ORDER BY f.flag) FROM list_entry_flag f
                   WHERE f.release_id = m.release_id AND f.file_name = m.file_name
                     AND f.row_number = m.row_number) AS flags
           FROM list_membership m LEFT JOIN designation_list l USING (list_id)
           LEFT JOIN release r ON r.release_id = m.release_id
           WHERE m.geoid IN (SELECT unnest(?)) AND coalesce(m.edition_date, DATE '1900-01-01') <= ?
           ORDER BY m.edition_date, m.list_id, m.row_number""",
        [as_of, ids, as_of],
    )


def _policies(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date) -> list[dict]:
    stated = _rows(
        con,
        """SELECT title, policy_text, effective_date, ended_date, url, as_printed, release_id, file_name, row_number
           FROM policy WHERE geoid IN (SELECT unnest(?)) AND coalesce(effective_date, DATE '1900-01-01') <= ?
           ORDER BY effective_date""",
        [ids, as_of],
    )
    ddor = _rows(
        con,
        """SELECT 'ICE Declined Detainer Outcome Report 2017, issue ' || report_issue AS title, policy_text,
                  NULL AS effective_date, NULL AS ended_date, NULL AS url, jurisdiction_printed AS as_printed,
                  release_id, file_name, row_number
           FROM ddor_policy_jurisdiction WHERE geoid IN (SELECT unnest(?)) AND ? >= DATE '2017-03-20'
           ORDER BY report_issue""",
        [ids, as_of],
    )
    return stated + ddor + register_rows(con, ids, as_of)


def agreements_287g(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date) -> list[dict]:
    """One row per agency and model: first and last sheet that listed it, and whether the latest sheet still does."""
    return _rows(
        con,
        """WITH sheets AS (SELECT max(sheet_date) AS latest FROM agreement_287g WHERE sheet_date <= ?)
           SELECT a.agency_name, a.state_abbr, a.support_model, min(a.signed_date) AS signed_date,
                  min(a.sheet_date) AS first_listed, max(a.sheet_date) AS last_listed,
                  CASE WHEN max(a.sheet_date) = (SELECT latest FROM sheets) THEN 'active' ELSE 'ended' END AS status,
                  any_value(a.moa_url) AS moa_url, arg_max(a.release_id, a.sheet_date) AS release_id,
                  arg_max(a.file_name, a.sheet_date) AS file_name, arg_max(a.row_number, a.sheet_date) AS row_number
           FROM agreement_287g a
           WHERE a.geoid IN (SELECT unnest(?)) AND a.sheet_date <= ?
           GROUP BY a.agency_name, a.state_abbr, a.support_model
           ORDER BY first_listed, a.agency_name""",
        [as_of, ids, as_of],
    )


def _detainer_scope(con: duckdb.DuckDBPyConnection, identity: dict, ids: list[str]) -> list[str]:
    """Detainers follow who runs the jail (geo/data/jail_operators.csv): a city that runs its own jails (New York
    City) answers for the counties they serve; in a unified state system (CT, RI, VT, DE, AK, HI) no county or
    place runs a jail, so only the state has detainers. Elsewhere jails are county-run: a place's detainers are
    those of the county (or counties) it lies in."""
    operator = operator_for(identity["geoid"], identity["state_abbr"])
    if operator and operator.operator == "city":
        return list(operator.serves_geoids)
    if operator and operator.operator == "state" and identity["level"] != "state":
        return []
    if identity["level"] == "place" and not identity["consolidated_with"]:
        rows = con.execute(
            "SELECT parent_geoid FROM jurisdiction_relation WHERE child_geoid = ? AND relation = 'in_county'",
            [identity["geoid"]],
        ).fetchall()
        return [r[0] for r in rows]
    if identity["level"] == "state":
        rows = con.execute(
            "SELECT geoid FROM jurisdiction WHERE level = 'county' AND state_fips = ?", [identity["geoid"]]
        ).fetchall()
        return [r[0] for r in rows]
    return ids


def _detainers(
    con: duckdb.DuckDBPyConnection, scope: list[str], as_of: date, states: dict, operator: JailOperator | None = None
) -> dict[str, Any]:
    """Detainers by month and year for the counties whose jails serve this jurisdiction; null (not zero) when
    no detainer source is loaded or the loaded records do not cover these counties on this date."""
    coverage = detainer_coverage(con, scope, as_of, states)
    if operator and operator.operator == "state" and not scope and coverage["status"] != "not_loaded":
        coverage = {**coverage, "status": "not_covered", "jail_operator": operator.as_dict(),
                    "message": f"Jails in {operator.name} are run by the state ({operator.reason}): detainers are "
                               "attributed to the state, not to its counties or places."}  # fmt: skip
    elif operator:
        coverage = {**coverage, "jail_operator": operator.as_dict()}
    if coverage["status"] != "covered":
        return {"scope_geoids": scope, "by_month": [], "by_year": [], "total": None, "declined": None,
                "coverage": coverage}  # fmt: skip
    by_month = _rows(
        con,
        """SELECT strftime(month, '%Y-%m') AS month, sum(detainers)::BIGINT AS total, sum(declined)::BIGINT AS declined
           FROM detainer_monthly WHERE geoid IN (SELECT unnest(?)) AND month <= ?
           GROUP BY month ORDER BY month""",
        [scope, as_of],
    )
    return detainer_answer(scope, by_month, coverage, detainer_flag_counts(con, scope, as_of))


def detainer_answer(
    scope: list[str], by_month: list[dict[str, Any]], coverage: dict[str, Any], flags: Any
) -> dict[str, Any]:
    """A covered profile's detainer section from its monthly rows: years and totals summed from them (shared by
    the SQL path and the server's per-snapshot index)."""
    by_year: dict[str, dict[str, int]] = {}
    for row in by_month:
        year = by_year.setdefault(row["month"][:4], {"total": 0, "declined": 0})
        year["total"] += row["total"]
        year["declined"] += row["declined"]
    return {
        "scope_geoids": scope,
        "by_month": by_month,
        "by_year": [{"year": y, **v} for y, v in sorted(by_year.items())],
        "total": sum(r["total"] for r in by_month),
        "declined": sum(r["declined"] for r in by_month),
        "coverage": coverage,
        "flags": flags,
    }


def _grants(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date, states: dict) -> dict[str, Any]:
    coverage = section_coverage(con, "grants", states)
    if coverage["status"] == "not_loaded":
        return {"rows": [], "total": None, "coverage": coverage}
    rows = _rows(
        con,
        """SELECT program, fiscal_year, sum(amount) AS amount, count(*) AS awards,
                  list(award_id ORDER BY award_id) AS award_ids
           FROM grant_award WHERE geoid IN (SELECT unnest(?)) AND fiscal_year <= ?
           GROUP BY program, fiscal_year ORDER BY fiscal_year, program""",
        [ids, as_of.year],
    )
    return {"rows": rows, "total": sum((r["amount"] for r in rows), start=0), "coverage": coverage}


def _litigation(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date) -> list[dict]:
    seen: dict[str, dict] = {}
    for geoid in ids:
        for case in cases_covering(con, geoid, as_of):
            seen.setdefault(case["case_id"], case)
    return list(seen.values())


def _fact_releases(con: duckdb.DuckDBPyConnection, ids: list[str], scope: list[str]) -> set[str]:
    """Releases behind the aggregated sections: grant awards, and the facilities (and detainer files) of the jails."""
    rows = con.execute(
        """SELECT DISTINCT release_id FROM grant_award WHERE geoid IN (SELECT unnest($1))
           UNION SELECT DISTINCT release_id FROM ice_facility WHERE geoid IN (SELECT unnest($2))
           UNION SELECT DISTINCT release_id FROM detainer WHERE geoid IN (SELECT unnest($2))""",
        [ids, scope],
    ).fetchall()
    return {r[0] for r in rows}


def _sources(con: duckdb.DuckDBPyConnection, release_ids: set[str]) -> list[dict]:
    if not release_ids:
        return []
    return _rows(
        con,
        """SELECT r.release_id, r.source_id, s.title, s.publisher, s.url, r.version, r.content_sha256, r.retrieved_at,
                  r.kind, r.coverage, r.coverage_note
           FROM release r JOIN source s USING (source_id) WHERE r.release_id IN (SELECT unnest(?))
           ORDER BY s.title, r.version""",
        [sorted(release_ids)],
    )


def jurisdiction_profile(con: duckdb.DuckDBPyConnection, geoid: str, as_of: date | None = None) -> dict[str, Any]:
    """Everything the store knows about one jurisdiction, as of a date (default: today)."""
    when = as_of or date.today()
    identity = _identity(con, geoid)
    ids = related_geoids(con, geoid)
    parents, children = _relations(con, geoid)
    states = source_states(con)
    profile: dict[str, Any] = {
        **{k: identity[k] for k in ("geoid", "name", "level", "lsad", "state_abbr", "state_name", "population",
                                    "population_year", "population_source")},  # fmt: skip
        "as_of": when,
        "consolidated_with": identity["consolidated_with"],
        "aliases": _aliases(con, ids),
        "parents": parents,
        "children": children,
        "lists": _lists(con, ids, when),
        "policies": _policies(con, ids, when),
        "policy_practice": policy_practice(con, ids),
        "disputes": disputes_for(con, ids) or [],
        "corrections": corrections_for(con, ids) or [],
        "agreements_287g": agreements_287g(con, ids, when),
        "detainers": _detainers(con, _detainer_scope(con, identity, ids), when, states,
                                operator_for(identity["geoid"], identity["state_abbr"])),
        "published_figures": for_jurisdiction(con, ids),
        "grants": _grants(con, ids, when, states),
        "litigation": _litigation(con, ids, when),
        "coverage": {
            section: section_coverage(con, section, states)
            for section in ("lists", "policies", "agreements_287g", "litigation", "unauthorized_population")
        },
    }
    used = {identity["release_id"]}
    for section in ("lists", "policies", "agreements_287g"):
        used.update(r["release_id"] for r in profile[section] if r.get("release_id"))
    used.update(r["release_id"] for r in profile["litigation"] if r.get("release_id"))
    used.update(_fact_releases(con, ids, profile["detainers"]["scope_geoids"]))
    used.update(f["release_id"] for f in profile["published_figures"]["figures"])
    profile["sources"] = _sources(con, used)
    return profile
