"""List reconciliation: who is on which list, how much the lists agree, and evidence where they disagree.

Lists are the latest edition of each designation list published by the as-of date (withdrawn editions
excluded), plus the 2017 DDOR policy table as the pseudo-list ``ddor_2017_policy``. A list whose editions stand
alone (DOJ's 1373 letters: each edition is a dated batch of letters, not a version of one list) contributes every
edition up to the as-of date, each as its own list ``<list_id>@<edition>`` titled "<title> of <edition>"
("Received DOJ's 8 U.S.C. 1373 letter of 2017-04-21"). Disagreement flags are
data — a code, the jurisdiction, the lists involved and the evidence rows with their provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

import duckdb

from sanctuarywatch.analysis.query import rows as _rows

FLAG_REASONS = {
    "listed_with_active_287g": "on a sanctuary list while one of its agencies holds an active 287(g) agreement",
    "listed_but_honors_detainers": "on a sanctuary list while detainer records show none declined by its jails",
    "city_listed_county_runs_jail": "a city is listed but the county that runs the jail is not",
    "on_one_official_list_only": "named by one official list but not another official list in force",
    "unresolved_entry": "a list entry that could not be matched to a jurisdiction",
}

_MEMBERS_SQL = """
    WITH editions AS (
        SELECT list_id, max(edition_date) AS edition_date FROM list_membership
        WHERE coalesce(edition_date, DATE '1900-01-01') <= $as_of
          AND (withdrawn_date IS NULL OR withdrawn_date > $as_of) AND NOT coalesce(edition_stands_alone, false)
        GROUP BY list_id
        UNION
        SELECT DISTINCT list_id, edition_date FROM list_membership
        WHERE edition_stands_alone AND coalesce(edition_date, DATE '1900-01-01') <= $as_of
          AND (withdrawn_date IS NULL OR withdrawn_date > $as_of)
    )
    SELECT CASE WHEN m.edition_stands_alone THEN m.list_id || '@' || m.edition ELSE m.list_id END AS list_id,
           m.geoid, m.as_printed, m.state_as_printed, m.resolution_status, m.release_id, m.file_name, m.row_number,
           m.list_id AS base_list_id, CASE WHEN m.edition_stands_alone THEN m.edition END AS standalone_edition
    FROM list_membership m JOIN editions e ON e.list_id = m.list_id
         AND m.edition_date IS NOT DISTINCT FROM e.edition_date
    UNION ALL
    SELECT 'ddor_2017_policy', geoid, jurisdiction_printed, state_abbr, resolution_status, release_id, file_name,
           row_number, 'ddor_2017_policy', NULL
    FROM ddor_policy_jurisdiction
    WHERE report_issue = (SELECT min(report_issue) FROM ddor_policy_jurisdiction) AND DATE '2017-03-20' <= $as_of
"""


@dataclass
class ListComparison:
    as_of: date
    lists: list[dict[str, Any]]
    matrix: list[dict[str, Any]]
    pairwise: list[dict[str, Any]]
    flags: list[dict[str, Any]] = field(default_factory=list)
    published_figures: dict[str, Any] | None = None
    disputes: list[dict[str, Any]] | None = None

    def flag_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.flags:
            counts[f["flag"]] = counts.get(f["flag"], 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "lists": self.lists,
            "pairwise": self.pairwise,
            "flag_counts": self.flag_counts(),
            "flag_reasons": FLAG_REASONS,
            "flags": self.flags,
            "matrix": self.matrix,
            "published_figures": self.published_figures,
            "disputes": self.disputes,
        }


def list_comparison(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> ListComparison:
    when = as_of or date.today()
    cur = con.cursor()
    members = cur.sql(_MEMBERS_SQL, params={"as_of": when}).to_arrow_table()
    cur.register("_members", members)
    lists = _rows(
        cur,
        """SELECT m.list_id,
                  coalesce(l.title || coalesce(' of ' || m.standalone_edition, ''), 'ICE DDOR 2017 policy table')
                  AS title, coalesce(l.kind, 'official') AS kind, m.standalone_edition IS NOT NULL AS stands_alone,
                  count(*) AS entries, count(DISTINCT m.geoid) AS jurisdictions,
                  count(*) FILTER (WHERE m.geoid IS NULL) AS unresolved
           FROM _members m LEFT JOIN designation_list l ON l.list_id = m.base_list_id
           GROUP BY ALL ORDER BY m.list_id""",
        [],
    )
    sets: dict[str, set[str]] = {}
    for list_id, geoid in cur.execute("SELECT list_id, geoid FROM _members WHERE geoid IS NOT NULL").fetchall():
        sets.setdefault(list_id, set()).add(geoid)
    pairwise = []
    for a, b in combinations(sorted(sets), 2):
        both, either = len(sets[a] & sets[b]), len(sets[a] | sets[b])
        pairwise.append(
            {
                "list_a": a,
                "list_b": b,
                "a": len(sets[a]),
                "b": len(sets[b]),
                "overlap": both,
                "only_a": len(sets[a] - sets[b]),
                "only_b": len(sets[b] - sets[a]),
                "jaccard": round(both / either, 4) if either else 0.0,
            }
        )
    matrix = _rows(
        cur,
        """SELECT m.geoid, j.name, j.level, j.state_abbr, list(DISTINCT m.list_id ORDER BY m.list_id) AS lists
           FROM _members m JOIN jurisdiction j USING (geoid) GROUP BY ALL ORDER BY j.state_abbr, j.name""",
        [],
    )
    # A letter batch is an event, not a list in force: it is compared, but not a list one "should" also be on.
    kinds = {x["list_id"]: x["kind"] for x in lists if not x["stands_alone"]}
    flags = _flags(cur, when, matrix, kinds)
    _attach_source_kind(cur, lists)
    cur.close()
    from sanctuarywatch.analysis.policies import disputes_for
    from sanctuarywatch.analysis.published import for_lists

    entry_disputes = [d for d in disputes_for(con) or [] if d.get("list_id")]
    return ListComparison(when, lists, matrix, pairwise, flags, for_lists(con), entry_disputes)


def _attach_source_kind(con: duckdb.DuckDBPyConnection, lists: list[dict[str, Any]]) -> None:
    """Each list's release kind and coverage, so a transcribed or derived list says so beside its counts."""
    found = con.execute(
        """SELECT m.list_id, string_agg(DISTINCT r.kind, ', '), bool_or(r.coverage = 'partial')
           FROM list_membership m JOIN release r USING (release_id) GROUP BY m.list_id"""
    ).fetchall()
    kinds = {list_id: (kind, partial) for list_id, kind, partial in found}
    for x in lists:
        kind, partial = kinds.get(x["list_id"].split("@", 1)[0], (None, None))
        x["source_kind"] = kind
        x["partial"] = bool(partial)


