"""Bulk exports for other engines: every table as Parquet with its data dictionary and a checksummed manifest,
and single-file DuckDB and SQLite copies of the store for the static site's downloads.

The Parquet folder is what a researcher loads into Spark, BigQuery, Trino or pandas:
``tables/<table>.parquet`` (views materialised under ``views/``), ``data_dictionary.csv`` / ``.json`` (every column
with its type, description and whether it is a provenance column), ``manifest.json`` (row counts, sha256, bytes,
release ids per table) and ``SHA256SUMS`` (``sha256sum -c`` checks it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sanctuarywatch.csv_out import write_csv
from sanctuarywatch.errors import InputError
from sanctuarywatch.store.db import PROVENANCE_COLUMNS, connect, data_dictionary

FORMAT = "sanctuarywatch-parquet-export"
MANIFEST = "manifest.json"


@dataclass
class TableExport:
    name: str
    kind: str
    file: str
    rows: int
    sha256: str
    bytes: int
    description: str
    provenance_columns: list[str] = field(default_factory=list)
    release_ids: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_out_folder(out: Path) -> None:
    """Refuse a target that is a file, or a non-empty folder that is not an earlier export (nothing is overwritten
    that this command did not write)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a folder to write the Parquet export into.")
    if out.is_dir() and any(out.iterdir()):
        manifest = out / MANIFEST
        try:
            ours = json.loads(manifest.read_text(encoding="utf-8")).get("format") == FORMAT
        except (OSError, ValueError):
            ours = False
        if not ours:
            raise InputError(f"{out} is a non-empty folder that is not a Sanctuary Watch export (no {MANIFEST} of "
                             "ours in it); choose an empty or new folder.")  # fmt: skip


def _views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """Views with their comment and columns (store.db.data_dictionary lists base tables only)."""
    out = []
    for name, comment in con.execute(
        "SELECT view_name, coalesce(comment, '') FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal "
        "ORDER BY view_name"
    ).fetchall():
        cols = con.execute(
            "SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [name],
        ).fetchall()
        out.append((name, comment, cols))
    return out


def _dictionary(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, list[tuple[str, str, str]]]]:
    """(name, kind, description, [(column, type, description)]) for every table and view."""
    entries = [(t, "table", c, [(d.column, d.data_type, d.description) for d in cols])
               for t, c, cols in data_dictionary(con)]  # fmt: skip
    entries += [(v, "view", c, cols) for v, c, cols in _views(con)]
    return entries


def _release_ids(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    sql = f'SELECT DISTINCT release_id FROM "{name}" WHERE release_id IS NOT NULL ORDER BY 1'
    return [r[0] for r in con.execute(sql).fetchall()]


def export_parquet(db: Path, out: Path) -> list[TableExport]:
    """Write every table and view of the store at ``db`` as Parquet into ``out`` with dictionary and manifest."""
    check_out_folder(out)
    for sub in ("tables", "views"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True, exist_ok=True)
    con = connect(db, read_only=True)
    try:
        entries = _dictionary(con)
        exported = []
        for name, kind, description, cols in entries:
            path = out / f"{kind}s" / f"{name}.parquet"
            con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            names = [c[0] for c in cols]
            releases = _release_ids(con, name) if "release_id" in names else []
            exported.append(TableExport(name, kind, path.relative_to(out).as_posix(), rows, _sha256(path),
                                        path.stat().st_size, description,
                                        [c for c in PROVENANCE_COLUMNS if c in names], releases))  # fmt: skip
        schema_version = con.execute("SELECT max(version) FROM schema_migration").fetchone()[0]
    finally:
        con.close()
    _write_dictionary(out, entries)
    manifest = {"format": FORMAT, "format_version": 1, "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "schema_version": schema_version, "provenance_columns": list(PROVENANCE_COLUMNS),
                "tables": [asdict(t) for t in exported]}  # fmt: skip
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    sums = [f"{t.sha256}  {t.file}" for t in exported]
    sums += [f"{_sha256(out / n)}  {n}" for n in ("data_dictionary.csv", "data_dictionary.json")]
    (out / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    return exported


def _write_dictionary(out: Path, entries) -> None:
    rows = [[name, kind, column, data_type, description, column in PROVENANCE_COLUMNS]
            for name, kind, _, cols in entries for column, data_type, description in cols]  # fmt: skip
    write_csv(rows, ["table", "kind", "column", "data_type", "description", "is_provenance"],
              out / "data_dictionary.csv")  # fmt: skip
    doc = [{"table": name, "kind": kind, "description": description,
            "columns": [{"name": c, "type": t, "description": d, "is_provenance": c in PROVENANCE_COLUMNS}
                        for c, t, d in cols]} for name, kind, description, cols in entries]  # fmt: skip
    (out / "data_dictionary.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def export_duckdb_file(db: Path, target: Path) -> Path:
    """A compact single-file DuckDB copy of the store (tables, views, comments) for download."""
    target.unlink(missing_ok=True)
    if not Path(db).exists():
        connect(db, read_only=True)  # raises the usual "no store" message
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{db}' AS store (READ_ONLY)")
        con.execute(f"ATTACH '{target}' AS download")
        con.execute("COPY FROM DATABASE store TO download")
    finally:
        con.close()
    return target


def _sqlite_type(duck_type: str) -> str:
    t = duck_type.upper()
    if any(k in t for k in ("INT", "BOOLEAN")):
        return "INTEGER"
    if any(k in t for k in ("DOUBLE", "FLOAT", "REAL", "DECIMAL")):
        return "REAL"
    return "TEXT"  # dates and timestamps as ISO text, lists and JSON as text


def export_sqlite_file(db: Path, target: Path) -> Path:
    """A single-file SQLite copy of every table (dates as ISO text) for tools without DuckDB."""
    target.unlink(missing_ok=True)
    con = connect(db, read_only=True)
    lite = sqlite3.connect(target)
    try:
        for table, _, cols in data_dictionary(con):
            names = [c.column for c in cols]
            ddl = ", ".join(f'"{c.column}" {_sqlite_type(c.data_type)}' for c in cols)
            lite.execute(f'CREATE TABLE "{table}" ({ddl})')
            select = ", ".join(
                f'CAST("{c.column}" AS VARCHAR)' if _sqlite_type(c.data_type) == "TEXT" else
                (f'CAST("{c.column}" AS DOUBLE)' if "DECIMAL" in c.data_type.upper() else f'"{c.column}"')
                for c in cols)  # fmt: skip
            cur = con.execute(f'SELECT {select} FROM "{table}"')
            marks = ", ".join("?" * len(names))
            while batch := cur.fetchmany(50_000):
                lite.executemany(f'INSERT INTO "{table}" VALUES ({marks})', batch)
        lite.commit()
    finally:
        lite.close()
        con.close()
    return target


def write_site_downloads(db: Path, out: Path) -> list[Path]:
    """The static site's single-file downloads: ``data/sanctuarywatch.duckdb`` and ``data/sanctuarywatch.sqlite``."""
    folder = out / "data"
    folder.mkdir(parents=True, exist_ok=True)
    return [export_duckdb_file(db, folder / "sanctuarywatch.duckdb"),
            export_sqlite_file(db, folder / "sanctuarywatch.sqlite")]  # fmt: skip
