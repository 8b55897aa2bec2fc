"""Derived tables and the shared rules the analyses use (one place each)."""

from __future__ import annotations

import duckdb

from sanctuarywatch.store.db import transaction

# A detainer counts as declined when its lift reason says the local agency declined or did not honor it.
# ICE's lift-reason wording varies between releases; these patterns are the documented rule (methodology).
DECLINED_PATTERNS: tuple[str, ...] = ("%declin%", "%not honor%", "%refus%", "%did not accept%", "%not accepted%")
DECLINED_SQL = "(" + " OR ".join(f"lower(coalesce(lift_reason, '')) LIKE '{p}'" for p in DECLINED_PATTERNS) + ")"

# County GEOID of a detainer: its own geoid when a connector set it, else its facility's county.
DETAINER_GEOID_SQL = "coalesce(d.geoid, f.geoid)"
FACILITY_JOIN_SQL = (
    "LEFT JOIN (SELECT facility_code, "
    "arg_max(geoid, coalesce(list_as_of, DATE '1900-01-01')) FILTER (WHERE geoid IS NOT NULL) AS geoid "
    "FROM ice_facility WHERE facility_code IS NOT NULL GROUP BY facility_code) f "  # the latest list's county
    "ON f.facility_code = d.facility_code"
)


def refresh_summaries(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild ``detainer_monthly`` from ``detainer`` (one transaction); returns its row count."""
    with transaction(con):
        con.execute("DELETE FROM detainer_monthly")
        con.execute(
            f"""INSERT INTO detainer_monthly
                SELECT {DETAINER_GEOID_SQL}, d.facility_code, date_trunc('month', d.prepare_date)::DATE,
                       count(*), count(*) FILTER (WHERE {DECLINED_SQL})
                FROM detainer d {FACILITY_JOIN_SQL}
                GROUP BY ALL"""
        )
    return con.execute("SELECT count(*) FROM detainer_monthly").fetchone()[0]
