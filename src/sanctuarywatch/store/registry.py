"""Read the jurisdiction registry out of the store, and build the name resolver over it."""

from __future__ import annotations

import duckdb

from sanctuarywatch.geo.resolver import Alias, RegistryEntry, Resolver, load_packaged_aliases

REGISTRY_SOURCE = "census_geography"  # the source whose releases hold the registry (sources/census_geography.py)


def registry_entries(con: duckdb.DuckDBPyConnection) -> list[RegistryEntry]:
    rows = con.execute(
        "SELECT geoid, level, name, lsad, state_fips, state_abbr, consolidated_with, valid_to IS NOT NULL "
        "FROM jurisdiction"
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


# Everything build_resolver reads, summarised: equal answers mean an equal resolver (row count + sum of row hashes).
_RESOLVER_INPUTS = """
    SELECT (SELECT (count(*), sum(hash(geoid, level, name, lsad, state_fips, state_abbr, consolidated_with,
                                      valid_to IS NOT NULL))) FROM jurisdiction),
           (SELECT (count(*), sum(hash(child_geoid, parent_geoid))) FROM jurisdiction_relation
             WHERE relation = 'in_county'),
           (SELECT (count(*), sum(hash(input_text, decided_geoid, state_hint))) FROM review_item
             WHERE status = 'accepted'),
           (SELECT (count(*), sum(hash(name, geoid, state_abbr))) FROM agency WHERE geoid IS NOT NULL)
"""


class ResolverCache:
    """One resolver for a run of ingests, rebuilt only when what it is built from (registry, relations, reviewed
    aliases, linked agencies) has changed since it was built; building costs ~0.5 s, the check milliseconds."""

    def __init__(self) -> None:
        self._inputs: tuple | None = None
        self._resolver: Resolver | None = None
        self.builds = 0

    def get(self, con: duckdb.DuckDBPyConnection) -> Resolver:
        inputs = con.execute(_RESOLVER_INPUTS).fetchone()
        if self._resolver is None or inputs != self._inputs:
            self._resolver, self._inputs = build_resolver(con), inputs
            self.builds += 1
        return self._resolver


def build_resolver(con: duckdb.DuckDBPyConnection) -> Resolver:
    entries = registry_entries(con)
    if not entries:
        from sanctuarywatch.errors import SanctuaryWatchError

        raise SanctuaryWatchError(
            f"The jurisdiction registry is empty. Run: sanctuarywatch ingest {REGISTRY_SOURCE} (or ingest all)."
        )
    relations = con.execute(
        "SELECT child_geoid, list(parent_geoid ORDER BY parent_geoid) FROM jurisdiction_relation "
        "WHERE relation = 'in_county' GROUP BY child_geoid"
    ).fetchall()
    return Resolver(entries, load_packaged_aliases() + stored_aliases(con), {p: tuple(c) for p, c in relations})


def registry_counts(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Counts by level for the 50 states + DC (current entities, and former counties kept for old sources),
    and the vintage the registry came from."""
    row = con.execute(
        """
        SELECT
          count(*) FILTER (WHERE level = 'state' AND state_fips <= '56'),
          count(*) FILTER (WHERE level = 'county' AND state_fips <= '56' AND valid_to IS NULL),
          count(*) FILTER (WHERE level = 'county' AND state_fips <= '56' AND valid_to IS NOT NULL),
          count(*) FILTER (WHERE level = 'place' AND state_fips <= '56' AND funcstat = 'A'),
          count(*) FILTER (WHERE level = 'place' AND state_fips <= '56' AND funcstat = 'S'),
          count(*) FILTER (WHERE level = 'place' AND state_fips <= '56' AND coalesce(funcstat, '') NOT IN ('A', 'S')),
          count(*) FILTER (WHERE state_fips > '56'),
          count(*) FILTER (WHERE population IS NOT NULL)
        FROM jurisdiction
        """
    ).fetchone()
    release = con.execute(
        "SELECT version, origin, release_id, kind, coverage FROM release WHERE source_id = ? "
        "ORDER BY ingested_at DESC LIMIT 1",
        [REGISTRY_SOURCE],
    ).fetchone()
    relations = con.execute(
        "SELECT count(DISTINCT child_geoid) FROM jurisdiction_relation WHERE relation = 'in_county'"
    ).fetchone()[0]
    return {
        "vintage": release[0] if release else None,
        "origin": release[1] if release else None,
        "release_id": release[2] if release else None,
        "kind": release[3] if release else None,
        "coverage": release[4] if release else None,
        "states_and_dc": row[0],
        "counties": row[1],
        "former_counties": row[2],
        "incorporated_places": row[3],
        "census_designated_places": row[4],
        "other_places": row[5],
        "places": row[3] + row[4] + row[5],
        "territory_rows": row[6],
        "with_population": row[7],
        "places_with_parent_county": relations,
    }
