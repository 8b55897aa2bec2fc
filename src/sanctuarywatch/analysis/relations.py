"""Jurisdiction relations every analysis shares, kept below profile and litigation so neither imports the other."""

from __future__ import annotations

import duckdb


def related_geoids(con: duckdb.DuckDBPyConnection, geoid: str) -> list[str]:
    """The jurisdiction and the other half of a consolidated city-county: facts about either are about it."""
    other = con.execute("SELECT consolidated_with FROM jurisdiction WHERE geoid = ?", [geoid]).fetchone()
    return [geoid] + ([other[0]] if other and other[0] else [])
