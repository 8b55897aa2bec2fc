"""Litigation coverage: which court order protects which grantee, for which program, on which date.

An order covers a jurisdiction when it is in force on the date (effective_from <= date < effective_to), its
programs include the program (or 'all'), and its scope reaches the jurisdiction: nationwide relief reaches
everyone; named-plaintiff relief reaches the plaintiffs (and the other half of a consolidated city-county).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.profile import related_geoids
from sanctuarywatch.analysis.query import rows as _rows

IN_FORCE_SQL = "o.effective_from <= ? AND (o.effective_to IS NULL OR o.effective_to > ?)"


def cases(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every case filed by the date, with its orders issued by then, plaintiffs and the relief in force."""
    when = as_of or date.today()
    found = _rows(
        con,
        "SELECT * EXCLUDE (release_id, file_name, row_number), release_id, file_name, row_number "
        "FROM litigation_case WHERE filed_date <= ? ORDER BY filed_date",
        [when],
    )
    for case in found:
        case["orders"] = _rows(
            con,
            f"""SELECT o.order_id, o.order_date, o.kind, o.scope, o.programs, o.effective_from, o.effective_to, o.url,
                       ({IN_FORCE_SQL}) AS in_force, o.release_id, o.file_name, o.row_number
                FROM litigation_order o WHERE o.case_id = ? AND o.order_date <= ? ORDER BY o.order_date""",
            [when, when, case["case_id"], when],
        )
        case["plaintiffs"] = _rows(
            con,
            "SELECT party_name, geoid FROM litigation_party WHERE case_id = ? AND role = 'plaintiff' "
            "ORDER BY party_name",
            [case["case_id"]],
        )
        case["relief_in_force"] = [o["scope"] for o in case["orders"] if o["in_force"]]
    return found


def _covering_orders(con, geoids: list[str], program: str | None, on_date: date) -> list[dict[str, Any]]:
    program_sql = (
        "" if program is None else "AND (o.programs = 'all' OR list_contains(string_split(o.programs, ';'), $4))"
    )
    params: list[Any] = [geoids, on_date, on_date] + ([program] if program else [])
    return _rows(
        con,
        f"""SELECT c.case_id, c.name AS case_name, c.court, o.order_id, o.kind, o.scope, o.programs,
                   o.effective_from, o.effective_to, o.url, o.release_id, o.file_name, o.row_number,
                   CASE WHEN o.scope = 'nationwide' THEN 'nationwide relief'
                        ELSE 'named plaintiff: ' || (SELECT min(p.party_name) FROM litigation_party p
                                 WHERE p.case_id = c.case_id AND p.geoid IN (SELECT unnest($1))) END AS why
            FROM litigation_order o JOIN litigation_case c USING (case_id)
            WHERE (o.scope = 'nationwide' OR EXISTS (
                      SELECT 1 FROM litigation_party p WHERE p.case_id = c.case_id AND p.role = 'plaintiff'
                      AND p.geoid IN (SELECT unnest($1))))
              AND o.effective_from <= $2 AND (o.effective_to IS NULL OR o.effective_to > $3) {program_sql}
            ORDER BY o.effective_from""",
        params,
    )


@dataclass
class Coverage:
    geoid: str
    program: str
    on_date: date
    enjoined: bool
    orders: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def coverage(con: duckdb.DuckDBPyConnection, geoid: str, program: str, on_date: date) -> Coverage:
    """Is withholding ``program`` funds from ``geoid`` on ``on_date`` enjoined, and by which orders?"""
    orders = _covering_orders(con, related_geoids(con, geoid), program, on_date)
    return Coverage(geoid, program, on_date, bool(orders), orders)


def cases_covering(con: duckdb.DuckDBPyConnection, geoid: str, as_of: date | None = None) -> list[dict[str, Any]]:
    """Cases in which this jurisdiction is a plaintiff, or whose relief in force reaches it (nationwide)."""
    when = as_of or date.today()
    ids = related_geoids(con, geoid)
    return _rows(
        con,
        """WITH mine AS (SELECT DISTINCT case_id FROM litigation_party WHERE geoid IN (SELECT unnest($1))),
                in_force AS (SELECT case_id, string_agg(scope || ' ' || kind, '; ') AS relief,
                                    bool_or(scope = 'nationwide') AS nationwide
                             FROM litigation_order
                             WHERE effective_from <= $2 AND (effective_to IS NULL OR effective_to > $2)
                             GROUP BY case_id)
           SELECT c.case_id, c.name, c.court, c.docket, c.filed_date, c.status, c.programs, c.url, c.release_id,
                  c.file_name, c.row_number, m.case_id IS NOT NULL AS is_plaintiff, f.relief AS relief_in_force
           FROM litigation_case c LEFT JOIN mine m USING (case_id) LEFT JOIN in_force f USING (case_id)
           WHERE c.filed_date <= $2 AND (m.case_id IS NOT NULL OR coalesce(f.nationwide, FALSE))
           ORDER BY c.filed_date""",
        [ids, when],
    )
