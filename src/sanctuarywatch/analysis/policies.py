"""The policy register over the store: what was in force on a date, a jurisdiction's dated timeline, the map
measure, disputes and corrections, and policy vs practice (declined detainers before and after a change).

A jurisdiction is bound by its own instruments and by its state's; a county also by those of places in it is
NOT assumed (a city ordinance binds the city's police, not the county jail). "Not loaded is not zero": when the
policy_register source has no release, functions return None rather than an empty list.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.coverage import source_states

SOURCE_ID = "policy_register"
_IN_FORCE = "p.effective_date <= ? AND (p.ended_date IS NULL OR ? < p.ended_date)"
POLICY_COLUMNS = """p.policy_id, p.state_abbr, p.jurisdiction, p.level, p.geoid, p.instrument_type, p.name, p.citation,
              p.change, p.amends, p.enacted_date, p.effective_date, p.ended_date, p.direction, p.official_url,
              p.second_url, p.second_source, p.sources_disagree, p.notes, p.release_id, p.file_name, p.row_number,
              coalesce((SELECT list(e.term ORDER BY e.term) FROM policy_effect e WHERE e.policy_id = p.policy_id),
                       []) AS effects"""


def loaded(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the policy register has been ingested into this store."""
    return SOURCE_ID in source_states(con)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def binding_geoids(con: duckdb.DuckDBPyConnection, geoids: list[str]) -> list[str]:
    """The jurisdictions whose instruments bind these ones: themselves and their state."""
    states = [g[:2] for g in geoids if g]
    return sorted(set(geoids) | set(states))


def policies_in_force(
    con: duckdb.DuckDBPyConnection,
    on: date,
    *,
    geoids: list[str] | None = None,
    state: str | None = None,
    level: str | None = None,
    direction: str | None = None,
    term: str | None = None,
    instrument_type: str | None = None,
) -> list[dict[str, Any]] | None:
    """Instrument rows in force on a date (an amendment replaces what it amends), filtered; None if not loaded."""
    if not loaded(con):
        return None
    where, params = [_IN_FORCE, "len(coalesce((SELECT list(term) FROM policy_effect e "
                     "WHERE e.policy_id = p.policy_id), [])) > 0"], [on, on]  # fmt: skip
    for column, value in (("p.state_abbr", state), ("p.level", level), ("p.instrument_type", instrument_type)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if geoids is not None:
        where.append("p.geoid IN (SELECT unnest(?))")
        params.append(geoids)
    if direction:
        where.append("EXISTS (SELECT 1 FROM policy_effect e WHERE e.policy_id = p.policy_id AND e.direction = ?)")
        params.append(direction)
    if term:
        where.append("EXISTS (SELECT 1 FROM policy_effect e WHERE e.policy_id = p.policy_id AND e.term = ?)")
        params.append(term)
    order = "p.state_abbr, p.level, p.effective_date"
    sql = f"SELECT {POLICY_COLUMNS} FROM policy_instrument p WHERE {' AND '.join(where)} ORDER BY {order}"
    return _rows(con, sql, params)


def all_policies(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]] | None:
    """Every register row (adoptions, amendments, repeals), oldest first; None if not loaded."""
    if not loaded(con):
        return None
    return _rows(con, f"SELECT {POLICY_COLUMNS} FROM policy_instrument p ORDER BY p.effective_date, p.policy_id", [])


def policy_timeline(con: duckdb.DuckDBPyConnection, geoids: list[str], on: date) -> list[dict[str, Any]] | None:
    """Every dated row binding these jurisdictions (their own and their state's), with in_force on the date."""
    if not loaded(con):
        return None
    rows = _rows(
        con,
        f"""SELECT {POLICY_COLUMNS}, ({_IN_FORCE} AND EXISTS (SELECT 1 FROM policy_effect e
                                                      WHERE e.policy_id = p.policy_id)) AS in_force
            FROM policy_instrument p WHERE p.geoid IN (SELECT unnest(?))
            ORDER BY p.effective_date, p.policy_id""",
        [on, on, binding_geoids(con, geoids)],
    )
    for r in rows:
        r["binds_as"] = "state law" if r["level"] == "state" and all(len(g) > 2 for g in geoids) else "own"
    return rows


