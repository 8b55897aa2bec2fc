"""Published figures beside the store's own count: for each figure in the curated register
(``published_figure``), what the loaded data say — agrees, differs (and why), or not reproducible here (and why).

"Not loaded is not zero": when the register itself is not loaded, the answer says so and holds no figure; when a
figure's own source is not loaded (the 2017 DDOR PDFs cannot be mirrored), the figure is shown as published and
labelled not reproducible here, never compared with a zero.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.coverage import caveat, source_states
from sanctuarywatch.analysis.query import rows as _rows

DDOR_NOT_MIRRORED = "not reproducible here: the 2017 DDOR PDFs are not mirrored (ddor_2017 is not loaded)"
ISSUED_NOT_IN_TABLES = ("not reproducible here: the DDOR prints the number of detainers issued as a total only; "
                        "no table lists issued detainers row by row")  # fmt: skip
NO_TABLE = "not reproducible here: no table in the store counts this; shown as published"


def _check(value: float | None, comparator: str | None, found: int) -> str:
    if value is None:
        return "agrees" if found == 0 else "differs"
    if comparator == ">":
        return "agrees" if found > value else "differs"
    return "agrees" if found == value else "differs"


def _ddor_week_loaded(con: duckdb.DuckDBPyConnection, start: date | None) -> tuple[int, str | None] | None:
    """Rows ICE's table holds for the week and the release they came from, or None when that week is not loaded."""
    if start is None:
        return None
    found = con.execute(
        "SELECT count(*), any_value(release_id) FROM ddor_declined_detainer WHERE report_week_start = ?", [start]
    ).fetchone()
    return (found[0], found[1]) if found and found[0] else None


def _quarantined(con: duckdb.DuckDBPyConnection, release_id: str | None, policy: bool) -> int:
    """Rows of that DDOR release refused at ingest (policy-table reasons start with 'policy table:')."""
    test = "LIKE" if policy else "NOT LIKE"
    return con.execute(
        f"SELECT count(*) FROM quarantine WHERE release_id = ? AND reason {test} 'policy table:%'", [release_id]
    ).fetchone()[0]


def _ddor(con: duckdb.DuckDBPyConnection, f: dict[str, Any], states: dict, peers: list[dict]) -> dict[str, Any]:
    rule = f["recompute"]
    if rule == "ddor_issued":
        return {"status": "not_reproducible", "value": None, "message": ISSUED_NOT_IN_TABLES}
    if "ddor_2017" not in states:
        return {"status": "not_reproducible", "value": None, "message": DDOR_NOT_MIRRORED}
    week = _ddor_week_loaded(con, f["period_start"])
    if week is None:
        why = f"not reproducible here: the DDOR issue for the week of {f['period_start']} is not loaded"
        return {"status": "not_reproducible", "value": None, "message": why}
    total, release_id = week
    where = "report_week_start = ?"
    if rule == "ddor_declined":
        found, refused = total, _quarantined(con, release_id, policy=False)
        what = "declined-detainer rows in ICE's table as loaded"
    elif rule == "ddor_policy":
        found = con.execute(
            "SELECT count(*) FROM ddor_policy_jurisdiction WHERE release_id = ?", [release_id]
        ).fetchone()[0]
        refused, what = _quarantined(con, release_id, policy=True), "policy-table rows as loaded"
    else:
        geoids = [f["subject"]] if rule == "ddor_declined_geoid" else [
            p["subject"] for p in peers if p["figure_id"].startswith(f["figure_id"] + "_")]  # fmt: skip
        found = con.execute(
            f"SELECT count(*) FROM ddor_declined_detainer WHERE {where} AND geoid IN (SELECT unnest(?))",
            [f["period_start"], geoids],
        ).fetchone()[0]
        refused, what = (
            0,
            "rows of ICE's table attributed to " + ("these counties" if len(geoids) > 1 else "this county"),
        )
    status = "attributed" if f["unit"] == "event" else _check(f["value"], f["comparator"], found)
    message = f"{found} {what}"
    if refused:
        message += f"; {refused} more were quarantined at ingest (bad date or state), which accounts for a difference"
    if f["unit"] == "event":
        message += "; ICE withdrew the attribution, so these rows are as printed, not as corrected"
    return {"status": status, "value": found, "message": message, "caveat": caveat(states.get("ddor_2017"))}