def _flag(code: str, row: dict, lists: list[str], evidence: list[dict]) -> dict[str, Any]:
    return {
        "flag": code,
        "reason": FLAG_REASONS[code],
        "geoid": row.get("geoid"),
        "name": row.get("name"),
        "state_abbr": row.get("state_abbr"),
        "lists": lists,
        "evidence": evidence,
    }


def _flags(cur, when: date, matrix: list[dict], kinds: dict[str, str]) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    listed = {m["geoid"]: m for m in matrix}
    agreements = _rows(
        cur,
        """SELECT geoid, agency_name, support_model, sheet_date, release_id, file_name, row_number
           FROM agreement_287g WHERE geoid IN (SELECT geoid FROM _members)
             AND sheet_date = (SELECT max(sheet_date) FROM agreement_287g WHERE sheet_date <= ?)""",
        [when],
    )
    by_geoid: dict[str, list[dict]] = {}
    for a in agreements:
        by_geoid.setdefault(a["geoid"], []).append(a)
    for geoid, evidence in by_geoid.items():
        flags.append(_flag("listed_with_active_287g", listed[geoid], listed[geoid]["lists"], evidence))
    honoring = _rows(
        cur,
        """SELECT geoid, sum(detainers)::BIGINT AS detainers, sum(declined)::BIGINT AS declined,
                  min(month) AS first_month, max(month) AS last_month
           FROM detainer_monthly WHERE geoid IN (SELECT geoid FROM _members) AND month <= ?
           GROUP BY geoid HAVING sum(detainers) > 0 AND sum(declined) = 0""",
        [when],
    )
    for h in honoring:
        flags.append(_flag("listed_but_honors_detainers", listed[h["geoid"]], listed[h["geoid"]]["lists"], [h]))
    cities = _rows(
        cur,
        """SELECT m.geoid AS place, r.parent_geoid AS county, c.name AS county_name
           FROM (SELECT DISTINCT geoid FROM _members) m JOIN jurisdiction p ON p.geoid = m.geoid
           JOIN jurisdiction_relation r ON r.child_geoid = m.geoid AND r.relation = 'in_county'
           JOIN jurisdiction c ON c.geoid = r.parent_geoid
           WHERE p.level = 'place' AND p.consolidated_with IS NULL
             AND r.parent_geoid NOT IN (SELECT geoid FROM _members WHERE geoid IS NOT NULL)""",
        [],
    )
    for c in cities:
        flags.append(_flag("city_listed_county_runs_jail", listed[c["place"]], listed[c["place"]]["lists"], [c]))
    official = sorted(k for k, kind in kinds.items() if kind == "official" and k != "ddor_2017_policy")
    if len(official) > 1:
        for m in matrix:
            on = [x for x in official if x in m["lists"]]
            if on and len(on) < len(official):
                flags.append(_flag("on_one_official_list_only", m, on, [{"not_on": sorted(set(official) - set(on))}]))
    for u in _rows(cur, "SELECT * FROM _members WHERE geoid IS NULL", []):
        flags.append(
            _flag(
                "unresolved_entry", {"name": u["as_printed"], "state_abbr": u["state_as_printed"]}, [u["list_id"]], [u]
            )
        )
    return flags
