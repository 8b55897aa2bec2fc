"""The Declined Detainer Outcome Report, rebuilt for any week or date range.

Basis: for a week ICE published (2017 DDOR issues) the rows are ICE's own, as printed; for any other week they
are rebuilt from detainer records, where a detainer counts as declined by the rule in ``summaries`` (its lift
reason says the local agency declined or did not honor it). For published weeks that also have detainer
records, ``differences`` lists, row by row, what is only in ICE's table and what is only in the rebuild.
Published counts of 1–4 are shown as "<5" when ``suppress`` is on (the default for published outputs).

Every row carries the audit flags of ``audit_flags`` (same-name county, transfer, batch-dated, wrong place,
cooperating jurisdiction): ``audit`` holds their counts, evidence and the declined count under each reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb

from sanctuarywatch.analysis import audit_flags
from sanctuarywatch.analysis.coverage import report_coverage
from sanctuarywatch.analysis.query import rows as _rows
from sanctuarywatch.analysis.summaries import DECLINED_SQL, DETAINER_GEOID_SQL, FACILITY_JOIN_SQL
from sanctuarywatch.errors import InputError

SMALL_CELL = 5
MATCH_KEYS = ("state_abbr", "geoid", "detainer_issued_date", "declined_date", "citizenship_country")


@dataclass
class DeclinedDetainerReport:
    week_start: date
    week_end: date
    basis: str
    rows: list[dict[str, Any]]
    policy_jurisdictions: list[dict[str, Any]]
    top_jurisdictions: list[dict[str, Any]]
    unresolved: list[dict[str, Any]]
    differences: dict[str, list[dict[str, Any]]] | None = None
    notes: list[str] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] | None = None
    published_figures: dict[str, Any] | None = None

    @property
    def covered(self) -> bool:
        return self.coverage.get("status", "covered") == "covered"

    @property
    def jurisdiction_count(self) -> int:
        return len({(r["state_abbr"], r["geoid"] or r["jurisdiction"]) for r in self.rows})

    def to_dict(self) -> dict[str, Any]:
        return {
            "week_start": self.week_start,
            "week_end": self.week_end,
            "basis": self.basis,
            "declined_detainers": len(self.rows) if self.covered else None,
            "jurisdictions": self.jurisdiction_count if self.covered else None,
            "coverage": self.coverage,
            "rows": self.rows,
            "policy_jurisdictions": self.policy_jurisdictions,
            "top_jurisdictions": self.top_jurisdictions,
            "unresolved": self.unresolved,
            "differences": self.differences,
            "notes": self.notes,
            "audit": self.audit if self.covered else None,
            "published_figures": self.published_figures,
        }


def _ddor_rows(con, start: date, end: date) -> list[dict[str, Any]]:
    return _rows(
        con,
        """SELECT jurisdiction_printed AS jurisdiction, state_abbr, geoid, resolution_status, NULL AS facility,
                  citizenship_country, notable_criminal_activity AS criminality, detainer_issued_date, declined_date,
                  report_issue, release_id, file_name, '' AS sheet, row_number
           FROM ddor_declined_detainer
           WHERE report_week_start <= ? AND report_week_end >= ? ORDER BY row_number""",
        [end, start],
    )


def _record_rows(con, start: date, end: date) -> list[dict[str, Any]]:
    """Declined detainers rebuilt from records: declined in the week = prepared in it and lifted as declined.

    The FOIA records carry no declined date, so the prepare date stands in for it (a documented limit).
    """
    return _rows(
        con,
        f"""SELECT coalesce(j.name, d.facility_name) AS jurisdiction, d.facility_state AS state_abbr,
                   {DETAINER_GEOID_SQL} AS geoid,
                   CASE WHEN {DETAINER_GEOID_SQL} IS NULL THEN 'unresolved' ELSE 'accepted' END AS resolution_status,
                   d.facility_name AS facility, d.citizenship_country, d.criminality,
                   d.prepare_date AS detainer_issued_date, d.prepare_date AS declined_date, NULL AS report_issue,
                   d.release_id, d.file_name, coalesce(d.sheet, '') AS sheet, d.row_number
            FROM detainer d {FACILITY_JOIN_SQL}
            LEFT JOIN jurisdiction j ON j.geoid = {DETAINER_GEOID_SQL}
            WHERE d.prepare_date BETWEEN ? AND ? AND {DECLINED_SQL.replace("lift_reason", "d.lift_reason")}
            ORDER BY d.prepare_date, d.facility_code, d.row_number""",
        [start, end],
    )


def _policies(con, start: date) -> list[dict[str, Any]]:
    """Jurisdictions with non-cooperation policies ICE listed in the latest issue published by the week."""
    return _rows(
        con,
        """WITH issues AS (SELECT report_issue, min(report_week_start) AS week_start FROM ddor_declined_detainer
                           GROUP BY report_issue),
                latest AS (SELECT max(p.report_issue) AS issue FROM ddor_policy_jurisdiction p
                           JOIN issues i USING (report_issue) WHERE i.week_start <= ?)
           SELECT jurisdiction_printed AS jurisdiction, state_abbr, geoid, resolution_status, policy_text,
                  report_issue, release_id, file_name, row_number
           FROM ddor_policy_jurisdiction WHERE report_issue = (SELECT issue FROM latest)
           ORDER BY state_abbr, jurisdiction_printed""",
        [start],
    )


def _top(rows: list[dict[str, Any]], suppress: bool, limit: int = 10) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str | None, str], int] = {}
    for r in rows:
        key = (r["state_abbr"], r["geoid"], r["jurisdiction"])
        counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][2]))[:limit]
    return [
        {
            "jurisdiction": j,
            "state_abbr": s,
            "geoid": g,
            "declined": (f"<{SMALL_CELL}" if suppress and n < SMALL_CELL else n),
        }
        for (s, g, j), n in ranked
    ]


def _differences(published: list[dict], rebuilt: list[dict]) -> dict[str, list[dict[str, Any]]]:
    """Row-by-row comparison on state, GEOID, issued date, declined date and citizenship."""

    def key(r: dict) -> tuple:
        return tuple(r[k] for k in MATCH_KEYS)

    pool: dict[tuple, list[dict]] = {}
    for r in rebuilt:
        pool.setdefault(key(r), []).append(r)
    only_ice = []
    for r in published:
        matches = pool.get(key(r))
        if matches:
            matches.pop()
        else:
            only_ice.append(r)
    only_records = [r for rows in pool.values() for r in rows]
    return {"only_in_ice_table": only_ice, "only_in_records": only_records}


def declined_detainer_report(
    con: duckdb.DuckDBPyConnection,
    week_start: date,
    week_end: date | None = None,
    as_of: date | None = None,
    suppress: bool = True,
) -> DeclinedDetainerReport:
    """The report for ``week_start`` .. ``week_end`` (default: the 7 days from ``week_start``)."""
    end = week_end or week_start + timedelta(days=6)
    if end < week_start:
        raise InputError(f"The range ends ({end}) before it starts ({week_start}).")
    if as_of is not None and as_of < end:
        end = max(week_start, as_of)  # only what had happened by the as-of date
    published = _ddor_rows(con, week_start, end)
    rebuilt = _record_rows(con, week_start, end)
    notes = []
    if published:
        basis, rows = "ddor", published
        differences = _differences(published, rebuilt) if rebuilt else None
        if not rebuilt:
            notes.append("No detainer records for this week in the store: the row-by-row comparison is not possible.")
    else:
        basis, rows, differences = "detainer_records", rebuilt, None
        notes.append(
            "Rebuilt from detainer records: declined = lift reason says the agency declined or did not "
            "honor the detainer; the prepare date stands in for the declined date."
        )
    coverage = report_coverage(con, week_start, end, published=bool(published))
    if coverage["status"] != "covered":
        notes.insert(0, coverage["message"])
    audit = _audit(con, basis, rows, week_start, end, suppress) if coverage["status"] == "covered" else None
    from sanctuarywatch.analysis.published import for_ddor_week

    return DeclinedDetainerReport(
        audit=audit,
        coverage=coverage,
        published_figures=for_ddor_week(con, week_start),
        week_start=week_start,
        week_end=end,
        basis=basis,
        rows=rows,
        policy_jurisdictions=_policies(con, week_start),
        top_jurisdictions=_top(rows, suppress),
        unresolved=[r for r in rows if r["geoid"] is None],
        differences=differences,
        notes=notes,
    )


def _audit(con, basis: str, rows: list[dict[str, Any]], start: date, end: date, suppress: bool) -> dict[str, Any]:
    """The audit flags of the report's subjects; each row gets ``flags``, ``flags_not_checked`` and
    ``flag_details`` (strings, so the CSV carries them). Records: every row any reading counts, in the range."""
    if basis == "ddor":
        where = """s.subject_table = 'ddor_declined_detainer' AND EXISTS (SELECT 1 FROM ddor_declined_detainer x
                   WHERE x.release_id = s.release_id AND x.file_name = s.file_name AND x.row_number = s.row_number
                   AND x.report_week_start <= ? AND x.report_week_end >= ?)"""
        params: list[Any] = [end, start]
    else:
        where, params = "s.subject_table = 'detainer' AND s.subject_date BETWEEN ? AND ?", [start, end]
    audit = audit_flags.report_audit(con, where, params, suppress)
    per_row = audit_flags.row_flags(audit, con, where, params)
    if audit["status"] == "computed" and rows and not any(c["subjects"] for c in audit["counts"]):
        audit = {"status": "not_computed", "message": audit_flags.NOT_COMPUTED}
    unknown = set(audit_flags.FLAGS) if audit["status"] != "computed" else set()
    for r in rows:
        entry = per_row.get((r["release_id"], r["file_name"], r["sheet"], r["row_number"]), audit_flags.no_flags())
        r["flags"] = ";".join(sorted(entry["flags"]))
        r["flags_not_checked"] = ";".join(sorted((entry["unchecked"] | unknown) - entry["flags"]))
        r["flag_details"] = " | ".join(entry["details"])
    return audit