def _list(con: duckdb.DuckDBPyConnection, f: dict[str, Any], states: dict) -> dict[str, Any]:
    list_id = f["subject"].split(":", 1)[1]
    edition = con.execute("SELECT max(edition) FROM list_membership WHERE list_id = ?", [list_id]).fetchone()[0]
    if edition is None:
        return {"status": "not_loaded", "value": None,
                "message": f"not loaded: no edition of list {list_id} is in the store (unknown, not zero)"}  # fmt: skip
    rule = f["recompute"]
    release = con.execute(
        "SELECT any_value(release_id), min(withdrawn_date) FROM list_membership WHERE list_id = ? AND edition = ?",
        [list_id, edition],
    ).fetchone()
    state = next((s for s in states.values() if release[0] and release[0].startswith(s["source_id"] + "@")), None)
    if rule == "list_withdrawn":
        withdrawn = release[1]
        status = "agrees" if withdrawn is not None and withdrawn == f["published_on"] else "differs"
        message = (f"the store records edition {edition} as withdrawn on {withdrawn}" if withdrawn
                   else f"the store records edition {edition} as in force")  # fmt: skip
        return {"status": status, "value": None, "message": message, "caveat": caveat(state)}
    category = rule.split(":", 1)[1] if rule.startswith("list_category:") else None
    found = con.execute(
        "SELECT count(*) FROM list_membership WHERE list_id = ? AND edition = ? AND (? IS NULL OR category = ?)",
        [list_id, edition, category, category],
    ).fetchone()[0]
    what = f"{category}-level entries" if category else "entries"
    return {"status": _check(f["value"], f["comparator"], found), "value": found,
            "message": f"{found} {what} in edition {edition} as loaded", "caveat": caveat(state)}  # fmt: skip


def _recompute(con: duckdb.DuckDBPyConnection, f: dict[str, Any], states: dict, peers: list[dict]) -> dict[str, Any]:
    rule = f["recompute"]
    if rule.startswith("ddor_"):
        return _ddor(con, f, states, peers)
    if rule.startswith("list_"):
        return _list(con, f, states)
    if f["unit"] == "event":
        return {"status": "not_reproducible", "value": None, "message": "an event: shown as published"}
    return {"status": "not_reproducible", "value": None, "message": NO_TABLE}


def published_figures(
    con: duckdb.DuckDBPyConnection,
    subjects: list[str] | None = None,
    period_start: date | None = None,
    subject_prefix: str | None = None,
) -> dict[str, Any]:
    """Register figures about any of ``subjects`` (or counting the period starting ``period_start``, or whose
    subject starts with ``subject_prefix``), each with ``recomputed``: status, value, message, caveat."""
    states = source_states(con)
    if "published_figures" not in states:
        return {"status": "not_loaded", "figures": [],
                "message": "The published figures register is not loaded: no published figure is shown."}  # fmt: skip
    everything = _rows(con, "SELECT * FROM published_figure ORDER BY published_on NULLS LAST, figure_id")
    wanted = [
        f for f in everything
        if (subjects and f["subject"] in subjects)
        or (period_start is not None and f["period_start"] == period_start)
        or (subject_prefix and f["subject"].startswith(subject_prefix))
    ]  # fmt: skip
    disputes = _disputes(con)
    for f in wanted:
        f["recomputed"] = _recompute(con, f, states, everything)
        f["disputes"] = [d for d in disputes if d.get("figure") == f["figure_id"]]
    return {"status": "loaded", "figures": wanted, "message": None}


def _disputes(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Public objections from the policy register's disputes table; empty when the register is not loaded."""
    from sanctuarywatch.analysis.policies import disputes_for

    return disputes_for(con) or []


def for_ddor_week(con: duckdb.DuckDBPyConnection, week_start: date) -> dict[str, Any]:
    """Figures about one DDOR week (national and per-jurisdiction), and the suspension of the reports."""
    subjects = [f"ddor_week:{week_start}"] + (["ddor:2017"] if week_start.year == 2017 else [])
    return published_figures(con, subjects=subjects, period_start=week_start)


def for_jurisdiction(con: duckdb.DuckDBPyConnection, geoids: list[str]) -> dict[str, Any]:
    return published_figures(con, subjects=geoids)


def for_lists(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return published_figures(con, subject_prefix="list:")