def policy_map_measure(con: duckdb.DuckDBPyConnection, on: date) -> dict[str, dict[str, int]] | None:
    """county GEOID -> {vocabulary term: number of instruments in force on the date with that effect}.

    A state instrument counts for every county of the state; a county's for itself; a place's for each county
    the place lies in (Census place-county relation). None when the register is not loaded."""
    if not loaded(con):
        return None
    rows = con.execute(
        f"""WITH live AS (SELECT p.policy_id, p.level, p.geoid FROM policy_instrument p WHERE {_IN_FORCE}),
                 placed AS (
                   SELECT l.policy_id, j.geoid AS county FROM live l
                     JOIN jurisdiction j ON j.level = 'county' AND j.state_fips = l.geoid WHERE l.level = 'state'
                   UNION SELECT l.policy_id, l.geoid FROM live l WHERE l.level = 'county'
                   UNION SELECT l.policy_id, r.parent_geoid FROM live l
                     JOIN jurisdiction_relation r ON r.child_geoid = l.geoid AND r.relation = 'in_county'
                   WHERE l.level = 'place')
            SELECT placed.county, e.term, count(DISTINCT placed.policy_id) AS n
            FROM placed JOIN policy_effect e USING (policy_id) GROUP BY ALL ORDER BY ALL""",
        [on, on],
    ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for county, term, n in rows:
        out.setdefault(county, {})[term] = n
    return out


def disputes_for(con: duckdb.DuckDBPyConnection, geoids: list[str] | None = None) -> list[dict[str, Any]] | None:
    """Public objections to list entries or figures (all, or those of these jurisdictions); None if not loaded."""
    if not loaded(con):
        return None
    where, params = ("WHERE geoid IN (SELECT unnest(?))", [geoids]) if geoids is not None else ("", [])
    return _rows(con, f"SELECT * FROM dispute {where} ORDER BY statement_date", params)


def corrections_for(con: duckdb.DuckDBPyConnection, geoids: list[str] | None = None) -> list[dict[str, Any]] | None:
    """Accepted corrections (all, or those about these jurisdictions); None if not loaded."""
    if not loaded(con):
        return None
    where, params = ("WHERE geoid IN (SELECT unnest(?))", [geoids]) if geoids is not None else ("", [])
    return _rows(con, f"SELECT * FROM correction {where} ORDER BY accepted_date", params)


def declines_before_after(
    con: duckdb.DuckDBPyConnection, geoid: str, pivot: date, months: int = 12
) -> dict[str, Any] | None:
    """Detainers and declined detainers in the ``months`` before and after a date, from detainer_monthly.

    None when no detainer record covers the county on both sides of the date (not loaded / not covered is
    not zero). Also returns the months of the window so a chart can be drawn."""
    series = _rows(
        con,
        """SELECT month, sum(detainers)::BIGINT AS detainers, sum(declined)::BIGINT AS declined
           FROM detainer_monthly WHERE geoid = ? AND month >= date_trunc('month', ?::DATE) - to_months(?)
             AND month < date_trunc('month', ?::DATE) + to_months(?)
           GROUP BY month ORDER BY month""",
        [geoid, pivot, months, pivot, months],
    )
    return before_after(geoid, pivot, months, series)


def before_after(geoid: str, pivot: date, months: int, series: list[dict[str, Any]]) -> dict[str, Any] | None:
    """declines_before_after over the monthly rows of its window (month, detainers, declined, by month)."""
    before = [r for r in series if r["month"] < pivot.replace(day=1)]
    after = [r for r in series if r["month"] >= pivot.replace(day=1)]
    if not before or not after:
        return None

    def total(rows: list[dict], key: str) -> int:
        return sum(r[key] for r in rows)

    out = {"geoid": geoid, "pivot": pivot, "months": months, "series": series}
    for name, rows in (("before", before), ("after", after)):
        detainers, declined = total(rows, "detainers"), total(rows, "declined")
        out[name] = {
            "detainers": detainers,
            "declined": declined,
            "share_declined": round(declined / detainers, 4) if detainers else None,
            "first_month": rows[0]["month"],
            "last_month": rows[-1]["month"],
        }
    return out


def practice_flags(con: duckdb.DuckDBPyConnection, min_detainers: int = 50, min_declined: int = 10) -> list[dict]:
    """Counties whose records disagree with their recorded policy, with the evidence:

    - ``declines_without_policy``: at least ``min_declined`` declined detainers in months when no instrument
      limiting detainer holds bound the county (own or state);
    - ``policy_but_honoured``: at least ``min_detainers`` detainers and no decline in months when such an
      instrument was in force."""
    if not loaded(con):
        return []
    return _rows(
        con,
        """WITH limits AS (
             SELECT p.geoid, p.effective_date, p.ended_date, p.policy_id FROM policy_instrument p
             JOIN policy_effect e ON e.policy_id = p.policy_id AND e.term = 'detainer_holds_limited'),
           m AS (
             SELECT d.geoid, d.month, d.detainers, d.declined,
                    (SELECT string_agg(l.policy_id, ';') FROM limits l
                     WHERE l.geoid IN (d.geoid, substr(d.geoid, 1, 2)) AND l.effective_date <= d.month
                       AND (l.ended_date IS NULL OR d.month < l.ended_date)) AS limiting
             FROM detainer_monthly d WHERE d.geoid IS NOT NULL)
           SELECT geoid, CASE WHEN limiting IS NULL THEN 'declines_without_policy' ELSE 'policy_but_honoured' END
                  AS flag, min(month) AS first_month, max(month) AS last_month, sum(detainers)::BIGINT AS detainers,
                  sum(declined)::BIGINT AS declined, any_value(limiting) AS policies
           FROM m GROUP BY ALL
           HAVING (flag = 'declines_without_policy' AND sum(declined) >= ?)
               OR (flag = 'policy_but_honoured' AND sum(detainers) >= ? AND sum(declined) = 0)
           ORDER BY geoid""",
        [min_declined, min_detainers],
    )


def register_rows(con: duckdb.DuckDBPyConnection, ids: list[str], on: date) -> list[dict[str, Any]]:
    """Register rows binding a jurisdiction in the profile's policy shape (title, policy_text, dates, source row),
    with citation, both sources, effects and in_force kept; rows that take effect after the date are left out."""
    rows = policy_timeline(con, ids, on) or []
    out = []
    for r in rows:
        if r["effective_date"] > on:
            continue
        ended = f", ended {r['ended_date']}" if r["ended_date"] else ""
        out.append(
            {
                **r,
                "title": f"{r['name']} — {r['citation']}",
                "policy_text": (
                    f"({r['binds_as']}; {r['change']}; {'in force' if r['in_force'] else 'not in force'}"
                    f"{ended}) " + ", ".join(r["effects"])
                ),  # fmt: skip
                "url": r["official_url"],
                "as_printed": r["jurisdiction"],
                "source": "policy_register",
            }
        )
    return out


def policy_practice(con: duckdb.DuckDBPyConnection, ids: list[str], months: int = 12) -> list[dict[str, Any]]:
    """Policy vs practice for a profile: for each instrument of these jurisdictions (or their state) that limits
    detainer holds, declined detainers in the ``months`` before and after it took effect — only where the
    loaded detainer records cover the county on both sides (otherwise nothing is shown, never zero)."""
    if not loaded(con):
        return []
    counties = [g for g in ids if len(g) == 5]
    if not counties:
        return []
    changes = con.execute(
        """SELECT DISTINCT p.policy_id, p.name, p.citation, p.effective_date FROM policy_instrument p
           JOIN policy_effect e ON e.policy_id = p.policy_id AND e.term = 'detainer_holds_limited'
           WHERE p.geoid IN (SELECT unnest(?)) ORDER BY p.effective_date""",
        [binding_geoids(con, counties)],
    ).fetchall()
    out = []
    for policy_id, name, citation, effective in changes:
        for county in counties:
            compared = declines_before_after(con, county, effective, months)
            if compared:
                out.append({"policy_id": policy_id, "name": name, "citation": citation, **compared})
    return out


def vocabulary(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The policy vocabulary (empty when the register is not loaded)."""
    if not loaded(con):
        return []
    return _rows(con, "SELECT term, direction, label, definition FROM policy_term ORDER BY direction, term", [])
