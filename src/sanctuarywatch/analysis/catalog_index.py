"""The server's catalog look-ups (jurisdiction listings, one jurisdiction, list members) from tables read once per
snapshot: on a cold start each of these cost a SQL query per request, one at a time per worker, and the first
second's queue of them made the slowest answers. Answers are those of :mod:`.catalog`, byte for byte (tested)."""

from __future__ import annotations

from typing import Any

import duckdb

from sanctuarywatch.analysis import catalog
from sanctuarywatch.analysis.query import rows as _rows
from sanctuarywatch.errors import NotFoundError

LISTING_COLUMNS = ("geoid", "name", "level", "lsad", "state_abbr", "population", "consolidated_with")


class CatalogIndex:
    """Every jurisdiction and every list membership, read once (~0.2 s); each look-up is then a dictionary hit
    and a slice."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        # catalog's own queries with no filter, so order, types and values are exactly theirs
        everything, _ = catalog.list_jurisdictions(con, limit=1 << 62)
        self._listing: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}
        for row in everything:  # every (level, state) filter a request can give, each in catalog's order
            level, state = row["level"], row["state_abbr"]
            for key in ((None, None), (level, None), (None, state), (level, state)):
                self._listing.setdefault(key, []).append(row)
        self._jurisdiction = {
            r["geoid"]: r
            for r in _rows(
                con,
                """SELECT geoid, name, level, lsad, state_abbr, state_fips, population, consolidated_with,
                          release_id, file_name, row_number FROM jurisdiction""",
            )
        }
        self._members: dict[str, list[dict[str, Any]]] = {}
        for (list_id,) in con.execute("SELECT list_id FROM designation_list").fetchall():
            self._members[list_id], _ = catalog.list_members(con, list_id, limit=1 << 62)

    def list_jurisdictions(
        self, level: str | None = None, state: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """As :func:`catalog.list_jurisdictions`."""
        found = self._listing.get((level, None if state is None else state.upper()), [])
        return [dict(r) for r in found[offset : offset + limit]], len(found)

    def get_jurisdiction(self, geoid: str) -> dict[str, Any]:
        """As :func:`catalog.get_jurisdiction`."""
        found = self._jurisdiction.get(geoid)
        if found is None:
            raise NotFoundError(f"No jurisdiction with GEOID '{geoid}'.")
        return dict(found)

    def list_members(self, list_id: str, limit: int = 100, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """As :func:`catalog.list_members`."""
        found = self._members.get(list_id)
        if found is None:
            raise NotFoundError(f"No designation list '{list_id}'.")
        return [dict(r) for r in found[offset : offset + limit]], len(found)
