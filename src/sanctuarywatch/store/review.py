"""The review queue: names the resolver would not accept on its own, and people's decisions on them."""

from __future__ import annotations

import json

import duckdb

from sanctuarywatch.errors import InputError, NotFoundError
from sanctuarywatch.geo.resolver import Resolution


def enqueue(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str | None, str | None, Resolution]], origin: str
) -> int:
    """Add open items for names not already queued (same text and state); return how many were added."""
    added = 0
    for text, state, level, result in rows:
        exists = con.execute(
            "SELECT 1 FROM review_item WHERE input_text = ? AND coalesce(state_hint, '') = coalesce(?, '')",
            [text, state],
        ).fetchone()
        if exists:
            continue
        con.execute(
            "INSERT INTO review_item VALUES (nextval('review_item_seq'), ?, ?, ?, ?, ?, 'open', NULL, now(), NULL)",
            [text, state, level, json.dumps([c.as_dict() for c in result.candidates]), origin],
        )
        added += 1
    return added


# Fact tables that keep a name as printed beside the resolver's answer: (table, text column, state column).
NAMED_FACTS = (
    ("list_membership", "as_printed", "state_as_printed"),
    ("agreement_287g", "agency_name", "state_abbr"),
    ("ddor_declined_detainer", "jurisdiction_printed", "state_abbr"),
    ("ddor_policy_jurisdiction", "jurisdiction_printed", "state_abbr"),
    ("grant_award", "recipient_name", "state_abbr"),
)


def queue_unaccepted(con: duckdb.DuckDBPyConnection, resolver) -> int:
    """Queue every distinct name a source printed that the resolver sent to review; return how many were new."""
    added = 0
    for table, text_col, state_col in NAMED_FACTS:
        names = con.execute(
            f"SELECT DISTINCT {text_col}, {state_col} FROM {table} WHERE resolution_status = 'needs_review'"
        ).fetchall()
        rows = []
        for text, state in names:
            try:
                rows.append((text, state, None, resolver.resolve(text, state=state)))
            except InputError:
                continue  # an unknown state as printed: the row was already quarantined or kept as is
        added += enqueue(con, rows, table)
    return added


def items(con: duckdb.DuckDBPyConnection, status: str = "open") -> list[dict]:
    rows = con.execute(
        "SELECT review_id, input_text, state_hint, candidates, status, decided_geoid FROM review_item "
        "WHERE status = ? ORDER BY review_id",
        [status],
    ).fetchall()
    return [
        {
            "review_id": r[0],
            "input_text": r[1],
            "state_hint": r[2],
            "candidates": json.loads(r[3]),
            "status": r[4],
            "decided_geoid": r[5],
        }
        for r in rows
    ]


def decide(con: duckdb.DuckDBPyConnection, review_id: int, geoid: str | None) -> None:
    """Accept ``geoid`` for an item (it becomes an alias) or reject it (``geoid`` None)."""
    if not con.execute("SELECT 1 FROM review_item WHERE review_id = ?", [review_id]).fetchone():
        raise NotFoundError(f"No review item {review_id}.")
    if geoid is not None and not con.execute("SELECT 1 FROM jurisdiction WHERE geoid = ?", [geoid]).fetchone():
        raise InputError(f"Unknown GEOID '{geoid}'.")
    con.execute(
        "UPDATE review_item SET status = ?, decided_geoid = ?, decided_at = now() WHERE review_id = ?",
        ["accepted" if geoid else "rejected", geoid, review_id],
    )
    if geoid is not None:
        # The stored facts that printed this name now carry the person's answer (their provenance is unchanged).
        text, state = con.execute("SELECT input_text, state_hint FROM review_item WHERE review_id = ?",
                                  [review_id]).fetchone()  # fmt: skip
        for table, text_col, state_col in NAMED_FACTS:
            con.execute(
                f"UPDATE {table} SET geoid = ?, resolution_status = 'reviewed' WHERE {text_col} = ? "
                f"AND coalesce({state_col}, '') = coalesce(?, '') AND resolution_status = 'needs_review'",
                [geoid, text, state],
            )
