"""Read the jurisdiction registry out of the store, and build the name resolver over it."""

from __future__ import annotations

import duckdb

from sanctuarywatch.geo.resolver import Alias, RegistryEntry, Resolver, load_packaged_aliases
from sanctuarywatch.sources.census_geography import SPEC as CENSUS


def registry_entries(con: duckdb.DuckDBPyConnection) -> list[RegistryEntry]:
    rows = con.execute(
        "SELECT geoid, level, name, lsad, state_fips, state_abbr, consolidated_with FROM jurisdiction"
    ).fetchall()
    return [RegistryEntry(*row) for row in rows]


def stored_aliases(con: duckdb.DuckDBPyConnection) -> list[Alias]:
    """Aliases decided by people in the review queue, and agency names linked to a jurisdiction."""
    reviewed = con.execute(
        "SELECT input_text, decided_geoid, state_hint FROM review_item WHERE status = 'accepted'"
    ).fetchall()
    agencies = con.execute("SELECT name, geoid, state_abbr FROM agency WHERE geoid IS NOT NULL").fetchall()
    return [Alias(t, g, s, "reviewed by a person", "review queue") for t, g, s in reviewed] + [
        Alias(n, g, s, "known agency", "agency table") for n, g, s in agencies
    ]


def build_resolver(con: duckdb.DuckDBPyConnection) -> Resolver:
    entries = registry_entries(con)
    if not entries:
        from sanctuarywatch.errors import SanctuaryWatchError

        raise SanctuaryWatchError(
            f"The jurisdiction registry is empty. Run: sanctuarywatch ingest {CENSUS.source_id} (or ingest all)."
        )
    return Resolver(entries, load_packaged_aliases() + stored_aliases(con))


def registry_counts(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Counts by level for the 50 states + DC, and the vintage the registry came from."""
    row = con.execute(
        """
        SELECT
          count(*) FILTER (WHERE level = 'state' AND state_fips <= '56'),
          count(*) FILTER (WHERE level = 'county' AND state_fips <= '56'),
          count(*) FILTER (WHERE level = 'place' AND state_fips <= '56'),
          count(*) FILTER (WHERE state_fips > '56')
        FROM jurisdiction
        """
    ).fetchone()
    release = con.execute(
        "SELECT version, origin, release_id FROM release WHERE source_id = ? ORDER BY ingested_at DESC LIMIT 1",
        [CENSUS.source_id],
    ).fetchone()
    return {
        "vintage": release[0] if release else None,
        "origin": release[1] if release else None,
        "release_id": release[2] if release else None,
        "states_and_dc": row[0],
        "counties": row[1],
        "places": row[2],
        "territory_rows": row[3],
    }
