"""The ingest pipeline: find a source's releases, parse each, and write it in one transaction.

Idempotent: a release id is derived from the files' checksums, so the same files are never loaded twice.
Crash-safe: everything for a release (its rows, quarantine, and the release record itself) is written in
one DuckDB transaction, so an interrupted ingest leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import duckdb
import pyarrow as pa

from sanctuarywatch.errors import SanctuaryWatchError, SourceFormatError
from sanctuarywatch.sources.base import (
    Finder,
    LocatedFile,
    ParseContext,
    Parsed,
    ReleaseFiles,
    SourceSpec,
    snapshot_release,
)
from sanctuarywatch.sources.manifest import ManifestEntry, entry_for, release_coverage
from sanctuarywatch.store.db import table_columns, transaction


@dataclass(frozen=True)
class IngestResult:
    source_id: str
    release_id: str
    version: str
    status: str  # loaded | unchanged
    rows_loaded: int
    rows_quarantined: int


def release_id_for(source_id: str, release: ReleaseFiles) -> str:
    return f"{source_id}@{release.content_sha256[:12]}"


def ingest_source(
    con: duckdb.DuckDBPyConnection, connector: ModuleType, finder: Finder, ctx: ParseContext
) -> list[IngestResult]:
    """Ingest every release of one source that the finder can see and the store does not yet hold."""
    return [ingest_release(con, connector, release, ctx) for release in connector.discover(finder)]


def ingest_release(
    con: duckdb.DuckDBPyConnection, connector: ModuleType, release: ReleaseFiles, ctx: ParseContext
) -> IngestResult:
    spec = connector.SPEC
    parsed = None
    if not release.hashed:
        # A file read once, in place, is hashed by that read (hashing it at discovery too would read it twice), so
        # the release is parsed first and named after; what is stored is still exactly what the release id names.
        parsed = parse_checked(connector, release, ctx)
        release = release.with_checksums(parsed.checksums)
    release_id = release_id_for(spec.source_id, release)
    existing = con.execute(
        "SELECT version, rows_loaded, rows_quarantined FROM release WHERE release_id = ?", [release_id]
    ).fetchone()
    if existing:
        return IngestResult(spec.source_id, release_id, existing[0], "unchanged", existing[1], existing[2])
    if release.origin == "package":
        real = con.execute(
            "SELECT release_id, version, rows_loaded, rows_quarantined FROM release "
            "WHERE source_id = ? AND origin <> 'package' ORDER BY ingested_at DESC LIMIT 1",
            [spec.source_id],
        ).fetchone()
        if real:  # a packaged fallback never replaces what was loaded from the real files
            return IngestResult(spec.source_id, real[0], real[1], "unchanged", real[2], real[3])
    described = check_files(spec, release)
    if parsed is None:
        parsed = parse_checked(connector, release, ctx)  # raises SourceFormatError before anything is written
    try:
        with transaction(con):
            _write(con, spec, release, release_id, parsed, ctx, described)
            _fault_injection_pause()
    except duckdb.InterruptException as exc:  # Ctrl-C inside a DuckDB statement: rolled back like any other
        raise KeyboardInterrupt from exc
    except duckdb.ConstraintException as exc:
        names = ", ".join(f.name for f in release.files)
        raise SourceFormatError(
            names, f"its rows clash with rows already stored (nothing was written): {str(exc).splitlines()[0]}"
        ) from exc
    return IngestResult(
        spec.source_id, release_id, release.version, "loaded", parsed.rows_loaded, len(parsed.quarantine)
    )


# Errors a reader library raises on a malformed file; anything else is a bug and keeps its traceback.
_READER_ERRORS = (csv.Error, UnicodeError, zipfile.BadZipFile, zlib.error, EOFError, MemoryError, RecursionError)


def parse_checked(connector: ModuleType, release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    """Parse a private copy of the release's files whose bytes hash to the discovered checksums, so what is
    stored is exactly what the release id names; a reader's low-level error becomes a message naming the files."""
    # A connector that reads some files in one sequential pass through a VerifiedStream (READ_ONCE_SUFFIXES) is
    # spared their copy: for a 240 MB CSV the copy costs a tenth of the whole ingest.
    suffixes = getattr(connector, "READ_ONCE_SUFFIXES", ())
    with tempfile.TemporaryDirectory(prefix="sanctuarywatch-ingest-") as tmp:
        frozen = snapshot_release(release, Path(tmp), lambda f: f.path.suffix.lower() in suffixes)
        try:
            return connector.parse(frozen, ctx)
        except SanctuaryWatchError:
            raise
        except _READER_ERRORS as exc:
            names = ", ".join(f.name for f in release.files)
            problem = "too large to read in memory" if isinstance(exc, MemoryError) else "not readable"
            raise SourceFormatError(names, f"{problem} ({type(exc).__name__}: {exc})") from exc


