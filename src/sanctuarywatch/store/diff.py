"""Compare two releases of a source, table by table: rows added, removed and changed.

Rows are matched on the natural key a connector declares in ``DIFF_KEYS`` (table -> key columns); a row is
changed when any other non-provenance column differs, except the edition columns a connector lists in
``DIFF_IGNORE`` (e.g. a 287(g) sheet's date, which differs on every sheet by construction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import duckdb

from sanctuarywatch.errors import InputError, NotFoundError
from sanctuarywatch.store.db import PROVENANCE_COLUMNS, table_columns


@dataclass
class TableDiff:
    table: str
    added: int
    removed: int
    changed: int
    unchanged: int
    examples: dict[str, list[dict]] = field(default_factory=dict)


def releases_of(con: duckdb.DuckDBPyConnection, source_id: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT release_id, version FROM release WHERE source_id = ? ORDER BY version, ingested_at", [source_id]
    ).fetchall()


def _pick(con, source_id: str, old: str | None, new: str | None) -> tuple[str, str]:
    known = releases_of(con, source_id)
    if len(known) < 2 and not (old and new):
        raise NotFoundError(f"{source_id}: {len(known)} release(s) stored; a diff needs two.")

    def find(ref: str) -> str:
        for release_id, version in known:
            if ref in (release_id, version) or release_id.endswith("@" + ref):
                return release_id
        raise NotFoundError(f"{source_id}: no release '{ref}'. Stored: {', '.join(v for _, v in known)}")

    return (find(old) if old else known[-2][0], find(new) if new else known[-1][0])


def diff_releases(
    con: duckdb.DuckDBPyConnection,
    connector: ModuleType,
    old: str | None = None,
    new: str | None = None,
    examples: int = 5,
) -> tuple[str, str, list[TableDiff]]:
    keys_by_table: dict[str, tuple[str, ...]] = getattr(connector, "DIFF_KEYS", {})
    if not keys_by_table:
        raise InputError(f"{connector.SPEC.source_id} declares no keys to compare releases on.")
    ignored: dict[str, tuple[str, ...]] = getattr(connector, "DIFF_IGNORE", {})
    old_id, new_id = _pick(con, connector.SPEC.source_id, old, new)
    out = []
    for table, keys in keys_by_table.items():
        skip = set(PROVENANCE_COLUMNS) | set(keys) | set(ignored.get(table, ()))
        values = [c for c in table_columns(con, table) if c not in skip]
        key_sql = ", ".join(keys)
        val_sql = ", ".join(values) or "NULL"
        side = (
            f"SELECT {key_sql}, md5(CAST(ROW({val_sql}) AS VARCHAR)) AS h FROM {table} WHERE release_id = ? "
            f"QUALIFY row_number() OVER (PARTITION BY {key_sql}) = 1"
        )
        join = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in keys)
        sql = f"""
            WITH o AS ({side}), n AS ({side})
            SELECT CASE WHEN o.h IS NULL THEN 'added' WHEN n.h IS NULL THEN 'removed'
                        WHEN o.h <> n.h THEN 'changed' ELSE 'unchanged' END AS change,
                   {", ".join(f"coalesce(n.{k}, o.{k}) AS {k}" for k in keys)}
            FROM o FULL OUTER JOIN n ON {join}
        """
        rows = con.execute(sql, [old_id, new_id]).fetchall()
        counts = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
        sample: dict[str, list[dict]] = {"added": [], "removed": [], "changed": []}
        for change, *key_values in rows:
            counts[change] += 1
            if change in sample and len(sample[change]) < examples:
                sample[change].append(dict(zip(keys, key_values, strict=True)))
        out.append(TableDiff(table, counts["added"], counts["removed"], counts["changed"], counts["unchanged"], sample))
    return old_id, new_id, out
