"""Open the DuckDB store and bring its schema up to date.

The schema lives in numbered SQL files under ``migrations/``; each is applied once, in order, inside a
transaction, and recorded in ``schema_migration``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from sanctuarywatch.errors import SanctuaryWatchError

PROVENANCE_COLUMNS = ("release_id", "file_name", "row_number")


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("sanctuarywatch.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet applied; return the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    pending = [(version, name, sql) for version, name, sql in _migrations() if version not in done]
    # One transaction for all of them: a new store is built in one commit (one WAL sync, not one per migration),
    # and a failure leaves the store at the version it had.
    with transaction(con):
        for version, name, sql in pending:
            con.execute(sql)
            con.execute("INSERT INTO schema_migration VALUES (?, ?, now())", [version, name])
    return [name for _, name, _ in pending]


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at ``path`` with an up-to-date schema."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise SanctuaryWatchError(
                f"No store at {path}. Build it first: sanctuarywatch ingest all (or set SANCTUARYWATCH_DB)."
            )
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise SanctuaryWatchError(f"Cannot open the store {path}: {exc}") from exc
    migrate(con)
    return con


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All-or-nothing writes: on any exception the store is left exactly as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@dataclass(frozen=True)
class ColumnDoc:
    table: str
    column: str
    data_type: str
    description: str


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a table, read from the catalog (the migration is the one definition)."""
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]
    ).fetchall()
    return [r[0] for r in rows]


def data_dictionary(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[ColumnDoc]]]:
    """Every table and view with its comment and its columns' types and comments."""
    tables = con.execute(
        "SELECT table_name, coalesce(comment, '') FROM duckdb_tables() WHERE schema_name = 'main' "
        "UNION ALL SELECT view_name, coalesce(comment, '') FROM duckdb_views() "
        "WHERE schema_name = 'main' AND NOT internal ORDER BY 1"
    ).fetchall()
    out = []
    for table, comment in tables:
        cols = con.execute(
            "SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns() "
            "WHERE table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
        out.append((table, comment, [ColumnDoc(table, c, t, d) for c, t, d in cols]))
    return out