def check_files(spec: SourceSpec, release: ReleaseFiles) -> list[ManifestEntry | None]:
    """Each file's manifest entry; refuses a file whose checksum differs from the connector's pin or the
    mirror manifest's, so a changed publisher file is noticed the day it arrives, never loaded silently."""
    pins = {f.name: f.sha256 for f in spec.files if f.sha256}
    described = []
    for f in release.files:
        pinned = pins.get(f.name)
        if pinned and pinned != f.sha256:
            raise SourceFormatError(
                f.name,
                f"sha256 {f.sha256[:12]}… differs from the pinned {pinned[:12]}… in the {spec.source_id} "
                "connector: a new edition must be checked and its checksum pinned before it is loaded",
            )
        entry = entry_for(f.path)
        if entry and entry.sha256 and entry.sha256 != f.sha256:
            raise SourceFormatError(
                f.name,
                f"sha256 {f.sha256[:12]}… differs from the mirror manifest's {entry.sha256[:12]}… "
                f"({entry.path}): the mirrored file changed after it was described",
            )
        described.append(entry)
    return described


def _file_kind(f: LocatedFile, entry: ManifestEntry | None) -> str | None:
    if entry:
        return entry.kind
    return "curated" if "sanctuarywatch" in f.path.parts else None


def _fault_injection_pause() -> None:
    """Crash-safety tests set SANCTUARYWATCH_FAULT_PAUSE_BEFORE_COMMIT=SECONDS to hold a fully written, not yet
    committed ingest open, so they can kill -9 the process at the worst moment and check nothing was kept."""
    seconds = os.environ.get("SANCTUARYWATCH_FAULT_PAUSE_BEFORE_COMMIT")
    if seconds:
        print("ingest written, pausing before commit", file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, release_id: str | None, verb: str) -> None:
    if rows.num_rows == 0:
        return
    # One chunk per column: DuckDB then writes the rows as it inserts them; many chunks are inserted in parallel
    # into row groups that closing the store must rewrite (measured: ~0.6 s more per million detainers).
    con.register("_incoming", rows.combine_chunks())
    try:
        extra = "? AS release_id, " if release_id else ""
        con.execute(f"{verb} INTO {table} BY NAME SELECT {extra}* FROM _incoming", [release_id] if release_id else [])
    finally:
        # After a failed statement the transaction is aborted and unregistering fails too: that error must not hide
        # the real one (a key clash), and the caller's rollback ends the transaction anyway.
        with contextlib.suppress(duckdb.TransactionException):
            con.unregister("_incoming")


def _write(
    con,
    spec,
    release: ReleaseFiles,
    release_id: str,
    parsed: Parsed,
    ctx: ParseContext,
    described: list[ManifestEntry | None],
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO source VALUES (?, ?, ?, ?, ?, ?)",
        [spec.source_id, spec.title, spec.publisher, spec.url, spec.licence, spec.description],
    )
    for table in parsed.replace:
        con.execute(
            f"DELETE FROM {table} WHERE release_id IN (SELECT release_id FROM release WHERE source_id = ?)",
            [spec.source_id],
        )
    for table, rows in parsed.upserts.items():
        # Reference rows (lists, agencies, cases) keyed by primary key: the latest release that names them wins.
        with_release = "release_id" in table_columns(con, table) and "release_id" not in rows.column_names
        _insert(con, table, rows, release_id if with_release else None, "INSERT OR REPLACE")
    for table, rows in parsed.tables.items():
        _insert(con, table, rows, release_id, "INSERT")
    if parsed.quarantine:
        con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
            [[release_id, q.file_name, q.row_number, q.field, q.value, q.reason] for q in parsed.quarantine],
        )
    kind, coverage, note = release_coverage(described)
    if kind is None and all(_file_kind(f, None) == "curated" for f in release.files):
        kind = "curated"
    con.execute(
        "INSERT INTO release (release_id, source_id, version, content_sha256, origin, retrieved_at, ingested_at, "
        "rows_loaded, rows_quarantined, kind, coverage, coverage_note) VALUES (?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?)",
        [
            release_id,
            spec.source_id,
            release.version,
            release.content_sha256,
            release.origin,
            ctx.retrieved_at.replace(tzinfo=None),
            parsed.rows_loaded,
            len(parsed.quarantine),
            kind,
            coverage,
            note,
        ],
    )
    con.executemany(
        "INSERT INTO release_file (release_id, file_name, sha256, bytes, url, kind, coverage, note, publisher, "
        "obtained_from, vintage, mirror_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                release_id,
                f.name,
                f.sha256,
                f.bytes,
                f.url,
                _file_kind(f, e),
                e and e.coverage,
                e and e.note,
                e and e.publisher,
                e and e.obtained_from,
                e and e.vintage,
                e and e.path,
            ]
            for f, e in zip(release.files, described, strict=True)
        ],
    )
