"""Litigation coverage by condition: which court order bars which grant condition, executive-order section or
directive, for which program and plaintiff, on which date.

Relief comes from the ``litigation_relief`` view (enjoining orders only, each row one order x condition x
program, ending on the earlier of the order's end and the day the condition's instrument ceased to exist). A row
is in force on D when ``effective_from <= D < effective_to``: in force on its start date, not on its end date.
It reaches a jurisdiction when its scope is nationwide, or when the jurisdiction (or the other half of its
consolidated city-county) is a plaintiff of the case named in one of the order's plaintiff groups. Member-class
relief (an association's members) is listed, never applied: membership lists are not loaded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.query import rows as _rows
from sanctuarywatch.analysis.relations import related_geoids


def in_force_sql(alias: str, on: str) -> str:
    """SQL: relief row ``alias`` is in force on the date expression ``on``."""
    return f"{alias}.effective_from <= {on} AND ({alias}.effective_to IS NULL OR {alias}.effective_to > {on})"


def reaches_sql(alias: str, ids: str) -> str:
    """SQL: relief row ``alias`` reaches one of the GEOIDs in the list expression ``ids``."""
    return f"""({alias}.scope = 'nationwide' OR EXISTS (
        SELECT 1 FROM litigation_party p WHERE p.case_id = {alias}.case_id AND p.role = 'plaintiff'
          AND list_contains({ids}, p.geoid)
          AND ({alias}.plaintiff_groups = 'all'
               OR list_contains(string_split({alias}.plaintiff_groups, ';'), p.plaintiff_group))))"""


def _why_sql(alias: str, ids: str) -> str:
    return f"""CASE WHEN {alias}.scope = 'nationwide' THEN 'nationwide relief'
        ELSE 'plaintiff: ' || (SELECT min(p.party_name) FROM litigation_party p
             WHERE p.case_id = {alias}.case_id AND p.role = 'plaintiff' AND list_contains({ids}, p.geoid)) END"""


def _for_program(column: str, param: str) -> str:
    return f"({column} = 'all' OR list_contains(string_split({column}, ';'), {param}))"


def cases(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every case begun by the date, with its orders issued by then (and the conditions each reached), its
    plaintiffs and the relief in force. A case whose filing date is not confirmed counts from its first order."""
    when = as_of or date.today()
    found = _rows(
        con,
        """SELECT c.* EXCLUDE (release_id, file_name, row_number), c.release_id, c.file_name, c.row_number
           FROM litigation_case c
           WHERE coalesce(c.filed_date, (SELECT min(o.order_date) FROM litigation_order o
                                          WHERE o.case_id = c.case_id)) <= ?
           ORDER BY coalesce(c.filed_date, DATE '9999-12-31'), c.case_id""",
        [when],
    )
    for case in found:
        case["orders"] = _rows(
            con,
            f"""SELECT o.order_id, o.order_date, o.court, o.kind, o.enjoins, o.scope, o.plaintiff_groups, o.programs,
                       o.effective_from, o.effective_to, o.ends_because, o.url, o.second_url,
                       (SELECT string_agg(oc.condition_id, ';' ORDER BY oc.condition_id)
                        FROM litigation_order_condition oc WHERE oc.order_id = o.order_id) AS conditions,
                       o.enjoins AND EXISTS (SELECT 1 FROM litigation_relief r WHERE r.order_id = o.order_id
                                             AND {in_force_sql("r", "$1")}) AS in_force,
                       o.release_id, o.file_name, o.row_number
                FROM litigation_order o WHERE o.case_id = $2 AND o.order_date <= $1
                ORDER BY o.order_date, o.order_id""",
            [when, case["case_id"]],
        )
        case["plaintiffs"] = _rows(
            con,
            "SELECT party_name, role, geoid, plaintiff_group FROM litigation_party WHERE case_id = ? "
            "ORDER BY role DESC, party_name",
            [case["case_id"]],
        )
        case["relief_in_force"] = [
            f"{o['scope']} {o['kind']} ({o['conditions']})" for o in case["orders"] if o["in_force"]
        ]
    return found


@dataclass
class Coverage:
    """The per-condition answer for one jurisdiction, program and date."""

    geoid: str
    program: str
    on_date: date
    conditions: list[dict[str, Any]] = field(default_factory=list)
    member_classes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def enjoined(self) -> bool:
        """At least one condition is enjoined for this jurisdiction on this date."""
        return any(c["enjoined"] for c in self.conditions)

    @property
    def orders(self) -> list[dict[str, Any]]:
        """Every order in force that reaches the jurisdiction, once each."""
        seen: dict[str, dict[str, Any]] = {}
        for condition in self.conditions:
            for order in condition["orders"]:
                seen.setdefault(order["order_id"], order)
        return list(seen.values())

    def condition(self, condition_id: str) -> dict[str, Any]:
        return next(c for c in self.conditions if c["condition_id"] == condition_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"enjoined": self.enjoined}


