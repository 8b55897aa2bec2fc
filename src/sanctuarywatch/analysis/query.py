"""The one helper every analysis uses to read rows as dictionaries."""

from __future__ import annotations

from typing import Any

import duckdb


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Run ``sql`` and return its rows as column-name dictionaries."""
    cur = con.execute(sql, params if params is not None else [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