def coverage(con: duckdb.DuckDBPyConnection, geoid: str, program: str, on_date: date) -> Coverage:
    """For each condition that applies to ``program``: is it enjoined for ``geoid`` on ``on_date``, by which order,
    for which plaintiff, from and to?"""
    ids = related_geoids(con, geoid)
    found = _rows(
        con,
        f"""SELECT c.condition_id, c.instrument, c.description, c.ended_date, c.ended_by,
                   r.order_id, r.case_id, k.name AS case_name, r.kind, r.court, r.scope, r.effective_from,
                   r.effective_to, r.ends_because, r.fiscal_years, r.note, r.url, r.second_url,
                   {_why_sql("r", "$1")} AS why, r.release_id, r.file_name, r.row_number
            FROM litigation_condition c
            LEFT JOIN litigation_relief r ON r.condition_id = c.condition_id AND {_for_program("r.program", "$3")}
                 AND {in_force_sql("r", "$2")} AND {reaches_sql("r", "$1")}
            LEFT JOIN litigation_case k ON k.case_id = r.case_id
            WHERE {_for_program("c.programs", "$3")}
            ORDER BY c.condition_id, r.effective_from, r.order_id""",
        [ids, on_date, program],
    )
    answers: dict[str, dict[str, Any]] = {}
    for row in found:
        answer = answers.setdefault(
            row["condition_id"],
            {
                "condition_id": row["condition_id"],
                "instrument": row["instrument"],
                "description": row["description"],
                "exists_on_date": row["ended_date"] is None or row["ended_date"] > on_date,
                "ended_date": row["ended_date"],
                "ended_by": row["ended_by"],
                "enjoined": False,
                "orders": [],
            },
        )
        if row["order_id"] is not None:
            answer["enjoined"] = True
            answer["orders"].append({k: row[k] for k in row if k not in answer or k == "condition_id"})
    return Coverage(geoid, program, on_date, list(answers.values()), _member_classes(con, program, on_date))


def _member_classes(con: duckdb.DuckDBPyConnection, program: str, on_date: date) -> list[dict[str, Any]]:
    """Orders in force on the date whose scope is an association's members: shown, not applied."""
    return _rows(
        con,
        f"""SELECT o.order_id, o.case_id, o.kind, o.enjoins, p.party_name AS member_class,
                   string_agg(DISTINCT oc.condition_id, ';' ORDER BY oc.condition_id) AS conditions, o.url, o.second_url
            FROM litigation_order o
            JOIN litigation_order_condition oc ON oc.order_id = o.order_id AND {_for_program("oc.program", "$2")}
            JOIN litigation_party p ON p.case_id = o.case_id AND p.role = 'member_class'
                 AND list_contains(string_split(o.plaintiff_groups, ';'), p.plaintiff_group)
            WHERE o.scope = 'members' AND {in_force_sql("o", "$1")}
            GROUP BY ALL ORDER BY o.order_id""",
        [on_date, program],
    )


def cases_covering(con: duckdb.DuckDBPyConnection, geoid: str, as_of: date | None = None) -> list[dict[str, Any]]:
    """Cases in which this jurisdiction is a plaintiff, or whose nationwide relief in force reaches it."""
    when = as_of or date.today()
    return _rows(
        con,
        f"""WITH mine AS (SELECT DISTINCT case_id FROM litigation_party
                          WHERE role = 'plaintiff' AND list_contains($1, geoid)),
                 in_force AS (SELECT r.case_id,
                                     string_agg(DISTINCT r.scope || ' ' || r.kind || ': ' || r.condition_id, '; '
                                                ORDER BY r.scope || ' ' || r.kind || ': ' || r.condition_id)
                                         FILTER (WHERE {reaches_sql("r", "$1")}) AS relief,
                                     bool_or(r.scope = 'nationwide') AS nationwide
                              FROM litigation_relief r WHERE {in_force_sql("r", "$2")} GROUP BY r.case_id)
           SELECT c.case_id, c.name, c.court, c.docket, c.filed_date, c.status, c.programs, c.url, c.second_url,
                  c.release_id, c.file_name, c.row_number, m.case_id IS NOT NULL AS is_plaintiff,
                  f.relief AS relief_in_force
           FROM litigation_case c LEFT JOIN mine m USING (case_id) LEFT JOIN in_force f USING (case_id)
           WHERE coalesce(c.filed_date, (SELECT min(o.order_date) FROM litigation_order o
                                          WHERE o.case_id = c.case_id)) <= $2
             AND (m.case_id IS NOT NULL OR coalesce(f.nationwide, FALSE))
           ORDER BY coalesce(c.filed_date, DATE '9999-12-31'), c.case_id""",
        [related_geoids(con, geoid), when],
    )
